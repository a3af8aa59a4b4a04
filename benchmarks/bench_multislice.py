"""MultisliceMedium at megapixel scale: FFT count, time per frame and memory of a batch.

1. ``one full frame``: a 1140 x 912 DMD (every mirror an input) to 10**6 camera outputs
   through ``K = 8`` screens on a 2048 x 2048 grid. Candidate: ``medium.apply`` of one frame
   (screens built beforehand). Baseline: one ``scipy.fft.fft2`` of the same padded grid
   (complex64, all cores), timed side by side. Target: at most ``2 K + 4 = 20``
   FFT-equivalents (each screen needs one forward and one inverse transform). The note gives
   the wall time per frame (goal: 1 s on this 2-core machine; a dense ``T`` of that size
   would be 8 TB).
2. ``batch of 64 frames``: peak resident memory (``VmHWM``) of a fresh interpreter that
   applies the same medium to 64 binary frames (target < 4 GB), and its time against 64
   times one frame in the same interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import scipy.fft as sfft

from benchmarks import Comparison, compare
from lightsim.multislice import MultisliceMedium

DMD = (912, 1140)

_CHILD = """
import json, sys, time
import numpy as np
from lightsim.multislice import MultisliceMedium
grid, screens, n_out, batch = (int(a) for a in sys.argv[1:5])
medium = MultisliceMedium(912 * 1140, n_out, dmd_shape=(912, 1140), grid=grid,
                          n_screens=screens, seed=1)
X = np.random.default_rng(0).random((batch, 912 * 1140)) < 0.5
medium.screens()
t0 = time.perf_counter()
medium.apply(X[:1])
single = time.perf_counter() - t0
t0 = time.perf_counter()
Y = medium.apply(X)
elapsed = time.perf_counter() - t0
with open("/proc/self/status") as f:
    hwm = next(int(line.split()[1]) for line in f if line.startswith("VmHWM"))
print(json.dumps({"seconds": elapsed, "single": single, "peak_mb": hwm / 1024,
                  "shape": list(Y.shape)}))
"""


def one_frame(quick):
    grid, screens, n_out = (1280, 4, 250_000) if quick else (2048, 8, 10**6)
    n_in = DMD[0] * DMD[1]
    medium = MultisliceMedium(n_in, n_out, dmd_shape=DMD, grid=grid, n_screens=screens,
                              seed=1)
    medium.screens()
    X = np.random.default_rng(0).random((1, n_in)) < 0.5
    plane = np.ones((grid, grid), np.complex64)

    def candidate():
        return medium.apply(X)

    def baseline():
        return sfft.fft2(plane, workers=-1)

    comp = compare(f"MultisliceMedium.apply, 1 frame {DMD[1]}x{DMD[0]} -> {n_out} outputs, "
                   f"K={screens}, grid {grid} (vs one fft2)", candidate, baseline,
                   repeats=2 if quick else 3, target=2 * screens + 4)
    comp.note = f"{comp.candidate:.2f} s per frame (goal <= 1 s at K = 8, grid 2048)"
    return comp


def batch_memory(quick):
    grid, screens, n_out, batch = (1280, 4, 250_000, 8) if quick else (2048, 8, 10**6, 64)
    done = subprocess.run([sys.executable, "-c", _CHILD, str(grid), str(screens), str(n_out),
                           str(batch)], capture_output=True, text=True, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    note = (f"peak RSS {result['peak_mb']:.0f} MB for {batch} frames (target < 4096 MB), "
            f"{result['seconds'] / batch:.2f} s per frame")
    print(f"multislice batch of {batch}: {note}")
    return Comparison(f"MultisliceMedium.apply, batch of {batch} frames (vs {batch} x one "
                      f"frame)", result["seconds"], batch * result["single"], note=note)


def run(quick: bool = False):
    return [one_frame(quick), batch_memory(quick)]
