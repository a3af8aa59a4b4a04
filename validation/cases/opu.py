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
