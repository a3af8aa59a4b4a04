"""Camera: the EMVA 1288 linear model of an image sensor, photons in, digital numbers out.

Model (EMVA Standard 1288, Release 4.0, 2021, section 2; J. R. Janesick, *Photon Transfer*,
SPIE Press, 2007). During one exposure a pixel receives on average ``mu_p`` photons; it
collects

    ``mu_e = eta * mu_p + dark_current * exposure``    electrons on average,

and the chain is

1. shot noise and dark-current noise: ``n_e ~ Poisson(mu_e)``;
2. saturation: the well holds at most ``full_well`` electrons, ``min(n_e, full_well)``;
3. read noise, in the analog domain: ``+ N(0, read_noise**2)`` (electrons). Nothing clips
   at 0 e-: the offset places the dark level above 0 DN so that negative excursions are
   digitised (clipping there would rectify the noise and bias every dark statistic);
4. conversion: ``y = K * n_e + offset`` (``K = gain`` in DN per electron, ``offset`` in DN);
5. quantisation: round to the nearest integer (half to even) and clip to the ADC range
   ``[0, 2**bits - 1]``, stored as uint8 (``bits <= 8``) or uint16.

The only clips are the full well and the ADC range.

**Bit depth.** By default the gain maps the full well to the top code, ``K = (2**bits - 1)
/ full_well``, and ``black_level`` gives the dark offset as a fraction of the code range,
``offset = black_level * (2**bits - 1)``. The dark level and the full well then sit at the
same fractions of the code range at every bit depth, so changing ``bits`` changes only the
resolution of the ADC: a 1-bit camera is a coarse quantiser of the same analog signal as a
12-bit one (as when the low bits of an ADC are dropped). ``gain`` and ``offset`` in DN can
be given instead (a data sheet's values); they do not follow ``bits``.

In the linear range the mean output is ``mu_y = K (eta mu_p + mu_d) + offset`` and the
temporal variance ``sigma_y**2 = K**2 (sigma_d**2 + mu_e) + sigma_q**2`` with
``sigma_q**2 = 1/12 DN**2``, so the variance grows with the mean with slope ``K``: the
photon-transfer curve, measured by :func:`photon_transfer`.

Binning ``(by, bx)`` sums the charge of ``by x bx`` pixels *before* detection
(charge-domain binning): one Poisson draw of the summed mean (a sum of independent Poisson
variables is Poisson), one read noise and one full well per binned pixel.

Randomness is counter-based (see ``lightsim._kernels``, camera section): capture number
``c`` of a camera seeded with ``seed`` is a pure function of ``(seed, c)`` and the photons,
bit for bit, whatever the thread count. Each :meth:`Camera.capture` advances
``capture_index`` by one, so successive captures of the same scene differ; :meth:`reset`
rewinds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import _kernels, checks

#: Photon-transfer fit range: levels up to this fraction of the saturation mean (EMVA 1288).
PTC_FIT_LIMIT = 0.7

_PARAMETERS = ("bits", "full_well", "read_noise", "dark_current", "gain", "offset",
               "quantum_efficiency", "exposure", "binning", "seed", "noise",
               "normal_shot_noise_above")
#: Smallest mean count (electrons) from which the normal shot-noise approximation may be
#: used: its Kolmogorov-Smirnov distance to the Poisson is 1.4e-3 there.
NORMAL_SHOT_NOISE_MIN = 10.0
#: Keywords of :class:`Camera` that are not stored parameters (they resolve to ``offset``).
_ALIASES = ("black_level",)


def _readonly(name, doc):
    return property(lambda self: self._params[name], doc=doc)


class Camera:
    """A linear camera (EMVA 1288): Poisson electrons, read noise, full well, gain, ADC.

    Parameters
    ----------
    bits : int
        ADC resolution, 1 to 16 bits; codes ``0 .. 2**bits - 1``.
    full_well : float
        Full-well capacity (electrons), > 0.
    read_noise : float
        Temporal dark noise, rms (electrons), >= 0.
    dark_current : float
        Dark current (electrons per second), >= 0.
    gain : float or None
        System gain ``K`` (DN per electron), > 0. ``None`` maps the full well to the top code:
        ``K = (2**bits - 1) / full_well``.
    offset : float or None
        Dark offset (DN), >= 0. ``None`` (default): ``black_level * (2**bits - 1)``.
    black_level : float or None
        Dark offset as a fraction of the code range, in ``[0, 1)``; give ``offset`` or
        ``black_level``, not both (default 0 when neither is given). Keeps the dark level at
        the same fraction of the range whatever ``bits`` (see the module docstring).
    quantum_efficiency : float
        Quantum efficiency ``eta`` in (0, 1] (electrons per photon).
    exposure : float
        Exposure time (s), > 0.
    binning : int or (int, int)
        Charge-domain binning ``(by, bx)``, each >= 1; a scalar bins both axes.
    seed : int
        Seed of the counter-based noise streams, ``0 <= seed < 2**64``.
    noise : bool
        ``False`` gives the noise-free mode: the mean electron count goes through the clip,
        gain, offset, rounding and code-range clip exactly, with no Poisson or read noise.
    normal_shot_noise_above : float or None
        Opt-in approximation (faster). Pixels whose mean count is at least this many
        electrons draw their shot noise from a rounded normal with a skewness correction
        (Cornish-Fisher; ``lightsim._kernels._normal_count``) instead of the exact Poisson
        sampler. At least :data:`NORMAL_SHOT_NOISE_MIN` electrons. ``None`` (default): exact
        everywhere. Mean, variance and third moment match the Poisson's to O(1); the
        Kolmogorov-Smirnov distance is at most 1.4e-3 at 10 e-, 4.4e-4 at 30 e- and falls as
        1 / mean (measured by the validation case "normal shot noise").

    Notes
    -----
    All parameters are validated once and read-only afterwards (properties of the same
    names); ``Camera(**camera.parameters())`` rebuilds an identical camera, with its capture
    counter at 0. The model follows EMVA Standard 1288 Release 4.0 (2021) without spatial
    non-uniformities (DSNU, PRNU).
    """

    def __init__(self, bits=8, full_well=10_000.0, read_noise=2.5, dark_current=10.0,
                 gain=None, offset=None, quantum_efficiency=1.0, exposure=1e-3,
                 binning=1, seed=0, noise=True, black_level=None,
                 normal_shot_noise_above=None):
        bits = checks.integer("bits", bits, minimum=1, maximum=16)
        full_well = checks.positive("full_well", full_well)
        if gain is None:
            gain = (2**bits - 1) / full_well
        if offset is not None and black_level is not None:
            raise ValueError(f"give offset (DN) or black_level (fraction of the code range), "
                             f"not both: got offset={offset!r}, black_level={black_level!r}")
        if offset is None:
            level = 0.0 if black_level is None else checks.non_negative("black_level",
                                                                         black_level)
            if level >= 1.0:
                raise ValueError(f"black_level must be in [0, 1) (a fraction of the code "
                                 f"range), got {black_level!r}")
            offset = level * (2**bits - 1)
        quantum_efficiency = checks.positive("quantum_efficiency", quantum_efficiency)
        if quantum_efficiency > 1.0:
            raise ValueError(f"quantum_efficiency must be in (0, 1], got {quantum_efficiency}")
        checks.boolean("noise", noise)
        if normal_shot_noise_above is not None:
            normal_shot_noise_above = checks.real_scalar("normal_shot_noise_above",
                                                         normal_shot_noise_above)
            if normal_shot_noise_above < NORMAL_SHOT_NOISE_MIN:
                raise ValueError(f"normal_shot_noise_above must be None (exact shot noise) or a "
                                 f"mean count >= {NORMAL_SHOT_NOISE_MIN:g} electrons, got "
                                 f"{normal_shot_noise_above!r}")
        self._params = dict(
            bits=bits,
            full_well=full_well,
            read_noise=checks.non_negative("read_noise", read_noise),
            dark_current=checks.non_negative("dark_current", dark_current),
            gain=checks.positive("gain", gain),
            offset=checks.non_negative("offset", offset),
            quantum_efficiency=quantum_efficiency,
            exposure=checks.positive("exposure", exposure),
            binning=checks.pair("binning", binning,
                                 lambda name, v: checks.integer(name, v, minimum=1)),
            seed=checks.seed("seed", seed),
            noise=bool(noise),
            normal_shot_noise_above=normal_shot_noise_above,
        )
        self.reset()

    bits = _readonly("bits", "ADC resolution (bits).")
    full_well = _readonly("full_well", "Full-well capacity (electrons).")
    read_noise = _readonly("read_noise", "Read noise, rms (electrons).")
    dark_current = _readonly("dark_current", "Dark current (electrons / s).")
    gain = _readonly("gain", "System gain K (DN / electron).")
    offset = _readonly("offset", "Dark offset (DN).")

    @property
    def black_level(self) -> float:
        """Dark offset as a fraction of the code range, ``offset / (2**bits - 1)``."""
        return self.offset / self.max_code
    quantum_efficiency = _readonly("quantum_efficiency", "Quantum efficiency (electrons / photon).")
    exposure = _readonly("exposure", "Exposure time (s).")
    binning = _readonly("binning", "Charge-domain binning (by, bx).")
    seed = _readonly("seed", "Seed of the counter-based noise streams.")
    noise = _readonly("noise", "False in the noise-free mode.")
    normal_shot_noise_above = _readonly(
        "normal_shot_noise_above", "Mean electrons from which shot noise is approximated by a "
        "normal (None: exact Poisson everywhere).")

    @property
    def max_code(self) -> int:
        """Top output code ``2**bits - 1`` (DN)."""
        return 2**self.bits - 1

    @property
    def dtype(self) -> np.dtype:
        """Output dtype: uint8 for ``bits <= 8``, else uint16."""
        return np.dtype(np.uint8 if self.bits <= 8 else np.uint16)

    @property
    def dark_electrons(self) -> float:
        """Mean dark electrons per (binned) pixel and exposure, ``dark_current * exposure``."""
        return self.dark_current * self.exposure

    @property
    def capture_index(self) -> int:
        """Number of the next capture (its noise stream); :meth:`reset` rewinds it."""
        return self._capture_index

    def reset(self, capture_index=0):
        """Rewind (or move) the capture counter: the next capture uses ``capture_index``."""
        self._capture_index = checks.integer("capture_index", capture_index, minimum=0,
                                              maximum=2**64 - 1)

    def parameters(self) -> dict:
        """Every constructor argument (``gain`` resolved to its value, ``binning`` a pair)."""
        return dict(self._params)

    def __repr__(self):
        args = ", ".join(f"{k}={self._params[k]!r}" for k in _PARAMETERS)
        return f"Camera({args})"

    # ------------------------------------------------------------------ detection
    def _prepare(self, photons, exposure):
        """Validate and bin ``photons``; return the flat kernel input and the output shape."""
        photons = np.asarray(photons)
        if photons.dtype.kind not in "biuf":
            raise TypeError(f"photons must be a real numeric array, got dtype {photons.dtype}")
        if photons.dtype not in (np.float32, np.float64):
            photons = photons.astype(np.float64)  # integers, bools, float16: exact
        if photons.size:
            low, high = photons.min(), photons.max()  # NaN propagates through both
            if not (low >= 0 and np.isfinite(high)):
                checks.finite_array("photons", photons)
                raise ValueError(f"photons must be >= 0, got {np.count_nonzero(photons < 0)} "
                                 f"negative value(s), minimum {low}")
        by, bx = self.binning
        if (by, bx) != (1, 1):
            if photons.ndim < 2:
                raise ValueError(f"photons must be frames (..., rows, cols) to bin by "
                                 f"{(by, bx)}, got shape {photons.shape}")
            *lead, rows, cols = photons.shape
            if rows % by or cols % bx:
                raise ValueError(f"photons frames of {rows} x {cols} pixels cannot be binned by "
                                 f"{(by, bx)}: rows and cols must be multiples of (by, bx)")
            with np.errstate(over="ignore"):  # an overflow raises just below
                photons = photons.reshape(*lead, rows // by, by, cols // bx, bx).sum(
                    axis=(-3, -1), dtype=np.float64)
            if photons.size and not np.isfinite(photons.max()):
                raise ValueError("photons are too large: their binned sum overflows float64")
        if photons.size and not np.isfinite(self.quantum_efficiency * float(photons.max())
                                            + self.dark_current * exposure):
            raise ValueError("photons are too large: the mean electron count overflows float64")
        return photons.ravel(), photons.shape

    def _exposure(self, exposure):
        """The exposure (s) of one capture: the camera's, or ``exposure`` when given."""
        return self.exposure if exposure is None else checks.positive("exposure", exposure)

    def capture(self, photons, *, exposure=None) -> np.ndarray:
        """One exposure: mean photon counts in, digital numbers out.

        Parameters
        ----------
        photons : array_like of float, shape (..., rows, cols) or any shape if unbinned
            Mean number of photons reaching each pixel during the exposure (float32 or
            float64; integer input is converted exactly), finite and >= 0.
        exposure : float, optional
            Exposure time of this capture (s), > 0; default :attr:`exposure`. It sets the
            dark electrons ``dark_current * exposure`` (the photons already integrate it),
            as when a camera's exposure is changed between frames.

        Returns
        -------
        ndarray of uint8 or uint16 (see :attr:`dtype`)
            Digital numbers (DN), shape of ``photons`` (``(..., rows // by, cols // bx)``
            when binned).

        Notes
        -----
        One fused Numba pass (``lightsim._kernels.camera_chain``), parallel over pixels.
        Uses the noise stream ``capture_index`` and advances it by one.
        """
        exposure = self._exposure(exposure)
        flat, shape = self._prepare(photons, exposure)
        out = np.empty(flat.size, dtype=self.dtype)
        if flat.size:
            _kernels.camera_chain(flat, *self._kernel_arguments(exposure), out)
        self._capture_index += 1
        return out.reshape(shape)

    def _kernel_arguments(self, exposure):
        """Arguments of ``camera_chain`` between ``photons`` and ``out``, for this capture."""
        return (self.quantum_efficiency, self.dark_current * exposure, self.read_noise,
                self.full_well, self.gain, self.offset, float(self.max_code),
                np.uint64(self.seed), np.uint64(self._capture_index), self.noise,
                math.inf if self.normal_shot_noise_above is None
                else self.normal_shot_noise_above)

    def mean_electrons(self, photons, *, exposure=None) -> np.ndarray:
        """Mean electrons per (binned) pixel, ``eta * photons + dark_current * exposure``.

        Before any noise or clipping; float64, shape of :meth:`capture`'s output.
        """
        exposure = self._exposure(exposure)
        flat, shape = self._prepare(photons, exposure)
        return (self.quantum_efficiency * flat.astype(np.float64)
                + self.dark_current * exposure).reshape(shape)

    def expected_dn(self, photons, *, exposure=None) -> np.ndarray:
        """Noise-free response before rounding (DN, float64).

        ``min(K * min(mu_e, full_well) + offset, 2**bits - 1)``: the noise-free capture is
        exactly this value rounded half to even.
        """
        electrons = np.minimum(self.mean_electrons(photons, exposure=exposure),
                               self.full_well)
        return np.minimum(electrons * self.gain + self.offset, float(self.max_code))


# ---------------------------------------------------------------------------- photon transfer


@dataclass(frozen=True)
class PhotonTransfer:
    """Photon-transfer measurement (EMVA 1288 Release 4.0, section 6; Janesick 2007).

    Attributes
    ----------
    photons : ndarray
        Mean photons per (unbinned) pixel of each illumination level.
    mean : ndarray
        Mean output ``mu_y`` of each level (DN).
    variance : ndarray
        Temporal variance ``sigma_y**2`` of each level (DN**2).
    dark_mean, dark_variance : float
        The same for dark frames (no photon).
    gain : float
        Estimated system gain ``K`` (DN / electron): slope of ``variance - dark_variance``
        against ``mean - dark_mean`` over the fitted levels.
    gain_se : float
        Standard error of ``gain`` (ordinary least squares, from the residuals).
    intercept : float
        Intercept of that line (DN**2).
    saturation : float
        ``mean - dark_mean`` (DN) of the level with the largest variance (the saturation
        point of EMVA 1288); the last level if the levels do not reach saturation.
    fitted : ndarray of bool
        Levels used in the fit: ``0 <= mean - dark_mean <= PTC_FIT_LIMIT * saturation``.
    """

    photons: np.ndarray
    mean: np.ndarray
    variance: np.ndarray
    dark_mean: float
    dark_variance: float
    gain: float
    gain_se: float
    intercept: float
    saturation: float
    fitted: np.ndarray


def _mean_and_temporal_variance(camera, level, shape, pairs):
    """EMVA 1288 two-frame estimates, averaged over ``pairs`` pairs of frames."""
    frames = camera.capture(np.full((pairs, 2, *shape), level, dtype=np.float64))
    frames = frames.reshape(pairs, 2, -1).astype(np.float64)
    mean = frames.mean()
    difference = frames[:, 0] - frames[:, 1]
    variance = difference.var(axis=1, ddof=1).mean() / 2.0
    return mean, variance


def photon_transfer(camera, photons_levels, *, shape=(256, 256), pairs=1) -> PhotonTransfer:
    """Measure the photon-transfer curve of ``camera`` (EMVA 1288 method).

    For each level (and once in the dark), ``pairs`` pairs of frames ``A, B`` of uniform
    illumination are captured; per pair the mean is ``mu_y = (<A> + <B>) / 2`` and the
    temporal variance ``sigma_y**2 = var(A - B) / 2`` (unbiased, ``ddof=1``): the difference
    removes any fixed pattern. Estimates are averaged over the pairs. The gain ``K`` is the
    ordinary-least-squares slope of ``sigma_y**2 - sigma_y.dark**2`` against
    ``mu_y - mu_y.dark`` over the levels between 0 and ``PTC_FIT_LIMIT`` (70 %) of the
    saturation point (the level of largest variance), with an intercept (it absorbs the
    quantisation noise); its standard error is ``s / sqrt(sum((x - <x>)**2))`` with ``s**2``
    the residual variance on ``n - 2`` degrees of freedom. Levels whose noise is below about
    0.5 DN rms carry a quantisation variance that is not yet 1/12 DN**2 (EMVA 1288): start
    the levels above that for low-bit cameras.

    Parameters
    ----------
    camera : Camera
        The camera to measure; its capture counter advances by ``len(photons_levels) + 1``.
    photons_levels : array_like of float
        Mean photons per pixel of each illumination level (>= 0), at least 3.
    shape : int or tuple of int
        Shape of one frame of photons (pixels before binning), or a number of pixels.
    pairs : int
        Pairs of frames per level, >= 1.

    Returns
    -------
    PhotonTransfer

    References
    ----------
    EMVA Standard 1288, Release 4.0 (2021), "Standard for characterization of image sensors
    and cameras", sections 2 and 6. J. R. Janesick, *Photon Transfer*, SPIE Press, 2007.
    """
    if not isinstance(camera, Camera):
        raise TypeError(f"camera must be a Camera, got {type(camera).__name__}")
    levels = checks.finite_array("photons_levels", photons_levels, complex_ok=False)
    if levels.ndim != 1 or levels.size < 3:
        raise ValueError(f"photons_levels must be a 1-D array of at least 3 levels, got shape "
                         f"{levels.shape}")
    if (levels < 0).any():
        raise ValueError(f"photons_levels must be >= 0, got minimum {levels.min()}")
    shape = tuple(checks.integer("shape", n, minimum=1) for n in np.atleast_1d(shape))
    pairs = checks.integer("pairs", pairs, minimum=1)
    dark_mean, dark_variance = _mean_and_temporal_variance(camera, 0.0, shape, pairs)
    mean, variance = np.array(
        [_mean_and_temporal_variance(camera, level, shape, pairs) for level in levels]).T
    x = mean - dark_mean
    y = variance - dark_variance
    saturation = float(x[np.argmax(variance)])
    fitted = (x >= 0) & (x <= PTC_FIT_LIMIT * saturation)
    if fitted.sum() < 3:
        raise ValueError(f"only {int(fitted.sum())} level(s) lie between 0 and "
                         f"{PTC_FIT_LIMIT:.0%} of saturation ({saturation:.4g} DN); the fit "
                         "needs at least 3: add lower levels")
    xf, yf = x[fitted], y[fitted]
    sxx = np.sum((xf - xf.mean()) ** 2)
    if sxx == 0:
        raise ValueError("the fitted levels all have the same mean: give distinct levels")
    gain = float(np.sum((xf - xf.mean()) * (yf - yf.mean())) / sxx)
    intercept = float(yf.mean() - gain * xf.mean())
    residual = yf - (intercept + gain * xf)
    gain_se = float(np.sqrt(np.sum(residual**2) / (xf.size - 2) / sxx))
    return PhotonTransfer(photons=levels.astype(np.float64), mean=mean, variance=variance,
                          dark_mean=float(dark_mean), dark_variance=float(dark_variance),
                          gain=gain, gain_se=gain_se, intercept=intercept,
                          saturation=saturation, fitted=fitted)
