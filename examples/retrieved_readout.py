"""A linear projection without switching the reference: frames, bias and noise against
reference holography.

:class:`lightsim.readout.RetrievedIntensity` reads a binary frame once, with the reference
mirrors OFF, and subtracts the quadratic term predicted by a phase-retrieval calibration
(Gerchberg-Saxton, ``--budget`` frames per input); the binary 2-frame reference holography of
the OPU reads it twice. For each illumination the script shows the same ``--inputs`` random
binary frames ``--repeats`` times through each readout and reports, relative to the rms of
the exact projection ``X @ B.T`` of that readout (``B`` from the simulator's ground truth:
``effective_matrix`` for holography, ``2 Re(conj(b) D)`` for the retrieved readout):

* the bias: rms over inputs and outputs of the mean error over the repeats (its floor from
  noise alone is the noise over ``sqrt(repeats)``);
* the noise: rms deviation of one readout from the mean of the repeats;
* frames per projection (the instrument's count, its own calibration excluded), the
  calibration frames and the fraction of the readings that saturated.

Usage::

    python examples/retrieved_readout.py [--n 64] [--budget 16] [--repeats 20]

Writes ``examples/results/retrieved_readout.json`` and prints the table.
"""

from __future__ import annotations

import argparse
import copy
import json
from pathlib import Path

import numpy as np

from lightsim import OPU
from lightsim.readout import BinaryHolography, RetrievedIntensity
from lightsim.retrieval import calibrate

ILLUMINATIONS = {
    "noise-free, contrast 1000": dict(preset="ideal", camera=None, contrast=1000.0),
    "lighton 1 W, contrast 1000": dict(preset="lighton", laser_power=1.0),
    "lighton 1 W, contrast 100": dict(preset="lighton", laser_power=1.0, contrast=100.0),
    # the preset's fill of 0.25 saturates the speckle tail of the brightest frames
    "lighton 1 W, contrast 1000, fill 0.05": dict(preset="lighton", laser_power=1.0,
                                                 fill=0.05),
}


def errors(opu, readout, X, exact, repeats):
    """(relative bias, relative noise, frames per projection, saturated fraction of the
    readings) of ``readout`` on ``X``."""
    before = opu.cost.frames
    stats = copy.copy(opu.frame_stats)
    runs = np.stack([opu.linear_transform(X, readout=readout) for _ in range(repeats)])
    frames = (opu.cost.frames - before) / (repeats * len(X))
    pixels = opu.frame_stats.pixels - stats.pixels
    saturated = (opu.frame_stats.saturated - stats.saturated) / pixels if pixels else 0.0
    scale = np.sqrt(np.mean(exact**2))
    mean = runs.mean(axis=0)
    bias = np.sqrt(np.mean((mean - exact) ** 2)) / scale
    noise = np.sqrt(np.mean((runs - mean) ** 2) * repeats / (repeats - 1)) / scale
    return float(bias), float(noise), float(frames), float(saturated)


def measure(n, budget, n_inputs, repeats, seed=0):
    rows = []
    X = np.random.default_rng(seed + 1).random((n_inputs, n)) < 0.5
    for name, keywords in ILLUMINATIONS.items():
        opu = OPU(n, n, seed=seed, **keywords)
        holography = errors(opu, BinaryHolography(), X, X @ opu.effective_matrix().T,
                            repeats)
        calibration = calibrate(opu, budget * n, method="gerchberg-saxton", seed=seed)
        readout = RetrievedIntensity(calibration)
        truth = 2 * (np.conj(opu.background_field())[:, None] * opu.signal_matrix()).real
        retrieved = errors(opu, readout, X, X @ truth.T, repeats)
        for scheme, (bias, noise, frames, saturated), calibration_frames in (
                ("reference holography (2 frames)", holography, 2 * opu.calibration_frames),
                ("retrieved intensity (1 frame)", retrieved, calibration.frames)):
            rows.append(dict(illumination=name, readout=scheme, relative_bias=bias,
                             saturated_fraction=saturated,
                             relative_noise=noise, bias_floor=noise / np.sqrt(repeats),
                             frames_per_projection=frames,
                             calibration_frames=int(calibration_frames)))
            print(f"{name:28s} {scheme:32s} bias {bias:.4f} (floor {noise / np.sqrt(repeats):.4f})"
                  f", noise {noise:.4f}, {frames:g} frames/projection, "
                  f"{calibration_frames} calibration frames, {saturated:.2%} saturated",
                  flush=True)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=64, help="inputs (= outputs)")
    parser.add_argument("--budget", type=int, default=16, help="calibration frames / input")
    parser.add_argument("--inputs", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args(argv)
    for name in ("n", "budget", "inputs", "repeats"):
        if getattr(args, name) < 2:
            parser.error(f"--{name} must be >= 2, got {getattr(args, name)}")
    rows = measure(args.n, args.budget, args.inputs, args.repeats)
    out = Path(__file__).parent / "results" / "retrieved_readout.json"
    out.write_text(json.dumps(dict(vars(args), rows=rows), indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
