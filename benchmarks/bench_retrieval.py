"""Phase retrieval of every TM row at once against the textbook loop over rows.

:mod:`lightsim.phasing` solves all rows together: each iteration of Wirtinger flow or
Gerchberg-Saxton is two real GEMMs over the whole ``(n_in + 1, n_rows)`` block (a real design
times a complex block as one real GEMM on the stacked real and imaginary parts). The baseline
is the same algorithm as one writes it from the papers, in plain NumPy: a loop over the rows,
each iterated with its own complex matrix-vector products (Candès et al. 2015; Fienup 1982).
Both run the same iterations from the same spectral start, and their solutions agree to
rounding (the note gives the largest relative difference).
"""

from __future__ import annotations

import numpy as np

from benchmarks import compare
from lightsim import OPU, phasing


def _wirtinger_per_row(A, Y, Z0, iterations, mu_max=0.2, tau0=330.0):
    m = A.shape[0]
    out = np.empty_like(Z0)
    for k in range(Y.shape[1]):
        z, y = Z0[:, k].copy(), Y[:, k]
        norm2 = max(np.vdot(z, z).real, 1e-300)
        for tau in range(1, iterations + 1):
            az = A @ z
            grad = A.T @ ((np.abs(az) ** 2 - y) * az) / m
            z -= min(1.0 - np.exp(-tau / tau0), mu_max) / norm2 * grad
        out[:, k] = z
    return out


def _gerchberg_saxton_per_row(A, Y, Z0, iterations):
    pinv = np.linalg.pinv(A)
    out = np.empty_like(Z0)
    for k in range(Y.shape[1]):
        z, amplitude = Z0[:, k].copy(), np.sqrt(np.clip(Y[:, k], 0.0, None))
        for _ in range(iterations):
            z = pinv @ (amplitude * np.exp(1j * np.angle(A @ z)))
        out[:, k] = z
    return out


def _problem(n, per_input):
    opu = OPU(n, n, preset="ideal", camera=None, seed=0)
    X = np.random.default_rng(0).random((per_input * n, n)) < 0.5
    A = phasing.design(X)
    Y = opu.transform(X).astype(np.float64)
    return A, Y, phasing.spectral_init(A, Y)


def _difference(a, b):
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def run(quick: bool = False):
    n, iterations = (96, 30) if quick else (192, 50)
    A, Y, Z0 = _problem(n, 8)
    size = f"{n} x {n}, {A.shape[0]} probes, {iterations} iterations"
    comparisons = []
    for name, batched, per_row in (
            ("Wirtinger flow", phasing.wirtinger_flow, _wirtinger_per_row),
            ("Gerchberg-Saxton", phasing.gerchberg_saxton, _gerchberg_saxton_per_row)):
        difference = _difference(batched(A, Y, Z0, iterations=iterations),
                                 per_row(A, Y, Z0, iterations))
        comparisons.append(compare(
            f"{name}, all rows in GEMMs vs per-row loop ({size})",
            lambda f=batched: f(A, Y, Z0, iterations=iterations),
            lambda f=per_row: f(A, Y, Z0, iterations),
            repeats=2, warmup=0,
            note=f"max relative difference {difference:.1e}"))
    return comparisons
