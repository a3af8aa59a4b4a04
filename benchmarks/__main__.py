"""``python -m benchmarks [--quick] [names...]``: run the benchmarks, print ratios."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

import benchmarks


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", help="benchmark modules to run (default: all)")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    parser.add_argument("--load", type=int, default=0, metavar="N",
                        help="run under N busy-loop processes (a bounded stress load)")
    args = parser.parse_args(argv)
    if args.load < 0:
        parser.error(f"--load must be >= 0, got {args.load}")

    modules = sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__)
                     if m.name.startswith("bench_"))
    if args.names:
        unknown = set(args.names) - set(modules)
        if unknown:
            parser.error(f"unknown benchmark(s) {sorted(unknown)}; known: {modules}")
        modules = args.names
    with benchmarks.background_load(args.load):
        _run(modules, args.quick, f" [load {args.load}]" if args.load else "")
    return 0


def _run(modules, quick, suffix):
    for name in modules:
        module = importlib.import_module(f"benchmarks.{name}")
        for comp in module.run(quick=quick):
            target = "" if comp.target is None else f"<= {comp.target:g}"
            verdict = {None: "", True: "met", False: "NOT MET"}[comp.met]
            print(f"{comp.name + suffix:58s} candidate {comp.candidate:9.4f} s  baseline "
                  f"{comp.baseline:9.4f} s  ratio {comp.ratio:6.3f} {target:8s} {verdict}"
                  + (f"  ({comp.note})" if comp.note else ""), flush=True)


if __name__ == "__main__":
    sys.exit(main())
