"""Camera (EMVA 1288 linear model): photon transfer, quantisation noise, linearity.

The simulated camera is measured the way a real one is: EMVA 1288 two-frame photon-transfer
curves, the rounding error of the noise-free chain, and the mean response over 5-95 % of
saturation. The "preset" camera is the 8-bit camera of ``lightsim.presets.PRESETS["lighton"]``.

"camera EMVA 1288 characterisation" runs the whole EMVA 1288 (Release 4.0) measurement on a
12-bit sensor: a photon-transfer series from dark to beyond saturation (system gain ``K``,
quantum efficiency ``eta`` from the responsivity ``R = eta K``, saturation capacity), a dark
series (dark level, temporal dark noise ``sigma_d``) and an exposure-time series in the dark
(dark current from the mean and from the variance). Every estimate is compared with the
configured value within 5 standard errors of its estimator. The dark statistics are
unbiased now that the chain no longer clips the electrons at 0 e- (the read noise is analog
and the offset keeps the dark level above 0 DN): the old clip rectified the read noise, which
made ``sigma_d`` about 44 % low and the dark level about 0.4 DN high at 3 e- read noise, so
this case could not pass before that fix. The estimator helpers (:func:`two_frame_estimates`,
:func:`capture_pair`, :func:`line_fit`, :func:`dark_noise_electrons`,
:func:`clipped_poisson_moments`) are shared with the tests.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.stats

from lightsim.camera import PTC_FIT_LIMIT, Camera, photon_transfer
from validation import Result, case

CITATION = ("EMVA Standard 1288, Release 4.0 (2021); J. R. Janesick, Photon Transfer, "
            "SPIE Press (2007)")
PRESET = dict(bits=8, full_well=10_000.0, read_noise=2.5, dark_current=10.0,
              quantum_efficiency=0.6, offset=2.0)


def _frame_shape(size):
    return (128, 128) if size == "small" else (256, 256)


def _saturation_photons(camera):
    """Mean photons at which the mean output reaches the full well or the top code."""
    electrons = min(camera.full_well, (camera.max_code - camera.offset) / camera.gain)
    return (electrons - camera.dark_electrons) / camera.quantum_efficiency


def _ptc_figure(ptc, title):
    def draw(fig):
        ax = fig.add_subplot()
        x, y = ptc.mean - ptc.dark_mean, ptc.variance - ptc.dark_variance
        ax.plot(x[~ptc.fitted], y[~ptc.fitted], "o", mfc="none", label="levels")
        ax.plot(x[ptc.fitted], y[ptc.fitted], "o", label="fitted (0-70 % of saturation)")
        line = np.array([0.0, x.max()])
        ax.plot(line, ptc.intercept + ptc.gain * line, "-",
                label=f"slope K = {ptc.gain:.5f} +- {ptc.gain_se:.1e} DN/e-")
        ax.axvline(ptc.saturation, ls=":", c="k", label="saturation (max variance)")
        ax.set(xlabel="mean - dark mean (DN)", ylabel="variance - dark variance (DN$^2$)",
               title=title)
        ax.legend()

    return draw


@case("camera photon transfer")
def photon_transfer_case(size):
    shape = _frame_shape(size)
    n_levels = 16 if size == "small" else 32
    results = []

    # PTC slope of the 8-bit preset camera: K = 255 / 10000 DN/e-
    preset = Camera(**PRESET, seed=1)
    levels = np.linspace(0.08, 1.25, n_levels) * _saturation_photons(preset)
    ptc = photon_transfer(preset, levels, shape=shape)
    results.append(Result(
        "PTC slope K, 8-bit preset camera", ptc.gain, preset.gain, 5 * ptc.gain_se, CITATION,
        unit="DN/e-",
        note=f"OLS slope of the EMVA two-frame variance against the mean over "
             f"{int(ptc.fitted.sum())} levels (0-70 % of saturation); tolerance 5 x its "
             f"standard error; frames {shape[0]} x {shape[1]}",
        figure=_ptc_figure(ptc, "photon transfer, 8-bit preset camera")))

    # 12-bit camera up to just below the full well: slope and SNR at saturation
    camera = Camera(bits=12, full_well=10_000.0, read_noise=2.5, dark_current=10.0, seed=2,
                    quantum_efficiency=0.6)
    top = camera.full_well - 5 * np.sqrt(camera.full_well)  # 5 sigma below the full well
    levels = np.linspace(0.02, 1.0, n_levels) * (top - camera.dark_electrons) / 0.6
    ptc12 = photon_transfer(camera, levels, shape=shape, pairs=2)
    results.append(Result(
        "PTC slope K, 12-bit camera", ptc12.gain, camera.gain, 5 * ptc12.gain_se, CITATION,
        unit="DN/e-", note="as above, levels up to 5 sigma below the full well, 2 pairs"))

    mean_e = (ptc12.mean - ptc12.dark_mean) / camera.gain
    sigma_e = np.sqrt(ptc12.variance - ptc12.dark_variance) / camera.gain
    snr = mean_e / sigma_e
    snr_max = snr[-1] * np.sqrt(camera.full_well / mean_e[-1])
    n_diff = 2 * (np.prod(shape) - 1)  # pixels x pairs of frame differences
    se = np.sqrt(camera.full_well) / np.sqrt(2 * n_diff)

    def snr_figure(fig):
        ax = fig.add_subplot()
        ax.loglog(mean_e, snr, "o", label="measured (EMVA two-frame, dark subtracted)")
        grid = np.geomspace(mean_e.min(), camera.full_well, 100)
        ax.loglog(grid, np.sqrt(grid), "-", label=r"shot-noise limit $\sqrt{\mu_e}$")
        ax.plot([camera.full_well], [np.sqrt(camera.full_well)], "k*", ms=12,
                label=r"$SNR_{max} = \sqrt{full\ well}$")
        ax.set(xlabel="mean signal (e-)", ylabel="SNR", title="SNR, 12-bit camera")
        ax.legend()

    results.append(Result(
        "SNR at saturation = sqrt(full well)", snr_max, np.sqrt(camera.full_well), 5 * se,
        CITATION,
        note=f"SNR measured at mu_e = {mean_e[-1]:.0f} e- (5 sigma below the full well, so "
             "the clip is negligible) and scaled by sqrt(full_well / mu_e) (shot-noise "
             "limit); electrons = dark-subtracted DN / K; tolerance 5 x the standard error "
             "sqrt(full_well / (2 n)) of the two-frame noise estimate (n differences)",
        figure=snr_figure))
    return results


@case("camera quantization")
def quantization_case(size):
    n = 200_000 if size == "small" else 4_000_000
    camera = Camera(bits=12, noise=False)
    photons = np.random.default_rng(3).uniform(0.0, 0.99 * camera.full_well, n)
    error = camera.capture(photons) - camera.expected_dn(photons)
    variance = float(np.mean(error**2))
    # e uniform on [-1/2, 1/2]: Var(e**2) = E[e**4] - (1/12)**2 = 1/80 - 1/144 = 1/180
    se = np.sqrt(1 / 180 / n)

    def figure(fig):
        ax = fig.add_subplot()
        ax.hist(error, bins=50, range=(-0.55, 0.55), density=True, label="DN - exact value")
        ax.axhline(1.0, c="k", ls="--", label="uniform on [-1/2, 1/2]")
        ax.set(xlabel="rounding error (DN)", ylabel="density",
               title=f"quantisation error, variance {variance:.5f} DN$^2$")
        ax.legend()

    return [
        Result("quantisation noise variance = 1/12 DN^2", variance, 1 / 12, 5 * se, CITATION,
               unit="DN^2",
               note=f"noise-free 12-bit camera, {n} pixels spread uniformly over 0-99 % of "
                    "the full well; error = DN - K mu_e - offset; tolerance 5 x the standard "
                    "error sqrt(1 / (180 n)) of the mean of e**2 for e uniform",
               figure=figure),
        Result("quantisation error mean = 0", float(error.mean()), 0.0,
               5 * np.sqrt(1 / 12 / n), CITATION, unit="DN",
               note="rounding to nearest is unbiased; tolerance 5 x sqrt(1 / (12 n))"),
    ]


@case("camera linearity")
def linearity_case(size):
    shape = _frame_shape(size)
    n_levels = 12 if size == "small" else 40
    camera = Camera(**PRESET, seed=5)
    photons = np.linspace(0.05, 0.95, n_levels) * _saturation_photons(camera)
    dark = camera.capture(np.zeros(shape)).mean(dtype=np.float64)
    mean = np.array([camera.capture(np.full(shape, p)).mean(dtype=np.float64)
                     for p in photons]) - dark
    slope, intercept = np.polyfit(photons, mean, 1)
    fit = intercept + slope * photons
    deviation = (mean - fit) / fit
    linearity_error = 100 * (deviation.max() - deviation.min()) / 2
    residual = mean - fit
    slope_se = np.sqrt(np.sum(residual**2) / (n_levels - 2)
                       / np.sum((photons - photons.mean()) ** 2))
    responsivity = camera.quantum_efficiency * camera.gain

    def figure(fig):
        top, bottom = fig.subplots(2, 1, sharex=True)
        top.plot(photons, mean, "o", label="mean - dark mean")
        top.plot(photons, fit, "-", label=f"fit, slope {slope:.6f} DN/photon")
        top.set(ylabel="DN", title="linearity, 8-bit preset camera")
        top.legend()
        bottom.plot(photons, 100 * deviation, "o-")
        bottom.set(xlabel="mean photons per pixel", ylabel="deviation (%)")

    return [
        Result("linearity error (5-95 % of saturation)", linearity_error, 0.0, 0.5, CITATION,
               unit="%",
               note="EMVA 1288: LE = (max - min) / 2 of the relative deviation of the "
                    "dark-subtracted mean from its least-squares line; tolerance 0.5 %",
               figure=figure),
        Result("responsivity R = eta K", slope, responsivity, 5 * slope_se, CITATION,
               unit="DN/photon",
               note="slope of the linearity fit; tolerance 5 x its least-squares standard "
                    "error"),
    ]


# ---------------------------------------------------------------------------- EMVA 1288

#: Quantisation noise of a uniform rounding error (DN**2), valid for noise >~ 0.5 DN rms.
QUANTISATION_VARIANCE = 1 / 12
#: 12-bit sensor of the EMVA 1288 case. ``gain`` is a data-sheet value (DN/e-) that puts the
#: full well at ``K full_well + offset = 4020 DN``, below the top code 4095, so that the
#: sensor saturates on its charge (the default gain, 4095 / full_well, would clip the ADC at
#: 9951 e- first with this offset).
SENSOR = dict(bits=12, full_well=10_000.0, read_noise=3.0, dark_current=100.0,
              quantum_efficiency=0.6, offset=20.0, gain=0.4, exposure=0.01)


class TwoFrame(NamedTuple):
    """EMVA 1288 estimates of one pair (or a stack of pairs) of frames ``A, B``.

    Attributes
    ----------
    mean, mean_se : float
        ``mu_y = (<A> + <B>) / 2`` (DN) and its standard error ``sqrt(sigma_y**2 / (2 n))``.
    variance, variance_se : float
        Temporal variance ``sigma_y**2 = var(A - B) / 2`` (DN**2) and its standard error
        ``sqrt((m4 - m2**2) / n) / 2`` from the second and fourth central moments of
        ``A - B``.
    pixels : int
        Number ``n`` of pixel differences.
    """

    mean: float
    mean_se: float
    variance: float
    variance_se: float
    pixels: int


def two_frame_estimates(a, b) -> TwoFrame:
    """EMVA 1288 mean and temporal variance of frames ``a`` and ``b`` (same shape, DN).

    The difference ``A - B`` removes any fixed pattern; its sample variance (``ddof=1``) is
    twice the temporal variance. Stacks of pairs (leading axes) are pooled.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape or a.size < 2:
        raise ValueError(f"frames must have one shape and >= 2 pixels, got {a.shape}, "
                         f"{b.shape}")
    n = a.size
    d = a - b
    d -= d.mean()
    m2 = float(np.mean(d * d))
    m4 = float(np.mean(d**4))
    variance = m2 * n / (n - 1) / 2
    return TwoFrame(mean=0.5 * (float(a.mean()) + float(b.mean())),
                    mean_se=float(np.sqrt(variance / (2 * n))), variance=variance,
                    variance_se=float(np.sqrt(max(m4 - m2**2, 0.0) / n) / 2), pixels=n)


def capture_pair(camera, photons, shape, *, pairs=1, exposure=None) -> TwoFrame:
    """Capture ``pairs`` pairs of uniform frames of ``photons`` per pixel; EMVA estimates.

    One :meth:`~lightsim.camera.Camera.capture` call of shape ``(pairs, 2, *shape)`` (its
    counter advances by one); ``exposure`` (s) sets the dark electrons of the capture.
    """
    frames = camera.capture(np.full((pairs, 2, *shape), float(photons)), exposure=exposure)
    return two_frame_estimates(frames[:, 0], frames[:, 1])


def line_fit(x, y, y_se=None):
    """Ordinary least-squares line ``y = intercept + slope x``.

    Parameters
    ----------
    x, y : array_like of float, shape (n,), n >= 3
    y_se : array_like of float, shape (n,), optional
        Standard errors of the (independent) ``y`` values. When given, the slope's standard
        error is propagated exactly through the OLS weights, ``sqrt(sum(w**2 y_se**2))``
        with ``w = (x - <x>) / sum((x - <x>)**2)``; this holds when the noise grows along
        the line (as the photon-transfer variances do), where the residual formula below
        underestimates it (by ~30 % for a PTC fitted from 0 to 70 % of saturation).

    Returns
    -------
    slope, intercept, slope_se : float
        Without ``y_se``, ``slope_se = s / sqrt(sum((x - <x>)**2))`` with ``s**2`` the
        residual variance on ``n - 2`` degrees of freedom (equal noise on every point).
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1 or x.size < 3:
        raise ValueError(f"need two 1-D arrays of >= 3 points, got {x.shape}, {y.shape}")
    sxx = float(np.sum((x - x.mean()) ** 2))
    slope = float(np.sum((x - x.mean()) * (y - y.mean())) / sxx)
    intercept = float(y.mean() - slope * x.mean())
    if y_se is not None:
        weights = (x - x.mean()) / sxx
        return slope, intercept, float(np.sqrt(np.sum(weights**2 * np.asarray(y_se)**2)))
    residual = y - (intercept + slope * x)
    return slope, intercept, float(np.sqrt(np.sum(residual**2) / (x.size - 2) / sxx))


def dark_noise_electrons(dark_variance, gain, *, variance_se=0.0, gain_se=0.0):
    """Temporal dark noise ``sigma_d`` (e-) from the dark variance (EMVA 1288).

    ``sigma_y.dark**2 = K**2 sigma_d**2 + 1/12 DN**2``, so ``sigma_d = sqrt(sigma_y.dark**2 -
    1/12) / K``; first-order standard error from those of the variance and of ``K``.

    Returns
    -------
    sigma_d, sigma_d_se : float
    """
    excess = dark_variance - QUANTISATION_VARIANCE
    if excess <= 0:
        raise ValueError(f"dark variance {dark_variance} DN^2 is below the quantisation "
                         "noise 1/12 DN^2: sigma_d is not measurable")
    sigma = float(np.sqrt(excess) / gain)
    se = sigma * np.hypot(variance_se / (2 * excess), gain_se / gain)
    return sigma, float(se)


def clipped_poisson_moments(mean_electrons, full_well):
    """Mean and variance of ``min(N, full_well)``, ``N ~ Poisson(mean_electrons)`` (exact).

    The charge of a pixel at the full well (step 2 of :mod:`lightsim.camera`); vectorised
    over ``mean_electrons``. Read noise, added after the clip, only adds ``sigma_r**2``.
    """
    mu = np.atleast_1d(np.asarray(mean_electrons, dtype=np.float64))[:, None]
    top = int(np.ceil(full_well))
    k = np.arange(top, dtype=np.float64)[None, :]
    pmf = scipy.stats.poisson.pmf(k, mu)
    tail = scipy.stats.poisson.sf(top - 1, mu[:, 0])  # P(N >= full_well): clipped to it
    mean = (k * pmf).sum(axis=1) + full_well * tail
    second = (k**2 * pmf).sum(axis=1) + full_well**2 * tail
    return mean, second - mean**2


def _emva_ptc_figure(x, y, fitted, gain, intercept, saturation, gain_se):
    def draw(fig):
        ax = fig.add_subplot()
        ax.plot(x[~fitted], y[~fitted], "o", mfc="none", label="levels (2 frames each)")
        ax.plot(x[fitted], y[fitted], "o", label="fitted (0-70 % of saturation)")
        line = np.array([0.0, x.max()])
        ax.plot(line, intercept + gain * line, "-",
                label=f"slope K = {gain:.5f} +- {gain_se:.1e} DN/e-")
        ax.axvline(saturation, ls=":", c="k", label="saturation (max variance)")
        ax.set(xlabel=r"$\mu_y - \mu_{y.dark}$ (DN)",
               ylabel=r"$\sigma_y^2 - \sigma_{y.dark}^2$ (DN$^2$)",
               title="EMVA 1288 photon transfer, 12-bit sensor")
        ax.legend(fontsize="small")

    return draw


def _emva_responsivity_figure(photons, x, fitted, slope, intercept):
    def draw(fig):
        ax = fig.add_subplot()
        ax.plot(photons[~fitted], x[~fitted], "o", mfc="none", label="levels")
        ax.plot(photons[fitted], x[fitted], "o", label="fitted (0-70 % of saturation)")
        line = np.array([0.0, photons.max()])
        ax.plot(line, intercept + slope * line, "-", label=f"R = {slope:.5f} DN/photon")
        ax.set(xlabel=r"$\mu_p$ (photons per pixel)", ylabel=r"$\mu_y - \mu_{y.dark}$ (DN)",
               title="EMVA 1288 responsivity, 12-bit sensor")
        ax.legend(fontsize="small")

    return draw


def _emva_dark_current_figure(times, means, variances, mean_fit, variance_fit, camera):
    def draw(fig):
        left, right = fig.subplots(1, 2)
        line = np.array([0.0, times.max()])
        left.plot(times, means, "o", label="dark mean")
        left.plot(line, mean_fit[1] + mean_fit[0] * line, "-",
                  label=f"slope {mean_fit[0]:.3f} DN/s")
        left.set(xlabel="exposure time (s)", ylabel=r"$\mu_{y.dark}$ (DN)",
                 title="dark signal")
        left.legend(fontsize="small")
        right.plot(times, variances, "o", label="dark variance")
        right.plot(line, variance_fit[1] + variance_fit[0] * line, "-",
                   label=f"slope {variance_fit[0]:.3f} DN$^2$/s")
        right.plot(line, camera.gain**2 * (camera.read_noise**2 + camera.dark_current * line)
                   + QUANTISATION_VARIANCE, "k:", label="configured")
        right.set(xlabel="exposure time (s)", ylabel=r"$\sigma_{y.dark}^2$ (DN$^2$)",
                  title="dark noise")
        right.legend(fontsize="small")
        fig.tight_layout()

    return draw


@case("camera EMVA 1288 characterisation")
def emva1288_case(size):
    small = size == "small"
    shape = (256, 256) if small else (512, 512)
    n_levels = 40 if small else 100
    dark_pairs = 4 if small else 8
    times = np.linspace(0.05, 1.0, 8 if small else 16)  # s, exposure-time series
    camera = Camera(**SENSOR, seed=1288)
    eta, full_well = camera.quantum_efficiency, camera.full_well
    mu_d = camera.dark_electrons  # e-, at the PTC exposure

    # -- dark series at the PTC exposure: mu_y.dark, sigma_y.dark**2 -----------------------
    dark = capture_pair(camera, 0.0, shape, pairs=dark_pairs)

    # -- photon-transfer series, dark to 1.2 x saturation, 2 frames per level --------------
    photons = np.linspace(0.0, 1.2 * full_well / eta, n_levels + 1)[1:]
    series = [capture_pair(camera, p, shape) for p in photons]
    mean = np.array([s.mean for s in series])
    variance = np.array([s.variance for s in series])
    mean_se = np.array([s.mean_se for s in series])
    variance_se = np.array([s.variance_se for s in series])
    x, y = mean - dark.mean, variance - dark.variance
    top = int(np.argmax(variance))  # EMVA saturation point: the level of maximum variance
    fitted = (x >= 0) & (x <= PTC_FIT_LIMIT * x[top])
    gain, intercept, gain_se = line_fit(x[fitted], y[fitted], variance_se[fitted])
    rel_gain = gain_se / gain
    responsivity, r_intercept, responsivity_se = line_fit(photons[fitted], x[fitted],
                                                          mean_se[fitted])
    eta_hat = responsivity / gain
    eta_se = eta_hat * np.hypot(responsivity_se / responsivity, rel_gain)
    saturation = x[top] / gain  # mu_e.sat (e-)
    n_fit = int(fitted.sum())

    # model of the levels near saturation: which ones can hold the variance maximum
    clip_mean, clip_var = clipped_poisson_moments(eta * photons + mu_d, full_well)
    model_var = camera.gain**2 * (clip_var + camera.read_noise**2) + QUANTISATION_VARIANCE
    peak = int(np.argmax(model_var))
    eligible = (model_var[peak] - model_var
                <= 5 * np.hypot(variance_se, variance_se[peak]))
    predicted = clip_mean - mu_d  # photo-electrons read at each level
    spacing = eta * (photons[1] - photons[0])
    sat_offset = full_well - predicted[eligible].min()
    sat_noise = 5 * np.hypot(rel_gain * saturation, series[top].mean_se / gain)

    # -- dark estimates --------------------------------------------------------------------
    sigma_d, sigma_d_se = dark_noise_electrons(dark.variance, gain,
                                               variance_se=dark.variance_se, gain_se=gain_se)

    # -- exposure-time series in the dark: dark current from the mean and the variance -----
    dark_t = [capture_pair(camera, 0.0, shape, exposure=t) for t in times]
    dark_means = np.array([s.mean for s in dark_t])
    dark_variances = np.array([s.variance for s in dark_t])
    mean_fit = line_fit(times, dark_means, [s.mean_se for s in dark_t])
    variance_fit = line_fit(times, dark_variances, [s.variance_se for s in dark_t])
    current_mean = mean_fit[0] / gain
    current_mean_se = current_mean * np.hypot(mean_fit[2] / mean_fit[0], rel_gain)
    current_var = variance_fit[0] / gain**2
    current_var_se = current_var * np.hypot(variance_fit[2] / variance_fit[0], 2 * rel_gain)

    frames = (f"{shape[0]} x {shape[1]} pixels, {n_levels} levels equally spaced in photons "
              f"up to 1.2 x the full well, 2 frames (one pair) per level")
    return [
        Result("EMVA system gain K (PTC slope)", gain, camera.gain, 5 * gain_se, CITATION,
               unit="DN/e-",
               note=f"OLS slope of sigma_y^2 - sigma_y.dark^2 (var(A - B) / 2) against "
                    f"mu_y - mu_y.dark ((<A> + <B>) / 2) over the {n_fit} levels between 0 "
                    f"and 70 % of the saturation point; {frames}; dark from {dark_pairs} "
                    f"pairs. Tolerance 5 x the standard error of the OLS slope, propagated "
                    f"from each level's variance SE (fourth moment of A - B) through the OLS "
                    f"weights (x_i - <x>) / Sxx: {rel_gain:.2%} of K. The residual formula "
                    f"s / sqrt(Sxx) assumes equal noise on every level and comes out ~30 % "
                    f"low here (the variance noise grows with the level); the propagated SE "
                    f"matches the seed-to-seed scatter of K (z spread 1.1 over 60 seeds)",
               figure=_emva_ptc_figure(x, y, fitted, gain, intercept, x[top], gain_se)),
        Result("EMVA quantum efficiency eta = R / K", eta_hat, eta, 5 * eta_se, CITATION,
               note=f"responsivity R = {responsivity:.6f} DN/photon: OLS slope of "
                    f"mu_y - mu_y.dark against mu_p over the same {n_fit} levels (SE "
                    f"propagated from the SE of each mean), divided by "
                    f"the measured K. SE of eta = eta sqrt((SE_R / R)^2 + (SE_K / K)^2) "
                    f"(R and K come from the means and the variances, nearly uncorrelated: "
                    f"their correlation is ~1 / sqrt(2 mu_e)); tolerance 5 x SE",
               figure=_emva_responsivity_figure(photons, x, fitted, responsivity,
                                                r_intercept)),
        Result("EMVA saturation capacity mu_e.sat", saturation, full_well,
               sat_offset + sat_noise,
               CITATION, unit="e-",
               note=f"mu_e.sat = (mu_y.sat - mu_y.dark) / K at the level of maximum temporal "
                    f"variance (EMVA saturation point), {photons[top]:.0f} photons. The "
                    f"variance of min(N, W) (N Poisson) peaks before the well: as mu_e rises "
                    f"the shot noise grows until the clip cuts the upper tail, so the maximum "
                    f"sits about 3 sqrt(W) = {3 * np.sqrt(full_well):.0f} e- below W "
                    f"(model: level {peak}, {predicted[peak]:.0f} e-). The read noise "
                    f"({camera.read_noise:g} e-) is added after the clip: a constant variance "
                    f"that does not move the peak; the spread that matters is the shot noise "
                    f"sqrt(W). Which level wins the argmax depends on the level spacing "
                    f"({spacing:.0f} e-) and on the variance noise: the levels whose model "
                    f"variance lies within 5 SE (of the difference to the peak) of the "
                    f"maximum are eligible ({int(eligible.sum())} here). Tolerance = W - the "
                    f"lowest mean photo-electron count of an eligible level (exact clipped-"
                    f"Poisson sums: {sat_offset:.0f} e-) + 5 x the SE of mu_e.sat from K "
                    f"and the mean ({sat_noise:.0f} e-)"),
        Result("EMVA dark level mu_y.dark", dark.mean,
               camera.offset + camera.gain * mu_d, 5 * dark.mean_se, CITATION, unit="DN",
               note=f"(<A> + <B>) / 2 of {dark_pairs} dark pairs at {camera.exposure:g} s; "
                    f"reference offset + K dark_current exposure; tolerance 5 x "
                    f"sqrt(sigma_y.dark^2 / (2 n)), n = {dark.pixels} differences. "
                    f"Unbiased: no clip at 0 e- and the dark level is ~"
                    f"{dark.mean / np.sqrt(dark.variance):.0f} sigma above 0 DN"),
        Result("EMVA temporal dark noise sigma_d", sigma_d,
               float(np.sqrt(camera.read_noise**2 + mu_d)), 5 * sigma_d_se, CITATION,
               unit="e-",
               note="sigma_d = sqrt(sigma_y.dark^2 - 1/12 DN^2) / K (measured K) from the "
                    "dark pairs; reference sqrt(read_noise^2 + mu_d). SE = sigma_d sqrt((SE_v "
                    "/ (2 (sigma_y.dark^2 - 1/12)))^2 + (SE_K / K)^2), SE_v from the fourth "
                    "moment of A - B; tolerance 5 x SE. With the old clip at 0 e- this came "
                    "out 44 % low"),
        Result("EMVA dark current from the mean", current_mean, camera.dark_current,
               5 * current_mean_se, CITATION, unit="e-/s",
               note=f"slope of mu_y.dark against the exposure time ({times.size} times, "
                    f"{times[0]:g}-{times[-1]:g} s, one dark pair each) divided by the "
                    f"measured K (mu_d = dark_current t); slope SE propagated from the SE "
                    f"of each mean; SE = mu_I sqrt((SE_slope / "
                    f"slope)^2 + (SE_K / K)^2), tolerance 5 x SE",
               figure=_emva_dark_current_figure(times, dark_means, dark_variances, mean_fit,
                                                variance_fit, camera)),
        Result("EMVA dark current from the variance", current_var, camera.dark_current,
               5 * current_var_se, CITATION, unit="e-/s",
               note="slope of sigma_y.dark^2 against the exposure time divided by K^2 "
                    "(sigma_y.dark^2 = K^2 (sigma_r^2 + dark_current t) + 1/12: the dark "
                    "electrons are Poisson); slope SE propagated from the SE of each "
                    "variance; SE = mu_I sqrt((SE_slope / slope)^2 + (2 SE_K / "
                    "K)^2), tolerance 5 x SE"),
    ]


# ---------------------------------------------------------------------------- normal shot noise
#: Mean counts (electrons) at which the opt-in normal shot noise is validated: from its lowest
#: allowed threshold to the preset's full well.
NORMAL_MEANS = (10.0, 30.0, 100.0, 1000.0, 10_000.0)
NORMAL_CITATION = ("Poisson moments and CDF (scipy.stats.poisson); Cornish-Fisher expansion: "
                   "Kendall & Stuart, The Advanced Theory of Statistics vol. 1, 6.25-6.26")


def normal_count_ks(mean) -> float:
    """Kolmogorov-Smirnov distance between Poisson(``mean``) and the normal shot noise.

    Closed form: ``P(rint(X) <= k) = Phi(z_k)`` with ``X = mean + sqrt(mean) z + (z**2 - 1) /
    6`` solved for ``z`` at ``X = k + 1/2`` (the root on the increasing branch; the other
    branch lies below ``z = -3 sqrt(mean)``).
    """
    k = np.arange(0, int(mean + 12 * np.sqrt(mean)) + 20)
    c = 6.0 * (mean - (k + 0.5)) - 1.0
    z = (-6.0 * np.sqrt(mean) + np.sqrt(36.0 * mean - 4.0 * c)) / 2.0
    return float(np.max(np.abs(scipy.stats.poisson.cdf(k, mean) - scipy.stats.norm.cdf(z))))


def _sample_ks(counts, mean):
    """KS distance between the empirical CDF of whole-number ``counts`` and Poisson(mean)."""
    k = np.arange(0, int(counts.max()) + 1)
    empirical = np.searchsorted(np.sort(counts), k, side="right") / counts.size
    return float(np.max(np.abs(empirical - scipy.stats.poisson.cdf(k, mean))))


@case("normal shot noise")
def normal_shot_noise_case(size):
    """The opt-in normal shot noise against the Poisson, at each mean count it serves."""
    n = 400_000 if size == "small" else 4_000_000
    unit = dict(bits=16, full_well=60_000.0, gain=1.0, read_noise=0.0, dark_current=0.0,
                quantum_efficiency=1.0)  # DN = collected electrons
    results, rows = [], []
    for mean in NORMAL_MEANS:
        photons = np.full(n, mean)
        counts = Camera(seed=17, normal_shot_noise_above=10.0, **unit).capture(photons)
        exact = Camera(seed=17, **unit).capture(photons)
        counts, exact = counts.astype(np.float64), exact.astype(np.float64)
        centred = counts - counts.mean()
        variance_se = float(np.std(centred**2) / np.sqrt(n))
        third = float(np.mean(centred**3))
        third_se = float(np.std(centred**3) / np.sqrt(n))
        closed_ks = normal_count_ks(mean)
        ks, exact_ks = _sample_ks(counts, mean), _sample_ks(exact, mean)
        critical = 1.63 / np.sqrt(n)  # 1 % level of the KS statistic (conservative if discrete)
        rows.append((mean, ks, exact_ks, closed_ks))
        results += [
            Result(f"normal shot noise mean at {mean:g} e-", float(counts.mean()), mean,
                   5 * np.sqrt(mean / n), NORMAL_CITATION, unit="e-",
                   note=f"{n} samples; tolerance 5 x sqrt(mean / n)"),
            Result(f"normal shot noise variance at {mean:g} e-", float(counts.var()), mean,
                   5 * variance_se + 1 / 18 + 1 / 12, NORMAL_CITATION, unit="e-^2",
                   note="tolerance 5 SE plus the approximation's known excess 1/18 (skew "
                        "term) + 1/12 (rounding)"),
            Result(f"normal shot noise third central moment at {mean:g} e-", third, mean,
                   5 * third_se, NORMAL_CITATION, unit="e-^3",
                   note="the Poisson's is its mean; tolerance 5 SE of the sample moment"),
            Result(f"normal shot noise KS distance at {mean:g} e-", ks, 0.0,
                   closed_ks + critical, NORMAL_CITATION,
                   note=f"closed-form KS of the approximation {closed_ks:.1e} plus the 1 % "
                        f"critical value {critical:.1e} of {n} samples; the exact sampler "
                        f"measures {exact_ks:.1e} on the same number of samples"),
        ]

    def figure(fig):
        ax = fig.add_subplot()
        means = [r[0] for r in rows]
        ax.loglog(means, [r[3] for r in rows], "k--", label="closed form (approximation)")
        ax.loglog(means, [r[1] for r in rows], "o", label=f"normal shot noise, {n} samples")
        ax.loglog(means, [r[2] for r in rows], "s", mfc="none",
                  label=f"exact sampler, {n} samples")
        ax.axhline(1.63 / np.sqrt(n), c="0.6", lw=1, label="1 % KS critical value")
        ax.set(xlabel="mean count (e-)", ylabel="KS distance to Poisson",
               title="normal shot-noise approximation")
        ax.legend()

    results[-1].figure = figure
    return results
