"""What each optical imperfection costs in DFA training accuracy (``python -m dfa.study``).

For every imperfection axis (:data:`~dfa.study.axes.AXES`: camera bit depth, photons per
pixel, read noise, saturation, ternary threshold, error encoding, holography scheme, dead
mirrors, DMD contrast, medium drift between recalibrations, speckle grains per pixel,
reference-to-signal ratio, row normalisation) the study trains the same MLP with optical DFA
for each value, everything else at the ``"lighton"`` preset, over several seeds, next to
reference lines: backprop, digital DFA, optical DFA on the ideal OPU and on the preset.

Outputs (``--out``, default ``results/study``): one HDF5 file per finished point
(``points/<key>.h5``, written atomically, so the study resumes after a crash or ``kill -9``),
the merged ``results.h5``, ``table.md`` (accuracy mean ± std per point and its drop against
digital DFA) and ``study.png`` / ``study.pdf`` (one panel per axis).

Budgets, measured on the 2-core development machine:

* ``--quick`` (output ``results/study-quick``): MNIST, 10000 training / 2000 test images,
  MLP 784-64-64-10, 3 epochs, 1 seed, 2-4 values per axis (33 points): 94 s with 2 workers
  while other jobs loaded the machine, 172 s with the full study running beside it
  (limit: 3 min).
* default (output ``results/study``): MNIST, 20000 training / 5000 test images, MLP
  784-256-256-10 (tanh), Adam 1e-3, batch 64, 3 epochs, 3 seeds, one DMD row of 114 mirrors
  per class, 512 camera pixels, every axis value (213 points). One optical point takes about
  10 s on an idle core (drift points 50 s, bit planes 60 s): about 30 min with 2 workers on
  an idle machine (limit: 60 min). Measured with other jobs loading the machine (load
  average 4 to 8): 48 min of summed point time over 2 workers, 54 min wall clock in total
  (the run was killed once from outside after 75 points and resumed).

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
