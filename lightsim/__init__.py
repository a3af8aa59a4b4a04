"""lightsim: a physics-first simulator of optical processing units.

Stages (one module each): :mod:`~lightsim.grid` (sampling), :mod:`~lightsim.propagation`
(free-space propagation). See ``DESIGN.md`` for the whole chain.
"""

from .grid import Grid
from .propagation import (
    AngularSpectrum,
    Fraunhofer,
    FresnelIR,
    FresnelTF,
    angular_spectrum,
    bandlimit_frequency,
    critical_distance,
    fraunhofer,
    fraunhofer_q,
    fresnel,
    fresnel_number,
    propagate,
)

__version__ = "0.1.0"

__all__ = [
    "AngularSpectrum",
    "Fraunhofer",
    "FresnelIR",
    "FresnelTF",
    "Grid",
    "angular_spectrum",
    "bandlimit_frequency",
    "critical_distance",
    "fraunhofer",
    "fraunhofer_q",
    "fresnel",
    "fresnel_number",
    "propagate",
]
