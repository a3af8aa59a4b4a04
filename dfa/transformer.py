"""Small Transformers built from :mod:`dfa.layers`: a decoder-only language model and a ViT.

Both are a stack of pre-norm residual blocks (:class:`dfa.layers.Block`) between an input
embedding and ``LayerNorm -> Dense`` output layer, and both follow :class:`dfa.protocols.Model`:
one feedback point per block output, where :mod:`dfa.feedback` delivers its signal (see
:mod:`dfa.protocols` for the DFA variant and why).

* :class:`Transformer`: token ids ``(n, t)`` with ``t <= context`` -> next-token logits ``(n,
  t, vocab_size)``; causal attention; the error is one ``vocab_size`` vector per token and
  every point receives a ``(d_model,)`` signal per token.
* :class:`ViT`: images -> class logits ``(n, n_classes)``; ``patch x patch`` tiles embedded
  with learned positions, bidirectional attention, mean pooling over the patches before the
  output layer (instead of a class token: one special case fewer). The error is one
  ``n_classes`` vector per image and a point receives an ``(n_patches, d_model)`` signal per image.

References
----------
A. Radford et al., "Improving language understanding by generative pre-training" (GPT, 2018)
and "Language models are unsupervised multitask learners" (GPT-2, 2019). A. Dosovitskiy et
al., "An image is worth 16x16 words: Transformers for image recognition at scale", ICLR 2021.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np

from lightsim import checks

from . import layers
from .protocols import FeedbackPoint, check_signals, check_targets

POSITIONS = ("learned", "sinusoidal")


@dataclass
class Cache:
    """What :meth:`forward` keeps for :meth:`gradients`.

    Attributes
    ----------
    logits : ndarray
        ``(n, t, vocab_size)`` or ``(n, n_classes)``.
    embedding : object
        The embedding's cache.
    blocks : list
        One cache per block.
    head : tuple
        Caches of the final layer norm and the output layer (and the pooled shape for ViT).
    """

    logits: np.ndarray
    embedding: object
    blocks: list
    head: tuple


class _BlockStack:
    """Shared by :class:`Transformer` and :class:`ViT`: blocks, output head, gradients."""

    def _build_stack(self, rng, *, d_model, n_heads, n_layers, causal, activation,
                     ff_multiplier, n_out, dtype):
        self.d_model = checks.integer("d_model", d_model, minimum=1)
        self.n_heads = checks.integer("n_heads", n_heads, minimum=1)
        self.n_layers = checks.integer("n_layers", n_layers, minimum=1)
        if self.d_model % self.n_heads:
            raise ValueError(f"d_model={self.d_model} must be a multiple of "
                             f"n_heads={self.n_heads}")
        ff_multiplier = checks.integer("ff_multiplier", ff_multiplier, minimum=1)
        out_std = layers.INIT_STD / math.sqrt(2 * self.n_layers)
        self.blocks = [layers.Block(self.d_model, self.n_heads, rng, causal=causal,
                                    hidden=ff_multiplier * self.d_model, activation=activation,
                                    out_std=out_std, dtype=dtype)
                       for _ in range(self.n_layers)]
        self.final_norm = layers.LayerNorm(self.d_model, dtype=dtype)
        self.head = layers.Dense(self.d_model, n_out, rng, dtype=dtype)

    @staticmethod
    def _dtype(dtype):
        dtype = np.dtype(dtype)
        if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
            raise TypeError(f"dtype must be float32 or float64, got {dtype}")
        return dtype

    # ---------------------------------------------------------------- structure
    def _layers(self) -> list:
        return [*self._input_layers(), *self.blocks, self.final_norm, self.head]

    @property
    def params(self) -> list:
        return [p for layer in self._layers() for p in layer.params]

    @property
    def feedback_points(self) -> list:
        return [FeedbackPoint(f"block{i}", self._point_shape)
                for i in range(1, self.n_layers + 1)]

    @property
    def alignment_groups(self) -> list:
        ids = {id(p): i for i, p in enumerate(self.params)}
        return [[ids[id(w)] for w in block.weights] for block in self.blocks]

    def astype(self, dtype):
        """A deep copy with parameters (and fixed tables) of ``dtype``."""
        new = copy.deepcopy(self)
        new.dtype = self._dtype(dtype)
        for layer in new._layers():
            layer.cast(new.dtype)
        return new

    # ---------------------------------------------------------------- computation
    def _forward_stack(self, x, embedding_cache):
        caches = []
        for block in self.blocks:
            x, cache = block.forward(x)
            caches.append(cache)
        normed, norm_cache = self.final_norm.forward(x)
        pooled = self._pool(normed)
        logits, head_cache = self.head.forward(pooled)
        return Cache(logits, embedding_cache, caches, (norm_cache, head_cache, normed.shape))

    def loss(self, logits, targets) -> float:
        """Mean softmax cross-entropy over the error vectors (nats)."""
        return layers.softmax_cross_entropy(logits, self.check_targets(targets, logits))[0]

    def output_error(self, logits, targets) -> np.ndarray:
        """``e = softmax(logits) - onehot(targets)``, one vector per token or image."""
        return layers.softmax_cross_entropy(logits, self.check_targets(targets, logits))[1]

    def gradients(self, cache, signals, e) -> list:
        """Gradients matching :attr:`params`.

        ``signals``: one per block (``None`` = backpropagate the gradient from above), each
        of shape ``e.shape[:-1] + point.shape``. The output head always gets the true
        gradient of ``e``; every block backpropagates its own signal inside itself; the
        embedding gets what block 1 leaves at its input. With ``None`` everywhere these are
        the exact gradients of :meth:`loss`.
        """
        signals = check_signals(self, signals, e)
        scale = np.asarray(1 / math.prod(e.shape[:-1]), self.dtype)
        norm_cache, head_cache, normed_shape = cache.head
        dpooled, head_grads = self.head.backward(e.astype(self.dtype, copy=False) * scale,
                                                 head_cache)
        dnormed = self._unpool(dpooled, normed_shape)
        d, norm_grads = self.final_norm.backward(dnormed, norm_cache)
        block_grads = [None] * self.n_layers
        for i in reversed(range(self.n_layers)):
            if signals[i] is not None:
                d = np.asarray(signals[i], self.dtype).reshape(normed_shape) * scale
            below_needs = i == 0 or signals[i - 1] is None
            d, block_grads[i] = self.blocks[i].backward(d, cache.blocks[i], below_needs)
        input_grads = self._backward_input(d, cache.embedding)
        return [*input_grads, *(g for grads in block_grads for g in grads), *norm_grads,
                *head_grads]


class Transformer(_BlockStack):
    """A decoder-only (causal) Transformer language model.

    Parameters
    ----------
    vocab_size : int
        Number of token ids (``len(alphabet)`` of :func:`dfa.data.load_text`).
    context : int
        Longest sequence (tokens).
    d_model, n_heads, n_layers : int
        Width of the residual stream, attention heads per block (dividing ``d_model``),
        number of blocks.
    seed : int
        Seeds the initialisation (GPT-2: N(0, 0.02^2), residual projections / sqrt(2
        n_layers)).
    positions : {"learned", "sinusoidal"}
    activation : {"gelu", "relu"}
        Of the feed-forward layers, of width ``ff_multiplier * d_model``.
    dtype : float32 or float64
    """

    def __init__(self, vocab_size, *, context, d_model, n_heads, n_layers, seed=0,
                 positions="learned", activation="gelu", ff_multiplier=4, dtype=np.float32):
        self.vocab_size = checks.integer("vocab_size", vocab_size, minimum=2)
        self.context = checks.integer("context", context, minimum=1)
        self.positions_kind = checks.choice("positions", positions, POSITIONS)
        self.seed = checks.seed("seed", seed)
        self.dtype = self._dtype(dtype)
        rng = np.random.default_rng(self.seed)
        d_model = checks.integer("d_model", d_model, minimum=1)
        self.embedding = layers.Embedding(self.vocab_size, d_model, rng, dtype=self.dtype)
        self.positions = (layers.LearnedPositions(self.context, d_model, rng, dtype=self.dtype)
                          if positions == "learned"
                          else layers.SinusoidalPositions(self.context, d_model, self.dtype))
        self._build_stack(rng, d_model=d_model, n_heads=n_heads, n_layers=n_layers,
                          causal=True, activation=activation, ff_multiplier=ff_multiplier,
                          n_out=self.vocab_size, dtype=self.dtype)

    @property
    def error_size(self) -> int:
        return self.vocab_size

    @property
    def _point_shape(self):
        return (self.d_model,)

    def _input_layers(self):
        return [self.embedding, self.positions]

    def check_ids(self, ids, name="ids") -> np.ndarray:
        """``ids`` if they are integer token ids ``(n, t)``, ``1 <= t <= context``, in
        ``[0, vocab_size)``."""
        ids = np.asarray(ids)
        if ids.ndim != 2 or ids.shape[1] < 1:
            raise ValueError(f"{name} must have shape (n_sequences, n_tokens), got "
                             f"{ids.shape}")
        if ids.shape[1] > self.context:
            raise ValueError(f"{name} holds sequences of {ids.shape[1]} tokens, longer than "
                             f"the model's context={self.context}")
        return check_targets(ids, ids.shape, self.vocab_size, name)

    def check_targets(self, targets, logits):
        return check_targets(targets, logits.shape[:-1], self.vocab_size, "targets")

    def forward(self, ids) -> Cache:
        ids = self.check_ids(ids)
        x, embedding_cache = self.embedding.forward(ids)
        x, position_cache = self.positions.forward(x)
        return self._forward_stack(x, (embedding_cache, position_cache))

    @staticmethod
    def _pool(normed):
        return normed

    @staticmethod
    def _unpool(d, shape):
        return d

    def _backward_input(self, d, cache):
        embedding_cache, position_cache = cache
        d, position_grads = self.positions.backward(d, position_cache)
        _, embedding_grads = self.embedding.backward(d, embedding_cache)
        return [*embedding_grads, *position_grads]

    def logits(self, ids) -> np.ndarray:
        """Next-token logits ``(n, t, vocab_size)``."""
        return self.forward(ids).logits


class ViT(_BlockStack):
    """A Vision Transformer classifier (Dosovitskiy et al. 2021), small.

    Parameters
    ----------
    image_shape : (int, int)
        Height and width (pixels); inputs are ``(n, h * w)`` (as :func:`dfa.data.load`
        returns them) or ``(n, h, w)``.
    patch : int
        Side of the square patches (dividing both image sides).
    n_classes : int
    d_model, n_heads, n_layers : int
    seed : int
    activation : {"gelu", "relu"}
    dtype : float32 or float64
    """

    def __init__(self, image_shape=(28, 28), patch=7, n_classes=10, *, d_model, n_heads,
                 n_layers, seed=0, activation="gelu", ff_multiplier=4, dtype=np.float32):
        self.n_classes = checks.integer("n_classes", n_classes, minimum=2)
        self.seed = checks.seed("seed", seed)
        self.dtype = self._dtype(dtype)
        rng = np.random.default_rng(self.seed)
        d_model = checks.integer("d_model", d_model, minimum=1)
        self.embedding = layers.PatchEmbedding(image_shape, patch, d_model, rng,
                                               dtype=self.dtype)
        self.image_shape = self.embedding.image_shape
        self._build_stack(rng, d_model=d_model, n_heads=n_heads, n_layers=n_layers,
                          causal=False, activation=activation, ff_multiplier=ff_multiplier,
                          n_out=self.n_classes, dtype=self.dtype)

    @property
    def error_size(self) -> int:
        return self.n_classes

    @property
    def n_features(self) -> int:
        return math.prod(self.image_shape)

    @property
    def _point_shape(self):
        return (self.embedding.n_patches, self.d_model)

    def _input_layers(self):
        return [self.embedding]

    def check_inputs(self, x, name="x") -> np.ndarray:
        """Images as ``(n, h, w)`` in the model's dtype, from ``(n, h * w)`` or ``(n, h, w)``."""
        x = checks.finite_array(name, x, complex_ok=False)
        if x.ndim == 2 and x.shape[1] == self.n_features:
            x = x.reshape(len(x), *self.image_shape)
        if x.ndim != 3 or x.shape[1:] != self.image_shape:
            raise ValueError(f"{name} must have shape (n_samples, {self.n_features}) or "
                             f"(n_samples, {self.image_shape[0]}, {self.image_shape[1]}), got "
                             f"{x.shape}")
        return x.astype(self.dtype, copy=False)

    def check_labels(self, y, n, name="y") -> np.ndarray:
        return check_targets(y, (n,), self.n_classes, name)

    def check_targets(self, targets, logits):
        return self.check_labels(targets, len(logits))

    def forward(self, x) -> Cache:
        x, embedding_cache = self.embedding.forward(self.check_inputs(x))
        return self._forward_stack(x, embedding_cache)

    @staticmethod
    def _pool(normed):
        return normed.mean(axis=1)

    @staticmethod
    def _unpool(d, shape):
        return np.broadcast_to(d[:, None, :] / np.asarray(shape[1], d.dtype), shape)

    def _backward_input(self, d, cache):
        return self.embedding.backward(d, cache)[1]

    def logits(self, x, batch_size=1024) -> np.ndarray:
        """Class logits ``(n, n_classes)``, computed in batches."""
        x = self.check_inputs(x)
        batch_size = checks.integer("batch_size", batch_size, minimum=1)
        out = [self.forward(x[i:i + batch_size]).logits for i in range(0, len(x), batch_size)]
        return np.concatenate(out) if out else np.zeros((0, self.n_classes), self.dtype)

    def predict(self, x, batch_size=1024) -> np.ndarray:
        """Predicted class indices ``(n,)`` (int64)."""
        return np.argmax(self.logits(x, batch_size), axis=1).astype(np.int64)
