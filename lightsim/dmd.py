"""Digital micromirror device (DMD): binary frames, mirror defects, macro-pixel layouts.

Conventions
-----------
* A DMD has ``shape = (rows, cols)`` mirrors of pitch ``pitch`` (m). Frames are boolean,
  ``frames[sample, row, col]`` or flattened row-major ``frames[sample, mirror]``; a flat frame
  of width ``n_used`` addresses the first ``n_used`` mirrors in row-major order.
* Mirror ``j`` sends the real field amplitude ``illumination_j`` when ON and
  ``leak * illumination_j`` when OFF, ``leak = sqrt(1 / contrast)`` (the contrast is an
  intensity ratio). Dead mirrors are stuck ON or OFF whatever the frame asks.

Models
------
Finite contrast, dead mirrors and illumination follow the usual DMD description (Texas
Instruments, *DLP4500 0.45 WXGA DMD* data sheet, DLPS028; mirror states +/-12 degrees).
Encoders that turn real data into binary frames are in :mod:`lightsim.encoders`, Lee
holograms in :mod:`lightsim.holograms`.
"""

from __future__ import annotations

import numbers

import numpy as np

from . import checks
from .grid import centred_coordinates

__all__ = ["DMD", "MacroPixelLayout", "check_binary"]


# ---------------------------------------------------------------------------- binary frames


def check_binary(frames, name: str = "frames") -> np.ndarray:
    """Return ``frames`` as a boolean array, or raise if any value is not exactly 0 or 1.

    Parameters
    ----------
    frames : array_like
        Boolean array, or a real numeric (integer or float) array whose values are all exactly
        0 or 1.
    name : str
        Name of the argument, used in error messages.

    Returns
    -------
    ndarray of bool
        ``frames`` itself when it is already boolean (no copy), else ``frames == 1``.

    Raises
    ------
    TypeError
        Non-numeric (strings, objects) or complex arrays.
    ValueError
        Any value other than 0 or 1 (NaN included); the message lists some of them.
    """
    frames = np.asarray(frames)
    if frames.dtype == bool:
        return frames
    if frames.dtype.kind not in "iuf":
        raise TypeError(
            f"{name} must be a bool array or a real numeric array of 0/1 values, "
            f"got dtype {frames.dtype}"
        )
    ones = frames == 1
    bad = ~(ones | (frames == 0))  # NaN compares unequal to both
    if bad.any():
        offending = frames[bad]
        shown = np.unique(offending[:1000])[:5]
        raise ValueError(
            f"{name} must be binary (bool, or numbers exactly 0 or 1); found "
            f"{offending.size} other value(s), e.g. {shown.tolist()}"
        )
    return ones


def _shape(name: str, value) -> tuple[int, int]:
    """A pair of positive integers ``(rows, cols)``."""
    if np.ndim(value) != 1 or len(value) != 2:
        raise ValueError(f"{name} must be a pair (rows, cols), got {value!r}")
    return tuple(checks.integer(name, item, minimum=1) for item in value)


# ---------------------------------------------------------------------------- device


class DMD:
    """A binary micromirror array with finite contrast, dead mirrors and an illumination.

    Parameters
    ----------
    shape : (int, int)
        Number of mirrors ``(rows, cols)``. The default is the 0.45" WXGA format (912 x 1140)
        of LightOn's OPUs.
    pitch : float
        Mirror pitch (m).
    contrast : float
        ON/OFF *intensity* ratio, ``> 1``; ``numpy.inf`` means a perfect OFF state.
    dead_fraction : float
        Fraction of mirrors stuck whatever the frame, in ``[0, 1)``. Each mirror ``j`` is dead
        when ``u_j < dead_fraction`` with ``u_j`` uniform and drawn from ``seed``, so the dead
        set at a smaller fraction is a subset of the dead set at a larger one (same seed).
    illumination : None, ndarray or float
        ``None``: uniform amplitude 1. An array of shape ``shape``: real amplitudes ``>= 0``
        (field amplitude, not intensity). A float ``w`` (m): Gaussian beam of waist ``w``,
        amplitude ``exp(-r**2 / w**2)`` with ``r`` measured from the mirror at index
        ``(rows // 2, cols // 2)`` (the origin convention of :mod:`lightsim.grid`).
    seed : int
        Seed (``>= 0``) of the dead-mirror positions and stuck states.
    stuck_on_fraction : float
        Probability, in ``[0, 1]``, that a dead mirror is stuck ON (else OFF).

    Attributes
    ----------
    shape : (int, int)
    n_mirrors : int
    pitch, contrast, dead_fraction, stuck_on_fraction : float
    leak : float
        OFF-state amplitude ``sqrt(1 / contrast)`` relative to ON (0 for infinite contrast).
    dead_mask : ndarray of bool, ``(n_mirrors,)``
        Dead mirrors, flat row-major.
    stuck_value : ndarray of bool, ``(n_mirrors,)``
        State of each dead mirror (False where the mirror is not dead).
    illumination_amplitude : ndarray of float32, ``(n_mirrors,)``
        Incident field amplitude on each mirror, flat row-major.

    Notes
    -----
    The field leaving mirror ``j`` towards the scattering medium is
    ``illumination_j * (1 if ON else leak)``; a dead mirror shows its stuck state. The tilt
    geometry, diffraction by the mirror grid and the diamond pixel layout of some DMDs are
    not modelled: each mirror is one input mode of the medium.
    """

    def __init__(self, shape=(912, 1140), pitch=7.56e-6, contrast=np.inf, dead_fraction=0.0,
                 illumination=None, seed=0, stuck_on_fraction=0.5):
        self.shape = _shape("shape", shape)
        self.n_mirrors = self.shape[0] * self.shape[1]
        self.pitch = checks.positive("pitch", pitch)
        self.contrast = _contrast(contrast)
        self.leak = 0.0 if np.isinf(self.contrast) else float(np.sqrt(1.0 / self.contrast))
        self.dead_fraction = checks.real_scalar("dead_fraction", dead_fraction)
        if not 0.0 <= self.dead_fraction < 1.0:
            raise ValueError(f"dead_fraction must be in [0, 1) (1 would leave no working "
                             f"mirror), got {self.dead_fraction}")
        self.stuck_on_fraction = checks.in_range(
            "stuck_on_fraction", stuck_on_fraction, 0.0, 1.0)
        self.seed = checks.seed("seed", seed)
        self._illumination, self.illumination_amplitude = self._illuminate(illumination)
        if self.dead_fraction > 0:
            rng = np.random.default_rng(self.seed)
            self.dead_mask = rng.random(self.n_mirrors) < self.dead_fraction
            self.stuck_value = self.dead_mask & (rng.random(self.n_mirrors)
                                                 < self.stuck_on_fraction)
        else:
            self.dead_mask = np.zeros(self.n_mirrors, dtype=bool)
            self.stuck_value = np.zeros(self.n_mirrors, dtype=bool)

    def _illuminate(self, illumination):
        """Validated illumination spec (for :meth:`parameters`) and flat float32 amplitudes."""
        if illumination is None:
            return None, np.ones(self.n_mirrors, dtype=np.float32)
        if np.ndim(illumination) == 0:
            waist = checks.positive("illumination", illumination)
            y = centred_coordinates(self.shape[0], self.pitch)[:, None]
            x = centred_coordinates(self.shape[1], self.pitch)[None, :]
            return waist, np.exp(-(x**2 + y**2) / waist**2).astype(np.float32).ravel()
        amplitude = checks.finite_array("illumination", illumination, complex_ok=False)
        if amplitude.shape != self.shape:
            raise ValueError(
                f"illumination must be None, a waist (m) or an array of shape {self.shape}, "
                f"got an array of shape {amplitude.shape}"
            )
        if (amplitude < 0).any():
            raise ValueError(
                f"illumination amplitudes must be >= 0, got minimum {amplitude.min()}")
        out = amplitude.astype(np.float32).ravel()
        return out.reshape(self.shape), out

    def __repr__(self):
        return (f"DMD(shape={self.shape}, pitch={self.pitch}, contrast={self.contrast}, "
                f"dead_fraction={self.dead_fraction}, seed={self.seed})")

    def check_binary(self, frames, name: str = "frames") -> np.ndarray:
        """Boolean view (or copy) of ``frames``; see :func:`check_binary`."""
        return check_binary(frames, name)

    def effective_input(self, frames) -> np.ndarray:
        """Real field amplitude leaving each addressed mirror, ``(n_samples, n_used)`` float32.

        Parameters
        ----------
        frames : array_like of bool or 0/1
            ``(n_samples, n_used)`` flat frames addressing the first ``n_used <= n_mirrors``
            mirrors in row-major order, or ``(n_samples, rows, cols)`` full frames (returned
            flattened).

        Returns
        -------
        ndarray float32 ``(n_samples, n_used)``
            ``illumination_j * (1 if ON else leak)``, with dead mirrors forced to their stuck
            state.
        """
        frames = self.check_binary(frames)
        if frames.ndim == 3 and frames.shape[1:] == self.shape:
            frames = frames.reshape(frames.shape[0], self.n_mirrors)
        elif frames.ndim != 2 or frames.shape[1] > self.n_mirrors:
            raise ValueError(
                f"frames must have shape (n_samples, n_used) with n_used <= {self.n_mirrors} "
                f"or (n_samples, {self.shape[0]}, {self.shape[1]}), got {frames.shape}"
            )
        n_used = frames.shape[1]
        dead = self.dead_mask[:n_used]
        if dead.any():
            frames = np.where(dead, self.stuck_value[:n_used], frames)
        illumination = self.illumination_amplitude[:n_used]
        off = illumination * np.float32(self.leak)
        return np.where(frames, illumination, off)

    def parameters(self) -> dict:
        """Keyword arguments that rebuild this DMD: ``DMD(**dmd.parameters())``.

        ``illumination`` is ``None``, the waist (m) or the float32 amplitude array.
        """
        illumination = self._illumination
        if isinstance(illumination, np.ndarray):
            illumination = illumination.copy()
        return {
            "shape": self.shape,
            "pitch": self.pitch,
            "contrast": self.contrast,
            "dead_fraction": self.dead_fraction,
            "illumination": illumination,
            "seed": self.seed,
            "stuck_on_fraction": self.stuck_on_fraction,
        }


def _contrast(value) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"contrast must be a real number > 1 or inf, got {value!r}")
    value = float(value)
    if np.isnan(value) or value <= 1:
        raise ValueError(f"contrast must be > 1 (or inf for a perfect DMD), got {value}: at "
                         f"contrast 1 an OFF mirror sends as much light as an ON one, so "
                         f"every frame is the same and the output is noise")
    return value


# ---------------------------------------------------------------------------- macro-pixels


class MacroPixelLayout:
    """Each feature shown on a ``block`` of mirrors, blocks tiled row-major over the DMD.

    Feature ``i`` occupies block ``(i // n_block_cols, i % n_block_cols)`` of the grid of
    ``n_block_rows x n_block_cols`` blocks that fit in the DMD, starting at the top-left
    mirror. Mirrors outside the blocks are OFF. Since the blocks fill the top rows first, the
    expanded frames only need the first ``n_mirrors_used`` mirrors (whole rows) in row-major
    order.

    Parameters
    ----------
    n_features : int
        Number of features (blocks).
    dmd_shape : (int, int)
        Mirrors ``(rows, cols)`` of the DMD.
    block : None, int or (int, int)
        Block size in mirrors ``(block_rows, block_cols)``; an int means a square block.
        ``None``: the largest square block such that ``n_features`` blocks fit.

    Attributes
    ----------
    block : (int, int)
    block_size : int
        Mirrors per feature.
    n_mirrors_used : int
        Width of the flat frames returned by :meth:`expand`.
    mirror_indices : ndarray of int ``(n_features, block_size)``
        Flat row-major mirror indices of each feature's block.
    """

    def __init__(self, n_features, dmd_shape, block=None):
        self.n_features = checks.integer("n_features", n_features, minimum=1)
        self.dmd_shape = _shape("dmd_shape", dmd_shape)
        rows, cols = self.dmd_shape
        if block is None:
            block = _largest_square_block(self.n_features, rows, cols)
        self.block = checks.pair(
            "block", block, lambda name, v: checks.integer(name, v, minimum=1))
        by, bx = self.block
        self.n_block_cols = cols // bx
        capacity = (rows // by) * self.n_block_cols
        if capacity < self.n_features:
            raise ValueError(
                f"{self.n_features} features do not fit on a {rows} x {cols} DMD with blocks "
                f"of {by} x {bx} mirrors (room for {capacity})")
        self.block_size = by * bx
        self.n_block_rows = -(-self.n_features // self.n_block_cols)  # rows of blocks used
        self.n_mirrors_used = self.n_block_rows * by * cols
        feature = np.arange(self.n_features)
        top = (feature // self.n_block_cols) * by
        left = (feature % self.n_block_cols) * bx
        dy, dx = np.divmod(np.arange(self.block_size), bx)
        self.mirror_indices = (top[:, None] + dy) * cols + left[:, None] + dx

    def __repr__(self):
        return (f"MacroPixelLayout(n_features={self.n_features}, dmd_shape={self.dmd_shape}, "
                f"block={self.block})")

    def expand(self, frames, full: bool = False) -> np.ndarray:
        """Repeat each feature of binary ``frames`` ``(n_samples, n_features)`` on its block.

        Returns
        -------
        ndarray of bool
            ``(n_samples, n_mirrors_used)`` flat frames (for :meth:`DMD.effective_input`), or
            ``(n_samples, rows, cols)`` full-DMD frames when ``full``.
        """
        frames = check_binary(frames)
        if frames.ndim != 2 or frames.shape[1] != self.n_features:
            raise ValueError(
                f"frames must have shape (n_samples, {self.n_features}), got {frames.shape}")
        width = self.dmd_shape[0] * self.dmd_shape[1] if full else self.n_mirrors_used
        out = np.zeros((frames.shape[0], width), dtype=bool)
        out[:, self.mirror_indices] = frames[:, :, None]
        return out.reshape(frames.shape[0], *self.dmd_shape) if full else out

    def fold(self, matrix) -> np.ndarray:
        """Effective matrix over features: sum of each feature's block of columns.

        Parameters
        ----------
        matrix : array_like ``(..., n_mirrors_used)`` or ``(..., n_mirrors)``
            A linear map ``T`` over mirrors (e.g. a transmission matrix ``(n_out, n)``).

        Returns
        -------
        ndarray ``(..., n_features)``
            ``F`` with ``expand(X) @ T.T == X @ F.T`` for any binary ``X`` (exactly, up to the
            floating-point order of summation), so the repeated mirrors never need to be
            materialised.
        """
        matrix = checks.finite_array("matrix", matrix, min_ndim=1)
        rows, cols = self.dmd_shape
        if matrix.shape[-1] not in (self.n_mirrors_used, rows * cols):
            raise ValueError(
                f"matrix must have {self.n_mirrors_used} (used mirrors) or {rows * cols} "
                f"(all mirrors) columns, got shape {matrix.shape}")
        by, bx = self.block
        lead = matrix.shape[:-1]
        grid = matrix[..., : self.n_mirrors_used].reshape(*lead, self.n_block_rows, by, cols)
        grid = grid[..., : self.n_block_cols * bx]
        grid = grid.reshape(*lead, self.n_block_rows, by, self.n_block_cols, bx)
        sums = grid.sum(axis=(-3, -1)).reshape(*lead, self.n_block_rows * self.n_block_cols)
        return sums[..., : self.n_features]


def _largest_square_block(n_features: int, rows: int, cols: int) -> int:
    if n_features > rows * cols:
        raise ValueError(
            f"n_features={n_features} exceeds the {rows * cols} mirrors of a {rows} x {cols} "
            f"DMD")
    side = int(np.sqrt(rows * cols / n_features)) + 1  # (rows//b)(cols//b) <= rows cols / b^2
    while (rows // side) * (cols // side) < n_features:
        side -= 1
    return side
