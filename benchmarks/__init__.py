"""Side-by-side performance benchmarks.

Each ``benchmarks/bench_*.py`` module exposes ``run(quick: bool) -> list[Comparison]``.
A comparison times a candidate and its baseline *in the same process, interleaved*, and
reports their ratio; absolute seconds on a shared 2-core machine are not evidence, ratios are.
``python -m benchmarks`` runs them all and prints the table.
"""

from __future__ import annotations

# lightsim before NumPy, as a user's script should: BLAS and Numba threads then sleep when
# idle instead of spinning on each other's cores (lightsim.threads)
import lightsim  # noqa: F401  # isort: skip
import contextlib
import gc
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Comparison:
    """Timing of a candidate against its baseline (seconds, best of the repeats)."""

    name: str
    candidate: float
    baseline: float
    target: float | None = None
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.candidate / self.baseline

    @property
    def met(self) -> bool | None:
        return None if self.target is None else self.ratio <= self.target


#: A busy loop that ends on its own after ``sys.argv[1]`` seconds (or when killed).
_BUSY_LOOP = "import sys, time\nend = time.monotonic() + float(sys.argv[1])\n" \
             "while time.monotonic() < end:\n    pass\n"


@contextlib.contextmanager
def background_load(n: int, limit: float = 3600.0):
    """``n`` single-threaded busy-loop processes while the context runs (a bounded ``stress``).

    Each ends when the context exits, and by itself after ``limit`` seconds at the latest.
    """
    procs = [subprocess.Popen([sys.executable, "-c", _BUSY_LOOP, str(limit)],
                              env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
             for _ in range(n)]
    try:
        yield
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()


def compare(name: str, candidate: Callable[[], object], baseline: Callable[[], object], *,
            repeats: int = 5, warmup: int = 1, target: float | None = None,
            note: str = "") -> Comparison:
    """Time ``candidate()`` against ``baseline()``, alternating, and keep each one's minimum.

    The minimum over interleaved repeats is the least noisy estimator of the cost of a
    deterministic computation on a shared machine: noise only ever adds time.
    """
    for _ in range(warmup):
        candidate()
        baseline()
    best_c = best_b = float("inf")
    for _ in range(repeats):
        for fn, which in ((candidate, "c"), (baseline, "b")):
            gc.collect()
            t0 = time.perf_counter()
            fn()
            dt = time.perf_counter() - t0
            if which == "c":
                best_c = min(best_c, dt)
            else:
                best_b = min(best_b, dt)
    return Comparison(name, best_c, best_b, target, note)
