"""lightsim: a physics-first simulator of optical processing units.

Stages (one module each): :mod:`~lightsim.grid` (sampling), :mod:`~lightsim.propagation`
(free-space propagation). See ``DESIGN.md`` for the whole chain.
"""

from .grid import Grid

__version__ = "0.1.0"

__all__ = ["Grid"]
