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
    args = parser.parse_args(argv)

    modules = sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__)
                     if m.name.startswith("bench_"))
    if args.names:
        unknown = set(args.names) - set(modules)
        if unknown:
            parser.error(f"unknown benchmark(s) {sorted(unknown)}; known: {modules}")
        modules = args.names
    rows = []
    for name in modules:
        module = importlib.import_module(f"benchmarks.{name}")
        for comp in module.run(quick=args.quick):
            rows.append(comp)
            target = "" if comp.target is None else f"<= {comp.target:g}"
            verdict = {None: "", True: "met", False: "NOT MET"}[comp.met]
            print(f"{comp.name:58s} candidate {comp.candidate:9.4f} s  baseline "
                  f"{comp.baseline:9.4f} s  ratio {comp.ratio:6.3f} {target:8s} {verdict}"
                  + (f"  ({comp.note})" if comp.note else ""), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
