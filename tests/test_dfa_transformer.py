"""dfa.Transformer and dfa.ViT: whole-model gradients against finite differences, the
feedback protocol (points, DFA signals, optical DFA per token), train_lm, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dfa
import lightsim
from dfa.protocols import Feedback, Model

H = 1e-6


def _randomise(model, seed):
    """Parameters of order 1 (the GPT-2 initialisation makes most gradients tiny)."""
    rng = np.random.default_rng(seed)
    for p in model.params:
        p[...] = rng.normal(0, 0.4, p.shape)
    return model


def _lm(vocab=5, context=4, d_model=4, n_heads=2, n_layers=2, seed=0, **kwargs):
    return dfa.Transformer(vocab, context=context, d_model=d_model, n_heads=n_heads,
                           n_layers=n_layers, seed=seed, **kwargs)


def _finite_difference_check(model, inputs, targets, signals=None, samples=4, seed=0):
    """Exact gradients (all signals None) against central differences of the loss on
    ``samples`` random entries of every parameter."""
    rng = np.random.default_rng(seed)
    cache = model.forward(inputs)
    e = model.output_error(cache.logits, targets)
    grads = model.gradients(cache, [None] * len(model.feedback_points), e)
    assert [g.shape for g in grads] == [p.shape for p in model.params]
    for p, g in zip(model.params, grads):
        flat, grad = p.reshape(-1), g.reshape(-1)
        for j in rng.choice(flat.size, min(samples, flat.size), replace=False):
            saved = flat[j]
            flat[j] = saved + H
            up = model.loss(model.forward(inputs).logits, targets)
            flat[j] = saved - H
            down = model.loss(model.forward(inputs).logits, targets)
            flat[j] = saved
            assert grad[j] == pytest.approx((up - down) / (2 * H), rel=1e-5, abs=1e-8)


@given(n=st.integers(1, 3), t=st.integers(1, 4), heads=st.integers(1, 2),
       n_layers=st.integers(1, 3), positions=st.sampled_from(["learned", "sinusoidal"]),
       activation=st.sampled_from(["gelu", "relu"]), seed=st.integers(0, 999))
@settings(max_examples=15, deadline=None)
def test_transformer_backprop_matches_finite_differences(n, t, heads, n_layers, positions,
                                                         activation, seed):
    model = _randomise(_lm(d_model=2 * heads, n_heads=heads, n_layers=n_layers, seed=seed,
                           positions=positions, activation=activation)
                       .astype(np.float64), seed)
    rng = np.random.default_rng(seed)
    ids, targets = rng.integers(0, 5, (n, t)), rng.integers(0, 5, (n, t))
    _finite_difference_check(model, ids, targets, seed=seed)


@given(n=st.integers(1, 3), heads=st.integers(1, 2), n_layers=st.integers(1, 2),
       seed=st.integers(0, 999))
@settings(max_examples=10, deadline=None)
def test_vit_backprop_matches_finite_differences(n, heads, n_layers, seed):
    model = _randomise(dfa.ViT((4, 6), 2, 3, d_model=2 * heads, n_heads=heads,
                               n_layers=n_layers, seed=seed).astype(np.float64), seed)
    rng = np.random.default_rng(seed)
    _finite_difference_check(model, rng.random((n, 24)), rng.integers(0, 3, n), seed=seed)


def test_models_follow_the_protocols():
    for model in (_lm(), dfa.ViT(d_model=8, n_heads=2, n_layers=1), dfa.MLP([3, 4, 2])):
        assert isinstance(model, Model)
    for feedback in (dfa.Backprop(), dfa.DigitalDFA()):
        assert isinstance(feedback, Feedback)


def test_feedback_points_and_alignment_groups():
    lm = _lm(vocab=7, d_model=6, n_heads=3, n_layers=3)
    assert [(p.name, p.shape) for p in lm.feedback_points] == [
        ("block1", (6,)), ("block2", (6,)), ("block3", (6,))]
    assert lm.error_size == 7
    vit = dfa.ViT((28, 28), 7, 10, d_model=8, n_heads=2, n_layers=2)
    assert [p.shape for p in vit.feedback_points] == [(16, 8), (16, 8)]
    assert vit.error_size == 10
    # every block's four weight matrices, and nothing else
    for model in (lm, vit):
        groups = model.alignment_groups
        assert len(groups) == model.n_layers
        for block, group in zip(model.blocks, groups):
            assert [model.params[i] for i in group] == block.weights
            assert len(group) == 4


@pytest.mark.parametrize("kind", ["lm", "vit"])
def test_a_signal_is_a_gradient_per_error_vector(kind):
    """Handing the top block the true gradient of the loss at its output, times the number
    of error vectors (the documented scale of a signal), gives exactly the backprop
    updates."""
    rng = np.random.default_rng(2)
    if kind == "lm":
        model = _randomise(_lm(n_layers=2).astype(np.float64), 2)
        inputs, targets = rng.integers(0, 5, (3, 4)), rng.integers(0, 5, (3, 4))
    else:
        model = _randomise(dfa.ViT((4, 4), 2, 3, d_model=4, n_heads=2, n_layers=2)
                           .astype(np.float64), 2)
        inputs, targets = rng.random((5, 16)), rng.integers(0, 3, 5)
    cache = model.forward(inputs)
    e = model.output_error(cache.logits, targets)
    n_vectors = np.prod(e.shape[:-1])
    norm_cache, head_cache, shape = cache.head
    dpooled, _ = model.head.backward(e / n_vectors, head_cache)
    dtop, _ = model.final_norm.backward(model._unpool(dpooled, shape), norm_cache)
    top_signal = (dtop * n_vectors).reshape(*e.shape[:-1], *model.feedback_points[-1].shape)
    exact = model.gradients(cache, [None, None], e)
    given_top = model.gradients(cache, [None, top_signal], e)
    for a, b in zip(exact, given_top):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_a_dfa_signal_changes_the_blocks_not_the_output_layers():
    """The final layer norm and the output layer always get the true gradient of e; a DFA
    signal at the top block changes that block's updates."""
    model = _randomise(_lm(n_layers=2).astype(np.float64), 1)
    rng = np.random.default_rng(1)
    ids, targets = rng.integers(0, 5, (2, 4)), rng.integers(0, 5, (2, 4))
    cache = model.forward(ids)
    e = model.output_error(cache.logits, targets)
    exact = model.gradients(cache, [None, None], e)
    dfa_top = dfa.DigitalDFA(seed=3).signals(model, cache, e)
    mixed = model.gradients(cache, [None, dfa_top[1]], e)
    head = len(model.final_norm.params) + len(model.head.params)
    for a, b in zip(exact[-head:], mixed[-head:]):
        np.testing.assert_array_equal(a, b)  # the output layers always get the truth
    ids_of = {id(p): i for i, p in enumerate(model.params)}
    block2 = [ids_of[id(p)] for p in model.blocks[1].params]
    assert not np.allclose(exact[block2[0]], mixed[block2[0]])


def test_digital_dfa_signal_per_token_is_the_projection_of_that_tokens_error():
    model = _lm(vocab=6, d_model=4, n_layers=2)
    rng = np.random.default_rng(0)
    ids, targets = rng.integers(0, 6, (3, 4)), rng.integers(0, 6, (3, 4))
    cache = model.forward(ids)
    e = model.output_error(cache.logits, targets)
    feedback = dfa.DigitalDFA(seed=1)
    signals = feedback.signals(model, cache, e)
    matrices = feedback.matrices(model)
    assert [b.shape for b in matrices] == [(4, 6), (4, 6)]
    for signal, b in zip(signals, matrices):
        assert signal.shape == (3, 4, 4)
        np.testing.assert_allclose(signal[2, 1], b @ e[2, 1], rtol=1e-5, atol=1e-7)
    vit = dfa.ViT((4, 4), 2, 3, d_model=4, n_heads=2, n_layers=1)
    cache = vit.forward(rng.random((5, 16)))
    e = vit.output_error(cache.logits, rng.integers(0, 3, 5))
    (signal,) = dfa.DigitalDFA(seed=2).signals(vit, cache, e)
    assert signal.shape == (5, 4, 4)  # one (n_patches, d_model) signal per image


def test_optical_dfa_projects_one_error_per_token():
    model = _lm(vocab=6, d_model=4, n_layers=2)
    rng = np.random.default_rng(0)
    ids, targets = rng.integers(0, 6, (3, 4)), rng.integers(0, 6, (3, 4))
    cache = model.forward(ids)
    e = model.output_error(cache.logits, targets)
    opu = lightsim.OPU(6, 8, preset="ideal", camera=None, seed=1, macro_pixels=4)
    feedback = dfa.OpticalDFA(opu, encoding="ternary", threshold=0.0)
    frames = opu.cost.total_frames
    signals = feedback.signals(model, cache, e)
    probe_frames = opu.cost.total_frames - frames
    assert [s.shape for s in signals] == [(3, 4, 4), (3, 4, 4)]
    r = np.abs(e).max(axis=-1, keepdims=True)
    expected = (r * np.sign(e)) @ np.concatenate(feedback.matrices(model)).T
    got = np.concatenate(signals, axis=-1)
    np.testing.assert_allclose(got, expected, rtol=1e-3, atol=1e-4 * np.abs(expected).max())
    # frames per step grow with the tokens: a second call costs 12 tokens' worth
    frames = opu.cost.total_frames
    feedback.signals(model, cache, e)
    per_call = opu.cost.total_frames - frames
    assert per_call > 0 and probe_frames > per_call
    feedback.signals(model, model.forward(ids[:1]), e[:1])
    assert opu.cost.total_frames - frames - per_call == per_call // 3


def test_optical_dfa_names_the_sizes_when_the_opu_is_too_small():
    model = _lm(vocab=6, d_model=4, n_layers=3)
    cache = model.forward(np.zeros((1, 2), dtype=int))
    e = model.output_error(cache.logits, np.zeros((1, 2), dtype=int))
    with pytest.raises(ValueError, match=r"block1 4 \+ block2 4 \+ block3 4 = 12"):
        dfa.OpticalDFA(lightsim.OPU(6, 10, preset="ideal", seed=0)).signals(model, cache, e)
    with pytest.raises(ValueError, match="error size 6"):
        dfa.OpticalDFA(lightsim.OPU(5, 12, preset="ideal", seed=0)).signals(model, cache, e)


# ---------------------------------------------------------------------------- bad input
def test_token_ids_outside_the_vocabulary_and_sequences_longer_than_the_context():
    model = _lm(vocab=5, context=4)
    with pytest.raises(ValueError, match=r"ids must be in \[0, 5\)"):
        model.forward(np.array([[0, 1, 5]]))
    with pytest.raises(ValueError, match="longer than the model's context=4"):
        model.forward(np.zeros((1, 5), dtype=int))
    with pytest.raises(TypeError, match="integer"):
        model.forward(np.zeros((1, 3)))
    with pytest.raises(ValueError, match="shape"):
        model.forward(np.zeros(3, dtype=int))
    with pytest.raises(ValueError, match="multiple of n_heads"):
        _lm(d_model=6, n_heads=4)
    with pytest.raises(ValueError, match=r"train_ids must be in \[0, 5\)"):
        dfa.train_lm(model, dfa.Backprop(), (np.arange(10), np.zeros(10, dtype=int)),
                     steps=1, optimizer=dfa.Adam())
    with pytest.raises(ValueError, match="at least context"):
        dfa.train_lm(model, dfa.Backprop(), (np.zeros(4, dtype=int), np.zeros(10, dtype=int)),
                     steps=1, optimizer=dfa.Adam())
    with pytest.raises(ValueError, match=r"shape \(n_samples, 16\)"):
        dfa.ViT((4, 4), 2, 3, d_model=4, n_heads=2, n_layers=1).forward(np.zeros((2, 15)))


def test_train_lm_stops_on_a_non_finite_loss_naming_the_step():
    # the first update overflows the weights: the loss of the second batch is not finite
    ids = np.tile(np.arange(5), 20)
    with pytest.raises(FloatingPointError, match="loss is nan at step 2 of 3"), \
            np.errstate(all="ignore"):
        dfa.train_lm(_lm(), dfa.Backprop(), (ids, ids), steps=3, batch_size=2,
                     optimizer=dfa.SGD(lr=1e30, momentum=0.0), progress=False)


# ---------------------------------------------------------------------------- training
@pytest.mark.parametrize("feedback", [dfa.Backprop(), dfa.DigitalDFA(seed=1)],
                         ids=["backprop", "dfa"])
def test_train_lm_learns_a_deterministic_sequence(feedback):
    """A periodic text (period 5, 5 symbols) is predictable from one token of history: the
    validation loss falls from log2(5) = 2.32 bits to near zero."""
    ids = np.tile(np.array([0, 3, 1, 4, 2]), 200)
    model = _lm(vocab=5, context=8, d_model=16, n_heads=2, n_layers=2, seed=0)
    assert dfa.bits_per_char(model, ids[800:]) == pytest.approx(np.log2(5), abs=0.05)
    history = dfa.train_lm(model, feedback, (ids[:800], ids[800:]), steps=60, batch_size=8,
                           optimizer=dfa.Adam(1e-2), evaluations=3, progress=False)
    assert history["step"] == [20, 40, 60]
    assert history["val_bits_per_char"][-1] < 0.3
    assert all(len(a) == 2 for a in history["alignment"])
    if isinstance(feedback, dfa.Backprop):
        assert np.nanmax(history["alignment"]) < 1e-3
    assert history["opu_cost"] is None


def test_train_lm_is_reproducible_bit_for_bit():
    ids = np.random.default_rng(0).integers(0, 5, 400)

    def run():
        model = _lm(context=6, d_model=8, n_layers=1)
        history = dfa.train_lm(model, dfa.DigitalDFA(seed=2), (ids[:300], ids[300:]), steps=6,
                               batch_size=4, optimizer=dfa.Adam(1e-3), evaluations=2,
                               progress=False)
        history.pop("time")
        return history, [p.copy() for p in model.params]

    (h1, p1), (h2, p2) = run(), run()
    assert h1 == h2
    for a, b in zip(p1, p2):
        np.testing.assert_array_equal(a, b)


def test_vit_trains_through_dfa_train():
    """The classifier loop takes a ViT: backprop learns a two-class pattern (left or right
    half bright) on 4 x 4 images."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300)
    x = rng.random((300, 4, 4)) * 0.2
    x[y == 0, :, :2] += 1
    x[y == 1, :, 2:] += 1
    model = dfa.ViT((4, 4), 2, 2, d_model=8, n_heads=2, n_layers=1, seed=0)
    history = dfa.train(model, dfa.Backprop(), (x.reshape(300, 16)[:200], y[:200],
                                                x.reshape(300, 16)[200:], y[200:]),
                        epochs=3, batch_size=20, optimizer=dfa.Adam(1e-2), progress=False)
    assert history["test_accuracy"][-1] > 0.95


def test_bits_per_char_is_the_mean_loss_in_bits():
    model = _lm(vocab=5, context=4)
    ids = np.random.default_rng(3).integers(0, 5, 23)  # 4 windows of 5 tokens, 3 dropped
    windows = ids[:20].reshape(4, 5)
    loss = model.loss(model.forward(windows[:, :-1]).logits, windows[:, 1:])
    assert dfa.bits_per_char(model, ids) == pytest.approx(loss / np.log(2), rel=1e-6)
