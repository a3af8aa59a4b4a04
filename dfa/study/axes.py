"""The imperfection axes of the study and how a point's configuration becomes a trained setup.

An :class:`Axis` is a name, a label, a list of values and a function ``apply(value,
geometry) -> Overrides``: the ``lightsim.OPU`` keyword overrides, the ``dfa.OpticalDFA``
keyword overrides and the run options that set the imperfection to ``value``, everything
else staying at the ``"lighton"`` preset. :data:`AXES` holds the default axes, in order.

Adding things is local to this module:

* an **axis**: write its ``apply`` function and add an :class:`Axis` to :data:`AXES`;
* a **medium**: add a factory ``(opu) -> medium`` to :data:`MEDIA` and select it with the
  run option ``{"medium": name}``;
* an **encoding** (or any ``OpticalDFA`` option): return it in ``Overrides.feedback``.

Run options understood by :func:`build_feedback`: ``"preset"`` (OPU preset, default
``"lighton"``) and ``"medium"`` (a key of :data:`MEDIA`).

Time: the medium drifts on the OPU's optical clock (``decorrelation_time``, frames shown
over the frame rate, calibration and probe frames included), not per batch. The OPU's
reference term ``C`` needs no recalibration: with ternary errors and 4-frame holography it
is subtracted from the ``e+`` and the ``e-`` projections alike and cancels identically in
their difference, and 2-frame holography uses none. What a bench must know of ``B`` is its
scale and, to equalise the feedback rows, their norms: the ``calibration_budget`` axis
measures them with a holographic calibration of a given number of frames per input, and the
``recalibration`` axis measures them again at an interval while the medium drifts.

Besides accuracy, every optical run reads the OPU's frame statistics
(:attr:`lightsim.OPU.frame_stats`): mean photons per pixel, fraction of saturated pixel
readings and mean exposure over every frame the camera captured during training.

References
----------
Wang et al., "Optical training of large-scale Transformers and deep neural networks with
direct feedback alignment", arXiv:2409.12965 (2024). Launay et al., "Light-in-the-loop:
using a photonics co-processor for scalable training of neural networks", arXiv:2006.01475
(2020). EMVA Standard 1288, release 4.0 (2021) for the camera model (shot noise, read noise,
full well).
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import dfa
import lightsim

#: OPU preset every axis starts from.
BASE_PRESET = "lighton"
#: Laser power (W) of the saturation axis: enough light that the auto exposure reaches its
#: well fill before the frame-period cap (at the preset's 1 mW the exposure is capped and
#: the fill does nothing).
SATURATION_LASER_POWER = 1.0
#: Bit depth of the dither axis.
DITHER_BITS = 6


class Overrides(NamedTuple):
    """What an axis value changes: OPU keywords, OpticalDFA keywords, run options."""

    opu: dict
    feedback: dict
    run: dict


@dataclass(frozen=True)
class Geometry:
    """The OPU's size in a study.

    One DMD input per class (``n_in = n_classes``), each shown on a macro-pixel block of
    ``macro_pixels = (rows, cols)`` mirrors through the OPU's ``macro_pixels`` option (the
    blocks are tiled along the DMD's rows; with ``cols = dmd_cols // n_classes`` they fill
    whole rows, so no unused mirror counts as signal), and ``n_out`` camera pixels.
    """

    n_classes: int
    n_out: int
    macro_pixels: tuple

    @classmethod
    def of(cls, n_classes, n_out, block_rows=1) -> Geometry:
        """Blocks of ``block_rows`` rows x ``dmd_cols // n_classes`` columns of the preset DMD."""
        cols = lightsim.PRESETS[BASE_PRESET]["dmd_shape"][1] // n_classes
        if cols < 1:
            raise ValueError(f"{n_classes} classes do not fit side by side on the DMD")
        return cls(n_classes, n_out, (block_rows, cols))

    @property
    def n_in(self) -> int:
        return self.n_classes

    @property
    def options(self) -> dict:
        """OPU keywords every optical point shares (JSON-serialisable)."""
        return {"macro_pixels": list(self.macro_pixels)}

    def opu(self, preset=BASE_PRESET, **options) -> lightsim.OPU:
        """A ``lightsim.OPU`` of this geometry."""
        return lightsim.OPU(self.n_in, self.n_out, preset=preset,
                            **{**self.options, **options})


@dataclass(frozen=True)
class Axis:
    """One imperfection swept with everything else at the preset.

    Attributes
    ----------
    name : str
        Identifier used on the command line (``--axes``) and in files.
    label : str
        Axis label of the figure and section title of the table (with unit).
    values : tuple
        Values of the full study (JSON scalars: numbers, strings, booleans, ``None``).
    apply : callable
        ``apply(value, geometry) -> Overrides``; must return JSON-serialisable dicts.
    quick : tuple
        The values run by ``--quick``.
    scale : {"linear", "log", "symlog", "category"}
        How the figure spaces the values.
    measure : str or None
        A measured quantity (``"photons_per_pixel"`` or ``"saturated_fraction"``) shown next
        to the value in the table and used as the figure's x axis instead of the value.
    """

    name: str
    label: str
    values: tuple
    apply: Callable[[Any, Geometry], Overrides]
    quick: tuple
    scale: str = "linear"
    measure: str | None = None
    formats: dict = field(default_factory=dict)

    def format(self, value) -> str:
        """Text for ``value`` in tables and tick labels."""
        if value in self.formats:
            return self.formats[value]
        if isinstance(value, float) and value.is_integer() and abs(value) < 1e6:
            return str(int(value))
        return str(value)


def preset_camera(**changes) -> dict:
    """The ``"lighton"`` preset's camera keywords with ``changes`` applied (a new dict)."""
    camera = copy.deepcopy(lightsim.PRESETS[BASE_PRESET]["camera"])
    camera.update(changes)
    return camera


def _opu_keyword(name: str):
    def apply(value, geometry):
        return Overrides({name: value}, {}, {})
    return apply


def _camera_keyword(name: str):
    def apply(value, geometry):
        return Overrides({"camera": preset_camera(**{name: value})}, {}, {})
    return apply


def _feedback_keyword(name: str):
    def apply(value, geometry):
        return Overrides({}, {name: value}, {})
    return apply


def saturation_overrides(value, geometry: Geometry) -> Overrides:
    """Auto-exposure well fill ``value`` at :data:`SATURATION_LASER_POWER`."""
    return Overrides({"fill": value, "laser_power": SATURATION_LASER_POWER}, {}, {})


def decorrelation_overrides(value, geometry: Geometry) -> Overrides:
    """Field decorrelation time ``value`` (s) of the medium on the optical clock; None: static.

    No stability figure of an OPU's scattering medium is published that we could find;
    living tissue decorrelates in milliseconds (Valzania and Gigan, arXiv:2210.04033, 2022)
    while the static layers of transmission-matrix experiments are described as stable for
    hours. The axis spans minutes to hours of optical time against a training run of a few
    minutes (its optical time is in the table).
    """
    return Overrides({} if value is None else {"decorrelation_time": value}, {}, {})


def bits_overrides(value, geometry: Geometry) -> Overrides:
    """Camera of ``value`` bits: same analog chain, only the ADC resolution changes.

    The preset camera gives its dark offset as ``black_level`` (a fraction of the code
    range) and its gain maps the full well to the top code, so the dark level and the full
    well sit at the same fractions of the code range at every bit depth.
    """
    return Overrides({"camera": preset_camera(bits=value)}, {}, {})


def bits_bright_overrides(value, geometry: Geometry) -> Overrides:
    """Camera of ``value`` bits with light to fill its wells (:data:`SATURATION_LASER_POWER`).

    At the preset's laser power the feedback signal is below one LSB at low bit depths, so
    the ``bits`` axis measures a sub-LSB quantiser; this one measures the resolution of a
    camera whose range the signal actually uses (auto exposure at the preset's fill).
    """
    return Overrides({"camera": preset_camera(bits=value),
                      "laser_power": SATURATION_LASER_POWER}, {}, {})


def dither_overrides(value, geometry: Geometry) -> Overrides:
    """A :data:`DITHER_BITS`-bit camera whose read noise is ``value`` LSB rms (dither).

    ``read_noise = value * full_well / (2**bits - 1)`` electrons: Gaussian noise before the
    ADC linearises a quantiser on average (Widrow and Kollar, *Quantization Noise*,
    Cambridge University Press, 2008, ch. 19), at the cost of that noise.
    """
    camera = lightsim.PRESETS[BASE_PRESET]["camera"]
    lsb = camera["full_well"] / (2**DITHER_BITS - 1)
    return Overrides({"camera": preset_camera(bits=DITHER_BITS, read_noise=value * lsb)},
                     {}, {})


#: Decorrelation time (s) of the recalibration axis: the study's shortest, where drift costs
#: accuracy (a training run lasts about 170 s of optical time).
RECALIBRATION_DECORRELATION = 100.0
#: Calibration budget (frames per input) of the recalibration axis.
RECALIBRATION_BUDGET = 8


def calibration_budget_overrides(value, geometry: Geometry) -> Overrides:
    """Feedback rows normalised by a holographic calibration of ``value`` frames per input.

    The bench measures ``B_hat`` once, before training (:func:`lightsim.retrieval.calibrate`,
    Hadamard probes and an offset), and divides every camera pixel of the feedback by its
    calibrated row norm (``OpticalDFA(calibration=value, normalize_rows=True)``): the knowledge
    of the instrument that DFA's rescale and row equalisation need, with the calibration's
    noise instead of the oracle.
    """
    return Overrides({}, {"calibration": value, "normalize_rows": True}, {})


def recalibration_overrides(value, geometry: Geometry) -> Overrides:
    """Recalibrate every ``value`` s of optical time (``None``: once) on a medium of
    :data:`RECALIBRATION_DECORRELATION` s, rows normalised by the calibration of
    :data:`RECALIBRATION_BUDGET` frames per input."""
    feedback = {"calibration": RECALIBRATION_BUDGET, "normalize_rows": True}
    if value is not None:
        feedback["recalibrate_every"] = value
    return Overrides({"decorrelation_time": RECALIBRATION_DECORRELATION}, feedback, {})


def _multislice(screens):
    """Factory of a :class:`lightsim.MultisliceMedium` of ``screens`` screens for an OPU.

    A 2048 x 2048 grid at the mirror pitch, screens of rms phase 2 pi rad and correlation
    length 4 um (below the pitch: light scatters over the grid's whole angular range), 1 mm
    apart, outputs 2 camera-plane samples apart (about one grain across the DMD's width).
    """
    def make(opu):
        return lightsim.MultisliceMedium(
            opu.n_mirrors, opu.plane.n_grains, output_shape=opu.plane.shape,
            dmd_shape=opu.dmd.shape, grid=2048,
            n_screens=screens, spacing=1e-3, phase_rms=2 * math.pi,
            correlation_length=4e-6, output_stride=2, seed=opu.seed)
    return make


#: Medium factories ``(opu) -> medium``, called with the OPU built for the point (its
#: ``n_mirrors``, camera ``plane``, ``dmd`` and ``seed`` give the medium's shape and a
#: seed); the OPU is then rebuilt with ``medium=``. ``None``: the OPU's own
#: ``GaussianMedium``. A new medium for the study is one entry here.
MEDIA = {"gaussian": None, "multislice, 1 screen": _multislice(1),
         "multislice, 8 screens": _multislice(8)}


def medium_overrides(value, geometry: Geometry) -> Overrides:
    """The run option ``{"medium": value}`` (none for the default Gaussian medium)."""
    return Overrides({}, {}, {} if value == "gaussian" else {"medium": value})


AXES = (
    Axis("bits", "camera bit depth (bits; same analog signal)", (1, 2, 4, 6, 8, 10, 12),
         bits_overrides, quick=(1, 4, 8)),
    Axis("bits_bright", f"camera bit depth at {SATURATION_LASER_POWER:g} W (wells filled)",
         (1, 2, 4, 8), bits_bright_overrides, quick=(1, 8)),
    Axis("dither", f"read noise of a {DITHER_BITS}-bit camera (LSB rms: dither)",
         (0.1, 0.3, 1.0), dither_overrides, quick=(0.1, 1.0), scale="log"),
    Axis("laser_power", "laser power on the DMD (W; x: measured mean photons / pixel)",
         (1e-4, 1e-3, 1e-2, 1e-1, 1.0), _opu_keyword("laser_power"),
         quick=(1e-4, 1e-3, 1e-1), scale="log", measure="photons_per_pixel"),
    Axis("read_noise", "camera read noise (e- rms; 1 LSB = 39 e- at 8 bits)",
         (0.0, 2.5, 30.0, 300.0, 1000.0), _camera_keyword("read_noise"),
         quick=(0.0, 300.0), scale="symlog"),
    Axis("saturation", f"well fill at {SATURATION_LASER_POWER:g} W (x: measured saturated "
         f"pixels)", (0.25, 2.0, 8.0), saturation_overrides, quick=(0.25, 8.0), scale="log",
         measure="saturated_fraction"),
    Axis("threshold", "ternary threshold (fraction of max |e|)", (0.1, 0.25, 0.5),
         _feedback_keyword("threshold"), quick=(0.1, 0.5)),
    Axis("encoding", "error encoding", ("ternary", "bitplanes"),
         _feedback_keyword("encoding"), quick=("ternary",), scale="category"),
    Axis("holography", "holography scheme", ("4-frame", "2-frame"),
         _opu_keyword("holography"), quick=("4-frame", "2-frame"), scale="category"),
    Axis("dead_fraction", "DMD dead-mirror fraction", (0.0, 0.1, 0.9),
         _opu_keyword("dead_fraction"), quick=(0.0, 0.9)),
    Axis("contrast", "DMD contrast (ON / OFF power)", (1000.0, 10.0, 3.0),
         _opu_keyword("contrast"), quick=(1000.0, 3.0), scale="log"),
    Axis("decorrelation_time", "medium decorrelation time (s of optical time)",
         (100.0, 1000.0, 10000.0, None), decorrelation_overrides,
         quick=(100.0, None), scale="category", formats={None: "static"}),
    Axis("grains", "speckle grains per camera pixel", (1, 4), _opu_keyword("grains"),
         quick=(1, 4), scale="log"),
    Axis("reference_ratio", "reference-to-signal power ratio", (0.1, 1.0, 10.0),
         _opu_keyword("reference_ratio"), quick=(0.1, 10.0), scale="log"),
    Axis("normalize_rows", "feedback rows normalised by |s| (normalize_rows)",
         (False, True), _opu_keyword("normalize_rows"), quick=(False, True),
         scale="category"),
    Axis("power_noise", "laser power noise, frame to frame (relative rms)",
         (0.0, 0.01, 0.03, 0.1), _opu_keyword("power_noise"), quick=(0.0, 0.1),
         scale="symlog"),
    Axis("phase_jitter", "reference phase jitter, frame to frame (rad rms)",
         (0.0, 0.1, 0.3, 1.0), _opu_keyword("phase_jitter"), quick=(0.0, 1.0),
         scale="symlog"),
    Axis("calibration_budget", "calibration frames per input (rows normalised by the "
         "calibrated B)", (2, 8, 32), calibration_budget_overrides, quick=(2, 32),
         scale="log"),
    Axis("recalibration", f"recalibration interval (s of optical time) at a "
         f"{RECALIBRATION_DECORRELATION:g} s decorrelation time",
         (10.0, 50.0, None), recalibration_overrides, quick=(10.0, None),
         scale="category", formats={None: "once"}),
    Axis("medium", "scattering medium (i.i.d. Gaussian T, or phase screens 1 mm apart)",
         ("gaussian", "multislice, 1 screen", "multislice, 8 screens"),
         medium_overrides, quick=("gaussian",),
         scale="category"),
)

#: Reference lines: (name, method, preset).
REFERENCES = (("backprop", "backprop", None), ("digital", "digital", None),
              ("ideal", "optical", "ideal"), ("lighton", "optical", BASE_PRESET))


def _same(a, b) -> bool:
    return a == b and isinstance(a, bool) == isinstance(b, bool)


def without_defaults(overrides: Overrides, geometry: Geometry) -> Overrides:
    """``overrides`` minus the keywords equal to the OPU's / OpticalDFA's own defaults.

    So that a point is identified by what it changes: the preset's 8 bits on the bit-depth
    axis, its well fill on the saturation axis and the preset reference are one point.
    """
    opu_defaults = dataclasses.asdict(
        geometry.opu(preset=overrides.run.get("preset", BASE_PRESET)).config)
    feedback_defaults = {name: p.default for name, p in
                         inspect.signature(dfa.OpticalDFA).parameters.items()
                         if p.default is not p.empty}
    opu = {k: v for k, v in overrides.opu.items()
           if k not in opu_defaults or not _same(v, opu_defaults[k])}
    feedback = {k: v for k, v in overrides.feedback.items()
                if k not in feedback_defaults or not _same(v, feedback_defaults[k])}
    return Overrides(opu, feedback, dict(overrides.run))


def get_axis(name: str) -> Axis:
    """The axis called ``name`` (ValueError listing the known axes otherwise)."""
    for axis in AXES:
        if axis.name == name:
            return axis
    raise ValueError(f"unknown axis {name!r}; known axes: {', '.join(a.name for a in AXES)}")


# ---------------------------------------------------------------------------- construction
def build_feedback(config: dict):
    """The feedback object of a point's configuration (see :mod:`dfa.study.runner`).

    ``config["method"]`` is ``"backprop"``, ``"digital"`` (``DigitalDFA(seed=seed)``) or
    ``"optical"``: ``lightsim.OPU(n_in, n_out, preset=..., seed=seed, **config["opu"])``
    (medium from the run option ``"medium"``) fed to ``dfa.OpticalDFA(opu, seed=seed,
    **config["feedback"])``.
    """
    method, seed = config["method"], config["seed"]
    if method == "backprop":
        return dfa.Backprop()
    if method == "digital":
        return dfa.DigitalDFA(seed=seed)
    if method != "optical":
        raise ValueError(f"method must be 'backprop', 'digital' or 'optical', got {method!r}")
    run = dict(config["run"])
    preset = run.pop("preset", BASE_PRESET)
    medium_name = run.pop("medium", "gaussian")
    if medium_name not in MEDIA:
        raise ValueError(f"unknown medium {medium_name!r}; known: {sorted(MEDIA)}")
    if run:
        raise ValueError(f"unknown run option(s) {sorted(run)}; known: preset, medium")

    def make_opu(**extra):
        return lightsim.OPU(config["n_in"], config["n_out"], preset=preset, seed=seed,
                            **config["opu"], **extra)

    opu = make_opu()
    if MEDIA[medium_name] is not None:
        opu = make_opu(medium=MEDIA[medium_name](opu))
    return dfa.OpticalDFA(opu, **{"seed": seed, **config["feedback"]})
