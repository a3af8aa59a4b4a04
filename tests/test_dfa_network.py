"""dfa.network: backprop gradients against finite differences, losses, initialisation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import dfa
from dfa.network import ACTIVATIONS, LOSSES


def _batch(model, n, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, model.sizes[0]))
    y = rng.integers(0, model.n_classes, size=n)
    return x, y


def _bp_gradients(model, x, y):
    cache = model.forward(x)
    e = model.output_error(cache.logits, y)
    return model.gradients(cache, dfa.Backprop().signals(model, cache, e), e)


def _randomise_biases(model, seed):
    # biases start at zero; give them values so that their gradients are exercised fully
    rng = np.random.default_rng(seed + 1)
    for b in model.biases:
        b[:] = 0.3 * rng.standard_normal(b.shape)


sizes_strategy = st.lists(st.integers(1, 5), min_size=2, max_size=4)


@given(sizes=sizes_strategy, activation=st.sampled_from(ACTIVATIONS),
       loss=st.sampled_from(LOSSES), seed=st.integers(0, 2**16), n=st.integers(1, 4))
def test_backprop_matches_central_finite_differences(sizes, activation, loss, seed, n):
    # float64 copy: central differences with h = 1e-6 have truncation error ~h**2 and
    # round-off ~1e-16 / h = 1e-10, far below the tolerance
    model = dfa.MLP(sizes, activation=activation, loss=loss, seed=seed).astype(np.float64)
    _randomise_biases(model, seed)
    x, y = _batch(model, n, seed)
    grads = _bp_gradients(model, x, y)
    h = 1e-6
    for param, grad in zip(model.params, grads):
        numeric = np.zeros_like(param)
        for index in np.ndindex(param.shape):
            saved = param[index]
            param[index] = saved + h
            up = model.loss(model.forward(x).logits, y)
            param[index] = saved - h
            down = model.loss(model.forward(x).logits, y)
            param[index] = saved
            numeric[index] = (up - down) / (2 * h)
        np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8)


@given(activation=st.sampled_from(ACTIVATIONS), loss=st.sampled_from(LOSSES),
       seed=st.integers(0, 2**16))
def test_float32_gradients_agree_with_float64(activation, loss, seed):
    model = dfa.MLP([6, 5, 4, 3], activation=activation, loss=loss, seed=seed)
    _randomise_biases(model, seed)
    x, y = _batch(model, 8, seed)
    g32 = _bp_gradients(model, x, y)
    g64 = _bp_gradients(model.astype(np.float64), x, y)
    for a, b in zip(g32, g64):
        assert a.dtype == np.float32
        # float32 round-off relative to the size of the gradient
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-5 * max(1.0, np.abs(b).max()))


def test_losses_against_direct_formulas():
    rng = np.random.default_rng(3)
    logits = rng.standard_normal((7, 4))
    y = rng.integers(0, 4, size=7)
    softmax = dfa.MLP([2, 4], loss="softmax").astype(np.float64)
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    assert softmax.loss(logits, y) == pytest.approx(-np.log(p[np.arange(7), y]).mean(),
                                                    rel=1e-12)
    bce = dfa.MLP([2, 4], loss="sigmoid").astype(np.float64)
    q = 1 / (1 + np.exp(-logits))
    t = np.eye(4)[y]
    expected = -(t * np.log(q) + (1 - t) * np.log(1 - q)).sum(axis=1).mean()
    assert bce.loss(logits, y) == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(bce.output_error(logits, y), q - t, rtol=1e-12)
    np.testing.assert_allclose(softmax.output_error(logits, y), p - t, rtol=1e-12)


@pytest.mark.parametrize("loss", LOSSES)
def test_losses_stay_finite_for_huge_logits(loss):
    model = dfa.MLP([2, 3], loss=loss)
    logits = np.array([[1e4, -1e4, 0.0], [-3e4, 2e4, 1e4]], dtype=np.float32)
    y = np.array([1, 0])
    value = model.loss(logits, y)
    e = model.output_error(logits, y)
    assert np.isfinite(value) and value > 1e3  # confidently wrong
    assert np.isfinite(e).all() and np.abs(e).max() <= 1


def test_forward_cache_shapes_and_float32():
    model = dfa.MLP([5, 7, 6, 3], activation="relu")
    cache = model.forward(np.ones((4, 5)))  # float64 input is computed in float32
    assert [h.shape for h in cache.activations] == [(4, 5), (4, 7), (4, 6)]
    assert [a.shape for a in cache.preactivations] == [(4, 7), (4, 6), (4, 3)]
    assert all(a.dtype == np.float32 for a in cache.activations[1:] + cache.preactivations)
    np.testing.assert_array_equal(cache.activations[1], np.maximum(cache.preactivations[0], 0))
    assert model.predict(np.ones((4, 5))).dtype == np.int64


def test_xavier_initialisation_bounds_variance_and_seed():
    fan_in, fan_out = 300, 200
    model = dfa.MLP([fan_in, fan_out, 10], seed=5)
    w = model.weights[0].astype(np.float64)
    limit = np.sqrt(6 / (fan_in + fan_out))
    assert np.abs(w).max() <= limit
    # uniform(-L, L): variance L**2 / 3, sample variance has standard error
    # sigma**2 * sqrt(0.8 / N) (fourth moment 9/5 sigma**4)
    variance = limit**2 / 3
    assert abs(w.var() - variance) < 5 * variance * np.sqrt(0.8 / w.size)
    assert all(not b.any() for b in model.biases)
    same = dfa.MLP([fan_in, fan_out, 10], seed=5)
    other = dfa.MLP([fan_in, fan_out, 10], seed=6)
    assert all(np.array_equal(a, b) for a, b in zip(model.params, same.params))
    assert not np.array_equal(model.weights[0], other.weights[0])


def test_zero_initialisation_zeroes_hidden_weights_only():
    model = dfa.MLP([6, 5, 4, 3], init="zero")
    assert not model.weights[0].any() and not model.weights[1].any()
    assert model.weights[2].any()


@pytest.mark.parametrize("kwargs, match", [
    (dict(activation="softplus"), "activation"),
    (dict(loss="mse"), "loss"),
    (dict(init="he"), "init"),
])
def test_unknown_options_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        dfa.MLP([3, 2], **kwargs)


@pytest.mark.parametrize("sizes", [[3], [3, 0, 2]])
def test_bad_sizes_raise(sizes):
    with pytest.raises(ValueError, match="sizes"):
        dfa.MLP(sizes)


def test_bad_inputs_to_forward_and_labels():
    model = dfa.MLP([3, 4, 2])
    with pytest.raises(ValueError, match="shape"):
        model.forward(np.ones((2, 4)))
    with pytest.raises(ValueError, match="non-finite"):
        model.forward(np.array([[0.0, np.nan, 1.0]]))
    logits = np.zeros((2, 2), dtype=np.float32)
    with pytest.raises(ValueError, match=r"\[0, 2\)"):
        model.loss(logits, np.array([0, 2]))
    with pytest.raises(TypeError, match="integer"):
        model.output_error(logits, np.array([0.0, 1.0]))
