"""How well each calibration method recovers the instrument, against frames per input.

For the five methods of :func:`lightsim.retrieval.calibrate` and budgets of 2 to 64 DMD
frames per input, on an OPU of ``N`` inputs (single mirrors; ``--n``, default 64) and as many
outputs under three
illuminations (noise-free: the ideal preset without camera; the ``"lighton"`` preset at 1 W
and at its own 1 mW), the script records the row fidelity (median and 10th percentile over
the rows, against the OPU's ``effective_matrix`` for the holographic method, the cross term
``conj(s) D`` per pixel for phase stepping (on an OPU built with ``phase_stepping=True``)
and its ``signal_matrix`` for the intensity methods; the metric ignores each row's phase and
conjugation) and the frames actually spent. Seeds 0 to ``--seeds - 1`` give independent
media, probes and noise; the table gives the mean over seeds of the median fidelity and its
standard error.

Budgets map to each method's parameters as follows: holographic, ``b N / 2`` probes of 2
frames (at least ``N + 1``); phase stepping, ``b N / 4`` probes of 4 frames (at least
``N + 1``); Wirtinger flow and Gerchberg-Saxton, ``b N`` random frames (at
least ``2 (N + 1)``); anchors, the most anchors of (20, 10, 5, 3) for which the two groups
still get their minimum of calibration signals, then as many signals as the budget allows.
A method absent at a budget cannot run with that few frames.

Usage::

    python examples/calibration_fidelity.py [--seeds 3] [--out FIGURE.png]

Writes the figure and ``examples/results/calibration_fidelity.json``. The committed ones
come from ``--n 32 --seeds 2`` (about 5 minutes on 2 cores); the default size takes
several times longer.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from lightsim import OPU  # noqa: E402
from lightsim.retrieval import calibrate, row_fidelity  # noqa: E402

N_IN = 64  # default size (--n)
BUDGETS = (2, 4, 8, 16, 32, 64)
METHODS = ("holographic", "phase-stepping", "wirtinger", "gerchberg-saxton", "anchors")
ILLUMINATIONS = {
    "noise-free": dict(preset="ideal", camera=None),
    "lighton, 1 W": dict(preset="lighton", laser_power=1.0),
    "lighton, 1 mW (preset)": dict(preset="lighton"),
}
SUPPORT = 0.75


def anchor_plan(budget, n_in):
    """``(n_anchors, n_probes)`` that fit ``budget`` frames per input, or None."""
    minimum = 2 * round(SUPPORT * n_in)
    for anchors in (20, 10, 5, 3):
        fixed = 1 + 2 * (anchors + anchors * (anchors - 1) // 2)
        per_group = (budget * n_in - fixed) // (2 * (anchors + 1))
        if 2 * per_group >= minimum:
            return anchors, 2 * per_group
    return None


def options(method, budget, n_in):
    """Keywords of :func:`calibrate` for ``budget`` frames per input, or None."""
    if method == "holographic":
        return dict(n_probes=max(n_in + 1, budget * n_in // 2))
    if method == "phase-stepping":
        return dict(n_probes=max(n_in + 1, budget * n_in // 4))
    if method in ("wirtinger", "gerchberg-saxton"):
        return dict(n_probes=max(2 * (n_in + 1), budget * n_in))
    plan = anchor_plan(budget, n_in)
    return None if plan is None else dict(n_anchors=plan[0], n_probes=plan[1])


def estimated_quantity(opu, method):
    """What ``method`` estimates, from the simulator's ground truth."""
    if method == "holographic":
        return opu.effective_matrix()
    if method == "phase-stepping":
        cross = np.conj(opu.reference.astype(np.complex128))[:, None] * opu.signal_matrix()
        return opu.plane.sum_to_outputs(cross.T).T
    return opu.signal_matrix()


def measure(seeds, n_in):
    rows = []
    for name, keywords in ILLUMINATIONS.items():
        for method in METHODS:
            for budget in BUDGETS:
                kwargs = options(method, budget, n_in)
                if kwargs is None:
                    continue
                medians, tenths, frames, photons, seconds = [], [], [], [], []
                for seed in range(seeds):
                    opu = OPU(n_in, n_in, seed=seed,
                              phase_stepping=method == "phase-stepping", **keywords)
                    truth = estimated_quantity(opu, method)
                    start = time.perf_counter()
                    result = calibrate(opu, method=method, seed=seed, **kwargs)
                    seconds.append(time.perf_counter() - start)
                    fidelity = row_fidelity(result.matrix, truth)
                    medians.append(float(np.median(fidelity)))
                    tenths.append(float(np.percentile(fidelity, 10)))
                    frames.append(result.frames / n_in)
                    photons.append(opu.frame_stats.photons_per_pixel)
                row = dict(illumination=name, method=method, budget=budget,
                           frames_per_input=float(np.mean(frames)),
                           median_fidelity=float(np.mean(medians)),
                           median_fidelity_se=float(np.std(medians, ddof=1) / np.sqrt(seeds))
                           if seeds > 1 else float("nan"),
                           p10_fidelity=float(np.mean(tenths)),
                           photons_per_pixel=float(np.mean(photons)),
                           seconds=float(np.mean(seconds)), seeds=seeds, **kwargs)
                rows.append(row)
                print(f"{name:24s} {method:17s} b={budget:2d}: {row['frames_per_input']:5.1f} "
                      f"frames/input, median fidelity {row['median_fidelity']:.4f} +- "
                      f"{row['median_fidelity_se']:.4f}, p10 {row['p10_fidelity']:.4f}, "
                      f"{row['photons_per_pixel']:.3g} photons/px", flush=True)
    return rows


def plot(rows, out, n_in):
    fig, panels = plt.subplots(1, len(ILLUMINATIONS), figsize=(13, 4), sharey=True)
    for panel, name in zip(panels, ILLUMINATIONS):
        for method, marker in zip(METHODS, "ovsd^"):
            mine = [r for r in rows if r["illumination"] == name and r["method"] == method]
            if not mine:
                continue
            x = [r["frames_per_input"] for r in mine]
            y = [r["median_fidelity"] for r in mine]
            err = [2 * r["median_fidelity_se"] for r in mine]
            panel.errorbar(x, y, yerr=err, marker=marker, capsize=3, label=method)
            panel.plot(x, [r["p10_fidelity"] for r in mine], marker=marker, ls=":",
                       color=panel.lines[-1].get_color(), alpha=0.6)
        photons = np.mean([r["photons_per_pixel"] for r in rows if r["illumination"] == name])
        title = name if not np.isfinite(photons) or photons == 0 else (
            f"{name}\n(mean {photons:.3g} photons / pixel)")
        panel.set_title(title, fontsize=10)
        panel.set_xscale("log", base=2)
        panel.set_xlabel("DMD frames per input")
        panel.grid(alpha=0.3)
    panels[0].set_ylabel("row fidelity (solid: median, dotted: 10th percentile)")
    panels[0].set_ylim(0, 1.02)
    panels[0].legend(loc="lower right", fontsize=8)
    fig.suptitle(f"Calibration of a {n_in} x {n_in} OPU from its measurements "
                 f"(mean over seeds; bars: 2 SE)", fontsize=11)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--n", type=int, default=N_IN, help="inputs (= outputs)")
    parser.add_argument("--out", type=Path,
                        default=Path(__file__).parent / "figures" / "calibration_fidelity.png")
    args = parser.parse_args(argv)
    if args.seeds < 1:
        parser.error(f"--seeds must be >= 1, got {args.seeds}")
    if args.n < 8:
        parser.error(f"--n must be >= 8, got {args.n}")
    rows = measure(args.seeds, args.n)
    table = Path(__file__).parent / "results" / "calibration_fidelity.json"
    table.write_text(json.dumps(dict(n_in=args.n, n_out=args.n, rows=rows), indent=1) + "\n")
    plot(rows, args.out, args.n)
    print(f"wrote {args.out} and {table}")


if __name__ == "__main__":
    main()
