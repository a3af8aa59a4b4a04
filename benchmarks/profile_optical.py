"""Where the time of optical DFA goes: ``python -m benchmarks.profile_optical [step|point]``.

``step`` (default): the ``bench_dfa`` optical-DFA step (784-800-800-10, batch 128, 1600
pixels), 30 steps alternating with backprop steps, with the time of ``OPU.linear_transform``
and of each Numba kernel inside it (ms per step). ``point``: one optical training of the
default study's preset point (seed 0, one thread as in the study's workers; set
``OMP_NUM_THREADS=OPENBLAS_NUM_THREADS=NUMBA_NUM_THREADS=1``), its wall time and the
camera kernel's share.
"""

from __future__ import annotations

import collections
import sys
import time

import numpy as np

import dfa  # lightsim before NumPy (lightsim.threads)
import lightsim
from benchmarks.bench_dfa import _step
from lightsim import _kernels

KERNELS = ("affine_fields", "speckle_photons", "camera_chain")


def _timed(totals):
    """Wrap the OPU call and the kernels so that their time adds up in ``totals``."""
    def wrap(owner, name, label):
        original = getattr(owner, name)

        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                totals[label] += time.perf_counter() - t0

        setattr(owner, name, timed)

    for name in KERNELS:
        wrap(_kernels, name, name)
    wrap(lightsim.OPU, "linear_transform", "OPU.linear_transform")


def step(n_steps=30):
    sizes, batch = [784, 800, 800, 10], 128
    rng = np.random.default_rng(0)
    x, y = rng.random((batch, 784), dtype=np.float32), rng.integers(0, 10, batch)
    opu = lightsim.OPU(10, 1600, preset="lighton", seed=0, macro_pixels=32)
    rules = {"optical DFA": dfa.OpticalDFA(opu), "backprop": dfa.Backprop()}
    models = {k: (dfa.MLP(sizes, seed=0), dfa.Adam(1e-3)) for k in rules}
    for k, rule in rules.items():
        _step(models[k][0], rule, models[k][1], x, y)  # compile, calibrate
    totals = collections.defaultdict(float)
    _timed(totals)
    steps = collections.defaultdict(float)
    for _ in range(n_steps):
        for k, rule in rules.items():
            t0 = time.perf_counter()
            _step(models[k][0], rule, models[k][1], x, y)
            steps[k] += time.perf_counter() - t0
    for k, v in steps.items():
        print(f"{k} step: {1e3 * v / n_steps:.1f} ms")
    for k in ("OPU.linear_transform", *KERNELS):
        print(f"  {k}: {1e3 * totals[k] / n_steps:.2f} ms")
    print(f"threads: {lightsim.threads.status()}")


def point():
    from dfa.study import runner

    study = runner.Study(axes=("laser_power",), values={"laser_power": [1e-3]},
                         references=("lighton",), seeds=1)
    config = runner.validate(study)[0].config  # the preset: 1 mW is its laser power
    runner.run_point(dict(config, epochs=1, train_size=1000))  # compile
    totals = collections.defaultdict(float)
    _timed(totals)
    t0 = time.perf_counter()
    runner.run_point(config)
    wall = time.perf_counter() - t0
    print(f"preset training (seed 0): {wall:.2f} s; camera kernel {totals['camera_chain']:.2f}"
          f" s ({100 * totals['camera_chain'] / wall:.0f} %), OPU.linear_transform "
          f"{totals['OPU.linear_transform']:.2f} s")


if __name__ == "__main__":
    {"step": step, "point": point}[sys.argv[1] if len(sys.argv) > 1 else "step"]()
