"""The multislice medium against closed forms of random phase screens and speckle.

Every tolerance is five standard errors of its estimator, from the spread over independent
media (seeds) unless the quantity is exact.
"""

from __future__ import annotations

import numpy as np

from lightsim.multislice import MultisliceMedium, tilt_correlation, tilt_correlation_theory
from validation import Result, case

GOODMAN = "J. W. Goodman, Speckle Phenomena in Optics, Roberts & Co. (2007), ch. 3-4"
SCHMIDT = ("J. D. Schmidt, Numerical Simulation of Optical Wave Propagation, SPIE Press "
           "(2010), ch. 9")
WEINGARTEN = ("B. Collins and P. Sniady, Commun. Math. Phys. 264, 773 (2006) (Haar moments); "
              "V. A. Marchenko and L. A. Pastur, Math. USSR-Sbornik 1, 457 (1967)")
OHANA = ("R. Ohana et al., Kernel computations from large-scale random features obtained by "
         "optical processing units, ICASSP 2020")
MARKOV = ("A. Ishimaru, Wave Propagation and Scattering in Random Media, Academic Press "
          "(1978), vol. 2, ch. 20 (Markov approximation); tilt-shift of the screens derived "
          "in lightsim.multislice.tilt_correlation_theory")
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


@case("multislice memory effect")
def memory_effect(size):
    """A thin screen is exactly tilt-invariant: tilting the input shifts the speckle and
    leaves it unchanged. Through a thick stack the speckle correlation after a tilt follows
    the exact second moment of independent Gaussian screens (Markov approximation), a
    Gaussian in angle whose width falls as thickness**-3/2 in the strong-scattering limit."""
    repeats = 8 if size == "small" else 32
    thin_options = dict(dmd_shape=(16, 16), grid=64, phase_rms=2 * np.pi,
                        correlation_length=8e-6, dtype=np.complex128)
    thin = [tilt_correlation(MultisliceMedium(256, 1, n_screens=1, seed=s, **thin_options),
                             2) for s in range(repeats)]
    results = [Result("thin screen: speckle correlation after a tilt", min(thin), 1.0, 1e-9,
                      GOODMAN, note=f"16 x 16 mirrors on a 64-sample grid, tilt of 2 cycles, "
                                    f"speckle shifted back by 2 samples; exact (a phase "
                                    f"screen commutes with a tilt), worst of {repeats} media")]
    grid, cycles, sigma, ell = 256, 16, 1.5, 12 * 7.56e-6
    for screens, thickness in ((8, 5e-3), (8, 10e-3), (8, 20e-3), (2, 20e-3), (16, 20e-3)):
        stack = dict(n_screens=screens, spacing=thickness / (screens - 1))
        media = [MultisliceMedium(grid * grid, 1, dmd_shape=(grid, grid), grid=grid,
                                  phase_rms=sigma, correlation_length=ell, seed=seed,
                                  dtype=np.complex128, **stack) for seed in range(repeats)]
        values = [tilt_correlation(medium, cycles) for medium in media]
        reference = media[0]
        theta = cycles * reference.wavelength / (reference.index * grid * reference.pitch)
        depths = reference.spacing * np.arange(screens)
        strong = np.exp(-2 * sigma**2 * theta**2 * np.sum((depths - depths.mean()) ** 2)
                        / ell**2)
        results.append(Result(
            f"speckle correlation after a {1e3 * theta:.2f} mrad tilt, {screens} screens "
            f"over {1e3 * thickness:g} mm", np.mean(values),
            tilt_correlation_theory(reference, cycles), K_SE * _se(values), MARKOV,
            note=f"plane wave filling a {grid}-sample grid, screens of {sigma} rad rms and "
                 f"{1e6 * ell:.1f} um correlation, tilt of {cycles} cycles; "
                 f"4 sum(ab) / sum(a^2 + b^2) - 1 over the non-zero frequencies, mean over "
                 f"{repeats} media; closed form sum|FT G_tilt|^2 / sum (FT G_0)^2 with "
                 f"G = prod_j exp(-D(r - theta z_j) / 2); strong-scattering Gaussian limit "
                 f"{strong:.3f}"))
    return results


# ---------------------------------------------------------------------------- drift


@case("multislice drift")
def drift(size):
    """After a drift of the screens ``phi <- rho phi + sqrt(1 - rho**2) phi'``, the output
    field keeps the correlation ``exp(-K sigma**2 (1 - rho))`` with the field before, over
    the camera plane: the mean of ``exp(i (phi - phi_new))`` for Gaussian phases, one
    factor per independent screen (the coherence at zero separation of the Markov closed
    form, ``lightsim.multislice.tilt_correlation_theory``), carried unchanged by the
    unitary propagation. A thick medium decorrelates ``K sigma**2`` times faster than its
    screens."""
    repeats = 16 if size == "small" else 64
    grid = 64
    x = np.ones((1, grid * grid))
    results = []
    for screens, sigma, rho in ((1, 1.0, 0.9), (4, 1.0, 0.9), (8, 1.0, 0.9), (8, 2.0, 0.99)):
        values = []
        for seed in range(repeats):
            medium = MultisliceMedium(grid * grid, 1, dmd_shape=(grid, grid), grid=grid,
                                      n_screens=screens, spacing=1e-3, phase_rms=sigma,
                                      correlation_length=30e-6, seed=seed,
                                      dtype=np.complex128)
            before = medium.camera_plane(x)[0]
            after = medium.drift(rho, 1000 + seed).camera_plane(x)[0]
            values.append(np.real(np.vdot(after, before)) / np.sqrt(
                np.vdot(before, before).real * np.vdot(after, after).real))
        results.append(Result(
            f"output field correlation after a drift rho = {rho}, {screens} screen(s) of "
            f"{sigma} rad", np.mean(values), np.exp(-screens * sigma**2 * (1 - rho)),
            K_SE * _se(values), MARKOV,
            note=f"plane wave filling a {grid}-sample grid, screens 1 mm apart with 30 um "
                 f"correlation; Re<E_after, E_before> / (|E_before| |E_after|) over the "
                 f"camera plane, mean over {repeats} media; closed form "
                 f"exp(-K sigma^2 (1 - rho))"))
    return results


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
