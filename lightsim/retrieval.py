"""Calibrating an instrument from its measurements alone: what a bench can know of ``B``.

On a real OPU nobody knows the transmission matrix. :func:`calibrate` estimates what the
instrument computes through its public interface only (``linear_transform`` and the frame
accounting of ``cost``), never by reading ``opu.medium``; every frame it spends is counted in
``opu.cost``, as calibration frames (``cost.calibration_frames``).

Methods
-------
``"holographic"``
    The real effective matrix ``B`` that :meth:`lightsim.OPU.linear_transform` applies
    (the quantity DFA uses), by least squares over ``K`` binary probe frames ``P``:
    ``B_hat = argmin ||P B^T + 1 d^T - Y||`` with ``Y`` the measured projections and
    ``d`` a constant per output (``offset``: a stale reference term). Probes are random
    (Bernoulli 1/2 per mirror) or the rows of a Hadamard S-matrix, the binary masks of least
    estimation variance for ON/OFF multiplexing (M. Harwit and N. J. A. Sloane, *Hadamard
    Transform Optics*, Academic Press, 1979, ch. 3): for ``K = n`` probes the S-matrix has
    ``(P^T P)^-1`` of trace ``4 n**2 / (n + 1)**2`` (under 4: the summed error variance of
    the ``n`` unknowns, per unit readout variance), against hundreds for a random square
    binary matrix and about the same for ``2 n`` random probes (twice the frames). Each probe
    costs the readout's 2 frames.

``"wirtinger"``, ``"gerchberg-saxton"``
    The complex signal matrix ``D`` and the leak field ``b`` from the intensities of random
    binary frames (``opu.transform``), by spectral initialisation and Wirtinger flow
    (Candès, Li and Soltanolkotabi 2015) or error-reduction alternating projections
    (Gerchberg and Saxton 1972; Fienup 1982); rows whose data misfit stays high are
    restarted (:mod:`lightsim.phasing`).
``"anchors"``
    Numerical interferometry (Gupta, Gribonval, Daudet and Dokmanić, NeurIPS 2019 and
    ICASSP 2020): nested anchors, MDS (refined for the leak field), multilateration and a
    linear least squares, in two overlapping groups of inputs matched on their overlap.

``"phase-stepping"``
    The complex cross term ``M = conj(s) D`` per output pixel (summed over its grains), by
    N-step phase-shifting holography (S. M. Popoff et al., Phys. Rev. Lett. 104, 100601
    (2010)): every probe is shown with the reference at ``n_steps`` phases
    (:meth:`lightsim.OPU.phase_stepped`, on a bench with ``phase_stepping=True``), the
    estimator of :func:`lightsim.holography.phase_shifting` gives ``conj(s) T a(x)``, exact
    and free of the dark level for equally spaced steps, and a least squares over the
    probes with a constant per output (the OFF mirrors' field ``conj(s) T a(0)``) gives
    ``M``. ``B = 2 (1 - c) Re(M)`` is the holographic matrix; the imaginary part is what
    reference holography cannot see.

Metrics
-------
:func:`row_fidelity` ``|<t_hat, t>| / (|t_hat| |t|)`` per row, the best of ``t_hat`` and its
conjugate (invariant to a global phase per row and to conjugation);
:func:`prediction_correlation` the correlation of predicted and measured outputs on fresh
inputs.
"""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass

import numpy as np

from . import checks, holography, phasing

#: Fraction of saturated probe readings above which :func:`calibrate` warns: a clipped
#: speckle tail biases the estimate (at a mean well fill ``f`` a fraction ``exp(-1 / f)``
#: of exponential speckle saturates).
SATURATION_WARNING = 1e-3
PROBES = ("random", "hadamard")


@dataclass(frozen=True)
class Calibration:
    """What :func:`calibrate` measured.

    Attributes
    ----------
    matrix : ndarray
        The estimate ``(n_out, n_in)``: real ``B`` for ``method="holographic"`` (field units,
        as :meth:`lightsim.OPU.effective_matrix`); complex ``conj(s) D`` per output pixel
        for ``"phase-stepping"`` (field units); for the intensity methods the complex
        signal matrix ``D`` (:meth:`lightsim.OPU.signal_matrix`, field units) up to, per row,
        a global phase and a conjugation.
    frames : int
        DMD frames spent (the instrument's own calibration frames included).
    method : str
    probes : str
        The probe family.
    n_probes : int
        Probes (before the readout's frames per probe; calibration signals for
        ``"anchors"``).
    background : ndarray or None
        For the intensity methods, the field ``b`` ``(n_out,)`` present in every frame (the
        OFF mirrors' and reference mirrors' leak), in the frame of ``matrix``: the speckle of
        ``x`` is ``|matrix @ x + background|**2``. For ``"holographic"`` with ``offset``,
        the fitted constant of each output's projection (field units; a stale reference
        term), for ``"phase-stepping"`` the complex ``conj(s) T a(0)`` of the OFF mirrors,
        else ``None``.
    """

    matrix: np.ndarray
    frames: int
    method: str
    probes: str
    n_probes: int
    background: np.ndarray | None = None

    def row_scales(self) -> np.ndarray:
        """Euclidean norm of each estimated row (what a rescale or row normalisation needs)."""
        return np.linalg.norm(self.matrix, axis=1)


def hadamard_probes(n_probes: int, n_in: int) -> np.ndarray:
    """``n_probes`` binary probe frames ``(n_probes, n_in)`` from a Hadamard S-matrix.

    The S-matrix of order ``n = 2**k - 1 >= n_in`` is ``(1 - H[1:, 1:]) / 2`` for the
    Sylvester Hadamard matrix ``H`` of order ``2**k`` (Harwit and Sloane 1979); its first
    ``n_in`` columns are used, its rows repeated cyclically beyond ``n`` probes.
    """
    n_probes = checks.integer("n_probes", n_probes, minimum=1)
    n_in = checks.integer("n_in", n_in, minimum=1)
    order = 1
    while order - 1 < n_in:
        order *= 2
    hadamard = np.ones((1, 1), dtype=np.int8)
    while hadamard.shape[0] < order:
        hadamard = np.block([[hadamard, hadamard], [hadamard, -hadamard]])
    s_matrix = hadamard[1:, 1:] < 0  # (1 - H) / 2 as booleans
    rows = np.arange(n_probes) % (order - 1)
    return np.ascontiguousarray(s_matrix[rows][:, :n_in])


def _probes(kind, n_probes, n_in, seed):
    if kind == "hadamard":
        return hadamard_probes(n_probes, n_in)
    return np.random.default_rng(seed).random((n_probes, n_in)) < 0.5


def _measure(opu, frames, call, **keywords):
    """``call`` (``"linear_transform"``, ``"transform"`` or ``"phase_stepped"``) of all
    ``frames`` in one call (one exposure), float64, with the saturation warning and the NaN
    check."""
    stats = copy.copy(getattr(opu, "frame_stats", None))
    measured = np.asarray(getattr(opu, call)(frames, **keywords), dtype=np.float64)
    if stats is not None:
        readings = (opu.frame_stats.pixels - stats.pixels) / np.prod(opu.plane.binning)
        saturated = opu.frame_stats.saturated - stats.saturated
        if readings and saturated / readings > SATURATION_WARNING:
            warnings.warn(f"{saturated} of {int(readings)} probe readings "
                          f"({saturated / readings:.2%}) saturated, above "
                          f"{SATURATION_WARNING:.1%}: the estimate is biased (lower the "
                          f"exposure fill or the light)", RuntimeWarning, stacklevel=3)
    if not np.isfinite(measured).all():
        raise ValueError(f"the instrument returned {np.count_nonzero(~np.isfinite(measured))}"
                         f" non-finite value(s) for the probes")
    if measured.size > 1 and np.ptp(measured) == 0:
        warnings.warn(f"every one of the {measured.size} probe readings is "
                      f"{measured.flat[0]:g}: the instrument saw no signal above its "
                      f"quantization (too little light per pixel), so the estimate is "
                      f"meaningless", RuntimeWarning, stacklevel=3)
    return measured


def _intensities(opu, frames):
    """Intensities of ``frames`` ``(m, n_out)`` above the camera's dark level, in field units.

    The dark level (offset plus dark signal at the call's exposure) and the counts per unit
    intensity are the quantities of the detector the algorithms need; a bench measures them
    with the laser blocked (EMVA 1288 dark frames) and from its exposure, here they are read
    from the OPU (:meth:`lightsim.OPU.dark_level`,
    :meth:`lightsim.OPU.counts_per_unit_intensity_at`). An instrument without them is taken
    as an ideal detector in field units.
    """
    measured = _measure(opu, frames, "transform")
    exposure = getattr(opu, "exposure", None)
    if hasattr(opu, "dark_level"):
        measured -= opu.dark_level(exposure)
    if hasattr(opu, "counts_per_unit_intensity_at"):
        measured /= opu.counts_per_unit_intensity_at(exposure)
    return measured


def _linear_probes(opu, n_probes, options, offset):
    """Probe frames of the linear methods: at least as many as unknowns per output."""
    unknowns = opu.n_in + offset
    if n_probes < unknowns:
        name = "n_in + 1" if offset else "n_in"
        raise ValueError(f"method={options['method']!r} needs at least {name} = {unknowns} "
                         f"probes (one linear equation per probe and output), got n_probes="
                         f"{n_probes}")
    if options["probes"] == "hadamard" and offset:
        # columns of a larger S-matrix: in a square one every row has the same number of
        # ON mirrors, so the constant column is in the span of the probes
        return hadamard_probes(n_probes, opu.n_in + 1)[:, :opu.n_in]
    return _probes(options["probes"], n_probes, opu.n_in, options["seed"])


def _least_squares(frames, measured, offset):
    """``(rows, constant or None)`` of ``measured ~ frames @ rows.T (+ constant)``."""
    design = frames.astype(np.float64)
    if offset:
        design = np.concatenate([design, np.ones((len(frames), 1))], axis=1)
    solution, _, rank, _ = np.linalg.lstsq(design, measured, rcond=None)
    if rank < design.shape[1]:
        raise ValueError(f"the {len(frames)} probes have rank {rank} < {design.shape[1]} "
                         f"unknowns per output: add probes")
    n_in = frames.shape[1]
    return solution[:n_in].T, (solution[n_in] if offset else None)


def _holographic(opu, n_probes, options):
    offset = options["offset"]
    frames = _linear_probes(opu, n_probes, options, offset)
    if not offset and hasattr(opu, "calibrate"):
        opu.calibrate()  # a fresh reference term: a stale one biases every probe
    return _least_squares(frames, _measure(opu, frames, "linear_transform"), offset)


def _phase_stepping(opu, n_probes, options):
    """Popoff et al. (2010): N-step phase shifting of every probe, then least squares."""
    if not options["offset"]:
        raise ValueError("method='phase-stepping' always fits the constant field of the OFF "
                         "mirrors (offset=True); offset=False applies to 'holographic' only")
    if not getattr(opu, "phase_stepping", False):
        raise ValueError("method='phase-stepping' needs an instrument that can step its "
                         "reference phase (an OPU built with phase_stepping=True); this one "
                         "cannot")
    frames = _linear_probes(opu, n_probes, options, True)
    stack = _measure(opu, frames, "phase_stepped", n_steps=options["n_steps"])
    # the steps put the phase on s: the estimator gives s conj(T a(x)), conjugated here
    cross = np.conj(holography.phase_shifting(stack))
    if hasattr(opu, "counts_per_unit_intensity_at"):  # DN -> field units
        cross /= opu.counts_per_unit_intensity_at(getattr(opu, "exposure", None))
    rows, constant = _least_squares(frames, cross, True)
    return rows, constant


def _intensity_only(opu, n_probes, options, algorithm):
    """Wirtinger flow or Gerchberg-Saxton from ``n_probes`` random binary frames."""
    minimum = 2 * (opu.n_in + 1)
    if n_probes < minimum:
        raise ValueError(f"method={options['method']!r} needs at least 2 (n_in + 1) = "
                         f"{minimum} probes (the real unknowns of a complex row and its "
                         f"background, less one phase), got n_probes={n_probes}; recovery "
                         f"needs about 8 n_in")
    frames = _probes("random", n_probes, opu.n_in, options["seed"])
    Y = _intensities(opu, frames)
    Z = phasing.solve_rows(phasing.design(frames), Y, algorithm,
                           iterations=options["iterations"], seed=options["seed"])
    return phasing.split(Z)


def _anchor_plan(n_in, n_probes, n_anchors, support, rng):
    """Two groups of calibration signals, each inside its own support, with nested anchors.

    Returns the frames to show and, per group, the slices of their measurements.
    """
    size = int(round(support * n_in))
    order = rng.permutation(n_in)
    groups = [np.sort(order[:size]), np.sort(order[n_in - size:])]
    per_group = n_probes // 2
    frames = [np.zeros((1, n_in), dtype=bool)]  # the all-OFF frame: |b|^2
    plan = []
    offset = 1
    for columns in groups:
        anchors = phasing.nested_anchors(columns, n_in, n_anchors, rng=rng)
        k, j = np.tril_indices(n_anchors, -1)
        pairs = anchors[k] & ~anchors[j]
        signals = np.zeros((per_group, n_in), dtype=bool)
        signals[:, columns] = rng.random((per_group, columns.size)) < 0.5
        differences = anchors[None, :, :] & ~signals[:, None, :]  # (K, S, n_in)
        blocks = [anchors, pairs, signals, differences.reshape(-1, n_in)]
        sizes = [len(b) for b in blocks]
        bounds = np.cumsum([offset] + sizes)
        plan.append(dict(columns=columns, signals=signals, pairs=(k, j),
                         anchors=slice(bounds[0], bounds[1]), pair=slice(bounds[1], bounds[2]),
                         signal=slice(bounds[2], bounds[3]),
                         difference=slice(bounds[3], bounds[4])))
        frames.extend(blocks)
        offset = bounds[-1]
    return np.concatenate(frames), plan


def _anchors(opu, n_probes, options):
    """Numerical interferometry with anchors (see :mod:`lightsim.phasing`)."""
    n_anchors = checks.integer("n_anchors", options["n_anchors"], minimum=3)
    support = checks.in_range("support", options["support"], 0.5, 0.95)
    size = int(round(support * opu.n_in))
    if 2 * size - opu.n_in < 1 or size >= opu.n_in:
        raise ValueError(f"support={support} of n_in={opu.n_in} inputs leaves the two groups "
                         f"no overlap or no free mirror for the anchors: use a larger n_in "
                         f"or another support")
    minimum = 2 * size
    if n_probes < minimum:
        raise ValueError(f"method='anchors' needs at least 2 round(support n_in) = {minimum} "
                         f"calibration signals (each of the two groups solves for its "
                         f"{size} inputs), got n_probes={n_probes}")
    rng = np.random.default_rng(options["seed"])
    frames, plan = _anchor_plan(opu.n_in, n_probes, n_anchors, support, rng)
    Y = _intensities(opu, frames)
    estimates = []
    for group in plan:
        I_pair = np.zeros((n_anchors, n_anchors, opu.n_out))
        k, j = group["pairs"]
        I_pair[k, j] = Y[group["pair"]]
        anchors, background = phasing.anchor_geometry(Y[0], Y[group["anchors"]], I_pair)
        signals = group["signals"]
        D2 = np.concatenate([Y[group["signal"]][None],
                             Y[group["difference"]].reshape(len(signals), n_anchors, -1)
                             .transpose(1, 0, 2)])
        points = np.concatenate([-background[:, None], anchors], axis=1)
        positions = phasing.laterate(points, D2)  # (n_out, K): t . x per signal
        rows = np.linalg.pinv(signals[:, group["columns"]].astype(np.float64)) @ positions.T
        estimates.append((group["columns"], rows.T, background))
    return phasing.stitch(opu.n_in, estimates)


METHODS = {
    "holographic": _holographic,
    "phase-stepping": _phase_stepping,
    "wirtinger": lambda opu, n, options: _intensity_only(opu, n, options,
                                                         phasing.wirtinger_flow),
    "gerchberg-saxton": lambda opu, n, options: _intensity_only(opu, n, options,
                                                                phasing.gerchberg_saxton),
    "anchors": _anchors,
}

#: Methods that solve a linear least squares over probes of a chosen family.
LINEAR_METHODS = ("holographic", "phase-stepping")

#: Default iterations of the iterative methods.
ITERATIONS = {"wirtinger": 1000, "gerchberg-saxton": 300}


def calibrate(opu, n_probes, *, method="holographic", probes="hadamard", seed=0,
              iterations=None, n_anchors=20, support=0.75, offset=True, n_steps=4):
    """Estimate what ``opu`` computes from probe frames (see the module).

    Parameters
    ----------
    opu : lightsim.OPU or an object with ``n_in``, ``n_out``, ``transform``,
        ``linear_transform`` and ``cost.total_frames``
    n_probes : int
        ``"holographic"``: probes of 2 frames (at least ``n_in + 1``, ``n_in`` without
        ``offset``). ``"phase-stepping"``: probes of ``n_steps`` frames (at least
        ``n_in + 1``). ``"wirtinger"``,
        ``"gerchberg-saxton"``: random binary probe frames (at least ``2 (n_in + 1)``;
        about ``8 n_in`` recover the rows). ``"anchors"``: calibration signals (at least
        ``2 round(support n_in)``), each shown with its ``n_anchors`` differences, so the
        frames are about ``n_probes (n_anchors + 1)`` (:attr:`Calibration.frames`).
    method : {"holographic", "phase-stepping", "wirtinger", "gerchberg-saxton", "anchors"}
    probes : {"hadamard", "random"}
        Probe family of the holographic and phase-stepping methods (the others use random
        probes).
    n_steps : int
        Phase steps per probe of the phase-stepping method (at least 3; Popoff et al. use
        4).
    offset : bool
        Holographic method: fit a constant per output with ``B`` (``background`` of the
        result), as a bench must when its reference term ``C`` may be stale. The reference
        is far brighter than the signal of a few inputs, so the ``C`` measured a few tens of
        frames earlier on a drifting medium already biases every probe (measured: rows of
        fidelity 0.96 for a decorrelation time of 200 s, 1 without the bias). ``False``:
        the instrument's ``C`` is refreshed first (``opu.calibrate()``, its frames counted)
        and no constant is fitted.
    seed : int
        Seeds the random probes, anchors and initialisations.
    iterations : int, optional
        Iterations of Wirtinger flow (default 1000) or Gerchberg-Saxton (default 300).
    n_anchors : int
        Anchors per group of the anchor method (Gupta et al. use 20).
    support : float
        Fraction of the inputs each of the anchor method's two groups of calibration signals
        covers (the rest of the mirrors build the anchors; the groups overlap on
        ``2 support - 1`` of the inputs, where their phases are matched).

    Returns
    -------
    Calibration
        All probes of a call are shown in one instrument call, so they share one exposure.

    Raises
    ------
    ValueError
        Unknown method or probes, fewer probes than the method's minimum (named), or
        non-finite measurements.
    TypeError
        An instrument without the operations the method needs.
    """
    checks.choice("method", method, METHODS)
    checks.choice("probes", probes, PROBES)
    needed = ({"holographic": "linear_transform", "phase-stepping": "phase_stepped"}
              .get(method, "transform"),)
    for name in ("n_in", "n_out", "cost") + needed:
        if not hasattr(opu, name):
            raise TypeError(f"method={method!r} needs an instrument with n_in, n_out, cost and "
                            f"{needed[0]} (an OPU); {type(opu).__name__} has no {name}")
    n_probes = checks.integer("n_probes", n_probes, minimum=1)
    seed = checks.seed("seed", seed)
    if iterations is None:
        iterations = ITERATIONS.get(method, 0)
    options = dict(method=method, probes=probes, seed=seed, n_anchors=n_anchors,
                   support=support, offset=checks.boolean("offset", offset),
                   iterations=checks.integer("iterations", iterations, minimum=0),
                   n_steps=checks.integer("n_steps", n_steps, minimum=3))
    before = opu.cost.total_frames
    calls_before = getattr(opu.cost, "frames", 0)
    matrix, background = METHODS[method](opu, n_probes, options)
    if hasattr(opu.cost, "reclassify"):  # probes are calibration frames, not the user's
        opu.cost.reclassify(opu.cost.frames - calls_before)
    return Calibration(matrix=matrix, frames=int(opu.cost.total_frames - before),
                       method=method,
                       probes=probes if method in LINEAR_METHODS else "random",
                       n_probes=n_probes, background=background)


def row_fidelity(estimate, truth) -> np.ndarray:
    """``|<t_hat, t>| / (|t_hat| |t|)`` per row, the best of ``t_hat`` and its conjugate.

    Parameters
    ----------
    estimate, truth : array_like ``(n_out, n_in)``, real or complex, the same shape

    Returns
    -------
    ndarray ``(n_out,)`` in ``[0, 1]`` (0 for a zero row).
    """
    estimate = checks.finite_array("estimate", estimate)
    truth = checks.finite_array("truth", truth)
    if estimate.shape != truth.shape or estimate.ndim != 2:
        raise ValueError(f"estimate and truth must be matrices of one shape, got "
                         f"{estimate.shape} and {truth.shape}")
    estimate = estimate.astype(np.complex128)
    truth = truth.astype(np.complex128)
    norms = np.linalg.norm(estimate, axis=1) * np.linalg.norm(truth, axis=1)
    direct = np.abs(np.sum(np.conj(estimate) * truth, axis=1))
    conjugate = np.abs(np.sum(estimate * truth, axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        fidelity = np.maximum(direct, conjugate) / norms
    return np.where(norms > 0, fidelity, 0.0)


def prediction_correlation(estimate, opu, X) -> float:
    """Correlation of predicted and measured outputs of ``opu`` on inputs ``X``.

    A real estimate ``B`` predicts ``X @ B.T`` and is compared with
    ``opu.linear_transform(X)``; a complex ``T`` predicts the speckle ``|X @ T.T + b|**2``
    (``b`` the calibration's ``background``, or 0) and is compared with
    ``opu.transform(X)`` (Pearson correlation pooled over every output and sample: invariant
    to the camera's gain and offset, sensitive to a few badly estimated rows).
    ``estimate`` may be a :class:`Calibration`; a phase-stepping one predicts the
    projection ``Re(X @ M.T)`` (proportional to ``X @ B.T``). The frames shown are counted
    in ``opu.cost``.
    """
    background = 0.0
    matrix = estimate
    if isinstance(estimate, Calibration):
        matrix = estimate.matrix
        if estimate.method == "phase-stepping":
            matrix = matrix.real  # B = 2 (1 - c) Re(M); the scale does not change the result
            if getattr(opu, "normalize_rows", False):  # as linear_transform divides its rows
                matrix = matrix / opu.reference_per_pixel[:, None]
        elif estimate.background is not None:
            background = estimate.background
    matrix = checks.finite_array("estimate", matrix)
    X = np.asarray(X)
    if matrix.ndim != 2 or X.ndim != 2 or X.shape[1] != matrix.shape[1]:
        raise ValueError(f"X must have shape (n_samples, {matrix.shape[-1]}) for an estimate "
                         f"of shape {matrix.shape}, got {X.shape}")
    if np.iscomplexobj(matrix):
        predicted = np.abs(X @ matrix.T + background) ** 2
        measured = np.asarray(opu.transform(X), dtype=np.float64)
    else:
        predicted = X @ matrix.T
        measured = np.asarray(opu.linear_transform(X), dtype=np.float64)
    for name, values, why in (("measured", measured, "the instrument read no signal"),
                              ("predicted", predicted, "the estimate predicts no signal")):
        if np.ptp(values) == 0:
            warnings.warn(f"the {name} outputs are all {values.flat[0]:g} ({why}): their "
                          f"correlation is undefined, returns nan", RuntimeWarning,
                          stacklevel=2)
            return float("nan")
    return float(np.corrcoef(predicted.ravel(), measured.ravel())[0, 1])
