"""The contracts between models, feedback backends and the training loops.

A **model** (:class:`Model`: :class:`dfa.MLP`, :class:`dfa.Transformer`, :class:`dfa.ViT`)
maps inputs to logits and exposes named **feedback points**: the arrays where a learning rule
may deliver a signal. A **feedback backend** (:class:`Feedback`: :class:`dfa.Backprop`,
:class:`dfa.DigitalDFA`, :class:`dfa.OpticalDFA`) maps the output error to a signal at every
point; the model then backpropagates *locally* from each point to the parameters that point
owns.

Shapes. The output error ``e = dL_i / d logits_i`` has shape ``(..., error_size)``: one
error vector per sample (MLP, ViT: ``(n, n_classes)``) or per token (language model: ``(n,
t, vocab_size)``). A feedback point of shape ``s`` receives, for every error vector, an array
of shape ``s``: the signal has shape ``e.shape[:-1] + s``. A direct-feedback-alignment signal
is ``(e @ B.T).reshape(e.shape[:-1] + s)`` with ``B`` ``(prod(s), error_size)``.

Scale. A signal is a gradient per error vector, like ``e`` itself: the model divides it by
the number of error vectors in the batch (the loss is their mean), as it does ``e``.

``None`` as the signal of a point means "the true gradient": the model backpropagates the
signal of the point above (or the output error, for the top point) through the layers in
between, which is the backprop rule. :class:`dfa.Backprop` returns ``None`` everywhere, so
that the true gradients cost one ordinary backward pass.

Which variant of DFA
--------------------
For Transformers the signal is delivered at the output of every residual block and
backpropagated inside the block (attention and feed-forward sub-layers, both layer norms),
never through the residual stream to the block below: the "macro" placement of Launay et al.
(NeurIPS 2020), and the one of Wang et al. (arXiv:2409.12965). It keeps one feedback point per
block, so the optical frame count grows with the tokens, not with the sub-layers. The
embedding (and learned positions) are trained by the gradient the first block's local
backward pass leaves at its input; the final layer norm and the output layer get the true
gradient of ``e``. For an MLP a point is the output ``h_l`` of each hidden layer (Nokland
2016): ``delta_l = signal_l * f'(a_l)``.

References
----------
A. Nokland, "Direct feedback alignment provides learning in deep neural networks", NeurIPS
2016. J. Launay, I. Poli, F. Boniface, F. Krzakala, "Direct feedback alignment scales to modern
deep learning tasks and architectures", NeurIPS 2020.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np


@dataclass(frozen=True)
class FeedbackPoint:
    """A place where a feedback backend delivers a signal.

    Attributes
    ----------
    name : str
        E.g. ``"h1"`` (MLP hidden layer 1) or ``"block1"`` (output of Transformer block 1).
    shape : tuple of int
        Shape of the signal per error vector: ``(width,)`` for an MLP layer or a token's
        residual stream, ``(n_patches, d_model)`` for a ViT block fed by one image's error.
    """

    name: str
    shape: tuple

    @property
    def size(self) -> int:
        """Number of values per error vector (the rows of a DFA matrix for this point)."""
        return math.prod(self.shape)


@runtime_checkable
class Model(Protocol):
    """What :func:`dfa.train`, :func:`dfa.train_lm`, the feedback backends and
    :func:`dfa.alignment_angles` need of a model."""

    dtype: np.dtype

    @property
    def params(self) -> list:
        """The parameter arrays, updated in place by an optimiser."""

    @property
    def error_size(self) -> int:
        """Length of one error vector (``n_classes`` or ``vocab_size``)."""

    @property
    def feedback_points(self) -> list:
        """The :class:`FeedbackPoint` list, bottom (nearest the input) to top."""

    @property
    def alignment_groups(self) -> list:
        """For every feedback point, the indices in :attr:`params` of the weight matrices
        whose update its signal decides (where alignment angles are measured)."""

    def forward(self, inputs):
        """A cache for :meth:`gradients`, with the ``logits`` attribute."""

    def loss(self, logits, targets) -> float:
        """Mean loss over the error vectors (nats)."""

    def output_error(self, logits, targets) -> np.ndarray:
        """``e = dL_i / d logits_i``, shape ``(..., error_size)``."""

    def gradients(self, cache, signals, e) -> list:
        """Gradients matching :attr:`params` from one signal (or ``None``) per point."""


@runtime_checkable
class Feedback(Protocol):
    """A learning rule: the signal at every feedback point from the output error."""

    @property
    def cost(self):
        """The optical account (``lightsim.accounting.Cost``) or ``None``."""

    def signals(self, model, cache, e) -> list:
        """One array (shape ``e.shape[:-1] + point.shape``) or ``None`` per point."""


def check_signals(model, signals, e) -> list:
    """``signals`` as a list with one entry per feedback point of ``model``, each ``None`` or
    an array of shape ``e.shape[:-1] + point.shape`` (``ValueError`` naming the point)."""
    points = model.feedback_points
    signals = list(signals)
    if len(signals) != len(points):
        raise ValueError(f"expected {len(points)} signals (one per feedback point: "
                         f"{[p.name for p in points]}), got {len(signals)}")
    for point, signal in zip(points, signals):
        expected = (*e.shape[:-1], *point.shape)
        if signal is not None and np.shape(signal) != expected:
            raise ValueError(f"signal at feedback point {point.name!r} must have shape "
                             f"{expected}, got {np.shape(signal)}")
    return signals


def check_targets(targets, shape, n_classes, name="y") -> np.ndarray:
    """``targets`` as given if it holds integer class indices of ``shape`` in
    ``[0, n_classes)``; ``TypeError`` / ``ValueError`` naming ``name`` otherwise."""
    targets = np.asarray(targets)
    if targets.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integer class indices, got dtype {targets.dtype}")
    if targets.shape != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}, got {targets.shape}")
    outside = (targets < 0) | (targets >= n_classes)
    if outside.any():
        raise ValueError(f"{name} must be in [0, {n_classes}), got {int(outside.sum())} "
                         f"value(s) outside, in [{targets.min()}, {targets.max()}]")
    return targets
