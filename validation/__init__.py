"""Physics validation: every model checked against a closed form or a published number.

A *case* is a function registered with :func:`case` that takes a ``size`` (``"small"`` for
the test suite, ``"full"`` for the report) and returns one or more :class:`Result`. Cases live
in the modules of :mod:`validation.cases`; ``python -m validation`` runs them all at full size,
prints a table, writes ``validation/report.md`` and PNG figures, and exits non-zero when any
case fails. The tests call the same functions at ``size="small"``, so the report and the test
suite cannot disagree.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field

SIZES = ("small", "full")


@dataclass
class Result:
    """Outcome of one validated quantity.

    Parameters
    ----------
    name : str
        Short identifier of the quantity, e.g. ``"gaussian beam w(z)"``.
    measured : float
        What the simulator produced (in ``unit``), or an error metric.
    reference : float
        What the closed form or published number says.
    tolerance : float
        Largest allowed ``|measured - reference|`` (absolute, in ``unit``).
    citation : str
        Where the reference comes from.
    unit : str
        Unit of ``measured`` / ``reference`` (``""`` if dimensionless).
    note : str
        How the tolerance was derived, or anything a reader needs to judge the case.
    figure : callable or None
        ``figure(fig)`` draws onto a ``matplotlib.figure.Figure``; only the report calls it.
    """

    name: str
    measured: float
    reference: float
    tolerance: float
    citation: str
    unit: str = ""
    note: str = ""
    figure: Callable | None = field(default=None, repr=False)

    @property
    def error(self) -> float:
        return abs(float(self.measured) - float(self.reference))

    @property
    def passed(self) -> bool:
        return bool(self.error <= self.tolerance)


_REGISTRY: dict[str, Callable] = {}


def case(name: str):
    """Register a validation case ``fn(size) -> Result | list[Result]`` under ``name``."""

    def register(fn):
        if name in _REGISTRY:
            raise ValueError(f"validation case {name!r} registered twice")
        _REGISTRY[name] = fn
        fn.case_name = name
        return fn

    return register


def load_cases() -> dict[str, Callable]:
    """Import every module of :mod:`validation.cases` and return the registry."""
    from . import cases

    for info in pkgutil.iter_modules(cases.__path__):
        importlib.import_module(f"{cases.__name__}.{info.name}")
    return dict(_REGISTRY)


def run_case(name: str, size: str = "small") -> list[Result]:
    """Run one registered case and return its results as a list."""
    if size not in SIZES:
        raise ValueError(f"size must be one of {SIZES}, got {size!r}")
    registry = load_cases()
    if name not in registry:
        raise ValueError(f"unknown validation case {name!r}; known: {sorted(registry)}")
    out = registry[name](size)
    return list(out) if isinstance(out, (list, tuple)) else [out]
