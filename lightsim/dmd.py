"""Digital micromirror device (DMD) and the encoders that turn real data into binary frames.

Conventions
-----------
* A DMD has ``shape = (rows, cols)`` mirrors of pitch ``pitch`` (m). Frames are boolean,
  ``frames[sample, row, col]`` or flattened row-major ``frames[sample, mirror]``; a flat frame
  of width ``n_used`` addresses the first ``n_used`` mirrors in row-major order.
* Mirror ``j`` sends the real field amplitude ``illumination_j`` when ON and
  ``leak * illumination_j`` when OFF, ``leak = sqrt(1 / contrast)`` (the contrast is an
  intensity ratio). Dead mirrors are stuck ON or OFF whatever the frame asks.
* Encoders are stateless after ``fit``: ``fit`` stores only what it learns (attributes with a
  trailing underscore) and returns ``self``; ``transform`` never mutates the encoder.
* Bit planes are ordered most significant bit (MSB) first.

Models
------
* Finite contrast, dead mirrors and illumination follow the usual DMD description (Texas
  Instruments, *DLP4500 0.45 WXGA DMD* data sheet, DLPS028; mirror states +/-12 degrees).
* Lee holograms: W.-H. Lee, "Binary computer-generated holograms", Appl. Opt. 18, 3661
  (1979); pulse-width amplitude encoding on a DMD: D. B. Conkey, A. M. Caravaca-Aguirre and
  R. Piestun, "High-speed scattering medium characterization with application to focusing
  light through turbid media", Opt. Express 20, 1733 (2012).
* Binary amplitude gratings: J. W. Goodman, *Introduction to Fourier Optics*, 3rd ed.,
  Roberts & Co., 2005, ch. 4.
* Encoders follow the ones of LightOn's ``lightonml`` (``BinaryThresholdEncoder``,
  ``SeparatedBitPlanEncoder``).
"""

from __future__ import annotations

import numbers

import numpy as np
import scipy.fft as sfft

from . import checks
from .grid import centred_coordinates

__all__ = [
    "DMD",
    "BitPlaneEncoder",
    "MacroPixelLayout",
    "SeparatedBitPlanEncoder",
    "ThresholdEncoder",
    "check_binary",
    "lee_decode",
    "lee_hologram",
    "ternary",
    "ternary_values",
]

_MAX_BITS = 32


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


def _real_2d(name: str, X) -> np.ndarray:
    """A finite real array of shape ``(n_samples, n_features)``."""
    X = checks.finite_array(name, X, complex_ok=False)
    if X.ndim != 2:
        raise ValueError(f"{name} must have shape (n_samples, n_features), got shape {X.shape}")
    return X


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
        ON/OFF *intensity* ratio, ``>= 1``; ``numpy.inf`` means a perfect OFF state.
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
        self.dead_fraction = checks.in_range("dead_fraction", dead_fraction, 0.0, 1.0)
        if self.dead_fraction >= 1.0:
            raise ValueError(f"dead_fraction must be < 1, got {self.dead_fraction}")
        self.stuck_on_fraction = checks.in_range(
            "stuck_on_fraction", stuck_on_fraction, 0.0, 1.0)
        self.seed = checks.integer("seed", seed, minimum=0)
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
        raise TypeError(f"contrast must be a real number >= 1 or inf, got {value!r}")
    value = float(value)
    if np.isnan(value) or value < 1:
        raise ValueError(f"contrast must be >= 1 (or inf for a perfect DMD), got {value}")
    return value


# ---------------------------------------------------------------------------- encoders


class _Encoder:
    def fit_transform(self, X, y=None) -> np.ndarray:
        """``fit(X).transform(X)``."""
        return self.fit(X).transform(X)


class ThresholdEncoder(_Encoder):
    """Binary encoding ``x > threshold`` (LightOn's ``BinaryThresholdEncoder`` generalised).

    Parameters
    ----------
    threshold : None, float or array_like ``(n_features,)``
        Fixed threshold(s). ``None``: :meth:`fit` learns the per-feature median
        (``threshold_``), so that each feature is ON for about half of the training samples.
    """

    def __init__(self, threshold=None):
        if threshold is not None:
            threshold = checks.finite_array("threshold", threshold, complex_ok=False)
            if threshold.ndim > 1:
                raise ValueError(
                    f"threshold must be a scalar or have shape (n_features,), got shape "
                    f"{threshold.shape}")
            threshold = threshold.astype(np.float64)
        self.threshold = threshold

    def fit(self, X, y=None):
        """Learn the per-feature median of ``X`` ``(n_samples, n_features)`` if needed."""
        X = _real_2d("X", X)
        if self.threshold is None:
            if X.shape[0] == 0:
                raise ValueError("X must have at least one sample to learn a median")
            self.threshold_ = np.median(X, axis=0)
        return self

    def transform(self, X) -> np.ndarray:
        """Boolean frames ``X > threshold``, same shape as ``X``."""
        X = _real_2d("X", X)
        if self.threshold is not None:
            threshold = self.threshold
        elif hasattr(self, "threshold_"):
            threshold = self.threshold_
        else:
            raise RuntimeError("ThresholdEncoder(threshold=None) must be fitted before transform")
        if threshold.ndim == 1 and threshold.shape[0] != X.shape[1]:
            raise ValueError(
                f"X has {X.shape[1]} features but the threshold has {threshold.shape[0]}")
        return X > threshold


class _BitPlanes(_Encoder):
    """Uniform quantiser of magnitudes to ``n_bits`` and its MSB-first bit planes.

    A magnitude ``m`` in ``[0, scale]`` becomes the integer level
    ``q = round(m / delta)``, ``delta = scale / (2**n_bits - 1)`` (the grid holds 0 and
    ``scale`` exactly, so ``|m - q delta| <= delta / 2``), written in binary
    ``q = sum_k b_k 2**(n_bits - 1 - k)`` with plane ``k = 0`` the most significant bit.
    """

    def __init__(self, n_bits=8, scale=None):
        self.n_bits = checks.integer("n_bits", n_bits, minimum=1, maximum=_MAX_BITS)
        self.scale = None if scale is None else checks.positive("scale", scale)

    def _scale(self) -> float:
        if self.scale is not None:
            return self.scale
        if not hasattr(self, "scale_"):
            raise RuntimeError(
                f"{type(self).__name__} must be fitted (or given scale=) before use")
        return self.scale_

    @property
    def weights(self) -> np.ndarray:
        """Plane weights ``w_k = scale * 2**(n_bits - 1 - k) / (2**n_bits - 1)``, MSB first.

        ``sum_k w_k b_k`` is the quantised value; a linear map applied to each plane and
        recombined with these weights is the same map applied to the quantised value.
        """
        powers = 2.0 ** np.arange(self.n_bits - 1, -1, -1)
        return self._scale() * powers / (2.0**self.n_bits - 1.0)

    @property
    def delta(self) -> float:
        """Quantisation step ``scale / (2**n_bits - 1)`` (the least significant bit)."""
        return self._scale() / (2.0**self.n_bits - 1.0)

    def _planes(self, magnitude: np.ndarray, scale: float, out: np.ndarray) -> None:
        """Write the bit planes of ``magnitude`` (all in ``[0, scale]``) into ``out``."""
        levels = 2**self.n_bits - 1
        if scale == 0:  # fitted on all-zero data: every magnitude is 0
            out[...] = False
            return
        dtype = np.min_scalar_type(levels)
        q = np.rint(magnitude * (levels / scale)).astype(dtype)
        for k in range(self.n_bits):
            np.not_equal(q & dtype.type(1 << (self.n_bits - 1 - k)), 0, out=out[k])

    def _check_magnitude(self, name: str, magnitude: np.ndarray, scale: float) -> None:
        if magnitude.size and magnitude.max() > scale:
            raise ValueError(
                f"{name} exceeds the encoder scale {scale} (max {magnitude.max()}); refit on "
                f"data that covers it or pass a larger scale=")

    def recombine(self, projections) -> np.ndarray:
        """Weighted sum over the first axis: ``sum_k w_k projections[k]`` (float64).

        Parameters
        ----------
        projections : array_like ``(n_bits, ...)``
            Bit planes or any linear function of them, plane by plane (e.g. the
            ``(n_bits, n_samples, m)`` projections ``planes[k] @ M.T``).

        Returns
        -------
        ndarray float64 ``(...)``
            By linearity, the same linear function of the quantised input.
        """
        projections = checks.finite_array("projections", projections, min_ndim=1)
        if projections.shape[0] != self.n_bits:
            raise ValueError(
                f"projections must have n_bits={self.n_bits} rows on the first axis, got "
                f"shape {projections.shape}")
        return np.tensordot(self.weights, projections, axes=1)


class BitPlaneEncoder(_BitPlanes):
    """Non-negative real input -> ``n_bits`` binary planes, most significant bit first.

    ``x`` in ``[0, scale]`` is rounded to the nearest of the ``2**n_bits`` levels
    ``q * delta``, ``delta = scale / (2**n_bits - 1)``, and ``q`` is written in binary. With
    :attr:`weights` ``w_k = scale * 2**(n_bits - 1 - k) / (2**n_bits - 1)`` the quantised
    value is ``sum_k w_k b_k`` and ``|x - sum_k w_k b_k| <= delta / 2``.

    Parameters
    ----------
    n_bits : int
        Number of planes, 1 to 32.
    scale : float, optional
        Top of the range (> 0). ``None``: :meth:`fit` learns ``scale_ = max(X)``.
        Values above the scale are refused, never clipped.
    """

    def fit(self, X, y=None):
        """Learn ``scale_ = max(X)`` (unless ``scale`` was given); ``X`` must be >= 0."""
        X = self._check(X)
        if self.scale is None:
            if X.size == 0:
                raise ValueError("X must not be empty to learn a scale")
            self.scale_ = float(X.max())
        return self

    @staticmethod
    def _check(X) -> np.ndarray:
        X = _real_2d("X", X)
        if X.size and X.min() < 0:
            raise ValueError(
                f"X must be >= 0 for BitPlaneEncoder (got minimum {X.min()}); use "
                f"SeparatedBitPlanEncoder for signed data")
        return X

    def transform(self, X) -> np.ndarray:
        """Bit planes ``(n_bits, n_samples, n_features)`` bool, MSB first."""
        X = self._check(X)
        scale = self._scale()
        self._check_magnitude("X", X, scale)
        planes = np.empty((self.n_bits, *X.shape), dtype=bool)
        self._planes(X, scale, planes)
        return planes

    def decode(self, planes) -> np.ndarray:
        """Quantised input ``(n_samples, n_features)`` float64 from its bit planes."""
        planes = check_binary(planes, "planes")
        return self.recombine(planes)


class SeparatedBitPlanEncoder(_BitPlanes):
    """Signed real input -> ``2 * n_bits`` binary planes of ``x+`` and ``x-``.

    ``x = x+ - x-`` with ``x+ = max(x, 0)``, ``x- = max(-x, 0)``; both are quantised like
    :class:`BitPlaneEncoder` with one common ``scale`` (``max |x|`` learned in :meth:`fit`).
    The name follows LightOn's ``lightonml.encoding.base.SeparatedBitPlanEncoder``.

    Convention for :meth:`recombine`: it takes the ``(n_bits, ...)`` plane *differences*,
    ``f(plane k of x+) - f(plane k of x-)`` for a linear ``f``, and returns ``f`` of the
    quantised ``x``. This is what an OPU measures when it projects the two halves and
    subtracts them.

    Parameters
    ----------
    n_bits : int
        Bits per sign, 1 to 32.
    scale : float, optional
        Largest ``|x|`` (> 0); ``None``: learned by :meth:`fit`.
    """

    def fit(self, X, y=None):
        """Learn ``scale_ = max |X|`` (unless ``scale`` was given)."""
        X = _real_2d("X", X)
        if self.scale is None:
            if X.size == 0:
                raise ValueError("X must not be empty to learn a scale")
            self.scale_ = float(np.abs(X).max())
        return self

    def transform(self, X) -> np.ndarray:
        """Planes ``(2 * n_bits, n_samples, n_features)`` bool: ``x+`` MSB first, then ``x-``."""
        X = _real_2d("X", X)
        scale = self._scale()
        self._check_magnitude("|X|", np.abs(X), scale)
        planes = np.empty((2 * self.n_bits, *X.shape), dtype=bool)
        self._planes(np.maximum(X, 0), scale, planes[: self.n_bits])
        self._planes(np.maximum(-X, 0), scale, planes[self.n_bits:])
        return planes

    def decode(self, planes) -> np.ndarray:
        """Quantised signed input ``(n_samples, n_features)`` float64 from its planes."""
        planes = check_binary(planes, "planes")
        if planes.shape[0] != 2 * self.n_bits:
            raise ValueError(
                f"planes must have 2 * n_bits = {2 * self.n_bits} rows on the first axis, "
                f"got shape {planes.shape}")
        n = self.n_bits
        return self.recombine(planes[:n].astype(np.int8) - planes[n:].astype(np.int8))


def ternary(e, threshold=0.0) -> tuple[np.ndarray, np.ndarray]:
    """Split a real array into its positive and negative binary parts.

    ``pos = e > threshold`` and ``neg = e < -threshold``, so that ``pos - neg`` is the
    ternary (-1, 0, 1) sign of ``e`` with a dead zone ``|e| <= threshold``. Projecting both
    halves and subtracting gives the projection of the ternary vector (the error encoding of
    optical DFA, Wang et al., arXiv:2409.12965).

    Parameters
    ----------
    e : array_like, real
        Any shape.
    threshold : float
        Dead-zone half-width, ``>= 0``.

    Returns
    -------
    pos, neg : ndarray of bool, shape of ``e``
        Never both True at the same place.
    """
    e = checks.finite_array("e", e, complex_ok=False)
    threshold = checks.non_negative("threshold", threshold)
    return e > threshold, e < -threshold


def ternary_values(e, threshold=0.0) -> np.ndarray:
    """Ternary form of :func:`ternary`: int8 array ``pos - neg`` with values -1, 0, 1."""
    pos, neg = ternary(e, threshold)
    return pos.astype(np.int8) - neg.astype(np.int8)


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


# ---------------------------------------------------------------------------- Lee holograms


def _carrier_cycles(shape, period, angle) -> np.ndarray:
    """Carrier phase in cycles ``(j cos(angle) + i sin(angle)) / period`` at mirror (i, j)."""
    i = np.arange(shape[0])[:, None]
    j = np.arange(shape[1])[None, :]
    return (j * np.cos(angle) + i * np.sin(angle)) / period


def _carrier(period, angle) -> tuple[float, float]:
    period = checks.positive("period", period)
    if period <= 2:
        raise ValueError(
            f"period must be > 2 mirrors (the +1 and -1 orders alias at 2), got {period}")
    return period, checks.real_scalar("angle", angle)


def lee_hologram(field, period, angle=0.0, amplitude=True) -> np.ndarray:
    """Binary Lee hologram of a complex field on a DMD (pulse-width amplitude encoding).

    Mirror ``(i, j)`` is ON where ``cos(2 pi u / period + phi) > cos(pi w)``, with
    ``u = j cos(angle) + i sin(angle)`` the coordinate along the carrier (mirrors),
    ``phi = arg(field)`` and the local duty cycle ``w = arcsin(A) / pi``,
    ``A = |field| / max|field|`` in ``[0, 1]``. The Fourier series of this pulse train gives
    the +1 order (spatial frequency ``+1/period`` along the carrier) the complex amplitude
    ``sin(pi w) / pi * exp(i phi) = A exp(i phi) / pi``: the field itself, normalised, and
    the zeroth order ``w``. ``amplitude=False`` is the phase-only hologram ``w = 1/2``
    (``1/2 [1 + sign(cos(2 pi u / period + phi))]``, a 50 % duty grating).

    Parameters
    ----------
    field : array_like, complex or real, ``(rows, cols)``
        Target field on the mirrors (one sample per mirror); finite.
    period : float
        Carrier period in mirrors, ``> 2``.
    angle : float
        Carrier direction (rad) from the column (x) axis towards the row (y) axis.
    amplitude : bool
        Encode the amplitude by pulse width (True) or the phase only (False).

    Returns
    -------
    ndarray of bool ``(rows, cols)``

    Notes
    -----
    Sampling: the ON test is evaluated at mirror centres on the half-open interval
    ``-w/2 <= frac(u / period + phi / 2 pi) < w/2`` (cycles), so a period that holds an
    integer number ``p`` of mirrors carries exactly ``floor(w p)`` or ``ceil(w p)`` ON
    mirrors: the duty cycle is quantised to multiples of ``1/p`` and the +1-order amplitude
    ``sin(pi n / p) / (p sin(pi / p))`` (``n`` ON mirrors per period, exact for the sampled
    pulse) departs from ``A / pi``-linearity by at most ``pi / p`` of full scale.

    The sign of ``phi`` follows Conkey et al. (Opt. Express 20, 1733, 2012) so that the +1
    order carries ``exp(+i phi)``; Lee (1979) writes the carrier with the opposite sign.
    """
    field = checks.finite_array("field", field)
    if field.ndim != 2:
        raise ValueError(f"field must be 2-D (rows, cols), got shape {field.shape}")
    period, angle = _carrier(period, angle)
    if not isinstance(amplitude, (bool, np.bool_)):
        raise TypeError(f"amplitude must be a bool, got {amplitude!r}")
    if amplitude:
        magnitude = np.abs(field).astype(np.float64)
        peak = magnitude.max() if magnitude.size else 0.0
        duty = np.arcsin(magnitude / peak) / np.pi if peak > 0 else np.zeros(field.shape)
    else:
        duty = 0.5
    cycles = _carrier_cycles(field.shape, period, angle) + np.angle(field) / (2 * np.pi)
    frac = cycles - np.floor(cycles + 0.5)  # in [-1/2, 1/2)
    half = 0.5 * duty
    return (frac >= -half) & (frac < half)


def lee_decode(pattern, period, angle=0.0, bandwidth=None) -> np.ndarray:
    """Complex field carried by the +1 order of a binary hologram (Fourier filtering).

    The pattern is multiplied by ``exp(-2 pi i u / period)`` (the +1 order moves to zero
    frequency), low-pass filtered by a disc of radius ``bandwidth`` (cycles per mirror) in the
    2-D FFT, and scaled by ``pi``, so that an ideal hologram of a normalised field
    ``A exp(i phi)`` decodes to itself (see :func:`lee_hologram`). This is what a 4f system
    with an aperture around the +1 order does.

    Parameters
    ----------
    pattern : array_like of bool or 0/1 ``(rows, cols)``
    period, angle : float
        Carrier of the hologram (mirrors, rad), as in :func:`lee_hologram`.
    bandwidth : float, optional
        Filter radius in cycles per mirror, in ``(0, 1/period]``; default ``1 / (2 period)``
        (half-way to the zeroth order). The encoded field must be band-limited below it.

    Returns
    -------
    ndarray complex128 ``(rows, cols)``

    Notes
    -----
    The FFT filter is circular: the decoded field is exact for patterns periodic over the
    array (e.g. an integer number of periods along the carrier), otherwise edge ringing
    appears within about ``1 / bandwidth`` mirrors of the borders.
    """
    pattern = check_binary(pattern, "pattern")
    if pattern.ndim != 2:
        raise ValueError(f"pattern must be 2-D (rows, cols), got shape {pattern.shape}")
    period, angle = _carrier(period, angle)
    if bandwidth is None:
        bandwidth = 0.5 / period
    bandwidth = checks.positive("bandwidth", bandwidth)
    if bandwidth > 1.0 / period:
        raise ValueError(
            f"bandwidth must be <= 1/period = {1.0 / period} (the zeroth order), got "
            f"{bandwidth}")
    carrier = np.exp(-2j * np.pi * _carrier_cycles(pattern.shape, period, angle))
    spectrum = sfft.fft2(pattern * carrier)
    fy = sfft.fftfreq(pattern.shape[0])[:, None]
    fx = sfft.fftfreq(pattern.shape[1])[None, :]
    spectrum[fx**2 + fy**2 > bandwidth**2] = 0.0
    return np.pi * sfft.ifft2(spectrum)
