"""Cached, band-limited angular spectrum against a straightforward NumPy implementation.

Baseline: what a careful script writes by hand: complex128, ``numpy.fft``, zero padding to
twice the size, the band-limited kernel rebuilt on every call. Candidate:
:func:`lightsim.angular_spectrum` (complex64, cached kernel, pruned ``scipy.fft`` passes,
fused Numba multiply). Both compute the same band-limited linear convolution; the benchmark
also prints their relative difference so that the speed is not bought with a wrong answer.
"""

from __future__ import annotations

import numpy as np

import lightsim
from benchmarks import compare


def numpy_angular_spectrum(field, pitch, wavelength, distance):
    """Reference implementation: pad x2, rebuild the band-limited kernel, complex128."""
    ny, nx = field.shape[-2:]
    my, mx = 2 * ny, 2 * nx
    padded = np.zeros(field.shape[:-2] + (my, mx), dtype=np.complex128)
    padded[..., :ny, :nx] = field
    fy = np.fft.fftfreq(my, pitch)[:, None]
    fx = np.fft.fftfreq(mx, pitch)[None, :]
    w2 = 1.0 / wavelength**2 - fx**2 - fy**2
    kernel = np.where(w2 >= 0, np.exp(2j * np.pi * distance * np.sqrt(np.abs(w2))),
                      np.exp(-2 * np.pi * abs(distance) * np.sqrt(np.abs(w2))))
    u_lim_y = 1 / (wavelength * np.sqrt((2 * distance / (my * pitch)) ** 2 + 1))
    u_lim_x = 1 / (wavelength * np.sqrt((2 * distance / (mx * pitch)) ** 2 + 1))
    kernel *= (np.abs(fy) <= u_lim_y) & (np.abs(fx) <= u_lim_x)
    out = np.fft.ifft2(np.fft.fft2(padded) * kernel)
    return out[..., :ny, :nx]


def run(quick: bool = False):
    n, batch = (512, 4) if quick else (1024, 16)
    pitch, wavelength = 8e-6, 532e-9
    distance = 0.5 * (2 * n) * pitch**2 / wavelength  # half the critical distance
    rng = np.random.default_rng(0)
    field = (rng.standard_normal((batch, n, n)) + 1j * rng.standard_normal((batch, n, n)))
    field64 = field.astype(np.complex64)

    def candidate():
        return lightsim.angular_spectrum(field64, pitch, wavelength, distance)

    def baseline():
        return numpy_angular_spectrum(field, pitch, wavelength, distance)

    diff = np.linalg.norm(candidate() - baseline()) / np.linalg.norm(baseline())
    comp = compare(f"angular_spectrum {batch}x{n}x{n} (cached c64 vs numpy c128)",
                   candidate, baseline, repeats=2 if quick else 3, target=0.5,
                   note=f"relative difference {diff:.1e}")
    return [comp]
