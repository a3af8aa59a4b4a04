"""Seeded random streams shared by the stages: derived seeds and counter-based draws.

Every random quantity of an instrument comes from its own stream, keyed by a seed and a
stream index through the counter-based generator of :mod:`lightsim._kernels`
(``stream_key``): the same seed gives the same numbers bit for bit whatever the batch sizes,
the thread count or the order in which the stages ask for them.
"""

from __future__ import annotations

import numpy as np

from . import _kernels


def derived_seed(seed, index):
    """A 63-bit seed for sub-stream ``index`` of ``seed`` (independent streams)."""
    return int(_kernels.stream_key_reference(seed, index) >> np.uint64(1))


def complex_gaussian(seed, n, power):
    """``n`` circular complex Gaussian values of mean power ``power`` (complex64)."""
    z = np.random.default_rng(seed).standard_normal((2, n))
    return (np.sqrt(power / 2) * (z[0] + 1j * z[1])).astype(np.complex64)


def counter_normals(seed, stream, first, n):
    """Standard normals number ``first .. first + n - 1`` of a counter-based stream.

    Box-Muller on uniforms ``2 i`` and ``2 i + 1`` of ``stream_key(seed, stream)``: value
    ``i`` is a pure function of ``(seed, stream, i)``, whatever the batch it is drawn in.
    """
    key = _kernels.stream_key_reference(seed, stream)
    index = np.arange(first, first + n, dtype=np.uint64)
    u1 = _kernels.uniform_open_reference(key, 2 * index)
    u2 = _kernels.uniform_open_reference(key, 2 * index + 1)
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)
