"""The instrument: holographic readout of the OPU against its closed forms."""

from __future__ import annotations

import numpy as np

from lightsim import OPU
from validation import Result, case

_WANG = "Wang et al., arXiv:2409.12965 (2024); Ohana et al., ICASSP 2020"


def _binary(rng, n, n_in, p=0.5):
    return rng.random((n, n_in)) < p


@case("holography noise-free")
def holography_noise_free(size):
    """Noise-free ``linear_transform`` equals ``X @ B.T``, and is linear in ``x``.

    Ideal detector, finite contrast, dead mirrors and a Gaussian illumination profile: the
    reference-holography identity is exact for binary frames, so the only error is float32
    rounding of the intensities (``|T a + s|**2`` is summed in float32 then differenced).
    """
    n_in, n_out, n = (200, 300, 20) if size == "small" else (1000, 2000, 100)
    opu = OPU(n_in, n_out, preset="ideal", seed=3, contrast=200.0, dead_fraction=0.02)
    rng = np.random.default_rng(0)
    X = _binary(rng, n, n_in)
    B = opu.effective_matrix()
    scale = np.sqrt(np.mean((X @ B.T) ** 2))
    error = np.max(np.abs(opu.linear_transform(X) - X @ B.T)) / scale
    # linearity (superposition of intensities is not linear; the readout must be): for
    # disjoint binary frames, the frame x1 + x2 gives the sum of the two projections
    X2 = _binary(rng, n, n_in) & ~X
    lin = np.max(np.abs(opu.linear_transform(X | X2)
                        - (opu.linear_transform(X) + opu.linear_transform(X2)))) / scale
    # float32 intensities of magnitude ~ (1 + reference power); the cross term is an O(1)
    # fraction of it: a few ulps of float32 per pixel, 1e-4 is generous but far below 1.
    note = "max |y - X B^T| / rms(X B^T); float32 intensities (eps = 1.2e-7)"
    return [
        Result("linear_transform = X B^T (noise-free)", error, 0.0, 1e-4, _WANG, note=note),
        Result("linearity: y(x1 + x2) = y(x1) + y(x2)", lin, 0.0, 1e-4, _WANG, note=note),
    ]


@case("two-frame holography bias")
def two_frame_bias(size):
    """Relative RMS error of the 2-frame readout against its closed form.

    ``I(x+ + r) - I(x- + r) = cross + |T x+|**2 - |T x-|**2``. For an i.i.d. Gaussian medium
    the speckle intensities of disjoint ``x+`` and ``x-`` are independent exponentials of
    means ``P+ = n+/n_in`` and ``P- = n-/n_in``, so the bias has mean square
    ``P+**2 + P-**2 + (P+ - P-)**2``, and given the reference ``s_k`` the cross term has mean
    square ``2 |s_k|**2 (P+ + P-)``. The relative RMS error is the square root of the ratio of
    their averages; for ``P+ = P- = P`` it is ``sqrt(P / (2 P_ref))`` with ``P_ref =
    reference_ratio / 2``: it falls as ``1 / sqrt(reference_ratio)``.
    """
    n_in, n_out, n = (100, 400, 40) if size == "small" else (400, 2000, 100)
    ratios = [1.0, 4.0, 16.0, 64.0]
    rng = np.random.default_rng(1)
    results, curve = [], []
    for ratio in ratios:
        opu = OPU(n_in, n_out, preset="ideal", seed=5, reference_ratio=ratio,
                  holography="2-frame")
        e = rng.choice([-1, 0, 1], size=(n, n_in), p=[0.2, 0.6, 0.2]).astype(np.int8)
        exact = e @ opu.effective_matrix().T
        error = opu.linear_transform(e, encoding="ternary") - exact
        p_pos = (e > 0).sum(axis=1, keepdims=True) / n_in
        p_neg = (e < 0).sum(axis=1, keepdims=True) / n_in
        s2 = opu.reference_per_pixel[None, :] ** 2  # condition on the realised reference
        bias_power = np.broadcast_to(p_pos**2 + p_neg**2 + (p_pos - p_neg) ** 2, error.shape)
        cross_power = 2 * s2 * (p_pos + p_neg)
        measured = np.sqrt(np.mean(error**2) / np.mean(exact**2))
        predicted = np.sqrt(np.mean(bias_power) / np.mean(cross_power))
        # SE of the mean of squared errors: std of error**2 / sqrt(N) (delta method for sqrt)
        sq = error**2
        rel_se = np.std(sq) / np.sqrt(sq.size) / np.mean(sq) / 2
        rel_se_exact = np.std(exact**2) / np.sqrt(exact.size) / np.mean(exact**2) / 2
        tolerance = 5 * predicted * np.hypot(rel_se, rel_se_exact)
        curve.append((ratio, measured, predicted))
        results.append(Result(f"2-frame relative RMS error, reference ratio {ratio:g}",
                              measured, predicted, tolerance, _WANG,
                              note="closed form for an i.i.d. Gaussian medium; 5 SE"))

    def figure(fig):
        ax = fig.add_subplot()
        r, m, p = np.array(curve).T
        ax.loglog(r, p, "k-", label="closed form")
        ax.loglog(r, m, "o", label="simulated")
        ax.set_xlabel("reference-to-signal power ratio")
        ax.set_ylabel("relative RMS error of 2-frame readout")
        ax.legend()

    results[-1].figure = figure
    return results


@case("holography noise budget")
def holography_noise(size):
    """With a noisy camera, the readout error matches the propagated detector noise.

    Per pixel ``y = (D_on - D_off - C) / k`` with ``D`` the counts of the two frames and
    ``k`` the DN per unit intensity. Each count has variance ``K**2 (eta N + dark t) + K**2
    sigma_r**2 + 1/12`` (EMVA 1288 linear model: shot, dark, read and quantization noise), the
    calibration ``C`` that of two counts divided by the number of calibration pairs. A 12-bit
    camera keeps the quantization noise small enough for the uniform 1/12 law to hold, and a
    low well fill keeps saturation (which the linear model ignores) below 1e-12 of the pixels.
    """
    n_in, n_out, n = (100, 400, 30) if size == "small" else (400, 2000, 100)
    camera = dict(bits=12, full_well=20_000.0, read_noise=5.0, dark_current=100.0,
                  quantum_efficiency=0.7, offset=10.0)
    opu = OPU(n_in, n_out, preset="lighton", seed=7, camera=camera, calibration_frames=64,
              fill=0.05)
    rng = np.random.default_rng(2)
    X = _binary(rng, n, n_in)
    y = opu.linear_transform(X)
    error = y - X @ opu.effective_matrix().T
    cam = opu.camera
    fields = opu.medium.apply(opu.dmd.effective_input(X))
    dark_fields = opu.medium.apply(opu.dmd.effective_input(np.zeros((1, n_in), bool)))

    def count_variance(intensity):
        electrons = cam.quantum_efficiency * opu.photon_scale * intensity
        electrons = electrons + cam.dark_current * opu.exposure
        return cam.gain**2 * (electrons + cam.read_noise**2) + 1 / 12

    var = count_variance(opu._intensity(fields, 1.0)) + count_variance(
        opu._intensity(fields, opu.leak))
    cal = count_variance(opu._intensity(dark_fields, 1.0)) + count_variance(
        opu._intensity(dark_fields, opu.leak))
    var = (var + cal / opu.calibration_frames) / opu.counts_per_unit_intensity**2
    ratio = np.mean(error**2) / np.mean(var)
    z = error**2 / var
    tolerance = 5 * np.std(z) / np.sqrt(z.size)
    return Result("measured / predicted readout noise variance", ratio, 1.0, tolerance,
                  "EMVA Standard 1288 Release 4.0 (2021); " + _WANG,
                  note="mean of error^2 over predicted variance; 5 SE of that mean")


@case("opu photon budget")
def photon_budget(size):
    """Mean camera counts of half-ON frames against the photon budget of the preset.

    ``<DN> = offset + K (eta photon_scale <I> + dark t)`` with ``<I> = sum_j a_j**2 / n_in +
    c**2 P_ref`` for an i.i.d. medium (``a`` the mirror amplitudes, ``c`` the leak), as long
    as saturation is negligible (auto exposure fills at most 25 % of the well for the
    brightest frame of the call). ``photon_scale`` is the photon rate of the signal mirrors
    spread over the whole sensor times the call's exposure (``opu.exposure``).
    """
    n_in, n_out, n = (200, 2000, 20) if size == "small" else (1000, 5000, 100)
    # 16 bits over a 10000 e- well: K = 6.6 DN/e-, so the read noise is 16 DN rms; the
    # offset of 200 DN keeps the dark level > 10 sigma above 0 DN, where the ADC would clip
    opu = OPU(n_in, n_out, preset="lighton", seed=11, camera=dict(
        bits=16, full_well=10_000.0, read_noise=2.5, dark_current=10.0,
        quantum_efficiency=0.6, offset=200.0))
    X = _binary(np.random.default_rng(3), n, n_in)
    counts = opu.transform(X).astype(np.float64)
    a = opu.dmd.effective_input(X).astype(np.float64)
    intensity = (a**2).sum(axis=1, keepdims=True) / n_in + opu.leak**2 * opu.reference_ratio / 2
    cam = opu.camera
    electrons = cam.quantum_efficiency * opu.photon_scale * intensity
    expected = cam.offset + cam.gain * (electrons + cam.dark_current * opu.exposure)
    ratio = counts.mean() / expected.mean()
    # speckle: each pixel's count is ~exponential around its mean: relative SE ~ 1/sqrt(N)
    tolerance = 5 * counts.std() / np.sqrt(counts.size) / counts.mean()
    return Result("mean DN / photon-budget prediction", ratio, 1.0, tolerance,
                  "EMVA Standard 1288 Release 4.0 (2021); photon energy h c / lambda",
                  note="5 SE over pixels and frames")


@case("opu drift on the optical clock")
def drift_on_the_optical_clock(size):
    """The feedback matrix decorrelates as ``exp(-2 dt / tau)`` over optical time ``dt``.

    The medium ages by ``rho = exp(-dt / tau)`` for the frames shown (``T <- rho T +
    sqrt(1 - rho**2) W``) and the reference field ``s``, which crosses the same medium, too;
    ``B ~ Re(conj(s) T)`` is a product of both, so its correlation is ``rho**2`` (for
    independent circular Gaussian ``s`` and ``T``: ``E[B B'] = rho**2 E[B**2]``). Three
    elapsed times, one OPU each.
    """
    n_in, n_out = (60, 800) if size == "small" else (200, 4000)
    tau = 1.0
    results = []
    for frames in (144, 720, 1440):  # 0.1, 0.5 and 1 s at 1440 frames/s
        opu = OPU(n_in, n_out, preset="ideal", seed=frames, decorrelation_time=tau)
        before = opu.effective_matrix()
        opu.transform(np.zeros((frames, n_in), dtype=bool))
        opu.transform(np.zeros((1, n_in), dtype=bool))  # the medium ages at this call
        after = opu.effective_matrix()
        corr = float(np.sum(before * after) / np.sqrt(np.sum(before**2) * np.sum(after**2)))
        dt = frames / opu.frame_rate
        expected = float(np.exp(-2 * dt / tau))
        # correlation estimated over m entries of (nearly) Gaussian pairs: SE ~ (1 - r**2) /
        # sqrt(m); rows share the reference amplitude |s_k|, so count pixels, not entries
        se = (1 - expected**2) / np.sqrt(n_out) + 1 / np.sqrt(before.size)
        results.append(Result(
            f"corr(B before, B after {dt:g} s) at tau = {tau:g} s", corr, expected, 5 * se,
            "medium drift T <- rho T + sqrt(1 - rho^2) W with rho = exp(-dt / tau) "
            "(Ornstein-Uhlenbeck decorrelation); " + _WANG,
            note="5 x the SE of a correlation coefficient over the pixels"))
    return results


@case("opu temporal noise of the bench")
def temporal_noise(size):
    """Frame-to-frame laser power noise and reference phase jitter against closed forms.

    * Power: the intensity of frame ``f`` is multiplied by a log-normal factor of mean 1 and
      relative rms ``sigma_P``; measured on an ideal detector as the ratio to the same
      frames without noise.
    * Phase: the reference ``s exp(i phi_f)`` turns the holographic cross term into ``2
      Re(conj(s) exp(-i phi_f) T x)``; its regression on ``X B^T`` is ``E[cos phi] =
      exp(-sigma_phi**2 / 2)`` for Gaussian ``phi`` (the calibration ``|s|**2`` does not
      depend on the phase).
    """
    n = 2000 if size == "small" else 20000
    sigma_p, sigma_phi = 0.05, 0.6
    x = np.ones((n, 20), dtype=bool)
    quiet = OPU(20, 30, preset="ideal", seed=1).transform(x).astype(np.float64)
    noisy = OPU(20, 30, preset="ideal", seed=1, power_noise=sigma_p).transform(x)
    factor = (noisy / quiet)[:, 0]
    rng = np.random.default_rng(0)
    X = rng.random((n, 40)) < 0.5
    opu = OPU(40, 60, preset="ideal", seed=4, phase_jitter=sigma_phi, calibration_frames=256)
    exact = X @ opu.effective_matrix().T
    y = opu.linear_transform(X)
    gain = float(np.sum(y * exact) / np.sum(exact * exact))
    # per frame, gain_f = cos(phi_f) up to the quadrature term; SE of the mean over frames
    per_frame = np.sum(y * exact, axis=1) / np.sum(exact * exact, axis=1)
    gain_se = float(per_frame.std(ddof=1) / np.sqrt(n))
    citation = ("log-normal factor of mean 1: E = 1, Var = exp(s^2) - 1; Gaussian phase: "
                "E[cos phi] = exp(-sigma^2 / 2)")
    return [
        Result("laser power factor: mean", float(factor.mean()), 1.0,
               5 * sigma_p / np.sqrt(n), citation, note="5 SE of the mean over frames"),
        Result("laser power factor: relative rms", float(factor.std(ddof=1)), sigma_p,
               5 * sigma_p / np.sqrt(2 * n), citation, note="5 SE of a Gaussian std"),
        Result(f"holographic gain under {sigma_phi} rad phase jitter", gain,
               float(np.exp(-sigma_phi**2 / 2)), 5 * gain_se, citation,
               note="regression of the readout on X B^T; 5 SE over frames"),
    ]


@case("opu light per pixel")
def light_per_pixel(size):
    """Photons per pixel do not depend on how many pixels are read (region of interest).

    The signal light spreads over the whole sensor (``sensor_shape``); reading 50 or 5000 of
    its pixels measures the same mean photons per pixel of half-ON frames, equal to the
    budget ``photon_rate * exposure * <I>``. Speckle makes a pixel's intensity exponential,
    so the SE of the mean over ``m`` pixels is about ``mean / sqrt(m)`` (frames sharing half
    their mirrors are correlated: count pixels only).
    """
    n_in = 300
    x = np.random.default_rng(4).random((64, n_in)) < 0.5
    results = []
    for n_out in ((500, 2000) if size == "small" else (2000, 20000)):
        opu = OPU(n_in, n_out, preset="lighton", seed=1, exposure=5e-4)
        opu.transform(x)
        budget = opu.photon_rate * 5e-4 * float(opu.mean_intensity(x, opu.leak).mean())
        measured = opu.frame_stats.photons_per_pixel
        results.append(Result(
            f"mean photons / pixel, {n_out} pixels read", measured, budget,
            5 * budget / np.sqrt(n_out), "photon energy h c / lambda; light spread over the "
            "1088 x 2040 sensor of lightonml's device table", unit="photons",
            note="5 SE over the pixels read (exponential speckle)"))
    return results
