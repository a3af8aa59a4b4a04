"""Calibration from the instrument's public interface (lightsim.retrieval)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import validation
from lightsim import OPU, phasing
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


@pytest.mark.parametrize("probes, n_probes, offset", [
    ("hadamard", 24, False), ("hadamard", 25, True), ("random", 48, False), ("random", 48, True)])
def test_noise_free_calibration_recovers_b(probes, n_probes, offset):
    opu = OPU(24, 40, preset="ideal", seed=3)
    before = opu.cost.total_frames
    result = calibrate(opu, n_probes, probes=probes, offset=offset)
    B = opu.effective_matrix()
    np.testing.assert_allclose(result.matrix, B, atol=2e-5 * np.abs(B).max())
    assert result.frames == opu.cost.total_frames - before
    assert result.frames == 2 * n_probes + 2 * opu.calibration_frames
    assert (result.background is None) == (not offset)
    assert row_fidelity(result.matrix, B).min() > 1 - 1e-8
    x = np.random.default_rng(5).random((20, 24)) < 0.5
    assert prediction_correlation(result, opu, x) > 1 - 1e-8


def test_hadamard_probes_beat_random_ones_on_a_noisy_camera():
    """Same frames, square design: the S-matrix's error is far below a random design's."""
    errors = {}
    for probes in ("hadamard", "random"):
        opu = OPU(31, 200, preset="lighton", seed=1, laser_power=1.0)  # ~1400 photons/px
        B = opu.effective_matrix()
        estimate = calibrate(opu, 31, probes=probes, seed=2, offset=False).matrix
        errors[probes] = np.linalg.norm(estimate - B) / np.linalg.norm(B)
    assert errors["hadamard"] < errors["random"] / 3


def test_probe_frames_are_booked_as_calibration_frames():
    opu = OPU(12, 20, preset="ideal", seed=1)
    opu.transform(np.zeros((5, 12), dtype=bool))
    frames, calibration = opu.cost.frames, opu.cost.calibration_frames
    result = calibrate(opu, 16)
    assert opu.cost.frames == frames  # the user's own frames are unchanged
    assert opu.cost.calibration_frames - calibration == result.frames == 2 * 16 + 32
    with pytest.raises(ValueError, match="frames must be in"):
        opu.cost.reclassify(frames + 1)


def test_the_offset_absorbs_a_stale_reference_term():
    """A reference term C measured on another medium biases every probe by a constant per
    output: fitted with B, the constant leaves B exact; not fitted, B is wrong."""
    opu = OPU(12, 30, preset="ideal", seed=4)
    opu.calibrate()
    opu.calibration = opu.calibration * 1.01  # C of a slightly different reference
    B = opu.effective_matrix()
    with_offset = calibrate(opu, 16, offset=True)
    np.testing.assert_allclose(with_offset.matrix, B, atol=2e-5 * np.abs(B).max())
    np.testing.assert_allclose(with_offset.background, -0.01 * opu.calibration / 1.01,
                               rtol=1e-3, atol=1e-6)
    opu.calibration = opu.calibration  # still stale: without offset, C is measured again
    np.testing.assert_allclose(calibrate(opu, 16, offset=False).matrix, B,
                               atol=2e-5 * np.abs(B).max())


def test_saturated_probes_are_reported():
    opu = OPU(31, 200, preset="lighton", seed=1, laser_power=10.0)
    with pytest.warns(RuntimeWarning, match="saturated"):
        calibrate(opu, 32)


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
    with pytest.raises(ValueError, match=r"at least n_in \+ 1 = 13"):
        calibrate(opu, 12)
    with pytest.raises(ValueError, match="at least n_in = 12"):
        calibrate(opu, 11, offset=False)
    with pytest.raises(TypeError, match="offset"):
        calibrate(opu, 20, offset="yes")
    with pytest.raises(ValueError, match="method"):
        calibrate(opu, 12, method="prsamp")
    with pytest.raises(ValueError, match=r"2 \(n_in \+ 1\) = 26"):
        calibrate(opu, 25, method="wirtinger")
    with pytest.raises(ValueError, match="= 18 calibration signals"):
        calibrate(opu, 17, method="anchors")
    with pytest.raises(ValueError, match="no overlap"):
        calibrate(OPU(2, 10, preset="ideal"), 50, method="anchors")
    with pytest.raises(ValueError, match="probes"):
        calibrate(opu, 12, probes="sobol")
    with pytest.raises(TypeError, match="linear_transform"):
        calibrate(object(), 12)
    with pytest.raises(ValueError, match="one shape"):
        row_fidelity(np.ones((2, 3)), np.ones((3, 2)))


def test_wirtinger_flow_recovers_rows_from_8n_noise_free_intensities():
    """Candès et al. (2015) with binary probes: 8 N intensities fix every row (issue goal)."""
    opu = OPU(32, 40, preset="ideal", seed=1, contrast=1000.0)
    before = opu.cost.total_frames
    result = calibrate(opu, 8 * 32, method="wirtinger")
    assert result.frames == opu.cost.total_frames - before == 8 * 32
    fidelity = row_fidelity(result.matrix, opu.signal_matrix())
    assert fidelity.min() >= 0.99
    x = np.random.default_rng(4).random((50, 32)) < 0.5
    assert prediction_correlation(result, opu, x) > 0.999


@pytest.mark.parametrize("per_input", [8, 64])
def test_wirtinger_flow_recovers_rows_under_the_default_leak(per_input):
    """With the preset's leak the constant column dominates every row (|z_const| / |z| ~ 0.7).
    A former defect: from 64 N probes of this OPU all rows stuck at fidelity 0.68-0.83."""
    opu = OPU(32, 32, preset="ideal", seed=0, camera=None)
    result = calibrate(opu, per_input * 32, method="wirtinger")
    assert row_fidelity(result.matrix, opu.signal_matrix()).min() >= 0.99


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_spectral_start_stays_complex_when_a_bright_constant_dominates(seed):
    """The real set is invariant under Wirtinger flow for a real design: a start that is
    real up to one phase never reaches a complex row."""
    rng = np.random.default_rng(seed)
    n, m = 24, 2000
    z = (rng.normal(size=(n + 1, 1)) + 1j * rng.normal(size=(n + 1, 1))) * 0.2
    z[-1] = 2.0  # a bright leak: |z_const| / |z| ~ 0.85
    A = phasing.design(rng.random((m, n)) < 0.5)
    Y = np.abs(A @ z) ** 2
    Z0 = phasing.spectral_init(A, Y)
    rotated = Z0[:, 0] * np.exp(-1j * np.angle(Z0[-1, 0]))
    assert np.linalg.norm(rotated.imag) > 0.3 * np.linalg.norm(z[:-1].imag)
    Z = phasing.wirtinger_flow(A, Y, Z0, iterations=1000)
    assert row_fidelity(Z.T, z.T)[0] > 0.999


def test_gerchberg_saxton_recovers_most_rows_from_8n_noise_free_intensities():
    opu = OPU(32, 40, preset="ideal", seed=2, contrast=1000.0)
    fidelity = row_fidelity(calibrate(opu, 8 * 32, method="gerchberg-saxton").matrix,
                            opu.signal_matrix())
    assert np.median(fidelity) > 0.999 and np.mean(fidelity > 0.99) >= 0.9


@pytest.mark.parametrize("contrast", [np.inf, 1000.0])
def test_anchors_are_exact_on_noise_free_intensities_with_and_without_leak(contrast):
    """MDS + Levenberg-Marquardt + lateration + least squares: exact up to phase/conjugation,
    the leak field b of finite contrast included."""
    opu = OPU(48, 30, preset="ideal", seed=3, contrast=contrast)
    result = calibrate(opu, 72, method="anchors", n_anchors=8)
    fidelity = row_fidelity(result.matrix, opu.signal_matrix())
    assert fidelity.min() > 1 - 1e-6
    x = np.random.default_rng(6).random((40, 48)) < 0.5
    assert prediction_correlation(result, opu, x) > 1 - 1e-6
    assert result.frames == 1 + 2 * (8 + 28 + 36 * 9)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_lateration_places_points_exactly(seed):
    rng = np.random.default_rng(seed)
    anchors = rng.normal(size=(3, 6)) + 1j * rng.normal(size=(3, 6))
    points = rng.normal(size=(3, 5)) + 1j * rng.normal(size=(3, 5))
    D2 = np.abs(anchors.T[:, None, :] - points.T[None, :, :]) ** 2  # (q, K, r)
    np.testing.assert_allclose(phasing.laterate(anchors, D2), points, atol=1e-9)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), conjugate=st.booleans())
def test_stitching_undoes_each_groups_phase_and_conjugation(seed, conjugate):
    rng = np.random.default_rng(seed)
    truth = rng.normal(size=(4, 10)) + 1j * rng.normal(size=(4, 10))
    b = rng.normal(size=4) + 1j * rng.normal(size=4)
    first, second = np.arange(7), np.arange(3, 10)
    phase = np.exp(1j * rng.uniform(0, 2 * np.pi, size=4))
    rows2, b2 = truth[:, second] * phase[:, None], b * phase
    if conjugate:
        rows2, b2 = np.conj(rows2), np.conj(b2)
    rows, background = phasing.stitch(10, [(first, truth[:, first], b), (second, rows2, b2)])
    np.testing.assert_allclose(rows, truth, atol=1e-9)
    np.testing.assert_allclose(background, b, atol=1e-9)


def _cross_term_truth(opu):
    """``conj(s) D`` summed over the grains of each output pixel (the definition)."""
    D = opu.signal_matrix()
    cross = np.conj(opu.reference.astype(np.complex128))[:, None] * D
    return opu.plane.sum_to_outputs(cross.T).T


@settings(max_examples=8, deadline=None)
@given(n_steps=st.integers(3, 8), seed=st.integers(0, 2**16),
       grains=st.sampled_from([1, (2, 1)]), probes=st.sampled_from(["hadamard", "random"]))
def test_phase_stepping_recovers_the_complex_cross_term_exactly(n_steps, seed, grains, probes):
    """Popoff et al. (2010) on a noise-free bench: conj(s) T to float precision, with the OFF
    mirrors' field as the fitted constant; its real part is the holographic B."""
    opu = OPU(20, 12, preset="ideal", camera=None, seed=seed, contrast=400.0, grains=grains,
              phase_stepping=True)
    n_probes = 21 if probes == "hadamard" else 60
    result = calibrate(opu, n_probes, method="phase-stepping", n_steps=n_steps,
                       probes=probes, seed=seed)
    truth = _cross_term_truth(opu)
    np.testing.assert_allclose(result.matrix, truth, atol=1e-5 * np.abs(truth).max())
    np.testing.assert_allclose(2 * (1 - opu.leak) * result.matrix.real,
                               opu.effective_matrix(), atol=1e-5 * np.abs(truth).max())
    assert result.frames == n_steps * n_probes == opu.cost.calibration_frames
    assert result.probes == probes


def test_phase_stepped_frames_obey_the_interference_identities():
    """I_0 is the reference-ON frame, and opposite steps sum to |F|^2 + |s|^2 (parallelogram
    law) whatever the step pair."""
    opu = OPU(16, 10, preset="ideal", camera=None, seed=2, contrast=100.0,
              phase_stepping=True)
    x = np.random.default_rng(0).random((5, 16)) < 0.5
    stack = opu.phase_stepped(x, n_steps=4).astype(np.float64)
    assert stack.shape == (4, 5, 10)
    np.testing.assert_allclose(stack[0], opu.reference_on(x, None), rtol=1e-5)
    np.testing.assert_allclose(stack[0] + stack[2], stack[1] + stack[3], rtol=1e-5)


def test_phase_stepping_beats_reference_holography_at_equal_light_per_probe():
    """With shot and read noise, four phase steps per probe estimate B with a higher
    fidelity than the two frames of reference holography from the same probes."""
    kw = dict(preset="lighton", laser_power=1.0, seed=1)
    stepped = OPU(32, 40, phase_stepping=True, **kw)
    b = stepped.effective_matrix()
    phase = calibrate(stepped, 33, method="phase-stepping")
    holographic = calibrate(OPU(32, 40, **kw), 33)
    fidelity = row_fidelity(phase.matrix.real, b)
    assert np.median(fidelity) > 0.99
    assert np.median(fidelity) > np.median(row_fidelity(holographic.matrix, b))


def test_phase_stepping_refuses_what_it_cannot_do():
    with pytest.raises(ValueError, match="phase_stepping=True"):
        calibrate(OPU(8, 6, preset="ideal"), 9, method="phase-stepping")
    with pytest.raises(ValueError, match="phase_stepping=False"):
        OPU(8, 6, preset="ideal").phase_stepped(np.zeros((1, 8), dtype=bool))
    opu = OPU(8, 6, preset="ideal", phase_stepping=True)
    with pytest.raises(ValueError, match="n_in \\+ 1 = 9"):
        calibrate(opu, 8, method="phase-stepping")
    with pytest.raises(ValueError, match="offset=True"):
        calibrate(opu, 9, method="phase-stepping", offset=False)
    with pytest.raises(ValueError, match="n_steps"):
        calibrate(opu, 9, method="phase-stepping", n_steps=2)
    with pytest.raises(TypeError, match="phase_stepping"):
        OPU(8, 6, preset="ideal", phase_stepping="yes")
    with pytest.raises(TypeError, match="phase_stepped"):
        calibrate(type("Bench", (), dict(n_in=8, n_out=6, cost=None))(), 9,
                  method="phase-stepping")


def test_prediction_correlation_is_nan_with_a_warning_when_nothing_is_read():
    opu = OPU(8, 6, preset="ideal", camera=None, seed=0)
    with pytest.warns(RuntimeWarning, match="predicted outputs are all 0"):
        assert np.isnan(prediction_correlation(np.zeros((6, 8)), opu,
                                               np.ones((3, 8), dtype=bool)))


@pytest.mark.parametrize("name", ["wirtinger flow noise-free threshold",
                                  "phase stepping noise-free"])
def test_validation_cases(name):
    for result in validation.run_case(name, "small"):
        assert result.passed, result


def test_calibration_warns_when_the_camera_sees_no_signal():
    """The preset's 1 mW spread over single mirrors gives about one photon per pixel, far
    below one count: every probe reads the dark level."""
    with pytest.warns(RuntimeWarning, match="saw no signal"):
        calibrate(OPU(32, 32, seed=0), 256, method="wirtinger", iterations=5)


def test_the_validation_report_is_rewritten_byte_for_byte(tmp_path):
    """A rerun must not dirty the tracked validation/report.md (it held run times)."""
    from validation.__main__ import main

    reports = []
    for run in ("a", "b"):
        out = tmp_path / run
        assert main(["--size", "small", "--only", "phase stepping noise-free",
                     "--out", str(out)]) == 0
        reports.append((out / "report.md").read_bytes())
    assert reports[0] == reports[1]


def test_phase_stepping_prediction_follows_the_rows_normalisation():
    opu = OPU(16, 20, preset="ideal", camera=None, seed=5, phase_stepping=True,
              normalize_rows=True)
    result = calibrate(opu, 17, method="phase-stepping")
    x = np.random.default_rng(2).random((30, 16)) < 0.5
    assert prediction_correlation(result, opu, x) > 1 - 1e-6


def test_retrieved_intensity_validation_case():
    for result in validation.run_case("retrieved intensity readout noise-free", "small"):
        assert result.passed, result


def test_phase_stepping_switched_on_changes_nothing_else():
    """A bench that can step its reference gives the same transform and linear_transform,
    bit for bit, as one that cannot."""
    x = np.random.default_rng(3).random((6, 12)) < 0.5
    runs = []
    for stepping in (False, True):
        opu = OPU(12, 20, seed=2, laser_power=1.0, phase_stepping=stepping)
        runs.append((opu.transform(x), opu.linear_transform(x)))
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)
