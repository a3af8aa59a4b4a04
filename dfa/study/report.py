"""Tables and figures of a study: accuracy per axis value against the reference lines.

Every statistic is over seeds: the final test accuracy's mean and sample standard deviation
(``ddof=1``, shown as "-" for a single seed), the drop against digital DFA (its mean minus the
point's mean, in percentage points: positive = the imperfection costs accuracy), the last
epoch's alignment angle averaged over hidden layers, the measured photons per pixel and
fraction of saturated pixels (every captured frame, see
:class:`dfa.study.axes.CameraRecorder`),
and the optical time of the run (frames, calibration included, over the frame rate). Diverged
runs are left out of the means and counted.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import axes as axes_module

REFERENCE_LABELS = {"backprop": "backprop", "digital": "digital DFA",
                    "ideal": "optical DFA, ideal OPU", "lighton": "optical DFA, lighton preset"}
#: Smallest accuracy range (percentage points) of a figure panel.
MIN_SPAN = 10.0
REFERENCE_STYLES = {"backprop": ("black", "-"), "digital": ("tab:blue", "--"),
                    "ideal": ("tab:green", "-."), "lighton": ("tab:red", ":")}


@dataclass(frozen=True)
class Stats:
    """Statistics of one point over its seeds (accuracies in percent)."""

    n: int
    diverged: int
    mean: float
    std: float
    alignment: float
    photons: float
    saturated: float
    optical_time: float

    @classmethod
    def of(cls, results) -> Stats:
        ok = [r for r in results if not r["diverged"]]
        accuracy = np.array([100 * r["final_accuracy"] for r in ok])

        def mean(values):
            values = np.array([v for v in values if v is not None and math.isfinite(v)])
            return float(values.mean()) if values.size else math.nan

        return cls(
            n=len(results), diverged=len(results) - len(ok),
            mean=float(accuracy.mean()) if ok else math.nan,
            std=float(accuracy.std(ddof=1)) if len(ok) > 1 else math.nan,
            alignment=mean(r["final_alignment"] for r in ok),
            photons=mean(r["measured"]["photons_per_pixel"] for r in results),
            saturated=mean(100 * r["measured"]["saturated_fraction"] for r in results),
            optical_time=mean(r["opu_cost"]["optical_time"] for r in results
                              if r["opu_cost"] is not None))


def summarize(where: dict, results: dict, study=None) -> dict:
    """``{"references": {name: Stats}, "axes": {name: [(value, Stats)]}}``.

    ``where`` is :func:`dfa.study.runner.index`'s map; points without a result are skipped.
    With ``study``, axes and references come in its order.
    """
    if study is not None:
        axes = {}
        for name in study.axes:
            if name in where["axes"]:
                slots = where["axes"][name]
                order = [json.dumps(v) for v in study.axis_values(axes_module.get_axis(name))]
                axes[name] = {v: slots[v] for v in sorted(
                    slots, key=lambda v: order.index(v) if v in order else len(order))}
        where = {"axes": axes,
                 "references": {n: where["references"][n] for n in study.references
                                if n in where["references"]}}
    def stats(keys):
        found = [results[k] for k in keys if k in results]
        return Stats.of(found) if found else None

    out = {"references": {}, "axes": {}}
    for name, slots in where["references"].items():
        s = stats(next(iter(slots.values())))
        if s is not None:
            out["references"][name] = s
    for name, slots in where["axes"].items():
        rows = [(json.loads(value), stats(keys)) for value, keys in slots.items()]
        out["axes"][name] = [(v, s) for v, s in rows if s is not None]
    return out


def _number(value, digits=1, scale=1.0) -> str:
    if value is None or not math.isfinite(value):
        return "-"
    return f"{value * scale:.{digits}f}"


def _photons(value) -> str:
    if not math.isfinite(value):
        return "-"
    return f"{value:.3g}"


def _row(first, stats, digital_mean):
    accuracy = _number(stats.mean, 2)
    if math.isfinite(stats.std):
        accuracy += f" ± {stats.std:.2f}"
    if stats.diverged:
        accuracy += f" ({stats.diverged}/{stats.n} diverged)"
    drop = (_number(digital_mean - stats.mean, 2)
            if math.isfinite(digital_mean) and math.isfinite(stats.mean) else "-")
    return (f"| {first} | {accuracy} | {drop} | {_number(stats.alignment)} | "
            f"{_photons(stats.photons)} | {_number(stats.saturated, 3)} | "
            f"{_number(stats.optical_time, 2)} |")


HEADER = ("| accuracy (%) | drop vs digital DFA (pp) | alignment (deg) | photons / pixel | "
          "saturated (%) | optical time (s) |")
RULE = "|---|---:|---:|---:|---:|---:|---:|"


def describe(study) -> str:
    """One paragraph describing the fixed setup of ``study`` (a ``Study``)."""
    hidden = "-".join(str(h) for h in study.hidden)
    train = "all" if study.train_size is None else study.train_size
    test = "all" if study.test_size is None else study.test_size
    return (f"{study.dataset}: {train} training / {test} test samples; MLP {hidden} hidden "
            f"({study.activation}); Adam lr {study.lr:g}, batch {study.batch_size}, "
            f"{study.epochs} epoch(s); seeds 0-{study.seeds - 1}; OPU: one input per class "
            f"on a macro-pixel block of {study.macro} DMD row(s) x (1140 // n_classes) "
            f"mirrors, {sum(study.hidden)} camera pixels, everything else at the "
            f"\"{axes_module.BASE_PRESET}\" preset.")


def markdown_table(study, summary: dict) -> str:
    """The study's markdown table: references, then one section per axis."""
    digital = summary["references"].get("digital")
    digital_mean = digital.mean if digital is not None else math.nan
    lines = ["# DFA imperfection study", "", describe(study), "",
             "Accuracy: final test accuracy, mean ± sample std over seeds. Drop: digital DFA "
             "mean minus the point's mean (percentage points). Alignment: angle between the "
             "hidden-layer updates and the backprop gradient after the last epoch. Photons / "
             "pixel and saturated pixels (noise-free reading at the top code): measured over "
             "every frame the camera captured in training (reference ON and OFF, calibration)."
             " Optical time: the run's OPU frames (calibration included) at "
             "the preset frame rate.", "", "## References", "",
             "| feedback " + HEADER, RULE]
    for name, stats in summary["references"].items():
        lines.append(_row(REFERENCE_LABELS.get(name, name), stats, digital_mean))
    for name, rows in summary["axes"].items():
        axis = axes_module.get_axis(name)
        lines += ["", f"## {axis.label}", "", "| value " + HEADER, RULE]
        lines += [_row(axis.format(value), stats, digital_mean) for value, stats in rows]
    return "\n".join(lines) + "\n"


def _x(axis, rows):
    """x positions, tick labels (or None) and scale of one axis's panel."""
    if axis.measure == "photons_per_pixel":
        return [s.photons for _, s in rows], None, "log"
    if axis.measure == "saturated_fraction":
        return [s.saturated for _, s in rows], None, "symlog"
    if axis.scale == "category":
        return list(range(len(rows))), [axis.format(v) for v, _ in rows], "linear"
    return [float(v) for v, _ in rows], None, axis.scale


def figure(study, summary: dict):
    """A matplotlib Figure with one panel per axis (accuracy vs value, reference lines)."""
    from matplotlib.figure import Figure

    names = list(summary["axes"])
    cols = min(4, max(1, len(names)))
    rows = max(1, math.ceil(len(names) / cols))
    fig = Figure(figsize=(4.2 * cols, 3.3 * rows + 0.9), layout="constrained")
    panels = fig.subplots(rows, cols, squeeze=False).ravel()
    for panel in panels[len(names):]:
        panel.set_visible(False)
    for panel, name in zip(panels, names):
        axis = axes_module.get_axis(name)
        data = summary["axes"][name]
        x, ticks, scale = _x(axis, data)
        mean = [s.mean for _, s in data]
        std = [s.std if math.isfinite(s.std) else 0.0 for _, s in data]
        for ref, stats in summary["references"].items():
            color, style = REFERENCE_STYLES.get(ref, ("gray", "-"))
            panel.axhline(stats.mean, color=color, linestyle=style, linewidth=1,
                          label=REFERENCE_LABELS.get(ref, ref))
        panel.errorbar(x, mean, yerr=std, marker="o", color="tab:purple", capsize=3,
                       label="optical DFA (swept)")
        if scale == "symlog":
            panel.set_xscale("symlog", linthresh=0.01 if axis.measure else 1.0)
        elif scale == "log":
            panel.set_xscale("log")
        if ticks is not None:
            panel.set_xticks(x, ticks)
            panel.set_xlim(-0.5, len(x) - 0.5)
        elif axis.measure is None:  # the swept values themselves, as written in the table
            panel.set_xticks(x, [axis.format(v) for v, _ in data], fontsize=7)
            panel.minorticks_off()
        levels = [m - e for m, e in zip(mean, std) if math.isfinite(m)]
        levels += [s.mean for s in summary["references"].values() if math.isfinite(s.mean)]
        if levels:  # at least MIN_SPAN points of accuracy, so noise does not look like a trend
            top = max(max(levels), *(m + e for m, e in zip(mean, std) if math.isfinite(m)))
            bottom = min(min(levels), top - MIN_SPAN)
            margin = 0.05 * (top - bottom)
            panel.set_ylim(max(0.0, bottom - margin), top + margin)
        if axis.measure == "photons_per_pixel":
            panel.set_xlabel("measured mean photons / pixel")
        elif axis.measure == "saturated_fraction":
            panel.set_xlabel("measured saturated pixels (%)")
        panel.set_title(axis.label, fontsize=9)
        panel.set_ylabel("test accuracy (%)")
        panel.grid(alpha=0.3)
    handles, labels = panels[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=len(labels), fontsize=8)
    fig.suptitle(describe(study), fontsize=8, wrap=True)
    return fig


def write_report(out, study, where: dict, results: dict) -> str:
    """Write ``table.md``, ``study.png`` and ``study.pdf`` into ``out``; return the table."""
    out = Path(out)
    summary = summarize(where, results, study)
    table = markdown_table(study, summary)
    path = out / "table.md"
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(table)
    tmp.replace(path)
    if summary["axes"]:
        fig = figure(study, summary)
        for suffix in ("png", "pdf"):
            fig.savefig(out / f"study.{suffix}", dpi=130)
    return table
