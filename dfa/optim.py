"""First-order optimisers updating parameter arrays in place.

``step(params, grads)`` takes two lists of arrays of equal shapes (the model's
``params`` and the updates from :meth:`dfa.MLP.gradients`) and changes ``params`` in place,
keeping their dtype (float32 for the default model). State (momentum, moments) is created
on the first step and tied to the position of each parameter in the list.

References
----------
B. T. Polyak, "Some methods of speeding up the convergence of iteration methods", USSR
Comput. Math. Math. Phys. 4, 1 (1964) (heavy-ball momentum, here in the form
``v = mu v + g``, ``p -= lr v``). D. P. Kingma and J. Ba, "Adam: a method for stochastic
optimization", ICLR 2015.
"""

from __future__ import annotations

import numpy as np

from lightsim import checks


def _check_pair(params, grads, state):
    if len(params) != len(grads):
        raise ValueError(f"got {len(params)} parameters but {len(grads)} gradients")
    for i, (p, g) in enumerate(zip(params, grads)):
        if np.shape(p) != np.shape(g):
            raise ValueError(f"gradient {i} has shape {np.shape(g)}, parameter has "
                             f"{np.shape(p)}")
    if state is not None and [s.shape for s in state] != [p.shape for p in params]:
        raise ValueError("the parameter shapes changed since the first step; use a new "
                         "optimiser for a new model")


class SGD:
    """Stochastic gradient descent with heavy-ball momentum.

    ``v <- momentum * v + g``; ``p <- p - lr * v`` (``momentum=0`` is plain SGD).

    Parameters
    ----------
    lr : float
        Learning rate (> 0).
    momentum : float
        In ``[0, 1)``.
    """

    def __init__(self, lr, momentum=0.9):
        self.lr = checks.positive("lr", lr)
        self.momentum = checks.in_range("momentum", momentum, 0.0, 1.0)
        if self.momentum == 1.0:
            raise ValueError("momentum must be < 1, got 1.0")
        self.velocity = None

    def step(self, params, grads):
        _check_pair(params, grads, self.velocity)
        if self.velocity is None:
            self.velocity = [np.zeros_like(p) for p in params]
        for p, g, v in zip(params, grads, self.velocity):
            v *= self.momentum
            v += g
            p -= self.lr * v


class Adam:
    """Adam with bias-corrected moment estimates (Kingma & Ba 2015, algorithm 1).

    Parameters
    ----------
    lr : float
        Step size (> 0).
    betas : (float, float)
        Decay rates of the first and second moment estimates, each in ``[0, 1)``.
    eps : float
        Added to the root of the second moment (> 0).
    """

    def __init__(self, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        self.lr = checks.positive("lr", lr)
        betas = tuple(betas)
        if len(betas) != 2:
            raise ValueError(f"betas must be a pair, got {betas!r}")
        for name, beta in zip(("betas[0]", "betas[1]"), betas):
            if checks.in_range(name, beta, 0.0, 1.0) == 1.0:
                raise ValueError(f"{name} must be < 1, got 1.0")
        self.betas = betas
        self.eps = checks.positive("eps", eps)
        self.t = 0
        self.m = None
        self.v = None

    def step(self, params, grads):
        _check_pair(params, grads, self.m)
        if self.m is None:
            self.m = [np.zeros_like(p) for p in params]
            self.v = [np.zeros_like(p) for p in params]
        self.t += 1
        beta1, beta2 = self.betas
        correction1, correction2 = 1 - beta1**self.t, 1 - beta2**self.t
        for p, g, m, v in zip(params, grads, self.m, self.v):
            m *= beta1
            m += (1 - beta1) * g
            v *= beta2
            v += (1 - beta2) * g * g
            p -= self.lr * (m / correction1) / (np.sqrt(v / correction2) + self.eps)
