"""Hardware presets of the OPU, and the physical constants of its photon budget.

A preset is a dict of :class:`lightsim.OPU` keywords; any keyword given to the OPU
overrides it. Values that no public source gives are marked as assumptions.
"""

from __future__ import annotations

import numpy as np

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
