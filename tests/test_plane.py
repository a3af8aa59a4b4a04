"""The camera plane: ROI, binning and grains laid out on one 2-D lattice, through the OPU."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lightsim import OPU, Camera, GaussianMedium, io
from lightsim.multislice import MultisliceMedium
from lightsim.plane import CameraPlane, squarest

pairs = st.tuples(st.integers(1, 3), st.integers(1, 3))


@given(n=st.integers(1, 10**6))
def test_squarest_is_the_most_nearly_square_factorisation(n):
    rows, cols = squarest(n)
    assert rows * cols == n and rows <= cols
    assert not any(n % r == 0 for r in range(rows + 1, math.isqrt(n) + 1))


@settings(max_examples=40)
@given(roi=pairs, grains=pairs, binning=pairs, partial=st.integers(0, 2))
def test_every_output_reads_its_own_rectangle_of_the_lattice(roi, grains, binning, partial):
    """The blocks of the pixels read tile the lattice's first rows, each a rectangle
    ``by gy x bx gx`` at its pixel's place."""
    rows, cols = roi
    n_out = max(rows * cols - partial, (rows - 1) * cols + 1)
    plane = CameraPlane(roi, grains, binning, n_out)
    ly, lx = plane.shape
    assert (ly, lx) == (rows * binning[0] * grains[0], cols * binning[1] * grains[1])
    block = (binning[0] * grains[0], binning[1] * grains[1])
    for k in range(plane.n_out):
        one_hot = np.zeros(plane.n_out)
        one_hot[k] = 1
        # which grains feed output k: the transpose of the summation, by linearity
        feeds = np.array([plane.sum_to_outputs(np.eye(ly * lx)[j])[k]
                          for j in range(ly * lx)]).reshape(ly, lx)
        r, c = divmod(k, cols)
        expected = np.zeros((ly, lx))
        expected[r * block[0]:(r + 1) * block[0], c * block[1]:(c + 1) * block[1]] = 1
        np.testing.assert_array_equal(feeds, expected)
    assert plane.grains_per_output == block[0] * block[1]


def test_bad_layouts_are_refused():
    with pytest.raises(ValueError, match="n_out=4"):
        CameraPlane((2, 4), n_out=4)  # leaves a whole row empty
    with pytest.raises(ValueError, match="roi_shape"):
        CameraPlane((0, 3))
    with pytest.raises(ValueError, match="whole number"):
        CameraPlane.of_lattice((6, 5), (1, 2), (1, 1))
    with pytest.raises(ValueError, match="do not fit"):
        CameraPlane.on_sensor(101, 1, (1, 1), (10, 10))


@given(n_out=st.integers(1, 2000), binning=pairs)
def test_the_default_roi_fits_the_sensor_and_reads_n_out(n_out, binning):
    sensor = (40, 60)
    if n_out * binning[0] * binning[1] > sensor[0] * sensor[1]:
        return
    try:
        plane = CameraPlane.on_sensor(n_out, 1, binning, sensor)
    except ValueError:  # a layout that cannot be binned on this sensor: say so
        by, bx = binning
        assert -(-n_out // (sensor[1] // bx)) * by > sensor[0]
        return
    assert plane.n_out == n_out
    assert plane.pixel_shape[0] <= sensor[0] and plane.pixel_shape[1] <= sensor[1]


# ---------------------------------------------------------------------------- the instrument
def test_binning_sums_neighbouring_sensor_pixels_not_samples():
    """A (4, 32) batch stays a (4, 32) batch, and each output is the charge of a 2 x 2 block
    of the sensor pixels that an unbinned camera sees on the same plane."""
    medium = GaussianMedium(40, 4 * 8 * 4, seed=3)
    exposure = 1e-3
    binned = OPU(40, 32, roi_shape=(4, 8), medium=medium, exposure=exposure, laser_power=0.1,
                 camera=Camera(binning=2, noise=False, bits=16, gain=1.0, full_well=1e9))
    sensor = OPU(40, 128, roi_shape=(8, 16), medium=medium, exposure=exposure, camera=None,
                 preset="ideal", contrast=binned.config.contrast)
    x = np.random.default_rng(0).random((4, 40)) < 0.5
    counts = binned.transform(x)
    assert counts.shape == (4, 32) and counts.min() > 20  # light enough to compare
    photons = sensor.transform(x).astype(np.float64) * binned.photon_rate * exposure
    blocks = photons.reshape(4, 4, 2, 8, 2).sum(axis=(2, 4)).reshape(4, 32)
    unbinned = Camera(**dict(binned.camera.parameters(), binning=1))
    expected = np.round(unbinned.expected_dn(blocks, exposure=exposure))
    np.testing.assert_allclose(counts, expected, atol=1)
    frames = binned.camera.expected_dn(photons.reshape(4, 8, 16), exposure=exposure)
    np.testing.assert_allclose(frames.reshape(4, 32), expected, atol=0.5)
    # light per sensor pixel does not depend on the binning
    assert binned.frame_stats.photons_per_pixel == pytest.approx(photons.mean(), rel=1e-5)
    assert binned.mean_intensity(x[:1])[0] == pytest.approx(4 * sensor.mean_intensity(x[:1])[0])


def test_grains_and_binning_follow_from_the_medium_plane():
    """On a MultisliceMedium's lattice, an output pixel integrates a 2-D block of it: the
    holographic matrix is the block sum of the per-grain matrix."""
    medium = MultisliceMedium(12, 8 * 8, output_shape=(8, 8), dmd_shape=(8, 12), grid=32,
                              n_screens=2, seed=1, dtype=np.complex128)
    per_grain = OPU(12, 64, preset="ideal", dmd_shape=(8, 12), medium=medium)
    assert per_grain.plane.roi_shape == (8, 8)
    pooled = OPU(12, 8, preset="ideal", dmd_shape=(8, 12), medium=medium, grains=(2, 4))
    assert pooled.plane.roi_shape == (4, 2)
    B = per_grain.effective_matrix().reshape(4, 2, 2, 4, 12).sum(axis=(1, 3)).reshape(8, 12)
    np.testing.assert_allclose(pooled.effective_matrix(), B, rtol=1e-6, atol=1e-9)
    with pytest.raises(ValueError, match="whole number"):
        OPU(12, 8, preset="ideal", dmd_shape=(8, 12), medium=medium, grains=3)
    with pytest.raises(ValueError, match="lattice"):
        OPU(12, 16, preset="ideal", dmd_shape=(8, 12), medium=medium, roi_shape=(2, 8),
            grains=(2, 2))


@pytest.mark.parametrize("grains, binning", [((2, 2), 1), ((1, 4), 1), (4, 1), (1, 2),
                                             ((1, 2), (2, 1))])
def test_output_contrast_falls_as_one_over_root_grains(grains, binning):
    """Goodman (2007), ch. 3: an output summing G independent grains (a sensor pixel's
    grains times the binning) has intensity contrast 1/sqrt(G); read noise-free with a
    16-bit camera at 1 W so that quantisation and shot noise are negligible."""
    n = 16384
    opu = OPU(64, n, grains=grains, seed=2, laser_power=1.0, sensor_shape=(256, 512),
              camera=dict(binning=binning, bits=16, full_well=1e9, noise=False))
    counts = opu.transform(np.ones((1, 64), bool)).astype(np.float64)[0]
    counts -= opu.camera.offset
    G = opu.plane.grains_per_output
    contrast = counts.std(ddof=1) / counts.mean()
    # delta method for gamma(G) samples: var(c) / c**2 = (1 + 1 / G) / (2 n)
    se = math.sqrt((1 + 1 / G) / (2 * n)) / math.sqrt(G)
    assert abs(contrast - 1 / math.sqrt(G)) < 5 * se


def test_layouts_that_cannot_be_read_are_refused():
    with pytest.raises(ValueError, match="roi_shape"):
        OPU(10, 12, roi_shape=(3, 5))
    with pytest.raises(ValueError, match="sensor"):
        OPU(10, 600, sensor_shape=(20, 20), camera=dict(binning=2), roi_shape=(20, 30))
    with pytest.raises(ValueError, match="do not fit"):
        OPU(10, 101, sensor_shape=(10, 10))


def test_a_prime_number_of_pixels_is_read_from_a_partial_row(tmp_path):
    opu = OPU(16, 2377, seed=4)
    assert opu.plane.roi_shape == (2, 1189) and opu.plane.n_out == 2377
    x = np.random.default_rng(1).random((3, 16)) < 0.5
    assert opu.transform(x).shape == (3, 2377)
    y = opu.linear_transform(x)
    assert y.shape == (3, 2377) and opu.effective_matrix().shape == (2377, 16)
    loaded = io.load_opu(io.save_opu(tmp_path / "opu.h5", opu))
    np.testing.assert_array_equal(loaded.linear_transform(x), opu.linear_transform(x))


def test_a_binned_opu_round_trips_through_a_file(tmp_path):
    opu = OPU(16, 12, seed=4, grains=(1, 2), camera=dict(binning=(2, 1)), roi_shape=(3, 4))
    x = np.random.default_rng(1).random((3, 16)) < 0.5
    opu.linear_transform(x)
    loaded = io.load_opu(io.save_opu(tmp_path / "opu.h5", opu))
    assert loaded.plane == opu.plane
    np.testing.assert_array_equal(loaded.linear_transform(x), opu.linear_transform(x))
