"""dfa: train networks with backprop, digital and optical direct feedback alignment.

A small NumPy library (no autodiff framework): models :class:`MLP` (:mod:`dfa.network`),
:class:`Transformer` and :class:`ViT` (:mod:`dfa.transformer`, built from :mod:`dfa.layers`);
feedback backends :class:`Backprop`, :class:`DigitalDFA` and :class:`OpticalDFA`
(:mod:`dfa.feedback`), all through the contracts of :mod:`dfa.protocols`; optimisers
:class:`SGD` and :class:`Adam` (:mod:`dfa.optim`); the training loops :func:`train`
(classifiers) and :func:`train_lm` (language models) (:mod:`dfa.train`); dataset loaders
(:mod:`dfa.data`).
"""

# lightsim before NumPy, so that BLAS and Numba threads share the cores (lightsim.threads)
import lightsim  # noqa: F401  # isort: skip
from . import data
from .feedback import Backprop, DigitalDFA, OpticalDFA
from .network import MLP
from .optim import SGD, Adam
from .protocols import Feedback, FeedbackPoint, Model
from .train import alignment_angles, bits_per_char, evaluate, train, train_lm
from .transformer import Transformer, ViT

__all__ = [
    "MLP",
    "Transformer",
    "ViT",
    "Model",
    "Feedback",
    "FeedbackPoint",
    "SGD",
    "Adam",
    "Backprop",
    "DigitalDFA",
    "OpticalDFA",
    "alignment_angles",
    "data",
    "evaluate",
    "train",
    "train_lm",
    "bits_per_char",
]
