"""The imperfection axes of the study and how a point's configuration becomes a trained setup.

An :class:`Axis` is a name, a label, a list of values and a function ``apply(value,
geometry) -> Overrides``: the ``lightsim.OPU`` keyword overrides, the ``dfa.OpticalDFA``
keyword overrides and the run options that set the imperfection to ``value``, everything
else staying at the ``"lighton"`` preset. :data:`AXES` holds the default axes, in order.

Adding things is local to this module:

* an **axis**: write its ``apply`` function and add an :class:`Axis` to :data:`AXES`;
* a **medium**: add a factory ``(opu) -> medium`` to :data:`MEDIA` and select it with the
  run option ``{"medium": name}``;
* an **encoding** (or any ``OpticalDFA`` option): return it in ``Overrides.feedback``;
* a **feedback wrapper** acting between batches (like :class:`DriftingFeedback`): add it to
  :data:`WRAPPERS` and select it with the run option ``{"wrap": {"name": ..., **kwargs}}``.

Run options understood by :func:`build_feedback`: ``"preset"`` (OPU preset, default
``"lighton"``), ``"medium"`` (a key of :data:`MEDIA`), ``"wrap"`` (see above).

Note on the recalibration axis: with ternary errors and 4-frame holography the calibration
term is subtracted from the ``e+`` and the ``e-`` projections alike and cancels in their
difference, so a stale calibration costs nothing there; drift acts through the change of the
feedback matrix itself, which the drift-rate axis measures.

Besides accuracy, every optical run measures the light on the camera
(:class:`CameraRecorder`): the mean photons per pixel and the fraction of saturated pixels
over every frame the camera captured during training.

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
import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

import dfa
import lightsim
from lightsim import checks

#: OPU preset every axis starts from.
BASE_PRESET = "lighton"
#: Recalibration interval (batches) of the drift-rate axis.
DRIFT_EVERY = 16
#: Per-batch medium correlation (``T <- rho T + sqrt(1 - rho**2) W``) of the recalibration
#: axis.
RECALIBRATION_RHO = 0.995


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


def photons_overrides(value, geometry: Geometry) -> Overrides:
    """Exposure for ``value`` mean photons per unit field intensity, camera gain compensated.

    The OPU's field unit is the mean intensity of one speckle grain with every signal
    mirror ON, so ``value`` is the mean photon count of such a pixel (``opu.photon_scale``).
    The exposure is set explicitly to reach it (the laser power stays at the preset); the
    camera's conversion gain is scaled so that the digital numbers per unit intensity stay
    those of the preset: quantisation is unchanged and only the photon statistics (shot
    noise against read and dark noise) change.
    """
    value = float(value)
    per_second = geometry.opu(exposure=1.0).photon_scale
    preset = geometry.opu()
    gain = preset.camera.gain * preset.photon_scale / value
    return Overrides({"exposure": value / per_second, "camera": preset_camera(gain=gain)},
                     {}, {})


def _drift(rho, every) -> Overrides:
    """Drift by ``rho`` before every batch, recalibrate every ``every`` batches (None: never).

    With macro-pixels the OPU updates its folded medium at each drift in one pass over the
    fresh matrix, whatever the number of earlier drifts.
    """
    return Overrides({}, {}, {"wrap": {"name": "drift", "rho": rho, "every": every}})


def drift_overrides(value, geometry: Geometry) -> Overrides:
    """Per-batch medium correlation ``value``, recalibrated every :data:`DRIFT_EVERY` batches."""
    return _drift(value, DRIFT_EVERY)


def recalibration_overrides(value, geometry: Geometry) -> Overrides:
    """Recalibration every ``value`` batches (None: never) under :data:`RECALIBRATION_RHO`."""
    return _drift(RECALIBRATION_RHO, value)


def bits_overrides(value, geometry: Geometry) -> Overrides:
    """Camera of ``value`` bits, its dark offset kept at the preset's level in electrons.

    The conversion gain follows the bit depth (``(2**bits - 1) / full_well``), so the preset's
    offset of 2 DN at 8 bits (78 electrons) becomes ``2 (2**bits - 1) / 255`` DN: without this,
    a fixed 2 DN offset would put a 1-bit camera's every pixel at its top code.
    """
    camera = lightsim.PRESETS[BASE_PRESET]["camera"]
    offset = camera["offset"] * (2**value - 1) / (2 ** camera["bits"] - 1)
    return Overrides({"camera": preset_camera(bits=value, offset=offset)}, {}, {})


AXES = (
    Axis("bits", "camera bit depth (bits)", (1, 2, 3, 4, 5, 6, 8, 10, 12), bits_overrides,
         quick=(1, 2, 4, 8)),
    Axis("photons", "photons per unit intensity (x: measured mean photons / pixel)",
         (1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0, 3000.0, 10000.0),
         photons_overrides, quick=(1.0, 10.0, 100.0, 1000.0), scale="log",
         measure="photons_per_pixel"),
    Axis("read_noise", "camera read noise (e- rms)",
         (0.0, 2.5, 10.0, 30.0, 100.0, 300.0, 1000.0, 3000.0),
         _camera_keyword("read_noise"), quick=(0.0, 100.0, 1000.0), scale="symlog"),
    Axis("saturation", "auto-exposure well fill (x: measured saturated pixels)",
         (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0), _opu_keyword("fill"),
         quick=(0.25, 2.0, 8.0), scale="log", measure="saturated_fraction"),
    Axis("threshold", "ternary threshold (fraction of max |e|)",
         (0.0, 0.1, 0.15, 0.25, 0.5, 0.75, 0.9), _feedback_keyword("threshold"),
         quick=(0.1, 0.25, 0.5)),
    Axis("encoding", "error encoding", ("ternary", "bitplanes"),
         _feedback_keyword("encoding"), quick=("ternary", "bitplanes"), scale="category"),
    Axis("holography", "holography scheme", ("4-frame", "2-frame"),
         _opu_keyword("holography"), quick=("4-frame", "2-frame"), scale="category"),
    Axis("dead_fraction", "DMD dead-mirror fraction", (0.0, 0.01, 0.1, 0.3, 0.6, 0.9),
         _opu_keyword("dead_fraction"), quick=(0.0, 0.3, 0.9)),
    Axis("contrast", "DMD contrast (ON / OFF power)",
         (10000.0, 1000.0, 100.0, 10.0, 3.0, 1.5), _opu_keyword("contrast"),
         quick=(1000.0, 10.0, 1.5), scale="log"),
    Axis("drift", f"medium correlation per batch (recalibrated every {DRIFT_EVERY} batches)",
         (1.0, 0.9999, 0.999, 0.995, 0.99, 0.95), drift_overrides,
         quick=(1.0, 0.999, 0.99), scale="category"),
    Axis("recalibration", f"recalibrate every K batches (drift rho={RECALIBRATION_RHO} "
         f"per batch)", (1, 4, 16, 64, None), recalibration_overrides, quick=(1, None),
         scale="category", formats={None: "never"}),
    Axis("grains", "speckle grains per camera pixel", (1, 2, 4, 8, 16),
         _opu_keyword("grains"), quick=(1, 4), scale="log"),
    Axis("reference_ratio", "reference-to-signal power ratio",
         (0.01, 0.1, 1.0, 10.0, 100.0), _opu_keyword("reference_ratio"),
         quick=(0.01, 1.0, 100.0), scale="log"),
    Axis("normalize_rows", "feedback rows normalised by |s| (normalize_rows)",
         (False, True), _opu_keyword("normalize_rows"), quick=(False, True),
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
    opu_defaults = geometry.opu(preset=overrides.run.get("preset", BASE_PRESET)).config
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


# ---------------------------------------------------------------------------- media
#: Medium factories ``(opu) -> medium``, called with the OPU built for the point (its
#: ``n_mirrors``, ``n_out``, ``grains`` and ``seed`` give the medium's shape and a seed); the
#: OPU is then rebuilt with ``medium=``. ``None``: the OPU's own ``GaussianMedium``.
MEDIA = {"gaussian": None}


# ---------------------------------------------------------------------------- wrappers
class _Wrapper:
    """Feedback that delegates to an inner feedback (the cost and the OPU are the inner's)."""

    def __init__(self, inner):
        self.inner = inner

    @property
    def cost(self):
        return self.inner.cost

    @property
    def opu(self):
        return self.inner.opu


class DriftingFeedback(_Wrapper):
    """Optical DFA on a drifting medium, recalibrated every ``every`` calls.

    Before each call of :meth:`hidden_deltas` (every training batch, and the end-of-epoch
    alignment measurement of :func:`dfa.train`) the medium ages by ``opu.drift(rho)``; on
    every ``every``-th call ``opu.calibrate()`` refreshes the reference term, at the cost of
    ``2 * opu.calibration_frames`` frames counted in ``opu.cost.calibration_frames``.

    Parameters
    ----------
    inner : dfa.OpticalDFA
    rho : float
        Per-call correlation of the medium, in ``[0, 1]``.
    every : int or None
        Recalibration interval in calls (``None``: never after the first calibration).
    """

    def __init__(self, inner, rho, every):
        super().__init__(inner)
        self.rho = checks.in_range("rho", rho, 0.0, 1.0)
        self.every = None if every is None else checks.integer("every", every, minimum=1)
        self.calls = 0
        self.calibrations = 0

    def hidden_deltas(self, model, cache, e):
        self.calls += 1
        self.opu.drift(self.rho)
        if self.every is not None and self.calls % self.every == 0:
            self.opu.calibrate()
            self.calibrations += 1
        return self.inner.hidden_deltas(model, cache, e)


#: Feedback wrappers selected by the run option ``{"wrap": {"name": ..., **kwargs}}``.
WRAPPERS = {"drift": DriftingFeedback}


class CameraRecorder:
    """Stands in for an OPU's camera and measures the light of every frame it captures.

    Installed as ``opu.camera`` (see :func:`build_feedback`), it forwards every attribute to
    the OPU's own camera, so the frames, their noise streams and the training are exactly
    those without it. For each :meth:`capture` it adds up the photons reaching the pixels
    and counts the saturated pixels: those whose noise-free reading
    (:meth:`lightsim.Camera.expected_dn`, which does not advance the noise stream) is the top
    code, i.e. the well is full or the code range clipped. Every frame counts: signal frames
    with the reference ON and OFF, and calibration frames.
    """

    def __init__(self, camera):
        self._camera = camera
        self.pixels = 0
        self.photons = 0.0
        self.saturated = 0

    def __getattr__(self, name):
        return getattr(self._camera, name)

    def capture(self, photons):
        photons = np.asarray(photons)
        top = self._camera.expected_dn(photons) >= self._camera.max_code - 0.5
        self.pixels += photons.size
        self.photons += float(photons.sum(dtype=np.float64))
        self.saturated += int(np.count_nonzero(top))
        return self._camera.capture(photons)

    def summary(self) -> dict:
        """``photons_per_pixel`` (mean over every pixel read) and ``saturated_fraction``."""
        if not self.pixels:
            return {"photons_per_pixel": math.nan, "saturated_fraction": math.nan}
        return {"photons_per_pixel": self.photons / self.pixels,
                "saturated_fraction": self.saturated / self.pixels}


# ---------------------------------------------------------------------------- construction
def build_feedback(config: dict):
    """The feedback object of a point's configuration (see :mod:`dfa.study.runner`).

    ``config["method"]`` is ``"backprop"``, ``"digital"`` (``DigitalDFA(seed=seed)``) or
    ``"optical"``: ``lightsim.OPU(n_in, n_out, preset=..., seed=seed, **config["opu"])``
    (medium from the run option ``"medium"``), its camera wrapped by a
    :class:`CameraRecorder`, fed to ``dfa.OpticalDFA(opu, **config["feedback"])`` and
    wrapped by the run option ``"wrap"``.
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
    wrap = run.pop("wrap", None)
    if run:
        raise ValueError(f"unknown run option(s) {sorted(run)}; known: preset, medium, wrap")

    def make_opu(**extra):
        return lightsim.OPU(config["n_in"], config["n_out"], preset=preset, seed=seed,
                            **config["opu"], **extra)

    opu = make_opu()
    if MEDIA[medium_name] is not None:
        opu = make_opu(medium=MEDIA[medium_name](opu))
    if opu.camera is not None:
        opu.camera = CameraRecorder(opu.camera)
    feedback = dfa.OpticalDFA(opu, **config["feedback"])
    if wrap is not None:
        wrap = dict(wrap)
        name = wrap.pop("name")
        if name not in WRAPPERS:
            raise ValueError(f"unknown feedback wrapper {name!r}; known: {sorted(WRAPPERS)}")
        feedback = WRAPPERS[name](feedback, **wrap)
    return feedback
