"""The multislice medium against closed forms of random phase screens and speckle.

Every tolerance is five standard errors of its estimator, from the spread over independent
media (seeds) unless the quantity is exact.
"""

from __future__ import annotations

import numpy as np

from lightsim.multislice import MultisliceMedium
from validation import Result, case

GOODMAN = "J. W. Goodman, Speckle Phenomena in Optics, Roberts & Co. (2007), ch. 3-4"
SCHMIDT = ("J. D. Schmidt, Numerical Simulation of Optical Wave Propagation, SPIE Press "
           "(2010), ch. 9")
WEINGARTEN = ("B. Collins and P. Sniady, Commun. Math. Phys. 264, 773 (2006) (Haar moments); "
              "V. A. Marchenko and L. A. Pastur, Math. USSR-Sbornik 1, 457 (1967)")
OHANA = ("R. Ohana et al., Kernel computations from large-scale random features obtained by "
         "optical processing units, ICASSP 2020")
FENG = "S. Feng, C. Kane, P. A. Lee and A. D. Stone, Phys. Rev. Lett. 61, 834 (1988)"
K_SE = 5.0


def _se(values):
    values = np.asarray(values, dtype=np.float64)
    return values.std(ddof=1) / np.sqrt(values.size)


# ---------------------------------------------------------------------------- development


@case("multislice speckle development")
def speckle_development(size):
    """Ballistic light decays as ``exp(-K sigma**2 / 2)`` in field through ``K`` independent
    screens of rms phase ``sigma`` (the mean of ``exp(i phi)`` for a Gaussian phase), and
    the speckle at the optical axis becomes fully developed (contrast 1)."""
    repeats = 200 if size == "small" else 800
    sigma, grid, n_in = 0.6, 64, 256
    screens = (1, 2, 4, 16)
    results, contrasts = [], {}
    free = MultisliceMedium(n_in, 1, dmd_shape=(16, 16), grid=grid, n_screens=1,
                            phase_rms=1e-12, dtype=np.complex128)
    x = np.ones((1, n_in))
    centre = free.apply(x)[0, 0]
    for k in screens:
        fields = np.array([MultisliceMedium(
            n_in, 1, dmd_shape=(16, 16), grid=grid, n_screens=k, spacing=100e-6,
            phase_rms=sigma, correlation_length=15e-6, seed=seed,
            dtype=np.complex128).apply(x)[0, 0] for seed in range(repeats)])
        ratio = fields / centre
        mean = ratio.mean()
        se = np.sqrt(np.var(ratio.real, ddof=1) + np.var(ratio.imag, ddof=1)) / np.sqrt(
            repeats)
        results.append(Result(
            f"ballistic field after {k} screen(s) / free field", abs(mean),
            np.exp(-k * sigma**2 / 2), K_SE * se, SCHMIDT,
            note=f"mean over {repeats} media of the on-axis field (sigma = {sigma} rad); "
                 "E exp(i phi) = exp(-sigma^2 / 2) per independent Gaussian screen, and "
                 "propagation is linear, so the ensemble-mean field is the free field times "
                 "exp(-K sigma^2 / 2)"))
        intensity = np.abs(fields) ** 2
        contrasts[k] = intensity.std(ddof=1) / intensity.mean()
    k = screens[-1]
    results.append(Result(
        f"on-axis speckle contrast after {k} screens", contrasts[k], 1.0,
        K_SE / np.sqrt(repeats), GOODMAN,
        note=f"ensemble of {repeats} media; ballistic power exp(-K sigma^2) = "
             f"{np.exp(-k * sigma**2):.1e}; exponential intensity: SE of the contrast "
             f"1/sqrt(n) (delta method). Contrast by screens: " + ", ".join(
                 f"K={key}: {value:.3f}" for key, value in contrasts.items())
             + f"; with sigma = {sigma} rad it takes K > ln(100)/sigma^2 = "
               f"{np.log(100) / sigma**2:.0f} screens to bring the ballistic power under "
               "1 % of the light"))
    return results


# ---------------------------------------------------------------------------- grain size


@case("multislice speckle grain size")
def grain_size(size):
    """Behind a lens, the intensity autocovariance of speckle from an aperture of width
    ``D`` is ``sinc**2(D delta / (lambda f))`` (Goodman 2007, ch. 4): on the camera plane
    sampled at ``lambda f / (N p)``, ``sinc**2(D_s delta / N)`` for ``D_s`` mirrors."""
    repeats = 40 if size == "small" else 160
    grid, width = 128, 16
    lags = {4: np.sinc(0.5) ** 2, 8: 0.0, 2: np.sinc(0.25) ** 2}
    values = {lag: [] for lag in lags}
    for seed in range(repeats):
        medium = MultisliceMedium(width * width, 1, dmd_shape=(width, width), grid=grid,
                                  n_screens=1, phase_rms=4 * np.pi, correlation_length=2e-6,
                                  seed=seed, dtype=np.complex128)
        intensity = np.abs(medium.camera_plane(np.ones((1, width * width)))[0]) ** 2
        window = intensity[32:96, 32:96]
        window = window / window.mean() - 1
        variance = np.mean(window * window)
        for lag in lags:
            values[lag].append(np.mean(window[:, :-lag] * window[:, lag:]) / variance)
    return [Result(f"intensity autocovariance at {lag} samples (D = {width} mirrors, "
                   f"N = {grid})", np.mean(values[lag]), reference, K_SE * _se(values[lag]),
                   GOODMAN,
                   note=f"thin white phase screen (rms 4 pi rad, correlation 2 um < pitch) "
                        f"on a {width} x {width} aperture, so the exit field is the "
                        f"aperture times a random phase; normalised autocovariance along x "
                        f"over the central 64 x 64 samples, mean over {repeats} media; "
                        "reference sinc^2(D delta / N) (first zero at N / D = 8)")
            for lag, reference in lags.items()]


# ---------------------------------------------------------------------------- memory effect


def _tilt_correlation(medium, cycles):
    """Correlation of the tilted input's speckle with the untilted speckle shifted back."""
    x = np.ones((1, medium.n_in))
    columns = medium._mirror_index[:medium.n_in] % medium.grid
    tilt = np.exp(2j * np.pi * cycles * columns / medium.grid)[None, :]
    a = np.abs(medium.camera_plane(x)[0]) ** 2
    b = np.abs(medium.camera_plane(x * tilt)[0]) ** 2
    b = np.roll(b, -cycles, axis=1)
    return np.corrcoef(a.ravel(), b.ravel())[0, 1]


@case("multislice memory effect")
def memory_effect(size):
    """A thin screen is exactly tilt-invariant: tilting the input shifts the speckle and
    leaves it unchanged. Through a thick stack the correlation falls with thickness."""
    repeats = 8 if size == "small" else 32
    grid, cycles = 64, 2
    options = dict(dmd_shape=(16, 16), grid=grid, phase_rms=2 * np.pi,
                   correlation_length=8e-6, dtype=np.complex128)
    thin = [_tilt_correlation(MultisliceMedium(256, 1, n_screens=1, seed=s, **options),
                              cycles) for s in range(repeats)]
    curve = {}
    for thickness in (0.0, 0.5e-3, 1e-3, 2e-3):
        curve[thickness] = np.mean([_tilt_correlation(MultisliceMedium(
            256, 1, n_screens=5, spacing=thickness / 4, seed=s, **options), cycles)
            for s in range(repeats)])
    values = list(curve.values())
    violations = sum(b > a for a, b in zip(values, values[1:]))
    return [
        Result("thin screen: speckle correlation after a tilt", min(thin), 1.0, 1e-9,
               GOODMAN, note=f"tilt of {cycles} cycles across the grid, speckle shifted back "
                             f"by {cycles} samples; exact (a phase screen commutes with a "
                             f"tilt), worst of {repeats} media"),
        Result("thick stack: tilt correlation falls with thickness (increases counted)",
               violations, 0, 0, FENG,
               note="5 screens spread over 0, 0.5, 1, 2 mm: mean correlation " + ", ".join(
                   f"{1e3 * t:g} mm: {c:.3f}" for t, c in curve.items())
                    + f" over {repeats} media. Measured shape only: the diffusive-slab law "
                      "C = [qL / sinh(qL)]^2 of Feng et al. is for isotropic multiple "
                      "scattering and does not apply to forward-scattering phase screens, "
                      "and no closed form is compared here"),
    ]


# ---------------------------------------------------------------------------- random matrices


def truncated_unitary_second_moment(modes, rows, cols):
    """``(1/q) E tr((T^H T)**2)`` for a ``rows x cols`` block of a Haar unitary of size
    ``modes``, scaled so that ``E tr(T^H T) / q = 1`` (Weingarten calculus, Collins and
    Sniady 2006); tends to the Marchenko-Pastur ``1 + cols / rows`` for small blocks."""
    m, p, q = float(modes), float(rows), float(cols)
    same = (2 * p * q + p * q * (q - 1) + p * (p - 1) * q) / (m * (m + 1))
    cross = p * (p - 1) * q * (q - 1) / (m * (m * m - 1))
    return (m / p) ** 2 / q * (same - cross)


@case("multislice random-matrix laws")
def random_matrix_laws(size):
    """A strongly mixing stack acts as a random unitary on the grid's modes: the
    DMD-to-outputs block has the second spectral moment of a truncated Haar unitary, and
    the OPU kernel identity of Ohana et al. holds on its outputs."""
    repeats = 10 if size == "small" else 40
    grid, n_in, n_out, stride = 64, 32, 128, 2
    rng = np.random.default_rng(3)
    x = (rng.random(n_in) < 0.5).astype(np.float64)
    y = x.copy()
    y[:12] = 1 - y[:12]
    moments, kernels, neighbours = [], [], []
    for seed in range(repeats):
        medium = MultisliceMedium(n_in, n_out, dmd_shape=(16, 16), grid=grid, n_screens=16,
                                  spacing=5e-3, phase_rms=2 * np.pi, correlation_length=3e-6,
                                  output_stride=stride, seed=seed, dtype=np.complex128)
        T = medium.matrix()
        T = T / np.sqrt(np.mean(np.abs(T) ** 2) * n_out)
        eigenvalues = np.linalg.eigvalsh(T.conj().T @ T)
        moments.append(np.mean(eigenvalues**2))
        ix, iy = np.abs(T @ x) ** 2, np.abs(T @ y) ** 2
        kernels.append(np.mean(ix * iy) / (ix.mean() * iy.mean()))
        intensity = np.abs(T) ** 2
        neighbours.append(np.corrcoef(intensity[:-1].ravel(), intensity[1:].ravel())[0, 1])
    haar = truncated_unitary_second_moment(grid * grid, n_out, n_in)
    kernel = 1 + (x @ y) ** 2 / ((x @ x) * (y @ y))
    return [
        Result("second moment of the squared singular values", np.mean(moments), haar,
               K_SE * _se(moments), WEINGARTEN,
               note=f"{n_out} x {n_in} block (outputs {stride} samples apart) of a "
                    f"{grid}x{grid}-mode medium, 16 screens 5 mm apart, {repeats} media; "
                    f"truncated Haar unitary {haar:.4f}, Marchenko-Pastur limit "
                    f"{1 + n_in / n_out:g}; mean correlation of neighbouring outputs' "
                    f"intensities {np.mean(neighbours):.3f}"),
        Result("kernel <I_x I_y> / (<I_x> <I_y>)", np.mean(kernels), kernel,
               K_SE * _se(kernels), OHANA,
               note=f"binary x, y with |x|^2 = {x @ x:.0f}, |y|^2 = {y @ y:.0f}, "
                    f"x.y = {x @ y:.0f}; 1 + (x.y)^2 / (|x|^2 |y|^2) for circular Gaussian "
                    f"outputs; mean over {n_out} outputs, SE over {repeats} media"),
    ]
