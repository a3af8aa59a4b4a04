"""What each optical imperfection costs in DFA training accuracy (``python -m dfa.study``).

For every imperfection axis (:data:`~dfa.study.axes.AXES`: camera bit depth, laser power
(light per pixel), read noise, saturation, ternary threshold, error encoding, holography
scheme, dead mirrors, DMD contrast, medium decorrelation time on the optical clock, speckle
grains per pixel, reference-to-signal ratio, row normalisation, laser power noise and
reference phase jitter from frame to frame) the study trains the same MLP with optical DFA
for each value, everything else at the ``"lighton"`` preset, over several seeds, next to
reference lines: backprop, digital DFA, optical DFA on the ideal OPU and on the preset. The
same seed gives the same initialisation, data order and medium in every point, so points
are compared paired by seed (:mod:`dfa.study.report`).

Outputs (``--out``, default ``results/study``): one HDF5 file per finished point
(``points/<key>.h5``, written atomically, so the study resumes after a crash or ``kill -9``),
the merged ``results.h5``, ``table.md`` (per point: accuracy mean, std and SE over seeds,
the paired drop against digital DFA and the paired change against the preset, each with its
SE and marked only beyond 2 SE; light, saturation, exposure and optical time) and
``study.png`` / ``study.pdf`` (one panel per axis).

Budgets, measured on the 2-core development machine:

* ``--quick`` (output ``results/study-quick``): MNIST, 10000 training / 2000 test images,
  MLP 784-64-64-10, 3 epochs, 1 seed, 2-3 values per axis.
* default (output ``results/study``): MNIST, 20000 training / 5000 test images, MLP
  784-256-256-10 (tanh), Adam 1e-3, batch 64, 3 epochs, 7 seeds, one DMD row of 114 mirrors
  per class, 512 camera pixels, every axis value (47 configurations, 329 runs): 3444 s with
  two workers. A run with the preset's camera takes 15-22 s on one core (the camera's
  Poisson sampling dominates), bit planes about 100 s, backprop and digital DFA about 7 s.

``python -m dfa.study scaling`` draws the cost model of :mod:`dfa.study.scaling` (where the
optical backward pass beats a digital accelerator).

Public API
----------
:class:`Study`, :func:`run_study`, :func:`run_point`, :func:`plan`, :func:`point_key`,
:func:`make_executor`, :func:`read_results`, :func:`read_point`; the axes :data:`AXES`,
:class:`Axis`, :func:`get_axis`, :data:`REFERENCES`; :func:`summarize`,
:func:`markdown_table`; and the :mod:`~dfa.study.scaling` model (:class:`Digital`,
:class:`Optical`, :class:`Architecture`, :func:`backward_costs`, :func:`advantage`).
"""

from __future__ import annotations

from .axes import AXES, REFERENCES, Axis, Geometry, Overrides, get_axis
from .report import markdown_table, summarize
from .runner import (
    Study,
    make_executor,
    plan,
    point_key,
    read_point,
    read_results,
    run_point,
    run_study,
)
from .scaling import Architecture, Digital, Optical, advantage, backward_costs

__all__ = [
    "AXES",
    "REFERENCES",
    "Architecture",
    "Axis",
    "Digital",
    "Geometry",
    "Optical",
    "Overrides",
    "Study",
    "advantage",
    "backward_costs",
    "get_axis",
    "make_executor",
    "markdown_table",
    "plan",
    "point_key",
    "read_point",
    "read_results",
    "run_point",
    "run_study",
    "summarize",
]
