"""Encoders: real data to binary DMD frames (thresholds, bit planes, ternary signs).

Conventions
-----------
* Encoders are stateless after ``fit``: ``fit`` stores only what it learns (attributes with a
  trailing underscore) and returns ``self``; ``transform`` never mutates the encoder.
* Bit planes are ordered most significant bit (MSB) first.

The encoders follow the ones of LightOn's ``lightonml`` (``BinaryThresholdEncoder``,
``SeparatedBitPlanEncoder``); the ternary split is the error encoding of optical DFA (Wang et
al., arXiv:2409.12965).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from . import checks
from .dmd import check_binary

__all__ = [
    "BitPlaneEncoder",
    "Encoder",
    "SeparatedBitPlanEncoder",
    "ThresholdEncoder",
    "ternary",
    "ternary_values",
]

_MAX_BITS = 32


def _real_2d(name: str, X) -> np.ndarray:
    """A finite real array of shape ``(n_samples, n_features)``."""
    X = checks.finite_array(name, X, complex_ok=False)
    if X.ndim != 2:
        raise ValueError(f"{name} must have shape (n_samples, n_features), got shape {X.shape}")
    return X


# ---------------------------------------------------------------------------- encoders


@runtime_checkable
class Encoder(Protocol):
    """Real data to binary DMD frames, and the frames' projections back to one per sample.

    ``transform(X)`` gives boolean frames of shape ``X.shape`` or ``(n_planes, *X.shape)``;
    ``combine(projections)`` takes any linear function of those frames, frame by frame (the
    feature axis replaced by the outputs, e.g. what ``OPU.linear_transform`` measures of
    each frame), and returns that function of the encoded ``X``. With it
    ``OPU.linear_transform(X, encoder=...)`` reads any encoding; a new encoder is one class
    with ``fit``, ``transform`` and ``combine``.
    """

    def fit(self, X, y=None) -> Encoder:
        """Learn what the encoding needs from ``X`` ``(n_samples, n_features)``."""

    def transform(self, X) -> np.ndarray:
        """Boolean frames of ``X``: ``X.shape`` or ``(n_planes, *X.shape)``."""

    def combine(self, projections) -> np.ndarray:
        """A linear function of the frames, frame by frame, to that function of ``X``."""


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

    def combine(self, projections) -> np.ndarray:
        """One frame per sample: the projections themselves (float64)."""
        return checks.finite_array("projections", projections).astype(np.float64)


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

    def combine(self, projections) -> np.ndarray:
        """:meth:`recombine`: the planes' weighted sum."""
        return self.recombine(projections)

    def decode(self, planes) -> np.ndarray:
        """Quantised input ``(n_samples, n_features)`` float64 from its bit planes."""
        return self.combine(check_binary(planes, "planes"))


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

    def combine(self, projections) -> np.ndarray:
        """:meth:`recombine` of the ``x+`` planes' projections minus the ``x-`` planes'.

        ``projections`` has ``2 * n_bits`` rows on the first axis, in :meth:`transform`'s
        order.
        """
        projections = checks.finite_array("projections", projections, min_ndim=1)
        if projections.shape[0] != 2 * self.n_bits:
            raise ValueError(
                f"projections must have 2 * n_bits = {2 * self.n_bits} rows on the first "
                f"axis, got shape {projections.shape}")
        n = self.n_bits
        difference = projections[:n].astype(np.float64) - projections[n:].astype(np.float64)
        return self.recombine(difference)

    def decode(self, planes) -> np.ndarray:
        """Quantised signed input ``(n_samples, n_features)`` float64 from its planes."""
        return self.combine(check_binary(planes, "planes"))


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
