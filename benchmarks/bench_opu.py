"""OPU.transform with the full camera chain against the lightonml-equivalent baseline.

Baseline: LightOn's own simulator computes ``np.abs(X.astype(np.complex64) @ R) ** 2`` with
the complex matrix ``R`` materialised (no camera, no noise). Candidate:
:meth:`lightsim.OPU.transform` on the ``"lighton"`` preset: DMD contrast leak, one real GEMM
on the cached medium (real input -> half the flops of a complex product), speckle intensity
with the leaking reference, photon scaling and the fused EMVA 1288 camera kernel (Poisson,
read noise, saturation, 8-bit quantization). Target ratio <= 0.55.
"""

from __future__ import annotations

import numpy as np

import lightsim
from benchmarks import compare


def run(quick: bool = False):
    n, batch = (4000, 400) if quick else (10_000, 1000)
    opu = lightsim.OPU(n, n, preset="lighton", seed=1)
    R = np.ascontiguousarray(opu.medium.matrix().T)  # (n_in, n_out) complex64, materialised
    X = np.random.default_rng(0).random((batch, n)) < 0.5

    def candidate():
        return opu.transform(X)

    def baseline():
        return np.abs(X.astype(np.complex64) @ R) ** 2

    counts = candidate().astype(np.float64)
    intensity = baseline().astype(np.float64)
    corr = np.corrcoef(counts.ravel(), intensity.ravel())[0, 1]
    comp = compare(f"OPU.transform, lighton preset ({batch} x {n} -> {n}, camera on) vs "
                   "|X R|^2", candidate, baseline, repeats=2 if quick else 3, target=0.55,
                   note=f"correlation of counts with |X R|^2: {corr:.3f}")
    return [comp]
