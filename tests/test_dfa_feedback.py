"""dfa.feedback: backprop / DFA identities, feedback matrices, optical DFA plumbing."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dfa
import lightsim
from dfa.network import ACTIVATIONS


def _setup(sizes, activation="tanh", seed=0, n=6, dtype=np.float64):
    model = dfa.MLP(sizes, activation=activation, seed=seed).astype(dtype)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, sizes[0]))
    y = rng.integers(0, sizes[-1], size=n)
    cache = model.forward(x)
    return model, cache, model.output_error(cache.logits, y)


# ---------------------------------------------------------------------------- backprop / DFA


@given(width=st.integers(1, 8), n_in=st.integers(1, 6), n_classes=st.integers(2, 5),
       activation=st.sampled_from(ACTIVATIONS), seed=st.integers(0, 2**16))
def test_dfa_with_transposed_forward_weights_is_backprop(width, n_in, n_classes,
                                                         activation, seed):
    # one hidden layer: backprop's signal at h_1 is e @ W_2, DFA's e @ B_1.T
    model, cache, e = _setup([n_in, width, n_classes], activation, seed)
    feedback = dfa.DigitalDFA(seed=seed)
    feedback.matrices(model)[0][:] = model.weights[1].T
    exact = model.gradients(cache, dfa.Backprop().signals(model, cache, e), e)
    direct = model.gradients(cache, feedback.signals(model, cache, e), e)
    for d, x in zip(direct, exact):
        np.testing.assert_allclose(d, x, rtol=1e-12, atol=1e-15)


def test_backprop_signals_are_the_true_gradient_and_keep_the_dtype():
    model, cache, e = _setup([5, 7, 4, 3], dtype=np.float32)
    assert dfa.Backprop().signals(model, cache, e) == [None, None]
    grads = model.gradients(cache, [None, None], e)
    assert [g.shape for g in grads] == [p.shape for p in model.params]
    assert all(g.dtype == np.float32 for g in grads)
    # the true signal at h_2 given explicitly gives the same updates
    delta_out = e
    explicit = delta_out @ model.weights[2]
    same = model.gradients(cache, [None, explicit], e)
    for a, b in zip(grads, same):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("distribution", ["gaussian", "uniform"])
def test_digital_feedback_statistics(distribution):
    model = dfa.MLP([3, 400, 300, 10])
    b = np.concatenate(dfa.DigitalDFA(seed=1, distribution=distribution).matrices(model))
    assert b.dtype == np.float32
    variance = 1 / 10  # documented default: entries of variance 1 / n_classes
    # standard error of a sample variance: sigma**2 sqrt(2 / N) (Gaussian),
    # sigma**2 sqrt(0.8 / N) (uniform, fourth moment 9/5 sigma**4)
    kurtosis_term = 2.0 if distribution == "gaussian" else 0.8
    assert abs(b.astype(np.float64).var() - variance) < 5 * variance * np.sqrt(
        kurtosis_term / b.size)
    assert abs(b.mean()) < 5 * np.sqrt(variance / b.size)
    if distribution == "uniform":
        assert np.abs(b).max() <= np.sqrt(3 * variance)
    scaled = dfa.DigitalDFA(seed=1, distribution=distribution, scale=2.0).matrices(model)
    np.testing.assert_allclose(np.concatenate(scaled), b * 2 * np.sqrt(10), rtol=1e-5)


def test_digital_feedback_shared_versus_per_layer():
    model = dfa.MLP([8, 7, 5, 9, 3])
    per_layer = dfa.DigitalDFA(seed=2).matrices(model)
    shared = dfa.DigitalDFA(seed=2, shared=True).matrices(model)
    assert [b.shape for b in per_layer] == [(7, 3), (5, 3), (9, 3)]
    assert [b.shape for b in shared] == [(7, 3), (5, 3), (9, 3)]
    # shared: every layer reads the first rows of one (max width, n_classes) matrix
    np.testing.assert_array_equal(shared[0], shared[2][:7])
    np.testing.assert_array_equal(shared[1], shared[2][:5])
    # per layer: independent draws
    assert not np.array_equal(per_layer[1], per_layer[2][:5])


def test_digital_feedback_is_seeded_fixed_and_tied_to_the_model_sizes():
    model = dfa.MLP([4, 6, 3])
    feedback = dfa.DigitalDFA(seed=7)
    first = feedback.matrices(model)[0].copy()
    np.testing.assert_array_equal(feedback.matrices(model)[0], first)
    np.testing.assert_array_equal(dfa.DigitalDFA(seed=7).matrices(model)[0], first)
    assert not np.array_equal(dfa.DigitalDFA(seed=8).matrices(model)[0], first)
    with pytest.raises(ValueError, match="feedback point shapes"):
        feedback.matrices(dfa.MLP([4, 5, 3]))


def test_digital_dfa_updates_use_the_feedback_matrices():
    model, cache, e = _setup([4, 6, 5, 3], activation="sigmoid")
    feedback = dfa.DigitalDFA(seed=3)
    signals = feedback.signals(model, cache, e)
    grads = model.gradients(cache, signals, e)
    n = len(e)
    for layer, (signal, b) in enumerate(zip(signals, feedback.matrices(model)), start=1):
        np.testing.assert_allclose(signal, e @ b.T, rtol=1e-12)
        h, h_below = cache.activations[layer], cache.activations[layer - 1]
        delta = (e @ b.T) * h * (1 - h)  # sigmoid'(a) = h (1 - h)
        np.testing.assert_allclose(grads[2 * layer - 2], delta.T @ h_below / n, rtol=1e-12)
        np.testing.assert_allclose(grads[2 * layer - 1], delta.mean(axis=0), rtol=1e-12)


@pytest.mark.parametrize("kwargs", [dict(distribution="cauchy"), dict(scale=0.0),
                                    dict(seed=-1)])
def test_digital_dfa_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        dfa.DigitalDFA(**kwargs)


# ---------------------------------------------------------------------------- optical DFA
# A test double with the interface of lightsim.OPU and an exact linear projection: it checks
# the encoding, rescaling and slicing of OpticalDFA independently of the optics.


class _Cost:
    def __init__(self):
        self.frames = 0

    @property
    def total_frames(self):
        return self.frames

    def summary(self):
        return dict(frames=self.frames)


class LinearOPU:
    def __init__(self, n_in, n_out, seed=0):
        self.n_in, self.n_out = n_in, n_out
        self.matrix = np.random.default_rng(seed).standard_normal((n_out, n_in)) * 0.37
        self.cost = _Cost()
        self.inputs = []

    def linear_transform(self, X, encoding="auto"):
        self.inputs.append((np.array(X), encoding))
        self.cost.frames += len(X)
        return np.asarray(X, dtype=np.float64) @ self.matrix.T

    def effective_matrix(self):
        return self.matrix.copy()


def test_optical_dfa_bitplanes_with_an_exact_opu_is_digital_dfa_with_its_matrices():
    model, cache, e = _setup([5, 6, 4, 3])
    opu = LinearOPU(n_in=3, n_out=12)
    feedback = dfa.OpticalDFA(opu, encoding="bitplanes", rescale="oracle")
    signals = feedback.signals(model, cache, e)
    matrices = feedback.matrices(model)
    assert [b.shape for b in matrices] == [(6, 3), (4, 3)]
    for signal, b in zip(signals, matrices):
        expected = e @ b.T
        np.testing.assert_allclose(signal, expected, rtol=1e-10, atol=1e-14)
    # "oracle" rescaling gives the ideal feedback the rms of the digital default
    b = np.concatenate(matrices)
    assert np.sqrt(np.mean(b**2)) == pytest.approx(1 / np.sqrt(3), rel=1e-12)
    X, encoding = opu.inputs[0]
    assert encoding == "bitplanes" and X.shape == (6, 3)
    assert feedback.cost is opu.cost


def test_optical_dfa_ternary_encoding_and_rescale():
    model, cache, e = _setup([5, 6, 3], n=8)
    opu = LinearOPU(n_in=3, n_out=7)
    feedback = dfa.OpticalDFA(opu, threshold=0.3, encoding="ternary", rescale=2.5)
    (signal,) = feedback.signals(model, cache, e)
    X, encoding = opu.inputs[0]
    assert encoding == "ternary" and set(np.unique(X)) <= {-1, 0, 1}
    r = np.abs(e).max(axis=1, keepdims=True)
    ternary = np.where(e > 0.3 * r, 1, np.where(e < -0.3 * r, -1, 0))
    np.testing.assert_array_equal(X, ternary)
    (b,) = feedback.matrices(model)
    np.testing.assert_allclose(b, opu.matrix[:6] / 2.5, rtol=1e-12)
    expected = (r * ternary) @ b.T
    np.testing.assert_allclose(signal, expected, rtol=1e-10, atol=1e-14)


@given(seed=st.integers(0, 2**31), n_out=st.integers(40, 400))
@settings(max_examples=20, deadline=None)
def test_measured_rescale_matches_the_oracle(seed, n_out):
    """Sign probes through the OPU measure sqrt(n_classes) rms(B) without reading B."""
    model, cache, e = _setup([5, 20, 3], n=4)
    opu = LinearOPU(n_in=3, n_out=n_out, seed=seed)
    measured = dfa.OpticalDFA(opu, probes=64, seed=seed)
    measured.signals(model, cache, e)
    X, encoding = opu.inputs[0]  # the probes come first, as a bench calibrates first
    assert encoding == "ternary" and X.shape == (64, 3) and set(np.unique(X)) == {-1, 1}
    b = opu.matrix[:20]
    oracle = np.sqrt(3 * np.mean(b**2))
    # mean over 64 probes x 20 pixels of (B p)**2: relative SE of the mean square below
    # sqrt(2 / 20) over pixels (they differ) and sqrt(2 / 64) over probes; 5 x the sum
    tolerance = 5 * (np.sqrt(2 / 20) + np.sqrt(2 / 64)) / 2
    assert measured.scale(model) == pytest.approx(oracle, rel=tolerance)
    assert measured.scale(model) == measured.scale(model)  # measured once
    assert opu.cost.frames == 64 + 4


def test_optical_dfa_zero_error_rows_give_zero_feedback():
    model, cache, e = _setup([4, 5, 3], n=3)
    e[1] = 0
    (signal,) = dfa.OpticalDFA(LinearOPU(3, 5)).signals(model, cache, e)
    assert not signal[1].any() and np.isfinite(signal).all()


def test_optical_dfa_checks_the_opu_size():
    model, cache, e = _setup([4, 6, 5, 3])
    with pytest.raises(ValueError, match=r"h1 6 \+ h2 5 = 11"):
        dfa.OpticalDFA(LinearOPU(3, 10)).signals(model, cache, e)
    with pytest.raises(ValueError, match="must equal the model's error size 3"):
        dfa.OpticalDFA(LinearOPU(6, 11)).signals(model, cache, e)
    with pytest.raises(TypeError, match="lightsim.OPU"):
        dfa.OpticalDFA(object())
    with pytest.raises(ValueError, match="encoding"):
        dfa.OpticalDFA(LinearOPU(6, 11), encoding="binary")
    with pytest.raises(ValueError, match="threshold"):
        dfa.OpticalDFA(LinearOPU(6, 11), threshold=1.0)


def test_calibrated_row_normalisation_gives_unit_rows_measured_through_the_opu():
    """With an exact OPU, a 2-frame-per-input holographic calibration is B itself, and
    normalize_rows feeds back e @ (B_k / |B_k|).T: rows of unit norm, no oracle read."""
    model, cache, e = _setup([5, 6, 4, 3])
    opu = LinearOPU(n_in=3, n_out=12)
    opu.effective_matrix = None  # a bench cannot read it: the feedback must not either
    feedback = dfa.OpticalDFA(opu, encoding="bitplanes", calibration=2, normalize_rows=True)
    signals = feedback.signals(model, cache, e)
    np.testing.assert_allclose(feedback.calibrated_matrix(), opu.matrix, rtol=1e-10)
    calibration_inputs, _ = opu.inputs[0]
    assert calibration_inputs.shape == (4, 3)  # 2 frames per input: n_in + 1 probes
    normalised = opu.matrix[:10] / np.linalg.norm(opu.matrix[:10], axis=1, keepdims=True)
    for signal, b in zip(signals, np.split(normalised, [6])):
        expected = e @ b.T
        np.testing.assert_allclose(signal, expected, rtol=1e-9, atol=1e-13)


def test_calibrated_rescale_matches_the_oracle_for_an_exact_opu():
    model, cache, e = _setup([5, 6, 3])
    opu = LinearOPU(n_in=3, n_out=9, seed=4)
    calibration = lightsim.retrieval.calibrate(opu, 6, method="holographic")
    calibrated = dfa.OpticalDFA(opu, rescale="calibration", calibration=calibration)
    oracle = dfa.OpticalDFA(opu, rescale="oracle")
    assert calibrated.scale(model) == pytest.approx(oracle.scale(model), rel=1e-10)


@pytest.mark.parametrize("kwargs, match", [
    (dict(normalize_rows=True), "need a calibration"),
    (dict(rescale="calibration"), "need a calibration"),
    (dict(calibration=3), "even number"),
    (dict(calibration=0), "calibration"),
    (dict(calibration=4, normalize_rows=True, rescale="oracle"), "leave rescale"),
    (dict(recalibrate_every=10.0), "frame budget"),
    (dict(calibration=4, recalibrate_every=-1.0), "recalibrate_every"),
])
def test_optical_dfa_calibration_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        dfa.OpticalDFA(LinearOPU(3, 10), **kwargs)


def test_recalibration_needs_an_optical_clock():
    with pytest.raises(TypeError, match="optical_clock"):
        dfa.OpticalDFA(LinearOPU(3, 10), calibration=4, recalibrate_every=1.0)


def test_optical_dfa_refuses_a_calibration_it_cannot_use():
    opu = lightsim.OPU(3, 8, preset="ideal", camera=None, seed=0)
    complex_estimate = lightsim.retrieval.calibrate(opu, 8, method="wirtinger", iterations=5)
    with pytest.raises(ValueError, match="holographic"):
        dfa.OpticalDFA(opu, calibration=complex_estimate, normalize_rows=True)
    with pytest.raises(TypeError, match="normalize_rows"):
        dfa.OpticalDFA(opu, calibration=2, normalize_rows=1)


# ---------------------------------------------------------------------------- real OPU
def test_recalibration_follows_a_drifting_medium():
    """recalibrate_every measures B again once that much optical time has passed: the fresh
    estimate tracks the drifted matrix, the first one goes stale."""
    model, cache, e = _setup([5, 8, 4], n=16)
    opu = lightsim.OPU(4, 8, preset="ideal", camera=None, seed=2, macro_pixels=4,
                       decorrelation_time=20.0)
    feedback = dfa.OpticalDFA(opu, calibration=4, normalize_rows=True,
                              recalibrate_every=5.0)
    feedback.signals(model, cache, e)
    first = feedback.calibrated_matrix().copy()
    assert feedback.calibrated_matrix() is feedback.calibrated_matrix()  # not yet due
    opu.transform(np.zeros((int(10 * opu.frame_rate), 4), dtype=bool))  # 10 s pass
    frames = opu.cost.total_frames
    fresh_estimate = feedback.calibrated_matrix()  # due: measured again
    assert opu.cost.total_frames - frames == 2 * 8  # 8 probes of 2 frames
    truth = opu.effective_matrix()  # the medium the new probes saw (it ages between calls)
    fresh = lightsim.retrieval.row_fidelity(fresh_estimate, truth)
    stale = lightsim.retrieval.row_fidelity(first, truth)
    assert fresh.min() > 0.999 and stale.mean() < fresh.mean() - 0.05



def test_optical_dfa_with_ideal_opu_follows_its_effective_matrix():
    model, cache, e = _setup([5, 16, 8, 4], n=5)
    opu = lightsim.OPU(4, 24, preset="ideal", camera=None, seed=1, macro_pixels=8)
    feedback = dfa.OpticalDFA(opu, encoding="ternary", threshold=0.0)
    signals = feedback.signals(model, cache, e)
    r = np.abs(e).max(axis=1, keepdims=True)
    signs = np.sign(e)
    for signal, b in zip(signals, feedback.matrices(model)):
        expected = (r * signs) @ b.T
        # ideal detector: only float32 intensity round-off separates the two
        np.testing.assert_allclose(signal, expected, rtol=1e-3,
                                   atol=1e-4 * np.abs(expected).max())
    assert feedback.cost.summary()["frames"] > 0


def test_shared_optical_feedback_reads_the_same_pixels_for_every_point():
    model, cache, e = _setup([5, 6, 4, 3])
    opu = LinearOPU(n_in=3, n_out=6)  # max(6, 4) pixels suffice when shared
    feedback = dfa.OpticalDFA(opu, encoding="bitplanes", rescale=1.0, shared=True)
    signals = feedback.signals(model, cache, e)
    np.testing.assert_allclose(signals[0], e @ opu.matrix.T, rtol=1e-12)
    np.testing.assert_allclose(signals[1], e @ opu.matrix[:4].T, rtol=1e-12)
    assert [b.shape for b in feedback.matrices(model)] == [(6, 3), (4, 3)]
    with pytest.raises(ValueError, match=r"max\(h1 6, h2 4\) = 6"):
        dfa.OpticalDFA(LinearOPU(3, 5), shared=True).signals(model, cache, e)
