"""dfa: train multi-layer perceptrons with backprop, digital and optical direct feedback alignment.

A small NumPy library (no autodiff framework): :class:`MLP` (:mod:`dfa.network`), feedback
backends :class:`Backprop`, :class:`DigitalDFA` and :class:`OpticalDFA`
(:mod:`dfa.feedback`), optimisers :class:`SGD` and :class:`Adam` (:mod:`dfa.optim`), the
training loop :func:`train` (:mod:`dfa.train`) and dataset loaders (:mod:`dfa.data`).
"""

# lightsim before NumPy, so that BLAS and Numba threads share the cores (lightsim.threads)
import lightsim  # noqa: F401  # isort: skip
from . import data
from .feedback import Backprop, DigitalDFA, OpticalDFA
from .network import MLP
from .optim import SGD, Adam
from .train import alignment_angles, evaluate, train

__all__ = [
    "MLP",
    "SGD",
    "Adam",
    "Backprop",
    "DigitalDFA",
    "OpticalDFA",
    "alignment_angles",
    "data",
    "evaluate",
    "train",
]
