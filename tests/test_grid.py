"""Grid: centred coordinates and frequencies, physical size and extent, argument checks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lightsim import Grid
from lightsim.grid import centred_coordinates, centred_frequencies

sizes = st.integers(min_value=1, max_value=65)
pitches = st.floats(min_value=1e-7, max_value=1e-3)


@given(n=sizes, pitch=pitches)
def test_coordinates_are_centred_at_index_n_over_2(n, pitch):
    x = centred_coordinates(n, pitch)
    assert x.shape == (n,)
    assert x[n // 2] == 0.0
    np.testing.assert_allclose(np.diff(x), pitch, rtol=1e-12)
    # odd sizes are symmetric, even sizes have one extra sample on the negative side
    assert x[0] == pytest.approx(-(n // 2) * pitch, rel=1e-12)
    assert x[-1] == pytest.approx((n - 1 - n // 2) * pitch, rel=1e-12)


@given(n=sizes, pitch=pitches)
def test_frequencies_are_the_shifted_fft_frequencies(n, pitch):
    f = centred_frequencies(n, pitch)
    np.testing.assert_allclose(f, np.fft.fftshift(np.fft.fftfreq(n, pitch)), rtol=1e-12,
                               atol=1e-12 / (n * pitch))
    assert f[n // 2] == 0.0
    if n > 1:
        np.testing.assert_allclose(np.diff(f), 1.0 / (n * pitch), rtol=1e-9)


@given(n=st.integers(min_value=1, max_value=33), pitch=pitches, k=st.integers(-40, 40))
def test_centred_coordinates_and_frequencies_are_a_dft_pair(n, pitch, k):
    """A unit sample at the origin index has a flat spectrum; a centred plane wave at
    frequency fx[j] is a single spike at index j after the centred DFT."""
    j = k % n
    x, f = centred_coordinates(n, pitch), centred_frequencies(n, pitch)
    wave = np.exp(2j * np.pi * f[j] * x)
    spectrum = np.fft.fftshift(np.fft.fft(np.fft.ifftshift(wave)))
    expected = np.zeros(n)
    expected[j] = n
    np.testing.assert_allclose(spectrum, expected, atol=1e-9 * n)


def test_grid_attributes_and_conventions():
    g = Grid((6, 5), (2e-6, 3e-6), 633e-9)
    assert g.shape == (6, 5) and (g.ny, g.nx) == (6, 5)
    assert g.pitch == (2e-6, 3e-6) and (g.dy, g.dx) == (2e-6, 3e-6)
    assert g.wavelength == 633e-9
    np.testing.assert_allclose(g.x, [-6e-6, -3e-6, 0, 3e-6, 6e-6])
    np.testing.assert_allclose(g.y, [-6e-6, -4e-6, -2e-6, 0, 2e-6, 4e-6])
    np.testing.assert_allclose(np.diff(g.fx), 1 / (5 * 3e-6))
    np.testing.assert_allclose(np.diff(g.fy), 1 / (6 * 2e-6))
    assert g.fx[2] == 0 and g.fy[3] == 0
    assert g.size == pytest.approx((12e-6, 15e-6))
    left, right, bottom, top = g.extent
    assert (left, right) == pytest.approx((-7.5e-6, 7.5e-6))
    assert (bottom, top) == pytest.approx((-7e-6, 5e-6))
    assert right - left == pytest.approx(g.size[1]) and top - bottom == pytest.approx(g.size[0])


def test_scalar_shape_and_pitch_mean_square():
    g = Grid(4, 1e-6, 1e-6)
    assert g.shape == (4, 4) and g.pitch == (1e-6, 1e-6)


def test_mesh_and_radius():
    g = Grid((3, 4), (1.0, 2.0), 1.0)
    yy, xx = g.mesh()
    assert yy.shape == xx.shape == (3, 4)
    np.testing.assert_array_equal(yy[:, 0], g.y)
    np.testing.assert_array_equal(xx[0], g.x)
    np.testing.assert_allclose(g.radius(), np.hypot(yy, xx))
    assert g.radius()[1, 2] == 0.0


def test_with_pitch_keeps_shape_and_wavelength_and_is_frozen():
    g = Grid(8, 1e-6, 500e-9)
    h = g.with_pitch((2e-6, 3e-6))
    assert h.shape == g.shape and h.wavelength == g.wavelength and h.pitch == (2e-6, 3e-6)
    assert g.pitch == (1e-6, 1e-6)
    with pytest.raises(AttributeError):
        g.wavelength = 1.0


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"shape": 0}, ValueError, "shape"),
        ({"shape": (4, -1)}, ValueError, "shape"),
        ({"shape": 4.0}, TypeError, "shape"),
        ({"shape": True}, TypeError, "shape"),
        ({"shape": (1, 2, 3)}, ValueError, "shape"),
        ({"pitch": 0.0}, ValueError, "pitch"),
        ({"pitch": (1e-6, -1e-6)}, ValueError, "pitch"),
        ({"pitch": float("nan")}, ValueError, "pitch"),
        ({"pitch": "1um"}, TypeError, "pitch"),
        ({"wavelength": -633e-9}, ValueError, "wavelength"),
        ({"wavelength": float("inf")}, ValueError, "wavelength"),
        ({"wavelength": None}, TypeError, "wavelength"),
    ],
)
def test_bad_input_names_the_parameter(kwargs, error, match):
    args = {"shape": 4, "pitch": 1e-6, "wavelength": 633e-9} | kwargs
    with pytest.raises(error, match=match):
        Grid(**args)
