"""Cost of one camera reading (ns), exact and with the normal shot noise, 1 and 2 threads.

``python -m benchmarks.ns_per_reading``: ``Camera.capture`` of 2 x 10^6 pixels whose means
are exponentially distributed (speckle) around 19 e- (the study's preset) and 240 e-
(``bench_opu``), unit quantum efficiency, no dark current; best of 7. Absolute times: read
them as the scale of the per-reading cost, not as a ratio.
"""

from __future__ import annotations

import time

import numba
import numpy as np

from lightsim.camera import Camera

N = 2_000_000


def ns_per_reading(camera, photons, repeats=7):
    camera.capture(photons)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        camera.capture(photons)
        best = min(best, time.perf_counter() - t0)
    return 1e9 * best / photons.size


def main():
    threads = numba.get_num_threads()
    for mean in (19.0, 240.0):
        photons = np.random.default_rng(0).exponential(mean, N).astype(np.float32)
        for n_threads in sorted({1, threads}):
            numba.set_num_threads(n_threads)
            cells = []
            for threshold in (None, 10.0, 30.0):
                camera = Camera(quantum_efficiency=1.0, dark_current=0.0,
                                normal_shot_noise_above=threshold)
                label = "exact" if threshold is None else f"normal >= {threshold:g} e-"
                cells.append(f"{label}: {ns_per_reading(camera, photons):.1f}")
            print(f"mean {mean:g} e-, {n_threads} thread(s): " + " | ".join(cells)
                  + " ns/reading", flush=True)
    numba.set_num_threads(threads)


if __name__ == "__main__":
    main()
