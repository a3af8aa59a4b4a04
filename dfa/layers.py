"""Layers with explicit forward and backward passes, for Transformers in NumPy.

Every layer has

* ``params``: the list of arrays an optimiser updates in place;
* ``forward(x) -> (y, cache)``;
* ``backward(dy, cache, input_gradient=True) -> (dx, grads)``: ``grads`` matches
  ``params`` (the gradient of ``sum(dy * y)`` with respect to each), ``dx`` the gradient with
  respect to ``x`` (``None`` when ``input_gradient`` is false, which saves a GEMM where
  nothing upstream needs it).

Arrays are batch first with the feature axis last: ``(..., d)``, where ``...`` is
``(n_sequences, n_tokens)`` for a sequence. Parameters and activations are float32 by default;
:meth:`Layer.cast` turns a layer to float64 for gradient checks against finite differences.

References
----------
A. Vaswani et al., "Attention is all you need", NeurIPS 2017 (scaled dot-product and
multi-head attention, sinusoidal positions). J. L. Ba, J. R. Kiros, G. E. Hinton, "Layer
normalization", arXiv:1607.06450 (2016). D. Hendrycks, K. Gimpel, "Gaussian error linear units
(GELUs)", arXiv:1606.08415 (2016), the tanh form. R. Xiong et al., "On layer normalization in
the Transformer architecture", ICML 2020 (pre-norm residual blocks). A. Radford et al.,
"Language models are unsupervised multitask learners" (GPT-2, 2019): weights N(0, 0.02^2),
residual output projections scaled by 1 / sqrt(2 n_blocks). A. Dosovitskiy et al., "An image
is worth 16x16 words", ICLR 2021 (patch embedding).
"""

from __future__ import annotations

import math

import numpy as np

from lightsim import checks

FEEDFORWARD_ACTIVATIONS = ("gelu", "relu")
#: Standard deviation of the weights at initialisation (GPT-2).
INIT_STD = 0.02
_GELU_C = math.sqrt(2 / math.pi)


class Layer:
    """Base class: parameter listing and casting shared by every layer."""

    def sublayers(self) -> list:
        return []

    @property
    def params(self) -> list:
        return [p for layer in self.sublayers() for p in layer.params]

    def cast(self, dtype):
        """Convert every parameter (and fixed table) to ``dtype`` in place; returns self."""
        for name, value in vars(self).items():
            if isinstance(value, np.ndarray) and value.dtype.kind == "f":
                setattr(self, name, value.astype(dtype))
        for layer in self.sublayers():
            layer.cast(dtype)
        return self

    def _backward_sublayers(self, pieces):
        """Concatenate the ``grads`` of the sublayers' backward passes, in ``params`` order."""
        return [g for grads in pieces for g in grads]


class Dense(Layer):
    """``y = x @ W.T + b`` on the last axis; ``W`` ``(n_out, n_in)``, ``b`` ``(n_out,)``.

    Parameters
    ----------
    n_in, n_out : int
    rng : numpy.random.Generator
        Draws ``W`` from N(0, ``std**2``); ``b`` starts at zero.
    std : float
        Standard deviation of the weights.
    dtype : numpy dtype
    """

    def __init__(self, n_in, n_out, rng, std=INIT_STD, dtype=np.float32):
        self.weight = (std * rng.standard_normal((n_out, n_in))).astype(dtype)
        self.bias = np.zeros(n_out, dtype=dtype)

    @property
    def params(self):
        return [self.weight, self.bias]

    def forward(self, x):
        y = x.reshape(-1, x.shape[-1]) @ self.weight.T + self.bias
        return y.reshape(*x.shape[:-1], len(self.bias)), x

    def backward(self, dy, cache, input_gradient=True):
        x = cache.reshape(-1, cache.shape[-1])
        dy2 = dy.reshape(-1, dy.shape[-1])
        grads = [dy2.T @ x, dy2.sum(axis=0)]
        dx = (dy2 @ self.weight).reshape(cache.shape) if input_gradient else None
        return dx, grads


class Embedding(Layer):
    """Token embedding ``y = E[ids]``, ``E`` ``(vocab_size, d)`` from N(0, 0.02^2)."""

    def __init__(self, vocab_size, d, rng, dtype=np.float32):
        self.table = (INIT_STD * rng.standard_normal((vocab_size, d))).astype(dtype)

    @property
    def params(self):
        return [self.table]

    def forward(self, ids):
        return self.table[ids], ids

    def backward(self, dy, cache, input_gradient=False):
        """``dE[v] = sum of dy over the positions holding token v`` (sort and segment sums)."""
        ids = cache.ravel()
        dy2 = dy.reshape(-1, dy.shape[-1])
        order = np.argsort(ids, kind="stable")
        sorted_ids = ids[order]
        starts = np.flatnonzero(np.r_[True, sorted_ids[1:] != sorted_ids[:-1]])
        grad = np.zeros_like(self.table)
        if len(ids):
            grad[sorted_ids[starts]] = np.add.reduceat(dy2[order], starts, axis=0)
        return None, [grad]


class LearnedPositions(Layer):
    """``y = x + P[:n_tokens]``, ``P`` ``(context, d)`` learned, from N(0, 0.02^2)."""

    def __init__(self, context, d, rng, dtype=np.float32):
        self.table = (INIT_STD * rng.standard_normal((context, d))).astype(dtype)

    @property
    def params(self):
        return [self.table]

    def forward(self, x):
        return x + self.table[:x.shape[-2]], x.shape[-2]

    def backward(self, dy, cache, input_gradient=True):
        grad = np.zeros_like(self.table)
        grad[:cache] = dy.reshape(-1, cache, dy.shape[-1]).sum(axis=0)
        return dy, [grad]


class SinusoidalPositions(Layer):
    """``y = x + S[:n_tokens]`` with the fixed table of Vaswani et al. (2017):
    ``S[t, 2i] = sin(t / 10000^(2i/d))``, ``S[t, 2i+1] = cos(t / 10000^(2i/d))``."""

    def __init__(self, context, d, dtype=np.float32):
        t = np.arange(context)[:, None]
        rate = 10000.0 ** (-np.arange(0, d, 2) / d)
        table = np.zeros((context, d))
        table[:, 0::2] = np.sin(t * rate)
        table[:, 1::2] = np.cos(t * rate[:d // 2])
        self.table = table.astype(dtype)

    @property
    def params(self):
        return []

    def forward(self, x):
        return x + self.table[:x.shape[-2]], None

    def backward(self, dy, cache, input_gradient=True):
        return dy, []


class LayerNorm(Layer):
    """``y = g * (x - mean) / sqrt(var + eps) + b`` over the last axis (Ba et al. 2016)."""

    def __init__(self, d, eps=1e-5, dtype=np.float32):
        self.gain = np.ones(d, dtype=dtype)
        self.bias = np.zeros(d, dtype=dtype)
        self.eps = checks.positive("eps", eps)

    @property
    def params(self):
        return [self.gain, self.bias]

    def forward(self, x):
        centred = x - x.mean(axis=-1, keepdims=True)
        inv_std = 1 / np.sqrt((centred * centred).mean(axis=-1, keepdims=True) + self.eps)
        normed = centred * inv_std
        return normed * self.gain + self.bias, (normed, inv_std)

    def backward(self, dy, cache, input_gradient=True):
        normed, inv_std = cache
        d = dy.shape[-1]
        grads = [(dy * normed).reshape(-1, d).sum(axis=0), dy.reshape(-1, d).sum(axis=0)]
        if not input_gradient:
            return None, grads
        dn = dy * self.gain
        dx = inv_std * (dn - dn.mean(axis=-1, keepdims=True)
                        - normed * (dn * normed).mean(axis=-1, keepdims=True))
        return dx, grads


def _gelu_tanh(a):
    """``tanh(sqrt(2/pi) (a + 0.044715 a^3))``, the inner factor of :func:`gelu`."""
    return np.tanh(a * (_GELU_C + (_GELU_C * 0.044715) * (a * a)))


def gelu(a, tanh_term=None):
    """``0.5 a (1 + tanh(sqrt(2/pi) (a + 0.044715 a^3)))`` (Hendrycks & Gimpel 2016).

    ``tanh_term`` is :func:`_gelu_tanh` of ``a`` when already known.
    """
    t = _gelu_tanh(a) if tanh_term is None else tanh_term
    return 0.5 * a * (1 + t)


def gelu_derivative(a, tanh_term=None):
    """Derivative of :func:`gelu`."""
    t = _gelu_tanh(a) if tanh_term is None else tanh_term
    return 0.5 * (1 + t) + (0.5 * a) * (1 - t * t) * (_GELU_C + (3 * _GELU_C * 0.044715) * (a * a))


class FeedForward(Layer):
    """Position-wise MLP ``Dense(d, hidden) -> GELU or ReLU -> Dense(hidden, d)``.

    ``out_std`` is the standard deviation of the second layer's weights (GPT-2 scales it
    down with depth).
    """

    def __init__(self, d, hidden, rng, activation="gelu", out_std=INIT_STD,
                 dtype=np.float32):
        self.activation = checks.choice("activation", activation, FEEDFORWARD_ACTIVATIONS)
        self.up = Dense(d, hidden, rng, dtype=dtype)
        self.down = Dense(hidden, d, rng, std=out_std, dtype=dtype)

    def sublayers(self):
        return [self.up, self.down]

    def forward(self, x):
        a, up_cache = self.up.forward(x)
        if self.activation == "gelu":
            tanh_term = _gelu_tanh(a)
            h = gelu(a, tanh_term)
        else:
            tanh_term, h = None, np.maximum(a, 0)
        y, down_cache = self.down.forward(h)
        return y, (up_cache, a, tanh_term, down_cache)

    def backward(self, dy, cache, input_gradient=True):
        up_cache, a, tanh_term, down_cache = cache
        dh, down_grads = self.down.backward(dy, down_cache)
        da = dh * (gelu_derivative(a, tanh_term) if self.activation == "gelu" else (a > 0))
        dx, up_grads = self.up.backward(da.astype(dy.dtype, copy=False), up_cache,
                                        input_gradient)
        return dx, self._backward_sublayers([up_grads, down_grads])


class SelfAttention(Layer):
    """Multi-head scaled dot-product self-attention (Vaswani et al. 2017).

    ``q, k, v = split(Dense(d, 3d)(x))`` into ``n_heads`` heads of ``d / n_heads``;
    ``A = softmax(q k^T / sqrt(d / n_heads))`` per head, with position ``i`` seeing only
    positions ``j <= i`` when ``causal``; ``y = Dense(d, d)(concat(A v))``.
    """

    def __init__(self, d, n_heads, rng, causal=True, out_std=INIT_STD, dtype=np.float32):
        d = checks.integer("d_model", d, minimum=1)
        self.n_heads = checks.integer("n_heads", n_heads, minimum=1)
        if d % self.n_heads:
            raise ValueError(f"d_model={d} must be a multiple of n_heads={self.n_heads}")
        self.causal = checks.boolean("causal", causal)
        self.qkv = Dense(d, 3 * d, rng, dtype=dtype)
        self.out = Dense(d, d, rng, std=out_std, dtype=dtype)

    def sublayers(self):
        return [self.qkv, self.out]

    def _heads(self, x):
        """``(n, t, d) -> (n, heads, t, d / heads)``."""
        n, t, d = x.shape
        return x.reshape(n, t, self.n_heads, d // self.n_heads).transpose(0, 2, 1, 3)

    def forward(self, x):
        n, t, d = x.shape
        qkv, qkv_cache = self.qkv.forward(x)
        q, k, v = (self._heads(part) for part in np.split(qkv, 3, axis=-1))
        scores = (q @ k.transpose(0, 1, 3, 2)) * np.asarray(1 / math.sqrt(d // self.n_heads),
                                                             x.dtype)
        if self.causal:
            scores[..., np.triu(np.ones((t, t), dtype=bool), 1)] = -np.inf
        scores -= scores.max(axis=-1, keepdims=True)
        weights = np.exp(scores)
        weights /= weights.sum(axis=-1, keepdims=True)
        mixed = (weights @ v).transpose(0, 2, 1, 3).reshape(n, t, d)
        y, out_cache = self.out.forward(mixed)
        return y, (qkv_cache, q, k, v, weights, out_cache)

    def backward(self, dy, cache, input_gradient=True):
        qkv_cache, q, k, v, weights, out_cache = cache
        n, t, d = dy.shape
        dmixed, out_grads = self.out.backward(dy, out_cache)
        dheads = self._heads(dmixed)
        dweights = dheads @ v.transpose(0, 1, 3, 2)
        dv = weights.transpose(0, 1, 3, 2) @ dheads
        dscores = weights * (dweights - (dweights * weights).sum(axis=-1, keepdims=True))
        dscores *= np.asarray(1 / math.sqrt(d // self.n_heads), dy.dtype)
        dq = dscores @ k
        dk = dscores.transpose(0, 1, 3, 2) @ q
        dqkv = np.concatenate([part.transpose(0, 2, 1, 3).reshape(n, t, d)
                               for part in (dq, dk, dv)], axis=-1)
        dx, qkv_grads = self.qkv.backward(dqkv, qkv_cache, input_gradient)
        return dx, self._backward_sublayers([qkv_grads, out_grads])


class Block(Layer):
    """Pre-norm residual block: ``x1 = x + Attn(LN1(x))``, ``y = x1 + FF(LN2(x1))``.

    Parameters
    ----------
    d, n_heads : int
        Width of the residual stream and number of attention heads.
    rng : numpy.random.Generator
    causal : bool
        Causal attention (language model) or not (ViT).
    hidden : int
        Width of the feed-forward layer (commonly ``4 d``).
    activation : {"gelu", "relu"}
    out_std : float
        Weight scale of the two residual output projections.
    """

    def __init__(self, d, n_heads, rng, *, causal, hidden, activation="gelu",
                 out_std=INIT_STD, dtype=np.float32):
        self.norm1 = LayerNorm(d, dtype=dtype)
        self.attention = SelfAttention(d, n_heads, rng, causal=causal, out_std=out_std,
                                       dtype=dtype)
        self.norm2 = LayerNorm(d, dtype=dtype)
        self.feedforward = FeedForward(d, hidden, rng, activation=activation, out_std=out_std,
                                       dtype=dtype)

    def sublayers(self):
        return [self.norm1, self.attention, self.norm2, self.feedforward]

    @property
    def weights(self) -> list:
        """The block's weight matrices (the arrays its alignment angle is measured on)."""
        return [p for p in self.params if p.ndim == 2]

    def forward(self, x):
        n1, c1 = self.norm1.forward(x)
        a, ca = self.attention.forward(n1)
        x1 = x + a
        n2, c2 = self.norm2.forward(x1)
        f, cf = self.feedforward.forward(n2)
        return x1 + f, (c1, ca, c2, cf)

    def backward(self, dy, cache, input_gradient=True):
        c1, ca, c2, cf = cache
        dn2, ff_grads = self.feedforward.backward(dy, cf)
        dx1_norm, norm2_grads = self.norm2.backward(dn2, c2)
        dx1 = dy + dx1_norm
        dn1, attention_grads = self.attention.backward(dx1, ca)
        dx_norm, norm1_grads = self.norm1.backward(dn1, c1, input_gradient)
        dx = dx1 + dx_norm if input_gradient else None
        return dx, self._backward_sublayers([norm1_grads, attention_grads, norm2_grads,
                                             ff_grads])


class PatchEmbedding(Layer):
    """Images ``(n, h, w)`` -> non-overlapping ``patch x patch`` tiles, each flattened
    (row-major) and mapped by ``Dense(patch**2, d)``, plus learned positions: ``(n,
    (h / patch) * (w / patch), d)`` (Dosovitskiy et al. 2021)."""

    def __init__(self, image_shape, patch, d, rng, dtype=np.float32):
        self.image_shape = tuple(checks.integer(f"image_shape[{i}]", s, minimum=1)
                                 for i, s in enumerate(image_shape))
        self.patch = checks.integer("patch", patch, minimum=1)
        h, w = self.image_shape
        if h % self.patch or w % self.patch:
            raise ValueError(f"patch={self.patch} must divide the image shape {self.image_shape}")
        self.grid = (h // self.patch, w // self.patch)
        self.project = Dense(self.patch ** 2, d, rng, dtype=dtype)
        self.positions = LearnedPositions(self.n_patches, d, rng, dtype=dtype)

    @property
    def n_patches(self) -> int:
        return self.grid[0] * self.grid[1]

    def sublayers(self):
        return [self.project, self.positions]

    def patches(self, images):
        """``(n, h, w) -> (n, n_patches, patch**2)``, patches in row-major grid order."""
        n, p = len(images), self.patch
        tiles = images.reshape(n, self.grid[0], p, self.grid[1], p).transpose(0, 1, 3, 2, 4)
        return tiles.reshape(n, self.n_patches, p * p)

    def forward(self, images):
        projected, project_cache = self.project.forward(self.patches(images))
        y, position_cache = self.positions.forward(projected)
        return y, (project_cache, position_cache)

    def backward(self, dy, cache, input_gradient=False):
        project_cache, position_cache = cache
        dprojected, position_grads = self.positions.backward(dy, position_cache)
        _, project_grads = self.project.backward(dprojected, project_cache,
                                                 input_gradient=False)
        return None, self._backward_sublayers([project_grads, position_grads])


def softmax_cross_entropy(logits, targets):
    """Mean cross-entropy (nats) and the error ``e = softmax(logits) - onehot(targets)``.

    ``logits`` ``(..., n_classes)``, ``targets`` integer ``(...)`` in ``[0, n_classes)``
    (checked by the caller). ``e`` is per position, not divided by the number of positions:
    ``d(mean loss) / d logits = e / n_positions``.
    """
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    total = exp.sum(axis=-1, keepdims=True)
    flat_targets = targets.reshape(-1)
    rows = np.arange(flat_targets.size)
    picked = shifted.reshape(-1, logits.shape[-1])[rows, flat_targets]
    loss = float(np.mean(np.log(total.reshape(-1)) - picked))
    error = exp / total
    error.reshape(-1, logits.shape[-1])[rows, flat_targets] -= 1
    return loss, error
