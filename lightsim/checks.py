"""Argument validation shared by every stage of the simulator.

Each helper raises a ``ValueError`` or ``TypeError`` whose message names the parameter,
the offending value and what is allowed, so that bad input never passes silently
(no clipping, no silent casting). Public so that `dfa` and user scripts validate the same way.
"""

from __future__ import annotations

import numbers

import numpy as np


def _describe(value) -> str:
    """Short, safe text for an offending value in an error message."""
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def real_scalar(name: str, value) -> float:
    """Return ``value`` as a finite Python float, or raise.

    Booleans are rejected (``True`` is not a distance).
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {_describe(value)}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def positive(name: str, value) -> float:
    """A finite real number > 0."""
    value = real_scalar(name, value)
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return value


def non_negative(name: str, value) -> float:
    """A finite real number >= 0."""
    value = real_scalar(name, value)
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return value


def in_range(name: str, value, low: float, high: float) -> float:
    """A finite real number in the closed interval [low, high]."""
    value = real_scalar(name, value)
    if not low <= value <= high:
        raise ValueError(f"{name} must be in [{low}, {high}], got {value}")
    return value


def integer(name: str, value, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """A Python or NumPy integer (not a bool, not a float), optionally bounded."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {_describe(value)}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


#: Largest seed: the counter-based streams (:mod:`lightsim.streams`) key on 64 bits.
MAX_SEED = 2**64 - 1


def seed(name: str, value) -> int:
    """A seed: an integer in ``[0, 2**64 - 1]`` (``TypeError`` / ``ValueError`` naming it)."""
    return integer(name, value, minimum=0, maximum=MAX_SEED)


def pair(name: str, value, check) -> tuple:
    """A scalar (used for both axes) or a length-2 sequence ``(y, x)``, each item checked."""
    if np.ndim(value) == 0:
        item = check(name, value)
        return (item, item)
    items = tuple(value)
    if len(items) != 2:
        raise ValueError(f"{name} must be a scalar or a pair (y, x), got {_describe(value)}")
    return tuple(check(name, item) for item in items)


def boolean(name: str, value) -> bool:
    """A Python or NumPy bool (not 0/1, not a string): ``TypeError`` naming ``name``."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool, got {_describe(value)}")
    return bool(value)


def choice(name: str, value, allowed) -> str:
    """One of a fixed set of strings (``TypeError`` for a value of another type, such as a
    list, ``ValueError`` for an unknown string)."""
    if not isinstance(value, str) and all(isinstance(a, str) for a in allowed):
        raise TypeError(f"{name} must be a str, one of {sorted(allowed)}, got "
                        f"{_describe(value)}")
    if value not in allowed:
        raise ValueError(f"{name} must be one of {sorted(allowed)}, got {_describe(value)}")
    return value


def finite_array(name: str, array, *, min_ndim: int = 0, complex_ok: bool = True) -> np.ndarray:
    """A numeric array with no NaN or inf and at least ``min_ndim`` dimensions.

    The array is returned as given (no copy); booleans and integers are accepted as numbers.
    """
    array = np.asarray(array)
    if array.dtype.kind not in "biufc":
        raise TypeError(f"{name} must be a numeric array, got dtype {array.dtype}")
    if array.dtype.kind == "c" and not complex_ok:
        raise TypeError(f"{name} must be real, got dtype {array.dtype}")
    if array.ndim < min_ndim:
        raise ValueError(
            f"{name} must have at least {min_ndim} dimension(s), got shape {array.shape}"
        )
    if array.dtype.kind in "fc" and not np.isfinite(array).all():
        bad = int(array.size - np.count_nonzero(np.isfinite(array)))
        raise ValueError(f"{name} contains {bad} non-finite value(s) (NaN or inf)")
    return array


def complex_dtype(name: str, dtype) -> np.dtype:
    """``complex64`` or ``complex128``."""
    dtype = np.dtype(dtype)
    if dtype not in (np.dtype(np.complex64), np.dtype(np.complex128)):
        raise TypeError(f"{name} must be complex64 or complex128, got {dtype}")
    return dtype


def real_dtype_of(dtype) -> np.dtype:
    """The real dtype matching a float or complex dtype (complex64 -> float32)."""
    return np.dtype(np.finfo(dtype).dtype)


def rng_from(seed=None, rng=None) -> np.random.Generator:
    """A ``numpy.random.Generator`` from either ``rng`` or ``seed`` (not both)."""
    if rng is not None and seed is not None:
        raise ValueError("give either seed or rng, not both")
    if rng is not None:
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng must be a numpy.random.Generator, got {_describe(rng)}")
        return rng
    return np.random.default_rng(seed)
