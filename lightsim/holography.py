"""Linear projections and complex fields from intensity-only measurements.

A camera records ``I = |E|**2``. Interfering the unknown field ``t`` with a known, static
reference ``s`` makes the cross term ``2 Re(conj(s) t)`` (or the full ``conj(s) t``) appear,
and that term is *linear* in ``t``. Three classic schemes:

* **Reference (static-field) holography** (the scheme of LightOn's OPU, e.g. Ohana et al.,
  ICASSP 2020; Wang et al., arXiv:2409.12965): with the reference region of the DMD switched
  on or off, ``I(x + r) - I(x) - I(r) = 2 Re(conj(s) . T x)`` exactly.
* **Phase-shifting holography** (Popoff et al., Phys. Rev. Lett. 104, 100601, 2010): with
  ``I_phi = |s + exp(i phi) t|**2`` at ``N`` equally spaced ``phi_k = 2 pi k / N``,
  ``conj(s) t = (1/N) sum_k I_k exp(-i phi_k)``; for N = 4 this is
  ``(I_0 - I_pi)/4 + i (I_3pi/2 - I_pi/2)/4``.
* **Off-axis holography** (Cuche, Marquet & Depeursinge, Appl. Opt. 39, 4070, 2000): a tilted
  plane reference shifts the cross term to a side band of the Fourier plane, which is cut out
  and shifted back to base band.

All functions here work on intensities in any linear unit (photons, electrons or
offset-corrected DN) and return projections in the same unit.
"""

from __future__ import annotations

import numpy as np
import scipy.fft as sfft

from . import checks


def reference_projection(with_reference, without_reference, reference):
    """Cross term ``2 Re(conj(s) t)`` from three intensities.

    ``with_reference = |t + s|**2``, ``without_reference = |t|**2``, ``reference = |s|**2``
    (the reference intensity is static: calibrate it once, averaged over many frames).

    Parameters
    ----------
    with_reference, without_reference : ndarray
        Intensities ``(..., n_pixels)`` with the reference on and off.
    reference : ndarray
        Reference intensity ``(n_pixels,)`` (broadcast over the batch).

    Returns
    -------
    ndarray
        ``with_reference - without_reference - reference`` as float (float64 unless every
        input is float32).
    """
    a = _intensity("with_reference", with_reference)
    b = _intensity("without_reference", without_reference)
    r = _intensity("reference", reference)
    if a.shape != b.shape:
        raise ValueError(
            f"with_reference and without_reference must have the same shape, got {a.shape} "
            f"and {b.shape}")
    try:
        broadcast = np.broadcast_shapes(r.shape, a.shape) == a.shape
    except ValueError:
        broadcast = False
    if not broadcast:
        raise ValueError(f"reference of shape {r.shape} does not broadcast to {a.shape}")
    return a - b - r


def phase_shifting(intensities, phases=None):
    """Complex cross term ``conj(s) t`` from ``N >= 3`` phase-shifted intensities.

    Parameters
    ----------
    intensities : ndarray
        ``(N, ...)``: ``intensities[k] = |s + exp(i phases[k]) t|**2``.
    phases : array_like, optional
        Phase steps (rad); default ``2 pi k / N`` (the only steps for which the estimator
        below is exact, since it needs ``sum_k exp(i phi_k) = sum_k exp(2 i phi_k) = 0``).

    Returns
    -------
    ndarray
        ``(1/N) sum_k intensities[k] exp(-i phases[k])`` (complex128), which equals
        ``conj(s) t`` for equally spaced steps (Popoff et al. 2010).
    """
    stack = _intensity("intensities", intensities)
    if stack.ndim < 1 or stack.shape[0] < 3:
        raise ValueError(
            f"intensities needs at least 3 phase steps along axis 0, got shape {stack.shape}")
    n = stack.shape[0]
    if phases is None:
        phases = 2 * np.pi * np.arange(n) / n
    phases = checks.finite_array("phases", np.asarray(phases, dtype=float), complex_ok=False)
    if phases.shape != (n,):
        raise ValueError(f"phases must have shape ({n},), got {phases.shape}")
    steps = np.exp(1j * phases)
    if abs(steps.sum()) > 1e-9 * n or abs((steps**2).sum()) > 1e-9 * n:
        raise ValueError(
            "phases must be equally spaced over 2 pi (sum exp(i phi) = sum exp(2 i phi) = 0) "
            f"for the N-step estimator, got {phases.tolist()}")
    return np.tensordot(np.conj(steps), stack, axes=(0, 0)) / n


def off_axis_demodulate(hologram, carrier, radius):
    """Recover ``conj(s0) t`` from an off-axis hologram.

    The hologram is ``|t + s0 exp(i 2 pi (carrier . r))|**2`` on a pixel grid; its Fourier
    transform holds ``conj(s0) t`` shifted by ``-carrier``. A disc of ``radius`` (cycles per
    pixel) around ``-carrier`` is cut out and moved to base band.

    Parameters
    ----------
    hologram : ndarray
        ``(..., ny, nx)`` real intensities.
    carrier : (float, float)
        Reference tilt ``(fy, fx)`` in cycles per pixel, each in ``(-0.5, 0.5)``.
    radius : float
        Side-band radius in cycles per pixel: at most the distance from the carrier to the
        base-band terms, which requires the signal bandwidth to be below ``|carrier| / 3``.

    Returns
    -------
    ndarray
        Complex ``(..., ny, nx)``: ``conj(s0) t`` low-passed to ``radius``.
    """
    holo = _intensity("hologram", hologram)
    if holo.ndim < 2:
        raise ValueError(f"hologram must be at least 2-D (..., ny, nx), got shape {holo.shape}")
    fy0, fx0 = checks.pair("carrier", carrier, lambda n, v: checks.in_range(n, v, -0.5, 0.5))
    radius = checks.positive("radius", radius)
    if radius > np.hypot(fy0, fx0) / 2 + 1e-12:
        raise ValueError(
            f"radius={radius} must be <= |carrier| / 2 = {np.hypot(fy0, fx0) / 2:.4g} so the "
            "side band does not overlap the base band")
    ny, nx = holo.shape[-2:]
    fy = sfft.fftfreq(ny)[:, None]
    fx = sfft.fftfreq(nx)[None, :]
    spectrum = sfft.fft2(holo)
    window = (fy + fy0) ** 2 + (fx + fx0) ** 2 <= radius**2
    sideband = sfft.ifft2(spectrum * window)
    y = np.arange(ny)[:, None]
    x = np.arange(nx)[None, :]
    return sideband * np.exp(2j * np.pi * (fy0 * y + fx0 * x))


def _intensity(name, values):
    values = checks.finite_array(name, values, complex_ok=False)
    return values if values.dtype.kind == "f" else values.astype(np.float64)
