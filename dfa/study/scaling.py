"""Cost model of whole training steps: backprop, digital DFA and optical DFA on an OPU.

The argument of Wang et al. (arXiv:2409.12965, 2024) is that optical DFA has an advantage for
ultra-deep and wide networks: the OPU projects the output error to every layer at once in a
fixed number of frames, whatever the number of outputs up to the camera size, while the
digital cost of propagating the error grows with the network. This module makes that
comparison explicit, for whole training steps, with every assumption a parameter.

What is compared
----------------
A training step costs about 6 FLOPs per weight and per sample (token): 2 for the forward
pass, 2 for the backward-delta pass (carrying ``delta`` through ``W^T``) and 2 for the
weight gradients ``dW_l = delta_l^T h_{l-1}`` (Kaplan et al. 2020, "6 N" per token). DFA
removes only the backward-delta pass and replaces it with the feedback projection ``B e``;
forward pass and weight gradients stay on the accelerator. So even an infinitely fast OPU
gives at most ``6 / 4 = 1.5`` times less time (and energy) than backprop, and at most
``1 + t_Be / (t_forward + t_weight_gradient)`` less than digital DFA (``1 + 1/24`` for a
compute-bound Transformer-like stack: the ``B e`` GEMM is ``2 W**2`` FLOPs per block against
``48 W**2``; close to 1 for an MLP, whose ``B e`` has only ``n_classes`` columns).
Per sample (token):

* **Each digital pass** (forward, delta, weight gradient): ``2 * params`` FLOPs, moving
  ``params / batch`` values (weights read, or weight gradients written, once per batch)
  plus ``S`` activations or deltas per sample; time: roofline ``max(FLOPs / flops,
  bytes / bandwidth)`` at peak (Williams et al. 2009; optimistic for the digital side, hence
  conservative for the optical claim).
* **Backprop** step: forward + delta + weight gradient, on the accelerator.
* **Digital DFA** step: forward + weight gradient + the GEMM ``B e`` with ``B`` of shape
  ``(S, d_e)``: ``2 S d_e`` FLOPs, ``B`` read once per batch and ``S`` outputs written per
  sample.
* **Optical DFA** step: forward + weight gradient on the accelerator, plus the OPU projection
  of the ``d_e``-wide error to the ``S`` feedback outputs. ``Optical.overlap`` chooses how the
  two combine: ``False`` (default, **sequential**): the accelerator waits for the projection,
  step time = accelerator time + optical time; ``True`` (**overlapped**): the projection of
  one batch runs while the accelerator works on another (pipelining with errors delayed by
  one step), step time = max of the two. The 1.5x bound holds in both.
* **Optical time**: ``frames * frame_time`` with ``frames = frames_per_row *
  ceil(S / camera_pixels) * ceil(d_e / dmd_mirrors)``, ``frames_per_row`` that of the
  readout scheme (:mod:`lightsim.readout`; bit planes included) (tiled
  over several frames when the outputs exceed the camera's read region or the input the DMD)
  and ``frame_time = max(1 / frame_rate, pixels_read * bytes_per_pixel / link_bandwidth)``,
  ``pixels_read = min(S, camera_pixels)`` (the region of interest read every frame): the
  camera readout must cross the host link. The DMD upload (1 bit per mirror, 130 kB a frame,
  the other direction of a full-duplex link), encoding and decoding (``O(d_e + S)``) are
  neglected.
* **Energy**: accelerator ``power`` x its busy time (idle time while it waits for the OPU is
  not charged) + OPU ``power`` x optical time.
* Element-wise products with ``f'(a_l)``, the optimiser step, attention's sequence-length
  terms, biases, embeddings and normalisation are neglected for every method.

Architectures (weights only):

* **MLP** of depth ``L`` and width ``W``: ``L`` layers ``W x W`` and an output layer
  ``W x n_classes``; ``params = L W**2 + W n_classes``; feedback to every hidden layer,
  ``S = L W``; error width ``d_e = n_classes``.
* **Transformer-like** stack of ``L`` blocks of width ``d_model = W``: attention ``4 W**2`` and
  a 4x MLP ``8 W**2`` per block, ``params = 12 L W**2``; feedback to every block output,
  ``S = L W``; error width ``d_e = W`` (the error at the output of the last block, per token;
  costs are per token).

Defaults and their sources
--------------------------
Digital: an NVIDIA A100-class GPU (A100 data sheet, 2020): 312 TFLOP/s dense bf16 tensor-core
peak, 2.0 TB/s HBM2e (80 GB SXM), 400 W board power; 2 bytes per value, batch of 1024 samples
(tokens) (assumptions).

Optical, chosen so that the device gives the "1500 TeraOPS under 30 W" of Wang et al. (2024,
abstract; also Brossollet et al. 2021, abstract: "reaching 1500 TeraOPS") by the counting
``OPS = n_in * n_out * frame_rate``, one (complex) multiply-accumulate of the random matrix
counted as one operation (:data:`OPS_PER_MAC`). That counting is *inferred*: the sources read
give the total, not the formula; 10^6 inputs x 10^6 outputs x 1.5 kHz gives exactly 1.5e15
(2 operations per MAC would need 750 frames/s). The previous defaults, 1.04e6 mirrors x 2.07e6
pixels x 1.9 kHz, counted 4.1e15, 2.7x the claim.

* ``dmd_mirrors = 912 * 1140 = 1,039,680``: **documented** (lightonml
  ``lightonml/internal/device.py``, ``_input1_shape = (912, 1140)``; TI DLP4500 0.45" WXGA DMD).
* ``camera_pixels = 10**6`` outputs read per frame: **chosen**, at the documented order of
  magnitude ("extremely high-dimensional signals - up to 1 million", Brossollet et al. 2021;
  "10^6 x 10^6" maximum projection size in a summary of Wang et al., paidge.com,
  *secondary*). The sensor
  itself is larger and is read as a region of interest: 2040 x 1088 (type 2), 1920 x 1080
  (type 1) or 2048 x 1088 (type 3) in lightonml's device table (``_output*_shape_max``).
* ``frame_rate = 1440`` frames/s: **derived**, ``1.5e15 / (1,039,680 * 10**6) = 1443``
  rounded down, giving ``ops = 1.497e15``. For comparison, lightonml's default frame time is
  500 us (2 kHz, a software default, not a rated speed); the ``lightsim`` ``"lighton"``
  preset uses the same 1440 frames/s.
* ``power = 30 W`` for the whole device: **documented** (Wang et al. 2024; "1.5 PetaOPS at
  30 W TDP" in press coverage of the LightOn Appliance at Jean Zay, Dec. 2021, e.g.
  itdaily.be, *secondary*).
* ``link_bandwidth = 2.0e9`` B/s: **secondary**: the Appliance is reported to reach its host
  through an external PCIe Gen2 x4 link (developpez.com, Dec. 2021, on the Jean Zay
  integration); 4 lanes x 5 GT/s x 8b/10b = 2.0 GB/s per direction (**derived**).
* ``bytes_per_pixel = 1``: **documented** (8-bit camera; lightonml returns ``uint8``
  outputs).
* ``readout = "ternary 4-frame"``: the ternarised error with 4-frame holography of the
  ``lightsim`` study (frames per readout from :data:`READOUTS`).

At the defaults the link is not binding (10^6 B / 2 GB/s = 0.5 ms < 1 / 1440 s); reading the
whole 2040 x 1088 sensor would cap the frame rate at 900 frames/s.

References
----------
Wang et al., "Optical training of large-scale Transformers and deep neural networks with
direct feedback alignment", arXiv:2409.12965 (2024). Brossollet et al., "LightOn Optical
Processing Unit: scaling-up AI and HPC with a non von Neumann co-processor",
arXiv:2107.11814 (2021). LightOn, ``lightonml`` (github.com/lightonai/lightonml),
``internal/device.py``. Launay et al., "Direct feedback alignment scales to modern deep
learning tasks and architectures", NeurIPS 2020. Kaplan et al., "Scaling laws for neural
language models", arXiv:2001.08361 (2020). NVIDIA A100 Tensor Core GPU data sheet (2020).
S. Williams, A. Waterman, D. Patterson, "Roofline: an insightful visual performance model
for multicore architectures", CACM 52(4), 2009. PCI-SIG, PCI Express Base Specification 2.0
(2007). Secondary: developpez.com, "Le supercalculateur Jean Zay ... coprocesseur
photonique" (Dec. 2021); itdaily.be and Tom's Hardware coverage of the same (1.5 PetaOPS,
30 W TDP); paidge.com notes on Wang et al. (10^6 x 10^6).
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass

import numpy as np

from lightsim import checks, readout

ARCHITECTURES = ("mlp", "transformer")

#: The readout schemes of :mod:`lightsim.readout` by name, as factories of ``bits`` (bit
#: planes per sign; ignored but for the sign bit planes): binary error with 2-frame
#: holography, ternary error with 4-frame holography (``e+`` and ``e-``, reference ON and
#: OFF), ternary error with 2-frame holography, sign bit planes with 4- or 2-frame
#: holography. Their frames per projection come from the objects themselves.
READOUTS = {
    "binary 2-frame": lambda bits: readout.BinaryHolography(),
    "ternary 4-frame": lambda bits: readout.TernaryHolography(),
    "2-frame holography": lambda bits: readout.TwoFrameHolography(),
    "sign bit planes 4-frame": lambda bits: readout.SignBitPlanes(
        bits, readout.TernaryHolography()),
    "sign bit planes 2-frame": lambda bits: readout.SignBitPlanes(
        bits, readout.TwoFrameHolography()),
}
#: Readouts of :data:`READOUTS` made of bit planes (``bits`` required).
BIT_PLANE_READOUTS = ("sign bit planes 4-frame", "sign bit planes 2-frame")

#: Operations counted per multiply-accumulate of the random matrix in :attr:`Optical.ops`.
OPS_PER_MAC = 1

#: The OPS claimed for the device (Wang et al. 2024): 1500 TeraOPS under 30 W.
CLAIMED_OPS = 1.5e15

QUANTITIES = ("time", "energy")
REFERENCES = ("backprop", "digital_dfa")


@dataclass(frozen=True)
class Digital:
    """A digital accelerator.

    Parameters
    ----------
    flops : float
        Peak arithmetic rate (FLOP/s).
    bandwidth : float
        Memory bandwidth (B/s).
    power : float
        Board power while busy (W).
    bytes_per_value : int
        Bytes per stored value (2 for bf16).
    batch : int
        Samples (tokens) per batch: weights are read once per batch.
    """

    name: str = "A100-class GPU"
    flops: float = 312e12
    bandwidth: float = 2.0e12
    power: float = 400.0
    bytes_per_value: int = 2
    batch: int = 1024

    def __post_init__(self):
        for name in ("flops", "bandwidth", "power"):
            checks.positive(name, getattr(self, name))
        checks.integer("bytes_per_value", self.bytes_per_value, minimum=1)
        checks.integer("batch", self.batch, minimum=1)

    def time(self, flops, values_moved):
        """Roofline time (s) of ``flops`` FLOPs moving ``values_moved`` values."""
        return np.maximum(np.asarray(flops, dtype=np.float64) / self.flops,
                          np.asarray(values_moved, dtype=np.float64) * self.bytes_per_value
                          / self.bandwidth)


@dataclass(frozen=True)
class Optical:
    """An OPU (defaults and their sources: see the module docstring).

    Parameters
    ----------
    frame_rate : float
        DMD / camera frame rate (1/s).
    dmd_mirrors : int
        Inputs per frame.
    camera_pixels : int
        Outputs read per frame (the camera's region of interest).
    power : float
        Whole-device power (W): laser, DMD, camera and electronics.
    readout : str
        A key of :data:`READOUTS`.
    bits : int or None
        Bit planes, required by (and only allowed with) the sign bit plane readouts.
    link_bandwidth : float
        Host link bandwidth for the camera readout (B/s).
    bytes_per_pixel : int
        Bytes per pixel read.
    overlap : bool
        ``False``: the accelerator waits for the projection (step time is the sum);
        ``True``: the two run concurrently (step time is the max).
    """

    name: str = "LightOn OPU (Aurora / Appliance class)"
    frame_rate: float = 1440.0
    dmd_mirrors: int = 912 * 1140
    camera_pixels: int = 10**6
    power: float = 30.0
    readout: str = "ternary 4-frame"
    bits: int | None = None
    link_bandwidth: float = 2.0e9
    bytes_per_pixel: int = 1
    overlap: bool = False

    def __post_init__(self):
        checks.positive("frame_rate", self.frame_rate)
        checks.positive("power", self.power)
        checks.positive("link_bandwidth", self.link_bandwidth)
        checks.integer("dmd_mirrors", self.dmd_mirrors, minimum=1)
        checks.integer("camera_pixels", self.camera_pixels, minimum=1)
        checks.integer("bytes_per_pixel", self.bytes_per_pixel, minimum=1)
        checks.choice("readout", self.readout, READOUTS)
        if self.readout in BIT_PLANE_READOUTS:
            if self.bits is None:
                raise ValueError(f"bits must be given for readout {self.readout!r}")
            checks.integer("bits", self.bits, minimum=1, maximum=16)
        elif self.bits is not None:
            raise ValueError(f"bits must be None for readout {self.readout!r} (bit planes "
                             f"only with {list(BIT_PLANE_READOUTS)}), got {self.bits!r}")
        if not isinstance(self.overlap, (bool, np.bool_)):
            raise TypeError(f"overlap must be a bool, got {self.overlap!r}")

    @property
    def frames_per_projection(self) -> int:
        """Frames for one signed projection of one sample (the scheme's ``frames_per_row``)."""
        return READOUTS[self.readout](self.bits).frames_per_row

    def frame_time(self, pixels_read):
        """Time per frame (s): ``max(1 / frame_rate, pixels * bytes / link_bandwidth)``."""
        transfer = (np.asarray(pixels_read, dtype=np.float64) * self.bytes_per_pixel
                    / self.link_bandwidth)
        return np.maximum(1.0 / self.frame_rate, transfer)

    @property
    def sustained_frame_rate(self) -> float:
        """Frames per second with the whole region of interest read (link-bound or not)."""
        return float(1.0 / self.frame_time(self.camera_pixels))

    @property
    def ops(self) -> float:
        """Device OPS, ``mirrors * pixels * sustained frames/s`` MACs x :data:`OPS_PER_MAC`.

        The counting inferred for the paper's 1500 TeraOPS (see the module docstring).
        """
        return (OPS_PER_MAC * float(self.dmd_mirrors) * float(self.camera_pixels)
                * self.sustained_frame_rate)

    def frames(self, outputs, inputs):
        """Frames per sample for a projection ``inputs -> outputs`` (tiled over frames)."""
        tiles = (np.ceil(np.asarray(outputs, dtype=np.float64) / self.camera_pixels)
                 * np.ceil(np.asarray(inputs, dtype=np.float64) / self.dmd_mirrors))
        return self.frames_per_projection * tiles

    def projection_time(self, outputs, inputs):
        """Time (s) per sample of a projection; every frame reads ``min(outputs, pixels)``."""
        pixels = np.minimum(np.asarray(outputs, dtype=np.float64), self.camera_pixels)
        return self.frames(outputs, inputs) * self.frame_time(pixels)


@dataclass(frozen=True)
class Architecture:
    """A stack of ``depth`` layers (MLP) or blocks (Transformer-like) of ``width``."""

    kind: str
    width: float
    depth: float
    n_classes: int = 10

    def __post_init__(self):
        checks.choice("kind", self.kind, ARCHITECTURES)
        checks.integer("n_classes", self.n_classes, minimum=1)

    @property
    def params(self):
        """Weights (biases, embeddings, norms neglected)."""
        w, depth = np.asarray(self.width, float), np.asarray(self.depth, float)
        if self.kind == "mlp":
            return depth * w**2 + w * self.n_classes
        return 12 * depth * w**2

    @property
    def feedback_outputs(self):
        """``S``: sum of the widths that receive the feedback (``depth * width``)."""
        return np.asarray(self.depth, float) * np.asarray(self.width, float)

    @property
    def error_width(self):
        """``d_e``: ``n_classes`` (MLP) or ``d_model = width`` (Transformer-like)."""
        w = np.asarray(self.width, float) * np.ones_like(np.asarray(self.depth, float))
        if self.kind == "mlp":
            return np.full_like(w, float(self.n_classes))
        return w


def _parts(arch: Architecture, digital: Digital, optical: Optical) -> dict:
    """Per-sample time (s) of each part of a step."""
    params, s, d_e = arch.params, arch.feedback_outputs, arch.error_width
    # forward, backward-delta and weight-gradient passes cost the same: 2 FLOPs per weight
    digital_pass = digital.time(2 * params, params / digital.batch + s)
    return {"pass": digital_pass,
            "feedback_gemm": digital.time(2 * s * d_e, s * d_e / digital.batch + s),
            "projection": optical.projection_time(s, d_e),
            "frames": optical.frames(s, d_e)}


def step_costs(arch: Architecture, digital: Digital = Digital(),
               optical: Optical = Optical()) -> dict:
    """Per-sample (per-token) time (s) and energy (J) of a whole training step.

    Returns
    -------
    dict
        ``{"backprop": {...}, "digital_dfa": {...}, "optical_dfa": {...}}``, each with
        ``"accelerator_time"`` (busy time of the accelerator), ``"time"`` (step time) and
        ``"energy"``; ``"optical_dfa"`` also has ``"optical_time"`` and ``"frames"``. Arrays
        broadcast over ``arch.width`` and ``arch.depth``.
    """
    parts = _parts(arch, digital, optical)
    one_pass, optical_time = parts["pass"], parts["projection"]
    busy = {"backprop": 3 * one_pass,  # forward + delta + weight gradient
            "digital_dfa": 2 * one_pass + parts["feedback_gemm"],
            "optical_dfa": 2 * one_pass}
    out = {name: {"accelerator_time": t, "time": t, "energy": t * digital.power}
           for name, t in busy.items()}
    combine = np.maximum if optical.overlap else np.add
    out["optical_dfa"].update(
        time=combine(busy["optical_dfa"], optical_time), optical_time=optical_time,
        frames=parts["frames"],
        energy=busy["optical_dfa"] * digital.power + optical_time * optical.power)
    return out


def backward_costs(arch: Architecture, digital: Digital = Digital(),
                   optical: Optical = Optical()) -> dict:
    """Per-sample time (s) and energy (J) of the error propagation only (what DFA changes).

    Backprop: the backward-delta pass; digital DFA: the ``B e`` GEMM; optical DFA: the OPU
    projection. Each entry has ``"flops"`` (digital) or ``"frames"`` (optical), ``"time"``
    and ``"energy"``. Whole steps: :func:`step_costs`.
    """
    params, s, d_e = arch.params, arch.feedback_outputs, arch.error_width
    parts = _parts(arch, digital, optical)
    return {"backprop": {"flops": 2 * params, "time": parts["pass"],
                         "energy": parts["pass"] * digital.power},
            "digital_dfa": {"flops": 2 * s * d_e, "time": parts["feedback_gemm"],
                            "energy": parts["feedback_gemm"] * digital.power},
            "optical_dfa": {"frames": parts["frames"], "time": parts["projection"],
                            "energy": parts["projection"] * optical.power}}


def advantage(arch: Architecture, digital: Digital = Digital(),
              optical: Optical = Optical()) -> dict:
    """Ratios digital / optical of whole-step time and energy (> 1: the OPU wins).

    Keys ``"time_vs_backprop"``, ``"energy_vs_backprop"``, ``"time_vs_digital_dfa"``,
    ``"energy_vs_digital_dfa"``. Never more than :func:`ideal_advantage`.
    """
    costs = step_costs(arch, digital, optical)
    return {f"{q}_vs_{ref}": costs[ref][q] / costs["optical_dfa"][q]
            for ref in REFERENCES for q in QUANTITIES}


def ideal_advantage(arch: Architecture, digital: Digital = Digital()) -> dict:
    """The ratios of :func:`advantage` for an infinitely fast OPU (optical time 0).

    Against backprop 3 passes / 2 = 1.5 exactly; against digital DFA ``1 + t_Be / (2
    t_pass)``. Same for time and energy (the accelerator's busy time is the whole cost).
    """
    parts = _parts(arch, digital, Optical())
    dfa = 2 * parts["pass"]
    ratios = {"backprop": 3 * parts["pass"] / dfa,
              "digital_dfa": (dfa + parts["feedback_gemm"]) / dfa}
    return {f"{q}_vs_{ref}": ratios[ref] for ref in REFERENCES for q in QUANTITIES}


#: Ratio drawn dashed on the figure's panels against backprop (the bound is 1.5).
NEAR_BOUND = 1.4

#: Known architectures marked on the figure: (label, kind, width, depth).
LANDMARKS = (("BERT-large", "transformer", 1024, 24), ("GPT-2 XL", "transformer", 1600, 48),
             ("GPT-3 175B", "transformer", 12288, 96))


def assumptions(digital: Digital = Digital(), optical: Optical = Optical()) -> str:
    """The model's assumptions as text (printed on the figure and by the CLI)."""
    planes = "" if optical.bits is None else f", {optical.bits} bit planes"
    mode = ("overlapped (step = max of accelerator and OPU times)" if optical.overlap else
            "sequential (step = accelerator time + OPU time)")
    return "\n".join((
        f"Digital: {digital.name}, {digital.flops / 1e12:g} TFLOP/s peak, "
        f"{digital.bandwidth / 1e12:g} TB/s, {digital.power:g} W, "
        f"{digital.bytes_per_value} B/value, batch {digital.batch}; roofline at peak (A100 "
        f"data sheet). Optical: {optical.name}, {optical.frame_rate:g} frames/s (derived from "
        f"1500 TeraOPS), {optical.dmd_mirrors:,} mirrors (lightonml), "
        f"{optical.camera_pixels:,} pixels read per frame, {optical.power:g} W (Wang et al. "
        f"2024), host link {optical.link_bandwidth / 1e9:g} GB/s (PCIe Gen2 x4, secondary "
        f"source), {optical.bytes_per_pixel} B/pixel; {optical.ops / 1e12:,.0f} TeraOPS "
        f"counting mirrors x pixels x frames/s, 1 op per MAC.",
        f"Whole training steps per token: each digital pass (forward, backward-delta, weight "
        f"gradient) 2 FLOPs per weight, weights read once per batch. Backprop = 3 passes; "
        f"digital DFA = forward + weight gradient + B e GEMM (2 S d_e FLOPs); optical DFA = "
        f"forward + weight gradient + OPU projection, {mode}. OPU: "
        f"{optical.frames_per_projection} frames ({optical.readout}{planes}) x "
        f"ceil(S / pixels) x ceil(d_e / mirrors), each max(1 / frame rate, pixels read x "
        f"B/pixel / link). Energy = accelerator W x busy time + OPU W x optical time.",
        "S = depth x width outputs; d_e = 10 classes (MLP: L W^2 weights) or d_model "
        "(Transformer: 12 W^2 per block). Neglected for all: f'(a) products, optimiser, "
        "attention's sequence-length terms, biases/embeddings/norms, encoding, DMD upload. "
        "An infinitely fast OPU gains at most 6/4 = 1.5x on backprop, 1 + t_Be / (t_fwd + "
        "t_wgrad) on digital DFA (-> 1 + 1/24 for wide Transformers, -> 1 for MLPs).",
    ))


def figure(digital: Digital = Digital(), optical: Optical = Optical(),
           widths=None, depths=None):
    """Maps of log10(digital / optical) whole-step time and energy over width x depth.

    Rows: MLP, Transformer-like; columns: time and energy against backprop, then against
    digital DFA. Solid black contour: parity (ratio 1, the OPU wins on the blue side);
    dashed (against backprop): ratio :data:`NEAR_BOUND`, close to the 1.5x bound. Each panel
    states the largest ratio it shows and the bound of an infinitely fast OPU
    (:func:`ideal_advantage`).
    """
    from matplotlib import colors
    from matplotlib.figure import Figure

    widths = np.logspace(2, 6, 121) if widths is None else np.asarray(widths, float)
    depths = np.logspace(0, 3.5, 106) if depths is None else np.asarray(depths, float)
    w, d = np.meshgrid(widths, depths)
    fig = Figure(figsize=(17, 10.4), layout="constrained")
    panels = fig.subplots(2, 4)
    top = math.log10(1.5)
    norm = colors.TwoSlopeNorm(vcenter=0.0, vmin=-4.0, vmax=top)
    mesh = None
    keys = ("time_vs_backprop", "energy_vs_backprop", "time_vs_digital_dfa",
            "energy_vs_digital_dfa")
    for row, kind in enumerate(ARCHITECTURES):
        arch = Architecture(kind, w, d)
        ratios = advantage(arch, digital, optical)
        bounds = ideal_advantage(arch, digital)
        for col, key in enumerate(keys):
            ax = panels[row, col]
            value = np.log10(ratios[key])
            mesh = ax.pcolormesh(w, d, np.clip(value, -4.0, top), cmap="RdBu", norm=norm,
                                 shading="auto", rasterized=True)
            if value.min() < 0 < value.max():
                ax.contour(w, d, value, levels=[0.0], colors="black", linewidths=1.5)
            near = math.log10(NEAR_BOUND)
            if key.endswith("backprop") and value.min() < near < value.max():
                ax.contour(w, d, value, levels=[near], colors="black", linewidths=1.0,
                           linestyles="dashed")
            ax.set_xscale("log")
            ax.set_yscale("log")
            quantity, reference = key.split("_vs_")
            name = "MLP" if kind == "mlp" else "Transformer-like"
            reference = "backprop" if reference == "backprop" else "digital DFA"
            ax.set_title(f"{name}: {quantity}, {reference} / optical DFA", fontsize=9)
            ax.set_xlabel("width W (d_model)")
            ax.set_ylabel("depth L (layers / blocks)")
            best = float(np.max(ratios[key]))
            ax.text(0.02, 0.02, f"max here {best:.3g}x; bound (infinitely fast OPU) "
                                f"{float(np.max(bounds[key])):.3g}x",
                    transform=ax.transAxes, fontsize=7, va="bottom",
                    bbox=dict(facecolor="white", alpha=0.8, edgecolor="none"))
            if kind == "transformer":
                for label, _, lw, ld in LANDMARKS:
                    ax.plot(lw, ld, "k*", markersize=7)
                    ax.annotate(label, (lw, ld), textcoords="offset points", xytext=(4, 4),
                                fontsize=7)
    fig.colorbar(mesh, ax=panels, label="log10(digital / optical), whole training step "
                                        "(> 0: OPU wins; max log10 1.5)", shrink=0.8)
    fig.suptitle(f"Whole training steps: where optical DFA wins (blue; solid line: parity; "
                 f"dashed: ratio {NEAR_BOUND:g}, near the 1.5x bound of an infinitely fast OPU "
                 f"against backprop)", fontsize=11)
    text = "\n".join(textwrap.fill(part, 200) for part in
                     assumptions(digital, optical).split("\n"))
    fig.text(0.5, 0.0, text, ha="center", va="bottom", fontsize=7.5)
    fig.get_layout_engine().set(rect=(0, 0.1, 1, 0.9))
    return fig


def examples(digital: Digital = Digital(), optical: Optical = Optical()) -> str:
    """A markdown table of whole-step ratios for a few architectures."""
    cases = [("MLP 1024 x 4", "mlp", 1024, 4), ("MLP 8192 x 100", "mlp", 8192, 100),
             *((label, kind, w, d) for label, kind, w, d in LANDMARKS),
             ("Transformer 65536 x 1000", "transformer", 65536, 1000)]
    lines = ["| architecture | params | OPU frames / token | OPU time / token (s) | "
             "backprop step / token (s) | time BP / OPU | energy BP / OPU | "
             "time digital DFA / OPU | energy digital DFA / OPU |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for label, kind, width, depth in cases:
        arch = Architecture(kind, width, depth)
        costs = step_costs(arch, digital, optical)
        r = advantage(arch, digital, optical)
        lines.append(f"| {label} | {float(arch.params):.3g} | "
                     f"{float(costs['optical_dfa']['frames']):.0f} | "
                     f"{float(costs['optical_dfa']['optical_time']):.3g} | "
                     f"{float(costs['backprop']['time']):.3g} | "
                     f"{float(r['time_vs_backprop']):.3g} | "
                     f"{float(r['energy_vs_backprop']):.3g} | "
                     f"{float(r['time_vs_digital_dfa']):.3g} | "
                     f"{float(r['energy_vs_digital_dfa']):.3g} |")
    return "\n".join(lines) + "\n"


def _first_win(ratio, grid) -> float:
    wins = np.nonzero(np.asarray(ratio) > 1)[0]
    return float(grid[wins[0]]) if wins.size else math.nan


def _check_comparison(reference, quantity):
    checks.choice("reference", reference, REFERENCES)
    checks.choice("quantity", quantity, QUANTITIES)


def crossover_width(kind: str, depth: float, reference: str = "backprop",
                    quantity: str = "time", digital: Digital = Digital(),
                    optical: Optical = Optical(), widths=None) -> float:
    """Smallest width (log grid 10 to 1e7) where the whole optical DFA step wins; NaN if none.

    ``reference``: ``"backprop"`` or ``"digital_dfa"``; ``quantity``: ``"time"`` or
    ``"energy"``.
    """
    _check_comparison(reference, quantity)
    widths = np.logspace(1, 7, 2401) if widths is None else np.asarray(widths, float)
    ratio = advantage(Architecture(kind, widths, depth), digital, optical)[
        f"{quantity}_vs_{reference}"]
    return _first_win(ratio, widths)


def crossover_depth(kind: str, width: float, reference: str = "backprop",
                    quantity: str = "time", digital: Digital = Digital(),
                    optical: Optical = Optical(), depths=None) -> float:
    """Smallest depth (log grid 1 to 1e6) where the whole optical DFA step wins; NaN if none."""
    _check_comparison(reference, quantity)
    depths = np.logspace(0, 6, 2401) if depths is None else np.asarray(depths, float)
    ratio = advantage(Architecture(kind, width, depths), digital, optical)[
        f"{quantity}_vs_{reference}"]
    return _first_win(ratio, depths)


def crossover_table(digital: Digital = Digital(), optical: Optical = Optical(),
                    depths=(1, 10, 100, 1000)) -> str:
    """Markdown table of :func:`crossover_width` at a few depths, and the best ratios.

    Rows: MLP and Transformer-like at each depth; columns: the smallest width where the
    whole optical DFA step beats backprop / digital DFA in time / energy ("none" if no
    width up to 1e7 does), then the largest time and energy ratios reached over those widths
    (never above 1.5 against backprop).
    """
    widths = np.logspace(1, 7, 2401)
    lines = ["| architecture | depth | time vs backprop | energy vs backprop | "
             "time vs digital DFA | energy vs digital DFA | best time / energy ratio vs "
             "backprop | best vs digital DFA |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for kind in ARCHITECTURES:
        name = "MLP" if kind == "mlp" else "Transformer-like"
        for depth in depths:
            ratios = advantage(Architecture(kind, widths, depth), digital, optical)
            cells = []
            for reference in REFERENCES:
                for quantity in QUANTITIES:
                    width = _first_win(ratios[f"{quantity}_vs_{reference}"], widths)
                    cells.append("none" if math.isnan(width) else f"{width:.2g}")
            for reference in REFERENCES:
                cells.append(" / ".join(f"{float(np.max(ratios[f'{q}_vs_{reference}'])):.3g}"
                                        for q in QUANTITIES))
            lines.append(f"| {name} | {depth:g} | " + " | ".join(cells) + " |")
    mode = "overlapped" if optical.overlap else "sequential"
    return (f"Smallest width W where the whole optical DFA step wins ({mode} OPU; log grid "
            f"10 to 1e7; 'none': no width up to 1e7), and the best ratios over that grid:\n\n"
            + "\n".join(lines) + "\n")
