"""Command line of the study: ``python -m dfa.study [options]``, ``... scaling``, ``... report``.

See :mod:`dfa.study` for what is run and the time budgets; ``--help`` lists the options.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from . import axes as axes_module
from . import runner, scaling

DEFAULT_OUT = Path("results") / "study"
#: ``--quick`` writes elsewhere, so that it never mixes its table with the full study's.
QUICK_OUT = Path("results") / "study-quick"
#: Keys of a --config file besides the Study fields.
RUN_KEYS = ("out", "workers", "dask", "quick")


def load_config(path) -> dict:
    """Settings from a JSON file, or a TOML file (``.toml``, Python 3.11+ ``tomllib``).

    Keys: the fields of :class:`dfa.study.runner.Study` and ``out``, ``workers``, ``dask``,
    ``quick``; unknown keys raise ``ValueError``.
    """
    path = Path(path)
    text = path.read_text()
    if path.suffix.lower() == ".toml":
        try:
            import tomllib
        except ModuleNotFoundError:
            raise ValueError(f"{path}: TOML needs Python 3.11+ (tomllib); use a JSON config "
                             f"file instead") from None
        try:
            settings = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise ValueError(f"{path} is not valid TOML: {error}") from None
    else:
        try:
            settings = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path} is not valid JSON: {error}") from None
    if not isinstance(settings, dict):
        raise ValueError(f"{path} must hold a table / object of settings")
    unknown = sorted(set(settings) - set(runner.FIELDS) - set(RUN_KEYS))
    if unknown:
        raise ValueError(f"{path}: unknown setting(s) {unknown}; allowed: "
                         f"{sorted(runner.FIELDS) + sorted(RUN_KEYS)}")
    return settings


def _int_list(text):
    try:
        return tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers, got {text!r}") from None


def _names(text):
    return tuple(v.strip() for v in text.split(",") if v.strip())


def study_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m dfa.study",
        description="What each optical imperfection costs in DFA training accuracy. "
                    "Subcommands: 'scaling' (cost model figure), 'report' (redraw table and "
                    "figure from results.h5).")
    p.add_argument("--quick", action="store_true",
                   help="small net, data subset, one seed, fewer values (<= 3 min)")
    p.add_argument("--config", metavar="FILE",
                   help="JSON or TOML file of settings (flags override it)")
    p.add_argument("--axes", type=_names, metavar="A,B,...",
                   help="comma-separated axes (default: all; see --list-axes)")
    p.add_argument("--references", type=_names, metavar="R,...",
                   help="reference lines among backprop,digital,ideal,lighton")
    p.add_argument("--seeds", type=int, metavar="N", help="seeds 0..N-1 per point")
    p.add_argument("--epochs", type=int)
    p.add_argument("--model", choices=runner.MODELS,
                   help="network: an MLP (default) or a ViT fed back at every block")
    p.add_argument("--dataset", choices=("mnist", "fashion-mnist", "optdigits"))
    p.add_argument("--train-size", type=int, metavar="N")
    p.add_argument("--test-size", type=int, metavar="N")
    p.add_argument("--hidden", type=_int_list, metavar="W,W,...", help="MLP hidden widths")
    p.add_argument("--d-model", type=int, metavar="D", help="ViT width")
    p.add_argument("--n-heads", type=int, metavar="H", help="ViT attention heads")
    p.add_argument("--n-layers", type=int, metavar="L", help="ViT blocks")
    p.add_argument("--patch", type=int, metavar="P", help="ViT patch side (pixels)")
    p.add_argument("--batch-size", type=int, metavar="N")
    p.add_argument("--lr", type=float)
    p.add_argument("--macro", type=int, metavar="M",
                   help="DMD rows of the block of each class (M x 1140 // n_classes mirrors)")
    p.add_argument("--out", metavar="DIR",
                   help=f"output directory (default {DEFAULT_OUT}, {QUICK_OUT} with --quick)")
    p.add_argument("--workers", type=int, metavar="N",
                   help="local worker processes (default: one per core; 0: in-process)")
    p.add_argument("--dask", metavar="ADDRESS",
                   help="run the points on a dask.distributed cluster: a scheduler address "
                        "or 'local' for a LocalCluster")
    p.add_argument("--list-axes", action="store_true", help="print the axes and exit")
    p.add_argument("--no-report", action="store_true", help="skip the table and figure")
    p.add_argument("--no-progress", action="store_true",
                   help="one log line per finished point instead of a progress bar")
    return p


FLAG_FIELDS = ("axes", "references", "seeds", "epochs", "model", "dataset", "train_size",
               "test_size", "hidden", "d_model", "n_heads", "n_layers", "patch", "batch_size",
               "lr", "macro")


def resolve(args, parser) -> tuple:
    """``(Study, out, workers, dask)`` from defaults < config file < flags."""
    settings = {}
    if args.config:
        try:
            settings = load_config(args.config)
        except (OSError, ValueError) as error:
            parser.error(str(error))
    quick = args.quick or bool(settings.pop("quick", False))
    run = {k: settings.pop(k, None) for k in ("out", "workers", "dask")}
    for name in FLAG_FIELDS:
        if getattr(args, name) is not None:
            settings[name] = getattr(args, name)
    for name in ("out", "workers", "dask"):
        if getattr(args, name) is not None:
            run[name] = getattr(args, name)
    try:
        study = runner.Study.quick(**settings) if quick else runner.Study(**settings)
    except (TypeError, ValueError) as error:
        parser.error(str(error))
    workers = run["workers"]
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or workers < 0):
        parser.error(f"--workers must be an integer >= 0 (0: in this process), got "
                     f"{workers!r}")
    if run["out"] is not None:
        out = Path(run["out"])
    else:
        out = QUICK_OUT if quick else DEFAULT_OUT
    return study, out, run["workers"], run["dask"]


def list_axes() -> str:
    lines = []
    for axis in axes_module.AXES:
        values = ", ".join(axis.format(v) for v in axis.values)
        lines.append(f"{axis.name:16s} {axis.label}\n{'':16s} values: {values}")
    return "\n".join(lines)


def main_study(argv) -> int:
    parser = study_parser()
    args = parser.parse_args(argv)
    if args.list_axes:
        print(list_axes())
        return 0
    study, out, workers, dask = resolve(args, parser)
    start = time.perf_counter()
    try:
        with runner.interrupts_kept():
            summary = runner.run_study(study, out, workers=workers, dask=dask,
                                       log=lambda line: print(line, flush=True),
                                       report=not args.no_report,
                                       progress=not args.no_progress)
    except runner.PlanError as error:  # raised by runner.validate before anything ran
        parser.error(str(error))
    except KeyboardInterrupt:
        saved = len(list((out / "points").glob("*.h5"))) if (out / "points").is_dir() else 0
        print(f"\ninterrupted: {saved} point(s) finished and saved in {out}; run the same "
              f"command again to resume", file=sys.stderr, flush=True)
        return 130
    print(f"{summary['ran']} point(s) run, {summary['skipped']} skipped, "
          f"{time.perf_counter() - start:.1f} s; results in {out}", flush=True)
    return 0


def scaling_parser() -> argparse.ArgumentParser:
    d, o = scaling.Digital(), scaling.Optical()
    p = argparse.ArgumentParser(
        prog="python -m dfa.study scaling",
        description="Cost model of whole training steps: where optical DFA beats backprop "
                    "and digital DFA on a digital accelerator (writes scaling.png / "
                    "scaling.pdf, prints the assumptions, examples and crossover widths).")
    p.add_argument("--out", metavar="DIR", default=str(DEFAULT_OUT))
    p.add_argument("--flops", type=float, default=d.flops, help="accelerator peak FLOP/s")
    p.add_argument("--bandwidth", type=float, default=d.bandwidth,
                   help="accelerator memory bandwidth (B/s)")
    p.add_argument("--digital-power", type=float, default=d.power, help="accelerator W")
    p.add_argument("--bytes-per-value", type=int, default=d.bytes_per_value)
    p.add_argument("--batch", type=int, default=d.batch, help="samples (tokens) per batch")
    p.add_argument("--frame-rate", type=float, default=o.frame_rate, help="OPU frames/s")
    p.add_argument("--dmd-mirrors", type=int, default=o.dmd_mirrors)
    p.add_argument("--camera-pixels", type=int, default=o.camera_pixels,
                   help="outputs read per frame")
    p.add_argument("--optical-power", type=float, default=o.power, help="OPU W")
    p.add_argument("--readout", choices=tuple(scaling.READOUTS), default=o.readout)
    p.add_argument("--bits", type=int, default=None,
                   help="bit planes (only with the sign bit plane readouts)")
    p.add_argument("--link-bandwidth", type=float, default=o.link_bandwidth,
                   help="OPU host link for the camera readout (B/s)")
    p.add_argument("--bytes-per-pixel", type=int, default=o.bytes_per_pixel)
    p.add_argument("--overlap", action="store_true",
                   help="run the OPU concurrently with the accelerator (step time = max) "
                        "instead of sequentially (sum)")
    return p


def main_scaling(argv) -> int:
    parser = scaling_parser()
    args = parser.parse_args(argv)
    try:
        digital = scaling.Digital(flops=args.flops, bandwidth=args.bandwidth,
                                  power=args.digital_power,
                                  bytes_per_value=args.bytes_per_value, batch=args.batch)
        optical = scaling.Optical(frame_rate=args.frame_rate, dmd_mirrors=args.dmd_mirrors,
                                  camera_pixels=args.camera_pixels, power=args.optical_power,
                                  readout=args.readout, bits=args.bits,
                                  link_bandwidth=args.link_bandwidth,
                                  bytes_per_pixel=args.bytes_per_pixel, overlap=args.overlap)
    except (TypeError, ValueError) as error:
        parser.error(str(error))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    fig = scaling.figure(digital, optical)
    for suffix in ("png", "pdf"):
        fig.savefig(out / f"scaling.{suffix}", dpi=110)
    print(scaling.assumptions(digital, optical))
    print()
    print(scaling.examples(digital, optical))
    print(scaling.crossover_table(digital, optical))
    print(f"figure: {out / 'scaling.png'}, {out / 'scaling.pdf'}")
    return 0


def main_report(argv) -> int:
    parser = argparse.ArgumentParser(prog="python -m dfa.study report",
                                     description="Redraw table.md and the figure from "
                                                 "DIR/results.h5.")
    parser.add_argument("--out", metavar="DIR", default=str(DEFAULT_OUT))
    args = parser.parse_args(argv)
    from . import report

    path = Path(args.out) / "results.h5"
    if not path.exists():
        parser.error(f"{path} not found: run the study first")
    stored = runner.read_results(path)
    study = runner.Study(**stored["study"])
    print(report.write_report(args.out, study, stored, stored["points"]))
    return 0


def main(argv=None) -> int:
    """Entry point: dispatch to the study, ``scaling`` or ``report``."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] == "scaling":
        return main_scaling(argv[1:])
    if argv and argv[0] == "report":
        return main_report(argv[1:])
    return main_study(argv)


if __name__ == "__main__":
    sys.exit(main())
