"""Holography: exact identities of the three demodulation schemes and their bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lightsim import holography


def _fields(seed, shape):
    rng = np.random.default_rng(seed)
    t = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    s = rng.standard_normal(shape[-1]) + 1j * rng.standard_normal(shape[-1])
    return t, s


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 40), batch=st.integers(1, 5))
def test_reference_projection_is_the_cross_term(seed, n, batch):
    t, s = _fields(seed, (batch, n))
    out = holography.reference_projection(np.abs(t + s) ** 2, np.abs(t) ** 2, np.abs(s) ** 2)
    np.testing.assert_allclose(out, 2 * (np.conj(s) * t).real, rtol=1e-12, atol=1e-12)


@given(seed=st.integers(0, 2**32 - 1), steps=st.integers(3, 8))
def test_phase_shifting_recovers_conj_s_t(seed, steps):
    t, s = _fields(seed, (3, 17))
    phases = 2 * np.pi * np.arange(steps) / steps
    stack = np.stack([np.abs(s + np.exp(1j * p) * t) ** 2 for p in phases])
    np.testing.assert_allclose(holography.phase_shifting(stack), np.conj(s) * t,
                               rtol=1e-12, atol=1e-12)


def test_four_step_matches_popoff_formula():
    t, s = _fields(3, (5, 9))
    i0, i1, i2, i3 = (np.abs(s + np.exp(1j * p) * t) ** 2 for p in np.arange(4) * np.pi / 2)
    popoff = (i0 - i2) / 4 + 1j * (i3 - i1) / 4
    np.testing.assert_allclose(holography.phase_shifting(np.stack([i0, i1, i2, i3])), popoff,
                               rtol=1e-12)


def test_off_axis_recovers_band_limited_field():
    n = 128
    rng = np.random.default_rng(0)
    y, x = np.mgrid[:n, :n]
    spectrum = np.zeros((n, n), complex)
    keep = (np.fft.fftfreq(n)[:, None] ** 2 + np.fft.fftfreq(n)[None, :] ** 2) <= 0.04**2
    spectrum[keep] = rng.standard_normal(keep.sum()) + 1j * rng.standard_normal(keep.sum())
    t = np.fft.ifft2(spectrum)
    t /= np.abs(t).max()
    carrier = (0.0, 0.25)
    s0 = 2.0
    reference = s0 * np.exp(2j * np.pi * (carrier[0] * y + carrier[1] * x))
    hologram = np.abs(t + reference) ** 2
    out = holography.off_axis_demodulate(hologram, carrier, radius=0.1)
    np.testing.assert_allclose(out, np.conj(s0) * t, atol=1e-10)


def test_bad_input_names_the_parameter():
    a = np.ones((2, 3))
    with pytest.raises(ValueError, match="with_reference and without_reference"):
        holography.reference_projection(a, np.ones((2, 4)), np.ones(3))
    with pytest.raises(ValueError, match="reference"):
        holography.reference_projection(a, a, np.ones(4))
    with pytest.raises(ValueError, match="non-finite"):
        holography.reference_projection(a * np.nan, a, np.ones(3))
    with pytest.raises(TypeError, match="real"):
        holography.reference_projection(a + 0j, a, np.ones(3))
    with pytest.raises(ValueError, match="at least 3 phase steps"):
        holography.phase_shifting(np.ones((2, 5)))
    with pytest.raises(ValueError, match="equally spaced"):
        holography.phase_shifting(np.ones((3, 5)), phases=[0, 0.1, 0.2])
    with pytest.raises(ValueError, match="radius"):
        holography.off_axis_demodulate(np.ones((8, 8)), (0, 0.25), radius=0.2)
    with pytest.raises(ValueError, match="carrier"):
        holography.off_axis_demodulate(np.ones((8, 8)), (0, 0.7), radius=0.1)
