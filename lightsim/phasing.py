"""Phase retrieval of transmission-matrix rows from the intensities of binary probes.

The array-level algorithms behind :func:`lightsim.retrieval.calibrate`; they know nothing of
an instrument. Every output pixel ``k`` of an OPU records, for a binary DMD frame ``x``,

.. math::  y_k(x) = g\\,|t_k \\cdot x + b_k|^2 + \\text{noise},

with ``t_k`` the row of the signal matrix ``D`` (:meth:`lightsim.OPU.signal_matrix`), ``b_k``
the field of the OFF mirrors' leak and of the reference mirrors' leak (present in every frame)
and ``g`` the camera gain (DN per field intensity). The rows are solved together: each step
is one GEMM over all of them.

Binary probes are real, so ``t_k`` is known from intensities only up to a global phase and a
complex conjugation per row (``|t.x + b| = |conj(t).x + conj(b)|``); the metrics of
:mod:`lightsim.retrieval` are invariant to both. The affine term is absorbed by a centred
design: with ``u = 2x - 1`` (zero mean, identity covariance for Bernoulli-1/2 probes),
``t.x + b = (t/2).u + (sum(t)/2 + b)``, i.e. a linear phase retrieval of
``z = (t/2, sum(t)/2 + b)`` with design rows ``a = (u, 1)`` (:func:`design`, :func:`split`).

Algorithms
----------
:func:`spectral_init`
    Spectral initialisation (E. J. Candès, X. Li and M. Soltanolkotabi, "Phase retrieval via
    Wirtinger flow: theory and algorithms", IEEE Trans. Inf. Theory 61, 1985 (2015)): for real
    designs ``E[y a a^T] = |z|^2 I + 2 (p p^T + q q^T)`` off the diagonal (``z = p + i q``),
    so the top two eigenvectors of ``(1/m) sum_i y_i a_i a_i^T`` span ``(p, q)`` and give
    ``z`` up to phase and conjugation; computed by block power iteration for all rows.
:func:`wirtinger_flow`
    Gradient descent on ``(1/2m) sum_i (|a_i . z|^2 - y_i)^2`` with the Wirtinger gradient and
    the step schedule ``mu_tau = min(1 - exp(-tau / tau_0), mu_max) / |z_0|^2`` of Candès et
    al. (2015).
:func:`gerchberg_saxton`
    Alternating projections between the measured moduli and the range of the design (R. W.
    Gerchberg and W. O. Saxton, Optik 35, 237 (1972); the error-reduction form of J. R.
    Fienup, Appl. Opt. 21, 2758 (1982)), as used for TM rows measured with a DMD by A.
    Drémeau et al., Opt. Express 23, 11898 (2015): ``z <- A^+ (sqrt(y) e^{i arg(A z)})``.
:func:`anchor_geometry`, :func:`laterate`
    Numerical interferometry (S. Gupta, R. Gribonval, L. Daudet and I. Dokmanić, NeurIPS
    2019; "Fast optical system identification by numerical interferometry", ICASSP 2020): the
    projections ``t.p`` of probes are points of the complex plane, and the intensity of the
    binary *difference* of nested probes is a squared distance between two of them. Classical
    multidimensional scaling (MDS; W. S. Torgerson, Psychometrika 17, 401 (1952)) places the
    anchors, multilateration places every calibration signal, and one linear least squares
    gives the row. The leak field ``b`` shifts every difference measurement
    (``|t.(a - x) + b|^2``), which classical MDS cannot represent; here MDS is only the
    starting point of a Levenberg-Marquardt fit of the anchors and ``b`` to every anchor
    measurement (this refinement is ours; for ``b = 0`` it leaves MDS exact).
"""

from __future__ import annotations

import numpy as np

from . import checks


def design(X) -> np.ndarray:
    """Centred affine design ``(m, n + 1)`` float64 of binary probes ``X`` ``(m, n)``."""
    X = np.asarray(X)
    A = np.ones((X.shape[0], X.shape[1] + 1))
    A[:, :-1] = 2.0 * X - 1.0
    return A


def split(Z):
    """``(t, b)``: rows ``(r, n)`` and background ``(r,)`` of a solution ``Z`` ``(n + 1, r)``."""
    t = 2.0 * Z[:-1].T
    return t, Z[-1] - Z[:-1].sum(axis=0)


def _real_matmul(A, Z):
    """``A @ Z`` for real ``A`` and complex ``Z`` as two real GEMMs (a quarter of the flops)."""
    r = Z.shape[1]
    out = A @ np.concatenate([Z.real, Z.imag], axis=1)
    return out[:, :r] + 1j * out[:, r:]


def spectral_init(A, Y, *, iterations=60, seed=0) -> np.ndarray:
    """Spectral estimate ``Z`` ``(p, r)`` of the rows from design ``A`` ``(m, p)`` and
    intensities ``Y`` ``(m, r)`` (see the module), scaled to ``|z|^2 = mean(y)``.

    Block power iteration on ``M = (1/m) A^T diag(y_k) A``, two vectors per row; the
    weights of the two are their Rayleigh quotients on ``M`` without its diagonal (the
    diagonal carries no information on ``z``: for the ``±1`` design it is ``mean(y) I``).

    The iteration runs on ``M`` itself, which is positive semidefinite, so it finds the
    two *largest* eigenvalues. Removing the diagonal first would make power iteration
    find the largest in magnitude: when the constant column dominates ``z`` (a bright
    leak ``b``), ``E[M] - diag`` has a negative eigenvalue of order
    ``|z_const| |Re z'|`` that outweighs the ``|Im z'|^2`` one. The second vector then
    gets a negative weight, clipped to 0, the start is real up to one phase, and Wirtinger
    flow never leaves that invariant real set (measured: 32 x 32 ideal OPU, 2048 probes,
    all rows stuck at a data misfit of 0.13, row fidelity 0.83).
    """
    m, p = A.shape
    r = Y.shape[1]
    rng = np.random.default_rng(seed)
    V = rng.normal(size=(r, p, 2))
    diag = (A**2).T @ Y / m  # (p, r): the diagonal of each row's matrix

    def apply(V):
        """``M_k V_k`` for every row ``k``: two GEMMs over all rows at once."""
        AV = (A @ V.transpose(1, 0, 2).reshape(p, 2 * r)).reshape(m, r, 2)
        MV = (A.T @ (AV * Y[:, :, None]).reshape(m, 2 * r)).reshape(p, r, 2) / m
        return MV.transpose(1, 0, 2)

    for _ in range(iterations):
        V, _ = np.linalg.qr(V)
        V = apply(V)
    V, _ = np.linalg.qr(V)
    W = apply(V) - diag.T[:, :, None] * V
    eig = np.clip(np.einsum("rpc,rpc->rc", V, W), 0.0, None)  # off-diagonal Rayleigh quotients
    Z = V[:, :, 0] * np.sqrt(eig[:, :1]) + 1j * V[:, :, 1] * np.sqrt(eig[:, 1:])
    norms = np.linalg.norm(Z, axis=1)
    scale = np.sqrt(np.clip(Y.mean(axis=0), 0.0, None)) / np.where(norms > 0, norms, 1.0)
    return (Z * scale[:, None]).T


def wirtinger_flow(A, Y, Z0, *, iterations=500, mu_max=0.2, tau0=330.0) -> np.ndarray:
    """Wirtinger flow (Candès, Li and Soltanolkotabi 2015) from ``Z0`` ``(p, r)``.

    Parameters
    ----------
    A : ndarray ``(m, p)``, real design
    Y : ndarray ``(m, r)``, intensities ``|A z_k|**2`` (plus noise)
    Z0 : ndarray ``(p, r)`` complex, the start (:func:`spectral_init`)
    iterations : int
    mu_max, tau0 : float
        The step schedule ``min(1 - exp(-tau / tau0), mu_max) / |z_0|^2``.
    """
    m = A.shape[0]
    Z = np.array(Z0, dtype=np.complex128)
    norm2 = np.sum(np.abs(Z) ** 2, axis=0)
    norm2 = np.maximum(norm2, 1e-3 * np.median(norm2) + 1e-300)  # rows that saw no light
    for tau in range(1, iterations + 1):
        AZ = _real_matmul(A, Z)
        grad = _real_matmul(A.T, (np.abs(AZ) ** 2 - Y) * AZ) / m
        Z -= (min(1.0 - np.exp(-tau / tau0), mu_max) / norm2) * grad
    return Z


def misfit(A, Y, Z) -> np.ndarray:
    """Relative data misfit ``||(|A z|^2 - y)|| / ||y||`` per row (what a bench can see)."""
    residual = np.abs(_real_matmul(A, Z)) ** 2 - Y
    return np.linalg.norm(residual, axis=0) / np.maximum(np.linalg.norm(Y, axis=0), 1e-300)


def solve_rows(A, Y, algorithm, *, iterations, restarts=3, seed=0) -> np.ndarray:
    """Run ``algorithm`` from the spectral start, then restart the rows it failed.

    A row whose misfit exceeds three times the median misfit is run again from a random
    start of the same norm (up to ``restarts`` times); the solution of lower misfit is
    kept. Non-convex phase retrieval fails on a few rows from any one start; the misfit
    tells which, without knowing the truth.
    """
    Z = algorithm(A, Y, spectral_init(A, Y, seed=seed), iterations=iterations)
    error = misfit(A, Y, Z)
    rng = np.random.default_rng(seed + 1)
    for _ in range(restarts):
        failed = np.flatnonzero(error > 3.0 * np.median(error))
        if failed.size == 0:
            break
        start = rng.normal(size=(A.shape[1], failed.size, 2)) @ np.array([1.0, 1j])
        start *= np.sqrt(Y[:, failed].mean(axis=0) / np.sum(np.abs(start) ** 2, axis=0))
        trial = algorithm(A, Y[:, failed], start, iterations=iterations)
        trial_error = misfit(A, Y[:, failed], trial)
        better = trial_error < error[failed]
        Z[:, failed[better]] = trial[:, better]
        error[failed[better]] = trial_error[better]
    return Z


def gerchberg_saxton(A, Y, Z0, *, iterations=200) -> np.ndarray:
    """Error-reduction alternating projections ``z <- A^+ (sqrt(y) e^{i arg(A z)})``."""
    pinv = np.linalg.pinv(A)
    amplitude = np.sqrt(np.clip(Y, 0.0, None))  # measured moduli (noise may go below 0)
    Z = np.array(Z0, dtype=np.complex128)
    for _ in range(iterations):
        AZ = _real_matmul(A, Z)
        Z = _real_matmul(pinv, amplitude * np.exp(1j * np.angle(AZ)))
    return Z


# --------------------------------------------------------------------- anchors
def nested_anchors(support, n_in, n_anchors, *, step=0.15, rng) -> np.ndarray:
    """``n_anchors`` nested binary anchors ``(n_anchors, n_in)`` containing ``support``.

    The first is the support plus a Bernoulli(``step``) draw of the other mirrors, each next
    one adds another draw (Gupta et al. 2020), so that ``a_k - a_j`` (``k > j``) and
    ``a_k - x`` (``x`` inside the support) are binary frames a DMD can show.
    """
    anchors = np.zeros((n_anchors, n_in), dtype=bool)
    current = np.zeros(n_in, dtype=bool)
    current[support] = True
    for k in range(n_anchors):
        current = current | (rng.random(n_in) < step)
        anchors[k] = current
    return anchors


def _gram_positions(D2):
    """Classical MDS: 2-D positions ``(r, q)`` complex from squared distances ``(r, q, q)``."""
    q = D2.shape[-1]
    J = np.eye(q) - 1.0 / q
    G = -0.5 * J @ D2 @ J
    w, V = np.linalg.eigh(G)
    top = np.sqrt(np.clip(w[:, -2:], 0.0, None))
    return V[:, :, -1] * top[:, None, 1] + 1j * V[:, :, -2] * top[:, None, 0]


def anchor_geometry(I_zero, I_anchor, I_pair, *, iterations=50):
    """Positions of the anchors and the leak field from their intensities, per row.

    Parameters
    ----------
    I_zero : ndarray ``(r,)``
        Intensity of the all-OFF frame: ``|b|**2``.
    I_anchor : ndarray ``(S, r)``
        Intensities of the anchors: ``|A_k|**2`` with ``A_k = t.a_k + b``.
    I_pair : ndarray ``(S, S, r)``
        ``I_pair[k, j]`` (``k > j``) the intensity of ``a_k - a_j``: ``|A_k - A_j + b|**2``.
    iterations : int
        Levenberg-Marquardt steps after MDS.

    Returns
    -------
    anchors : ndarray ``(r, S)`` complex, ``A_k``
    background : ndarray ``(r,)`` complex, ``b``
        In one frame per row (a global rotation and reflection of the plane are free).
    """
    S, r = I_anchor.shape
    # MDS with b = 0: the points 0, A_1 .. A_S
    D2 = np.zeros((r, S + 1, S + 1))
    D2[:, 0, 1:] = D2[:, 1:, 0] = I_anchor.T
    lower = np.tril_indices(S, -1)
    pairs = np.moveaxis(I_pair, -1, 0)
    D2[:, 1:, 1:][:, lower[0], lower[1]] = pairs[:, lower[0], lower[1]]
    D2[:, 1:, 1:][:, lower[1], lower[0]] = pairs[:, lower[0], lower[1]]
    points = _gram_positions(D2)
    anchors = points[:, 1:] - points[:, :1]
    # Levenberg-Marquardt on every measurement: unknowns b (index 0) and A_1..A_S
    C, measured = _anchor_measurements(S, I_zero, I_anchor, I_pair)
    theta = np.concatenate([np.zeros((r, 1), dtype=complex), anchors], axis=1)
    cost = _anchor_cost(theta, C, measured)
    damping = np.full(r, 1e-3)
    eye = np.eye(2 * S + 2)
    for _ in range(iterations):
        v = theta @ C.T  # (r, n_meas) fields of every measured pattern
        residual = np.abs(v) ** 2 - measured
        J = 2.0 * np.concatenate([v.real[:, :, None] * C[None], v.imag[:, :, None] * C[None]],
                                 axis=2)  # d|v|^2 / d(Re theta, Im theta)
        Jt = J.transpose(0, 2, 1)
        JtJ = Jt @ J
        scale = np.trace(JtJ, axis1=1, axis2=2) / (2 * S + 2)
        scale = np.maximum(scale, 1e-12 * scale.max() + 1e-30)  # rows without light
        system = JtJ + (np.maximum(damping, 1e-12) * scale)[:, None, None] * eye
        step = np.linalg.solve(system, Jt @ residual[:, :, None])[..., 0]
        trial = theta - (step[:, :S + 1] + 1j * step[:, S + 1:])
        trial_cost = _anchor_cost(trial, C, measured)
        better = trial_cost < cost
        theta = np.where(better[:, None], trial, theta)
        cost = np.where(better, trial_cost, cost)
        damping = np.where(better, damping / 3.0, damping * 4.0)
    return theta[:, 1:], theta[:, 0]


def _anchor_cost(theta, C, measured):
    return np.sum((np.abs(theta @ C.T) ** 2 - measured) ** 2, axis=1)


def _anchor_measurements(S, I_zero, I_anchor, I_pair):
    """Coefficients ``(n_meas, S + 1)`` on ``(b, A_1..A_S)`` and measured values ``(r, n_meas)``."""
    rows, values = [np.eye(S + 1)[0]], [I_zero]
    for k in range(S):
        rows.append(np.eye(S + 1)[k + 1])
        values.append(I_anchor[k])
    for k in range(S):
        for j in range(k):
            c = np.zeros(S + 1)
            c[0], c[k + 1], c[j + 1] = 1.0, 1.0, -1.0
            rows.append(c)
            values.append(I_pair[k, j])
    return np.array(rows), np.stack(values, axis=1)


def laterate(points, D2):
    """Multilateration: positions ``(r, K)`` of points at squared distances ``D2``
    ``(q, K, r)`` from the known ``points`` ``(r, q)`` (linear least squares per row, the same
    ``q x 2`` system for every point of a row: Gupta et al. 2020).
    """
    q = points.shape[1]
    checks.integer("anchor points", q, minimum=3)
    centred = points - points.mean(axis=1, keepdims=True)
    M = -2.0 * np.stack([centred.real, centred.imag], axis=2)  # (r, q, 2)
    norms = np.abs(points) ** 2
    D2 = np.moveaxis(D2, -1, 0)  # (r, q, K)
    rhs = (D2 - D2.mean(axis=1, keepdims=True)
           - (norms - norms.mean(axis=1, keepdims=True))[:, :, None])
    solution = np.linalg.pinv(M) @ rhs  # (r, 2, K)
    return solution[:, 0] + 1j * solution[:, 1]


def stitch(n_in, estimates):
    """Merge row estimates solved on overlapping groups of inputs into full rows.

    Each group's rows carry their own phase and conjugation; every group is matched to the
    first on their common inputs (the conjugation of larger overlap, then the phase of
    ``<t_g, t_1>``: orthogonal Procrustes in the complex plane), and overlapping entries
    are averaged.

    Parameters
    ----------
    n_in : int
    estimates : list of ``(columns, rows, background)``
        ``columns`` ``(s,)`` the inputs of a group, ``rows`` ``(r, s)``, ``background``
        ``(r,)``.

    Returns
    -------
    rows : ndarray ``(r, n_in)`` complex
    background : ndarray ``(r,)`` complex, the average of the matched groups'
    """
    first_columns, first_rows, _ = estimates[0]
    r = first_rows.shape[0]
    total = np.zeros((r, n_in), dtype=complex)
    counts = np.zeros(n_in)
    backgrounds = []
    reference = np.full((r, n_in), np.nan + 0j)
    reference[:, first_columns] = first_rows
    for columns, rows, background in estimates:
        known = ~np.isnan(reference[:, columns].real[0])
        if known.any():
            ref = reference[:, columns[known]]
            direct = np.sum(np.conj(rows[:, known]) * ref, axis=1)
            flipped = np.sum(rows[:, known] * ref, axis=1)
            conjugate = np.abs(flipped) > np.abs(direct)
            rows = np.where(conjugate[:, None], np.conj(rows), rows)
            background = np.where(conjugate, np.conj(background), background)
            overlap = np.where(conjugate, flipped, direct)
            phase = np.exp(1j * np.angle(overlap))
            rows, background = rows * phase[:, None], background * phase
        total[:, columns] += rows
        counts[columns] += 1
        backgrounds.append(background)
        unknown = np.isnan(reference[:, columns].real[0])
        reference[:, columns[unknown]] = rows[:, unknown]
    if (counts == 0).any():
        raise ValueError(f"{np.count_nonzero(counts == 0)} input(s) belong to no group")
    return total / counts, np.mean(backgrounds, axis=0)
