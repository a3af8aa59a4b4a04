"""The camera plane: which speckle grains each output pixel of the OPU integrates.

The pixels read form a rectangular region of interest (ROI) of ``rows x cols`` output
pixels on the sensor, of which the first ``n_out`` in row-major order are read (all of them,
or all but part of the last row, for a number of pixels with no rectangle that fits on the
sensor). With charge-domain binning ``(by, bx)`` (:class:`lightsim.Camera`) each output
pixel is ``by x bx`` sensor pixels, so the ROI covers ``rows by x cols bx`` sensor pixels.
Each sensor pixel integrates a block of ``gy x gx`` speckle grains (the grain-to-pixel
sampling), so the camera-plane field is sampled on a lattice of
``rows by gy x cols bx gx`` grains: the medium's outputs, row-major. Output pixel ``(r, c)``
reads the grains of the block ``[r by gy, (r + 1) by gy) x [c bx gx, (c + 1) bx gx)``.

Light integrated by a pixel and charge summed by binning are both sums over blocks of this
lattice; the OPU sums the grains of a sensor pixel optically (in its speckle kernel) and
hands the camera frames of sensor pixels, which bins them (one Poisson draw, one read noise
and one full well per binned pixel: EMVA 1288 Release 4.0, 2021, section 2). A medium with
no geometry (:class:`~lightsim.media.GaussianMedium`, independent outputs) fills the lattice
in row-major order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import checks


def squarest(n: int) -> tuple[int, int]:
    """The most nearly square ``(rows, cols)`` with ``rows * cols = n`` and ``rows <= cols``."""
    n = checks.integer("n", n, minimum=1)
    rows = math.isqrt(n)
    while n % rows:
        rows -= 1
    return rows, n // rows


def _positive_int(name, value):
    return checks.integer(name, value, minimum=1)


@dataclass(frozen=True)
class CameraPlane:
    """Layout of the ROI, the binning and the grains on the camera plane (see module).

    Parameters
    ----------
    roi_shape : (int, int)
        Output pixels read, ``(rows, cols)``.
    grains : int or (int, int)
        Speckle grains per sensor pixel: a block ``(gy, gx)``, or a number laid out as the
        most nearly square block (4 -> 2 x 2, 2 -> 1 x 2).
    binning : (int, int)
        Sensor pixels per output pixel ``(by, bx)`` (the camera's charge-domain binning).
    n_out : int, optional
        Output pixels read, the first of the ROI in row-major order: more than
        ``(rows - 1) cols``, at most (and by default) ``rows cols``.
    """

    roi_shape: tuple
    grains: tuple = (1, 1)
    binning: tuple = (1, 1)
    n_out: int | None = None

    def __post_init__(self):
        grains = self.grains
        if np.ndim(grains) == 0:
            grains = squarest(checks.integer("grains", grains, minimum=1))
        object.__setattr__(self, "roi_shape", checks.pair("roi_shape", self.roi_shape,
                                                          _positive_int))
        object.__setattr__(self, "grains", checks.pair("grains", grains, _positive_int))
        object.__setattr__(self, "binning", checks.pair("binning", self.binning,
                                                        _positive_int))
        rows, cols = self.roi_shape
        n_out = rows * cols if self.n_out is None else checks.integer(
            "n_out", self.n_out, minimum=1)
        if not (rows - 1) * cols < n_out <= rows * cols:
            raise ValueError(f"n_out={n_out} output pixels do not fill a ROI of {rows} x "
                             f"{cols} (they must fill every row but the last, and part of "
                             f"it)")
        object.__setattr__(self, "n_out", n_out)

    @classmethod
    def on_sensor(cls, n_out, grains, binning, sensor_shape) -> CameraPlane:
        """The default ROI of ``n_out`` output pixels on a sensor of ``sensor_shape``.

        The most nearly square rectangle of exactly ``n_out`` pixels when it fits (binning
        included), else the fewest rows of the widest ROI the sensor allows, the last row
        partly read.

        Raises
        ------
        ValueError
            When ``n_out`` binned pixels do not fit on the sensor.
        """
        by, bx = checks.pair("binning", binning, _positive_int)
        sensor_rows, sensor_cols = sensor_shape
        rows, cols = squarest(n_out)
        if rows * by <= sensor_rows and cols * bx <= sensor_cols:
            return cls((rows, cols), grains, (by, bx))
        widest = sensor_cols // bx
        rows = -(-n_out // max(widest, 1))
        if widest == 0 or rows * by > sensor_rows:
            raise ValueError(f"n_out={n_out} output pixels binned by {(by, bx)} do not fit on "
                             f"the sensor's {sensor_rows} x {sensor_cols} pixels")
        return cls((rows, -(-n_out // rows)), grains, (by, bx), n_out)

    @property
    def pixel_shape(self) -> tuple[int, int]:
        """Sensor pixels covered by the ROI, ``(rows by, cols bx)``."""
        return (self.roi_shape[0] * self.binning[0], self.roi_shape[1] * self.binning[1])

    @property
    def shape(self) -> tuple[int, int]:
        """The grain lattice, ``(rows by gy, cols bx gx)``: the medium's outputs."""
        rows, cols = self.pixel_shape
        return (rows * self.grains[0], cols * self.grains[1])

    @property
    def n_grains(self) -> int:
        """Grains on the lattice (the medium's ``n_out``)."""
        return self.shape[0] * self.shape[1]

    @property
    def grains_per_pixel(self) -> int:
        """Grains integrated by one sensor pixel, ``gy gx``."""
        return self.grains[0] * self.grains[1]

    @property
    def grains_per_output(self) -> int:
        """Grains integrated by one output pixel, ``by bx gy gx``."""
        return self.grains_per_pixel * self.binning[0] * self.binning[1]

    @classmethod
    def of_lattice(cls, lattice, grains, binning, n_out=None) -> CameraPlane:
        """The plane whose grain lattice is ``lattice`` (a medium's ``output_shape``).

        Raises
        ------
        ValueError
            When the lattice is not a whole number of output pixels along each axis.
        """
        lattice = checks.pair("output_shape", lattice, _positive_int)
        unit = cls((1, 1), grains, binning).shape  # grains of one output pixel
        if lattice[0] % unit[0] or lattice[1] % unit[1]:
            raise ValueError(f"a medium output lattice of {lattice[0]} x {lattice[1]} grains "
                             f"is not a whole number of output pixels of {unit[0]} x "
                             f"{unit[1]} grains (grains x binning)")
        return cls((lattice[0] // unit[0], lattice[1] // unit[1]), grains, binning, n_out)

    def _block_sums(self, values, block):
        values = np.asarray(values)
        rows, cols = self.roi_shape
        lead = values.shape[:-1]
        blocks = values.reshape(*lead, rows, block[0], cols, block[1])
        return blocks.sum(axis=(-3, -1)).reshape(*lead, rows * cols)[..., :self.n_out]

    def sum_to_outputs(self, values) -> np.ndarray:
        """Sum per-grain ``values`` ``(..., n_grains)`` over each output pixel's block.

        Returns ``(..., n_out)`` in the dtype of ``values`` (the pixels read); the lattice
        is row-major (see the module docstring).
        """
        unit = CameraPlane((1, 1), self.grains, self.binning).shape
        return self._block_sums(values, unit)

    def bin_pixels(self, values) -> np.ndarray:
        """Sum per-sensor-pixel ``values`` ``(..., rows by cols bx)`` over each binning block
        (``(..., n_out)``: the pixels read)."""
        return self._block_sums(values, self.binning)
