"""Calibration from the instrument's public interface (lightsim.retrieval)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lightsim import OPU
from lightsim.retrieval import (
    calibrate,
    hadamard_probes,
    prediction_correlation,
    row_fidelity,
)


@pytest.mark.parametrize("n", [7, 31, 127])
def test_the_s_matrix_has_the_harwit_sloane_variance(n):
    """Harwit and Sloane (1979): trace((S^T S)^-1) = 4 n^2 / (n + 1)^2, rows half ON."""
    S = hadamard_probes(n, n)
    assert S.dtype == bool and (S.sum(axis=1) == (n + 1) // 2).all()
    trace = np.trace(np.linalg.inv(S.T.astype(float) @ S))
    assert trace == pytest.approx(4 * n**2 / (n + 1) ** 2, rel=1e-9)


@pytest.mark.parametrize("probes, factor", [("hadamard", 1), ("random", 2)])
def test_noise_free_calibration_recovers_b(probes, factor):
    opu = OPU(24, 40, preset="ideal", seed=3)
    before = opu.cost.total_frames
    result = calibrate(opu, factor * 24, probes=probes)
    B = opu.effective_matrix()
    np.testing.assert_allclose(result.matrix, B, atol=2e-5 * np.abs(B).max())
    assert result.frames == opu.cost.total_frames - before
    assert result.frames == 2 * factor * 24 + 2 * opu.calibration_frames
    assert row_fidelity(result.matrix, B).min() > 1 - 1e-8
    x = np.random.default_rng(5).random((20, 24)) < 0.5
    assert prediction_correlation(result, opu, x) > 1 - 1e-8


def test_hadamard_probes_beat_random_ones_on_a_noisy_camera():
    """Same frames, square design: the S-matrix's error is far below a random design's."""
    errors = {}
    for probes in ("hadamard", "random"):
        opu = OPU(31, 200, preset="lighton", seed=1, laser_power=1.0)  # ~1400 photons/px
        B = opu.effective_matrix()
        estimate = calibrate(opu, 31, probes=probes, seed=2).matrix
        errors[probes] = np.linalg.norm(estimate - B) / np.linalg.norm(B)
    assert errors["hadamard"] < errors["random"] / 3


def test_saturated_probes_are_reported():
    opu = OPU(31, 200, preset="lighton", seed=1, laser_power=10.0)
    with pytest.warns(RuntimeWarning, match="saturated"):
        calibrate(opu, 31)


def test_the_speckle_of_a_known_t_is_predicted_exactly():
    opu = OPU(16, 30, preset="ideal", seed=2)
    x = np.random.default_rng(0).random((10, 16)) < 0.5
    assert prediction_correlation(opu.medium.matrix(), opu, x) > 1 - 1e-6


@settings(max_examples=25)
@given(seed=st.integers(0, 2**32), phase=st.floats(0, 2 * np.pi), scale=st.floats(0.1, 10),
       conjugate=st.booleans())
def test_row_fidelity_ignores_phase_scale_and_conjugation(seed, phase, scale, conjugate):
    rng = np.random.default_rng(seed)
    truth = rng.normal(size=(5, 8)) + 1j * rng.normal(size=(5, 8))
    estimate = scale * np.exp(1j * phase) * (np.conj(truth) if conjugate else truth)
    np.testing.assert_allclose(row_fidelity(estimate, truth), 1.0, rtol=1e-12)
    other = rng.normal(size=(5, 8)) + 1j * rng.normal(size=(5, 8))
    fidelity = row_fidelity(other, truth)
    assert ((fidelity >= 0) & (fidelity <= 1 + 1e-12)).all()


def test_bad_requests_are_refused_with_the_numbers():
    opu = OPU(12, 10, preset="ideal")
    with pytest.raises(ValueError, match="at least n_in = 12"):
        calibrate(opu, 11)
    with pytest.raises(ValueError, match="method"):
        calibrate(opu, 12, method="wirtinger")
    with pytest.raises(ValueError, match="probes"):
        calibrate(opu, 12, probes="sobol")
    with pytest.raises(TypeError, match="linear_transform"):
        calibrate(object(), 12)
    with pytest.raises(ValueError, match="one shape"):
        row_fidelity(np.ones((2, 3)), np.ones((3, 2)))
