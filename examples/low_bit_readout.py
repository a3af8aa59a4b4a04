"""Why low bit depths fail at the preset's light: the holographic readout of a sub-LSB signal.

The study's OPU (one DMD row of 114 mirrors per class, 10 classes, 512 camera pixels, the
``"lighton"`` preset) is shown ternary errors like those of early training: the true class at
-1 and each wrong class at +1 with probability 0.2 (so ``n+ - n-`` is mostly -1 or 0: with a
threshold of 0.25 of the largest error, most wrong-class errors of an untrained softmax
network round to 0). For each camera bit depth, at the
preset's laser power (1 mW: the exposure is capped at the frame period) and with the wells
filled (1 W), the script prints what the camera sees and what the readout becomes:

* ``signal (LSB)``: rms over pixels and frames of the noise-free change of the reading
  between the reference-ON and reference-OFF frames, in LSB of that camera;
* ``dark (LSB)``: the dark level ``offset + K mu_d``, and its distance to the nearest
  rounding threshold (a half-integer): a signal much smaller than 1 LSB is only seen when the
  dark level sits close below a threshold, and then only in one direction (rectified);
* ``corr``: correlation of the readout with the ideal projection ``X B^T`` (1 is perfect);
* ``bias``: mean over pixels and frames of the readout error ``y - X B^T`` divided by the
  rms of ``X B^T``: a common mode shared by every pixel (0 for an unbiased readout), which
  a 4-frame difference cancels only if each frame's reading is linear in its light;
* ``zero``: fraction of readout values exactly 0 (nothing detected).

Two more tables at 1 mW take the 6-bit camera apart: its read noise in LSB (dither, as
the study's ``dither`` axis) and the placement of its black level (the dark level's
distance to the rounding threshold, which the preset's ``black_level`` of 2/255 of the
code range puts 0.006 LSB below it at 6 bits).

What those readouts do to training: ``examples/feedback_failure.py``.

Usage::

    python examples/low_bit_readout.py           # about 10 s
"""

from __future__ import annotations

import numpy as np

from dfa.study import axes
from dfa.study.axes import DITHER_BITS

GEOMETRY = axes.Geometry.of(10, 512)


def diagnose(bits, laser_power, n=256, seed=0, **camera):
    """Readout statistics of a ``bits``-bit preset camera (``camera``: keyword changes)."""
    opu = GEOMETRY.opu(camera=axes.preset_camera(bits=bits, **camera),
                       laser_power=laser_power, seed=seed)
    rng = np.random.default_rng(seed)
    errors = (rng.random((n, 10)) < 0.2).astype(np.int8)
    errors[np.arange(n), rng.integers(0, 10, n)] = -1
    y = opu.linear_transform(errors, encoding="ternary")
    exact = errors @ opu.effective_matrix().T
    cam = opu.camera
    scale = opu.counts_per_unit_intensity  # DN per unit intensity at the call's exposure
    signal_dn = np.sqrt(np.mean(exact**2)) * scale
    dark = cam.offset + cam.gain * cam.dark_current * opu.exposure
    to_threshold = (np.floor(dark - 0.5) + 1.5) - dark
    corr = np.corrcoef(y.ravel(), exact.ravel())[0, 1] if y.std() > 0 else np.nan
    bias = np.mean(y - exact) / np.sqrt(np.mean(exact**2))
    return dict(bits=bits, laser=laser_power, photons=opu.frame_stats.photons_per_pixel,
                signal=signal_dn, dark=dark, threshold=to_threshold, corr=corr,
                bias=bias, zero=float(np.mean(y == 0)), read_noise=cam.read_noise,
                lsb=cam.full_well / (2**bits - 1))


COLUMNS = ("| laser (W) | bits | read noise (LSB) | photons / pixel | signal (LSB) | "
           "dark (LSB) | dark to next threshold (LSB) | corr with X B^T | bias | "
           "zero readouts |")


def row(d) -> str:
    return (f"| {d['laser']:g} | {d['bits']} | {d['read_noise'] / d['lsb']:.3g} | "
            f"{d['photons']:.3g} | {d['signal']:.3g} | {d['dark']:.3f} | "
            f"{d['threshold']:.3f} | {d['corr']:.3f} | {d['bias']:.3f} | {d['zero']:.3f} |")


def print_table(title, rows):
    print(f"\n{title}\n\n{COLUMNS}\n" + "|---:" * 10 + "|")
    for d in rows:
        print(row(d))


def black_level_for(dark_lsb, bits=DITHER_BITS):
    """The ``black_level`` (fraction of the code range) putting the dark offset at ``dark_lsb``."""
    return dark_lsb / (2**bits - 1)


def main():
    print_table("Bit depth at the preset's power and with filled wells",
                [diagnose(bits, laser) for laser in (1e-3, 1.0)
                 for bits in (1, 2, 4, 6, 8, 10, 12)])
    lsb = axes.preset_camera()["full_well"] / (2**DITHER_BITS - 1)
    print_table(f"Dither: read noise of a {DITHER_BITS}-bit camera at 1 mW",
                [diagnose(DITHER_BITS, 1e-3, read_noise=value * lsb)
                 for value in (0.1, 0.3, 1.0)])
    print_table(f"Black level of a {DITHER_BITS}-bit camera at 1 mW",
                [diagnose(DITHER_BITS, 1e-3, black_level=black_level_for(dark))
                 for dark in (0.30, 0.45, 0.49, 0.5 - 1e-3)])


if __name__ == "__main__":
    main()
