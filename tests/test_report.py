"""dfa.study.report on hand-computed cases: per-point statistics, paired differences against
digital DFA and the preset, the 2-SE rule, missing and diverged seeds, exposure, the table's
text and the findings. Fake result dicts shaped like ``runner.run_point``'s; nothing plots."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from dfa.study import axes, report, runner

SEEDS = 3
#: Final test accuracies (fractions) per seed 0, 1, 2; None: no result (missing).
ACCURACY = {
    "digital": [0.90, 0.91, 0.92],
    "lighton": [0.85, 0.87, 0.86],  # also bits = 8: the same runs
    "bits4": [0.80, 0.83, 0.81],  # delta vs preset -5, -4, -5: a change
    "bits2": [0.86, 0.85, 0.87],  # delta vs preset +1, -2, +1: within 2 SE
}


def fake_result(key, seed, accuracy, method="optical", diverged=False, exposure=None,
                photons=50.0, saturated=0.001, alignment=40.0, optical_time=2.5):
    """A result dict as ``runner.run_point`` returns (exposure only when given)."""
    config = {"seed": seed, "method": method, "point": key.rsplit("-", 1)[0]}
    optical = method == "optical"
    measured = {"photons_per_pixel": photons if optical else math.nan,
                "saturated_fraction": saturated if optical else math.nan,
                "calibrations": 1.0 if optical else math.nan}
    if exposure is not None:
        measured["exposure"] = exposure
    return dict(key=key, config=runner.canonical(config), diverged=diverged,
                error="loss became nan" if diverged else "",
                history={"loss": [], "train_accuracy": [], "test_accuracy": [],
                         "time": [], "alignment": []},
                final_accuracy=math.nan if diverged else accuracy,
                final_alignment=math.nan if diverged else alignment,
                opu_cost={"frames": 100, "optical_time": optical_time} if optical else None,
                measured=measured, wall_time=1.0)


def build(accuracy=None, diverged=(), missing=(), exposure=None):
    """``(where, results)`` of a fake study: references digital and lighton, axis bits.

    ``diverged`` and ``missing``: ``(point, seed)`` pairs; ``exposure``: ``{point: [s]}``.
    """
    accuracy = ACCURACY if accuracy is None else accuracy
    exposure = exposure or {}
    keys = {name: [f"{name}-{s}" for s in range(SEEDS)] for name in accuracy}
    results = {}
    for name, values in accuracy.items():
        for seed, value in enumerate(values):
            if (name, seed) in missing:
                continue
            results[keys[name][seed]] = fake_result(
                keys[name][seed], seed, value,
                method="digital" if name == "digital" else "optical",
                diverged=(name, seed) in diverged,
                exposure=exposure[name][seed] if name in exposure else None)
    where = {"axes": {"bits": {"2": keys["bits2"], "4": keys["bits4"],
                               "8": keys["lighton"]}},
             "references": {"digital": {"": keys["digital"]},
                            "lighton": {"": keys["lighton"]}}}
    return where, results


STUDY = runner.Study(dataset="optdigits", hidden=(8, 8), seeds=SEEDS, axes=("bits",),
                     values={"bits": [8, 4, 2]}, references=("digital", "lighton"))


def percent(name):
    return 100 * np.array(ACCURACY[name])


def rows_of(summary, axis="bits"):
    return {value: stats for value, stats in summary["axes"][axis]}


def cells(table, first):
    row = next(line for line in table.splitlines() if line.startswith(f"| {first} |"))
    return [c.strip() for c in row.strip("|").split("|")]


# ---------------------------------------------------------------------------- statistics
def test_significant_is_strictly_beyond_k_standard_errors():
    assert report.significant(1.0, 0.4)
    assert report.significant(-1.0, 0.4)
    assert not report.significant(1.0, 0.5)  # exactly 2 SE: not a change
    assert not report.significant(0.3, 0.2)
    assert report.significant(0.3, 0.2, k=1.0)
    assert report.significant(0.5, 0.0)  # identical non-zero differences
    assert not report.significant(0.0, 0.0)
    assert not report.significant(1.0, math.nan)  # a single pair has no SE
    assert not report.significant(math.nan, 0.1)
    assert not report.significant(None, 0.1)


def test_point_mean_std_and_standard_error():
    summary = report.summarize(*build())
    bits4 = rows_of(summary)[4]
    expected = percent("bits4")
    assert (bits4.n, bits4.diverged, bits4.missing, bits4.seeds, bits4.ok) == (3, 0, 0, 3, 3)
    assert bits4.mean == pytest.approx(expected.mean())
    assert bits4.std == pytest.approx(expected.std(ddof=1))
    assert bits4.se == pytest.approx(expected.std(ddof=1) / np.sqrt(3))
    assert bits4.accuracies == pytest.approx({0: 80.0, 1: 83.0, 2: 81.0})
    assert bits4.alignment == 40.0 and bits4.photons == 50.0
    assert bits4.saturated == pytest.approx(0.1) and bits4.optical_time == 2.5
    digital = summary["references"]["digital"]
    assert digital.se == pytest.approx(percent("digital").std(ddof=1) / np.sqrt(3))
    assert math.isnan(digital.photons) and math.isnan(digital.optical_time)


def test_paired_drop_and_delta_by_hand():
    summary = report.summarize(*build())
    for value, name in ((4, "bits4"), (2, "bits2")):
        stats = rows_of(summary)[value]
        drop = percent("digital") - percent(name)
        delta = percent(name) - percent("lighton")
        assert stats.drop.mean == pytest.approx(drop.mean())
        assert stats.drop.se == pytest.approx(drop.std(ddof=1) / np.sqrt(3))
        assert stats.delta.mean == pytest.approx(delta.mean())
        assert stats.delta.se == pytest.approx(delta.std(ddof=1) / np.sqrt(3))
        assert (stats.drop.n, stats.drop.excluded) == (3, 0)
        assert (stats.delta.n, stats.delta.excluded) == (3, 0)
    bits4, bits2 = rows_of(summary)[4], rows_of(summary)[2]
    # -4.67 +- 0.33: a change; 0.00 +- 1.00: not
    assert bits4.delta.mean == pytest.approx(-14 / 3)
    assert bits4.delta.se == pytest.approx(np.sqrt(1 / 3) / np.sqrt(3))
    assert bits4.delta.significant and bits4.drop.significant
    assert bits2.delta.mean == pytest.approx(0.0, abs=1e-9)
    assert bits2.delta.se == pytest.approx(np.sqrt(3) / np.sqrt(3))
    assert not bits2.delta.significant
    # the paired SE is much smaller than the unpaired one: the seeds' shared variation cancels
    unpaired = np.hypot(bits4.se, summary["references"]["lighton"].se)
    assert bits4.delta.se < unpaired
    # the preset's own runs (bits = 8, the lighton reference) are flagged, not compared
    assert rows_of(summary)[8].delta.same and not rows_of(summary)[8].delta.significant
    assert summary["references"]["digital"].drop.same
    assert not summary["references"]["lighton"].drop.same


def test_paired_of_directly():
    paired = report.Paired.of({0: 90.0, 1: 92.0, 2: 91.0}, {0: 89.0, 2: 90.5, 3: 70.0},
                              seeds=4)
    d = np.array([1.0, 0.5])
    assert paired.mean == pytest.approx(d.mean())
    assert paired.se == pytest.approx(d.std(ddof=1) / np.sqrt(2))
    assert (paired.n, paired.excluded, paired.same) == (2, 2, False)
    empty = report.Paired.of({0: 1.0}, {1: 2.0})
    assert (empty.n, empty.excluded) == (0, 2) and math.isnan(empty.mean)
    assert not empty.significant


def test_missing_and_diverged_seeds_leave_the_pairs():
    # bits 4 diverged on seed 1, the preset has no result for seed 2, digital for seed 0
    where, results = build(diverged={("bits4", 1)},
                           missing={("lighton", 2), ("digital", 0)})
    summary = report.summarize(where, results)
    bits4 = rows_of(summary)[4]
    assert (bits4.n, bits4.diverged, bits4.missing, bits4.ok) == (3, 1, 0, 2)
    assert bits4.mean == pytest.approx(np.mean([80.0, 81.0]))
    assert bits4.se == pytest.approx(np.std([80.0, 81.0], ddof=1) / np.sqrt(2))
    assert math.isnan(bits4.alignment) is False and bits4.alignment == 40.0
    # delta: only seed 0 in both (seed 1 diverged, seed 2 missing): one pair, no SE
    assert (bits4.delta.n, bits4.delta.excluded) == (1, 2)
    assert bits4.delta.mean == pytest.approx(80.0 - 85.0)
    assert math.isnan(bits4.delta.se) and not bits4.delta.significant
    # drop: only seed 2 (digital lacks 0, bits 4 diverged on 1)
    assert (bits4.drop.n, bits4.drop.excluded) == (1, 2)
    assert bits4.drop.mean == pytest.approx(92.0 - 81.0)
    # bits 2: seeds 0 and 1 pair with the preset
    bits2 = rows_of(summary)[2]
    delta = np.array([86.0 - 85.0, 85.0 - 87.0])
    assert (bits2.delta.n, bits2.delta.excluded) == (2, 1)
    assert bits2.delta.mean == pytest.approx(delta.mean())
    assert bits2.delta.se == pytest.approx(delta.std(ddof=1) / np.sqrt(2))
    lighton = summary["references"]["lighton"]
    assert (lighton.n, lighton.missing, lighton.seeds) == (2, 1, 3)
    table = report.markdown_table(STUDY, summary)
    row = cells(table, "4")
    assert row[1] == "3 (1/3 diverged)"
    assert row[5] == "11.00 ± - n.s. (1 pair)"
    assert row[6] == "-5.00 ± - n.s. (1 pair)"
    assert cells(table, "optical DFA, lighton preset")[1] == "2 (1 missing)"
    assert cells(table, "8")[6] == "(reference)"


def test_a_point_without_any_result_is_skipped():
    where, results = build(missing={("bits2", s) for s in range(SEEDS)})
    summary = report.summarize(where, results)
    assert list(rows_of(summary)) == [4, 8]


def test_stats_of_old_style_results_without_config_or_exposure():
    ok = dict(diverged=False, final_accuracy=0.5, final_alignment=40.0, opu_cost=None,
              measured={"photons_per_pixel": math.nan, "saturated_fraction": math.nan})
    stats = report.Stats.of([ok, dict(ok, final_accuracy=0.7),
                             dict(ok, diverged=True, final_accuracy=math.nan)])
    assert (stats.n, stats.diverged) == (3, 1)
    assert stats.accuracies == pytest.approx({0: 50.0, 1: 70.0})  # seeds by position
    assert stats.mean == pytest.approx(60.0)
    assert stats.se == pytest.approx(np.std([50.0, 70.0], ddof=1) / np.sqrt(2))
    assert math.isnan(stats.exposure)
    assert stats.drop is None and stats.delta is None
    assert "1/3 diverged" in report._row("x", stats)
    single = report.Stats.of([ok])
    assert math.isnan(single.std) and math.isnan(single.se)


def test_exposure_is_averaged_and_shown_in_ms():
    where, results = build(exposure={"bits4": [1e-3, 2e-3, math.nan],
                                     "bits2": [math.nan] * SEEDS})
    summary = report.summarize(where, results)
    assert rows_of(summary)[4].exposure == pytest.approx(1.5e-3)
    assert math.isnan(rows_of(summary)[2].exposure)
    assert math.isnan(rows_of(summary)[8].exposure)  # old results: no "exposure" key
    table = report.markdown_table(STUDY, summary)
    assert cells(table, "4")[10] == "1.5"
    assert cells(table, "2")[10] == "-"
    assert cells(table, "8")[10] == "-"


# ---------------------------------------------------------------------------- table
def test_markdown_table_rows_by_hand():
    summary = report.summarize(*build(), study=STUDY)
    table = report.markdown_table(STUDY, summary)
    lines = table.splitlines()
    header = next(line for line in lines if line.startswith("| value |"))
    assert [c.strip() for c in header.strip("|").split("|")] == [
        "value", "seeds", "accuracy (%)", "std", "SE", "drop vs digital DFA (pp)",
        "delta vs lighton preset (pp)", "alignment (deg)", "photons / pixel",
        "saturated (%)", "exposure (ms)", "optical time (s)"]
    # values in the study's order (8, 4, 2), references first
    order = [line.split("|")[1].strip() for line in lines if line.startswith("| ")
             and not line.startswith(("| value", "| feedback"))]
    assert order == ["digital DFA", "optical DFA, lighton preset", "8", "4", "2"]

    bits4 = percent("bits4")
    drop = percent("digital") - bits4
    delta = bits4 - percent("lighton")
    se = bits4.std(ddof=1) / np.sqrt(3)
    assert cells(table, "4") == [
        "4", "3", f"{bits4.mean():.2f}", f"{bits4.std(ddof=1):.2f}", f"{se:.2f}",
        f"{drop.mean():.2f} ± {drop.std(ddof=1) / np.sqrt(3):.2f} *",
        f"{delta.mean():.2f} ± {delta.std(ddof=1) / np.sqrt(3):.2f} *",
        "40.0", "50", "0.100", "-", "2.50"]
    assert cells(table, "4")[6] == "-4.67 ± 0.33 *"
    assert cells(table, "2")[6] == "0.00 ± 1.00 n.s."  # never "-0.00"
    digital = cells(table, "digital DFA")
    assert digital[5] == "(reference)"
    assert digital[6] == f"{(percent('digital') - percent('lighton')).mean():.2f} ± 0.58 *"
    assert digital[8] == digital[9] == digital[11] == "-"  # no OPU
    assert cells(table, "optical DFA, lighton preset")[6] == "(reference)"
    # the paragraph explains the columns, the paired SE and the 2-SE rule
    for text in ("std / sqrt(seeds)", "sqrt(pairs)", "2 paired SE",
                 "nothing is ranked within 2 SE", "exposure (the mean camera exposure per frame"):
        assert text in table
    assert f"## {axes.get_axis('bits').label}" in table


def test_markdown_table_of_a_single_seed_has_no_errors():
    accuracy = {name: values[:1] for name, values in ACCURACY.items()}
    where, results = build(accuracy)
    for group in where.values():
        for slots in group.values():
            for slot in slots:
                slots[slot] = slots[slot][:1]
    table = report.markdown_table(STUDY, report.summarize(where, results))
    row = cells(table, "4")
    assert row[1:5] == ["1", "80.00", "-", "-"]
    assert row[6] == "-5.00 ± - n.s."


# ---------------------------------------------------------------------------- findings
def test_findings_list_the_delta_against_the_preset():
    summary = report.summarize(*build(), study=STUDY)
    found = report.findings(summary)
    assert [(f["axis"], f["value"]) for f in found] == [("bits", 8), ("bits", 4),
                                                         ("bits", 2)]
    preset, bits4, bits2 = found
    assert preset["is_preset"] and preset["change"] == "preset"
    assert not preset["significant"]
    delta = percent("bits4") - percent("lighton")
    assert bits4["delta"] == pytest.approx(delta.mean())
    assert bits4["delta_se"] == pytest.approx(delta.std(ddof=1) / np.sqrt(3))
    assert bits4["significant"] and bits4["change"] == "lower"
    assert (bits4["pairs"], bits4["excluded"], bits4["seeds"]) == (3, 0, 3)
    assert bits4["accuracy"] == pytest.approx(percent("bits4").mean())
    assert bits4["drop"] == pytest.approx((percent("digital") - percent("bits4")).mean())
    assert bits4["drop_significant"]
    assert bits4["text"] == "4" and bits4["label"] == axes.get_axis("bits").label
    assert not bits2["significant"] and bits2["change"] == "within 2 SE"
    json.dumps(found)  # plain numbers and text


def test_findings_without_the_preset_reference_are_nan():
    where, results = build()
    del where["references"]["lighton"]
    found = report.findings(report.summarize(where, results))
    assert all(math.isnan(f["delta"]) and not f["significant"] for f in found)
    assert all(f["change"] == "within 2 SE" for f in found)
    assert all(math.isfinite(f["drop"]) for f in found)


def test_reference_lines_stay_distinguishable_when_they_coincide():
    """The ideal and preset references often have the same accuracy: each line needs its own
    colour, style and width, and a label with its value."""
    where, results = build()
    summary = report.summarize(where, results, STUDY)
    references = dict(summary["references"])
    references["ideal"] = references["lighton"]  # exactly the same accuracy
    lines = report.reference_lines(references)
    assert len({(color, style, width) for _, color, style, width, _ in lines}) == len(lines)
    assert len({label for label, *_ in lines}) == len(lines)
    for label, *_, stats in lines:
        assert f"{stats.mean:.2f} %" in label
