"""Speckle of a thick multislice medium: the pattern, its statistics, and the memory effect.

Three panels, all from :class:`lightsim.MultisliceMedium` (random phase screens with exact
angular-spectrum propagation between them and a lens to the camera plane):

1. the camera-plane speckle of a DMD with every mirror ON, through 8 screens;
2. the distribution of the on-axis intensity over many media as weak screens (0.6 rad rms)
   are added: from a ballistic-dominated, partly developed pattern (contrast below 1) to the
   exponential law of fully developed speckle (Goodman, *Speckle Phenomena in Optics*, 2007,
   ch. 3);
3. the angular memory effect: the speckle correlation after an input tilt against the
   medium's thickness, measured (mean and standard error over media) and from the closed
   form :func:`lightsim.multislice.tilt_correlation_theory` (exact second moment of
   independent Gaussian screens), with its strong-scattering Gaussian limit.

The validation cases in ``validation/cases/multislice.py`` check the same comparisons.

Usage::

    python examples/multislice_speckle.py [output.png]

The default output is ``examples/figures/multislice_speckle.png`` (about a minute on 2 cores).
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from lightsim.multislice import (  # noqa: E402
    MultisliceMedium,
    tilt_correlation,
    tilt_correlation_theory,
)

PITCH = 7.56e-6  # m, the DMD's mirror pitch (the grid sampling)


def speckle_image(ax):
    medium = MultisliceMedium(64 * 64, 1, dmd_shape=(64, 64), grid=256, n_screens=8,
                              spacing=1e-3, phase_rms=2 * np.pi, correlation_length=15e-6)
    intensity = np.abs(medium.camera_plane(np.ones((1, 64 * 64)))[0]) ** 2
    crop = intensity[64:192, 64:192]
    ax.imshow(crop / crop.mean(), cmap="inferno", vmax=4)
    ax.set_title("camera plane, 8 screens 1 mm apart\n(64 x 64 mirrors ON, 128 x 128 samples)")
    ax.set_xticks([])
    ax.set_yticks([])


def intensity_statistics(ax, media=3000):
    sigma = 0.6
    bins = np.linspace(0, 8, 41)
    for screens in (1, 2, 4, 16):
        fields = np.array([MultisliceMedium(
            256, 1, dmd_shape=(16, 16), grid=64, n_screens=screens, spacing=100e-6,
            phase_rms=sigma, correlation_length=15e-6, seed=seed).apply(np.ones((1, 256)))[0, 0]
            for seed in range(media)])
        intensity = np.abs(fields) ** 2
        normalised = intensity / intensity.mean()
        density, edges = np.histogram(normalised, bins=bins, density=True)
        ax.semilogy(0.5 * (edges[1:] + edges[:-1]), density, "-o", markersize=3,
                    label=f"{screens} screen(s): contrast {normalised.std(ddof=1):.2f}, "
                          f"ballistic power {np.exp(-screens * sigma**2):.2g}")
    ax.semilogy(bins, np.exp(-bins), "k--", label="exp(-I / <I>): developed speckle")
    ax.set_ylim(1e-4, 3)
    ax.set_xlabel("I / <I>")
    ax.set_ylabel("probability density")
    ax.set_title(f"on-axis intensity over {media} media\n(16 x 16 mirrors, screens of "
                 f"{sigma} rad rms)")
    ax.legend(fontsize=7)


def memory_effect(ax, media=8):
    grid, sigma, ell, cycles = 256, 1.5, 12 * PITCH, 16
    thicknesses = np.array([0.0, 2.5, 5.0, 7.5, 10.0, 15.0, 20.0, 30.0]) * 1e-3
    for screens, colour in ((2, "C0"), (8, "C1")):
        measured, errors, theory, strong = [], [], [], []
        for thickness in thicknesses:
            stack = [MultisliceMedium(grid * grid, 1, dmd_shape=(grid, grid), grid=grid,
                                      n_screens=screens, spacing=thickness / (screens - 1),
                                      phase_rms=sigma, correlation_length=ell, seed=seed,
                                      dtype=np.complex128) for seed in range(media)]
            values = [tilt_correlation(medium, cycles) for medium in stack]
            measured.append(np.mean(values))
            errors.append(np.std(values, ddof=1) / np.sqrt(media))
            theory.append(tilt_correlation_theory(stack[0], cycles))
            theta = cycles * stack[0].wavelength / (stack[0].index * grid * PITCH)
            depths = stack[0].spacing * np.arange(screens)
            strong.append(np.exp(-2 * sigma**2 * theta**2
                                 * np.sum((depths - depths.mean()) ** 2) / ell**2))
        mm = 1e3 * thicknesses
        ax.errorbar(mm, measured, yerr=errors, fmt="o", color=colour,
                    label=f"{screens} screens, measured (± SE, {media} media)")
        ax.plot(mm, theory, "-", color=colour, label=f"{screens} screens, closed form")
        ax.plot(mm, strong, ":", color=colour, label=f"{screens} screens, strong-scattering limit")
    ax.set_xlabel("thickness, first to last screen (mm)")
    ax.set_ylabel("speckle correlation after the tilt")
    ax.set_title(f"memory effect: tilt {1e3 * theta:.2f} mrad, screens {sigma} rad rms, "
                 f"{1e6 * ell:.0f} um", fontsize=9)
    ax.legend(fontsize=7)


def main(argv):
    out = Path(argv[1]) if len(argv) > 1 else Path(__file__).parent / "figures" / (
        "multislice_speckle.png")
    fig, axes = plt.subplots(1, 3, figsize=(16, 5), constrained_layout=True)
    speckle_image(axes[0])
    intensity_statistics(axes[1])
    memory_effect(axes[2])
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv)
