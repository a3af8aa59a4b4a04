"""Fused camera kernel against the straightforward multi-pass NumPy detector chain.

Baseline: what a careful script writes by hand with a ``numpy.random.Generator``: mean
electrons, ``rng.poisson``, ``np.minimum`` with the full well, ``+ rng.normal``, ``* K + offset``,
``np.rint``, ``np.clip`` to the code range, ``astype`` (in-place where NumPy allows).
Candidate: :meth:`lightsim.camera.Camera.capture`, one fused Numba pass (validation, Poisson
by inversion / PTRS, Box-Muller read noise, clip, gain, rounding, uint output), parallel over
pixels. Input: float32 speckle photon counts (exponential, mean 300 photons per pixel).
Both draw from the same distribution (not the same numbers); the note compares their mean
and variance so that the speed is not bought with a wrong answer.
"""

from __future__ import annotations

import numpy as np

from benchmarks import compare
from lightsim.camera import Camera


def numpy_camera_chain(photons, camera, rng):
    """The multi-pass NumPy chain (same model as :class:`Camera`, NumPy random numbers)."""
    electrons = rng.poisson(camera.quantum_efficiency * photons + camera.dark_electrons)
    electrons = np.minimum(electrons, camera.full_well, dtype=np.float64)
    electrons += rng.normal(0.0, camera.read_noise, photons.shape)
    levels = np.rint(electrons * camera.gain + camera.offset)
    np.clip(levels, 0, camera.max_code, out=levels)
    return levels.astype(camera.dtype)


def run(quick: bool = False):
    n = 10**7 if quick else 10**8
    photons = np.random.default_rng(0).exponential(300.0, n).astype(np.float32)
    camera = Camera(seed=1)
    rng = np.random.default_rng(2)

    def candidate():
        return camera.capture(photons)

    def baseline():
        return numpy_camera_chain(photons, camera, rng)

    sample = slice(0, min(n, 10**7))
    fused = candidate()[sample].astype(np.float64)
    plain = baseline()[sample].astype(np.float64)
    note = (f"mean DN {fused.mean():.4f} vs {plain.mean():.4f}, "
            f"variance {fused.var():.3f} vs {plain.var():.3f} DN^2")
    comp = compare(f"camera capture 1e{int(np.log10(n))} px (fused numba vs numpy passes)",
                   candidate, baseline, repeats=3 if quick else 2, target=0.33, note=note)
    return [comp]
