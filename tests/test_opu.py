"""The OPU: composition, holographic readout identities, cost model, drift and bad input."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import validation
from lightsim import OPU, GaussianMedium, _kernels
from lightsim.media import Medium
from lightsim.presets import PLANCK, PRESETS, SPEED_OF_LIGHT, OPUConfig


def _binary(seed, n, n_in, p=0.5):
    return np.random.default_rng(seed).random((n, n_in)) < p


@pytest.mark.parametrize("name", ["holography noise-free", "two-frame holography bias",
                                  "holography noise budget", "opu photon budget",
                                  "opu drift on the optical clock",
                                  "opu temporal noise of the bench", "opu light per pixel"])
def test_validation_cases(name):
    for result in validation.run_case(name, "small"):
        assert result.passed, result


def test_lighton_quickstart_gives_physical_counts():
    opu = OPU(1000, 2000, preset="lighton", seed=1)
    x = _binary(0, 8, 1000)
    y = opu.transform(x)
    assert y.dtype == np.uint8 and y.shape == (8, 2000)
    # the light of 1000 of the DMD's 1.04e6 mirrors spread over a 2.2 Mpixel sensor: the
    # exposure is capped at the frame period (the well cannot be filled to a quarter) and
    # a half-ON frame gets tens of photons per pixel, about one DN above the dark level
    assert opu.exposure == pytest.approx(1 / opu.frame_rate)
    stats = opu.last_frame_stats
    assert 10 < stats.photons_per_pixel < 100 and stats.saturated == 0
    assert opu.camera.offset < y.mean() < opu.camera.offset + 5
    z = opu.linear_transform(x)
    assert z.shape == (8, 2000) and z.dtype == np.float64
    B = opu.effective_matrix()
    exact = x @ B.T
    # at about 1 DN of signal the 8-bit camera quantises coarsely: the projection is still
    # correlated with X B^T (0.82 measured), and with 100x the light it is close to it
    assert np.corrcoef(z.ravel(), exact.ravel())[0, 1] > 0.6
    bright = OPU(1000, 2000, preset="lighton", seed=1, laser_power=0.1)
    z = bright.linear_transform(x)
    assert np.corrcoef(z.ravel(), exact.ravel())[0, 1] > 0.95


def test_ideal_transform_is_exact_intensity():
    opu = OPU(50, 80, preset="ideal", seed=2)
    x = _binary(1, 6, 50)
    T = opu.medium.matrix().astype(np.complex128)
    expected = np.abs(x @ T.T) ** 2  # infinite contrast: OFF mirrors and reference are dark
    np.testing.assert_allclose(opu.transform(x), expected, rtol=2e-5, atol=1e-7)


@settings(max_examples=10)
@given(seed=st.integers(0, 2**31), grains=st.integers(1, 3),
       contrast=st.sampled_from([10.0, 1000.0, np.inf]),
       dead=st.sampled_from([0.0, 0.05]), normalize=st.booleans())
def test_noise_free_readout_is_effective_matrix(seed, grains, contrast, dead, normalize):
    opu = OPU(40, 30, preset="ideal", seed=seed, grains=grains, contrast=contrast,
              dead_fraction=dead, normalize_rows=normalize)
    x = _binary(seed, 5, 40)
    exact = x @ opu.effective_matrix().T
    scale = np.sqrt(np.mean(exact**2))
    np.testing.assert_allclose(opu.linear_transform(x), exact, atol=1e-4 * scale)
    e = np.random.default_rng(seed).choice([-1, 0, 1], size=(5, 40)).astype(np.int8)
    np.testing.assert_allclose(opu.linear_transform(e), e @ opu.effective_matrix().T,
                               atol=1e-4 * scale)


def test_real_input_goes_through_sign_bit_planes():
    opu = OPU(30, 25, preset="ideal", seed=4)
    x = np.random.default_rng(0).standard_normal((4, 30))
    exact = x @ opu.effective_matrix().T
    y = opu.linear_transform(x, n_bits=10)
    # 10-bit quantisation of each sign: error ~ 2^-10 of the full scale per feature
    assert np.max(np.abs(y - exact)) < 5e-3 * np.max(np.abs(exact))
    assert opu.cost.frames == 4 * 10 * 4  # 4 frames (x+, x- with and without reference)
    #                                       per bit plane and sample


def test_effective_matrix_statistics_and_normalisation():
    opu = OPU(400, 500, preset="ideal", seed=5, normalize_rows=True)
    B = opu.effective_matrix()
    # normalised rows: B_kj = 2 Re(e^{-i phi_k} T_kj): Gaussian of variance 2 / n_in
    var = B.var()
    se = var * np.sqrt(2 / B.size)
    assert abs(var - 2 / 400) < 5 * se
    raw = OPU(400, 500, preset="ideal", seed=5).effective_matrix()
    np.testing.assert_allclose(raw / opu.reference_per_pixel[:, None], B, rtol=1e-10)


def test_frames_and_cost_accounting():
    opu = OPU(20, 10, preset="lighton", seed=0, calibration_frames=8)
    x = _binary(0, 3, 20)
    opu.transform(x)
    assert opu.cost.frames == 3 and opu.cost.calibration_frames == 0
    opu.linear_transform(x)
    assert opu.cost.calibration_frames == 16 and opu.cost.frames == 3 + 6
    opu.linear_transform(x.astype(np.int8) - _binary(1, 3, 20), encoding="ternary")
    assert opu.cost.frames == 9 + 12
    cost = opu.cost
    assert cost.optical_time == pytest.approx(cost.total_frames / PRESETS["lighton"]["frame_rate"])
    assert cost.optical_energy == pytest.approx(cost.optical_time * 30.0)
    assert cost.summary()["calls"] == 3
    two = OPU(20, 10, preset="lighton", seed=0, holography="2-frame")
    two.linear_transform(x.astype(np.int8) - _binary(1, 3, 20), encoding="ternary")
    assert two.cost.frames == 6


def test_photon_scale_from_first_principles():
    """Light of the signal mirrors spread over the whole 1088 x 2040 sensor."""
    opu = OPU(1000, 500, preset="lighton", seed=0, exposure=1e-4)
    photon_energy = PLANCK * SPEED_OF_LIGHT / 532e-9
    per_mirror = 1e-3 / (912 * 1140) * 1e-4 * 0.1 / photon_energy
    assert opu.photon_scale == pytest.approx(per_mirror * 1000 / (1088 * 2040), rel=1e-12)
    assert opu.exposure == 1e-4
    opu.transform(_binary(0, 2, 1000))
    assert opu.frame_stats.mean_exposure == 1e-4  # a fixed exposure stays fixed


@settings(max_examples=10, deadline=None)
@given(n_small=st.integers(1, 50), n_large=st.integers(51, 3000), grains=st.integers(1, 3))
def test_light_per_pixel_does_not_depend_on_the_pixels_read(n_small, n_large, grains):
    """The read pixels are a region of interest of the sensor: same photons per pixel."""
    small = OPU(40, n_small, preset="lighton", seed=0, grains=grains)
    large = OPU(40, n_large, preset="lighton", seed=0, grains=grains)
    assert small.photon_rate == large.photon_rate
    x = np.ones((1, 40), bool)
    assert small.mean_intensity(x, 1.0) == large.mean_intensity(x, 1.0)
    with pytest.raises(ValueError, match="sensor"):
        OPU(4, 1088 * 2040 + 1, preset="lighton", sensor_shape=(1088, 2040))


def test_auto_exposure_follows_the_frames_shown():
    """Fewer ON mirrors -> longer exposure (capped at the frame period), same well fill."""
    opu = OPU(300, 2000, preset="lighton", seed=0, laser_power=10.0)
    bright = np.ones((4, 300), bool)
    dim = np.zeros((4, 300), bool)
    dim[:, :30] = True
    opu.transform(bright)
    t_bright = opu.last_frame_stats.mean_exposure
    opu.transform(dim)
    t_dim = opu.last_frame_stats.mean_exposure
    ratio = opu.mean_intensity(bright[:1], opu.leak)[0] / opu.mean_intensity(dim[:1], opu.leak)[0]
    assert t_dim / t_bright == pytest.approx(ratio, rel=1e-9)
    assert opu.frame_stats.frames == 8
    starved = OPU(300, 2000, preset="lighton", seed=0, laser_power=1e-6)
    starved.transform(dim)
    assert starved.last_frame_stats.mean_exposure == pytest.approx(1 / starved.frame_rate)


def test_auto_exposure_controls_saturation():
    low = OPU(300, 2000, preset="lighton", seed=0, laser_power=10.0)
    high = OPU(300, 2000, preset="lighton", seed=0, laser_power=10.0, fill=3.0)
    x = np.ones((4, 300), bool)
    top = low.camera.max_code
    assert np.mean(low.transform(x) == top) < 0.05
    assert np.mean(high.transform(x) == top) > 0.3
    assert high.exposure > low.exposure
    assert low.last_frame_stats.saturated_fraction < 0.05
    assert high.last_frame_stats.saturated_fraction > 0.3


def test_readout_is_exposure_independent():
    """A call at another exposure converts back with its own exposure: same projection."""
    x = _binary(2, 8, 50)
    fixed = OPU(50, 300, preset="lighton", seed=3, camera=dict(bits=16, full_well=1e6,
                                                               read_noise=0.0, noise=False),
                laser_power=1e3, fill=0.02)  # exponential speckle: keep its tail unsaturated
    y_bright = fixed.linear_transform(x)
    y_dim = fixed.linear_transform(np.concatenate([x, np.zeros((8, 50), bool)]))[:8]
    exact = x @ fixed.effective_matrix().T
    scale = np.abs(exact).max()
    np.testing.assert_allclose(y_bright, exact, atol=2e-3 * scale)
    np.testing.assert_allclose(y_dim, exact, atol=2e-3 * scale)


def test_switched_off_temporal_noise_and_drift_change_nothing():
    """power_noise=0, phase_jitter=0 and decorrelation_time=inf are the plain instrument."""
    x = _binary(5, 6, 30).astype(np.int8) - _binary(6, 6, 30)
    plain = OPU(30, 40, preset="lighton", seed=2)
    off = OPU(30, 40, preset="lighton", seed=2, power_noise=0.0, phase_jitter=0.0,
              decorrelation_time=np.inf)
    np.testing.assert_array_equal(plain.linear_transform(x), off.linear_transform(x))
    np.testing.assert_array_equal(plain.transform(x > 0), off.transform(x > 0))


def test_power_noise_scales_each_frame_whatever_the_batches():
    """Ideal detector: frame f's intensity times its own factor (statistics: validation)."""
    x = np.ones((4000, 20), bool)
    quiet = OPU(20, 30, preset="ideal", seed=1)
    noisy = OPU(20, 30, preset="ideal", seed=1, power_noise=0.05)
    noisy_frames = noisy.transform(x)
    ratio = noisy_frames.astype(np.float64) / quiet.transform(x)
    per_frame = ratio[:, 0]
    np.testing.assert_allclose(ratio, np.broadcast_to(per_frame[:, None], ratio.shape),
                               rtol=1e-5)  # one factor per frame
    assert per_frame.std() > 0.01
    # frame f's factor does not depend on how the frames are batched
    again = OPU(20, 30, preset="ideal", seed=1, power_noise=0.05)
    split = np.concatenate([again.transform(x[:1000]), again.transform(x[1000:])])
    np.testing.assert_allclose(split, noisy_frames, rtol=1e-5)  # GEMM blocking: float32 ulps


def test_drift_runs_on_the_optical_clock():
    """rho = exp(-dt / tau) for the optical time dt of the frames shown since the last call."""
    tau = 0.0125  # s: 18 frames at 1440 Hz
    x = _binary(1, 18, 50)
    opu = OPU(50, 400, preset="ideal", seed=3, decorrelation_time=tau)
    static = OPU(50, 400, preset="ideal", seed=3)
    opu.transform(x)  # 18 frames: 0.0125 s on the optical clock, the medium is still fresh
    assert opu.optical_clock == pytest.approx(0.0125)
    np.testing.assert_array_equal(opu.effective_matrix(), static.effective_matrix())
    B0 = opu.effective_matrix()
    opu.transform(x[:1])  # ages by rho = exp(-1) first
    B1 = opu.effective_matrix()
    assert not np.array_equal(B0, B1)  # the law of the correlation: validation case
    assert opu.medium.drift_rho[-1] == pytest.approx(np.exp(-1.0))


def test_same_seed_same_numbers_bit_for_bit():
    x = _binary(3, 4, 60)
    a = OPU(60, 70, preset="lighton", seed=9)
    b = OPU(60, 70, preset="lighton", seed=9)
    np.testing.assert_array_equal(a.transform(x), b.transform(x))
    np.testing.assert_array_equal(a.linear_transform(x), b.linear_transform(x))
    c = OPU(60, 70, preset="lighton", seed=10)
    assert not np.array_equal(a.effective_matrix(), c.effective_matrix())


def test_drift_makes_calibration_stale_and_correlation_rho():
    opu = OPU(300, 400, preset="ideal", seed=1)
    x = _binary(0, 20, 300)
    B0 = opu.effective_matrix()
    opu.linear_transform(x)  # calibrates
    opu.drift(0.9)
    B1 = opu.effective_matrix()
    rho = np.sum(B0 * B1) / np.sqrt(np.sum(B0**2) * np.sum(B1**2))
    # B = 2 Re(conj(s) T): both s and T drift with rho, so B correlates with rho^2
    assert abs(rho - 0.81) < 0.02
    stale = opu.linear_transform(x)
    assert np.max(np.abs(stale - x @ B1.T)) > 1e-3 * np.abs(x @ B1.T).max()
    opu.calibrate()
    fresh = opu.linear_transform(x)
    np.testing.assert_allclose(fresh, x @ B1.T, atol=1e-4 * np.abs(x @ B1.T).max())


def test_custom_medium_is_used():
    medium = GaussianMedium(20, 30, seed=42)
    opu = OPU(20, 30, preset="ideal", medium=medium)
    assert opu.medium is medium


class DenseMedium(Medium):
    """A medium given by its matrix, with a drift that is not of the innovation form.

    Its drift multiplies every entry by a seeded random phase: the OPU must refold.
    """

    kind = "dense-test"

    def __init__(self, matrix, reference_seed=0):
        self.T = np.asarray(matrix, dtype=np.complex64)
        self.n_out, self.n_in = self.T.shape
        self.dtype = self.T.dtype
        self.reference_seed = reference_seed

    def apply(self, X):
        return np.asarray(X, dtype=np.complex64) @ self.T.T

    def adjoint(self, Y):
        return np.asarray(Y, dtype=np.complex64) @ self.T.conj()

    def drift(self, rho, seed):
        phases = np.random.default_rng(seed).uniform(0, 2 * np.pi * (1 - rho), self.T.shape)
        return DenseMedium(self.T * np.exp(1j * phases), self.reference_seed + 1)

    def reference_field(self, power, seed):
        rng = np.random.default_rng([seed, self.reference_seed])
        z = rng.standard_normal((2, self.n_out))
        return (np.sqrt(power / 2) * (z[0] + 1j * z[1])).astype(np.complex64)

    def parameters(self):
        return {"matrix": self.T.copy(), "reference_seed": self.reference_seed}


def _dense(seed, n_out, n_in):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n_out, n_in))
            + 1j * rng.standard_normal((n_out, n_in))) / np.sqrt(2 * n_in)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**31), grains=st.integers(1, 3), macro=st.booleans())
def test_any_medium_drives_the_instrument(seed, grains, macro):
    """A foreign Medium: transform, linear_transform and a drift without innovation()."""
    layout = dict(dmd_shape=(12, 30), macro_pixels=(2, 3)) if macro else {}
    probe = OPU(6, 8, preset="ideal", grains=grains, **layout)
    medium = DenseMedium(_dense(seed, 8 * grains, probe.n_mirrors))
    opu = OPU(6, 8, preset="ideal", seed=seed, grains=grains, medium=medium, **layout)
    x = _binary(seed, 5, 6)
    D = opu.signal_matrix()
    fields = D @ x.T.astype(np.float64) + medium.apply(
        opu.dmd.effective_input(np.zeros((1, opu.n_mirrors), bool)))[0][:, None]
    exact = (np.abs(fields.T.reshape(5, 8, grains)) ** 2).sum(axis=2)
    np.testing.assert_allclose(opu.transform(x), exact, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(opu.linear_transform(x), x @ opu.effective_matrix().T,
                               atol=1e-4 * np.abs(x @ opu.effective_matrix().T).max())
    opu.drift(0.5)
    assert isinstance(opu.medium, DenseMedium) and opu.medium is not medium
    np.testing.assert_array_equal(opu.reference, opu.medium.reference_field(
        opu.reference_ratio / 2, opu._substream(3)))
    if macro:  # refolded from the drifted medium, not updated from an innovation
        np.testing.assert_allclose(opu._fold()[0], opu._fold_of(opu.medium)[0], atol=0)


def test_medium_protocol_is_required():
    with pytest.raises(TypeError, match="lightsim.Medium"):
        OPU(4, 4, medium=np.ones((4, 4)))
    with pytest.raises(TypeError, match="abstract"):
        type("Half", (Medium,), {"apply": lambda self, X: X})()


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(preset="nope"), ValueError, "preset"),
    (dict(bogus=1), TypeError, "bogus"),
    (dict(laser_power=-1.0), ValueError, "laser_power"),
    (dict(transmission=2.0), ValueError, "transmission"),
    (dict(grains=0), ValueError, "grains"),
    (dict(holography="3-frame"), ValueError, "holography"),
    (dict(normalize_rows="yes"), TypeError, "normalize_rows"),
    (dict(camera=3), TypeError, "camera"),
    (dict(medium=GaussianMedium(5, 5)), ValueError, "medium"),
])
def test_bad_construction(kwargs, error, match):
    with pytest.raises(error, match=match):
        OPU(10, 20, **kwargs)


def test_bad_input():
    opu = OPU(10, 20, preset="lighton")
    with pytest.raises(ValueError, match="X"):
        opu.transform(np.ones((2, 11), bool))
    with pytest.raises(ValueError):
        opu.transform(np.full((2, 10), 0.5))
    with pytest.raises(ValueError, match="non-finite"):
        opu.linear_transform(np.full((2, 10), np.nan))
    with pytest.raises(ValueError, match="encoding"):
        opu.linear_transform(np.ones((2, 10)), encoding="gray")
    with pytest.raises(ValueError, match="ternary"):
        opu.linear_transform(np.full((2, 10), 2.0), encoding="ternary")
    with pytest.raises(ValueError, match="rho"):
        opu.drift(1.5)
    with pytest.raises(ValueError, match="n_in"):
        OPU(2_000_000, 10)


def _macro_pair(seed, contrast, dead):
    folded = OPU(6, 25, preset="ideal", seed=seed, dmd_shape=(12, 30), macro_pixels=(3, 4),
                 contrast=contrast, dead_fraction=dead)
    flat = OPU(folded.n_mirrors, 25, preset="ideal", seed=seed, dmd_shape=(12, 30),
               medium=folded.medium, dmd=folded.dmd)
    return folded, flat


@settings(max_examples=10)
@given(seed=st.integers(0, 2**31), contrast=st.sampled_from([20.0, np.inf]),
       dead=st.sampled_from([0.0, 0.1]))
def test_macro_pixel_fold_equals_expanded_mirrors(seed, contrast, dead):
    folded, flat = _macro_pair(seed, contrast, dead)
    assert folded.n_mirrors == 3 * 30  # 6 blocks of 3 x 4 fit in the first 3 rows
    x = _binary(seed, 7, 6)
    expanded = folded.layout.expand(x)
    np.testing.assert_allclose(folded.transform(x), flat.transform(expanded),
                               rtol=1e-4, atol=1e-6)
    B = folded.effective_matrix()
    np.testing.assert_allclose(B, folded.layout.fold(flat.effective_matrix()), atol=1e-6)
    exact = x @ B.T
    np.testing.assert_allclose(folded.linear_transform(x), exact,
                               atol=1e-4 * np.sqrt(np.mean(exact**2)))


def test_macro_pixel_drift_updates_the_fold():
    folded, _ = _macro_pair(3, 100.0, 0.05)
    folded.transform(_binary(0, 2, 6))  # folds
    folded.drift(0.8).drift(0.6)
    d_t, base = folded._fold()
    d_ref, base_ref = folded._fold_of(folded.medium)
    np.testing.assert_allclose(d_t, d_ref, atol=1e-6)
    np.testing.assert_allclose(base, base_ref, atol=1e-6)


def test_macro_pixels_bring_more_light():
    small = OPU(10, 100, preset="lighton", seed=0, macro_pixels=1)
    large = OPU(10, 100, preset="lighton", seed=0, macro_pixels=20, exposure=1e-4)
    small = OPU(10, 100, preset="lighton", seed=0, macro_pixels=1, exposure=1e-4)
    assert large.photon_scale == pytest.approx(small.photon_scale * large.n_mirrors
                                               / small.n_mirrors)
    with pytest.raises(ValueError, match="do not fit"):
        OPU(10, 100, macro_pixels=400)


@settings(max_examples=15)
@given(seed=st.integers(0, 2**31), n=st.integers(1, 6), n_in=st.integers(1, 12),
       pixels=st.tuples(st.integers(1, 4), st.integers(1, 4)),
       grains=st.tuples(st.integers(1, 3), st.integers(1, 3)), alpha=st.floats(0, 2),
       scale=st.floats(1e-3, 1e4))
def test_opu_kernels_agree_with_references(seed, n, n_in, pixels, grains, alpha, scale):
    rng = np.random.default_rng(seed)
    rows, cols = pixels
    gy, gx = grains
    m = rows * cols * gy * gx

    def cplx(*shape):
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(
            np.complex64)

    X = rng.random((n, n_in)) < 0.5
    d_t, base = cplx(n_in, m), cplx(m)
    fast, slow = (np.empty((n, m), np.complex64) for _ in range(2))
    _kernels.affine_fields(X.view(np.uint8), d_t, base, fast)
    _kernels.affine_fields_reference(X, d_t, base, slow)
    np.testing.assert_allclose(fast, slow, rtol=1e-5, atol=1e-5)
    fields, reference = cplx(n, m), cplx(m)
    fast, slow = (np.empty((n, rows * cols), np.float32) for _ in range(2))
    factors = (alpha * np.exp(1j * rng.uniform(0, 2 * np.pi, n))).astype(np.complex64)
    scales = (scale * rng.uniform(0.5, 1.5, n)).astype(np.float32)
    _kernels.speckle_photons(fields, reference, factors, scales, gy, gx, cols * gx, fast)
    _kernels.speckle_photons_reference(fields, reference, factors, scales, gy, gx, cols * gx,
                                       slow)
    np.testing.assert_allclose(fast, slow, rtol=1e-5, atol=1e-6 * scale)


# ---------------------------------------------------------------------------- configuration


def test_partial_camera_dict_overrides_the_preset_camera():
    """The README's keyword: bits and read noise change, the rest stays the preset's."""
    opu = OPU(10, 10, camera=dict(bits=4, read_noise=10))
    preset = PRESETS["lighton"]["camera"]
    assert (opu.camera.bits, opu.camera.read_noise) == (4, 10)
    assert opu.camera.quantum_efficiency == preset["quantum_efficiency"]
    assert opu.camera.full_well == preset["full_well"]
    assert opu.camera.black_level == pytest.approx(preset["black_level"])
    assert opu.config.camera == {**preset, "bits": 4, "read_noise": 10}
    with_offset = OPU(10, 10, camera=dict(offset=7.0))  # replaces the preset's black level
    assert with_offset.camera.offset == 7.0 and "black_level" not in with_offset.config.camera
    ideal = OPU(10, 10, preset="ideal", camera=dict(bits=12))  # no preset camera to keep
    assert ideal.camera.bits == 12 and ideal.config.camera == {"bits": 12}
    assert OPU(10, 10, camera=None).camera is None


def test_configuration_is_one_frozen_source():
    opu = OPU(10, 12, preset="lighton", laser_power=2e-3, grains=2)
    assert opu.laser_power == opu.config.laser_power == 2e-3 and opu.grains == 2
    with pytest.raises(AttributeError, match="configuration"):
        opu.laser_power = 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        opu.config.laser_power = 1.0
    brighter = dataclasses.replace(opu.config, laser_power=4e-3)
    assert OPU(10, 12, **brighter.options(), camera=brighter.camera).laser_power == 4e-3
    with pytest.raises(ValueError, match="laser_power"):
        dataclasses.replace(opu.config, laser_power=-1.0)
    assert OPUConfig.from_preset("ideal") == OPU(3, 3, preset="ideal").config


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**16), contrast=st.sampled_from([np.inf, 1000.0, 20.0]))
def test_transform_is_the_affine_speckle_of_signal_matrix_and_background_field(seed, contrast):
    """Noise-free, one grain per pixel: transform(x) = |D x + b|^2, the model of the
    intensity-only calibrations (lightsim.phasing)."""
    opu = OPU(12, 9, preset="ideal", camera=None, seed=seed, contrast=contrast)
    x = np.random.default_rng(seed).random((6, 12)) < 0.5
    model = np.abs(x @ opu.signal_matrix().T + opu.background_field()) ** 2
    np.testing.assert_allclose(opu.transform(x), model, rtol=1e-5, atol=1e-7)


def test_cost_wall_time_counts_each_call_once(monkeypatch):
    """The first linear_transform calibrates in its own call: its wall time must be booked
    once (it was booked twice: 9.2 s for a 4.6 s call). With a clock that advances by one
    unit per reading, each call (calibration, projection, transform) books exactly 1."""
    import lightsim.opu as opu_module

    ticks = iter(range(10**6))
    monkeypatch.setattr(opu_module.time, "perf_counter", lambda: float(next(ticks)))
    opu = OPU(20, 30, seed=0)
    x = _binary(0, 4, 20)
    opu.linear_transform(x)
    opu.transform(x)
    assert opu.cost.calls == 2 and opu.cost.calibration_frames > 0  # calibration: own call
    assert opu.cost.wall_time == 3.0


_THREADS_CHILD = """
import sys, numpy as np
from lightsim import OPU
opu = OPU(300, 400, preset=sys.argv[1], seed=3,
          **({} if sys.argv[1] == "ideal" else dict(laser_power=1.0)))
x = np.random.default_rng(0).random((32, 300)) < 0.5
np.save(sys.argv[2], opu.transform(x))
"""


@pytest.mark.parametrize("preset", ["ideal", "lighton"])
def test_what_the_thread_count_changes(tmp_path, preset):
    """The README's promise: bit-identical for the same seed and thread count (across
    processes); across BLAS / Numba thread counts the GEMM's reduction order changes, so
    intensities agree to float32 rounding and camera counts by at most 1 DN, rarely."""
    import os
    import subprocess
    import sys

    runs = {}
    for name, threads in (("one", "1"), ("one again", "1"), ("two", "2")):
        env = dict(os.environ, OMP_NUM_THREADS=threads, OPENBLAS_NUM_THREADS=threads,
                   MKL_NUM_THREADS=threads, NUMBA_NUM_THREADS=threads)
        path = tmp_path / f"{name}.npy"
        subprocess.run([sys.executable, "-c", _THREADS_CHILD, preset, str(path)], env=env,
                       check=True)
        runs[name] = np.load(path)
    np.testing.assert_array_equal(runs["one"], runs["one again"])
    one, two = runs["one"].astype(np.float64), runs["two"].astype(np.float64)
    if preset == "ideal":
        np.testing.assert_allclose(one, two, rtol=0, atol=1e-5 * one.mean())
    else:
        assert np.abs(one - two).max() <= 1 and np.mean(one != two) <= 1e-3


@pytest.mark.parametrize("camera", [dict(), dict(bits=12), None])
def test_cross_term_equals_the_holographic_difference_of_its_frames(camera):
    """The integer path for camera counts gives, bit for bit, I(x + r) - I(x + c r) - C of
    the same frames in float64 (lightsim.holography.reference_projection)."""
    from lightsim.holography import reference_projection

    kw = {} if camera == {} else {"camera": camera}
    opu = OPU(12, 40, seed=1, laser_power=1.0, **kw)
    rows = _binary(3, 16, 12)
    opu.calibrate()
    exposure = opu.exposure
    saved = opu.state()
    fast = opu.cross_term(rows, exposure)
    opu.restore(saved)
    with_ref = opu.reference_on(rows, exposure)
    without = opu.reference_off(rows, exposure)
    calibration = opu.calibration * opu.counts_per_unit_intensity_at(exposure)
    np.testing.assert_array_equal(fast, reference_projection(with_ref, without, calibration))


def test_normal_shot_noise_that_reaches_no_pixel_changes_no_output():
    """The whole instrument: the approximation switched on above every pixel's mean count
    leaves transform and linear_transform bit for bit."""
    X = _binary(7, 20, 16)
    exact = OPU(16, 50, seed=4)
    approximate = OPU(16, 50, seed=4, camera=dict(normal_shot_noise_above=1e12))
    np.testing.assert_array_equal(approximate.transform(X), exact.transform(X))
    np.testing.assert_array_equal(approximate.linear_transform(X), exact.linear_transform(X))
