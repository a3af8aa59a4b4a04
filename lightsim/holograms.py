"""Binary holograms on a DMD: Lee's off-axis amplitude holograms and their decoding.

Models
------
* Lee holograms: W.-H. Lee, "Binary computer-generated holograms", Appl. Opt. 18, 3661
  (1979); pulse-width amplitude encoding on a DMD: D. B. Conkey, A. M. Caravaca-Aguirre and
  R. Piestun, "High-speed scattering medium characterization with application to focusing
  light through turbid media", Opt. Express 20, 1733 (2012).
* Binary amplitude gratings: J. W. Goodman, *Introduction to Fourier Optics*, 3rd ed.,
  Roberts & Co., 2005, ch. 4.
"""

from __future__ import annotations

import numpy as np
import scipy.fft as sfft

from . import checks
from .dmd import check_binary

__all__ = ["lee_decode", "lee_hologram"]


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
    if checks.boolean("amplitude", amplitude):
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
