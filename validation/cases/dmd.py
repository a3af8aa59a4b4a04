"""DMD model and binary encodings against closed forms.

Cases
-----
``binary grating efficiency``
    A 50 % duty binary amplitude grating (Lee phase-only hologram of a constant phase) puts
    ``1/pi**2`` of the incident power in each first order and ``1/4`` in the zeroth (J. W.
    Goodman, *Introduction to Fourier Optics*, 3rd ed., 2005, ch. 4). The sampled
    grating obeys the exact discrete formula ``1 / (p sin(pi/p))**2``.
``lee amplitude linearity``
    Pulse-width encoding puts ``A exp(i phi) / pi`` in the +1 order (W.-H. Lee, Appl. Opt. 18,
    3661, 1979; D. B. Conkey et al., Opt. Express 20, 1733, 2012), linear in ``A`` up to the
    quantisation of the duty cycle to multiples of ``1/p``.
``bitplane round trip``
    n-bit planes reconstruct the input within half a step ``delta = scale / (2**n - 1)``,
    with RMS error ``delta / sqrt(12)`` (uniform quantiser; W. R. Bennett, Bell Syst. Tech.
    J. 27, 446, 1948).
``dmd contrast``
    An all-OFF frame carries ``1/contrast`` of the intensity of an all-ON frame.
"""

from __future__ import annotations

import numpy as np

from lightsim.dmd import DMD
from lightsim.encoders import BitPlaneEncoder
from lightsim.holograms import lee_hologram
from validation import Result, case

GOODMAN = "J. W. Goodman, Introduction to Fourier Optics, 3rd ed. (2005), ch. 4"
LEE = "W.-H. Lee, Appl. Opt. 18, 3661 (1979); Conkey et al., Opt. Express 20, 1733 (2012)"
BENNETT = "W. R. Bennett, Bell Syst. Tech. J. 27, 446 (1948)"
TI = "contrast = I_ON / I_OFF (TI DLP4500 data sheet, DLPS028)"


def _pick(size, small, full):
    return small if size == "small" else full


def _orders(pattern, period):
    """Power fraction of each diffraction order ``m`` (index ``m * n_periods``) of row-periodic
    binary patterns: ``|FFT / N|**2`` along x, averaged over rows (uniform unit illumination,
    so the incident power per mirror is 1)."""
    n = pattern.shape[1]
    spectrum = np.fft.fft(pattern.astype(np.float64), axis=1) / n
    return np.mean(np.abs(spectrum) ** 2, axis=0), n // period


# ---------------------------------------------------------------------------- grating


@case("binary grating efficiency")
def grating_efficiency(size):
    period, n_periods, rows = 16, _pick(size, 8, 64), _pick(size, 4, 64)
    sweep = _pick(size, [8, 16], [4, 6, 8, 12, 16, 24, 32, 64])
    phase = 0.3  # rad, any constant phase: the pulse stays p/2 mirrors wide

    def efficiency(p):
        field = np.full((rows, p * n_periods), np.exp(1j * phase))
        power, step = _orders(lee_hologram(field, p, amplitude=False), p)
        return power, step

    power, step = efficiency(period)
    first, minus, zeroth = power[step], power[-step], power[0]
    exact = 1.0 / (period * np.sin(np.pi / period)) ** 2
    discretisation = abs(exact - 1.0 / np.pi**2)
    swept = np.array([efficiency(p)[0][n_periods] for p in sweep])
    m = np.arange(-7, 8)

    def draw(fig):
        ax1, ax2 = fig.subplots(1, 2)
        ax1.plot(m, power[(m * step) % power.size], "o", label="sampled grating")
        odd = m % 2 == 1
        ax1.plot(m[odd], 1 / (np.pi * m[odd]) ** 2, "x", label="1/(m pi)^2")
        ax1.plot([0], [0.25], "x", color="C1")
        ax1.set(xlabel="order m", ylabel="power / incident", yscale="log",
                title=f"orders, p = {period}")
        ax1.set_ylim(1e-4, 0.5)
        ax1.legend(fontsize=8)
        pp = np.array(sweep, dtype=float)
        ax2.plot(pp, swept, "o", label="measured +1 order")
        ax2.plot(pp, 1 / (pp * np.sin(np.pi / pp)) ** 2, "-", label="1/(p sin(pi/p))^2")
        ax2.axhline(1 / np.pi**2, color="k", ls="--", label="1/pi^2")
        ax2.set(xlabel="period p (mirrors)", xscale="log", title="+1 order vs period")
        ax2.minorticks_off()
        ax2.set_xticks(sweep, [str(p) for p in sweep])
        ax2.legend(fontsize=8)
        fig.tight_layout()

    note = (
        f"Period p = {period} mirrors, {n_periods} periods, {rows} rows, phase {phase} rad; "
        "order powers from the FFT along x divided by N (fraction of the power incident on "
        "all mirrors, uniform illumination). A sampled 50 % pulse of p/2 mirrors gives "
        "|c_1| = 1 / (p sin(pi/p)) exactly (Dirichlet kernel), so the continuous result "
        "1/pi^2 is approached as 1/pi^2 (1 + pi^2/(3 p^2)); the tolerance is this "
        f"discretisation error, {discretisation:.3g} at p = {period}, plus 1e-12 rounding. "
        "The zeroth order is (1/2)^2 exactly."
    )
    return [
        Result("+1 order efficiency", first, 1 / np.pi**2, discretisation + 1e-12, GOODMAN,
               note=note, figure=draw),
        Result("-1 order efficiency", minus, 1 / np.pi**2, discretisation + 1e-12, GOODMAN,
               note=note),
        Result("zeroth order efficiency", zeroth, 0.25, 1e-12, GOODMAN, note=note),
        Result("+1 order vs sampled formula 1/(p sin(pi/p))^2", first, exact, 1e-12, GOODMAN,
               note=note),
    ]


# ---------------------------------------------------------------------------- Lee linearity


def _lee_rows(amplitudes, phases, period, n_periods):
    """+1-order amplitude of a hologram whose row ``r`` encodes ``A_r exp(i phi_r)``."""
    field = (amplitudes * np.exp(1j * phases))[:, None] * np.ones(period * n_periods)
    pattern = lee_hologram(field, period)  # max |field| = 1 (the A = 1 row)
    n = pattern.shape[1]
    return np.fft.fft(pattern.astype(np.float64), axis=1)[:, n_periods] / n


@case("lee amplitude linearity")
def lee_linearity(size):
    period, n_periods = 16, 4
    rows = _pick(size, 200, 2000)
    sweep = _pick(size, [8, 32], [6, 8, 12, 16, 24, 32, 48, 64])
    rng = np.random.default_rng(1979)
    amplitudes = np.append(np.linspace(0.0, 1.0, rows)[1:], 1.0)  # A in (0, 1], A=1 last
    phases = rng.uniform(-np.pi, np.pi, rows)

    def deviations(p):
        c1 = _lee_rows(amplitudes, phases, p, n_periods)
        normalised = np.abs(c1) * p * np.sin(np.pi / p)  # 1 at A = 1 (p/2 mirrors ON)
        phase_error = np.angle(c1 * np.exp(-1j * phases))
        return normalised, phase_error

    normalised, phase_error = deviations(period)
    amplitude_dev = float(np.max(np.abs(normalised - amplitudes)))
    phase_dev = float(np.max(np.abs(phase_error[normalised > 0])))
    swept = np.array([np.max(np.abs(deviations(p)[0] - amplitudes)) for p in sweep])

    def draw(fig):
        ax1, ax2 = fig.subplots(1, 2)
        ax1.plot(amplitudes, normalised, ".", ms=2, label=f"measured, p = {period}")
        ax1.plot([0, 1], [0, 1], "k--", label="linear")
        ax1.set(xlabel="target amplitude A", ylabel="|c_1| p sin(pi/p)",
                title="Lee pulse-width encoding")
        ax1.legend(fontsize=8)
        pp = np.array(sweep, dtype=float)
        ax2.loglog(pp, swept, "o", label="max |deviation|")
        ax2.loglog(pp, np.pi / pp, "-", label="bound pi/p")
        ax2.set(xlabel="period p (mirrors)", title="deviation from linearity")
        ax2.minorticks_off()
        ax2.set_xticks(sweep, [str(p) for p in sweep])
        ax2.legend(fontsize=8)
        fig.tight_layout()

    note = (
        f"Period p = {period} mirrors, {rows} amplitudes A in (0, 1] with random phases, one "
        "per hologram row, +1 order from the FFT over an integer number of periods, "
        "normalised by its value at A = 1. The duty cycle w = arcsin(A)/pi is realised by "
        "n = floor(w p) or ceil(w p) ON mirrors per period (|n - w p| < 1), and the sampled "
        "pulse gives exactly sin(pi n / p) / (p sin(pi / p)), so the normalised amplitude "
        "sin(pi n/p) departs from A = sin(pi w) by at most pi |n/p - w| < pi/p of full scale "
        "(the tolerance). The pulse centre is placed within half a mirror of its ideal "
        "position, so the phase of the +1 order is exp(i phi) within pi/p rad."
    )
    return [
        Result("max |amplitude - A| (full scale 1)", amplitude_dev, 0.0, np.pi / period, LEE,
               note=note, figure=draw),
        Result("max phase error of the +1 order", phase_dev, 0.0, np.pi / period, LEE,
               unit="rad", note=note),
    ]


# ---------------------------------------------------------------------------- bit planes


@case("bitplane round trip")
def bitplane_round_trip(size):
    n_samples, n_features = _pick(size, (200, 100), (4000, 250))
    all_bits = _pick(size, [1, 4, 8], [1, 2, 3, 4, 6, 8, 10, 12, 16])
    rng = np.random.default_rng(1948)
    X = rng.uniform(0.0, 3.0, size=(n_samples, n_features))
    n = X.size - 1  # the sample at the scale is reconstructed exactly
    max_err, rms = [], []
    for n_bits in all_bits:
        encoder = BitPlaneEncoder(n_bits=n_bits).fit(X)
        error = encoder.decode(encoder.transform(X)) - X
        max_err.append(np.abs(error).max() / encoder.delta)
        rms.append(np.sqrt(np.mean(error**2)) / encoder.delta)
    max_err, rms = np.array(max_err), np.array(rms)
    se = 1.0 / np.sqrt(60.0 * n)  # standard error of the RMS error, in steps

    def draw(fig):
        ax = fig.add_subplot()
        scale = X.max()
        delta = scale / (2.0 ** np.array(all_bits) - 1)
        ax.semilogy(all_bits, rms * delta, "o", label="RMS error")
        ax.semilogy(all_bits, max_err * delta, "s", label="max |error|")
        ax.semilogy(all_bits, delta / np.sqrt(12), "-", label="delta / sqrt(12)")
        ax.semilogy(all_bits, delta / 2, "--", label="delta / 2")
        ax.set(xlabel="bits", ylabel="error (units of x)",
               title=f"bit-plane quantisation, x ~ U(0, 3), {X.size} values")
        ax.legend(fontsize=8)

    note = (
        f"{X.size} values uniform in [0, 3), scale learned as max(x), delta = scale/(2^n-1), "
        f"bits {all_bits}. Max error bound: delta/2 (round to nearest; 1e-9 allowed for "
        "float rounding). RMS: the grid spans an integer number of steps, so the error of "
        "the other values is exactly uniform on [-delta/2, delta/2): E e^2 = delta^2/12, "
        "Var e^2 = delta^4/180, hence SE(RMS) = delta / sqrt(60 N); tolerance 5 SE."
    )
    results = []
    for k, n_bits in enumerate(all_bits):
        figure = draw if k == 0 else None
        results.append(Result(f"{n_bits}-bit max |error| / delta", max_err[k], 0.0,
                              0.5 + 1e-9, BENNETT, unit="delta", note=note, figure=figure))
        results.append(Result(f"{n_bits}-bit RMS error / delta", rms[k], 1 / np.sqrt(12),
                              5 * se, BENNETT, unit="delta", note=note))
    return results


# ---------------------------------------------------------------------------- contrast


@case("dmd contrast")
def dmd_contrast(size):
    shape = _pick(size, (48, 60), (912, 1140))
    contrasts = [2.0, 10.0, 100.0, 1000.0, 1e5, np.inf]
    ratios = []
    for contrast in contrasts:
        dmd = DMD(shape=shape, contrast=contrast, illumination=shape[1] * 7.56e-6 / 3)
        frames = np.array([np.ones(dmd.n_mirrors, bool), np.zeros(dmd.n_mirrors, bool)])
        on, off = (dmd.effective_input(frames).astype(np.float64) ** 2).mean(axis=1)
        ratios.append(off / on)
    # leak and each OFF amplitude are rounded to float32 (2 roundings of 2^-24), then squared
    rel = 4 * 2.0**-24

    def draw(fig):
        ax = fig.add_subplot()
        finite = np.isfinite(contrasts)
        c = np.array(contrasts)[finite]
        ax.loglog(c, np.array(ratios)[finite], "o", label="I(all OFF) / I(all ON)")
        ax.loglog(c, 1 / c, "-", label="1 / contrast")
        ax.set(xlabel="contrast", ylabel="intensity ratio",
               title=f"DMD {shape[0]}x{shape[1]}, Gaussian illumination")
        ax.legend()

    note = (
        f"DMD {shape[0]} x {shape[1]} mirrors, Gaussian illumination (waist a third of the "
        "width), all-ON and all-OFF frames; intensity = mean squared amplitude. OFF mirrors "
        "send leak = sqrt(1/contrast) of the ON amplitude, so the ratio is 1/contrast "
        "whatever the illumination; tolerance: float32 rounding, 4 * 2^-24 relative."
    )
    return [
        Result(f"I_off / I_on at contrast {c:g}", r, 0.0 if np.isinf(c) else 1 / c,
               0.0 if np.isinf(c) else rel / c, TI, note=note, figure=draw if k == 0 else None)
        for k, (c, r) in enumerate(zip(contrasts, ratios, strict=True))
    ]
