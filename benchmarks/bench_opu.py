"""OPU.transform with the full camera chain against the lightonml-equivalent baseline.

Baseline: LightOn's own simulator computes ``np.abs(X.astype(np.complex64) @ R) ** 2`` with
the complex matrix ``R`` materialised (no camera, no noise). Candidate:
:meth:`lightsim.OPU.transform` on the ``"lighton"`` preset: DMD contrast leak, one real GEMM
on the cached medium (real input -> half the flops of a complex product), speckle intensity
with the leaking reference, photon scaling and the fused EMVA 1288 camera kernel (Poisson,
read noise, saturation, 8-bit quantization). Target ratio <= 0.55. Timed twice: with the
exact Poisson sampler, and with the opt-in normal shot noise from 30 e- up
(``Camera(normal_shot_noise_above=30)``, KS distance to the Poisson <= 4.4e-4).
"""

from __future__ import annotations

import numpy as np

import lightsim
from benchmarks import compare


def run(quick: bool = False):
    n, batch = (4000, 400) if quick else (10_000, 1000)
    exact = lightsim.OPU(n, n, preset="lighton", seed=1)
    R = np.ascontiguousarray(exact.medium.matrix().T)  # (n_in, n_out) complex64, materialised
    approximate = lightsim.OPU(n, n, preset="lighton", seed=1, medium=exact.medium,
                               camera=dict(normal_shot_noise_above=30.0))
    X = np.random.default_rng(0).random((batch, n)) < 0.5

    def baseline():
        return np.abs(X.astype(np.complex64) @ R) ** 2

    intensity = baseline().astype(np.float64).ravel()
    comparisons = []
    for opu, label in ((exact, "exact shot noise"), (approximate, "normal shot noise >= 30 e-")):
        counts = opu.transform(X).astype(np.float64).ravel()
        corr = np.corrcoef(counts, intensity)[0, 1]
        stats = opu.last_frame_stats
        comparisons.append(compare(
            f"OPU.transform, lighton ({batch} x {n} -> {n}, {label}) vs |X R|^2",
            lambda opu=opu: opu.transform(X), baseline, repeats=2 if quick else 3,
            target=0.55, note=f"correlation of counts with |X R|^2: {corr:.3f}; "
                              f"{stats.photons_per_pixel:.0f} photons/pixel"))
    return comparisons
