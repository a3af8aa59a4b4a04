"""dfa.study: axes, point identity, storage and resume (incl. kill -9), dask, report, CLI,
and the scaling cost model on hand-computed cases."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numba
import numpy as np
import pytest

import dfa
import lightsim
from dfa.study import __main__ as cli
from dfa.study import axes, report, runner

ROOT = Path(__file__).resolve().parent.parent


def tiny_study(**changes) -> runner.Study:
    """optdigits, 8-8 hidden, 1 epoch: a point takes a fraction of a second."""
    settings = dict(dataset="optdigits", train_size=300, test_size=200, hidden=(8, 8),
                    epochs=1, batch_size=32, seeds=1, axes=("bits",),
                    values={"bits": [4, 8]}, references=("digital",))
    settings.update(changes)
    return runner.Study(**settings)


def quiet(_line):
    pass


def _subprocess_env():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    for name in runner.THREAD_VARIABLES:
        env[name] = "1"
    return env


# ---------------------------------------------------------------------------- axes
GEOMETRY = axes.Geometry.of(10, 16)


def _config(overrides, seed=0):
    base = runner._base_config(tiny_study(), 64, 10, seed)
    return runner.optical_config(base, GEOMETRY, overrides)


@pytest.mark.parametrize("axis", axes.AXES, ids=lambda a: a.name)
def test_every_axis_value_builds_an_opu_that_projects(axis):
    model = dfa.MLP([64, 8, 8, 10], seed=0)
    x = np.random.default_rng(0).random((5, 64))
    cache = model.forward(x)
    e = model.output_error(cache.logits, np.arange(5))
    assert set(axis.quick) <= set(axis.values)
    for value in axis.values:
        config = _config(axis.apply(value, GEOMETRY))
        runner.canonical(config)  # JSON-serialisable, no NaN / inf
        feedback = axes.build_feedback(config)
        signals = feedback.signals(model, cache, e)
        assert [d.shape for d in signals] == [(5, 8), (5, 8)]
        assert all(np.isfinite(d).all() for d in signals)
        assert feedback.cost.frames > 0
        assert isinstance(axis.format(value), str)


def test_bits_axis_changes_only_the_adc_resolution():
    """Dark level and full well at the same fractions of the code range at every depth."""
    reference = GEOMETRY.opu().camera
    for bits in (1, 2, 4, 12):
        camera = GEOMETRY.opu(**axes.bits_overrides(bits, GEOMETRY).opu).camera
        assert camera.bits == bits
        assert camera.black_level == pytest.approx(reference.black_level, rel=1e-12)
        assert camera.gain * camera.full_well / camera.max_code == pytest.approx(1.0)
        for name in ("full_well", "read_noise", "dark_current", "quantum_efficiency"):
            assert getattr(camera, name) == getattr(reference, name)


def test_saturation_axis_saturates_and_laser_axis_changes_the_light():
    x = np.random.default_rng(0).random((32, 10)) < 0.5
    fractions, light = [], []
    for value in (0.25, 8.0):
        opu = GEOMETRY.opu(**axes.saturation_overrides(value, GEOMETRY).opu)
        opu.linear_transform(x)
        fractions.append(opu.frame_stats.saturated_fraction)
    assert fractions[0] < 0.01 < 0.2 < fractions[1]
    for value in (1e-4, 1e-2):
        opu = GEOMETRY.opu(**axes.get_axis("laser_power").apply(value, GEOMETRY).opu)
        opu.linear_transform(x)
        light.append(opu.frame_stats.photons_per_pixel)
    assert light[1] == pytest.approx(100 * light[0], rel=0.05)  # exposure capped: linear


def test_static_medium_is_the_preset_point():
    axis = axes.get_axis("decorrelation_time")
    assert _config(axis.apply(None, GEOMETRY)) == _config(axes.Overrides({}, {}, {}))
    assert _config(axis.apply(100.0, GEOMETRY))["opu"]["decorrelation_time"] == 100.0
    assert axis.format(None) == "static"


def test_unknown_axis_reference_and_medium_are_named():
    with pytest.raises(ValueError, match="unknown axis 'nope'.*bits"):
        axes.get_axis("nope")
    with pytest.raises(ValueError, match="unknown reference 'nope'"):
        tiny_study(references=("nope",))
    with pytest.raises(ValueError, match=r"values\['bits'\] must be a non-empty list"):
        tiny_study(values={"bits": []})
    for run, message in (({"medium": "glass"}, "unknown medium 'glass'"),
                         ({"colour": 1}, r"unknown run option\(s\) \['colour'\]")):
        with pytest.raises(ValueError, match=message):
            axes.build_feedback(_config(axes.Overrides({}, {}, run)))


def test_points_measure_the_light_through_the_opu_frame_statistics():
    """The study reads the OPU's public statistics; the training is that of a plain OPU."""
    model = dfa.MLP([64, 8, 8, 10], seed=0)
    cache = model.forward(np.random.default_rng(2).random((6, 64)))
    e = model.output_error(cache.logits, np.arange(6))
    config = _config(axes.Overrides({}, {}, {}))
    built = axes.build_feedback(config)
    plain = dfa.OpticalDFA(lightsim.OPU(config["n_in"], config["n_out"], seed=0,
                                        **config["opu"]))
    for a, b in zip(built.signals(model, cache, e), plain.signals(model, cache, e)):
        np.testing.assert_array_equal(a, b)
    stats = built.opu.frame_stats
    assert stats.frames == built.cost.total_frames  # probes, calibration, projections
    assert stats.photons_per_pixel > 0 and 0 <= stats.saturated_fraction <= 1


# ---------------------------------------------------------------------------- identity
def test_point_key_ignores_order_and_sees_every_value():
    config = _config(axes.get_axis("bits").apply(4, GEOMETRY))
    reordered = json.loads(json.dumps(dict(reversed(list(config.items())))))
    assert runner.point_key(reordered) == runner.point_key(config)
    for change in ({"seed": 1}, {"lr": config["lr"] * (1 + 1e-12)}, {"epochs": 2},
                   {"feedback": {"threshold": 0.3}}):
        assert runner.point_key({**config, **change}) != runner.point_key(config)


def test_point_keys_are_the_same_in_another_process():
    study = runner.Study.quick()
    keys = [p.key for p in runner.plan(study, 784, 10)]
    code = ("from dfa.study import runner; print(' '.join(p.key for p in "
            "runner.plan(runner.Study.quick(), 784, 10)))")
    env = _subprocess_env()
    env["PYTHONHASHSEED"] = "12345"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True, cwd=ROOT)
    assert out.stdout.split() == keys


def test_plan_runs_shared_points_once():
    study = tiny_study(axes=("bits", "threshold"), values={"bits": [4, 8], "threshold":
                                                           [0.25, 0.5]},
                       references=("digital", "lighton"), seeds=2)
    points = runner.plan(study, 64, 10)
    # per seed: digital, lighton = bits 8 = threshold 0.25, bits 4, threshold 0.5
    assert len(points) == 2 * 4
    shared = [p for p in points if len(p.labels) == 3]
    assert len(shared) == 2
    assert {label[0] for label in shared[0].labels} == {"reference", "axis"}


# ---------------------------------------------------------------------------- storage
def test_resume_skips_finished_points_and_checks_their_configuration(tmp_path):
    study = tiny_study()
    first = runner.run_study(study, tmp_path, workers=0, log=quiet, report=False)
    assert (first["ran"], first["skipped"]) == (3, 0)
    again = runner.run_study(study, tmp_path, workers=0, log=quiet, report=False)
    assert (again["ran"], again["skipped"]) == (0, 3)
    victim = first["points"][1].key
    runner.point_path(tmp_path, victim).unlink()
    (tmp_path / "points" / ".left-over.h5.tmp").write_bytes(b"partial")
    third = runner.run_study(study, tmp_path, workers=0, log=quiet, report=False)
    assert (third["ran"], third["skipped"]) == (1, 2)
    assert third["results"][victim]["final_accuracy"] == first["results"][victim][
        "final_accuracy"]
    assert not list((tmp_path / "points").glob(".*.tmp"))
    # a point file holding another configuration is refused
    other = first["points"][0].key
    os.replace(runner.point_path(tmp_path, other), runner.point_path(tmp_path, victim))
    with pytest.raises(lightsim.io.FormatError, match="another configuration"):
        runner.run_study(study, tmp_path, workers=0, log=quiet, report=False)


def test_results_file_and_table(tmp_path):
    study = tiny_study(seeds=2, references=("backprop", "digital"))
    summary = runner.run_study(study, tmp_path, workers=0, log=quiet)
    stored = runner.read_results(tmp_path / "results.h5")
    assert stored["study"] == study.to_dict()
    assert set(stored["points"]) == {p.key for p in summary["points"]}
    for key, result in stored["points"].items():
        config = json.loads(result["config"])
        assert runner.point_key(config) == key
        assert len(result["history"]["test_accuracy"]) == study.epochs
        assert np.shape(result["history"]["alignment"]) == (study.epochs, 2)
        assert result["final_accuracy"] == result["history"]["test_accuracy"][-1]
        assert 0 <= result["final_accuracy"] <= 1
        assert (result["opu_cost"] is None) == (config["method"] != "optical")
        if config["method"] == "optical":
            assert result["opu_cost"]["frames"] > 0
            assert result["measured"]["photons_per_pixel"] > 0
    assert list(stored["axes"]["bits"]) == ["4", "8"]
    assert all(len(keys) == 2 for keys in stored["axes"]["bits"].values())
    # the table's drop is the digital mean minus the point's mean, in percentage points,
    # paired by seed: its SE is that of the per-seed differences
    table = (tmp_path / "table.md").read_text()
    accuracy = {k: 100 * r["final_accuracy"] for k, r in stored["points"].items()}
    seed = {k: json.loads(r["config"])["seed"] for k, r in stored["points"].items()}
    digital = {seed[k]: accuracy[k] for k in stored["references"]["digital"][""]}
    bits4 = {seed[k]: accuracy[k] for k in stored["axes"]["bits"]["4"]}
    row = next(line for line in table.splitlines() if line.startswith("| 4 |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    values = np.array([bits4[s] for s in (0, 1)])
    assert cells[2] == f"{values.mean():.2f}" and cells[3] == f"{values.std(ddof=1):.2f}"
    drop = np.array([digital[s] - bits4[s] for s in (0, 1)])
    assert cells[5].startswith(f"{drop.mean():.2f} ± {drop.std(ddof=1) / np.sqrt(2):.2f} ")
    assert "## camera bit depth (bits" in table and "| backprop |" in table
    assert (tmp_path / "study.png").stat().st_size > 0
    assert (tmp_path / "study.pdf").stat().st_size > 0


def test_stats_leave_diverged_runs_out():
    ok = dict(diverged=False, final_accuracy=0.5, final_alignment=40.0, opu_cost=None,
              measured={"photons_per_pixel": math.nan, "saturated_fraction": math.nan})
    stats = report.Stats.of([ok, dict(ok, final_accuracy=0.7),
                             dict(ok, diverged=True, final_accuracy=math.nan)])
    assert (stats.n, stats.diverged) == (3, 1)
    assert stats.mean == pytest.approx(60.0)
    assert stats.std == pytest.approx(np.std([50.0, 70.0], ddof=1))
    assert "1/3 diverged" in report._row("x", stats)


@pytest.mark.slow
def test_kill_9_then_resume_gives_the_uninterrupted_table(tmp_path):
    settings = dict(dataset="optdigits", train_size=1000, test_size=300, hidden=[8, 8],
                    epochs=1, batch_size=16, seeds=1, axes=["bits"],
                    values={"bits": [2, 3, 4, 5, 6, 8, 10]}, references=["digital"])
    config = tmp_path / "tiny.json"
    config.write_text(json.dumps(settings))

    def command(out):
        return [sys.executable, "-m", "dfa.study", "--config", str(config), "--workers", "1",
                "--out", str(out), "--no-report"]

    straight = tmp_path / "straight"  # the uninterrupted run, meanwhile
    uninterrupted = subprocess.Popen(command(straight), cwd=ROOT, env=_subprocess_env(),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    killed = tmp_path / "killed"
    proc = subprocess.Popen(command(killed), cwd=ROOT, env=_subprocess_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not list((killed / "points").glob("*.h5")):
            assert proc.poll() is None, "the study ended before writing a point"
            assert time.monotonic() < deadline, "no point file after 120 s"
            time.sleep(0.002)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the study and its worker process
        proc.wait()
    n_points = len(settings["values"]["bits"]) + 1
    written = list((killed / "points").glob("*.h5"))
    assert 1 <= len(written) < n_points
    for path in written:  # every file present is complete
        runner.read_point(path)
    subprocess.run(command(killed), cwd=ROOT, env=_subprocess_env(), check=True,
                   capture_output=True)
    assert uninterrupted.wait(timeout=300) == 0, uninterrupted.stderr.read()
    study = runner.Study(**settings)
    tables = []
    for out in (killed, straight):
        stored = runner.read_results(out / "results.h5")
        assert len(stored["points"]) == n_points
        tables.append(report.markdown_table(study, report.summarize(stored,
                                                                    stored["points"])))
    assert tables[0] == tables[1]


def test_dask_local_cluster_runs_points(tmp_path):
    import distributed  # in the test extra: a missing dask fails rather than skips
    study = tiny_study(values={"bits": [4]})  # 2 points: digital, bits 4
    serial = runner.run_study(study, tmp_path / "serial", workers=0, log=quiet, report=False)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        with runner.make_executor(dask=cluster.scheduler_address) as executor:
            on_dask = runner.run_study(study, tmp_path / "dask", executor=executor,
                                       log=quiet, report=False)
    assert on_dask["ran"] == 2
    for key, result in serial["results"].items():
        assert on_dask["results"][key]["final_accuracy"] == result["final_accuracy"]


# ---------------------------------------------------------------------------- CLI
def test_config_files_json_and_toml(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps({"dataset": "optdigits", "hidden": [8, 8],
                                                 "values": {"bits": [4]}, "workers": 0,
                                                 "out": "x"}))
    (tmp_path / "a.toml").write_text('dataset = "optdigits"\nhidden = [8, 8]\nworkers = 0\n'
                                     'out = "x"\nepochs = 5\n[values]\nbits = [4]\n')
    parser = cli.study_parser()
    for name in ("a.json", "a.toml"):
        args = parser.parse_args(["--config", str(tmp_path / name), "--epochs", "2",
                                  "--quick"])
        study, out, workers, dask = cli.resolve(args, parser)
        assert (study.dataset, study.hidden, study.epochs) == ("optdigits", (8, 8), 2)
        assert study.values == {"bits": [4]} and study.quick_values and study.seeds == 1
        assert (out, workers, dask) == (Path("x"), 0, None)


@pytest.mark.parametrize("argv, message", [
    (["--axes", "bits,nope"], "unknown axis 'nope'"),
    (["--seeds", "0"], "seeds must be >= 1"),
    (["--dataset", "cifar"], "invalid choice: 'cifar'"),
    (["--hidden", "8,x"], "comma-separated integers"),
    (["--workers", "-1", "--list-axes"], None),
])
def test_bad_flags_give_clear_errors(argv, message, capsys):
    if message is None:  # --list-axes exits before validating anything else
        assert cli.main(argv) == 0
        assert "bits" in capsys.readouterr().out
        return
    with pytest.raises(SystemExit) as exit_info:
        parser = cli.study_parser()
        cli.resolve(parser.parse_args(argv), parser)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("text, suffix, message", [
    ('{"epochs": 2, "colour": "red"}', ".json", r"unknown setting\(s\) \['colour'\]"),
    ("{not json", ".json", "not valid JSON"),
    ("epochs = = 2", ".toml", "not valid TOML"),
    ("[1, 2]", ".json", "must hold a table"),
])
def test_bad_config_files(tmp_path, text, suffix, message):
    path = tmp_path / f"c{suffix}"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        cli.load_config(path)


# ------------------------------------------------------------------ validated before running
TINY = dict(dataset="optdigits", train_size=200, test_size=100, hidden=[8, 8], epochs=1,
            batch_size=16, seeds=1, references=["digital"])


def test_a_vit_study_feeds_back_every_block_through_the_opu(tmp_path):
    """--model vit: the same axes and references on a ViT; the OPU reads one pixel per
    feedback value (blocks x patches x d_model) and the alignment is per block."""
    study = tiny_study(model="vit", patch=4, d_model=8, n_heads=2, n_layers=2,
                       references=("backprop", "digital"))
    points = runner.plan(study, 64, 10)
    optical = [p.config for p in points if p.config["method"] == "optical"]
    assert optical and all(c["n_out"] == 2 * 4 * 8 and c["model"] == "vit" for c in optical)
    summary = runner.run_study(study, tmp_path, workers=0, log=quiet)
    for result in summary["results"].values():
        assert np.shape(result["history"]["alignment"]) == (study.epochs, 2)
        assert 0 <= result["final_accuracy"] <= 1
    backprop = next(r for r in summary["results"].values()
                    if json.loads(r["config"])["method"] == "backprop")
    assert np.nanmax(backprop["history"]["alignment"]) < 1e-3
    assert "ViT with 2 block(s), d_model 8" in (tmp_path / "table.md").read_text()


def test_mlp_point_keys_did_not_change_with_the_model_option():
    """The MLP's configuration keeps its schema-2 keys, so finished studies still resume."""
    config = runner.plan(tiny_study(), 64, 10)[0].config
    assert "model" not in config and config["sizes"] == [64, 8, 8, 10]


@pytest.mark.parametrize("settings, argv, message", [
    ({"axes": ["bits"], "values": {"bits": [4, 0]}}, [],
     "the point bits=0 (seed 0) cannot be built"),
    ({"axes": ["bits"]}, ["--workers", "-1"], "--workers must be an integer >= 0"),
    ({"axes": ["bits"]}, ["--axes", ""], "axes is empty"),
    ({"axes": ["bits"]}, ["--train-size", "1000000000"],
     "train_size=1000000000 exceeds the 3823 samples"),
    ({"axes": ["bits"]}, ["--test-size", "5000"], "test_size=5000 exceeds the 1797 samples"),
    ({"axes": ["bits"]}, ["--model", "vit", "--patch", "3"],
     "patch=3 must divide the image side 8"),
    ({"axes": ["bits"]}, ["--model", "vit", "--patch", "4", "--d-model", "6", "--n-heads", "4"],
     "d_model=6 must be a multiple of n_heads=4"),
])
def test_a_study_that_would_fail_is_refused_before_anything_runs(tmp_path, capsys, settings,
                                                                  argv, message):
    """No output folder, no study.json, no compute spent: one error line naming the
    setting or the point."""
    config = tmp_path / "study.json"
    config.write_text(json.dumps(dict(TINY, **settings)))
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--config", str(config), "--out", str(out), "--workers", "0", *argv])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert message in error and "Traceback" not in error
    assert not out.exists()


@pytest.mark.slow
def test_ctrl_c_prints_one_line_and_the_rerun_resumes(tmp_path):
    config = tmp_path / "tiny.json"
    config.write_text(json.dumps(dict(TINY, train_size=1000, axes=["bits"],
                                      values={"bits": [2, 3, 4, 5, 6, 8, 10]})))
    out = tmp_path / "out"
    command = [sys.executable, "-m", "dfa.study", "--config", str(config), "--workers", "1",
               "--out", str(out), "--no-report"]
    proc = subprocess.Popen(command, cwd=ROOT, env=_subprocess_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while not list((out / "points").glob("*.h5")):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no point file after 120 s"
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C reaches the study and its worker
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130
    # one line says it (training warnings of the points may precede it), no traceback
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    said = [line for line in err.splitlines() if line.startswith("interrupted:")]
    assert len(said) == 1 and "run the same command again to resume" in said[0], err
    saved = len(list((out / "points").glob("*.h5")))
    done = subprocess.run(command, cwd=ROOT, env=_subprocess_env(), capture_output=True,
                          text=True, check=True)
    assert f"{saved} already finished" in done.stdout


@pytest.mark.parametrize("progress", [False, True])
def test_log_lines_fit_one_terminal_line(tmp_path, monkeypatch, capsys, progress):
    """Every log line fits the terminal; with the progress bar the per-point lines go."""
    monkeypatch.setenv("COLUMNS", "50")
    lines = []
    runner.run_study(tiny_study(), tmp_path, workers=0, log=lines.append, progress=progress)
    assert lines and all(len(line) < 50 and "\n" not in line for line in lines)
    per_point = [line for line in lines if line.startswith("[")]
    assert len(per_point) == (0 if progress else 3)
    if progress:
        assert "3/3" in capsys.readouterr().err  # the tqdm bar


def test_in_process_ctrl_c_stops_at_once_and_keeps_the_finished_points(tmp_path, monkeypatch):
    """--workers 0 ran every point before saving any, and ran on after a KeyboardInterrupt."""
    calls = []
    real = runner.run_point

    def interrupted_on_the_second(config):
        calls.append(config)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(config)

    monkeypatch.setattr(runner, "run_point", interrupted_on_the_second)
    with pytest.raises(KeyboardInterrupt):
        runner.run_study(tiny_study(), tmp_path, workers=0, log=quiet, report=False)
    assert len(calls) == 2
    assert len(list((tmp_path / "points").glob("*.h5"))) == 1


def test_a_cut_log_line_keeps_its_result(monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    line = runner.fit_line("[1/55] " + "lighton (seed 0), " * 20, ": 92.61 % (31.2 s)")
    assert len(line) <= 39 and line.endswith("...: 92.61 % (31.2 s)")


def test_optdigits_studies_use_the_whole_set_by_default():
    """The MNIST subset sizes do not fit optdigits: "auto" means its whole set."""
    for study in (runner.Study(dataset="optdigits", axes=("bits",)),
                  runner.Study.quick(dataset="optdigits", axes=("bits",))):
        assert (study.train_size, study.test_size) == (None, None)
    assert (runner.Study().train_size, runner.Study().test_size) == (20_000, 5_000)
    assert (runner.Study.quick().train_size, runner.Study.quick().test_size) == (10_000, 2_000)


def test_ctrl_c_waits_until_it_is_outside_numbas_compiler():
    """An interrupt inside numba / llvmlite code (compiling, writing the cache) once printed
    a traceback and was lost; it is now delivered again once the compiler has returned."""
    import signal as signals

    namespace = {}
    inside = os.path.join(os.path.dirname(numba.__file__), "compiler_stand_in.py")
    exec(compile("import sys\nframe = sys._getframe()", inside, "exec"), namespace)
    assert runner._in_compiler(namespace["frame"])
    assert not runner._in_compiler(sys._getframe())
    with runner.interrupts_kept():
        assert signals.getsignal(signals.SIGINT) is runner._interrupt_outside_compiler
        with pytest.raises(KeyboardInterrupt):  # outside the compiler: at once
            runner._interrupt_outside_compiler(signals.SIGINT, sys._getframe())
        with pytest.raises(KeyboardInterrupt):
            runner._interrupt_outside_compiler(signals.SIGINT, namespace["frame"])  # deferred
            time.sleep(5)  # ... and delivered here, 0.05 s later
    assert signals.getsignal(signals.SIGINT) is signals.default_int_handler
