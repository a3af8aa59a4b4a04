"""Free-space propagation against closed forms and a brute-force Rayleigh-Sommerfeld sum.

Cases
-----
``gaussian beam``
    Band-limited angular spectrum of a Gaussian beam: second-moment width and on-axis Gouy
    phase against the paraxial Gaussian-beam formulas (A. E. Siegman, *Lasers*, University
    Science Books, 1986, ch. 17).
``square aperture fresnel``
    Fresnel transfer function and impulse response of a square aperture against the product
    of 1-D Fresnel integrals (J. W. Goodman, *Introduction to Fourier Optics*, 3rd ed., 2005,
    sec. 4.5.1).
``airy pattern``
    Thin-lens 2f transform of a circular aperture against the Airy pattern and its first zero
    (Goodman 2005, sec. 4.4.2).
``band limit vs rayleigh-sommerfeld``
    Band-limited and unlimited angular spectrum against a direct first Rayleigh-Sommerfeld sum,
    from half to twenty critical distances (K. Matsushima and T. Shimobaba, Opt. Express 17,
    19662, 2009).
``parseval``
    Energy conservation of the unlimited, circular angular spectrum in both precisions.
"""

from __future__ import annotations

import numpy as np
from scipy import interpolate, optimize, special

import lightsim
from validation import Result, case

WAVELENGTH = 633e-9  # m (He-Ne)
PITCH = 4e-6  # m

SIEGMAN = "A. E. Siegman, Lasers (University Science Books, 1986), ch. 17"
GOODMAN = "J. W. Goodman, Introduction to Fourier Optics, 3rd ed. (2005)"
MATSUSHIMA = "K. Matsushima, T. Shimobaba, Opt. Express 17, 19662 (2009)"


def _pick(size, small, full):
    return small if size == "small" else full


# ---------------------------------------------------------------------------- gaussian beam


def gaussian_width(intensity, x, axis):
    """1/e^2 radius ``2 sqrt(<x^2>)`` (m) of ``intensity`` along ``axis`` (second moment)."""
    marginal = intensity.sum(axis=1 - axis)
    centre = np.sum(x * marginal) / marginal.sum()
    return 2.0 * np.sqrt(np.sum((x - centre) ** 2 * marginal) / marginal.sum())


@case("gaussian beam")
def gaussian_beam(size):
    n, waist_px = _pick(size, (128, 8), (512, 16))
    grid = lightsim.Grid(n, PITCH, WAVELENGTH)
    w0 = waist_px * PITCH
    z_r = np.pi * w0**2 / WAVELENGTH
    z = z_r * np.array(_pick(size, [0.5, 1.0, 2.0], [0.25, 0.5, 1.0, 2.0, 3.0, 4.0]))
    yy, xx = grid.mesh()
    field = np.exp(-(xx**2 + yy**2) / w0**2).astype(np.complex128)
    k = 2 * np.pi / WAVELENGTH
    widths, gouy = [], []
    for zi in z:
        out = lightsim.angular_spectrum(field, PITCH, WAVELENGTH, zi)
        intensity = np.abs(out) ** 2
        widths.append([gaussian_width(intensity, grid.x, 1), gaussian_width(intensity, grid.y, 0)])
        gouy.append(np.angle(out[n // 2, n // 2] * np.exp(-1j * k * zi)))
    widths, gouy = np.array(widths), np.array(gouy)
    w_theory = w0 * np.sqrt(1 + (z / z_r) ** 2)
    width_error = float(np.max(np.abs(widths / w_theory[:, None] - 1)))
    gouy_theory = -np.arctan(z / z_r)
    gouy_error = float(np.max(np.abs(gouy - gouy_theory)))
    paraxial = (WAVELENGTH / (np.pi * w0)) ** 2

    def draw_width(fig):
        ax = fig.add_subplot()
        zz = np.linspace(0, z[-1], 200)
        ax.plot(zz / z_r, w0 * np.sqrt(1 + (zz / z_r) ** 2) * 1e6, label="w0 sqrt(1+(z/zR)^2)")
        ax.plot(z / z_r, widths[:, 0] * 1e6, "o", label="ASM, 2 sqrt(<x^2>)")
        ax.plot(z / z_r, widths[:, 1] * 1e6, "x", label="ASM, 2 sqrt(<y^2>)")
        ax.set(xlabel="z / z_R", ylabel="1/e^2 radius (um)",
               title=f"Gaussian beam, w0 = {w0 * 1e6:.0f} um, {n}x{n} grid")
        ax.legend()

    def draw_gouy(fig):
        ax = fig.add_subplot()
        zz = np.linspace(0, z[-1], 200)
        ax.plot(zz / z_r, -np.arctan(zz / z_r), label="-arctan(z/zR)")
        ax.plot(z / z_r, gouy, "o", label="arg E(0, z) - kz (ASM)")
        ax.set(xlabel="z / z_R", ylabel="phase (rad)", title="On-axis Gouy phase")
        ax.legend()

    tolerance = 10 * paraxial
    note = (
        f"w0 = {waist_px} pixels of {PITCH * 1e6:g} um, lambda = {WAVELENGTH * 1e9:g} nm, "
        f"{n}x{n} grid, band-limited ASM (pad 2, complex128), z/zR = "
        f"{np.round(z / z_r, 3).tolist()}. The ASM is exact (non-paraxial) while w(z) and the "
        f"Gouy phase are paraxial results, exact to O(theta0^2), theta0^2 = (lambda/(pi w0))^2 "
        f"= {paraxial:.1e}; the sampled Gaussian's moments are exact up to aliasing (its "
        f"spectrum at Nyquist is exp(-(pi w0/(2 dx))^2)) and truncation at >= 3.5 w(z), both "
        f"far smaller. Tolerance "
        f"10 theta0^2 = {tolerance:.1e}."
    )
    return [
        Result("1/e^2 width, max relative error", width_error, 0.0, tolerance, SIEGMAN,
               note=note, figure=draw_width),
        Result("on-axis Gouy phase, max error", gouy_error, 0.0, tolerance, SIEGMAN, unit="rad",
               note=note, figure=draw_gouy),
    ]


# ---------------------------------------------------------------------------- square aperture


def square_aperture_fresnel_intensity(x, y, half_width, wavelength, distance):
    """Fresnel-diffracted intensity of a unit-amplitude square aperture ``|x|, |y| <= a``.

    ``I = I_x(x) I_y(y)``, ``I_x = ((C(a2) - C(a1))**2 + (S(a2) - S(a1))**2) / 2`` with
    ``a1 = -sqrt(2 / (lambda z)) (a + x)``, ``a2 = sqrt(2 / (lambda z)) (a - x)`` and ``S, C``
    the Fresnel integrals (Goodman 2005, sec. 4.5.1). ``x`` and ``y`` broadcast.
    """
    scale = np.sqrt(2.0 / (wavelength * distance))

    def one_axis(u):
        s1, c1 = special.fresnel(-scale * (half_width + u))
        s2, c2 = special.fresnel(scale * (half_width - u))
        return ((c2 - c1) ** 2 + (s2 - s1) ** 2) / 2.0

    return one_axis(x) * one_axis(y)


def _square_aperture_run(n, half_px, fresnel_no, method):
    grid = lightsim.Grid(n, PITCH, WAVELENGTH)
    a = (half_px + 0.5) * PITCH  # pixel edges: the sampled aperture is exactly 2a wide
    z = a**2 / (WAVELENGTH * fresnel_no)
    yy, xx = grid.mesh()
    field = ((np.abs(xx) < a) & (np.abs(yy) < a)).astype(np.complex128)
    out = lightsim.fresnel(field, PITCH, WAVELENGTH, z, method=method)
    numeric = np.abs(out) ** 2
    theory = square_aperture_fresnel_intensity(grid.x[None, :], grid.y[:, None], a, WAVELENGTH, z)
    central = (np.abs(xx) <= a) & (np.abs(yy) <= a)
    error = float(np.max(np.abs(numeric - theory)[central]) / theory.max())
    zc = lightsim.critical_distance(2 * n, PITCH, WAVELENGTH)
    return grid, a, z, zc, numeric, theory, error


@case("square aperture fresnel")
def square_aperture_fresnel(size):
    # (grid, aperture half-width in pixels): TF needs z <= z_c, i.e. (a/dx)^2 <= N_F * 2N
    runs = {"tf": _pick(size, (256, 32), (1024, 64)), "ir": _pick(size, (256, 64), (1024, 256))}
    results = []
    for method, (n, half_px) in runs.items():
        grid, a, z, zc, numeric, theory, error = _square_aperture_run(n, half_px, 2.5, method)
        tolerance = 13 * (PITCH / a) ** 2

        def draw(fig, grid=grid, a=a, numeric=numeric, theory=theory, method=method):
            ax = fig.add_subplot()
            row = grid.ny // 2
            ax.plot(grid.x / a, theory[row] / theory.max(), label="Fresnel integrals")
            ax.plot(grid.x / a, numeric[row] / theory.max(), ".", ms=3,
                    label=f"lightsim.fresnel(method='{method}')")
            ax.set(xlim=(-2, 2), xlabel="x / a", ylabel="I / max I (row y = 0)",
                   title=f"Square aperture, N_F = a^2/(lambda z) = 2.5, {method.upper()}")
            ax.legend()

        results.append(Result(
            f"{method.upper()} intensity, max error / peak", error, 0.0, tolerance,
            f"{GOODMAN}, sec. 4.5.1",
            note=(f"a = {a * 1e6:.1f} um ({a / PITCH:g} pixels), z = {z * 1e3:.3g} mm = "
                  f"{z / zc:.3g} z_c, {n}x{n} grid, pad 2; error over |x|,|y| <= a. The "
                  "residual comes from sampling the aperture's sharp edges and falls as "
                  "(dx/a)^2: 8.7, 8.1, 6.7, 6.4 (dx/a)^2 for TF with a = 16.5 ... 64.5 pixels, "
                  "6.3-6.4 (dx/a)^2 for IR with a = 32.5 ... 256.5 pixels. Tolerance "
                  "13 (dx/a)^2, twice the converged constant."),
            figure=draw))
    return results


# ---------------------------------------------------------------------------- airy pattern


def _disc(grid, radius, supersample):
    """Area fraction of each pixel inside the disc ``r <= radius`` (midpoint supersampling)."""
    yy, xx = grid.mesh()
    offsets = ((np.arange(supersample) + 0.5) / supersample - 0.5)
    fraction = np.zeros(grid.shape)
    for oy in offsets * grid.dy:
        for ox in offsets * grid.dx:
            fraction += (yy + oy) ** 2 + (xx + ox) ** 2 <= radius**2
    return fraction / supersample**2


def airy_intensity(r, radius, wavelength, focal_length):
    """Airy intensity ``(pi a^2 / (lambda f))^2 [2 J1(v) / v]^2``, ``v = 2 pi a r / (lambda f)``.

    Focal-plane intensity of a unit-amplitude disc of radius ``a`` (m) behind a lens of focal
    length ``f`` (m), at radius ``r`` (m) (Goodman 2005, sec. 4.4.2).
    """
    v = 2 * np.pi * radius * np.asarray(r, dtype=float) / (wavelength * focal_length)
    safe = np.where(v == 0, 1.0, v)
    jinc = np.where(v == 0, 1.0, 2 * special.j1(safe) / safe)
    return (np.pi * radius**2 / (wavelength * focal_length)) ** 2 * jinc**2


@case("airy pattern")
def airy_pattern(size):
    n, radius_px = _pick(size, (256, 16), (1024, 32))
    focal, supersample = 0.1, 16
    grid = lightsim.Grid(n, PITCH, WAVELENGTH)
    radius = radius_px * PITCH
    aperture = _disc(grid, radius, supersample).astype(np.complex128)
    out, pitch_out = lightsim.fraunhofer(aperture, PITCH, WAVELENGTH, focal)
    spacing = pitch_out[1]
    u = lightsim.Grid(n, pitch_out, WAVELENGTH).x
    line = out[n // 2]
    intensity = np.abs(line) ** 2
    theory = airy_intensity(np.abs(u), radius, WAVELENGTH, focal)
    zero_theory = special.jn_zeros(1, 1)[0] / np.pi * WAVELENGTH * focal / (2 * radius)
    window = np.abs(u) <= 5 * zero_theory
    profile_error = float(np.max(np.abs(intensity - theory)[window]) / theory.max())
    # the pixel-area filter multiplies the field by sinc(dx u / (lambda f)): intensity error
    # (v dx / 2a)^2 / 3 * [2 J1(v)/v]^2 = (dx / a)^2 J1(v)^2 / 3 at most (max |J1| = 0.5819)
    pixel_filter = (PITCH / radius) ** 2 * 0.5819**2 / 3
    # first zero: i U is real on the axis and changes sign there; cubic interpolation
    positive = u >= 0
    amplitude = interpolate.CubicSpline(u[positive], (1j * line).real[positive])
    j = int(np.argmax(amplitude(u[positive]) < 0))
    zero = optimize.brentq(amplitude, u[positive][j - 1], u[positive][j], xtol=1e-15)

    def draw(fig):
        ax = fig.add_subplot()
        rr = np.linspace(0, 5 * zero_theory, 400)
        peak = theory.max()
        ax.semilogy(rr * 1e6, airy_intensity(rr, radius, WAVELENGTH, focal) / peak,
                    label="[2 J1(v)/v]^2")
        ax.semilogy(u[positive & window] * 1e6, intensity[positive & window] / peak, "o", ms=3,
                    label="lightsim.fraunhofer")
        ax.axvline(zero_theory * 1e6, color="grey", ls=":", label="1.22 lambda f / D")
        ax.set(ylim=(1e-5, 1.5), xlabel="r (um)", ylabel="I / I(0)",
               title=f"Airy pattern, D = {2 * radius * 1e6:.0f} um, f = {focal * 1e3:.0f} mm")
        ax.legend()

    note = (f"Disc of radius a = {radius_px} pixels, area-weighted with {supersample}x"
            f"{supersample} sub-samples, {n}x{n} grid, f = {focal} m, focal-plane pitch "
            f"{spacing * 1e6:.3g} um (Q = "
            f"{lightsim.fraunhofer_q(WAVELENGTH, focal, 2 * radius, spacing):.3g}).")
    return [
        Result("profile, max error / peak (r <= 5 zeros)", profile_error, 0.0,
               2 * pixel_filter, f"{GOODMAN}, sec. 4.4.2", figure=draw,
               note=note + f" The sampled aperture is the disc convolved with the pixel, so the "
               f"field carries a sinc(dx u / (lambda f)) envelope: intensity error ~ (dx/a)^2 "
               f"max J1^2 / 3 = {pixel_filter:.2e} of the peak; tolerance twice that."),
        Result("first zero radius (1.2197 lambda f / D)", zero, zero_theory, 0.01 * spacing,
               f"{GOODMAN}, sec. 4.4.2", unit="m",
               note=note + " Zero of the real on-axis field located by cubic-spline "
               "interpolation; tolerance 1% of a focal-plane pixel (the sub-sampled disc area "
               "is exact to ~5e-5)."),
    ]


# ---------------------------------------------------------------------------- rayleigh-sommerfeld


def rayleigh_sommerfeld(field, pitch, wavelength, distance):
    """Direct first Rayleigh-Sommerfeld sum on the input grid (brute force, O(N^4)).

    ``U(x) = sum_j U_j h(x - x_j) dx dy`` with ``h = z / (2 pi r^2) (1 / r - i k) exp(i k r)``,
    the exact impulse response whose transfer function is the angular-spectrum kernel
    (Goodman 2005, secs. 3.7 and 3.10).
    """
    ny, nx = field.shape
    k = 2 * np.pi / wavelength
    oy = np.arange(-(ny - 1), ny) * pitch
    ox = np.arange(-(nx - 1), nx) * pitch
    r = np.sqrt(oy[:, None] ** 2 + ox[None, :] ** 2 + distance**2)
    h = distance / (2 * np.pi * r**2) * (1 / r - 1j * k) * np.exp(1j * k * r) * pitch**2
    out = np.zeros((ny, nx), dtype=np.complex128)
    for i, j in zip(*np.nonzero(field)):
        out += field[i, j] * h[ny - 1 - i:2 * ny - 1 - i, nx - 1 - j:2 * nx - 1 - j]
    return out


def _relative_error(out, reference):
    return float(np.linalg.norm(out - reference) / np.linalg.norm(reference))


@case("band limit vs rayleigh-sommerfeld")
def band_limit(size):
    n = _pick(size, 32, 64)
    wavelength = 633e-9
    pitch = 0.4 * wavelength  # < lambda / 2: the sampled RS kernel never aliases
    zc = lightsim.critical_distance(2 * n, pitch, wavelength)
    ratios = np.array(_pick(size, [0.5, 1, 2, 5, 10, 20],
                            [0.5, 0.7, 1, 1.5, 2, 3, 5, 7, 10, 14, 20]), dtype=float)
    rng = np.random.default_rng(20090817)
    noise = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
    errors = {True: [], False: []}
    for ratio in ratios:
        reference = rayleigh_sommerfeld(noise, pitch, wavelength, ratio * zc)
        for bandlimit in (True, False):
            out = lightsim.angular_spectrum(noise, pitch, wavelength, ratio * zc,
                                            bandlimit=bandlimit, check="ignore")
            errors[bandlimit].append(_relative_error(out, reference))
    limited, unlimited = np.array(errors[True]), np.array(errors[False])
    at10 = int(np.argmin(np.abs(ratios - 10)))
    gain = float(limited[at10] / unlimited[at10])
    # a beam that stays inside the window: ASM and the RS sum must then agree closely
    grid = lightsim.Grid(n, pitch, wavelength)
    yy, xx = grid.mesh()
    beam = np.exp(-(xx**2 + yy**2) / (n / 8 * pitch) ** 2).astype(np.complex128)
    beam_error = max(
        _relative_error(lightsim.angular_spectrum(beam, pitch, wavelength, ratio * zc),
                        rayleigh_sommerfeld(beam, pitch, wavelength, ratio * zc))
        for ratio in (0.5, 1.0))

    def draw(fig):
        ax = fig.add_subplot()
        ax.loglog(ratios, limited, "o-", label="band-limited ASM")
        ax.loglog(ratios, unlimited, "s-", label="unlimited ASM")
        ax.set(xlabel="z / z_c", ylabel="relative L2 error vs RS sum",
               title=f"{n}x{n} random field, dx = 0.4 lambda, pad 2")
        ax.legend()

    note = (f"{n}x{n} complex Gaussian random field, dx = 0.4 lambda (the sampled RS kernel "
            f"cannot alias), pad 2, z_c = 2N dx^2/lambda = {zc * 1e6:.3g} um; reference: direct "
            "first Rayleigh-Sommerfeld sum over the samples. Relative L2 errors (band-limited / "
            "unlimited) at z/z_c = "
            + ", ".join(f"{r:g}: {a:.2g}/{b:.2g}" for r, a, b in zip(ratios, limited, unlimited))
            + ". The unlimited error grows with z (the field that leaves the padded window wraps "
            "around); the band-limited error stays at the level set by its sharp spectral "
            "cut-off, which for a white field is large in absolute terms.")
    return [
        Result("error ratio band-limited/unlimited at 10 z_c", gain, 0.0, 0.2, MATSUSHIMA,
               note=note + " Pass: the band limit cuts the error at least 5-fold.", figure=draw),
        Result("Gaussian beam (w0 = N/8 px), z <= z_c, relative error", beam_error, 0.0, 1e-6,
               f"{GOODMAN}, sec. 3.10 (ASM = RS transfer function)",
               note=(f"{n}x{n} grid, w0 = {n // 8} pixels: nothing leaves the window, so the "
                     "band-limited ASM and the RS sum compute the same integral; residual from "
                     "the beam's truncation at the window edge (exp(-16) in amplitude).")),
    ]


# ---------------------------------------------------------------------------- parseval


@case("parseval")
def parseval(size):
    n = _pick(size, 128, 1024)
    rng = np.random.default_rng(1986)
    base = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
    zc = lightsim.critical_distance(n, PITCH, WAVELENGTH)
    results = []
    for dtype, tolerance in ((np.complex128, 1e-12), (np.complex64, 1e-5)):
        field = base.astype(dtype)
        op = lightsim.AngularSpectrum((n, n), PITCH, WAVELENGTH, 0.7 * zc, bandlimit=False,
                                      pad=1, dtype=dtype)
        out = op(field)
        before = np.sum(np.abs(field.astype(np.complex128)) ** 2)
        after = np.sum(np.abs(out.astype(np.complex128)) ** 2)
        results.append(Result(
            f"{np.dtype(dtype).name} relative energy change", float(abs(after / before - 1)),
            0.0, tolerance, f"{GOODMAN}, sec. 3.10 (|H| = 1 for propagating waves)",
            note=(f"{n}x{n} complex Gaussian field, pitch {PITCH * 1e6:g} um > lambda/sqrt(2) "
                  "(every sampled frequency propagates), unlimited ASM, pad 1 (circular), "
                  "z = 0.7 z_c. Rounding of two FFTs in the working precision bounds the change "
                  "by ~ eps log2(N^2)."),
        ))
    return results
