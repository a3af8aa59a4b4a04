"""dfa.layers: every backward pass against central finite differences (float64), the causal
mask, closed forms of the fixed tables and of the loss."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dfa import layers

H = 1e-6  # central differences in float64: truncation ~H**2, round-off ~1e-16 / H


def _numeric_gradient(f, array):
    """d f / d array by central differences, changing ``array`` in place and restoring it."""
    grad = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        saved = array[index]
        array[index] = saved + H
        up = f()
        array[index] = saved - H
        down = f()
        array[index] = saved
        grad[index] = (up - down) / (2 * H)
    return grad


def _check_layer(layer, x, rng, input_gradient=True):
    """backward(dy) against finite differences of sum(dy * forward(x)) for every parameter
    (randomised first, so that no gradient is trivially small) and for x."""
    layer.cast(np.float64)
    for p in layer.params:
        p[...] = rng.normal(0, 0.5, p.shape)
    y, cache = layer.forward(x)
    dy = rng.standard_normal(y.shape)

    def objective():
        return float(np.sum(dy * layer.forward(x)[0]))

    dx, grads = layer.backward(dy, cache, input_gradient)
    assert len(grads) == len(layer.params)
    for p, g in zip(layer.params, grads):
        assert g.shape == p.shape
        np.testing.assert_allclose(g, _numeric_gradient(objective, p), rtol=1e-5, atol=1e-7)
    if input_gradient:
        np.testing.assert_allclose(dx, _numeric_gradient(objective, x), rtol=1e-5, atol=1e-7)
    return dx


shapes = st.tuples(st.integers(1, 3), st.integers(1, 4))  # (sequences, tokens)


@given(lead=shapes, n_in=st.integers(1, 5), n_out=st.integers(1, 5), seed=st.integers(0, 999))
@settings(max_examples=20, deadline=None)
def test_dense(lead, n_in, n_out, seed):
    rng = np.random.default_rng(seed)
    _check_layer(layers.Dense(n_in, n_out, rng), rng.standard_normal((*lead, n_in)), rng)


def test_dense_without_input_gradient_returns_none():
    rng = np.random.default_rng(0)
    assert _check_layer(layers.Dense(3, 2, rng), rng.standard_normal((4, 3)), rng,
                        input_gradient=False) is None


@given(lead=shapes, d=st.integers(2, 6), seed=st.integers(0, 999))
@settings(max_examples=20, deadline=None)
def test_layer_norm(lead, d, seed):
    rng = np.random.default_rng(seed)
    _check_layer(layers.LayerNorm(d), rng.standard_normal((*lead, d)), rng)


@given(lead=shapes, d=st.integers(1, 4), activation=st.sampled_from(["gelu", "relu"]),
       seed=st.integers(0, 999))
@settings(max_examples=20, deadline=None)
def test_feedforward(lead, d, activation, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((*lead, d))
    _check_layer(layers.FeedForward(d, 3 * d, rng, activation=activation), x, rng)


@given(n=st.integers(1, 2), t=st.integers(1, 5), heads=st.integers(1, 3),
       head_width=st.integers(1, 3), causal=st.booleans(), seed=st.integers(0, 999))
@settings(max_examples=25, deadline=None)
def test_self_attention(n, t, heads, head_width, causal, seed):
    rng = np.random.default_rng(seed)
    d = heads * head_width
    attention = layers.SelfAttention(d, heads, rng, causal=causal)
    _check_layer(attention, rng.standard_normal((n, t, d)), rng)


@given(t=st.integers(1, 4), heads=st.integers(1, 2), causal=st.booleans(),
       seed=st.integers(0, 999))
@settings(max_examples=15, deadline=None)
def test_block(t, heads, causal, seed):
    rng = np.random.default_rng(seed)
    d = 2 * heads
    block = layers.Block(d, heads, rng, causal=causal, hidden=2 * d)
    _check_layer(block, rng.standard_normal((2, t, d)), rng)


@given(t=st.integers(1, 6), context=st.integers(6, 8), d=st.integers(1, 4),
       seed=st.integers(0, 999))
@settings(max_examples=15, deadline=None)
def test_learned_positions(t, context, d, seed):
    rng = np.random.default_rng(seed)
    _check_layer(layers.LearnedPositions(context, d, rng), rng.standard_normal((2, t, d)), rng)


@given(vocab=st.integers(1, 6), d=st.integers(1, 3), lead=shapes, seed=st.integers(0, 999))
@settings(max_examples=20, deadline=None)
def test_embedding_gradient_sums_over_the_positions_of_each_token(vocab, d, lead, seed):
    rng = np.random.default_rng(seed)
    embedding = layers.Embedding(vocab, d, rng).cast(np.float64)
    ids = rng.integers(0, vocab, lead)
    y, cache = embedding.forward(ids)
    np.testing.assert_array_equal(y, embedding.table[ids])
    dy = rng.standard_normal(y.shape)
    _, (grad,) = embedding.backward(dy, cache)
    objective = lambda: float(np.sum(dy * embedding.forward(ids)[0]))  # noqa: E731
    np.testing.assert_allclose(grad, _numeric_gradient(objective, embedding.table),
                               rtol=1e-5, atol=1e-8)


@given(side=st.sampled_from([(4, 4), (6, 4), (4, 8)]), patch=st.sampled_from([2, 4]),
       seed=st.integers(0, 999))
@settings(max_examples=10, deadline=None)
def test_patch_embedding(side, patch, seed):
    rng = np.random.default_rng(seed)
    if side[0] % patch or side[1] % patch:
        with pytest.raises(ValueError, match="patch"):
            layers.PatchEmbedding(side, patch, 3, rng)
        return
    embedding = layers.PatchEmbedding(side, patch, 3, rng)
    images = rng.standard_normal((2, *side))
    _check_layer(embedding, images, rng, input_gradient=False)
    # tiles in row-major grid order, each flattened row-major
    tiles = embedding.patches(images)
    np.testing.assert_array_equal(tiles[1, 0], images[1, :patch, :patch].ravel())
    if embedding.grid[1] > 1:
        np.testing.assert_array_equal(tiles[0, 1], images[0, :patch, patch:2 * patch].ravel())


def test_patch_embedding_rejects_a_patch_that_does_not_divide_the_image():
    with pytest.raises(ValueError, match="patch=5 must divide"):
        layers.PatchEmbedding((28, 28), 5, 8, np.random.default_rng(0))


@given(n=st.integers(1, 2), t=st.integers(2, 6), heads=st.integers(1, 2),
       position=st.data(), seed=st.integers(0, 999))
@settings(max_examples=30, deadline=None)
def test_causal_attention_never_sees_the_future(n, t, heads, position, seed):
    """Changing the inputs at positions > i changes no output at positions <= i, and the
    backward pass sends no gradient from an output to the inputs after it."""
    rng = np.random.default_rng(seed)
    d = 2 * heads
    attention = layers.SelfAttention(d, heads, rng, causal=True).cast(np.float64)
    for p in attention.params:
        p[...] = rng.normal(0, 0.5, p.shape)
    i = position.draw(st.integers(0, t - 2))
    x = rng.standard_normal((n, t, d))
    changed = x.copy()
    changed[:, i + 1:] = rng.standard_normal(changed[:, i + 1:].shape)
    before, cache = attention.forward(x)
    after, _ = attention.forward(changed)
    np.testing.assert_array_equal(before[:, :i + 1], after[:, :i + 1])
    assert not np.allclose(before[:, i + 1:], after[:, i + 1:])
    dy = np.zeros_like(before)
    dy[:, :i + 1] = rng.standard_normal(dy[:, :i + 1].shape)
    dx, _ = attention.backward(dy, cache)
    assert not dx[:, i + 1:].any()


def test_bidirectional_attention_sees_every_position():
    rng = np.random.default_rng(1)
    attention = layers.SelfAttention(4, 2, rng, causal=False)
    x = rng.standard_normal((1, 5, 4)).astype(np.float32)
    changed = x.copy()
    changed[:, -1] += 1
    assert not np.allclose(attention.forward(x)[0][:, 0], attention.forward(changed)[0][:, 0])


def test_sinusoidal_positions_are_the_closed_form():
    table = layers.SinusoidalPositions(50, 8, dtype=np.float64).table
    t, i = 17, 3  # S[t, 2i] = sin(t / 10000^(2i/d)), S[t, 2i+1] = cos(...)
    assert table[t, 2 * i] == pytest.approx(math.sin(t / 10000 ** (2 * i / 8)), abs=1e-15)
    assert table[t, 2 * i + 1] == pytest.approx(math.cos(t / 10000 ** (2 * i / 8)), abs=1e-15)
    x = np.zeros((2, 10, 8))
    y, _ = layers.SinusoidalPositions(50, 8, dtype=np.float64).forward(x)
    np.testing.assert_array_equal(y[1], table[:10])


def test_gelu_closed_form_and_derivative():
    a = np.linspace(-6, 6, 241)
    exact = 0.5 * a * (1 + np.tanh(math.sqrt(2 / math.pi) * (a + 0.044715 * a**3)))
    np.testing.assert_allclose(layers.gelu(a), exact, rtol=1e-14, atol=1e-15)
    numeric = (layers.gelu(a + H) - layers.gelu(a - H)) / (2 * H)
    np.testing.assert_allclose(layers.gelu_derivative(a), numeric, rtol=1e-6, atol=1e-9)


@given(lead=shapes, classes=st.integers(2, 6), seed=st.integers(0, 999))
@settings(max_examples=20, deadline=None)
def test_softmax_cross_entropy_is_the_mean_negative_log_probability(lead, classes, seed):
    rng = np.random.default_rng(seed)
    logits = 3 * rng.standard_normal((*lead, classes))
    targets = rng.integers(0, classes, lead)
    loss, error = layers.softmax_cross_entropy(logits, targets)
    p = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
    picked = np.take_along_axis(p, targets[..., None], axis=-1)[..., 0]
    assert loss == pytest.approx(float(-np.log(picked).mean()), rel=1e-12)
    n = math.prod(lead)
    objective = lambda: layers.softmax_cross_entropy(logits, targets)[0] * n  # noqa: E731
    np.testing.assert_allclose(error, _numeric_gradient(objective, logits), rtol=1e-5,
                               atol=1e-8)
