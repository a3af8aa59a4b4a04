"""Free-space propagation regimes, with the analytic results overlaid.

A Gaussian beam through its Rayleigh range (band-limited angular spectrum below the critical
distance ``z_c``, Fresnel impulse response beyond, as ``lightsim.propagate`` chooses), and a
square aperture from the near field (Fresnel number ``N_F = a^2 / (lambda z)`` of several)
through the far field (``N_F << 1``) to the focal plane of a lens (2f transform).

Closed forms: Gaussian beam width (Siegman, *Lasers*, 1986, ch. 17); Fresnel integrals and
``sinc^2`` Fraunhofer pattern of a square aperture (Goodman, *Introduction to Fourier Optics*,
2005, ch. 4). The validation cases in ``validation/cases/propagation.py`` check the same
comparisons numerically.

Usage::

    python examples/propagation_regimes.py [output.png]

The default output is ``examples/output/propagation_regimes.png``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from scipy import special  # noqa: E402

import lightsim  # noqa: E402

WAVELENGTH = 633e-9  # m
PITCH = 4e-6  # m
N = 512


def fresnel_square_profile(x, half_width, distance):
    """Fresnel intensity of a unit square aperture along the row ``y = 0`` (Goodman sec. 4.5.1)."""
    scale = np.sqrt(2.0 / (WAVELENGTH * distance))

    def one_axis(u):
        s1, c1 = special.fresnel(-scale * (half_width + u))
        s2, c2 = special.fresnel(scale * (half_width - u))
        return ((c2 - c1) ** 2 + (s2 - s1) ** 2) / 2.0

    return one_axis(x) * one_axis(0.0)


def fraunhofer_square_profile(u, half_width, distance):
    """``|U|^2`` of a unit square aperture, ``(4 a^2 / (lambda z))^2 sinc^2(2 a u / (lambda z))``
    along ``v = 0`` (Goodman sec. 4.4.1); ``distance`` is ``z`` (free space) or ``f`` (lens)."""
    scale = 4 * half_width**2 / (WAVELENGTH * distance)
    return (scale * np.sinc(2 * half_width * u / (WAVELENGTH * distance))) ** 2


def square_aperture(grid, half_px):
    """Unit square of ``2 half_px + 1`` pixels: its edges sit at ``+-(half_px + 1/2) dx``."""
    yy, xx = grid.mesh()
    inside = (np.abs(xx) < (half_px + 0.5) * grid.dx) & (np.abs(yy) < (half_px + 0.5) * grid.dy)
    return inside.astype(np.complex128), (half_px + 0.5) * grid.dx


def gaussian_panel(ax, grid):
    w0 = 12 * PITCH
    z_r = np.pi * w0**2 / WAVELENGTH
    zc = lightsim.critical_distance(2 * N, PITCH, WAVELENGTH)
    yy, xx = grid.mesh()
    beam = np.exp(-(xx**2 + yy**2) / w0**2)
    zz = np.linspace(0, 4 * z_r, 200)
    ax.plot(zz * 1e3, w0 * np.sqrt(1 + (zz / z_r) ** 2) * 1e6, "k-",
            label="w0 sqrt(1 + (z/zR)^2)")
    for z in np.linspace(0.25, 4, 16) * z_r:
        out, _ = lightsim.propagate(beam, PITCH, WAVELENGTH, z)
        marginal = np.sum(np.abs(out) ** 2, axis=0)
        width = 2 * np.sqrt(np.sum(grid.x**2 * marginal) / marginal.sum())
        style = "bo" if z <= zc else "rs"
        ax.plot(z * 1e3, width * 1e6, style, ms=5)
    ax.plot([], [], "bo", label="angular spectrum (z <= z_c)")
    ax.plot([], [], "rs", label="Fresnel IR (z > z_c)")
    ax.axvline(zc * 1e3, color="grey", ls=":")
    ax.text(zc * 1e3, w0 * 1.1e6, " z_c", color="grey")
    ax.set(xlabel="z (mm)", ylabel="1/e^2 radius (um)",
           title=f"Gaussian beam, w0 = {w0 * 1e6:.0f} um (propagate, auto)")
    ax.legend(fontsize=8)


def fresnel_panel(ax, grid):
    field, a = square_aperture(grid, 40)
    row = N // 2
    for fresnel_no, colour in zip((8.0, 2.0, 0.5), ("C0", "C1", "C2")):
        z = a**2 / (WAVELENGTH * fresnel_no)
        out = lightsim.fresnel(field, PITCH, WAVELENGTH, z)
        method = "TF" if z <= lightsim.critical_distance(2 * N, PITCH, WAVELENGTH) else "IR"
        ax.plot(grid.x / a, fresnel_square_profile(grid.x, a, z), "-", color=colour,
                label=f"N_F = {fresnel_no:g} (z = {z * 1e3:.1f} mm, {method})")
        ax.plot(grid.x / a, np.abs(out[row]) ** 2, ".", color=colour, ms=3)
    ax.set(xlim=(-3, 3), xlabel="x / a", ylabel="intensity (input = 1)",
           title=f"Square aperture 2a = {2 * a * 1e6:.0f} um: Fresnel regime")
    ax.legend(fontsize=8, title="lines: Fresnel integrals, dots: lightsim", title_fontsize=8)


def far_field_panel(ax, grid):
    field, a = square_aperture(grid, 10)
    z = a**2 / (WAVELENGTH * 0.05)
    out, _ = lightsim.propagate(field, PITCH, WAVELENGTH, z)
    row, peak = N // 2, fraunhofer_square_profile(0.0, a, z)
    x = grid.x
    ax.semilogy(x * 1e6, fresnel_square_profile(x, a, z) / peak, "k-", lw=1,
                label="Fresnel integrals")
    ax.semilogy(x * 1e6, fraunhofer_square_profile(x, a, z) / peak, "C3--", lw=1,
                label="Fraunhofer sinc^2")
    ax.semilogy(x * 1e6, np.abs(out[row]) ** 2 / peak, "C0.", ms=3, label="propagate (IR)")
    ax.set(ylim=(1e-5, 2), xlim=(x[0] * 1e6, x[-1] * 1e6), xlabel="x (um)",
           ylabel="I / I_Fraunhofer(0)",
           title=f"Far field: 2a = {2 * a * 1e6:.0f} um, N_F = 0.05, z = {z * 1e3:.0f} mm")
    ax.legend(fontsize=8)


def lens_panel(ax, grid):
    field, a = square_aperture(grid, 10)
    focal = 0.05
    out, pitch_out = lightsim.fraunhofer(field, PITCH, WAVELENGTH, focal)
    u = lightsim.Grid(N, pitch_out, WAVELENGTH).x
    row, peak = N // 2, fraunhofer_square_profile(0.0, a, focal)
    uu = np.linspace(u[0], u[-1], 4000)
    ax.semilogy(uu * 1e6, fraunhofer_square_profile(uu, a, focal) / peak, "k-", lw=1,
                label="sinc^2(2 a u / (lambda f))")
    ax.semilogy(u * 1e6, np.abs(out[row]) ** 2 / peak, "C0.", ms=3, label="fraunhofer (2f)")
    limit = 4 * WAVELENGTH * focal / (2 * a)
    ax.set(xlim=(-limit * 1e6, limit * 1e6), ylim=(1e-5, 2), xlabel="u (um)",
           ylabel="I / I(0)",
           title=f"Lens focal plane, f = {focal * 1e3:.0f} mm, pitch {pitch_out[1] * 1e6:.1f} um")
    ax.legend(fontsize=8)


def main(argv=None) -> Path:
    argv = sys.argv[1:] if argv is None else argv
    default = Path(__file__).resolve().parent / "output" / "propagation_regimes.png"
    path = Path(argv[0]) if argv else default
    path.parent.mkdir(parents=True, exist_ok=True)
    grid = lightsim.Grid(N, PITCH, WAVELENGTH)
    fig, axes = plt.subplots(2, 2, figsize=(13, 9.5), constrained_layout=True)
    gaussian_panel(axes[0, 0], grid)
    fresnel_panel(axes[0, 1], grid)
    far_field_panel(axes[1, 0], grid)
    lens_panel(axes[1, 1], grid)
    fig.suptitle(f"Free-space propagation regimes (lambda = {WAVELENGTH * 1e9:.0f} nm, "
                 f"{N}x{N} grid, pitch {PITCH * 1e6:g} um)")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


if __name__ == "__main__":
    print(main())
