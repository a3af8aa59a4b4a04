"""The training loop and its metrics: accuracy and gradient alignment.

Alignment (Nokland 2016; Launay et al., "Principled training of neural networks with direct
feedback alignment", arXiv:1906.04554, 2019) is the angle between the weight update a
feedback rule prescribes for a hidden layer and the true gradient of the loss (backprop) on
the same batch: 0 degrees is backprop, 90 degrees is an update orthogonal to the gradient
(no first-order progress). DFA learns because the forward weights come to align the two.
"""

from __future__ import annotations

import math
import time

import numpy as np
from tqdm.auto import tqdm

from lightsim import checks

from .feedback import Backprop
from .protocols import check_targets


def _angle(a, b) -> float:
    """Angle in degrees between two arrays seen as vectors (NaN if either is zero)."""
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    norms = np.linalg.norm(a) * np.linalg.norm(b)
    if norms == 0:
        return math.nan
    return math.degrees(math.acos(min(1.0, max(-1.0, float(a @ b) / norms))))


def alignment_angles(model, feedback, x, y) -> list:
    """Angles (degrees) between ``feedback``'s and backprop's weight updates, per feedback point.

    Computed on the batch ``(x, y)`` (inputs and targets of ``model``) over the weight matrices
    each point's signal decides (``model.alignment_groups``: ``W_l`` of an MLP's hidden layer
    ``l``, the four matrices of a Transformer block; biases, gains and embeddings excluded),
    taken together as one vector; NaN for a point whose update is exactly zero. With an
    optical feedback this call uses the OPU (and its frames are counted in its cost).
    """
    cache = model.forward(x)
    e = model.output_error(cache.logits, y)
    exact = model.gradients(cache, Backprop().signals(model, cache, e), e)
    approx = model.gradients(cache, feedback.signals(model, cache, e), e)
    return [_angle(np.concatenate([approx[i].ravel() for i in group]),
                   np.concatenate([exact[i].ravel() for i in group]))
            for group in model.alignment_groups]


def evaluate(model, x, y, batch_size=4096) -> float:
    """Classification accuracy (fraction in ``[0, 1]``) of ``model`` on ``(x, y)``."""
    return float(np.mean(model.predict(x, batch_size) == model.check_labels(y, len(x))))


def _check_data(model, data):
    try:
        x_train, y_train, x_test, y_test = data
    except (TypeError, ValueError):
        raise TypeError("data must be a tuple (x_train, y_train, x_test, y_test)") from None
    checked = []
    for part, x, y in (("train", x_train, y_train), ("test", x_test, y_test)):
        x = model.check_inputs(x, f"x_{part}")
        if len(x) == 0:
            raise ValueError(f"x_{part} must hold at least one sample, got shape {x.shape}")
        y = model.check_labels(y, len(x), f"y_{part}")
        checked += [x, y]
    return checked


def _check_feedback(feedback):
    """``TypeError`` unless ``feedback`` is a feedback object (an instance with
    ``signals``, :class:`dfa.protocols.Feedback`), naming what was given: a class, a string,
    anything else."""
    expected = "a feedback object such as dfa.Backprop(), dfa.DigitalDFA() or " \
               "dfa.OpticalDFA(opu)"
    if isinstance(feedback, type):
        raise TypeError(f"feedback must be {expected}, got the class {feedback.__name__}: "
                        f"call it, {feedback.__name__}(...)")
    if not callable(getattr(feedback, "signals", None)):
        raise TypeError(f"feedback must be {expected}, got {feedback!r:.80} of type "
                        f"{type(feedback).__name__}")


def train(model, feedback, data, *, epochs, batch_size=128, optimizer, seed=0, progress=True,
          alignment_batch=512, lr_decay=1.0) -> dict:
    """Train ``model`` in place with ``feedback`` deciding the hidden-layer updates.

    Parameters
    ----------
    model : dfa.MLP or dfa.ViT
        A classifier following :class:`dfa.protocols.Model`, with ``check_inputs``,
        ``check_labels`` and ``predict``.
    feedback : dfa.Backprop, dfa.DigitalDFA or dfa.OpticalDFA
    data : tuple
        ``(x_train, y_train, x_test, y_test)``; images ``(n, n_features)`` (converted to the
        model's dtype), integer labels in ``[0, n_classes)``. Checked before training:
        non-finite inputs, labels out of range or shape mismatches raise ``ValueError``.
    epochs : int
        Passes over the training set.
    batch_size : int
        Samples per update; the last batch of an epoch holds the remainder.
    optimizer : dfa.SGD or dfa.Adam
    seed : int
        Seeds the held alignment batch and the shuffling of every epoch. Same model, feedback,
        data and seed give the same history bit for bit (except ``"time"``).
    progress : bool
        Show a tqdm progress bar.
    alignment_batch : int
        Size of the fixed batch, drawn once from the training set, on which the alignment is
        measured at the end of every epoch (capped at the training-set size).
    lr_decay : float
        Factor in ``(0, 1]`` applied to ``optimizer.lr`` after every epoch (exponential
        learning-rate decay; 1 keeps it constant).

    Returns
    -------
    dict
        Per-epoch lists: ``"loss"`` (mean training loss over the epoch's batches, before each
        update), ``"train_accuracy"`` (fraction of the epoch's training samples classified
        correctly when their batch was seen), ``"test_accuracy"`` (after the epoch),
        ``"alignment"`` (list of angles in degrees, one per feedback point, see
        :func:`alignment_angles`), ``"lr"`` (learning rate used in the epoch), ``"time"``
        (wall time since the start, s); and
        ``"opu_cost"``: ``feedback.cost.summary()`` at the end, or ``None``.

    Raises
    ------
    FloatingPointError
        If the loss of a batch is NaN or infinite (the message names the epoch and batch).
    """
    x_train, y_train, x_test, y_test = _check_data(model, data)
    epochs = checks.integer("epochs", epochs, minimum=1)
    batch_size = checks.integer("batch_size", batch_size, minimum=1)
    seed = checks.seed("seed", seed)
    alignment_batch = checks.integer("alignment_batch", alignment_batch, minimum=1)
    lr_decay = checks.in_range("lr_decay", lr_decay, 0.0, 1.0)
    if lr_decay == 0.0:
        raise ValueError("lr_decay must be > 0, got 0.0")
    if not (hasattr(optimizer, "step") and hasattr(optimizer, "lr")):
        raise TypeError(f"optimizer must have a step(params, grads) method and an lr "
                        f"attribute, got {type(optimizer).__name__}")
    _check_feedback(feedback)

    rng = np.random.default_rng(seed)
    n = len(x_train)
    held = rng.choice(n, size=min(alignment_batch, n), replace=False)
    x_held, y_held = x_train[held], y_train[held]
    n_batches = -(-n // batch_size)
    history = {key: [] for key in ("loss", "train_accuracy", "test_accuracy", "alignment",
                                   "lr", "time")}
    start = time.perf_counter()
    with tqdm(total=epochs * n_batches, disable=not progress, unit="batch",
              desc=type(feedback).__name__) as bar:
        for epoch in range(1, epochs + 1):
            order = rng.permutation(n)
            loss_sum, correct = 0.0, 0
            for batch in range(1, n_batches + 1):
                idx = order[(batch - 1) * batch_size:batch * batch_size]
                xb, yb = x_train[idx], y_train[idx]
                cache = model.forward(xb)
                loss = model.loss(cache.logits, yb)
                if not math.isfinite(loss):
                    raise FloatingPointError(
                        f"loss is {loss} at epoch {epoch}, batch {batch} of {n_batches}; "
                        f"the training diverged (lower the learning rate)")
                e = model.output_error(cache.logits, yb)
                optimizer.step(model.params,
                               model.gradients(cache, feedback.signals(model, cache, e), e))
                loss_sum += loss * len(idx)
                correct += int(np.count_nonzero(np.argmax(cache.logits, axis=1) == yb))
                bar.update()
            history["loss"].append(loss_sum / n)
            history["train_accuracy"].append(correct / n)
            history["test_accuracy"].append(evaluate(model, x_test, y_test))
            history["alignment"].append(alignment_angles(model, feedback, x_held, y_held))
            history["lr"].append(optimizer.lr)
            history["time"].append(time.perf_counter() - start)
            optimizer.lr *= lr_decay
            bar.set_postfix(loss=f"{history['loss'][-1]:.4f}",
                            test=f"{history['test_accuracy'][-1]:.4f}")
    cost = getattr(feedback, "cost", None)
    history["opu_cost"] = None if cost is None else cost.summary()
    return history


def _check_text(model, data):
    try:
        train_ids, val_ids = data
    except (TypeError, ValueError):
        raise TypeError("data must be a pair (train_ids, val_ids) of 1-D token id arrays, as "
                        "dfa.data.load_text returns first") from None
    checked = []
    for name, ids in (("train_ids", train_ids), ("val_ids", val_ids)):
        ids = np.asarray(ids)
        if ids.ndim != 1 or len(ids) < model.context + 1:
            raise ValueError(f"{name} must be 1-D with at least context + 1 = "
                             f"{model.context + 1} tokens, got shape {ids.shape}")
        checked.append(check_targets(ids, ids.shape, model.vocab_size, name))
    return checked


def _windows(ids, starts, length):
    """``(len(starts), length)`` slices ``ids[s:s + length]``."""
    return ids[np.asarray(starts)[:, None] + np.arange(length)]


def bits_per_char(model, ids, batch_size=64) -> float:
    """Mean next-token cross-entropy of ``model`` on ``ids`` in bits per token.

    ``ids`` is cut into consecutive windows of ``context + 1`` tokens (the last, shorter one
    dropped); each window predicts its last ``context`` tokens from the ones before, so every
    predicted token sees between 1 and ``context`` tokens of history.
    """
    ids = np.asarray(ids)
    length = model.context + 1
    starts = np.arange(0, len(ids) - length + 1, length)
    if len(starts) == 0:
        raise ValueError(f"ids must hold at least context + 1 = {length} tokens, got "
                         f"{len(ids)}")
    total = 0.0
    for i in range(0, len(starts), batch_size):
        w = _windows(ids, starts[i:i + batch_size], length)
        total += model.loss(model.forward(w[:, :-1]).logits, w[:, 1:]) * len(w)
    return total / len(starts) / math.log(2)


def train_lm(model, feedback, data, *, steps, batch_size=32, optimizer, seed=0,
             progress=True, evaluations=10, eval_tokens=32768, alignment_batch=8) -> dict:
    """Train a language model (:class:`dfa.Transformer`) in place on next-token prediction.

    Parameters
    ----------
    model : dfa.Transformer
    feedback : dfa.Backprop, dfa.DigitalDFA or dfa.OpticalDFA
        For :class:`dfa.OpticalDFA` the OPU's ``n_in`` is ``vocab_size`` and its ``n_out``
        covers the feedback points (``n_layers * d_model`` pixels); it projects one error
        vector per token: ``batch_size * context`` OPU inputs per step.
    data : (train_ids, val_ids)
        1-D integer token ids in ``[0, vocab_size)`` (:func:`dfa.data.load_text`), each at
        least ``context + 1`` long.
    steps : int
        Updates; each sees ``batch_size`` windows of ``context + 1`` tokens drawn uniformly
        from ``train_ids``.
    batch_size : int
    optimizer : dfa.SGD or dfa.Adam
    seed : int
        Seeds the windows and the held alignment batch. Same model, feedback, data and seed
        give the same history bit for bit (except ``"time"``).
    progress : bool
        tqdm progress bar.
    evaluations : int
        Number of evaluations, evenly spaced, the last after the final step.
    eval_tokens : int
        Validation tokens per evaluation: the windows of :func:`bits_per_char` that start in
        the first ``eval_tokens`` of ``val_ids`` (all of it if longer). The same tokens at
        every evaluation.
    alignment_batch : int
        Windows of the fixed training batch on which :func:`alignment_angles` is measured at
        every evaluation.

    Returns
    -------
    dict
        Lists, one entry per evaluation: ``"step"`` (updates done), ``"train_bits_per_char"``
        (mean training loss in bits over the steps since the previous evaluation, before
        each update), ``"val_bits_per_char"``, ``"alignment"`` (degrees, one per block),
        ``"time"`` (s since the start); and ``"opu_cost"``: ``feedback.cost.summary()`` at
        the end, or ``None``.

    Raises
    ------
    FloatingPointError
        If a loss is NaN or infinite (naming the step).
    """
    train_ids, val_ids = _check_text(model, data)
    steps = checks.integer("steps", steps, minimum=1)
    batch_size = checks.integer("batch_size", batch_size, minimum=1)
    seed = checks.seed("seed", seed)
    evaluations = checks.integer("evaluations", evaluations, minimum=1)
    eval_tokens = checks.integer("eval_tokens", eval_tokens, minimum=model.context + 1)
    alignment_batch = checks.integer("alignment_batch", alignment_batch, minimum=1)
    if not (hasattr(optimizer, "step") and hasattr(optimizer, "lr")):
        raise TypeError(f"optimizer must have a step(params, grads) method and an lr "
                        f"attribute, got {type(optimizer).__name__}")
    _check_feedback(feedback)

    rng = np.random.default_rng(seed)
    length = model.context + 1
    held = _windows(train_ids, rng.integers(0, len(train_ids) - length + 1, alignment_batch),
                    length)
    val_part = val_ids[:eval_tokens]
    evaluate_at = set(np.linspace(0, steps, evaluations + 1).round().astype(int)[1:].tolist())
    history = {key: [] for key in ("step", "train_bits_per_char", "val_bits_per_char",
                                   "alignment", "time")}
    loss_sum, since = 0.0, 0
    start = time.perf_counter()
    with tqdm(total=steps, disable=not progress, unit="step",
              desc=type(feedback).__name__) as bar:
        for step in range(1, steps + 1):
            w = _windows(train_ids, rng.integers(0, len(train_ids) - length + 1, batch_size),
                         length)
            cache = model.forward(w[:, :-1])
            loss = model.loss(cache.logits, w[:, 1:])
            if not math.isfinite(loss):
                raise FloatingPointError(f"loss is {loss} at step {step} of {steps}; the "
                                         f"training diverged (lower the learning rate)")
            e = model.output_error(cache.logits, w[:, 1:])
            optimizer.step(model.params,
                           model.gradients(cache, feedback.signals(model, cache, e), e))
            loss_sum += loss
            since += 1
            bar.update()
            if step in evaluate_at:
                history["step"].append(step)
                history["train_bits_per_char"].append(loss_sum / since / math.log(2))
                history["val_bits_per_char"].append(bits_per_char(model, val_part))
                history["alignment"].append(alignment_angles(model, feedback, held[:, :-1],
                                                             held[:, 1:]))
                history["time"].append(time.perf_counter() - start)
                loss_sum, since = 0.0, 0
                bar.set_postfix(train=f"{history['train_bits_per_char'][-1]:.3f}",
                                val=f"{history['val_bits_per_char'][-1]:.3f}")
    cost = getattr(feedback, "cost", None)
    history["opu_cost"] = None if cost is None else cost.summary()
    return history
