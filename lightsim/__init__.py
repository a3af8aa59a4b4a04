"""lightsim: a physics-first simulator of optical processing units.

Stages (one module each, see ``docs/architecture.md`` for the whole chain): :mod:`~lightsim.grid`
(sampling), :mod:`~lightsim.propagation` (free-space propagation), :mod:`~lightsim.dmd`
(the device and its binary frames), :mod:`~lightsim.encoders` (real data to frames),
:mod:`~lightsim.holograms` (Lee holograms), :mod:`~lightsim.media` (the ``Medium`` protocol
and transmission matrices), :mod:`~lightsim.multislice` (random phase screens),
:mod:`~lightsim.camera` (EMVA 1288 detector), :mod:`~lightsim.plane` (ROI, binning and
grains on the camera plane), :mod:`~lightsim.holography` (linear readout from
intensities), :mod:`~lightsim.readout` (holographic readout schemes),
:mod:`~lightsim.opu` (the instrument), its :mod:`~lightsim.presets` and
:mod:`~lightsim.accounting`, :mod:`~lightsim.io` (HDF5 storage),
:mod:`~lightsim.retrieval` (calibration from measurements) and :mod:`~lightsim.streams`
(seeded random streams); :mod:`~lightsim.threads` shares the cores between BLAS and the
Numba kernels.
"""

# First, before NumPy loads OpenBLAS: importing lightsim.threads lets BLAS and Numba
# threads sleep when idle (see its docstring).
from . import threads  # isort: skip
from . import checks, io, readout, retrieval
from .camera import Camera, PhotonTransfer, photon_transfer
from .dmd import DMD, MacroPixelLayout
from .encoders import (
    BitPlaneEncoder,
    SeparatedBitPlanEncoder,
    ThresholdEncoder,
    ternary,
    ternary_values,
)
from .grid import Grid
from .holograms import lee_decode, lee_hologram
from .holography import off_axis_demodulate, phase_shifting, reference_projection
from .media import GaussianMedium, Medium
from .multislice import MultisliceMedium
from .opu import OPU
from .presets import PRESETS, OPUConfig
from .propagation import (
    AngularSpectrum,
    Fraunhofer,
    FresnelIR,
    FresnelTF,
    angular_spectrum,
    bandlimit_frequency,
    critical_distance,
    fraunhofer,
    fraunhofer_q,
    fresnel,
    fresnel_number,
    propagate,
)

__version__ = "0.1.0"

__all__ = [
    "DMD",
    "OPU",
    "OPUConfig",
    "PRESETS",
    "AngularSpectrum",
    "BitPlaneEncoder",
    "Camera",
    "Fraunhofer",
    "FresnelIR",
    "FresnelTF",
    "GaussianMedium",
    "Grid",
    "MacroPixelLayout",
    "Medium",
    "MultisliceMedium",
    "PhotonTransfer",
    "SeparatedBitPlanEncoder",
    "ThresholdEncoder",
    "angular_spectrum",
    "bandlimit_frequency",
    "checks",
    "critical_distance",
    "fraunhofer",
    "fraunhofer_q",
    "fresnel",
    "fresnel_number",
    "io",
    "lee_decode",
    "lee_hologram",
    "off_axis_demodulate",
    "phase_shifting",
    "photon_transfer",
    "propagate",
    "readout",
    "retrieval",
    "reference_projection",
    "ternary",
    "ternary_values",
    "threads",
]
