"""Tables and figures of a study: accuracy per axis value, paired against the references.

Every point (a configuration) runs for seeds ``0 .. n-1``, and a seed means the same
initialisation, data order and medium in every point, so two points are compared **paired by
seed**: per seed, the difference of the two final test accuracies, then the mean and the
paired standard error of these differences (sample std, ``ddof=1``, over the square root of
the number of pairs). A seed enters the pairs only when both points have a finite, non-diverged
accuracy for it; the others are excluded and counted.

Per point and reference (:class:`Stats`): the seeds found, diverged and missing; the final
test accuracy's mean, sample std (``ddof=1``) and standard error of the mean (std over the
square root of the non-diverged seeds); the last epoch's alignment angle averaged over hidden
layers; the measured photons per pixel, fraction of saturated pixel readings and mean exposure
per frame (``result["measured"]``, from the OPU's frame statistics over every frame captured
in training; older result files have no exposure); and the optical time of the run (frames,
calibration included, over the frame rate). Diverged runs are left out of the accuracy means
and counted.

Two paired differences (:class:`Paired`, in percentage points): the **drop** against digital
DFA (digital minus the point: positive = the imperfection costs accuracy) and the **delta**
against the optical preset (the point minus the ``"lighton"`` preset reference, from which
every axis changes one thing: negative = the change costs accuracy). A difference is called a
change only when its magnitude exceeds twice its paired standard error (:func:`significant`);
nothing is ranked within 2 SE.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import axes as axes_module

REFERENCE_LABELS = {"backprop": "backprop", "digital": "digital DFA",
                    "ideal": "optical DFA, ideal OPU", "lighton": "optical DFA, lighton preset"}
#: Smallest accuracy range (percentage points) of a figure panel.
MIN_SPAN = 10.0
REFERENCE_STYLES = {"backprop": ("black", "-"), "digital": ("tab:blue", "--"),
                    "ideal": ("tab:green", "-."), "lighton": ("tab:red", ":")}
#: Reference of the drop (``reference - point``).
DROP_REFERENCE = "digital"
#: Reference of the delta (``point - reference``): the preset every axis departs from.
PRESET_REFERENCE = axes_module.BASE_PRESET
#: A paired difference is a change when ``|mean| > SIGNIFICANCE * se``.
SIGNIFICANCE = 2.0


def significant(mean, se, k=SIGNIFICANCE) -> bool:
    """Whether a difference ``mean`` is called a change: ``|mean| > k * se``.

    Parameters
    ----------
    mean : float
        Mean paired difference.
    se : float
        Its standard error (NaN, e.g. with a single pair, is never significant).
    k : float
        Number of standard errors.

    Returns
    -------
    bool
        False when ``mean`` or ``se`` is not finite.
    """
    if mean is None or se is None or not (math.isfinite(mean) and math.isfinite(se)):
        return False
    return abs(mean) > k * se


@dataclass(frozen=True)
class Paired:
    """A paired difference over seeds (percentage points).

    Attributes
    ----------
    mean : float
        Mean over the pairs of the per-seed difference (NaN without pairs).
    se : float
        Paired standard error: sample std (``ddof=1``) of the per-seed differences over
        ``sqrt(n)``; NaN with fewer than 2 pairs.
    n : int
        Number of pairs (seeds with a finite, non-diverged accuracy on both sides).
    excluded : int
        Seeds of the point without a pair (missing or diverged on either side).
    same : bool
        The point is the reference itself (the same runs): the difference is zero.
    """

    mean: float
    se: float
    n: int
    excluded: int = 0
    same: bool = False

    @property
    def significant(self) -> bool:
        """``|mean| > 2 se`` (:func:`significant`)."""
        return significant(self.mean, self.se)

    @classmethod
    def of(cls, minuend: dict, subtrahend: dict, seeds=None, same=False) -> Paired:
        """``minuend[s] - subtrahend[s]`` over the seeds ``s`` in both.

        Parameters
        ----------
        minuend, subtrahend : dict
            ``{seed: accuracy}`` (finite, non-diverged accuracies only).
        seeds : int, optional
            The point's number of planned seeds (default: the seeds of either side), to
            count the excluded ones.
        same : bool
            See :attr:`same`.
        """
        common = sorted(set(minuend) & set(subtrahend))
        d = np.array([minuend[s] - subtrahend[s] for s in common], dtype=np.float64)
        total = len(set(minuend) | set(subtrahend)) if seeds is None else seeds
        return cls(mean=float(d.mean()) if d.size else math.nan,
                   se=float(d.std(ddof=1) / math.sqrt(d.size)) if d.size > 1 else math.nan,
                   n=int(d.size), excluded=max(0, total - int(d.size)), same=bool(same))


def _seed(result, default):
    """The seed of ``result`` (from its configuration), else ``default``."""
    config = result.get("config")
    if isinstance(config, str):
        config = json.loads(config)
    if isinstance(config, dict) and "seed" in config:
        return int(config["seed"])
    return default


def _mean(values) -> float:
    values = np.array([v for v in values if v is not None and math.isfinite(v)],
                      dtype=np.float64)
    return float(values.mean()) if values.size else math.nan


@dataclass(frozen=True)
class Stats:
    """Statistics of one point over its seeds (accuracies in percent).

    Attributes
    ----------
    n : int
        Results found (diverged included).
    diverged : int
        Results whose training diverged (left out of every accuracy statistic).
    mean, std : float
        Mean and sample std (``ddof=1``; NaN for one seed) of the final test accuracy.
    alignment : float
        Last epoch's alignment angle (degrees), mean over the non-diverged seeds.
    photons, saturated : float
        Measured photons per pixel and saturated pixels (%), mean over the results.
    optical_time : float
        Optical time of the run (s), mean over the results with an OPU cost.
    exposure : float
        Mean exposure of the run's frames (s), mean over the results recording it; NaN
        when none does (older result files).
    missing : int
        Planned seeds without a result.
    accuracies : dict
        ``{seed: accuracy (%)}`` of the non-diverged results, for the pairing.
    keys : tuple
        The point keys of every planned seed (identical keys: the same point).
    drop : Paired or None
        :data:`DROP_REFERENCE` minus this point, paired by seed (see :func:`summarize`).
    delta : Paired or None
        This point minus :data:`PRESET_REFERENCE`, paired by seed.
    """

    n: int
    diverged: int
    mean: float
    std: float
    alignment: float
    photons: float
    saturated: float
    optical_time: float
    exposure: float = math.nan
    missing: int = 0
    accuracies: dict = field(default_factory=dict, compare=False, repr=False)
    keys: tuple = ()
    drop: Paired | None = None
    delta: Paired | None = None

    @property
    def ok(self) -> int:
        """Seeds with a usable (finite, non-diverged) accuracy."""
        return len(self.accuracies)

    @property
    def se(self) -> float:
        """Standard error of the mean accuracy: ``std / sqrt(ok)`` (NaN for one seed)."""
        return self.std / math.sqrt(self.ok) if self.ok > 1 else math.nan

    @property
    def seeds(self) -> int:
        """Planned seeds: found plus missing."""
        return self.n + self.missing

    @classmethod
    def of(cls, results, seeds=None, missing=0, keys=()) -> Stats:
        """Statistics of ``results`` (result dicts of :func:`dfa.study.runner.run_point`).

        Parameters
        ----------
        results : list of dict
        seeds : list of int, optional
            The seed of each result; default: its configuration's ``"seed"``, else its
            position in ``results``.
        missing : int
            Planned seeds without a result.
        keys : sequence of str
            The point keys of every planned seed.
        """
        results = list(results)
        if seeds is None:
            seeds = [_seed(r, i) for i, r in enumerate(results)]
        ok = [(s, r) for s, r in zip(seeds, results) if not r["diverged"]]
        accuracies = {s: 100 * float(r["final_accuracy"]) for s, r in ok
                      if r["final_accuracy"] is not None
                      and math.isfinite(r["final_accuracy"])}
        accuracy = np.array(list(accuracies.values()), dtype=np.float64)
        return cls(
            n=len(results), diverged=len(results) - len(ok),
            mean=float(accuracy.mean()) if accuracy.size else math.nan,
            std=float(accuracy.std(ddof=1)) if accuracy.size > 1 else math.nan,
            alignment=_mean(r["final_alignment"] for _, r in ok),
            photons=_mean(r["measured"]["photons_per_pixel"] for r in results),
            saturated=_mean(100 * r["measured"]["saturated_fraction"] for r in results),
            optical_time=_mean(r["opu_cost"]["optical_time"] for r in results
                               if r.get("opu_cost") is not None),
            exposure=_mean(r["measured"].get("exposure") for r in results),
            missing=int(missing), accuracies=accuracies, keys=tuple(keys))

    def paired(self, drop=None, delta=None) -> Stats:
        """A copy with :attr:`drop` and :attr:`delta` against these references (Stats)."""
        def same(reference):
            return bool(self.keys) and self.keys == reference.keys

        changes = {}
        if drop is not None:
            changes["drop"] = Paired.of(drop.accuracies, self.accuracies, self.seeds,
                                        same(drop))
        if delta is not None:
            changes["delta"] = Paired.of(self.accuracies, delta.accuracies, self.seeds,
                                         same(delta))
        return dataclasses.replace(self, **changes)


def summarize(where: dict, results: dict, study=None) -> dict:
    """``{"references": {name: Stats}, "axes": {name: [(value, Stats)]}}``.

    Parameters
    ----------
    where : dict
        :func:`dfa.study.runner.index`'s map (keys ordered by seed); points without any
        result are skipped, planned seeds without a result are counted as missing.
    results : dict
        ``{key: result}``.
    study : Study, optional
        Gives the order of the axes, their values and the references.

    Returns
    -------
    dict
        Every :class:`Stats` carries its ``drop`` against the ``"digital"`` reference and
        its ``delta`` against the ``"lighton"`` preset reference, paired by seed, when
        those references have results.
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
        keys = list(keys)
        found = [(i, results[k]) for i, k in enumerate(keys) if k in results]
        if not found:
            return None
        return Stats.of([r for _, r in found], seeds=[_seed(r, i) for i, r in found],
                        missing=len(keys) - len(found), keys=keys)

    references = {}
    for name, slots in where["references"].items():
        s = stats(next(iter(slots.values())))
        if s is not None:
            references[name] = s
    drop, delta = references.get(DROP_REFERENCE), references.get(PRESET_REFERENCE)
    out = {"references": {name: s.paired(drop, delta) for name, s in references.items()},
           "axes": {}}
    for name, slots in where["axes"].items():
        rows = [(json.loads(value), stats(keys)) for value, keys in slots.items()]
        out["axes"][name] = [(v, s.paired(drop, delta)) for v, s in rows if s is not None]
    return out


def findings(summary: dict) -> list:
    """Per axis value, the paired delta against the preset and whether it is a change.

    Parameters
    ----------
    summary : dict
        :func:`summarize`'s output.

    Returns
    -------
    list of dict
        In the summary's order, one dict per axis value with ``axis`` (name), ``label``,
        ``value``, ``text`` (the value as in the table), ``accuracy`` and ``accuracy_se``
        (%), ``seeds``, ``diverged``, ``missing``, ``delta`` and ``delta_se`` (point minus
        preset, pp), ``pairs``, ``excluded``, ``significant`` (``|delta| > 2 delta_se``),
        ``change`` (``"higher"``, ``"lower"``, ``"within 2 SE"`` or ``"preset"`` for the
        preset's own runs), ``is_preset``, and ``drop``, ``drop_se``,
        ``drop_significant`` (digital DFA minus the point). NaN where a reference is absent.
    """
    out = []
    for name, rows in summary["axes"].items():
        axis = axes_module.get_axis(name)
        for value, s in rows:
            delta = s.delta if s.delta is not None else Paired(math.nan, math.nan, 0)
            drop = s.drop if s.drop is not None else Paired(math.nan, math.nan, 0)
            if delta.same:
                change = "preset"
            elif delta.significant:
                change = "higher" if delta.mean > 0 else "lower"
            else:
                change = "within 2 SE"
            out.append(dict(
                axis=name, label=axis.label, value=value, text=axis.format(value),
                accuracy=s.mean, accuracy_se=s.se, seeds=s.seeds, diverged=s.diverged,
                missing=s.missing, delta=delta.mean, delta_se=delta.se, pairs=delta.n,
                excluded=delta.excluded, significant=delta.significant, change=change,
                is_preset=delta.same, drop=drop.mean, drop_se=drop.se,
                drop_significant=drop.significant))
    return out


# ---------------------------------------------------------------------------- table
def _fixed(value, digits=1, scale=1.0) -> str:
    if value is None or not math.isfinite(value):
        return "-"
    text = f"{value * scale:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text



def _general(value, scale=1.0) -> str:
    """Three significant digits, ``-`` for None / NaN."""
    if value is None or not math.isfinite(value):
        return "-"
    return f"{value * scale:.3g}"


def _seeds(stats) -> str:
    text = str(stats.n)
    notes = []
    if stats.diverged:
        notes.append(f"{stats.diverged}/{stats.n} diverged")
    if stats.missing:
        notes.append(f"{stats.missing} missing")
    return text + (f" ({', '.join(notes)})" if notes else "")


def _paired(paired) -> str:
    """``mean ± se`` and ``*`` (beyond 2 SE) or ``n.s.``; ``(reference)`` for itself."""
    if paired is None or paired.n == 0:
        return "-"
    if paired.same:
        return "(reference)"
    marker = "*" if paired.significant else "n.s."
    text = f"{_fixed(paired.mean, 2)} ± {_fixed(paired.se, 2)} {marker}"
    if paired.excluded:
        text += f" ({paired.n} pair{'s' if paired.n != 1 else ''})"
    return text


def _row(first, stats) -> str:
    return (f"| {first} | {_seeds(stats)} | {_fixed(stats.mean, 2)} | {_fixed(stats.std, 2)} "
            f"| {_fixed(stats.se, 2)} | {_paired(stats.drop)} | {_paired(stats.delta)} | "
            f"{_fixed(stats.alignment)} | {_general(stats.photons)} | "
            f"{_fixed(stats.saturated, 3)} | {_general(stats.exposure, 1e3)} | "
            f"{_fixed(stats.optical_time, 2)} |")


HEADER = ("| seeds | accuracy (%) | std | SE | drop vs digital DFA (pp) | "
          f"delta vs {PRESET_REFERENCE} preset (pp) | alignment (deg) | photons / pixel | "
          "saturated (%) | exposure (ms) | optical time (s) |")
RULE = "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"

COLUMNS = (
    "Seeds: runs found for the point (seeds 0 to n-1; a seed is the same initialisation, data "
    "order and medium in every point); diverged runs (NaN / inf loss) are counted and left out "
    "of every accuracy statistic, missing ones have not run yet. Accuracy: final test "
    "accuracy, mean over the non-diverged seeds; std: sample standard deviation (ddof=1); "
    "SE: standard error of the mean, std / sqrt(seeds). Drop vs digital DFA: per seed, "
    "digital DFA's accuracy minus the point's (positive: the imperfection costs accuracy); "
    f"delta vs {PRESET_REFERENCE} preset: per seed, the point's accuracy minus the optical "
    f"{PRESET_REFERENCE} preset's, from which every axis changes one thing (negative: the "
    "change costs accuracy). Both are paired by seed and shown as mean ± paired SE, the "
    "sample std (ddof=1) of the per-seed differences over sqrt(pairs), in percentage points; "
    "a seed missing or diverged on either side is left out (\"(k pairs)\" when some were), "
    "and \"(reference)\" marks the reference's own runs. \"*\": |mean| > 2 paired SE, "
    "called a change; \"n.s.\": within 2 SE (or a single pair, no SE), not distinguished "
    "from zero: nothing is ranked within 2 SE. Alignment: angle between the hidden-layer "
    "updates and the backprop gradient after the last epoch. Photons / pixel, saturated "
    "pixel readings (at the top code) and exposure (the mean camera exposure per frame, "
    "\"-\" where not recorded): measured over every frame the camera captured in training "
    "(reference ON and OFF, calibration). Optical time: the run's OPU "
    "frames (calibration included) at the preset frame rate. Means over seeds throughout."
)


def describe(study) -> str:
    """One paragraph describing the fixed setup of ``study`` (a ``Study``)."""
    train = "all" if study.train_size is None else study.train_size
    test = "all" if study.test_size is None else study.test_size
    if getattr(study, "model", "mlp") == "vit":
        network = (f"ViT with {study.n_layers} block(s), d_model {study.d_model}, "
                   f"{study.n_heads} head(s), {study.patch} x {study.patch} patches, fed back "
                   f"at every block output")
        pixels = "one camera pixel per feedback value"
    else:
        hidden = "-".join(str(h) for h in study.hidden)
        network = f"MLP {hidden} hidden ({study.activation})"
        pixels = f"{sum(study.hidden)} camera pixels"
    return (f"{study.dataset}: {train} training / {test} test samples; {network}; Adam lr "
            f"{study.lr:g}, batch {study.batch_size}, {study.epochs} epoch(s); seeds "
            f"0-{study.seeds - 1}; OPU: one input per class on a macro-pixel block of "
            f"{study.macro} DMD row(s) x (1140 // n_classes) mirrors, {pixels}, everything "
            f"else at the \"{axes_module.BASE_PRESET}\" preset.")


def markdown_table(study, summary: dict) -> str:
    """The study's markdown table: references, then one section per axis.

    Parameters
    ----------
    study : Study
        For the setup paragraph.
    summary : dict
        :func:`summarize`'s output.
    """
    lines = ["# DFA imperfection study", "", describe(study), "", COLUMNS, "",
             "## References", "", "| feedback " + HEADER, RULE]
    for name, stats in summary["references"].items():
        lines.append(_row(REFERENCE_LABELS.get(name, name), stats))
    for name, rows in summary["axes"].items():
        axis = axes_module.get_axis(name)
        lines += ["", f"## {axis.label}", "", "| value " + HEADER, RULE]
        lines += [_row(axis.format(value), stats) for value, stats in rows]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- figure
def _x(axis, rows):
    """x positions, tick labels (or None) and scale of one axis's panel."""
    if axis.measure == "photons_per_pixel":
        return [s.photons for _, s in rows], None, "log"
    if axis.measure == "saturated_fraction":
        return [s.saturated for _, s in rows], None, "symlog"
    if axis.scale == "category":
        return list(range(len(rows))), [axis.format(v) for v, _ in rows], "linear"
    return [float(v) for v, _ in rows], None, axis.scale


def _finite(value) -> float:
    return value if math.isfinite(value) else 0.0


def reference_lines(references: dict) -> list:
    """``(label, color, linestyle, linewidth, stats)`` of each reference line of a panel.

    References often coincide (the ideal OPU and the preset within a few tenths of a point):
    each has its own colour and line style, the later ones are drawn thinner so the earlier
    ones show around them, and every label carries the reference's mean accuracy.
    """
    lines = []
    for rank, (name, stats) in enumerate(references.items()):
        color, style = REFERENCE_STYLES.get(name, ("gray", "-"))
        label = REFERENCE_LABELS.get(name, name)
        if math.isfinite(stats.mean):
            label = f"{label}: {stats.mean:.2f} %"
        lines.append((label, color, style, max(0.8, 2.4 - 0.5 * rank), stats))
    return lines


def figure(study, summary: dict):
    """A matplotlib Figure with one panel per axis.

    Accuracy against the value, error bars one standard error of the mean; the references
    as horizontal lines in a shaded band of ±1 SE.
    """
    from matplotlib.figure import Figure

    names = list(summary["axes"])
    cols = min(4, max(1, len(names)))
    rows = max(1, math.ceil(len(names) / cols))
    fig = Figure(figsize=(4.2 * cols, 3.3 * rows + 0.9), layout="constrained")
    panels = fig.subplots(rows, cols, squeeze=False).ravel()
    for panel in panels[len(names):]:
        panel.set_visible(False)
    references = summary["references"]
    for panel, name in zip(panels, names):
        axis = axes_module.get_axis(name)
        data = summary["axes"][name]
        x, ticks, scale = _x(axis, data)
        mean = [s.mean for _, s in data]
        se = [_finite(s.se) for _, s in data]
        for label, color, style, width, stats in reference_lines(references):
            panel.axhline(stats.mean, color=color, linestyle=style, linewidth=width,
                          label=label)
            if math.isfinite(stats.mean) and math.isfinite(stats.se):
                panel.axhspan(stats.mean - stats.se, stats.mean + stats.se, color=color,
                              alpha=0.12, linewidth=0)
        panel.errorbar(x, mean, yerr=se, marker="o", color="tab:purple", capsize=3,
                       label="optical DFA (swept), ± 1 SE")
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
        lows = [m - e for m, e in zip(mean, se) if math.isfinite(m)]
        highs = [m + e for m, e in zip(mean, se) if math.isfinite(m)]
        for s in references.values():
            if math.isfinite(s.mean):
                lows.append(s.mean - _finite(s.se))
                highs.append(s.mean + _finite(s.se))
        if lows:  # at least MIN_SPAN points of accuracy, so noise does not look like a trend
            top = max(highs)
            bottom = min(min(lows), top - MIN_SPAN)
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
    fig.legend(handles, labels, loc="outside lower center",
               ncols=max(1, min(len(labels), 2 * cols)), fontsize=8)
    fig.suptitle(describe(study) + " Error bars and bands: ± 1 standard error over seeds.",
                 fontsize=8, wrap=True)
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
