"""Multi-layer perceptrons in NumPy: dense layers, activations, output losses.

Conventions
-----------
* Batch first: inputs ``x`` are ``(n_samples, sizes[0])``, labels are integer class indices
  ``(n_samples,)`` in ``[0, n_classes)``.
* Layer ``l = 1..L`` has weights ``W_l`` ``(sizes[l], sizes[l-1])`` and bias ``b_l``
  ``(sizes[l],)``. Forward pass: ``h_0 = x``, ``a_l = h_{l-1} @ W_l.T + b_l``,
  ``h_l = f(a_l)`` for hidden layers; the output pre-activation ``a_L`` (the logits) goes into
  the loss.
* The output error is ``e = dL_i / da_L`` per sample (``p - onehot(y)`` for both losses), and
  for any learning rule (backprop or feedback alignment) the update of layer ``l`` is
  ``dW_l = delta_l.T @ h_{l-1} / n``, ``db_l = mean(delta_l)`` with ``delta_L = e``. The rules
  differ only in how the hidden ``delta_l`` are obtained: the feedback point of hidden layer
  ``l`` is its output ``h_l`` (:mod:`dfa.protocols`), and ``delta_l = signal_l * f'(a_l)``,
  where the signal is the backend's (:mod:`dfa.feedback`) or, for backprop,
  ``delta_{l+1} @ W_{l+1}``.
* float32 by default; :meth:`MLP.astype` gives a float64 copy (used to check gradients
  against finite differences). Inputs are converted to the model's dtype by :meth:`forward`.

References
----------
A. Nokland, "Direct feedback alignment provides learning in deep neural networks", NeurIPS
2016. X. Glorot and Y. Bengio, "Understanding the difficulty of training deep feedforward
neural networks", AISTATS 2010 (uniform "Xavier" initialisation).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from lightsim import checks

from .protocols import FeedbackPoint, check_signals, check_targets

ACTIVATIONS = ("tanh", "relu", "sigmoid")
LOSSES = ("softmax", "sigmoid")
INITS = ("xavier", "zero")


def _sigmoid(a):
    # exp of a non-positive number only: no overflow for large |a|
    z = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + z), z / (1 + z)).astype(a.dtype, copy=False)


def activate(name, a):
    """``f(a)`` for activation ``name``."""
    if name == "tanh":
        return np.tanh(a)
    if name == "relu":
        return np.maximum(a, 0)
    return _sigmoid(a)


def derivative(name, a, h):
    """``f'(a)`` given the pre-activation ``a`` and ``h = f(a)`` (``relu'(0) = 0``)."""
    if name == "tanh":
        return 1 - h * h
    if name == "relu":
        return (a > 0).astype(a.dtype)
    return h * (1 - h)


@dataclass
class Cache:
    """What :meth:`MLP.forward` keeps for the update.

    Attributes
    ----------
    activations : list of ndarray
        ``[h_0 = x, h_1, ..., h_{L-1}]``: the input of every layer.
    preactivations : list of ndarray
        ``[a_1, ..., a_L]``; ``a_L`` are the logits.
    """

    activations: list
    preactivations: list

    @property
    def logits(self) -> np.ndarray:
        return self.preactivations[-1]


class MLP:
    """A fully connected network trained by :func:`dfa.train`.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths ``[n_features, hidden_1, ..., n_classes]`` (at least two entries; the
        feedback rules need at least one hidden layer to be useful but a linear model works).
    activation : {"tanh", "relu", "sigmoid"}
        Hidden-layer nonlinearity.
    seed : int
        Seeds the weight initialisation.
    loss : {"softmax", "sigmoid"}
        Softmax cross-entropy (mutually exclusive classes) or per-class sigmoid binary cross
        entropy against one-hot targets (summed over classes). Both give ``e = p - onehot``.
    init : {"xavier", "zero"}
        ``"xavier"``: every weight uniform in ``+-sqrt(6 / (fan_in + fan_out))`` (Glorot &
        Bengio 2010). ``"zero"``: hidden-layer weights zero, output layer Xavier, as Nokland
        (2016) shows DFA can learn from zero hidden weights (backprop cannot: its hidden deltas
        go through the zero weights). Needs ``f'(0) != 0`` (tanh, sigmoid; not relu).
        Biases always start at zero.
    dtype : numpy dtype
        float32 (default) or float64.
    """

    def __init__(self, sizes, activation="tanh", seed=0, loss="softmax", init="xavier",
                 dtype=np.float32):
        sizes = [checks.integer(f"sizes[{i}]", s, minimum=1) for i, s in enumerate(sizes)]
        if len(sizes) < 2:
            raise ValueError(f"sizes must have at least 2 entries (inputs, outputs), "
                             f"got {sizes}")
        self.sizes = sizes
        self.activation = checks.choice("activation", activation, ACTIVATIONS)
        self.loss_name = checks.choice("loss", loss, LOSSES)
        self.init = checks.choice("init", init, INITS)
        self.seed = checks.seed("seed", seed)
        dtype = np.dtype(dtype)
        if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
            raise TypeError(f"dtype must be float32 or float64, got {dtype}")
        self.dtype = dtype
        rng = np.random.default_rng(self.seed)
        self.weights, self.biases = [], []
        for layer, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
            limit = np.sqrt(6.0 / (fan_in + fan_out))
            w = rng.uniform(-limit, limit, size=(fan_out, fan_in))
            if self.init == "zero" and layer < self.n_layers:
                w = np.zeros_like(w)
            self.weights.append(w.astype(dtype))
            self.biases.append(np.zeros(fan_out, dtype=dtype))

    # ------------------------------------------------------------------ structure
    @property
    def n_layers(self) -> int:
        """Number of weight layers ``L`` (hidden layers + output layer)."""
        return len(self.sizes) - 1

    @property
    def n_classes(self) -> int:
        return self.sizes[-1]

    @property
    def hidden_sizes(self) -> list:
        """Widths of the hidden layers ``[sizes[1], ..., sizes[-2]]``."""
        return self.sizes[1:-1]

    @property
    def error_size(self) -> int:
        """Length of one error vector: ``n_classes``."""
        return self.n_classes

    @property
    def feedback_points(self) -> list:
        """One :class:`dfa.protocols.FeedbackPoint` per hidden layer ``l``: its output
        ``h_l``, named ``"h{l}"``, of shape ``(sizes[l],)``."""
        return [FeedbackPoint(f"h{layer}", (width,))
                for layer, width in enumerate(self.hidden_sizes, start=1)]

    @property
    def alignment_groups(self) -> list:
        """Hidden layer ``l``'s signal decides ``W_l`` (index ``2 (l - 1)`` in :attr:`params`)."""
        return [[2 * (layer - 1)] for layer in range(1, self.n_layers)]

    @property
    def params(self) -> list:
        """``[W_1, b_1, ..., W_L, b_L]``, the arrays an optimiser updates in place."""
        return [p for wb in zip(self.weights, self.biases) for p in wb]

    def astype(self, dtype) -> MLP:
        """A deep copy of the model with parameters of ``dtype`` (float32 or float64)."""
        new = copy.deepcopy(self)
        dtype = np.dtype(dtype)
        if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
            raise TypeError(f"dtype must be float32 or float64, got {dtype}")
        new.dtype = dtype
        new.weights = [w.astype(dtype) for w in self.weights]
        new.biases = [b.astype(dtype) for b in self.biases]
        return new

    # ------------------------------------------------------------------ computation
    def check_inputs(self, x, name="x") -> np.ndarray:
        """``x`` ``(n_samples, sizes[0])``, finite, in the model's dtype."""
        x = checks.finite_array(name, x, complex_ok=False)
        if x.ndim != 2 or x.shape[1] != self.sizes[0]:
            raise ValueError(f"{name} must have shape (n_samples, {self.sizes[0]}), got "
                             f"{x.shape}")
        return x.astype(self.dtype, copy=False)

    def forward(self, x) -> Cache:
        """Forward pass keeping every ``a_l`` and ``h_l`` (see :class:`Cache`)."""
        h = self.check_inputs(x)
        activations, preactivations = [h], []
        for layer, (w, b) in enumerate(zip(self.weights, self.biases), start=1):
            a = h @ w.T + b
            preactivations.append(a)
            if layer < self.n_layers:
                h = activate(self.activation, a)
                activations.append(h)
        return Cache(activations, preactivations)

    def logits(self, x, batch_size=4096) -> np.ndarray:
        """Output pre-activations ``a_L`` ``(n_samples, n_classes)``, computed in batches."""
        x = self.check_inputs(x)
        batch_size = checks.integer("batch_size", batch_size, minimum=1)
        out = [self.forward(x[i:i + batch_size]).logits for i in range(0, len(x), batch_size)]
        return np.concatenate(out) if out else np.zeros((0, self.n_classes), self.dtype)

    def predict(self, x, batch_size=4096) -> np.ndarray:
        """Predicted class indices ``(n_samples,)`` (int64)."""
        return np.argmax(self.logits(x, batch_size), axis=1).astype(np.int64)

    def check_labels(self, y, n, name="y") -> np.ndarray:
        """``y`` as given if it holds ``n`` integer class indices in ``[0, n_classes)``."""
        return check_targets(y, (n,), self.n_classes, name)

    def loss(self, logits, y) -> float:
        """Mean loss over the samples (natural log)."""
        y = self.check_labels(y, len(logits))
        rows = np.arange(len(y))
        if self.loss_name == "softmax":
            shifted = logits - logits.max(axis=1, keepdims=True)
            log_p = shifted[rows, y] - np.log(np.exp(shifted).sum(axis=1))
            return float(-log_p.mean())
        # BCE with logits: log(1 + exp(a)) - t * a, written without overflow
        softplus = np.maximum(logits, 0) + np.log1p(np.exp(-np.abs(logits)))
        return float((softplus.sum(axis=1) - logits[rows, y]).mean())

    def output_error(self, logits, y) -> np.ndarray:
        """``e = dL_i / da_L = p - onehot(y)`` ``(n_samples, n_classes)`` for each sample."""
        y = self.check_labels(y, len(logits))
        if self.loss_name == "softmax":
            p = np.exp(logits - logits.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
        else:
            p = _sigmoid(logits)
        p[np.arange(len(y)), y] -= 1
        return p

    def activation_derivative(self, cache, layer) -> np.ndarray:
        """``f'(a_l)`` of hidden layer ``layer`` (1-based, ``1 <= layer < L``)."""
        return derivative(self.activation, cache.preactivations[layer - 1],
                          cache.activations[layer])

    def gradients(self, cache, signals, e) -> list:
        """Updates ``[dW_1, db_1, ..., dW_L, db_L]`` from the signals and the output error.

        ``signals`` holds one entry per hidden layer ``l = 1..L-1`` (:attr:`feedback_points`):
        an array ``(n_samples, sizes[l])`` delivered at ``h_l``, or ``None`` for the true
        gradient ``delta_{l+1} @ W_{l+1}``; then ``delta_l = signal_l * f'(a_l)``. The output
        layer uses ``e``. With ``None`` everywhere these are the exact gradients of
        :meth:`loss` (the mean over the batch).
        """
        signals = check_signals(self, signals, e)
        n = len(e)
        grads = [None] * (2 * self.n_layers)
        delta = e
        for layer in range(self.n_layers, 0, -1):
            h = cache.activations[layer - 1]
            grads[2 * layer - 2] = (delta.T @ h) / n
            grads[2 * layer - 1] = delta.mean(axis=0)
            if layer > 1:
                signal = signals[layer - 2]
                upstream = (delta @ self.weights[layer - 1] if signal is None
                            else signal.astype(self.dtype, copy=False))
                delta = upstream * self.activation_derivative(cache, layer - 1)
        return grads
