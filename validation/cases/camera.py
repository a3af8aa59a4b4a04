"""Camera (EMVA 1288 linear model): photon transfer, quantisation noise, linearity.

The simulated camera is measured the way a real one is: EMVA 1288 two-frame photon-transfer
curves, the rounding error of the noise-free chain, and the mean response over 5-95 % of
saturation. The "preset" camera is the 8-bit camera of ``lightsim.opu.PRESETS["lighton"]``.
"""

from __future__ import annotations

import numpy as np

from lightsim.camera import Camera, photon_transfer
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
