"""What the instrument spends and sees: frames and their cost, light on the camera.

:class:`Cost` counts the DMD frames of an OPU and converts them to optical time and energy;
:class:`FrameStatistics` accounts the light of the frames a camera captured (photons per
pixel, saturated readings, exposure), per call or accumulated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass
class Cost:
    """Frames shown on the DMD and what they would cost on the device.

    ``optical_time = total_frames / frame_rate`` (s) and ``optical_energy = optical_time *
    device_power`` (J), next to ``wall_time``, the simulated (CPU) time in seconds.
    Calibration frames are counted separately from the frames of the calls themselves.
    """

    frame_rate: float
    device_power: float
    frames: int = 0
    calibration_frames: int = 0
    calls: int = 0
    wall_time: float = 0.0

    @property
    def total_frames(self) -> int:
        return self.frames + self.calibration_frames

    @property
    def optical_time(self) -> float:
        return self.total_frames / self.frame_rate

    @property
    def optical_energy(self) -> float:
        return self.optical_time * self.device_power

    def add(self, frames: int, wall_time: float, *, calibration: bool = False):
        """Account ``frames`` DMD frames and ``wall_time`` seconds of simulation."""
        if calibration:
            self.calibration_frames += frames
        else:
            self.frames += frames
            self.calls += 1
        self.wall_time += wall_time

    def reclassify(self, frames: int):
        """Move ``frames`` already counted by calls to the calibration account (a calibration
        made of ordinary calls, such as :func:`lightsim.retrieval.calibrate`)."""
        if not 0 <= frames <= self.frames:
            raise ValueError(f"frames must be in [0, {self.frames}] (the call frames counted), "
                             f"got {frames}")
        self.frames -= frames
        self.calibration_frames += frames

    def summary(self) -> dict:
        """Plain dict of every counter and derived quantity (for logs and HDF5)."""
        return dict(frames=self.frames, calibration_frames=self.calibration_frames,
                    calls=self.calls, optical_time=self.optical_time,
                    optical_energy=self.optical_energy, wall_time=self.wall_time)


@dataclass
class FrameStatistics:
    """Light on the camera over the frames of one call, or accumulated over many.

    ``photons`` is the sum over every pixel read of every frame of the mean photon count
    (before shot noise), ``saturated`` the number of those pixel readings whose noise-free
    value is at the top code (full well reached or the ADC range clipped), ``exposure`` the
    sum over frames of their exposure time (s). With an ideal detector (``camera=None``) no
    photon is counted: only ``frames`` and ``pixels`` grow.
    """

    frames: int = 0
    pixels: int = 0
    photons: float = 0.0
    saturated: int = 0
    exposure: float = 0.0

    def add(self, other: FrameStatistics):
        """Accumulate ``other`` into this account."""
        for name in ("frames", "pixels", "photons", "saturated", "exposure"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def photons_per_pixel(self) -> float:
        """Mean photons per pixel reading (NaN before any frame)."""
        return self.photons / self.pixels if self.pixels else math.nan

    @property
    def saturated_fraction(self) -> float:
        """Fraction of pixel readings at the top code (NaN before any frame)."""
        return self.saturated / self.pixels if self.pixels else math.nan

    @property
    def mean_exposure(self) -> float:
        """Mean exposure time per frame (s; NaN before any frame or without a camera)."""
        return self.exposure / self.frames if self.frames and self.exposure else math.nan

    def summary(self) -> dict:
        """Plain dict of the counters and the derived means (for logs and HDF5)."""
        return dict(frames=self.frames, pixels=self.pixels, photons=self.photons,
                    saturated=self.saturated, exposure=self.exposure,
                    photons_per_pixel=self.photons_per_pixel,
                    saturated_fraction=self.saturated_fraction,
                    mean_exposure=self.mean_exposure)
