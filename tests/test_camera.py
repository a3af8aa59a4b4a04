"""Tests of lightsim.camera: kernel = reference, exact noise-free chain, noise statistics."""

from __future__ import annotations

import numba
import numpy as np
import pytest
import scipy.special
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

import validation
from lightsim import _kernels
from lightsim.camera import Camera, PhotonTransfer, photon_transfer
from validation.cases.camera import normal_count_ks


def reference_capture(camera, photons):
    """What ``camera.capture(photons)`` returns, computed by the NumPy reference kernel."""
    flat, shape = camera._prepare(photons, camera.exposure)
    out = np.empty(flat.size, dtype=camera.dtype)
    _kernels.camera_chain_reference(flat, *camera._kernel_arguments(camera.exposure), out)
    return out.reshape(shape)


def poisson_camera(**kwargs):
    """DN = electrons exactly: unit gain, no read noise, no dark current, deep well."""
    return Camera(**dict(dict(bits=16, full_well=60_000.0, gain=1.0, read_noise=0.0,
                              dark_current=0.0), **kwargs))


# ---------------------------------------------------------------------------- kernel

MEANS = st.one_of(
    st.just(0.0),
    st.floats(0.0, 1e-3),
    st.floats(0.0, 9.999),
    st.floats(9.5, 10.5),
    st.floats(10.0, 1e3),
    st.floats(1e3, 1e7),
)


@given(
    photons=st.lists(MEANS, min_size=0, max_size=40),
    bits=st.integers(1, 16),
    gain=st.one_of(st.none(), st.floats(1e-3, 1e3)),
    read_noise=st.one_of(st.just(0.0), st.floats(0.0, 50.0)),
    offset=st.floats(0.0, 100.0),
    qe=st.floats(0.01, 1.0),
    dark_current=st.floats(0.0, 1e4),
    seed=st.integers(0, 2**64 - 1),
    capture_index=st.integers(0, 2**40),
    noise=st.booleans(),
    double=st.booleans(),
    normal_above=st.one_of(st.none(), st.floats(10.0, 1e4)),
)
def test_kernel_matches_reference(photons, bits, gain, read_noise, offset, qe, dark_current,
                                  seed, capture_index, noise, double, normal_above):
    camera = Camera(bits=bits, full_well=5e5, gain=gain, read_noise=read_noise, offset=offset,
                    quantum_efficiency=qe, dark_current=dark_current, seed=seed, noise=noise,
                    normal_shot_noise_above=normal_above)
    photons = np.array(photons, dtype=np.float64 if double else np.float32)
    camera.reset(capture_index)
    expected = reference_capture(camera, photons)
    np.testing.assert_array_equal(camera.capture(photons), expected)


def test_kernel_matches_reference_fine_gain():
    """A gain of 2**14 DN/e- resolves 1e-4 electron: kernel and reference floats agree."""
    rng = np.random.default_rng(3)
    photons = np.concatenate([rng.uniform(0, 12, 300), rng.exponential(50, 300)])
    camera = Camera(bits=16, full_well=3.9, gain=2.0**14, read_noise=1.0, dark_current=0.0)
    expected = reference_capture(camera, photons / 100)
    np.testing.assert_array_equal(camera.capture(photons / 100), expected)


def test_log_factorial_matches_lgamma():
    k = np.arange(0, 2000, dtype=np.float64)
    ours = np.array([_kernels._log_factorial.py_func(x) for x in k])
    exact = scipy.special.gammaln(k + 1)
    np.testing.assert_allclose(ours, exact, rtol=1e-14, atol=1e-12)


def test_unit_circle_matches_cos_sin():
    u = np.concatenate([np.random.default_rng(1).uniform(0, 1, 20_000),
                        np.arange(1, 9) / 8, [2.0**-53, 0.125 + 2.0**-50]])
    pairs = np.array([_kernels._unit_circle.py_func(float(x)) for x in u])
    np.testing.assert_allclose(pairs[:, 0], np.cos(2 * np.pi * u), rtol=0, atol=2e-15)
    np.testing.assert_allclose(pairs[:, 1], np.sin(2 * np.pi * u), rtol=0, atol=2e-15)


# ---------------------------------------------------------------------------- randomness


def test_same_seed_same_frames_and_successive_captures_differ():
    photons = np.full((3, 16, 16), 200.0, dtype=np.float32)
    a, b = Camera(seed=7), Camera(seed=7)
    first = [a.capture(photons) for _ in range(3)]
    second = [b.capture(photons) for _ in range(3)]
    for x, y in zip(first, second):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(first[0], first[1])
    assert not np.array_equal(first[0], Camera(seed=8).capture(photons))
    a.reset()
    np.testing.assert_array_equal(a.capture(photons), first[0])
    a.reset(2)
    np.testing.assert_array_equal(a.capture(photons), first[2])
    assert a.capture_index == 3


@pytest.mark.parametrize("normal_above", [None, 30.0])
def test_thread_count_does_not_change_frames(normal_above):
    """Exact or approximated shot noise: the same frames bit for bit on 1 or all threads."""
    photons = np.random.default_rng(0).exponential(100.0, 10_001)
    threads = numba.get_num_threads()
    camera = Camera(seed=11, normal_shot_noise_above=normal_above)
    try:
        numba.set_num_threads(1)
        single = camera.capture(photons)
    finally:
        numba.set_num_threads(threads)
    camera.reset()
    np.testing.assert_array_equal(camera.capture(photons), single)


@given(threshold=st.floats(10.0, 1e6), seed=st.integers(0, 2**64 - 1))
@settings(max_examples=25, deadline=None)
def test_an_approximation_no_pixel_reaches_changes_nothing(threshold, seed):
    """Switched on above every pixel's mean, the normal approximation leaves the exact
    frames bit for bit (the shot-noise normals are drawn only for approximated pairs)."""
    photons = np.random.default_rng(2).uniform(0.0, 0.99 * threshold, 2001)
    exact = Camera(seed=seed, quantum_efficiency=1.0, dark_current=0.0)
    approximate = Camera(seed=seed, quantum_efficiency=1.0, dark_current=0.0,
                         normal_shot_noise_above=threshold)
    np.testing.assert_array_equal(approximate.capture(photons), exact.capture(photons))


@pytest.mark.parametrize("mean", [10.0, 30.0, 300.0])
def test_normal_shot_noise_has_the_poisson_moments_and_cdf(mean):
    """Mean and variance of the Poisson (variance + 1/18 + 1/12 from the skew term and the
    rounding), third central moment ``mean``, and a KS distance within its closed form."""
    n = 400_000
    camera = poisson_camera(seed=5, normal_shot_noise_above=10.0)
    counts = camera.capture(np.full(n, mean)).astype(np.float64)
    centred = counts - counts.mean()
    assert abs(counts.mean() - mean) < 5 * np.sqrt(mean / n)
    variance_se = np.std(centred**2) / np.sqrt(n)
    assert abs(counts.var() - (mean + 1 / 18 + 1 / 12)) < 5 * variance_se
    third_se = np.std(centred**3) / np.sqrt(n)
    assert abs(np.mean(centred**3) - mean) < 5 * third_se
    k = np.arange(int(mean + 10 * np.sqrt(mean)) + 10)
    empirical = np.searchsorted(np.sort(counts), k, side="right") / n
    distance = np.max(np.abs(empirical - scipy.stats.poisson.cdf(k, mean)))
    assert distance < normal_count_ks(mean) + 1.63 / np.sqrt(n)


def test_normal_shot_noise_is_refused_below_its_validated_range():
    for bad in (5.0, 9.99, -1.0):
        with pytest.raises(ValueError, match="normal_shot_noise_above"):
            Camera(normal_shot_noise_above=bad)
    with pytest.raises(TypeError, match="normal_shot_noise_above"):
        Camera(normal_shot_noise_above="30")
    with pytest.raises(ValueError, match="normal_shot_noise_above"):
        Camera(normal_shot_noise_above=float("inf"))


def test_parameters_rebuild_identical_camera():
    camera = Camera(bits=12, full_well=2e4, read_noise=3.0, dark_current=5.0, offset=4.5,
                    quantum_efficiency=0.7, exposure=2e-3, binning=(1, 2), seed=99)
    clone = Camera(**camera.parameters())
    assert clone.parameters() == camera.parameters()
    assert set(camera.parameters()) == {
        "bits", "full_well", "read_noise", "dark_current", "gain", "offset",
        "quantum_efficiency", "exposure", "binning", "seed", "noise",
        "normal_shot_noise_above"}
    assert camera.gain == pytest.approx(4095 / 2e4)
    photons = np.full((2, 8, 8), 1000.0)
    np.testing.assert_array_equal(camera.capture(photons), clone.capture(photons))
    assert "binning=(1, 2)" in repr(camera)


def test_parameters_are_read_only():
    camera = Camera()
    with pytest.raises(AttributeError):
        camera.gain = 2.0


# ---------------------------------------------------------------------------- noise-free chain


def test_noise_free_exact_values():
    # mu_e = 0.5 * photons + 100 e-/s * 0.01 s; DN = rint(0.25 * clip(mu_e, 0, 2000) + 2)
    camera = Camera(bits=10, full_well=2000.0, gain=0.25, offset=2.0, quantum_efficiency=0.5,
                    dark_current=100.0, exposure=0.01, noise=False)
    photons = np.array([0.0, 3.0, 18.0, 26.0, 1000.0, 3998.0, 1e9])
    # mu_e:             1     2.5   10    14    501     2000    clipped to 2000
    # 0.25 mu_e + 2:    2.25  2.625 4.5   5.5   127.25  502     502
    expected = np.array([2, 3, 4, 6, 127, 502, 502], dtype=np.uint16)  # half to even
    out = camera.capture(photons)
    assert out.dtype == np.uint16
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(camera.mean_electrons(photons)[:5], [1, 2.5, 10, 14, 501])


def test_noise_free_top_code_clip():
    camera = Camera(bits=8, full_well=2000.0, gain=0.25, offset=2.0, dark_current=0.0,
                    noise=False)
    out = camera.capture(np.array([100.0, 1012.0, 1013.0, 1e6], dtype=np.float32))
    np.testing.assert_array_equal(out, [27, 255, 255, 255])  # 0.25*1012 + 2 = 255
    assert out.dtype == np.uint8


@given(photons=st.lists(st.floats(0.0, 1e5), min_size=1, max_size=30),
       offset=st.floats(0.0, 50.0), gain=st.floats(1e-3, 10.0))
def test_noise_free_capture_is_rounded_expected_dn(photons, offset, gain):
    camera = Camera(bits=12, gain=gain, offset=offset, noise=False)
    expected = np.rint(camera.expected_dn(photons))
    np.testing.assert_array_equal(camera.capture(photons), expected)


def test_binning_sums_photons_before_detection():
    rng = np.random.default_rng(4)
    photons = rng.uniform(0, 400, (2, 4, 6))
    camera = Camera(bits=16, full_well=1e4, gain=7.0, offset=1.0, quantum_efficiency=0.8,
                    dark_current=50.0, exposure=0.02, binning=(2, 3), noise=False)
    out = camera.capture(photons)
    assert out.shape == (2, 2, 2)
    for f in range(2):
        for r in range(2):
            for c in range(2):
                total = photons[f, 2 * r:2 * r + 2, 3 * c:3 * c + 3].sum()
                electrons = min(0.8 * total + 50.0 * 0.02, 1e4)
                assert out[f, r, c] == min(round(7.0 * electrons + 1.0), 65535)
    assert Camera(binning=2).capture(np.zeros((4, 6))).shape == (2, 3)


def test_empty_and_integer_input():
    camera = Camera(noise=False)
    out = camera.capture(np.zeros((0, 5)))
    assert out.shape == (0, 5) and out.dtype == np.uint8
    np.testing.assert_array_equal(camera.capture(np.array([[10, 300]])),
                                  camera.capture(np.array([[10.0, 300.0]])))


@pytest.mark.parametrize("bits, dtype", [(1, np.uint8), (8, np.uint8), (9, np.uint16),
                                         (12, np.uint16), (16, np.uint16)])
def test_dtype_and_max_code(bits, dtype):
    camera = Camera(bits=bits)
    assert camera.dtype == np.dtype(dtype) and camera.max_code == 2**bits - 1
    out = camera.capture(np.array([0.0, 1e12]))
    assert out.dtype == np.dtype(dtype)
    assert out[1] == 2**bits - 1


# ---------------------------------------------------------------------------- statistics


@pytest.mark.parametrize("mean", [0.05, 0.7, 4.0, 9.99, 10.0, 37.5, 800.0, 20_000.0])
def test_poisson_mean_and_variance(mean):
    n = 200_000
    x = poisson_camera(seed=int(mean * 100)).capture(np.full(n, mean)).astype(np.float64)
    assert abs(x.mean() - mean) <= 5 * np.sqrt(mean / n)
    # Var of the sample variance of a Poisson law: (mu4 - sigma**4) / n = (lambda + 2 lambda**2) / n
    assert abs(x.var(ddof=1) - mean) <= 5 * np.sqrt((mean + 2 * mean**2) / n)


@pytest.mark.parametrize("mean", [3.5, 9.0, 10.0, 25.0, 140.0])
def test_poisson_distribution_chi_square(mean):
    """Goodness of fit on the whole pmf (catches errors that keep mean and variance)."""
    n = 200_000
    x = poisson_camera(seed=5).capture(np.full(n, mean)).astype(np.int64)
    law = scipy.stats.poisson(mean)
    low, high = int(law.ppf(1e-4)), int(law.isf(1e-4))
    inner = np.arange(low + 1, high)  # bins: k <= low, each k in (low, high), k >= high
    observed = np.array([np.sum(x <= low), *[np.sum(x == k) for k in inner], np.sum(x >= high)])
    expected = n * np.array([law.cdf(low), *law.pmf(inner), law.sf(high - 1)])
    chi2 = np.sum((observed - expected) ** 2 / expected)
    dof = observed.size - 1
    assert chi2 <= dof + 5 * np.sqrt(2 * dof)


def test_read_noise_variance_and_pairing():
    """Var(DN) = K**2 (mu_e + sigma_r**2) + 1/12; Box-Muller pairs give uncorrelated pixels."""
    n, mean, sigma, gain = 200_000, 200.0, 30.0, 1.0
    camera = poisson_camera(read_noise=sigma, gain=gain, seed=3)
    frames = camera.capture(np.full((2, n), mean)).astype(np.float64)
    x = frames[0]
    total = gain**2 * (mean + sigma**2) + 1 / 12
    assert abs(x.mean() - gain * mean) <= 5 * np.sqrt(total / n)
    assert abs(x.var(ddof=1) - total) <= 5 * total * np.sqrt(2 / n)
    # neighbours share one Box-Muller pair (cos, sin): they must stay uncorrelated
    even, odd = x[0::2] - x.mean(), x[1::2] - x.mean()
    assert abs(np.mean(even * odd) / x.var()) <= 5 / np.sqrt(n / 2)
    # successive captures are independent
    assert abs(np.corrcoef(frames[0], frames[1])[0, 1]) <= 5 / np.sqrt(n)


def test_binned_pixel_has_one_read_noise():
    """(2, 2) binning of 25 photons: Poisson(100) + one N(0, 5**2), variance 125 (not 200)."""
    n = 100_000
    camera = poisson_camera(read_noise=5.0, binning=(2, 2), seed=8)
    x = camera.capture(np.full((n, 2, 2), 25.0)).astype(np.float64).ravel()
    total = 100.0 + 25.0 + 1 / 12
    assert abs(x.var(ddof=1) - total) <= 5 * total * np.sqrt(2 / n)


def test_saturation_with_noise():
    default = Camera(read_noise=5.0)
    assert np.all(default.capture(np.full(1000, 1e9)) == 255)
    # full well reached before the top code: the well holds 1000 e- exactly, and the read
    # noise (added after the well, in the analog domain) still spreads the reading around
    # K full_well + offset = 150.6 DN with sigma = 5 e- x 0.15 DN/e- = 0.75 DN
    n = 20_000
    shallow = Camera(bits=8, full_well=1000.0, gain=0.15, offset=0.6, read_noise=5.0)
    x = shallow.capture(np.full(n, 5e4, dtype=np.float32)).astype(np.float64)
    variance = 0.75**2 + 1 / 12
    assert abs(x.mean() - 150.6) <= 5 * np.sqrt(variance / n)
    assert abs(x.var(ddof=1) - variance) <= 5 * variance * np.sqrt(2 / n)
    quiet = Camera(bits=8, full_well=1000.0, gain=0.15, offset=0.6, read_noise=0.0)
    assert np.all(quiet.capture(np.full(1000, 5e4, dtype=np.float32)) == 151)


def test_adc_range_clips_at_zero_dn():
    """No offset: dark pixels read rint(N(0, 3**2)) clipped to code 0, P(DN = 0) = Phi(0.5/3)."""
    n = 100_000
    camera = Camera(bits=12, gain=1.0, read_noise=3.0, dark_current=0.0, seed=4)
    x = camera.capture(np.zeros(n))
    p = scipy.stats.norm.cdf(0.5 / 3.0)
    assert abs(np.mean(x == 0) - p) <= 5 * np.sqrt(p * (1 - p) / n)


@given(seed=st.integers(0, 2**32), read_noise=st.floats(1.0, 5.0))
def test_read_noise_is_not_rectified(seed, read_noise):
    """With the dark level above 0 DN, dark frames keep the mean and variance of the noise.

    EMVA 1288: ``mu_y.dark = offset + K mu_d`` and ``sigma_y.dark**2 = K**2 (sigma_r**2 +
    mu_d) + 1/12``. Clipping the electrons at 0 before the offset (the old chain) gave a
    mean about 0.4 DN high and sigma about 44 % low at 3 e-, 20 DN offset, K = 1. The
    quantisation variance is 1/12 DN**2 only for noise above about 1 DN rms (EMVA 1288),
    hence read noise >= 1 e- at K = 1.
    """
    n = 50_000
    camera = Camera(bits=12, gain=1.0, read_noise=read_noise, dark_current=0.0, offset=20.0,
                    seed=seed)
    x = camera.capture(np.zeros(n)).astype(np.float64)
    variance = read_noise**2 + 1 / 12
    assert abs(x.mean() - 20.0) <= 5 * np.sqrt(variance / n)
    assert abs(x.var(ddof=1) - variance) <= 5 * variance * np.sqrt(2 / n)


def test_black_level_is_the_same_fraction_at_every_bit_depth():
    """``black_level`` and the default gain keep the dark level and full well in place."""
    for bits in (1, 2, 4, 8, 12):
        camera = Camera(bits=bits, full_well=1000.0, black_level=0.1, dark_current=0.0,
                        noise=False)
        assert camera.offset == pytest.approx(0.1 * (2**bits - 1))
        assert camera.gain * camera.full_well == pytest.approx(2**bits - 1)
        assert camera.black_level == pytest.approx(0.1)
        # the analog level in units of the code range does not depend on bits
        level = camera.expected_dn(np.array([0.0, 300.0])) / camera.max_code
        np.testing.assert_allclose(level, [0.1, 0.4], rtol=1e-12)
    with pytest.raises(ValueError, match="offset.*black_level"):
        Camera(offset=2.0, black_level=0.01)
    with pytest.raises(ValueError, match="black_level"):
        Camera(black_level=1.0)


def test_capture_exposure_sets_the_dark_electrons():
    camera = Camera(bits=16, gain=1.0, full_well=60_000.0, dark_current=1000.0, noise=False)
    assert camera.capture(np.zeros(3), exposure=0.5).tolist() == [500, 500, 500]
    assert camera.capture(np.zeros(3)).tolist() == [1, 1, 1]  # default 1 ms
    with pytest.raises(ValueError, match="exposure"):
        camera.capture(np.zeros(3), exposure=0.0)


# ---------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(bits=0), ValueError, "bits"),
    (dict(bits=17), ValueError, "bits"),
    (dict(bits=8.0), TypeError, "bits"),
    (dict(bits=True), TypeError, "bits"),
    (dict(full_well=0.0), ValueError, "full_well"),
    (dict(full_well=np.inf), ValueError, "full_well"),
    (dict(read_noise=-1.0), ValueError, "read_noise"),
    (dict(dark_current=-0.1), ValueError, "dark_current"),
    (dict(gain=0.0), ValueError, "gain"),
    (dict(gain=-2.0), ValueError, "gain"),
    (dict(offset=-1.0), ValueError, "offset"),
    (dict(quantum_efficiency=0.0), ValueError, "quantum_efficiency"),
    (dict(quantum_efficiency=1.01), ValueError, "quantum_efficiency"),
    (dict(quantum_efficiency=np.nan), ValueError, "quantum_efficiency"),
    (dict(exposure=0.0), ValueError, "exposure"),
    (dict(binning=0), ValueError, "binning"),
    (dict(binning=(1, 2, 3)), ValueError, "binning"),
    (dict(binning=1.5), TypeError, "binning"),
    (dict(seed=-1), ValueError, "seed"),
    (dict(seed=2**64), ValueError, "seed"),
    (dict(noise="yes"), TypeError, "noise"),
])
def test_bad_parameters(kwargs, error, match):
    with pytest.raises(error, match=match):
        Camera(**kwargs)


@pytest.mark.parametrize("photons, error, match", [
    (np.array([1.0, np.nan]), ValueError, "photons.*non-finite"),
    (np.array([1.0, np.inf], dtype=np.float32), ValueError, "photons.*non-finite"),
    (np.array([1.0, -0.5]), ValueError, "photons must be >= 0"),
    (np.array([1.0 + 1j]), TypeError, "photons"),
    (np.array(["a"]), TypeError, "photons"),
    (np.array([np.finfo(np.float64).max]), ValueError, "photons are too large"),
])
def test_bad_photons(photons, error, match):
    camera = Camera(dark_current=1e300, exposure=1.0)
    for method in (camera.capture, camera.mean_electrons):
        with pytest.raises(error, match=match):
            method(photons)
    assert camera.capture_index == 0


def test_bad_binning_shapes():
    with pytest.raises(ValueError, match="multiples"):
        Camera(binning=(2, 2)).capture(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="multiples"):
        Camera(binning=(1, 3)).capture(np.zeros((2, 4, 4)))
    with pytest.raises(ValueError, match="frames"):
        Camera(binning=2).capture(np.zeros(8))
    with pytest.raises(ValueError, match="photons are too large"):
        Camera(binning=2).capture(np.full((2, 2), 1e308))


def test_bad_reset():
    with pytest.raises(ValueError, match="capture_index"):
        Camera().reset(-1)


# ---------------------------------------------------------------------------- photon transfer


def test_photon_transfer_gain_and_saturation():
    camera = Camera(bits=12, seed=2)
    levels = np.linspace(0.05, 1.3, 14) * camera.full_well
    ptc = photon_transfer(camera, levels, shape=(64, 64))
    assert isinstance(ptc, PhotonTransfer)
    assert abs(ptc.gain - camera.gain) <= 5 * ptc.gain_se
    assert ptc.fitted.sum() >= 3
    # the variance collapses above the full well: the saturation point is near it
    assert 0.8 * camera.max_code <= ptc.saturation <= camera.max_code
    assert ptc.dark_mean == pytest.approx(0.0, abs=0.5)
    assert camera.capture_index == levels.size + 1


def test_photon_transfer_bad_input():
    camera = Camera()
    with pytest.raises(TypeError, match="camera"):
        photon_transfer("camera", [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="photons_levels"):
        photon_transfer(camera, [1.0, 2.0])
    with pytest.raises(ValueError, match="photons_levels"):
        photon_transfer(camera, [1.0, -2.0, 3.0])
    with pytest.raises(ValueError, match="pairs"):
        photon_transfer(camera, [1.0, 2.0, 3.0], pairs=0)
    with pytest.raises(ValueError, match="at least 3"):
        photon_transfer(camera, [1e6, 2e6, 3e6], shape=16)
    with pytest.raises(ValueError, match="same mean"):
        photon_transfer(Camera(noise=False), [0.0, 0.0, 0.0], shape=16)


# ---------------------------------------------------------------------------- validation


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(name for name in validation.load_cases()
                                         if name.startswith("camera")))
def test_validation_case(name):
    results = validation.run_case(name, "small")
    assert results
    for result in results:
        assert result.passed, result



def test_camera_validation_cases_are_registered():
    names = {name for name in validation.load_cases() if name.startswith("camera")}
    assert {"camera photon transfer", "camera quantization", "camera linearity",
            "camera EMVA 1288 characterisation"} <= names


@settings(max_examples=8)
@given(read_noise=st.floats(2.0, 10.0), offset=st.floats(0.0, 150.0),
       seed=st.integers(0, 2**32))
def test_emva_dark_estimates_recover_dark_level_and_sigma_d(read_noise, offset, seed):
    """EMVA two-frame dark estimates are unbiased: mu_y.dark and sigma_d within 5 SE.

    ``mu_y.dark = offset + K mu_d`` and ``sigma_d = sqrt(sigma_r**2 + mu_d)`` (e-). The
    dark level is kept 6 sigma above 0 DN (the ADC clip); K sigma_d >= 0.8 DN keeps the
    quantisation variance at 1/12 DN**2.
    """
    from validation.cases.camera import capture_pair, dark_noise_electrons

    gain, dark_current, exposure = 0.4, 100.0, 0.01  # mu_d = 1 e-
    sigma = np.sqrt(read_noise**2 + dark_current * exposure)
    offset = offset + 6 * gain * sigma
    camera = Camera(bits=12, full_well=1e4, read_noise=read_noise, offset=offset, gain=gain,
                    dark_current=dark_current, exposure=exposure, seed=seed)
    dark = capture_pair(camera, 0.0, (128, 128), pairs=2)
    assert abs(dark.mean - (offset + gain * dark_current * exposure)) <= 5 * dark.mean_se
    sigma_d, sigma_d_se = dark_noise_electrons(dark.variance, gain,
                                               variance_se=dark.variance_se)
    assert abs(sigma_d - sigma) <= 5 * sigma_d_se
    assert sigma_d_se < 0.01 * sigma  # the check is tight: 32768 differences


def test_ziggurat_draws_the_standard_normal():
    """KS distance to the normal, and the tail beyond r = 3.44 (its own sampling branch)."""
    n = 1_000_000

    @numba.njit
    def draw(key, n):
        out = np.empty(n)
        for i in range(n):
            out[i] = _kernels._ziggurat(_kernels.mix64(key ^ np.uint64(i)), 0)[0]
        return out

    z = draw(np.uint64(2024), n)
    assert scipy.stats.kstest(z, "norm").pvalue > 1e-3
    tail = np.mean(np.abs(z) > _kernels._ZIG_R)
    expected = 2 * scipy.stats.norm.sf(_kernels._ZIG_R)
    assert abs(tail - expected) < 5 * np.sqrt(expected / n)
    assert abs(z.mean()) < 5 / np.sqrt(n) and abs(z.var() - 1) < 5 * np.sqrt(2 / n)
    for i in range(0, n, 99_991):  # and the reference draws the same numbers
        key = _kernels.mix64(np.uint64(2024) ^ np.uint64(i))
        assert _kernels._ziggurat_reference(key, 0)[0] == z[i]
