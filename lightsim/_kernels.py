"""Numba kernels (private).

Every kernel here has a plain-NumPy reference with the same signature suffixed ``_reference``
and a test (``tests/test_kernels.py`` or the stage's test module) checking that they agree.
Kernels are compiled with ``cache=True``; ``parallel=True`` only where a benchmark showed it
helps. FFTs never live here (they stay in ``scipy.fft``).

Sections: propagation, camera, media, dmd. Keep each kernel next to its reference.
"""

from __future__ import annotations

import numba
import numpy as np


# ---------------------------------------------------------------------------- random numbers
# Counter-based random numbers: value number ``i`` of stream ``key`` is a pure function of
# ``(key, i)`` (SplitMix64 with random access; Steele, Lea & Flood, OOPSLA 2014). Whatever
# the block size, the thread count or the order of evaluation, the same seed gives the same
# numbers bit for bit, and a NumPy reference can reproduce them exactly.

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_TWO_PI = 2.0 * np.pi
_INV_2_53 = 1.0 / 9007199254740992.0


@numba.njit(inline="always")
def mix64(z):
    """SplitMix64 finaliser: a bijective avalanche of a uint64."""
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@numba.njit(inline="always")
def stream_key(seed, stream):
    """Key of an independent stream derived from a 64-bit seed and a stream number."""
    return mix64(mix64(np.uint64(seed) + _GAMMA) ^ (np.uint64(stream) * _GAMMA + _M2))


@numba.njit(inline="always")
def uniform_open(key, counter):
    """Uniform float64 in (0, 1] from ``(key, counter)``: 53 random bits, never 0."""
    bits = mix64(key + (np.uint64(counter) + np.uint64(1)) * _GAMMA)
    return (np.float64(bits >> np.uint64(11)) + 1.0) * _INV_2_53


def mix64_reference(z):
    """NumPy reference of :func:`mix64` (uint64 arrays wrap modulo 2**64)."""
    z = np.asarray(z, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def stream_key_reference(seed, stream):
    """NumPy reference of :func:`stream_key`."""
    with np.errstate(over="ignore"):
        left = mix64_reference(np.uint64(seed) + _GAMMA)
        right = np.asarray(stream, dtype=np.uint64) * _GAMMA + _M2
    return mix64_reference(left ^ right)


def uniform_open_reference(key, counter):
    """NumPy reference of :func:`uniform_open`; ``counter`` may be an array."""
    with np.errstate(over="ignore"):
        bits = mix64_reference(
            np.uint64(key) + (np.asarray(counter, dtype=np.uint64) + np.uint64(1)) * _GAMMA
        )
    return ((bits >> np.uint64(11)).astype(np.float64) + 1.0) * _INV_2_53


# ---------------------------------------------------------------------------- propagation


@numba.njit(cache=True, parallel=True)
def angular_spectrum_transfer(fy, fx, inv_wavelength, distance, fy_limit, fx_limit, out):
    """Fill ``out[i, j]`` with the angular-spectrum kernel at ``(fy[i], fx[j])``.

    ``exp(i 2 pi z w)`` with ``w = sqrt(inv_wavelength**2 - fx**2 - fy**2)`` for propagating
    frequencies, ``exp(-2 pi |z| sqrt(-w**2))`` for evanescent ones, and 0 outside the
    rectangular band limit ``|fx| <= fx_limit, |fy| <= fy_limit``. Computed in float64, stored
    in ``out``'s dtype.
    """
    k2 = inv_wavelength * inv_wavelength
    two_pi_z = 2.0 * np.pi * distance
    for i in numba.prange(fy.shape[0]):
        fyi = fy[i]
        inside_y = abs(fyi) <= fy_limit
        for j in range(fx.shape[0]):
            fxj = fx[j]
            if not (inside_y and abs(fxj) <= fx_limit):
                out[i, j] = 0.0
                continue
            w2 = k2 - fxj * fxj - fyi * fyi
            if w2 >= 0.0:
                phase = two_pi_z * np.sqrt(w2)
                out[i, j] = complex(np.cos(phase), np.sin(phase))
            else:
                out[i, j] = np.exp(-abs(two_pi_z) * np.sqrt(-w2))


def angular_spectrum_transfer_reference(fy, fx, inv_wavelength, distance, fy_limit, fx_limit,
                                        out):
    """NumPy reference of :func:`angular_spectrum_transfer`."""
    w2 = inv_wavelength**2 - fx[None, :] ** 2 - fy[:, None] ** 2
    root = np.sqrt(np.abs(w2))
    two_pi_z = 2.0 * np.pi * distance
    value = np.where(w2 >= 0, np.exp(1j * two_pi_z * root), np.exp(-abs(two_pi_z) * root))
    inside = (np.abs(fy)[:, None] <= fy_limit) & (np.abs(fx)[None, :] <= fx_limit)
    out[...] = np.where(inside, value, 0.0)


@numba.njit(cache=True, parallel=True)
def multiply_inplace(batch, factor):
    """``batch[b] *= factor`` for every ``b`` (batch ``(n, ny, nx)``, factor ``(ny, nx)``).

    One fused pass over memory, parallel over rows of all batch items.
    """
    n, ny, nx = batch.shape
    for r in numba.prange(n * ny):
        b = r // ny
        i = r - b * ny
        for j in range(nx):
            batch[b, i, j] *= factor[i, j]


def multiply_inplace_reference(batch, factor):
    """NumPy reference of :func:`multiply_inplace`."""
    batch *= factor


# ---------------------------------------------------------------------------- camera

# ---------------------------------------------------------------------------- media

# ---------------------------------------------------------------------------- dmd
