"""Does the opt-in normal shot noise change what the study measures? Paired by seed.

Runs the default study's preset point and its laser-power points at 1 mW (the preset), 10 mW
and 1 W, 7 seeds each, twice: with the exact Poisson sampler and with
``Camera(normal_shot_noise_above=10)`` (the lowest threshold allowed, so the most pixels
approximated). Every other setting, seed and data order is the same, so the per-seed
differences are paired. Prints the paired change (mean +- SE over seeds) and the wall time of
both runs. About 6 minutes on 2 cores::

    python examples/normal_shot_noise_study.py
"""

from __future__ import annotations

import copy
import time

import numpy as np

import dfa  # noqa: F401  (lightsim first, before NumPy's BLAS: see lightsim.threads)
from dfa.study import runner

THRESHOLD = 10.0
POWERS = (1e-3, 1e-2, 1.0)


def approximated(config):
    config = copy.deepcopy(config)
    camera = dict(config["opu"].get("camera", {}))
    camera["normal_shot_noise_above"] = THRESHOLD
    config["opu"]["camera"] = camera
    return config


def main():
    study = runner.Study(axes=("laser_power",), references=(), values={"laser_power": POWERS})
    points = runner.validate(study)
    configs = [p.config for p in points]
    labels = [(p.labels[0][2], p.labels[0][3]) for p in points]  # (power, seed)
    results = {}
    with runner.make_executor(workers=None) as pool:
        for name, batch in (("exact", configs),
                            ("normal", [approximated(c) for c in configs])):
            start = time.perf_counter()
            results[name] = list(pool.map(runner.run_point, batch))
            results[name + " wall"] = time.perf_counter() - start
    print(f"{len(configs)} trainings each; exact {results['exact wall']:.0f} s, normal shot "
          f"noise >= {THRESHOLD:g} e- {results['normal wall']:.0f} s (2 workers)")
    print("| laser power (W) | photons/pixel | exact (%) | normal (%) | paired change (pp) |")
    print("|---|---:|---:|---:|---:|")
    for power in POWERS:
        rows = [i for i, (p, _) in enumerate(labels) if p == power]
        exact = np.array([results["exact"][i]["final_accuracy"] for i in rows]) * 100
        normal = np.array([results["normal"][i]["final_accuracy"] for i in rows]) * 100
        photons = np.mean([results["exact"][i]["measured"]["photons_per_pixel"] for i in rows])
        delta = normal - exact
        se = delta.std(ddof=1) / np.sqrt(delta.size)
        print(f"| {power:g} | {photons:.0f} | {exact.mean():.2f} | {normal.mean():.2f} | "
              f"{delta.mean():+.2f} +- {se:.2f} |")


if __name__ == "__main__":
    main()
