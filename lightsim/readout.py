"""Readout schemes: how a linear projection is recovered from camera intensities.

A camera records intensities ``|T a(x) + s|**2``; a linear projection ``x -> B x`` is read
by reference holography, with frames shown with the reference mirrors ON and OFF (see
:mod:`lightsim.opu`, readout). Each scheme is an object that knows which binary patterns it
shows for an input, how many frames one input row costs (:attr:`Readout.frames_per_row`,
which the scaling model of :mod:`dfa.study.scaling` reads) and how it combines the
measurements; :meth:`lightsim.OPU.linear_transform` dispatches on it. A new scheme is one new
subclass: it asks the instrument for two measurements only,

* ``instrument.cross_term(rows, exposure)``: the calibrated reference-ON minus reference-OFF
  difference of binary ``rows`` (two frames each), ``2 (1 - c)**2 Re(conj(s) T g x)``;
* ``instrument.reference_on(rows, exposure)``: the reference-ON frames of ``rows`` (one
  frame each), and ``instrument.leak`` (the OFF mirrors' field amplitude ``c``);
* for :class:`RetrievedIntensity`, ``instrument.reference_off(rows, exposure)``,
  ``instrument.dark_level(exposure)`` and ``instrument.counts_per_unit_intensity_at``.

Schemes: :class:`BinaryHolography` (binary input, 2 frames), :class:`TernaryHolography`
(``x = x+ - x-``, 4 frames), :class:`TwoFrameHolography` (``x+ + r`` and ``x- + r`` only, 2
frames, with a signal-signal bias), :class:`SignBitPlanes` (real input as ``n_bits``
sign bit planes, each read by a signed scheme) and :class:`RetrievedIntensity` (binary
input, 1 frame with the reference OFF and a phase-retrieval calibration: no reference
switching at all).

The reference of the holographic schemes is a region of the same DMD, so its light crosses
the same medium as the signal and no second beam has to be made to interfere: the kind of
scheme R. Ohana et al. call linear optical random projections *without holography* (Opt.
Express 31, 25881 (2023): a combination of several intensity measurements, no interference
between two beams).
"""

from __future__ import annotations

import abc

import numpy as np

from . import checks
from .dmd import check_binary
from .encoders import SeparatedBitPlanEncoder


class Readout(abc.ABC):
    """A holographic readout scheme (see the module docstring)."""

    #: Name used by the scaling model and in messages.
    name: str = ""
    #: Whether the scheme shows the reference ON (it then needs the instrument's reference
    #: calibration ``C``, and the call's exposure is set for reference-ON frames).
    uses_reference: bool = True

    @property
    @abc.abstractmethod
    def frames_per_row(self) -> int:
        """DMD frames shown per input row (calibration not included)."""

    @abc.abstractmethod
    def check(self, X) -> np.ndarray:
        """``X`` as this scheme reads it; ``ValueError`` naming the values it cannot read."""

    @abc.abstractmethod
    def patterns(self, X) -> np.ndarray:
        """The binary signal patterns ``(frames / 2 or frames, n_in)`` shown for ``X``."""

    @abc.abstractmethod
    def project(self, instrument, X, exposure) -> np.ndarray:
        """Projection of ``X`` in DN (float64 ``(n_samples, n_out)``), at ``exposure`` (s)."""

    def __repr__(self):
        return f"{type(self).__name__}()"


class BinaryHolography(Readout):
    """Binary input, reference ON and OFF: ``I(x + r) - I(x + c r) - C`` (2 frames a row)."""

    name = "binary 2-frame"
    frames_per_row = 2

    def check(self, X):
        return check_binary(X, "X")

    def patterns(self, X):
        return X

    def project(self, instrument, X, exposure):
        return instrument.cross_term(X, exposure)


class _Signed(Readout):
    """Readouts of ``x = x+ - x-`` for ternary input."""

    def check(self, X):
        X = np.asarray(X)
        if not np.isin(X, (-1, 0, 1)).all():
            raise ValueError(f"X must contain only -1, 0 and 1 for the {self.name} readout")
        return X

    def patterns(self, X):
        return np.concatenate([X > 0, X < 0])

    @abc.abstractmethod
    def signed(self, instrument, positive, negative, exposure) -> np.ndarray:
        """Projection of ``positive - negative`` (binary stacks of the same shape), DN."""

    def project(self, instrument, X, exposure):
        return self.signed(instrument, X > 0, X < 0, exposure)


class TernaryHolography(_Signed):
    """``x+`` and ``x-`` each read with the reference ON and OFF (4 frames a row).

    The calibration term cancels identically between ``x+`` and ``x-``.
    """

    name = "ternary 4-frame"
    frames_per_row = 4

    def signed(self, instrument, positive, negative, exposure):
        n = positive.shape[0]
        both = instrument.cross_term(np.concatenate([positive, negative]), exposure)
        return both[:n] - both[n:]


class TwoFrameHolography(_Signed):
    """Only ``x+ + r`` and ``x- + r`` (2 frames a row).

    ``I(x+ + r) - I(x- + r) = 2 (1 - c) Re(conj(s) T g (x+ - x-)) + |T a+|**2 - |T a-|**2``,
    scaled by ``1 - c`` to match the other schemes; the signal-signal term is a bias whose
    size relative to the cross term falls as ``1 / sqrt(reference_ratio)``.
    """

    name = "2-frame holography"
    frames_per_row = 2

    def signed(self, instrument, positive, negative, exposure):
        n = positive.shape[0]
        frames = instrument.reference_on(np.concatenate([positive, negative]), exposure)
        return (1.0 - instrument.leak) * (frames[:n] - frames[n:])


class SignBitPlanes(Readout):
    """Real input as ``n_bits`` sign bit planes, each plane pair read by a signed scheme.

    The planes are those of :class:`~lightsim.encoders.SeparatedBitPlanEncoder`, recombined
    with weights ``2**-b``.

    Parameters
    ----------
    n_bits : int
        Bits per sign, 1 to 16.
    signed : TernaryHolography or TwoFrameHolography
        The scheme that reads each plane pair (default 4-frame).
    """

    def __init__(self, n_bits=8, signed=None):
        self.n_bits = checks.integer("n_bits", n_bits, minimum=1, maximum=16)
        signed = TernaryHolography() if signed is None else signed
        if not isinstance(signed, _Signed):
            raise TypeError(f"signed must be TernaryHolography() or TwoFrameHolography(), got "
                            f"{signed!r}")
        self.signed_readout = signed
        self.name = f"sign bit planes {signed.frames_per_row}-frame"

    @property
    def frames_per_row(self) -> int:
        return self.n_bits * self.signed_readout.frames_per_row

    def check(self, X):
        return np.asarray(X)

    def _planes(self, X):
        encoder = SeparatedBitPlanEncoder(n_bits=self.n_bits).fit(X)
        planes = encoder.transform(X)  # (2 n_bits, n, n_in) bool, x+ planes then x-
        n_in = X.shape[1]
        return (encoder, planes[:self.n_bits].reshape(-1, n_in),
                planes[self.n_bits:].reshape(-1, n_in))

    def patterns(self, X):
        _, positive, negative = self._planes(X)
        return np.concatenate([positive, negative])

    def project(self, instrument, X, exposure):
        encoder, positive, negative = self._planes(X)
        y = self.signed_readout.signed(instrument, positive, negative, exposure)
        return encoder.recombine(y.reshape(self.n_bits, X.shape[0], -1))

    def __repr__(self):
        return f"SignBitPlanes(n_bits={self.n_bits}, signed={self.signed_readout!r})"


class RetrievedIntensity(Readout):
    """Binary input from one reference-OFF frame a row and a phase-retrieval calibration.

    Every frame holds, besides the signal ``D x``, the field ``b`` of the OFF mirrors and of
    the reference mirrors' leak: ``I(x) = |D x + b|**2 = |D x|**2 + |b|**2 + 2 Re(conj(b) D
    x)``. With ``D`` and ``b`` retrieved from intensities (:func:`lightsim.retrieval.calibrate`
    with ``"wirtinger"``, ``"gerchberg-saxton"`` or ``"anchors"``, which give them up to a
    phase and a conjugation per row, to which ``|D x|``, ``|b|`` and ``Re(conj(b) D)`` are
    blind), subtracting the predicted ``|D_hat x|**2 + |b_hat|**2`` leaves the linear cross
    term: ``y = X @ matrix.T`` with ``matrix = 2 Re(conj(b_hat) D_hat)``. The field ``b``
    plays the reference, so no reference mirror is switched and a row costs one frame
    instead of two; but ``b`` is weak (of order ``c = sqrt(1 / contrast)``), so the cross
    term is a small part of the intensity and any error of the predicted quadratic term
    (calibration noise, drift since the calibration) is a bias of the projection. One
    speckle grain per pixel is assumed (the model of the intensity methods).

    Parameters
    ----------
    calibration : lightsim.retrieval.Calibration
        Of an intensity method (complex ``matrix`` and its ``background``), in field units.
    """

    name = "retrieved 1-frame"
    frames_per_row = 1
    uses_reference = False

    def __init__(self, calibration):
        matrix = getattr(calibration, "matrix", None)
        background = getattr(calibration, "background", None)
        if not np.iscomplexobj(matrix) or background is None or \
                getattr(calibration, "method", None) == "phase-stepping":
            raise TypeError("calibration must be a Calibration of an intensity method "
                            "('wirtinger', 'gerchberg-saxton' or 'anchors': a complex D and "
                            f"its background b), got {calibration!r:.80}")
        self.signal = np.asarray(matrix, dtype=np.complex128)
        self.background = np.asarray(background, dtype=np.complex128)
        self.matrix = 2.0 * (np.conj(self.background)[:, None] * self.signal).real

    def check(self, X):
        X = check_binary(X, "X")
        if X.shape[-1] != self.signal.shape[1]:
            raise ValueError(f"X must have {self.signal.shape[1]} columns (the calibration's "
                             f"inputs), got {X.shape[-1]}")
        return X

    def patterns(self, X):
        return X

    def project(self, instrument, X, exposure):
        self._check_instrument(instrument)
        measured = instrument.reference_off(X, exposure) - instrument.dark_level(exposure)
        model = np.abs(X @ self.signal.T) ** 2 + np.abs(self.background) ** 2
        return measured - instrument.counts_per_unit_intensity_at(exposure) * model

    def _check_instrument(self, instrument):
        """The configurations in which the model ``|D x + b|**2`` of one pixel does not hold
        or the projection would be rescaled: named ``ValueError``."""
        n_out = self.signal.shape[0]
        if instrument.n_out != n_out:
            raise ValueError(f"the calibration has {n_out} outputs, the instrument "
                             f"{instrument.n_out}: calibrate this instrument")
        plane = getattr(instrument, "plane", None)
        if plane is not None and plane.n_grains != instrument.n_out:
            raise ValueError(f"RetrievedIntensity needs one speckle grain per pixel (the "
                             f"model |D x + b|**2 of the intensity calibrations), this "
                             f"instrument sums {plane.n_grains // instrument.n_out}")
        if getattr(instrument, "normalize_rows", False):
            raise ValueError("RetrievedIntensity has no reference to normalise the rows by: "
                             "use an instrument with normalize_rows=False")

    def __repr__(self):
        return f"RetrievedIntensity(<{self.signal.shape[0]} x {self.signal.shape[1]}>)"


def readout_for(encoding, holography="4-frame", n_bits=8) -> Readout:
    """The scheme of an ``encoding`` (``"binary"``, ``"ternary"``, ``"bitplanes"``) and a
    ``holography`` (``"4-frame"`` or ``"2-frame"``) for signed input."""
    checks.choice("encoding", encoding, ("binary", "ternary", "bitplanes"))
    checks.choice("holography", holography, ("4-frame", "2-frame"))
    signed = TernaryHolography() if holography == "4-frame" else TwoFrameHolography()
    if encoding == "binary":
        return BinaryHolography()
    if encoding == "ternary":
        return signed
    return SignBitPlanes(n_bits, signed)
