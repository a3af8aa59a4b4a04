"""Cost model of the backward pass: digital accelerator (backprop, digital DFA) vs an OPU.

The argument of Wang et al. (arXiv:2409.12965, 2024) is that optical DFA has an advantage for
ultra-deep and wide networks: the OPU projects the output error to every layer at once in a
fixed number of frames, whatever the number of outputs up to the camera size, while the
digital cost of propagating the error grows with the network. This module makes that
comparison explicit, with every assumption a parameter.

What is compared
----------------
Only the part of the backward pass that DFA changes: getting an error signal to every layer.
The weight-gradient products ``dW_l = delta_l^T h_{l-1}`` (2 FLOPs per weight and sample)
and the optimiser step are the same for all three methods and are left out, as are the
forward pass and the element-wise products with ``f'(a_l)``.

* **Backprop** on the digital accelerator: ``2 * params`` FLOPs per sample (one
  multiply-add per weight to carry ``delta`` through ``W^T``); memory traffic: every weight
  read once per batch (``params * bytes_per_value / batch`` per sample) plus the ``S`` deltas
  written per sample.
* **Digital DFA**: the GEMM ``B e`` with ``B`` of shape ``(S, d_e)``: ``2 * S * d_e`` FLOPs
  per sample; ``B`` read once per batch, ``S`` outputs written per sample.
* Time on the accelerator: roofline ``max(FLOPs / flops, bytes / bandwidth)`` at peak (an
  optimistic bound for the digital side, hence conservative for the optical claim); energy:
  that time times the board ``power``.
* **Optical DFA**: one projection of the ``d_e``-wide error to the ``S`` feedback outputs:
  ``frames_per_projection * ceil(S / camera_pixels) * ceil(d_e / dmd_mirrors)`` frames per
  sample (tiled over several frames when the outputs exceed the camera or the input the DMD);
  ``frames_per_projection = 4`` for a ternary error with 4-frame holography (``e+`` and ``e-``
  with the reference ON and OFF), 2 with 2-frame holography, times ``bits`` for sign bit
  planes. Time: frames / ``frame_rate``; energy: time times the device ``power`` (30 W for the
  whole OPU, laser, DMD, camera and electronics). Encoding and readout arithmetic (``O(d_e +
  S)`` per sample) are neglected.

Architectures (weights only, biases, embeddings and normalisation neglected):

* **MLP** of depth ``L`` and width ``W``: ``L`` layers ``W x W`` and an output layer
  ``W x n_classes``; ``params = L W**2 + W n_classes``; feedback to every hidden layer,
  ``S = L W``; error width ``d_e = n_classes``.
* **Transformer-like** stack of ``L`` blocks of width ``d_model = W``: attention ``4 W**2`` and
  a 4x MLP ``8 W**2`` per block, ``params = 12 L W**2``; feedback to every block output,
  ``S = L W``; error width ``d_e = W`` (the error at the output of the last block, per token;
  costs are per token).

Defaults (stated on the figure): an NVIDIA A100-class GPU, 312 TFLOP/s dense bf16
tensor-core peak, 2.0 TB/s HBM bandwidth, 400 W board power, 2 bytes per value, batch of
1024 samples (tokens); the OPU of the ``lightsim`` ``"lighton"`` preset: 1900 frames/s, a
1140 x 912 DMD (1,039,680 mirrors), a 2,073,600-pixel (1920 x 1080) camera, 30 W, ternary error
with 4-frame holography.

References
----------
Wang et al., "Optical training of large-scale Transformers and deep neural networks with
direct feedback alignment", arXiv:2409.12965 (2024). Launay et al., "Direct feedback
alignment scales to modern deep learning tasks and architectures", NeurIPS 2020. NVIDIA A100
Tensor Core GPU data sheet (2020). S. Williams, A. Waterman, D. Patterson, "Roofline: an
insightful visual performance model for multicore architectures", CACM 52(4), 2009.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass

import numpy as np

from lightsim import checks

ARCHITECTURES = ("mlp", "transformer")
HOLOGRAPHY_FRAMES = {"4-frame": 4, "2-frame": 2}


@dataclass(frozen=True)
class Digital:
    """A digital accelerator: peak ``flops`` (FLOP/s), ``bandwidth`` (B/s), ``power`` (W)."""

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
    """An OPU: ``frame_rate`` (1/s), DMD mirrors, camera pixels, device ``power`` (W)."""

    name: str = "OPU (lightsim 'lighton' preset)"
    frame_rate: float = 1900.0
    dmd_mirrors: int = 1140 * 912
    camera_pixels: int = 1920 * 1080
    power: float = 30.0
    holography: str = "4-frame"
    bits: int | None = None

    def __post_init__(self):
        checks.positive("frame_rate", self.frame_rate)
        checks.positive("power", self.power)
        checks.integer("dmd_mirrors", self.dmd_mirrors, minimum=1)
        checks.integer("camera_pixels", self.camera_pixels, minimum=1)
        checks.choice("holography", self.holography, HOLOGRAPHY_FRAMES)
        if self.bits is not None:
            checks.integer("bits", self.bits, minimum=1, maximum=16)

    @property
    def frames_per_projection(self) -> int:
        """Frames for one signed projection: 4 (or 2) per ternary frame, times bit planes."""
        return HOLOGRAPHY_FRAMES[self.holography] * (1 if self.bits is None else self.bits)

    def frames(self, outputs, inputs):
        """Frames per sample for a projection ``inputs -> outputs`` (tiled over frames)."""
        tiles = (np.ceil(np.asarray(outputs, dtype=np.float64) / self.camera_pixels)
                 * np.ceil(np.asarray(inputs, dtype=np.float64) / self.dmd_mirrors))
        return self.frames_per_projection * tiles


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
        if self.kind == "mlp":
            return np.full_like(np.asarray(self.width, float), float(self.n_classes))
        return np.asarray(self.width, float)


def backward_costs(arch: Architecture, digital: Digital = Digital(),
                   optical: Optical = Optical()) -> dict:
    """Per-sample time (s) and energy (J) of the error propagation for the three methods.

    Returns
    -------
    dict
        ``{"backprop": {...}, "digital_dfa": {...}, "optical_dfa": {...}}``, each with
        ``"flops"`` (digital) or ``"frames"`` (optical), ``"time"`` and ``"energy"``; arrays
        broadcast over ``arch.width`` and ``arch.depth``.
    """
    params, s, d_e = arch.params, arch.feedback_outputs, arch.error_width
    out = {}
    for name, flops, matrix in (("backprop", 2 * params, params),
                                ("digital_dfa", 2 * s * d_e, s * d_e)):
        t = digital.time(flops, matrix / digital.batch + s)
        out[name] = {"flops": flops, "time": t, "energy": t * digital.power}
    frames = optical.frames(s, d_e)
    t = frames / optical.frame_rate
    out["optical_dfa"] = {"frames": frames, "time": t, "energy": t * optical.power}
    return out


def advantage(arch: Architecture, digital: Digital = Digital(),
              optical: Optical = Optical()) -> dict:
    """Ratios digital / optical of time and energy (> 1: the OPU wins).

    Keys ``"time_vs_backprop"``, ``"energy_vs_backprop"``, ``"time_vs_digital_dfa"``,
    ``"energy_vs_digital_dfa"``.
    """
    costs = backward_costs(arch, digital, optical)
    return {f"{q}_vs_{ref}": costs[ref][q] / costs["optical_dfa"][q]
            for ref in ("backprop", "digital_dfa") for q in ("time", "energy")}


#: Known architectures marked on the figure: (label, kind, width, depth).
LANDMARKS = (("BERT-large", "transformer", 1024, 24), ("GPT-2 XL", "transformer", 1600, 48),
             ("GPT-3 175B", "transformer", 12288, 96))


def assumptions(digital: Digital, optical: Optical) -> str:
    """The model's assumptions as text (printed on the figure)."""
    return (f"Digital: {digital.name}, {digital.flops / 1e12:g} TFLOP/s peak, "
            f"{digital.bandwidth / 1e12:g} TB/s, {digital.power:g} W, "
            f"{digital.bytes_per_value} B/value, batch {digital.batch}; roofline at peak. "
            f"Optical: {optical.name}, {optical.frame_rate:g} frames/s, "
            f"{optical.dmd_mirrors:,} mirrors, {optical.camera_pixels:,} pixels, "
            f"{optical.power:g} W, {optical.frames_per_projection} frames/projection "
            f"({optical.holography}"
            f"{'' if optical.bits is None else f', {optical.bits} bit planes'}).\n"
            f"Cost of sending the error to every layer, per sample (token): backprop 2 x params "
            f"FLOPs; digital DFA 2 S d_e FLOPs; optical DFA frames x ceil(S / pixels) x "
            f"ceil(d_e / mirrors). S = depth x width; d_e = 10 classes (MLP) or d_model "
            f"(Transformer: 12 W^2 per block). Weight gradients, forward pass and optimiser "
            f"are the same for all and left out.")


def figure(digital: Digital = Digital(), optical: Optical = Optical(),
           widths=None, depths=None):
    """Maps of log10(digital / optical) time and energy over width x depth.

    Rows: MLP, Transformer-like; columns: time and energy against backprop, then against
    digital DFA. The black contour is parity (ratio 1): the OPU wins above / right of it.
    """
    from matplotlib import colors
    from matplotlib.figure import Figure

    widths = np.logspace(2, 5.5, 120) if widths is None else np.asarray(widths, float)
    depths = np.logspace(0, 3.5, 120) if depths is None else np.asarray(depths, float)
    w, d = np.meshgrid(widths, depths)
    fig = Figure(figsize=(17, 9.4), layout="constrained")
    panels = fig.subplots(2, 4)
    norm = colors.TwoSlopeNorm(vcenter=0.0, vmin=-6.0, vmax=6.0)
    mesh = None
    for row, kind in enumerate(ARCHITECTURES):
        ratios = advantage(Architecture(kind, w, d), digital, optical)
        for col, key in enumerate(("time_vs_backprop", "energy_vs_backprop",
                                   "time_vs_digital_dfa", "energy_vs_digital_dfa")):
            ax = panels[row, col]
            value = np.log10(ratios[key])
            mesh = ax.pcolormesh(w, d, np.clip(value, -6, 6), cmap="RdBu", norm=norm,
                                 shading="auto")
            if value.min() < 0 < value.max():
                ax.contour(w, d, value, levels=[0.0], colors="black", linewidths=1.5)
            ax.set_xscale("log")
            ax.set_yscale("log")
            quantity, reference = key.split("_vs_")
            name = "MLP" if kind == "mlp" else "Transformer-like"
            reference = "backprop" if reference == "backprop" else "digital DFA"
            ax.set_title(f"{name}: {quantity}, {reference} / optical DFA", fontsize=9)
            ax.set_xlabel("width W (d_model)")
            ax.set_ylabel("depth L (layers / blocks)")
            if kind == "transformer":
                for label, _, lw, ld in LANDMARKS:
                    ax.plot(lw, ld, "k*", markersize=7)
                    ax.annotate(label, (lw, ld), textcoords="offset points", xytext=(4, 4),
                                fontsize=7)
    fig.colorbar(mesh, ax=panels, label="log10(digital / optical)  (> 0: OPU wins)",
                 shrink=0.8)
    fig.suptitle("Where the optical DFA backward pass wins (blue; black line: parity)",
                 fontsize=11)
    text = "\n".join(textwrap.fill(part, 190) for part in
                     assumptions(digital, optical).split("\n"))
    fig.text(0.5, 0.0, text, ha="center", va="bottom", fontsize=8)
    fig.get_layout_engine().set(rect=(0, 0.07, 1, 0.93))
    return fig


def examples(digital: Digital = Digital(), optical: Optical = Optical()) -> str:
    """A markdown table of the ratios for a few architectures."""
    cases = [("MLP 1024 x 4", "mlp", 1024, 4), ("MLP 8192 x 100", "mlp", 8192, 100),
             *((label, kind, w, d) for label, kind, w, d in LANDMARKS),
             ("Transformer 65536 x 1000", "transformer", 65536, 1000)]
    lines = ["| architecture | params | optical frames / sample | time BP / OPU | energy BP / "
             "OPU | time digital DFA / OPU | energy digital DFA / OPU |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for label, kind, width, depth in cases:
        arch = Architecture(kind, width, depth)
        r = advantage(arch, digital, optical)
        frames = backward_costs(arch, digital, optical)["optical_dfa"]["frames"]
        lines.append(f"| {label} | {float(arch.params):.3g} | {float(frames):.0f} | "
                     f"{float(r['time_vs_backprop']):.3g} | "
                     f"{float(r['energy_vs_backprop']):.3g} | "
                     f"{float(r['time_vs_digital_dfa']):.3g} | "
                     f"{float(r['energy_vs_digital_dfa']):.3g} |")
    return "\n".join(lines) + "\n"


def crossover_width(kind: str, depth: float, reference: str = "backprop",
                    quantity: str = "time", digital: Digital = Digital(),
                    optical: Optical = Optical(), widths=None) -> float:
    """Smallest width (on a log grid from 10 to 1e7) where the OPU wins; NaN if none."""
    widths = np.logspace(1, 7, 2401) if widths is None else np.asarray(widths, float)
    ratio = advantage(Architecture(kind, widths, depth), digital, optical)[
        f"{quantity}_vs_{reference}"]
    wins = np.nonzero(ratio > 1)[0]
    return float(widths[wins[0]]) if wins.size else math.nan
