"""Rectangular sampling grids: shape, pitch, wavelength, coordinates and frequencies.

Convention (shared by every module): arrays are indexed ``[..., row, col] = [..., y, x]``.
The origin sits at index ``n // 2`` along each axis, the same place ``numpy.fft.fftshift``
puts the zero frequency, so that centred coordinates and centred frequencies are exactly
each other's discrete Fourier pair for odd and even sizes alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import checks


def centred_coordinates(n: int, pitch: float) -> np.ndarray:
    """Coordinates ``(i - n // 2) * pitch`` for ``i = 0 .. n-1``, in the unit of ``pitch``."""
    return (np.arange(n) - n // 2) * pitch


def centred_frequencies(n: int, pitch: float) -> np.ndarray:
    """Spatial frequencies ``(k - n // 2) / (n * pitch)`` (cycles per unit of ``pitch``).

    Equal to ``numpy.fft.fftshift(numpy.fft.fftfreq(n, pitch))``.
    """
    return (np.arange(n) - n // 2) / (n * pitch)


@dataclass(frozen=True)
class Grid:
    """A rectangular, uniformly sampled plane at one wavelength.

    Parameters
    ----------
    shape : int or (int, int)
        Number of samples ``(ny, nx)``; an int means a square grid.
    pitch : float or (float, float)
        Sample spacing ``(dy, dx)`` in metres; a scalar means square pixels.
    wavelength : float
        Vacuum wavelength in metres.

    Attributes
    ----------
    x, y : ndarray
        Centred coordinates (m), 1-D, origin at index ``n // 2``.
    fx, fy : ndarray
        Centred spatial frequencies (1/m), 1-D, zero at index ``n // 2``.
    extent : tuple
        ``(left, right, bottom, top)`` of the pixel edges (m), for ``matplotlib.imshow``
        with ``origin="lower"``.

    Examples
    --------
    >>> g = Grid(256, 8e-6, 633e-9)
    >>> float(g.x[128]), float(g.fx[128])
    (0.0, 0.0)
    """

    shape: tuple[int, int]
    pitch: tuple[float, float]
    wavelength: float

    def __init__(self, shape, pitch, wavelength):
        shape = checks.pair("shape", shape, lambda n, v: checks.integer(n, v, minimum=1))
        pitch = checks.pair("pitch", pitch, checks.positive)
        object.__setattr__(self, "shape", shape)
        object.__setattr__(self, "pitch", pitch)
        object.__setattr__(self, "wavelength", checks.positive("wavelength", wavelength))

    @property
    def ny(self) -> int:
        return self.shape[0]

    @property
    def nx(self) -> int:
        return self.shape[1]

    @property
    def dy(self) -> float:
        return self.pitch[0]

    @property
    def dx(self) -> float:
        return self.pitch[1]

    @property
    def x(self) -> np.ndarray:
        return centred_coordinates(self.nx, self.dx)

    @property
    def y(self) -> np.ndarray:
        return centred_coordinates(self.ny, self.dy)

    @property
    def fx(self) -> np.ndarray:
        return centred_frequencies(self.nx, self.dx)

    @property
    def fy(self) -> np.ndarray:
        return centred_frequencies(self.ny, self.dy)

    @property
    def size(self) -> tuple[float, float]:
        """Physical size ``(Ly, Lx) = (ny * dy, nx * dx)`` in metres."""
        return (self.ny * self.dy, self.nx * self.dx)

    @property
    def extent(self) -> tuple[float, float, float, float]:
        x, y = self.x, self.y
        return (
            x[0] - self.dx / 2,
            x[-1] + self.dx / 2,
            y[0] - self.dy / 2,
            y[-1] + self.dy / 2,
        )

    def mesh(self) -> tuple[np.ndarray, np.ndarray]:
        """2-D coordinate arrays ``(Y, X)`` of shape ``(ny, nx)`` (m)."""
        return np.meshgrid(self.y, self.x, indexing="ij")

    def radius(self) -> np.ndarray:
        """Distance from the origin, shape ``(ny, nx)`` (m)."""
        yy, xx = self.mesh()
        return np.hypot(yy, xx)

    def with_pitch(self, pitch) -> Grid:
        """Same shape and wavelength, new pitch (e.g. after a Fraunhofer transform)."""
        return Grid(self.shape, pitch, self.wavelength)
