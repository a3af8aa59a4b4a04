"""LightOn's numerical-interferometry anchor: a 1000-output x 1100-input TM from intensities.

LightOn's hardware demonstration of numerical interferometry (20 anchors, about 63 frames per
input) predicted fresh speckle with a correlation of 0.978. This script calibrates an OPU of
the same size with :func:`lightsim.retrieval.calibrate` (``--method``, anchors by default,
single mirrors) under each ``--power`` (W; the ``"lighton"`` preset's own is 1e-3) and
reports

* the frames spent per input and the wall time of the calibration;
* the prediction correlation on 200 fresh random inputs
  (:func:`lightsim.retrieval.prediction_correlation`);
* the same correlation for the simulator's true ``D`` and ``b`` (the oracle): the ceiling
  that shot noise and quantisation of the measured speckle leave to any estimate. Both
  correlations use the same measured frames (one ``transform`` call), so they are compared
  on the same noise.

Usage::

    python examples/large_calibration.py [--method anchors] [--power 1e-3 0.1 1] [--fill F]

Writes ``examples/results/large_calibration.json``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from lightsim import OPU
from lightsim.retrieval import calibrate

N_IN, N_OUT = 1100, 1000
#: Calibration signals of the anchor method for about 63 frames per input with 20 anchors
#: (each signal is shown with its 20 anchor differences: 21 frames).
ANCHOR_SIGNALS = 3300
#: Random probes of the intensity-only methods (8 per input).
PROBES_PER_INPUT = 8


def correlation(predicted, measured):
    return float(np.corrcoef(predicted.ravel(), measured.ravel())[0, 1])


def measure(method, power, fill=None, seed=0):
    opu = OPU(N_IN, N_OUT, seed=seed, laser_power=power,
              **({} if fill is None else dict(fill=fill)))
    n_probes = ANCHOR_SIGNALS if method == "anchors" else PROBES_PER_INPUT * N_IN
    start = time.perf_counter()
    result = calibrate(opu, n_probes, method=method, seed=seed)
    seconds = time.perf_counter() - start
    X = np.random.default_rng(seed + 100).random((200, N_IN)) < 0.5
    measured = opu.transform(X).astype(np.float64)
    predicted = np.abs(X @ result.matrix.T + result.background) ** 2
    oracle = np.abs(X @ opu.signal_matrix().T + opu.background_field()) ** 2
    row = dict(method=method, laser_power=power, fill=opu.fill,
               frames_per_input=result.frames / N_IN,
               seconds=seconds, prediction_correlation=correlation(predicted, measured),
               oracle_correlation=correlation(oracle, measured),
               photons_per_pixel=opu.frame_stats.photons_per_pixel)
    print(f"{method} at {power:g} W, fill {opu.fill:g}: {row['frames_per_input']:.1f} "
          f"frames/input in "
          f"{seconds:.1f} s, prediction correlation {row['prediction_correlation']:.4f} "
          f"(oracle {row['oracle_correlation']:.4f}), {row['photons_per_pixel']:.3g} "
          f"photons/pixel", flush=True)
    return row


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--method", default="anchors",
                        choices=["anchors", "wirtinger", "gerchberg-saxton"])
    parser.add_argument("--power", type=float, nargs="+", default=[1e-3, 0.1, 1.0])
    parser.add_argument("--fill", type=float, default=None,
                        help="well fill of the auto exposure (default: the preset's 0.25)")
    args = parser.parse_args(argv)
    rows = [measure(args.method, power, args.fill) for power in args.power]
    out = Path(__file__).parent / "results" / "large_calibration.json"
    previous = json.loads(out.read_text())["rows"] if out.exists() else []
    def key(row):
        return row["method"], row["laser_power"], row.get("fill", 0.25)

    keep = [r for r in previous if key(r) not in {key(row) for row in rows}]
    out.write_text(json.dumps(dict(n_in=N_IN, n_out=N_OUT, rows=keep + rows), indent=1)
                   + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
