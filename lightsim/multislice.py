"""A thick scattering medium without a transmission matrix: random phase screens.

Model
-----
The DMD plane is imaged onto the entrance of a thick medium, sampled on an ``N x N`` grid of
the mirror pitch ``p`` (one sample per mirror; the DMD sits in the centre, the rest of the
grid is the medium's lateral extent, periodic at its edges). The medium is ``K`` thin random
phase screens ``exp(i phi_k)`` separated by a distance ``dz`` of homogeneous medium, crossed
with the exact angular-spectrum propagator of :mod:`lightsim.propagation` (split-step or
multislice method: J. M. Cowley and A. F. Moodie, Acta Cryst. 10, 609, 1957; for random
media, J. D. Schmidt, *Numerical Simulation of Optical Wave Propagation*, SPIE Press, 2010,
ch. 9). A lens of focal length ``f`` then maps the exit field to its Fourier transform on the
camera plane, sampled at ``lambda f / (N p)``; the outputs (speckle grains) are the
``n_out`` samples, row-major, of a centred ``output_shape`` lattice of that plane,
``output_stride`` samples apart.

Each screen is a statistically homogeneous Gaussian random phase of rms ``phase_rms``
(rad) with a Gaussian correlation ``exp(-r**2 / correlation_length**2)``, drawn by filtering
white noise in Fourier space (Schmidt 2010, ch. 9; the power spectrum of a Gaussian
correlation is Gaussian). Every step is unitary on the grid (phase screens, the angular
spectrum without its band limit below the kernel's critical distance, an orthonormal FFT
for the lens), so :meth:`~MultisliceMedium.adjoint` is the exact reverse and energy is
conserved to dtype precision over the whole camera plane. The medium is periodic, and for a
periodic field the unlimited kernel is exact at any distance: the propagator's sampling
check, which guards a non-periodic field against wrap-around, is switched off.

Units: outputs are scaled by ``N / sqrt(n_in)``, so that a medium that spreads the light of
all ``n_in`` signal mirrors ON evenly over the camera plane gives a mean grain intensity of 1,
the field units of :class:`~lightsim.media.GaussianMedium` and of the OPU.

Drift: ``phi_k <- rho phi_k + sqrt(1 - rho**2) phi_k'`` with ``phi_k'`` a fresh screen of the
same statistics (so the screens keep their law): ``rho`` is the correlation of the material,
as the OPU's decorrelation time sets it on its optical clock. The output field keeps the
correlation ``exp(-K sigma**2 (1 - rho))`` over the camera plane (one factor
``E exp(i (phi - phi_new))`` per independent screen): a thick medium decorrelates about
``K sigma**2`` times faster than its screens.

Memory effect: :func:`tilt_correlation` measures the speckle correlation after an input
tilt and :func:`tilt_correlation_theory` gives its closed form for independent Gaussian
screens (exact second moment, the Markov approximation).

Cost: ``2 K + 2`` FFTs of the ``N x N`` grid per frame (``K - 1`` propagations of two FFTs
each, one lens FFT, the input scatter and output gather are copies), batched in chunks of
at most ``chunk`` frames; no matrix is ever formed.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.fft as sfft

from . import checks, streams
from .media import Medium
from .plane import squarest
from .propagation import AngularSpectrum


class MultisliceMedium(Medium):
    """Random phase screens and free-space propagation, then a lens (see the module docstring).

    Parameters
    ----------
    n_in : int
        Signal mirrors: the first ``n_in`` mirrors of the DMD in row-major order.
    n_out : int
        Outputs: the points, row-major, of a centred lattice of ``output_shape`` on the
        camera plane, ``output_stride`` samples apart.
    output_shape : (int, int), optional
        ``(rows, cols)`` of the output lattice, ``rows * cols = n_out``; default the most
        nearly square (:func:`lightsim.plane.squarest`). An OPU lays its camera pixels on
        it (:mod:`lightsim.plane`).
    output_stride : int
        Camera-plane samples between outputs (about the speckle grain, ``grid / D`` samples
        for an exit field of width ``D`` samples, makes the outputs independent grains).
    dmd_shape : (int, int)
        Mirrors of the DMD (rows, cols); the reference mirrors are the others.
    grid : int
        Samples per side of the simulation grid, at least the DMD's larger side.
    pitch : float
        Mirror pitch and grid sampling (m).
    wavelength : float
        Vacuum wavelength (m).
    n_screens : int
        Number of phase screens ``K`` (>= 1).
    spacing : float
        Distance between screens (m, >= 0), inside the medium of refractive index ``index``.
    phase_rms : float
        rms phase of each screen (rad, > 0).
    correlation_length : float
        Correlation length of each screen (m, > 0).
    index : float
        Refractive index between the screens.
    seed : int
        Seed of the screens, in ``[0, 2**64)``.
    dtype : complex64 or complex128
    chunk : int
        Frames propagated at once (memory: about ``3 chunk grid**2`` complex values).
    drift_rho, drift_seed : sequence
        Drift history (see :meth:`drift`).
    """

    kind = "multislice"

    def __init__(self, n_in, n_out, *, dmd_shape=(912, 1140), grid=2048, pitch=7.56e-6,
                 wavelength=532e-9, n_screens=4, spacing=50e-6, phase_rms=2.0 * math.pi,
                 correlation_length=15e-6, index=1.5, output_stride=1, output_shape=None,
                 seed=0, dtype=np.complex64, chunk=8, drift_rho=(), drift_seed=()):
        def positive_int(name, value):
            return checks.integer(name, value, minimum=1)

        self.dmd_shape = checks.pair("dmd_shape", dmd_shape, positive_int)
        self.grid = checks.integer("grid", grid, minimum=max(self.dmd_shape))
        self.n_in = checks.integer("n_in", n_in, minimum=1,
                                   maximum=self.dmd_shape[0] * self.dmd_shape[1])
        self.output_stride = checks.integer("output_stride", output_stride, minimum=1)
        self.n_out = checks.integer("n_out", n_out, minimum=1)
        if output_shape is None:
            output_shape = squarest(self.n_out)
        self.output_shape = checks.pair("output_shape", output_shape, positive_int)
        rows, cols = self.output_shape
        if rows * cols != self.n_out:
            raise ValueError(f"output_shape={self.output_shape} has {rows * cols} points, "
                             f"expected n_out={self.n_out}")
        if (max(rows, cols) - 1) * self.output_stride >= self.grid:
            raise ValueError(f"an output lattice of {rows} x {cols} points "
                             f"{self.output_stride} samples apart does not fit on a grid of "
                             f"{self.grid} samples")
        self.pitch = checks.positive("pitch", pitch)
        self.wavelength = checks.positive("wavelength", wavelength)
        self.n_screens = checks.integer("n_screens", n_screens, minimum=1)
        self.spacing = checks.non_negative("spacing", spacing)
        self.phase_rms = checks.positive("phase_rms", phase_rms)
        self.correlation_length = checks.positive("correlation_length", correlation_length)
        self.index = checks.positive("index", index)
        self.seed = checks.seed("seed", seed)
        self.dtype = checks.complex_dtype("dtype", dtype)
        self.chunk = checks.integer("chunk", chunk, minimum=1)
        rhos, seeds = tuple(drift_rho), tuple(drift_seed)
        if len(rhos) != len(seeds):
            raise ValueError(f"drift_rho and drift_seed must have the same length, got "
                             f"{len(rhos)} and {len(seeds)}")
        self.drift_rho = tuple(checks.in_range("drift_rho", r, 0.0, 1.0) for r in rhos)
        self.drift_seed = tuple(checks.seed("drift_seed", s) for s in seeds)
        shape = (self.grid, self.grid)
        self._propagator = (None if self.n_screens == 1 else AngularSpectrum(
            shape, self.pitch, self.wavelength, self.spacing, bandlimit=False, pad=1,
            n=self.index, dtype=self.dtype, workers=-1, check="ignore"))
        self._screens = None
        dmd_rows, dmd_cols = self.dmd_shape
        top, left = (self.grid - dmd_rows) // 2, (self.grid - dmd_cols) // 2
        mirror_rows, mirror_cols = np.divmod(np.arange(dmd_rows * dmd_cols), dmd_cols)
        self._mirror_index = ((top + mirror_rows) * self.grid + left + mirror_cols)
        row0 = self.grid // 2 - (rows // 2) * self.output_stride
        col0 = self.grid // 2 - (cols // 2) * self.output_stride
        out_rows, out_cols = np.divmod(np.arange(self.n_out), cols)
        self._output_index = ((row0 + self.output_stride * out_rows) * self.grid + col0
                              + self.output_stride * out_cols)
        self._scale = self.grid / math.sqrt(self.n_in)

    # ------------------------------------------------------------------ description
    def parameters(self) -> dict:
        """Constructor arguments that rebuild the same medium (drift history included)."""
        params = dict(n_in=self.n_in, n_out=self.n_out, dmd_shape=self.dmd_shape,
                      grid=self.grid, pitch=self.pitch, wavelength=self.wavelength,
                      n_screens=self.n_screens, spacing=self.spacing,
                      phase_rms=self.phase_rms, correlation_length=self.correlation_length,
                      index=self.index, output_stride=self.output_stride,
                      output_shape=self.output_shape, seed=self.seed,
                      dtype=self.dtype.name,
                      chunk=self.chunk)
        if self.drift_rho:
            params["drift_rho"] = np.array(self.drift_rho, dtype=np.float64)
            params["drift_seed"] = np.array(self.drift_seed, dtype=np.uint64)
        return params

    def __repr__(self):
        return (f"MultisliceMedium(n_in={self.n_in}, n_out={self.n_out}, grid={self.grid}, "
                f"n_screens={self.n_screens}, spacing={self.spacing:g}, "
                f"phase_rms={self.phase_rms:g}, seed={self.seed})")

    @property
    def thickness(self) -> float:
        """Distance from the first screen to the last (m)."""
        return (self.n_screens - 1) * self.spacing

    @property
    def output_pitch(self) -> float:
        """Sampling of the camera plane per unit focal length: ``lambda / (N p)`` (rad)."""
        return self.wavelength / (self.grid * self.pitch)

    # ------------------------------------------------------------------ screens
    def _screen(self, seed, k):
        """Screen ``k`` of ``seed``: Gaussian-correlated phase of rms ``phase_rms`` (float64)."""
        rng = np.random.default_rng(streams.derived_seed(seed, k))
        noise = rng.standard_normal((self.grid, self.grid))
        f = sfft.fftfreq(self.grid, self.pitch)
        # the spectrum of exp(-r**2 / l**2) is Gaussian: amplitude filter exp(-(pi l f)**2 / 2)
        filt = np.exp(-0.5 * (math.pi * self.correlation_length) ** 2
                      * (f[:, None] ** 2 + f[None, :] ** 2))
        phase = sfft.ifft2(sfft.fft2(noise) * filt).real
        return phase * (self.phase_rms / phase.std())

    def screens(self) -> np.ndarray:
        """The ``K`` phase screens ``(K, N, N)`` float64 (rad), drift history applied."""
        if self._screens is None:
            screens = np.stack([self._screen(self.seed, k) for k in range(self.n_screens)])
            for rho, seed in zip(self.drift_rho, self.drift_seed):
                fresh = np.stack([self._screen(seed, k) for k in range(self.n_screens)])
                screens = rho * screens + math.sqrt(1.0 - rho * rho) * fresh
            self._screens = screens
            self._phasors = np.exp(1j * screens).astype(self.dtype)
        return self._screens

    # ------------------------------------------------------------------ propagation
    def _forward(self, grid_fields):
        """Entrance fields ``(n, N, N)`` -> camera-plane fields ``(n, N, N)`` (unitary)."""
        self.screens()
        u = grid_fields
        for k in range(self.n_screens):
            u = u * self._phasors[k]
            if k < self.n_screens - 1:
                u = self._propagator(u)
        return sfft.fftshift(sfft.fft2(u, norm="ortho", workers=-1), axes=(-2, -1))

    def _backward(self, plane_fields):
        """Adjoint of :meth:`_forward`."""
        self.screens()
        u = sfft.ifft2(sfft.ifftshift(plane_fields, axes=(-2, -1)), norm="ortho", workers=-1)
        for k in reversed(range(self.n_screens)):
            if k < self.n_screens - 1:
                u = self._propagator.adjoint(u)
            u = u * np.conj(self._phasors[k])
        return u

    def camera_plane(self, X, mirrors=None):
        """The whole camera-plane field ``(n_samples, N, N)`` of mirror amplitudes ``X``.

        ``X`` holds the amplitudes of the first ``n_in`` mirrors (or of ``mirrors``, an
        index array into the DMD's row-major mirrors), unscaled: energy is conserved,
        ``sum |out|**2 = sum |X|**2`` per sample.
        """
        index = self._mirror_index[:self.n_in] if mirrors is None else self._mirror_index[
            mirrors]
        X = np.asarray(X)
        out = np.empty((X.shape[0], self.grid, self.grid), dtype=self.dtype)
        for lo in range(0, X.shape[0], self.chunk):
            block = X[lo:lo + self.chunk]
            fields = np.zeros((block.shape[0], self.grid * self.grid), dtype=self.dtype)
            fields[:, index] = block
            out[lo:lo + self.chunk] = self._forward(
                fields.reshape(-1, self.grid, self.grid))
        return out

    def _check(self, name, X, n):
        X = checks.finite_array(name, X)
        if X.ndim != 2 or X.shape[1] != n:
            raise ValueError(f"{name} must have shape (n_samples, {n}), got shape {X.shape}")
        return X

    def apply(self, X):
        """Output fields ``(n_samples, n_out)`` of input fields ``X`` ``(n_samples, n_in)``."""
        X = self._check("X", X, self.n_in)
        out = np.empty((X.shape[0], self.n_out), dtype=self.dtype)
        for lo in range(0, X.shape[0], self.chunk):
            plane = self.camera_plane(X[lo:lo + self.chunk])
            out[lo:lo + self.chunk] = plane.reshape(plane.shape[0], -1)[:, self._output_index]
        return out * self.dtype.type(self._scale)

    def adjoint(self, Y):
        """Adjoint of :meth:`apply`: ``<apply(x), y> = <x, adjoint(y)>``."""
        Y = self._check("Y", Y, self.n_out)
        out = np.empty((Y.shape[0], self.n_in), dtype=self.dtype)
        for lo in range(0, Y.shape[0], self.chunk):
            block = Y[lo:lo + self.chunk]
            plane = np.zeros((block.shape[0], self.grid * self.grid), dtype=self.dtype)
            plane[:, self._output_index] = block
            back = self._backward(plane.reshape(-1, self.grid, self.grid))
            out[lo:lo + self.chunk] = back.reshape(block.shape[0], -1)[
                :, self._mirror_index[:self.n_in]]
        return out * self.dtype.type(self._scale)

    def reference_field(self, power, seed):
        """The reference mirrors' field through the screens, scaled to mean intensity ``power``.

        The reference mirrors are every DMD mirror after the ``n_in`` signal ones, all ON
        with one common amplitude, chosen so that the mean output intensity is ``power``
        (the OPU defines the reference by its power ratio). ``seed`` is not used: the
        medium determines the field.
        """
        power = checks.positive("power", power)
        reference = np.arange(self.n_in, self.dmd_shape[0] * self.dmd_shape[1])
        if reference.size == 0:
            raise ValueError("the DMD has no mirror left for the reference")
        plane = self.camera_plane(np.ones((1, reference.size), self.dtype), mirrors=reference)
        field = plane.reshape(-1)[self._output_index].astype(np.complex128)
        mean = np.mean(np.abs(field) ** 2)
        return (field * math.sqrt(power / mean)).astype(np.complex64)

    def drift(self, rho, seed):
        """The medium after its screens decorrelate: ``phi <- rho phi + sqrt(1 - rho**2) phi'``."""
        rho = checks.in_range("rho", rho, 0.0, 1.0)
        seed = checks.seed("seed", seed)
        params = self.parameters()
        params.update(drift_rho=self.drift_rho + (rho,), drift_seed=self.drift_seed + (seed,))
        return MultisliceMedium(**params)


# ---------------------------------------------------------------------------- memory effect
def _tilt_cycles(medium, cycles):
    cycles = checks.integer("cycles", cycles, minimum=0)
    if cycles >= medium.grid // 2:
        raise ValueError(f"cycles must be below grid / 2 = {medium.grid // 2} (a tilt the grid "
                         f"can represent), got {cycles}")
    return cycles


def tilt_correlation(medium: MultisliceMedium, cycles: int) -> float:
    """Measured angular memory effect: speckle correlation after an input tilt.

    Every DMD mirror is ON (a uniform field over the DMD), then tilted by ``cycles`` cycles
    across the grid (angle ``cycles lambda / (n N p)`` inside the medium). The tilted
    input's camera-plane intensity ``b`` is shifted back by ``cycles`` samples and compared
    with the untilted one ``a``: ``C = 4 sum(a b) / sum(a**2 + b**2) - 1``, excluding the
    zero-frequency sample (the ballistic light). For exponential (fully developed) speckle
    of a common mean ``S`` this estimates ``sum |<E_a E_b*>|**2 / sum S**2``, the normalised
    covariance of the intensity fluctuations, without dividing by the unknown envelope.

    Parameters
    ----------
    medium : MultisliceMedium
    cycles : int
        Tilt in cycles across the grid, in ``[0, grid / 2)``.

    Returns
    -------
    float
        The speckle correlation (1: the speckle only shifts; 0: a new speckle).
    """
    cycles = _tilt_cycles(medium, cycles)
    mirrors = np.arange(medium.dmd_shape[0] * medium.dmd_shape[1])
    columns = medium._mirror_index % medium.grid
    x = np.ones((1, mirrors.size))
    tilt = np.exp(2j * np.pi * cycles * columns / medium.grid)[None, :]
    a = np.abs(medium.camera_plane(x, mirrors=mirrors)[0]) ** 2
    b = np.abs(medium.camera_plane(x * tilt, mirrors=mirrors)[0]) ** 2
    b = np.roll(b, -cycles, axis=1)
    keep = np.ones(a.size, dtype=bool)
    keep[(medium.grid // 2) * medium.grid + medium.grid // 2] = False
    a, b = a.reshape(-1)[keep], b.reshape(-1)[keep]
    return float(4.0 * np.sum(a * b) / np.sum(a * a + b * b) - 1.0)


def tilt_correlation_theory(medium: MultisliceMedium, cycles: int) -> float:
    """Closed form of :func:`tilt_correlation` for a plane wave filling the grid.

    In the paraxial regime a tilt ``q`` of the input commutes with free propagation up to a
    lateral shift ``q z / k``, so tilting the input of a stack is equivalent to shifting
    screen ``j`` (at depth ``z_j``) by ``s_j = theta z_j`` with ``theta = q / k``. For
    independent Gaussian screens of structure function
    ``D(r) = 2 sigma**2 (1 - exp(-r**2 / l**2))``, averaging over each screen given the
    field that reaches it is exact (the screen is independent of that field), and free
    propagation leaves a homogeneous field's mutual coherence unchanged; the mutual
    coherence of the untilted and tilted exit fields is therefore
    ``G(r) = prod_j exp(-D(r - s_j) / 2)`` (the Markov approximation of wave propagation in
    random media, exact for discrete independent screens: A. Ishimaru, *Wave Propagation
    and Scattering in Random Media*, Academic Press, 1978, vol. 2, ch. 20; V. I. Tatarskii,
    *The Effects of the Turbulent Atmosphere on Wave Propagation*, 1971). Its Fourier
    transform is the cross-spectrum on the camera plane, and for circular Gaussian speckle
    ``C = sum_k |FT G_tilt|**2 / sum_k (FT G_0)**2`` over the non-zero frequencies.

    In the strong-scattering limit (``sigma**2 K >> 1``, ``D`` quadratic over the coherence
    width) this is ``exp(-2 sigma**2 theta**2 sum_j (z_j - mean z)**2 / l**2)``: a
    Gaussian in angle, of width falling as ``L**-3/2`` for a medium of thickness ``L`` and
    fixed screen density (forward scattering; the diffusive-slab law of Feng et al.,
    PRL 61, 834, 1988, does not apply). A thin screen (``L = 0``) gives exactly 1.

    Parameters
    ----------
    medium : MultisliceMedium
        Its grid, pitch, wavelength, index, screens and their statistics define the
        prediction; the DMD must fill the grid (``dmd_shape == (grid, grid)``).
    cycles : int
        Tilt in cycles across the grid, in ``[0, grid / 2)``.

    Returns
    -------
    float
        The predicted speckle correlation.
    """
    cycles = _tilt_cycles(medium, cycles)
    if medium.dmd_shape != (medium.grid, medium.grid):
        raise ValueError(f"the closed form is for a plane wave filling the grid: dmd_shape "
                         f"must be ({medium.grid}, {medium.grid}), got {medium.dmd_shape}")
    theta = cycles * medium.wavelength / (medium.index * medium.grid * medium.pitch)
    lag = ((np.arange(medium.grid) + medium.grid // 2) % medium.grid - medium.grid // 2
           ) * medium.pitch
    y, x = lag[:, None], lag[None, :]
    sigma2, ell2 = medium.phase_rms ** 2, medium.correlation_length ** 2

    def coherence(shifts):
        log = np.zeros((medium.grid, medium.grid))
        for s in shifts:
            log -= sigma2 * (1.0 - np.exp(-((x - s) ** 2 + y * y) / ell2))
        return np.exp(log)

    depths = medium.spacing * np.arange(medium.n_screens)
    untilted = np.abs(sfft.fft2(coherence(np.zeros_like(depths)))).reshape(-1)[1:]
    tilted = np.abs(sfft.fft2(coherence(theta * depths))).reshape(-1)[1:]
    return float(np.sum(tilted ** 2) / np.sum(untilted ** 2))
