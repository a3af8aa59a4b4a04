"""Calibration from intensities: phase retrieval and phase stepping against their theory."""

from __future__ import annotations

import numpy as np

from lightsim import OPU, phasing
from lightsim.retrieval import calibrate, row_fidelity
from validation import Result, case

_CANDES = ("E. J. Candès, X. Li and M. Soltanolkotabi, IEEE Trans. Inf. Theory 61, 1985 "
           "(2015); A. Maillard et al., NeurIPS 2020 (threshold m/N = 2 for complex rows)")
_POPOFF = "S. M. Popoff et al., Phys. Rev. Lett. 104, 100601 (2010)"
#: Row fidelity above which a row counts as recovered.
RECOVERED = 0.99


@case("wirtinger flow noise-free threshold")
def wirtinger_threshold(size):
    """Fraction of TM rows that Wirtinger flow recovers from ``m`` noise-free intensities.

    A complex row of ``N`` inputs with its background is ``2 (N + 1) - 1`` real unknowns
    (one global phase is free), so below ``m / N = 2`` the intensities leave a manifold of
    solutions and no row can be recovered but by chance (the counting bound; the
    information-theoretic threshold of Maillard et al. for complex rows is the same
    ``m / N = 2``). Candès et al. prove recovery from ``O(N log N)`` Gaussian
    measurements; with the binary probes of a DMD the issue's goal is every row at
    ``m = 8 N``. Between the two the success fraction rises: the curve is the figure.
    Binary probes on the ideal OPU (no camera), the preset's leak field included.
    """
    n = 24 if size == "small" else 64
    seeds = (0, 1) if size == "small" else (0, 1, 2, 3)
    ratios = (1.5, 2.5, 3, 4, 6, 8)
    curve = []
    for ratio in ratios:
        recovered = []
        for seed in seeds:
            opu = OPU(n, n, preset="ideal", camera=None, seed=seed)
            m = int(round(ratio * n))
            if m >= 2 * (n + 1):
                estimate = calibrate(opu, m, method="wirtinger", seed=seed).matrix
            else:  # below the minimum calibrate accepts: the same algorithm on the arrays
                X = np.random.default_rng(seed).random((m, n)) < 0.5
                A = phasing.design(X)
                Z = phasing.solve_rows(A, opu.transform(X).astype(np.float64),
                                       phasing.wirtinger_flow, iterations=1000, seed=seed)
                estimate = phasing.split(Z)[0]
            recovered.append(np.mean(row_fidelity(estimate, opu.signal_matrix())
                                     >= RECOVERED))
        curve.append((ratio, float(np.mean(recovered))))
    rows = n * len(seeds)
    results = [
        Result(f"rows recovered (fidelity >= {RECOVERED}) at m/N = 1.5, below the bound 2",
               curve[0][1], 0.0, 0.0, _CANDES,
               note=f"{rows} rows; the counting bound makes recovery a chance event"),
        Result(f"rows recovered (fidelity >= {RECOVERED}) at m/N = 8", curve[-1][1], 1.0,
               0.0, _CANDES, note=f"{rows} rows; the issue's goal for binary probes"),
    ]

    def figure(fig):
        ax = fig.add_subplot()
        r, f = np.array(curve).T
        ax.plot(r, f, "o-", label=f"Wirtinger flow, N = {n}, binary probes")
        ax.axvline(2.0, color="k", ls="--", label="counting / IT threshold m/N = 2")
        ax.set_xlabel("noise-free intensities per input, m / N")
        ax.set_ylabel(f"fraction of rows with fidelity >= {RECOVERED}")
        ax.set_ylim(-0.02, 1.02)
        ax.legend(loc="lower right")

    results[-1].figure = figure
    return results


@case("phase stepping noise-free")
def phase_stepping_exact(size):
    """N-step phase shifting gives ``conj(s) T`` exactly on a noise-free bench.

    With equally spaced steps, ``(1/N) sum_k I_k exp(-i phi_k) = s conj(F)`` for ``I_k =
    |F + exp(i phi_k) s|**2`` (Popoff et al. 2010); over Hadamard probes with a constant
    per output the least squares is then exact, and ``2 (1 - c) Re(conj(s) D)`` is the
    holographic ``B``. The only error is float32 rounding of the intensities.
    """
    n_in, n_out = (32, 40) if size == "small" else (128, 256)
    opu = OPU(n_in, n_out, preset="ideal", camera=None, seed=7, contrast=300.0, grains=2,
              phase_stepping=True)
    estimate = calibrate(opu, n_in + 1, method="phase-stepping").matrix
    cross = np.conj(opu.reference.astype(np.complex128))[:, None] * opu.signal_matrix()
    truth = opu.plane.sum_to_outputs(cross.T).T
    error = np.max(np.abs(estimate - truth)) / np.sqrt(np.mean(np.abs(truth) ** 2))
    b_error = (np.max(np.abs(2 * (1 - opu.leak) * estimate.real - opu.effective_matrix()))
               / np.sqrt(np.mean(opu.effective_matrix() ** 2)))
    note = "max error / rms entry; float32 intensities (eps = 1.2e-7), 2 grains per pixel"
    return [Result("phase stepping: conj(s) T (noise-free)", error, 0.0, 1e-4, _POPOFF,
                   note=note),
            Result("phase stepping: 2 (1 - c) Re(conj(s) T) = B", b_error, 0.0, 1e-4,
                   _POPOFF, note=note)]


@case("retrieved intensity readout noise-free")
def retrieved_intensity_exact(size):
    """One reference-OFF frame minus the predicted quadratic term is linear in ``x``.

    ``|D x + b|**2 - |D x|**2 - |b|**2 = 2 Re(conj(b) D x)`` (the expansion of a squared
    modulus; the leak field ``b`` plays the reference, as the static reference of
    holography does in Ohana et al., ICASSP 2020). With ``D`` and ``b`` from a noise-free
    Gerchberg-Saxton calibration the readout must equal ``X @ (2 Re(conj(b) D)).T`` for the
    simulator's true ``D`` and ``b``, to the calibration's convergence (float32 fields).
    """
    from lightsim.readout import RetrievedIntensity

    n_in, n_out, n = (24, 30, 40) if size == "small" else (64, 128, 200)
    opu = OPU(n_in, n_out, preset="ideal", camera=None, seed=4, contrast=500.0)
    readout = RetrievedIntensity(calibrate(opu, 16 * n_in, method="gerchberg-saxton"))
    truth = 2 * (np.conj(opu.background_field())[:, None] * opu.signal_matrix()).real
    X = np.random.default_rng(1).random((n, n_in)) < 0.5
    exact = X @ truth.T
    error = np.max(np.abs(opu.linear_transform(X, readout=readout) - exact))
    return Result("retrieved 1-frame readout = X (2 Re(conj(b) D))^T", error / np.sqrt(
        np.mean(exact**2)), 0.0, 1e-3, "expansion of |D x + b|^2; Fienup, Appl. Opt. 21, "
        "2758 (1982) for the calibration", note="max error / rms projection")
