"""The optical processing unit: DMD -> scattering medium -> camera, with holographic readout.

:class:`OPU` is the only place where the stages are composed. It offers the two operations of
LightOn's API (``transform``: camera counts of ``|T x|**2``; ``linear_transform``: a real
linear projection recovered from intensities by reference holography) with every
imperfection of the chain switchable, and it counts the frames each call costs on the device.

Physical model
--------------
* **Signal.** ``N`` signal mirrors of the DMD (``N = n_in``, or the mirrors of the
  macro-pixel region). Mirror ``j`` sends the real amplitude ``a_j = g_j (x_j + c (1 -
  x_j))``: ``g_j`` the illumination amplitude, ``c = sqrt(1/contrast)`` the leak of an OFF
  mirror, stuck mirrors fixed ON or OFF whatever ``x_j``. The camera-plane field is
  ``T a(x)``, ``T`` the medium's ``(n_out g, N)`` matrix with ``E|T_ij|**2 = 1/N``. Field
  units: the mean intensity of one speckle grain with every signal mirror ON is 1.
* **Macro-pixels** (``macro_pixels=block``): feature ``k`` drives a block of mirrors
  (:class:`lightsim.dmd.MacroPixelLayout`). The field is affine in ``x``:
  ``T a(x) = F_0 + D x`` with ``D_k = sum_{j in block k} T_j (a_j^ON - a_j^OFF)`` and
  ``F_0 = T a(0)``. Both are computed once by streaming ``T`` (folding), so every call costs
  an ``(n_out g) x n_in`` product however many mirrors a feature uses, and the repeated
  mirrors are never materialised.
* **Reference.** The other mirrors of the DMD, all ON in reference frames, reach the camera
  through the same medium as a static field ``s``, which the medium computes
  (:meth:`lightsim.media.Medium.reference_field`; for :class:`~lightsim.media.GaussianMedium`
  a sum of many independent columns is itself circular Gaussian and independent of the
  signal columns, so ``s`` is drawn as ``sqrt(P_ref) CN(0, 1)`` per grain), with
  ``P_ref = reference_ratio / 2``: the reference-to-signal power ratio is taken against a
  frame with half the signal mirrors ON (``<|T x|**2> = 1/2``). When the reference
  mirrors are OFF they leak ``c s``.
* **Camera plane** (:mod:`lightsim.plane`). The ``n_out`` pixels read are a ROI of
  ``roi_shape = (rows, cols)`` output pixels; with the camera's charge-domain binning
  ``(by, bx)`` each is ``by x bx`` sensor pixels, and each sensor pixel integrates a block
  of ``grains = (gy, gx)`` speckle grains. The medium's outputs are the grain lattice of
  ``rows by gy x cols bx gx`` grains (row-major; a medium with a geometry gives its own
  ``output_shape``, which the ROI then follows). An output pixel sums ``G = by bx gy gx``
  independent grains: the contrast of its intensity falls as ``1 / sqrt(G)`` (Goodman,
  *Speckle Phenomena in Optics*, 2007, ch. 3).
* **Photons** (the speckle covers the sensor; the pixels read are a region of interest). The
  laser power ``P`` is spread over all ``n_dmd`` mirrors; a fraction ``transmission`` of each
  ON mirror's light reaches the sensor, where the speckle spreads it on average evenly over
  the ``sensor_pixels`` pixels of the sensor (``sensor_shape``, 1088 x 2040 for the preset,
  the format of LightOn's cameras in lightonml's device table), each integrating ``gy gx``
  grains. The pixels read get their share: light per sensor pixel never depends on how
  many pixels are read, and a binned output pixel collects the light of its ``by bx``
  sensor pixels. The mean photon count of a grain is ``photon_rate * exposure * I`` with
  ``photon_rate = N (P / n_dmd) transmission lambda / (h c sensor_pixels gy gx)`` photons
  per second per unit intensity (photon energy ``h c / lambda``), so shot noise has its
  physical size.
* **Exposure** (``exposure="auto"``, as the hardware adapts its exposure to the frames it is
  shown): one exposure per call (per batch of frames), chosen so that the brightest frame of
  that call fills the wells to ``fill`` of the full well on average, capped at the frame
  period ``1 / frame_rate``. The mean intensity of a frame is known from its ON mirrors:
  ``E|T a|**2 = sum_j a_j**2 / N`` per grain, plus the reference ``|r|**2 P_ref``. A number
  gives a fixed exposure (s). The exposure of every call is reported in
  :attr:`OPU.frame_stats`; readouts are converted back to field units with their own
  exposure, and the calibration (stored in field units) is rescaled to it.
* **Time and drift.** The OPU keeps an optical clock: the frames shown so far (calibration
  included) over the frame rate. With a finite ``decorrelation_time`` ``tau`` (s), before each
  call the medium ages by ``rho = exp(-dt / tau)`` for the optical time ``dt`` elapsed since
  its last update (``T <- rho T + sqrt(1 - rho**2) W``, the reference field ``s`` likewise,
  since it crosses the same medium; the holographic matrix ``B ~ Re(conj(s) T)`` then
  decorrelates as ``rho**2``). Host time between calls is not counted (an optimistic bound).
  Frames within one call see the same medium.
* **Temporal noise of the bench**, between the frames of one measurement (each frame ``f``
  draws its own values from a counter-based stream, so results do not depend on the batch
  size): the laser power of frame ``f`` is ``P (1 + delta_f)`` with ``delta_f`` of relative
  rms ``power_noise`` (log-normal, mean 1, so the power is never negative), scaling signal
  and reference alike; the reference phase is ``s exp(i phi_f)`` with ``phi_f ~ N(0,
  phase_jitter**2)`` (rad), for the reference ON and its leak OFF alike.
* **Readout** (:meth:`OPU.linear_transform`). A binary frame is shown twice, reference ON and
  OFF: ``I(x + r) - I(x + c r) = (1 - c**2)|s|**2 + 2 (1 - c) Re(conj(s) T a(x))``. The
  calibration ``C`` is the same difference with every signal mirror OFF, averaged over
  ``calibration_frames`` pairs; subtracting it leaves ``2 (1 - c)**2 Re(conj(s) T (g x))``,
  exact for binary ``x``, dark level and stuck mirrors cancelling. Signed inputs are split
  ``x = x+ - x-`` (ternary, 4 frames). ``holography="2-frame"`` shows only ``x+ + r`` and
  ``x- + r``: ``I(x+ + r) - I(x- + r) = 2 (1 - c) Re(conj(s) T g (x+ - x-)) + |T a+|**2 -
  |T a-|**2``; the last (signal-signal) term is a bias whose size relative to the cross term
  falls as ``1 / sqrt(reference_ratio)``. Real inputs go through sign bit planes.

References
----------
Wang et al., "Optical training of large-scale Transformers and deep neural networks with
direct feedback alignment", arXiv:2409.12965 (2024). Saade et al., "Random projections
through multiple optical scattering", ICASSP 2016. Ohana et al., "Kernel computations from
large-scale random features obtained by optical processing units", ICASSP 2020.
"""

from __future__ import annotations

import math
import time

import numpy as np

from . import _kernels, checks, resources, streams
from .accounting import Cost, FrameStatistics
from .camera import Camera
from .dmd import DMD, MacroPixelLayout, check_binary
from .encoders import Encoder
from .holography import reference_projection
from .media import GaussianMedium, Medium
from .plane import CameraPlane
from .presets import PLANCK, SPEED_OF_LIGHT, OPUConfig
from .readout import BinaryHolography, Readout, readout_for

ENCODINGS = ("auto", "binary", "ternary", "bitplanes")


class _Configured:
    """A read-only OPU attribute that reads the OPU's :class:`~lightsim.presets.OPUConfig`."""

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, opu, owner=None):
        return self if opu is None else getattr(opu.config, self.name)

    def __set__(self, opu, value):
        raise AttributeError(f"OPU.{self.name} is configuration: build a new OPU (or pass "
                             f"dataclasses.replace(opu.config, {self.name}=...) values)")


class OPU:
    """A simulated optical processing unit.

    Parameters
    ----------
    n_in : int
        Number of signal mirrors (input features).
    n_out : int
        Number of output pixels read (output features): a ROI of ``roi_shape`` that fits on
        the sensor (binning included).
    preset : {"ideal", "lighton"}
        Hardware defaults (see :data:`PRESETS`); any keyword below overrides them.
    seed : int
        Seeds the medium, the reference field, the DMD defects, the camera noise and the
        bench's temporal noise (each through its own stream): the same seed gives the same
        numbers bit for bit.
    medium : lightsim.media.Medium, optional
        Any medium with ``N`` inputs (:attr:`n_mirrors`: ``n_in``, or the macro-pixel region)
        and one output per grain of the camera plane (:attr:`plane`); default a
        ``GaussianMedium`` seeded from ``seed``.
    dmd : DMD, optional
        Default built from ``dmd_shape``, ``pitch``, ``contrast``, ``dead_fraction``.
    camera : Camera, dict or None, optional
        ``None`` is an ideal detector: :meth:`transform` returns ``|T a|**2`` exactly
        (float32, field units) and no photon is counted. A dict gives :class:`Camera`
        keywords (its exposure and seed are set by the OPU); its ``binning`` bins sensor
        pixels into output pixels on the camera plane. Default: the preset's.
    **options
        Override preset values: ``wavelength`` (m), ``laser_power`` (W, on the DMD),
        ``transmission`` (fraction of an ON mirror's power reaching the sensor),
        ``sensor_shape`` (rows, cols of the sensor the speckle covers; a ROI of it is read),
        ``roi_shape`` (rows, cols of the output pixels read, ``rows * cols = n_out``; default
        the medium's output lattice for a medium with a geometry, else the most nearly square
        rectangle), ``exposure`` (s, or ``"auto"``: see the module docstring), ``fill``
        (target mean well fill of the brightest frame of a call), ``frame_rate`` (1/s),
        ``device_power`` (W, for the cost model), ``reference_ratio`` (``<|s|**2> /
        <|T x|**2>`` for half-ON signal frames), ``grains`` (speckle grains per sensor
        pixel: a block ``(gy, gx)``, or a number laid out as the most nearly square block),
        ``decorrelation_time`` (s, field decorrelation time of the medium on the
        optical clock; ``inf``: static), ``power_noise`` (relative rms of the laser power
        from frame to frame), ``phase_jitter`` (rms of the reference phase from frame to
        frame, rad), ``contrast``, ``dead_fraction``, ``dmd_shape``, ``pitch``,
        ``macro_pixels`` (``None``, or the block ``(rows, cols)`` of mirrors, or an int for a
        square block, that each feature drives; ``"auto"``: the largest square block that
        fits), and ``normalize_rows`` (divide every output pixel of
        :meth:`linear_transform`, and every row of :meth:`effective_matrix`, by ``|s_k|``:
        makes ``B`` i.i.d. Gaussian but amplifies the noise of pixels that see little
        reference light; see :mod:`lightsim.holography`), ``holography`` (``"4-frame"`` or
        ``"2-frame"``), ``calibration_frames`` (pairs averaged by :meth:`calibrate`),
        ``phase_stepping`` (the bench can step the reference phase: :meth:`phase_stepped`;
        ``False`` on both presets, as LightOn's OPU, which reads the zeroth order of an
        amplitude-only DMD, cannot).

    Examples
    --------
    >>> import numpy as np
    >>> opu = OPU(1000, 2000, preset="lighton", seed=1)
    >>> x = np.random.default_rng(0).random((4, 1000)) > 0.5
    >>> counts = opu.transform(x)          # camera counts
    >>> counts.dtype, counts.shape
    (dtype('uint8'), (4, 2000))
    >>> y = opu.linear_transform(x)        # ~ x @ opu.effective_matrix().T
    >>> round(opu.frame_stats.photons_per_pixel)  # light on the camera so far
    29
    """

    wavelength = _Configured()
    laser_power = _Configured()
    transmission = _Configured()
    frame_rate = _Configured()
    device_power = _Configured()
    reference_ratio = _Configured()
    fill = _Configured()
    grains = _Configured()
    sensor_shape = _Configured()
    decorrelation_time = _Configured()
    power_noise = _Configured()
    phase_jitter = _Configured()
    normalize_rows = _Configured()
    holography = _Configured()
    calibration_frames = _Configured()
    phase_stepping = _Configured()

    def __init__(self, n_in, n_out, *, preset="lighton", seed=0, medium=None, dmd=None,
                 camera="preset", **options):
        self.n_in = checks.integer("n_in", n_in, minimum=1)
        self.n_out = checks.integer("n_out", n_out, minimum=1)
        camera_object = camera if isinstance(camera, Camera) else None
        if camera_object is not None:
            camera = camera.parameters()
        elif not (camera is None or isinstance(camera, dict)
                  or (isinstance(camera, str) and camera == "preset")):
            raise TypeError(f"camera must be a Camera, a dict of Camera keywords or None, got "
                            f"{type(camera).__name__}")
        self.config = OPUConfig.from_preset(preset, camera=camera, **options)
        self.preset = preset
        self.seed = checks.seed("seed", seed)
        config = self.config
        if dmd is None:
            dmd = DMD(shape=config.dmd_shape, pitch=config.pitch, contrast=config.contrast,
                      dead_fraction=config.dead_fraction, seed=self._substream(2))
        if not isinstance(dmd, DMD):
            raise TypeError(f"dmd must be a lightsim.DMD, got {type(dmd).__name__}")
        self.dmd = dmd
        block = config.macro_pixels
        self.layout = None if block is None else MacroPixelLayout(
            self.n_in, dmd.shape, block=None if block == "auto" else block)
        self.n_mirrors = self.n_in if self.layout is None else self.layout.n_mirrors_used
        if self.n_mirrors > dmd.n_mirrors:
            raise ValueError(f"n_in={self.n_in} exceeds the {dmd.n_mirrors} mirrors of the DMD")
        if medium is not None and not isinstance(medium, Medium):
            raise TypeError(f"medium must be a lightsim.Medium, got {type(medium).__name__}")
        self.camera = self._build_camera(camera_object or config.camera)
        self.plane = self._lay_out(medium)
        if medium is None:
            # folding streams T once: no need to keep a large dense copy
            medium = GaussianMedium(self.n_mirrors, self.plane.n_grains,
                                    seed=self._substream(1),
                                    cache="auto" if self.layout is None else False)
        if (medium.n_out, medium.n_in) != (self.plane.n_grains, self.n_mirrors):
            raise ValueError(f"medium has shape (n_out, n_in) = ({medium.n_out}, "
                             f"{medium.n_in}), expected (grains on the camera plane, signal "
                             f"mirrors) = ({self.plane.n_grains}, {self.n_mirrors}): "
                             f"{self.plane.shape[0]} x {self.plane.shape[1]} grains for "
                             f"n_out={self.n_out} pixels")
        self.medium = medium
        self._folded = None
        resources.check_memory(
            f"OPU({self.n_in}, {self.n_out}) with {self.plane.n_grains} camera-plane grains",
            48.0 * self.plane.n_grains, hint="read fewer pixels or fewer grains per pixel")
        self.reference = self._reference_through(medium)
        self._mirror_power = self._mirror_powers()
        self.cost = Cost(self.frame_rate, self.device_power)
        self.frame_stats = FrameStatistics()
        self.last_frame_stats = FrameStatistics()
        self._calibration = None
        self._drifts = 0
        self._frames_shown = 0
        self._medium_clock = 0.0

    # ------------------------------------------------------------------ description
    def parameters(self) -> dict:
        """What the instrument was built from, as plain data (numbers, strings, arrays).

        Keys ``n_in``, ``n_out``, ``preset``, ``seed``, ``options`` (every configuration value
        but the camera), ``medium``, ``dmd`` and, with a camera, ``camera`` (each stage's own
        ``parameters()``). :func:`lightsim.io.load_opu` rebuilds the stages from them; what
        happened to the instrument since (drifts, frames shown, calibration) is
        :meth:`state`.
        """
        params = dict(n_in=self.n_in, n_out=self.n_out, preset=self.preset, seed=self.seed,
                      options=self.config.options(), medium=self.medium.parameters(),
                      dmd=self.dmd.parameters())
        if self.camera is not None:
            params["camera"] = self.camera.parameters()
        return params

    def state(self) -> dict:
        """The instrument's history: everything a rebuilt OPU needs to continue identically.

        Keys: ``drifts`` (drift steps so far: they seed the next one), ``frames_shown`` (the
        optical clock and the temporal-noise stream), ``medium_clock`` (s, optical time of
        the medium's last update), ``exposure`` (s, of the last call; None without camera),
        ``reference`` (the reference field per grain), ``cost`` and ``frame_stats`` (their
        counters), and when present ``calibration`` (field units), ``capture_index`` (the
        camera's next noise stream) and ``fold_signal`` / ``fold_base`` (the macro-pixel fold,
        kept as updated by drifts, so that a restored OPU agrees bit for bit).
        """
        state = dict(drifts=self._drifts, frames_shown=self._frames_shown,
                     medium_clock=self._medium_clock, exposure=self.exposure,
                     reference=self.reference.copy(),
                     cost=dict(frames=self.cost.frames,
                               calibration_frames=self.cost.calibration_frames,
                               calls=self.cost.calls, wall_time=self.cost.wall_time),
                     frame_stats=dict(frames=self.frame_stats.frames,
                                      pixels=self.frame_stats.pixels,
                                      photons=self.frame_stats.photons,
                                      saturated=self.frame_stats.saturated,
                                      exposure=self.frame_stats.exposure))
        if self._calibration is not None:
            state["calibration"] = self._calibration.copy()
        if self.camera is not None:
            state["capture_index"] = self.camera.capture_index
        if self._folded is not None:
            state["fold_signal"], state["fold_base"] = (a.copy() for a in self._folded)
        return state

    def restore(self, state):
        """Continue from ``state`` (a :meth:`state` of an OPU with the same parameters).

        Raises
        ------
        ValueError
            When a field is missing or has the wrong shape for this instrument.
        """
        required = {"drifts", "frames_shown", "medium_clock", "exposure", "reference", "cost",
                    "frame_stats"}
        missing = required - set(state)
        if missing:
            raise ValueError(f"state is missing {sorted(missing)}")
        reference = checks.finite_array("reference", state["reference"])
        if reference.shape != self.reference.shape:
            raise ValueError(f"state reference must have shape {self.reference.shape}, got "
                             f"{reference.shape}")
        fold = None
        if "fold_signal" in state:
            if self.layout is None:
                raise ValueError("state has a macro-pixel fold but this OPU has no layout")
            fold = (checks.finite_array("fold_signal", state["fold_signal"]),
                    checks.finite_array("fold_base", state["fold_base"]))
            expected = ((self.n_in, self.reference.size), (self.reference.size,))
            if tuple(a.shape for a in fold) != expected:
                raise ValueError(f"state fold must have shapes {expected}, got "
                                 f"{tuple(a.shape for a in fold)}")
        self._drifts = checks.integer("drifts", state["drifts"], minimum=0)
        self._frames_shown = checks.integer("frames_shown", state["frames_shown"], minimum=0)
        self._medium_clock = checks.non_negative("medium_clock", state["medium_clock"])
        if self.camera is not None:
            self.exposure = checks.positive("exposure", state["exposure"])
            self.camera.reset(state.get("capture_index", 0))
        self.reference = reference.astype(np.complex64)
        self._calibration = None
        if state.get("calibration") is not None:
            self.calibration = state["calibration"]
        self._folded = None if fold is None else tuple(np.ascontiguousarray(a) for a in fold)
        for name, value in state["cost"].items():
            setattr(self.cost, name, value)
        self.frame_stats = FrameStatistics(**state["frame_stats"])
        return self

    # ------------------------------------------------------------------ construction
    def _substream(self, index):
        """A 63-bit seed for sub-component ``index``, derived from the OPU seed."""
        return streams.derived_seed(self.seed, index)

    def _build_camera(self, spec):
        if spec is None:
            self.exposure = None
            return None
        # the exposure of the last call (s); before any call, the frame period or the fixed one
        self.exposure = 1.0 / self.frame_rate if self.auto_exposure else self.config.exposure
        if isinstance(spec, Camera):
            return spec
        return Camera(**dict(spec, exposure=self.exposure, seed=self._substream(4)))

    def _lay_out(self, medium):
        """The :class:`~lightsim.plane.CameraPlane` of the ROI, its grains and the binning.

        The ROI is ``roi_shape``, else the medium's output lattice (a medium with a
        geometry), else :meth:`~lightsim.plane.CameraPlane.on_sensor`; it must hold the
        ``n_out`` pixels and fit on the sensor.
        """
        binning = (1, 1) if self.camera is None else self.camera.binning
        lattice = None if medium is None else medium.output_shape
        if self.config.roi_shape is not None:
            rows, cols = self.config.roi_shape
            if rows * cols != self.n_out:
                raise ValueError(f"roi_shape={self.config.roi_shape} holds {rows * cols} "
                                 f"output pixels, expected n_out={self.n_out}")
            plane = CameraPlane((rows, cols), self.grains, binning)
        elif lattice is not None:
            plane = CameraPlane.of_lattice(lattice, self.grains, binning, self.n_out)
        else:
            plane = CameraPlane.on_sensor(self.n_out, self.grains, binning, self.sensor_shape)
        if lattice is not None and tuple(lattice) != plane.shape:
            raise ValueError(f"the medium's output lattice {tuple(lattice)} differs from the "
                             f"camera plane's {plane.shape} grains (roi_shape "
                             f"{plane.roi_shape} x binning {plane.binning} x grains "
                             f"{plane.grains})")
        rows, cols = plane.pixel_shape
        if rows > self.sensor_shape[0] or cols > self.sensor_shape[1]:
            raise ValueError(f"n_out={self.n_out} output pixels laid out as {plane.roi_shape[0]}"
                             f" x {plane.roi_shape[1]} (binning {plane.binning}) cover {rows} x "
                             f"{cols} sensor pixels, more than the sensor's "
                             f"{self.sensor_shape[0]} x {self.sensor_shape[1]}: give a "
                             f"roi_shape that fits")
        return plane

    def _reference_through(self, medium):
        """The reference field per grain: the reference mirrors' light through ``medium``."""
        reference = medium.reference_field(self.reference_ratio / 2, self._substream(3))
        if reference.shape != (self.plane.n_grains,):
            raise ValueError(f"{type(medium).__name__}.reference_field returned shape "
                             f"{reference.shape}, expected ({self.plane.n_grains},)")
        return reference

    @property
    def auto_exposure(self) -> bool:
        """Whether each call chooses its exposure (``exposure="auto"``)."""
        return isinstance(self.config.exposure, str)

    @property
    def sensor_pixels(self) -> int:
        """Pixels of the whole sensor (the speckle covers it; the ROI's are read)."""
        return int(self.sensor_shape[0] * self.sensor_shape[1])

    @property
    def photon_rate(self) -> float:
        """Mean photons per second of one grain per unit field intensity.

        ``N (P / n_dmd) transmission / (h c / lambda) / (sensor_pixels gy gx)``: the light
        of the ``N`` signal mirrors spread over the whole sensor, ``gy x gx`` grains per
        sensor pixel.
        """
        photon_energy = PLANCK * SPEED_OF_LIGHT / self.wavelength
        per_mirror = self.laser_power / self.dmd_mirrors * self.transmission
        grains = self.sensor_pixels * self.plane.grains_per_pixel
        return self.n_mirrors * per_mirror / photon_energy / grains

    @property
    def photon_scale(self) -> float | None:
        """Mean photons of one grain per unit intensity at :attr:`exposure` (None: ideal)."""
        return None if self.camera is None else self.photon_rate * self.exposure

    @property
    def dmd_mirrors(self) -> int:
        """Number of mirrors of the whole DMD (signal and reference)."""
        return int(np.prod(self.config.dmd_shape))

    def _mirror_powers(self):
        """``(sum_j a_j(0)**2, per-feature increase)``: signal power of a frame is affine in x.

        Mirror power ``a_j**2`` summed over the signal mirrors for an all-OFF frame, and the
        increase when feature ``k`` turns ON (its macro-pixel block), float64.
        """
        frames = np.zeros((2, self.n_mirrors), dtype=bool)
        frames[1] = True
        off, on = self.dmd.effective_input(frames).astype(np.float64) ** 2
        delta = on - off
        if self.layout is not None:
            delta = delta[self.layout.mirror_indices].sum(axis=1)
        return float(off.sum()), delta

    def mean_intensity(self, X, reference_scale=0.0) -> np.ndarray:
        """Expected intensity of an output pixel (field units, its grains summed).

        ``G (sum_j a_j(x)**2 / N + reference_scale**2 P_ref)`` for binary frames ``X``, with
        ``G`` the grains of an output pixel (binning included), from the ON mirrors alone
        (``E|T_kj|**2 = 1 / N``): what the hardware's auto exposure can know before a frame
        is shown.
        """
        base, delta = self._mirror_power
        signal = (base + np.asarray(X, dtype=np.float64) @ delta) / self.n_mirrors
        return self.plane.grains_per_output * (signal
                                               + reference_scale**2 * self.reference_ratio / 2)

    def _call_exposure(self, brightest):
        """Exposure (s) of a call whose brightest frame has mean intensity ``brightest``."""
        if self.camera is None:
            return None
        if not self.auto_exposure:
            return self.exposure
        saturation_photons = self.camera.full_well / self.camera.quantum_efficiency
        per_second = self.photon_rate * max(float(brightest), 1e-300)
        return min(self.fill * saturation_photons / per_second, 1.0 / self.frame_rate)

    # ------------------------------------------------------------------ physics
    def _check_binary(self, X, name="X"):
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != self.n_in:
            raise ValueError(f"{name} must have shape (n_samples, {self.n_in}), got {X.shape}")
        return self.dmd.check_binary(X, name=name)

    @property
    def leak(self) -> float:
        """Field amplitude ``c = sqrt(1/contrast)`` leaked by an OFF mirror."""
        return float(self.dmd.leak)

    def _fold_of(self, medium):
        """``(D.T, F_0)`` of ``medium`` for the macro-pixel layout (one streamed pass)."""
        frames = np.zeros((2, self.n_mirrors), dtype=bool)
        frames[1] = True
        off, on = self.dmd.effective_input(frames)
        rows = np.zeros((self.n_in + 1, self.n_mirrors), dtype=np.float32)
        idx = self.layout.mirror_indices
        rows[np.arange(self.n_in)[:, None], idx] = on[idx] - off[idx]
        rows[-1] = off
        folded = medium.apply(rows)
        return np.ascontiguousarray(folded[:-1]), folded[-1].copy()

    def _fold(self):
        """``(D.T, F_0)``: ``(n_in, n_out g)`` and ``(n_out g,)``, folded once and cached."""
        if self._folded is None:
            self._folded = self._fold_of(self.medium)
        return self._folded

    def _check_call(self, n):
        """Refuse a call of ``n`` frames that cannot fit in memory; warn before a long one.

        Memory: about 32 bytes per frame and camera-plane grain (the complex64 field, the
        float32 photons and the camera's float64 work arrays). Time: the transmission
        matrix a streamed medium regenerates on every call, or the macro-pixel fold's single
        pass over every mirror (:mod:`lightsim.resources`).
        """
        grains = self.plane.n_grains
        resources.check_memory(f"a call of {n} frame(s) on {grains} camera-plane grains",
                               32.0 * n * grains, hint="show fewer frames per call")
        entries = 0
        if self.layout is not None:
            if self._folded is None:
                entries = self.n_mirrors * grains
        elif getattr(self.medium, "cached", True) is False:
            entries = self.n_mirrors * grains
        resources.warn_if_long(
            f"generating the {self.n_mirrors} x {grains} transmission matrix for this call",
            entries * resources.SECONDS_PER_GENERATED_ENTRY,
            hint="read fewer pixels or use fewer mirrors", stacklevel=4)  # the user's call

    def _fields(self, X):
        """Camera-plane signal field ``T a(x)`` (complex64, per grain) of binary frames."""
        self._check_call(X.shape[0])
        if self.layout is None:
            return self.medium.apply(self.dmd.effective_input(X))
        d_t, base = self._fold()
        fields = np.empty((X.shape[0], d_t.shape[1]), dtype=np.complex64)
        _kernels.affine_fields(X.view(np.uint8) if X.dtype == bool else X, d_t, base, fields)
        return fields

    def _intensity(self, fields, reference_scale, scale=1.0):
        """``scale`` times the sensor-pixel intensity of ``fields + reference_scale s``.

        ``reference_scale`` (complex) and ``scale`` are scalars or one value per frame; the
        grains of each sensor pixel of the ROI are summed. float32 ``(n_frames, rows by cols
        bx)``, row-major (field units times ``scale``).
        """
        n = fields.shape[0]
        factors = np.broadcast_to(np.asarray(reference_scale, dtype=np.complex64), (n,))
        scales = np.broadcast_to(np.asarray(scale, dtype=np.float32), (n,))
        rows, cols = self.plane.pixel_shape
        out = np.empty((n, rows * cols), dtype=np.float32)
        gy, gx = self.plane.grains
        _kernels.speckle_photons(fields, self.reference, np.ascontiguousarray(factors),
                                 np.ascontiguousarray(scales), gy, gx, self.plane.shape[1],
                                 out)
        return out

    def _temporal_noise(self, n):
        """Per-frame laser power factors and reference phasors of the next ``n`` frames."""
        first = self._frames_shown
        power = np.ones(n)
        phasor = np.ones(n, dtype=np.complex128)
        if self.power_noise > 0:  # log-normal of mean 1 and relative rms power_noise
            s2 = math.log1p(self.power_noise**2)
            power = np.exp(math.sqrt(s2) * streams.counter_normals(self._substream(6), 0, first, n)
                           - s2 / 2)
        if self.phase_jitter > 0:
            phase = self.phase_jitter * streams.counter_normals(self._substream(7), 0, first, n)
            phasor = np.exp(1j * phase)
        return power, phasor

    def _show(self, fields, reference_scale, exposure):
        """Show frames: camera counts (DN, uint), or exact intensities (float32) if ideal.

        ``fields`` are the signal fields of the frames, ``reference_scale`` the reference
        amplitude (1 ON, the leak OFF), ``exposure`` the call's exposure (s). Advances the
        frame counter (the temporal-noise stream) and the frame statistics.
        """
        n = fields.shape[0]
        power, phasor = self._temporal_noise(n)
        scale = 1.0 if self.camera is None else self.photon_rate * exposure
        photons = self._intensity(fields, reference_scale * phasor, scale * power)
        self._frames_shown += n
        by, bx = self.plane.binning
        stats = FrameStatistics(frames=n, pixels=n * self.n_out * by * bx)
        if self.camera is None:
            self.last_frame_stats.add(stats)
            return self._read(photons)
        self.exposure = exposure
        binned = self._read(photons) if (by, bx) == (1, 1) else self.plane.bin_pixels(
            photons.astype(np.float64))
        stats.photons = float(binned.sum(dtype=np.float64))
        stats.saturated = int(np.count_nonzero(binned >= self._saturation_photons(exposure)))
        stats.exposure = n * exposure
        self.last_frame_stats.add(stats)
        counts = self.camera.capture(photons.reshape(n, *self.plane.pixel_shape),
                                     exposure=exposure)
        return self._read(counts.reshape(n, -1))

    def _read(self, frames):
        """The ``n_out`` pixels read of frames ``(n, rows cols)`` of the whole ROI."""
        return frames if frames.shape[1] == self.n_out else frames[:, :self.n_out]

    def _frames(self, fields, reference_scale, exposure):
        """:meth:`_show` as float64 (DN, or field units for the ideal detector)."""
        return self._show(fields, reference_scale, exposure).astype(np.float64)

    def _saturation_photons(self, exposure):
        """Mean photons from which the noise-free reading is the top code (full well or ADC)."""
        cam = self.camera
        electrons = min(cam.full_well, (cam.max_code - 0.5 - cam.offset) / cam.gain)
        return (electrons - cam.dark_current * exposure) / cam.quantum_efficiency

    def _begin_call(self):
        """Age the medium to the optical clock and open the frame statistics of a call."""
        if self.decorrelation_time < math.inf:
            elapsed = self.optical_clock - self._medium_clock
            if elapsed > 0:
                self.drift(math.exp(-elapsed / self.decorrelation_time))
                self._medium_clock = self.optical_clock
        self.last_frame_stats = FrameStatistics()

    def _end_call(self, frames, t0, *, calibration=False):
        self.frame_stats.add(self.last_frame_stats)
        self.cost.add(frames, time.perf_counter() - t0, calibration=calibration)

    @property
    def optical_clock(self) -> float:
        """Optical time elapsed on the device (s): frames shown so far over the frame rate."""
        return self._frames_shown / self.frame_rate

    # ------------------------------------------------------------------ public API
    def transform(self, X):
        """Camera counts of ``|T a(x)|**2`` for binary ``X`` of shape ``(n_samples, n_in)``.

        One frame per row, with the reference mirrors OFF (their leak included), at the
        call's exposure (see the module docstring).

        Returns
        -------
        ndarray ``(n_samples, n_out)``
            uint8/uint16 counts (DN), or float32 intensities (field units) for an ideal
            detector (``camera=None``).
        """
        t0 = time.perf_counter()
        X = self._check_binary(X)
        self._begin_call()
        exposure = self._call_exposure(self.mean_intensity(X, self.leak).max(initial=0.0))
        out = self._show(self._fields(X), self.leak, exposure)
        self._end_call(X.shape[0], t0)
        return out

    def phase_stepped(self, X, n_steps=4):
        """Camera counts of ``|T a(x) + exp(i phi_k) s|**2``: each binary frame of ``X`` shown
        with the reference ON at ``n_steps`` phases ``phi_k = 2 pi k / n_steps``.

        The measurement of N-step phase-shifting holography (S. M. Popoff et al., "Measuring
        the transmission matrix in optics", Phys. Rev. Lett. 104, 100601 (2010)): with
        :func:`lightsim.holography.phase_shifting` the steps give ``s conj(T a(x))`` per
        grain, summed over the grains of a pixel. It needs a bench that can step the phase
        of its reference (``phase_stepping=True``): for instance a setup that reads the first
        diffraction order, where shifting the binary grating shown on the reference mirrors
        by ``k / n_steps`` of its period steps the reference phase by ``phi_k`` (W.-H. Lee,
        Appl. Opt. 18, 3661 (1979); D. B. Conkey et al., Opt. Express 20, 1733 (2012)).
        Model assumption: the step changes the phase of ``s`` only, not its amplitude. The
        reference's temporal noise (``phase_jitter``, ``power_noise``) applies to every
        frame.

        Parameters
        ----------
        X : ndarray ``(n_samples, n_in)``, binary
        n_steps : int
            Phase steps per frame, at least 3.

        Returns
        -------
        ndarray ``(n_steps, n_samples, n_out)``
            Counts (DN) as :meth:`transform`, one exposure for the call; ``n_steps *
            n_samples`` frames are counted.

        Raises
        ------
        ValueError
            An OPU built with ``phase_stepping=False``, or ``n_steps < 3``.
        """
        if not self.phase_stepping:
            raise ValueError("this OPU cannot step its reference phase (phase_stepping=False,"
                             " as on both presets: LightOn's OPU reads the zeroth order of "
                             "an amplitude-only DMD); build it with phase_stepping=True to "
                             "model a bench that can")
        n_steps = checks.integer("n_steps", n_steps, minimum=3)
        t0 = time.perf_counter()
        X = self._check_binary(X)
        self._check_call(n_steps * X.shape[0])  # the frames shown, not the rows given
        self._begin_call()
        exposure = self._call_exposure(self.mean_intensity(X, 1.0).max(initial=0.0))
        fields = self._fields(X)
        steps = np.exp(2j * np.pi * np.arange(n_steps) / n_steps)
        out = self._show(np.tile(fields, (n_steps, 1)), np.repeat(steps, X.shape[0]),
                         exposure)
        self._end_call(n_steps * X.shape[0], t0)
        return out.reshape(n_steps, X.shape[0], self.n_out)

    def calibrate(self):
        """Measure the reference term ``C = I(0 + r) - I(0 + c r)``, averaged.

        Called by the first :meth:`linear_transform`; call it again after :meth:`drift` to
        refresh a stale calibration. Costs ``2 * calibration_frames`` frames. ``C`` is stored
        in field units (divided by the counts per unit intensity at the calibration's
        exposure), so that calls at another exposure can rescale it.
        """
        t0 = time.perf_counter()
        self._begin_call()
        n = self.calibration_frames
        dark = np.zeros((n, self.n_in), dtype=bool)
        exposure = self._call_exposure(self.mean_intensity(dark[:1], 1.0)[0])
        dark_fields = self._fields(dark)
        difference = (self._frames(dark_fields, 1.0, exposure)
                      - self._frames(dark_fields, self.leak, exposure))
        self._calibration = difference.mean(axis=0) / self.counts_per_unit_intensity_at(exposure)
        self._end_call(2 * n, t0, calibration=True)

    @property
    def calibration(self):
        """The calibrated reference term ``C`` per pixel (field units; None before)."""
        return None if self._calibration is None else self._calibration.copy()

    @calibration.setter
    def calibration(self, values):
        values = checks.finite_array("calibration", values, complex_ok=False)
        if values.shape != (self.n_out,):
            raise ValueError(f"calibration must have shape ({self.n_out},), got {values.shape}")
        self._calibration = values.astype(np.float64)

    def counts_per_unit_intensity_at(self, exposure) -> float:
        """Mean DN above the dark level per unit field intensity of a pixel at ``exposure``
        (s); 1 for an ideal detector."""
        if self.camera is None:
            return 1.0
        return self.photon_rate * exposure * self.camera.quantum_efficiency * self.camera.gain

    def dark_level(self, exposure) -> float:
        """Mean reading (DN) of a pixel that receives no light at ``exposure`` (s): offset
        plus dark signal, what EMVA 1288 dark frames measure; 0 for an ideal detector."""
        if self.camera is None:
            return 0.0
        return float(self.camera.expected_dn(np.zeros(1), exposure=exposure)[0])

    @property
    def counts_per_unit_intensity(self) -> float:
        """Mean DN per unit field intensity of a pixel at :attr:`exposure` (1 if ideal)."""
        return self.counts_per_unit_intensity_at(self.exposure)

    def cross_term(self, rows, exposure):
        """``2 (1 - c)**2 Re(conj(s) T g x)`` per pixel (DN) of binary ``rows``.

        Shows each row twice, reference ON and OFF, and subtracts the calibration (rescaled
        to ``exposure``); a measurement primitive of the readout schemes
        (:mod:`lightsim.readout`), inside a call (frames are counted by the caller).
        """
        fields = self._fields(rows)
        with_ref = self._show(fields, 1.0, exposure)
        without = self._show(fields, self.leak, exposure)
        calibration = self._calibration * self.counts_per_unit_intensity_at(exposure)
        if with_ref.dtype.kind == "u":
            # camera counts: their difference is exact in int32, and as float64 it is the
            # value reference_projection computes, bit for bit, without two float copies
            difference = np.subtract(with_ref, without, dtype=np.int32)
            return np.subtract(difference, calibration, dtype=np.float64)
        return reference_projection(with_ref.astype(np.float64), without.astype(np.float64),
                                    calibration)

    def reference_on(self, rows, exposure):
        """The reference-ON frames of binary ``rows`` (DN, float64): a readout primitive."""
        return self._frames(self._fields(rows), 1.0, exposure)

    def reference_off(self, rows, exposure):
        """The reference-OFF frames of binary ``rows`` (DN, float64; as :meth:`transform`
        shows them): a readout primitive."""
        return self._frames(self._fields(rows), self.leak, exposure)

    def linear_transform(self, X, *, encoding="auto", n_bits=8, readout=None, encoder=None):
        """Linear projection ``~ X @ B.T`` recovered from intensities (``B``: see below).

        Parameters
        ----------
        X : ndarray ``(n_samples, n_in)``
            Binary (bool or 0/1), ternary (-1/0/1) or real input.
        encoding : {"auto", "binary", "ternary", "bitplanes"}
            ``"auto"`` picks binary, ternary or sign bit planes from the values of ``X``; the
            scheme is then :func:`lightsim.readout.readout_for` of the encoding and the OPU's
            ``holography``.
        n_bits : int
            Bits per sign for real input (``encoding="bitplanes"``).
        readout : lightsim.readout.Readout, optional
            The readout scheme itself (then ``encoding`` and ``n_bits`` must be left at
            their defaults).
        encoder : lightsim.encoders.Encoder, optional
            A fitted encoder (``transform`` to boolean frames, ``combine`` of their
            projections): every frame it gives is read by the binary 2-frame readout and the
            projections are combined by it. Exclusive with ``readout``, ``encoding`` and
            ``n_bits``.

        Returns
        -------
        ndarray float64 ``(n_samples, n_out)``, in field units (rows divided by ``|s_k|`` when
        ``normalize_rows``).
        """
        X = checks.finite_array("X", X, min_ndim=2, complex_ok=False)
        if X.ndim != 2 or X.shape[1] != self.n_in:
            raise ValueError(f"X must have shape (n_samples, {self.n_in}), got {X.shape}")
        if encoder is not None:
            if not isinstance(encoder, Encoder):
                raise TypeError(f"encoder must have fit, transform and combine (a "
                                f"lightsim.encoders.Encoder), got {type(encoder).__name__}")
            if readout is not None or encoding != "auto" or n_bits != 8:
                raise ValueError("give encoder alone, without readout, encoding or n_bits")
            frames = check_binary(encoder.transform(X), "encoder.transform(X)")
            if frames.shape[-2:] != X.shape:
                raise ValueError(f"encoder.transform(X) must end with the shape of X "
                                 f"{X.shape}, got {frames.shape}")
            flat = self.linear_transform(frames.reshape(-1, self.n_in),
                                         readout=BinaryHolography())
            return encoder.combine(flat.reshape(*frames.shape[:-1], self.n_out))
        if readout is None:
            checks.choice("encoding", encoding, ENCODINGS)
            if encoding == "auto":
                encoding = _detect_encoding(X)
            readout = readout_for(encoding, self.holography, n_bits)
        elif not isinstance(readout, Readout):
            raise TypeError(f"readout must be a lightsim.readout.Readout, got "
                            f"{type(readout).__name__}")
        elif encoding != "auto" or n_bits != 8:
            raise ValueError("give either readout or encoding / n_bits, not both")
        X = readout.check(X)
        if self._calibration is None and readout.uses_reference:
            self.calibrate()  # its own call: its frames and wall time are counted there
        t0 = time.perf_counter()
        self._begin_call()
        shown = readout.patterns(X)
        reference = 1.0 if readout.uses_reference else self.leak
        exposure = self._call_exposure(self.mean_intensity(shown, reference).max(initial=0.0))
        y = readout.project(self, X, exposure) / self.counts_per_unit_intensity_at(exposure)
        if self.normalize_rows:
            y = y / np.abs(self.reference_per_pixel)
        self._end_call(X.shape[0] * readout.frames_per_row, t0)
        return y

    @property
    def reference_per_pixel(self) -> np.ndarray:
        """``|s|`` per output pixel (root of the summed reference intensity of its grains)."""
        power = np.abs(self.reference.astype(np.complex128)) ** 2
        return np.sqrt(self.plane.sum_to_outputs(power))

    def signal_matrix(self) -> np.ndarray:
        """``D`` ``(grains on the camera plane, n_in)`` complex128: ``T a(x) = T a(0) + D x``.

        ``D_kj = T_kj (a_j^ON - a_j^OFF) = T_kj (1 - c) g_j`` (zero for stuck mirrors), or its
        macro-pixel fold. Builds ``T`` densely without macro-pixels.
        """
        if self.layout is not None:
            return self._fold()[0].T.astype(np.complex128)
        frames = np.zeros((2, self.n_in), dtype=bool)
        frames[1] = True
        off, on = self.dmd.effective_input(frames).astype(np.float64)
        return self.medium.matrix().astype(np.complex128) * (on - off)[None, :]

    def background_field(self) -> np.ndarray:
        """``b`` ``(grains on the camera plane,)`` complex128: the field of every
        reference-OFF frame besides ``D x`` (the OFF mirrors' ``T a(0)`` plus the reference
        mirrors' leak ``c s``), so that :meth:`transform` records ``|D x + b|**2``."""
        zero = np.zeros((1, self.n_in), dtype=bool)
        return (self._fields(zero)[0].astype(np.complex128)
                + self.leak * self.reference.astype(np.complex128))

    def effective_matrix(self) -> np.ndarray:
        """The real matrix ``B`` ``(n_out, n_in)`` that :meth:`linear_transform` approximates.

        ``B_kj = 2 (1 - c) Re(sum_g conj(s_kg) D_kg,j)`` with ``D`` the :meth:`signal_matrix`
        (``D_kj = T_kj (1 - c) g_j``), in field units (the sum runs over the grains of output
        pixel ``k``, binning included: :mod:`lightsim.plane`), rows divided by ``|s_k|`` when
        ``normalize_rows``. Dead (stuck) mirrors give zero columns and the illumination
        profile scales the columns: both are part of the device's ideal linear map. Noise,
        quantization, saturation, drift after calibration and the 2-frame bias are what make
        the measured projection differ from ``X @ B.T``.
        """
        D = self.signal_matrix()
        cross = (np.conj(self.reference.astype(np.complex128))[:, None] * D).real
        if self.plane.n_grains != self.n_out:
            cross = self.plane.sum_to_outputs(cross.T).T
        B = 2 * (1 - self.leak) * cross
        if self.normalize_rows:
            B /= self.reference_per_pixel[:, None]
        return B

    def drift(self, rho, seed=None):
        """Age the medium: ``T <- rho T + sqrt(1 - rho**2) W`` (and likewise ``s``).

        The calibration is kept, so it is now stale: call :meth:`calibrate` to refresh it.
        With macro-pixels the fold is updated with the fold of the fresh matrix ``W`` (one
        streamed pass over ``W``, whatever the number of earlier drifts); it agrees with a
        fold of the drifted medium to float32 rounding.
        ``seed`` draws ``W``; by default it is derived from the OPU seed and the number of
        drifts so far, so a sequence of drifts is reproducible.
        """
        rho = checks.in_range("rho", rho, 0.0, 1.0)
        self._drifts += 1
        if seed is None:
            seed = self._substream(100 + self._drifts)
        seed = checks.seed("seed", seed)
        self.medium = self.medium.drift(rho, seed=seed)
        if self._folded is not None:
            try:  # the fold is linear in T: update it with the fold of W
                innovation = self.medium.innovation()
            except NotImplementedError:
                self._folded = self._fold_of(self.medium)
            else:
                keep, fresh = np.float32(rho), np.float32(np.sqrt(1 - rho**2))
                self._folded = tuple(keep * old + fresh * new for old, new in
                                     zip(self._folded, self._fold_of(innovation)))
        self.reference = self._reference_through(self.medium)
        return self


def _detect_encoding(X):
    if X.dtype == bool or np.isin(X, (0, 1)).all():
        return "binary"
    if np.isin(X, (-1, 0, 1)).all():
        return "ternary"
    return "bitplanes"
