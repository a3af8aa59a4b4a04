"""The OPU's configuration: hardware presets, the frozen :class:`OPUConfig`, and the
physical constants of its photon budget.

A preset is a dict of :class:`lightsim.OPU` keywords; any keyword given to the OPU
overrides it (:meth:`OPUConfig.from_preset`). Values that no public source gives are marked
as assumptions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np

from . import checks

PLANCK = 6.62607015e-34  # J s (exact, SI 2019)
SPEED_OF_LIGHT = 299792458.0  # m / s (exact)

#: Hardware presets. ``"lighton"`` follows the public description of LightOn's OPUs (Aurora /
#: Appliance): a 0.45" WXGA DMD (1140 x 912 mirrors, 7.56 um pitch; TI DLP4500 data sheet),
#: a 532 nm continuous-wave laser, an 8-bit CMOS camera, 1440 frames per second and 30 W for
#: the whole device: "1500 TeraOPS under 30 W" (Wang et al. 2024) counted as n_in x n_out x
#: frame rate with 10**6 outputs read per frame gives 1.5e15 / (1.04e6 x 10**6) = 1443 Hz
#: (the counting is inferred, see :mod:`dfa.study.scaling`; the binary-pattern rate of that
#: DMD class is 1.5 kHz to 4 kHz, so the camera readout is the limit). Laser power, optical
#: transmission, DMD contrast and the camera's noise figures are not published; the values
#: below are typical of such components and are assumptions: change them to study their
#: effect.
#: The sensor is 1088 x 2040 pixels, the format of LightOn's cameras in lightonml's device
#: table; the speckle covers it and the pixels read are a region of interest. The medium is
#: static by default (``decorrelation_time=inf``) and the bench free of temporal noise.
#: ``"ideal"``: same geometry and cost model, perfect contrast, no camera (exact intensities).
PRESETS = {
    "ideal": dict(
        dmd_shape=(912, 1140), pitch=7.56e-6, contrast=np.inf, dead_fraction=0.0,
        camera=None, wavelength=532e-9, laser_power=1e-3, transmission=0.1,
        exposure="auto", frame_rate=1440.0, device_power=30.0, reference_ratio=1.0,
        fill=0.25, grains=1, sensor_shape=(1088, 2040), decorrelation_time=np.inf,
        power_noise=0.0, phase_jitter=0.0,
    ),
    "lighton": dict(
        dmd_shape=(912, 1140), pitch=7.56e-6, contrast=1000.0, dead_fraction=0.0,
        camera=dict(bits=8, full_well=10_000.0, read_noise=2.5, dark_current=10.0,
                    quantum_efficiency=0.6, black_level=2.0 / 255.0),
        wavelength=532e-9, laser_power=1e-3, transmission=0.1, exposure="auto",
        frame_rate=1440.0, device_power=30.0, reference_ratio=1.0, fill=0.25, grains=1,
        sensor_shape=(1088, 2040), decorrelation_time=np.inf, power_noise=0.0,
        phase_jitter=0.0,
    ),
}

#: Keywords of every OPU that no preset sets (their defaults).
DEFAULTS = dict(normalize_rows=False, holography="4-frame", calibration_frames=16,
                macro_pixels=None, roi_shape=None, phase_stepping=False)

HOLOGRAPHY = ("4-frame", "2-frame")


@dataclass(frozen=True)
class OPUConfig:
    """Every configuration value of an OPU, validated once: the instrument's single source.

    Build it with :meth:`from_preset`; the OPU reads its attributes (``opu.laser_power`` is
    ``opu.config.laser_power``) and :func:`dataclasses.replace` gives a changed copy. Units
    and meanings: see :class:`lightsim.OPU`. ``camera`` holds :class:`lightsim.Camera`
    keywords (a dict; ``None`` for an ideal detector).
    """

    dmd_shape: tuple
    pitch: float
    contrast: float
    dead_fraction: float
    camera: dict | None
    wavelength: float
    laser_power: float
    transmission: float
    exposure: float | str
    frame_rate: float
    device_power: float
    reference_ratio: float
    fill: float
    grains: int | tuple
    sensor_shape: tuple
    decorrelation_time: float
    power_noise: float
    phase_jitter: float
    normalize_rows: bool = False
    holography: str = "4-frame"
    calibration_frames: int = 16
    macro_pixels: object = None
    roi_shape: tuple | None = None
    phase_stepping: bool = False

    def __post_init__(self):
        def positive_int(name, value):
            return checks.integer(name, value, minimum=1)

        checked = dict(
            dmd_shape=checks.pair("dmd_shape", self.dmd_shape, positive_int),
            wavelength=checks.positive("wavelength", self.wavelength),
            laser_power=checks.positive("laser_power", self.laser_power),
            transmission=checks.in_range("transmission", self.transmission, 0, 1),
            frame_rate=checks.positive("frame_rate", self.frame_rate),
            device_power=checks.positive("device_power", self.device_power),
            reference_ratio=checks.positive("reference_ratio", self.reference_ratio),
            fill=checks.in_range("fill", self.fill, 1e-9, 100.0),
            grains=(checks.integer("grains", self.grains, minimum=1)
                    if np.ndim(self.grains) == 0 else
                    checks.pair("grains", self.grains, positive_int)),
            roi_shape=(None if self.roi_shape is None else
                       checks.pair("roi_shape", self.roi_shape, positive_int)),
            sensor_shape=checks.pair("sensor_shape", self.sensor_shape, positive_int),
            decorrelation_time=(math.inf if self.decorrelation_time == math.inf else
                                checks.positive("decorrelation_time",
                                                self.decorrelation_time)),
            power_noise=checks.non_negative("power_noise", self.power_noise),
            phase_jitter=checks.non_negative("phase_jitter", self.phase_jitter),
            holography=checks.choice("holography", self.holography, HOLOGRAPHY),
            calibration_frames=checks.integer("calibration_frames", self.calibration_frames,
                                              minimum=1),
            exposure=(self.exposure if isinstance(self.exposure, str) and
                      self.exposure == "auto" else checks.positive("exposure", self.exposure)),
        )
        checks.boolean("normalize_rows", self.normalize_rows)
        checks.boolean("phase_stepping", self.phase_stepping)
        if self.camera is not None and not isinstance(self.camera, dict):
            raise TypeError(f"camera must be a dict of Camera keywords or None, got "
                            f"{type(self.camera).__name__}")
        checked["normalize_rows"] = bool(self.normalize_rows)
        checked["phase_stepping"] = bool(self.phase_stepping)
        checked["camera"] = None if self.camera is None else dict(self.camera)
        for name, value in checked.items():
            object.__setattr__(self, name, value)

    @classmethod
    def from_preset(cls, preset="lighton", **changes) -> OPUConfig:
        """The ``preset``'s values with ``changes`` applied.

        A ``camera`` dict overrides the preset camera's keywords and keeps the others (an
        ``offset`` replaces the preset's ``black_level`` and vice versa; on the
        ``"ideal"`` preset, which has no camera, it gives the :class:`~lightsim.Camera`
        defaults its keywords do not set); ``camera=None`` is an ideal detector.

        Raises
        ------
        ValueError
            Unknown preset, or an invalid value (named).
        TypeError
            Unknown keyword.
        """
        checks.choice("preset", preset, PRESETS)
        values = dict(PRESETS[preset], **DEFAULTS)
        unknown = set(changes) - set(values)
        if unknown:
            raise TypeError(f"unknown OPU keyword(s) {sorted(unknown)}; allowed: "
                            f"{sorted(values)}")
        camera = changes.pop("camera", "preset")
        if isinstance(camera, dict) and values["camera"] is not None:
            base = dict(values["camera"])
            for given, alternative in (("offset", "black_level"), ("black_level", "offset")):
                if given in camera:  # two ways to set the dark offset: the one given wins
                    base.pop(alternative, None)
            camera = {**base, **camera}
        if not (isinstance(camera, str) and camera == "preset"):
            values["camera"] = camera
        values.update(changes)
        return cls(**values)

    def options(self) -> dict:
        """Every value but the camera, as OPU keywords (plain data, for storage)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "camera"}
