"""GaussianMedium.apply: the real-GEMM path against a complex GEMM, and streaming memory.

1. ``real-input apply vs complex GEMM``: a cached ``10000 x 10000`` medium applied to 1000
   binary inputs. Candidate: :meth:`lightsim.media.GaussianMedium.apply` (one float32 GEMM on
   ``T.T`` viewed as interleaved real and imaginary parts). Baseline: what one writes without
   the trick, ``X.astype(complex64) @ T.T``. Target ratio <= 0.55 (half the flops).
2. ``streaming apply``: ``GaussianMedium(100_000, 100_000)`` (80 GB if dense) applied to 64
   binary inputs, regenerating ``T.T`` block by block. Each variant runs in its own
   subprocess, which reports its apply time and its peak resident memory (``VmHWM``); the
   baseline is the same streamed apply fed complex inputs (a complex GEMM per block).
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np

from benchmarks import Comparison, compare
from lightsim.media import GaussianMedium

_CHILD = """
import json, sys, time
import numpy as np
from lightsim.media import GaussianMedium
n, batch, complex_input = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1"
medium = GaussianMedium(n, n, seed=1, cache=False)
X = np.random.default_rng(0).random((batch, n)) < 0.5
if complex_input:
    X = X.astype(np.complex64)
GaussianMedium(8, 8, cache=False).apply(X[:1, :8])  # load the compiled kernel, untimed
t0 = time.perf_counter()
Y = medium.apply(X)
elapsed = time.perf_counter() - t0
with open("/proc/self/status") as f:
    hwm = next(int(line.split()[1]) for line in f if line.startswith("VmHWM"))
print(json.dumps({"seconds": elapsed, "peak_mb": hwm / 1024, "checksum": float(abs(Y).sum())}))
"""


def _streamed(n, batch, complex_input):
    """Run one streamed apply in a fresh interpreter; return its timing and peak RSS."""
    done = subprocess.run([sys.executable, "-c", _CHILD, str(n), str(batch),
                           "1" if complex_input else "0"],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def real_vs_complex(quick):
    n, batch = (4000, 500) if quick else (10_000, 1000)
    medium = GaussianMedium(n, n, seed=0, cache=True)
    tt = np.asarray(medium.matrix().T)  # the cached C-contiguous T.T (a view, no copy)
    X = np.random.default_rng(0).random((batch, n)) < 0.5

    def candidate():
        return medium.apply(X)

    def baseline():
        return X.astype(np.complex64) @ tt

    diff = np.linalg.norm(candidate() - baseline()) / np.linalg.norm(baseline())
    return compare(f"real-input apply vs complex GEMM ({batch} x {n} -> {n}, binary)",
                   candidate, baseline, repeats=2 if quick else 3, target=0.55,
                   note=f"relative difference {diff:.1e}")


def streaming(quick):
    n, batch = (20_000, 64) if quick else (100_000, 64)
    real = _streamed(n, batch, complex_input=False)
    cplx = _streamed(n, batch, complex_input=True)
    note = (f"peak RSS {real['peak_mb']:.0f} MB (target < 2048 MB; complex-input run "
            f"{cplx['peak_mb']:.0f} MB); T would be {n * n * 8 / 1e9:.1f} GB dense; "
            f"apply {real['seconds']:.1f} s vs {cplx['seconds']:.1f} s")
    print(f"streaming apply {n} x {n}, batch {batch}: {note}")
    return Comparison(f"GaussianMedium({n}, {n}).apply, batch {batch} streaming "
                      "(vs complex GEMM per block)", real["seconds"], cplx["seconds"],
                      note=note)


def run(quick: bool = False):
    return [real_vs_complex(quick), streaming(quick)]
