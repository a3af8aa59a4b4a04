"""Calibrating an instrument from its measurements alone: what a bench can know of ``B``.

On a real OPU nobody knows the transmission matrix. :func:`calibrate` estimates what the
instrument computes through its public interface only (``linear_transform`` and the frame
accounting of ``cost``), never by reading ``opu.medium``; every frame it spends is counted in
``opu.cost`` like any other call.

Methods
-------
``"holographic"``
    The real effective matrix ``B`` that :meth:`lightsim.OPU.linear_transform` applies
    (the quantity DFA uses), by least squares over ``K`` binary probe frames ``P``:
    ``B_hat = argmin ||P B^T - Y||`` with ``Y`` the measured projections. Probes are random
    (Bernoulli 1/2 per mirror) or the rows of a Hadamard S-matrix, the binary masks of least
    estimation variance for ON/OFF multiplexing (M. Harwit and N. J. A. Sloane, *Hadamard
    Transform Optics*, Academic Press, 1979, ch. 3): for ``K = n`` probes the S-matrix has
    ``(P^T P)^-1`` of trace ``4 n**2 / (n + 1)**2`` (under 4: the summed error variance of
    the ``n`` unknowns, per unit readout variance), against hundreds for a random square
    binary matrix and about the same for ``2 n`` random probes (twice the frames). Each probe
    costs the readout's 2 frames.

Not implemented yet (issue 10): the complex ``conj(s) T`` by reference phase stepping,
Wirtinger flow, Gerchberg-Saxton and numerical interferometry with anchors; ``method``
refuses them by name.

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

from . import checks

METHODS = ("holographic",)

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
        as :meth:`lightsim.OPU.effective_matrix`).
    frames : int
        DMD frames spent (the instrument's own calibration frames included).
    method : str
    probes : str
        The probe family.
    n_probes : int
        Probe frames shown (before the readout's frames per probe).
    """

    matrix: np.ndarray
    frames: int
    method: str
    probes: str
    n_probes: int

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


def calibrate(opu, n_probes, *, method="holographic", probes="hadamard", seed=0):
    """Estimate what ``opu`` computes from ``n_probes`` probe frames (see the module).

    Parameters
    ----------
    opu : lightsim.OPU or an object with ``n_in``, ``n_out``, ``linear_transform`` and
        ``cost.total_frames``
    n_probes : int
        Probe frames; the holographic least squares needs at least ``n_in``.
    method : {"holographic"}
    probes : {"hadamard", "random"}
    seed : int
        Seed of the random probes.

    Returns
    -------
    Calibration

    Raises
    ------
    ValueError
        Unknown method or probes, or fewer probes than the method's minimum.
    TypeError
        An instrument without the operations the method needs.
    """
    checks.choice("method", method, METHODS)
    checks.choice("probes", probes, PROBES)
    for name in ("n_in", "n_out", "linear_transform", "cost"):
        if not hasattr(opu, name):
            raise TypeError(f"opu must have n_in, n_out, linear_transform and cost (an OPU); "
                            f"{type(opu).__name__} has no {name}")
    n_probes = checks.integer("n_probes", n_probes, minimum=1)
    if n_probes < opu.n_in:
        raise ValueError(f"holographic calibration needs at least n_in = {opu.n_in} probes "
                         f"(one linear equation per probe and output), got n_probes="
                         f"{n_probes}")
    seed = checks.integer("seed", seed, minimum=0)
    frames = _probes(probes, n_probes, opu.n_in, seed)
    before = opu.cost.total_frames
    stats = copy.copy(getattr(opu, "frame_stats", None))
    measured = np.asarray(opu.linear_transform(frames), dtype=np.float64)
    if stats is not None:
        readings = (opu.frame_stats.pixels - stats.pixels) / np.prod(opu.plane.binning)
        saturated = opu.frame_stats.saturated - stats.saturated
        if readings and saturated / readings > SATURATION_WARNING:
            warnings.warn(f"{saturated} of {int(readings)} probe readings "
                          f"({saturated / readings:.2%}) saturated, above "
                          f"{SATURATION_WARNING:.1%}: the estimate is biased (lower the "
                          f"exposure fill or the light)", RuntimeWarning, stacklevel=2)
    if not np.isfinite(measured).all():
        raise ValueError(f"the instrument returned {np.count_nonzero(~np.isfinite(measured))}"
                         f" non-finite projection(s) of the probes")
    solution, _, rank, _ = np.linalg.lstsq(frames.astype(np.float64), measured, rcond=None)
    if rank < opu.n_in:
        raise ValueError(f"the {n_probes} probes have rank {rank} < n_in = {opu.n_in}: add "
                         f"probes")
    return Calibration(matrix=solution.T, frames=int(opu.cost.total_frames - before),
                       method=method, probes=probes, n_probes=n_probes)


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
    ``opu.linear_transform(X)``; a complex ``T`` predicts the speckle ``|X @ T.T|**2`` and is
    compared with ``opu.transform(X)`` (Pearson correlation over every output and sample:
    invariant to the camera's gain and offset). ``estimate`` may be a :class:`Calibration`.
    The frames shown are counted in ``opu.cost``.
    """
    matrix = estimate.matrix if isinstance(estimate, Calibration) else estimate
    matrix = checks.finite_array("estimate", matrix)
    X = np.asarray(X)
    if matrix.ndim != 2 or X.ndim != 2 or X.shape[1] != matrix.shape[1]:
        raise ValueError(f"X must have shape (n_samples, {matrix.shape[-1]}) for an estimate "
                         f"of shape {matrix.shape}, got {X.shape}")
    if np.iscomplexobj(matrix):
        predicted = np.abs(X @ matrix.T) ** 2
        measured = np.asarray(opu.transform(X), dtype=np.float64)
    else:
        predicted = X @ matrix.T
        measured = np.asarray(opu.linear_transform(X), dtype=np.float64)
    return float(np.corrcoef(predicted.ravel(), measured.ravel())[0, 1])
