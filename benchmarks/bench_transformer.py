"""Training steps of the character-level Transformer (4 blocks, d_model 128, context 64, batch
32, vocabulary 73): how close the NumPy backprop step comes to the machine's float32 GEMM
throughput, and what digital and optical DFA cost against it.

GEMM efficiency: the baseline is the time the step's own floating-point work would take at
the throughput of its largest GEMM (the feed-forward up-projection, ``(tokens, d) @ (d,
4 d)``), timed in the same run: ``t_gemm * step_flops / gemm_flops``. The ratio is then
``1 / efficiency``; the goal of at least 40 % of the GEMM throughput is a ratio of at most
2.5. ``step_flops`` counts every matrix product of the forward and backward pass (two
FLOPs per multiply-add): ``3 x (24 N d^2 L + 2 N d V)`` for the dense layers and ``12 N T d
L`` for attention (``N`` tokens, ``T`` context, ``L`` blocks, ``V`` vocabulary); the
element-wise work (layer norms, softmax, GELU, Adam) is not counted: it is what the ratio
measures.
"""

from __future__ import annotations

import numpy as np

import dfa
import lightsim
from benchmarks import compare

VOCAB, CONTEXT, D_MODEL, N_LAYERS, N_HEADS, BATCH = 73, 64, 128, 4, 4, 32


def step_flops(batch=BATCH, context=CONTEXT, d=D_MODEL, layers=N_LAYERS, vocab=VOCAB):
    """Matrix-product FLOPs of one backprop training step (see the module docstring)."""
    tokens = batch * context
    dense = 24 * tokens * d * d * layers + 2 * tokens * d * vocab
    return 3 * dense + 12 * tokens * context * d * layers


def _step(model, feedback, optimizer, ids):
    cache = model.forward(ids[:, :-1])
    e = model.output_error(cache.logits, ids[:, 1:])
    optimizer.step(model.params, model.gradients(cache, feedback.signals(model, cache, e), e))


def run(quick: bool = False):
    rng = np.random.default_rng(0)
    ids = rng.integers(0, VOCAB, (BATCH, CONTEXT + 1))
    opu = lightsim.OPU(VOCAB, N_LAYERS * D_MODEL, preset="lighton", seed=0, macro_pixels=8)
    rules = {"backprop": dfa.Backprop(), "digital DFA": dfa.DigitalDFA(seed=0),
             "optical DFA": dfa.OpticalDFA(opu)}
    steps = {}
    for name, feedback in rules.items():
        model = dfa.Transformer(VOCAB, context=CONTEXT, d_model=D_MODEL, n_heads=N_HEADS,
                                n_layers=N_LAYERS, seed=0)
        optimizer = dfa.Adam(1e-3)
        steps[name] = (lambda m=model, f=feedback, o=optimizer: _step(m, f, o, ids))
    tokens = BATCH * CONTEXT
    a = rng.standard_normal((tokens, D_MODEL), dtype=np.float32)
    w = rng.standard_normal((D_MODEL, 4 * D_MODEL), dtype=np.float32)
    gemm_flops = 2 * tokens * D_MODEL * 4 * D_MODEL
    scale = step_flops() / gemm_flops
    repeats = 3 if quick else 10
    efficiency = compare(
        "Transformer backprop step vs its FLOPs at GEMM speed", steps["backprop"],
        lambda: [a @ w for _ in range(round(scale))], repeats=repeats, target=2.5,
        note=f"{step_flops() / 1e9:.2f} GFLOP per step; baseline {round(scale)} GEMMs "
             f"({tokens}x{D_MODEL}) @ ({D_MODEL}x{4 * D_MODEL}); efficiency = 1 / ratio")
    optical = compare("Transformer optical DFA step vs backprop step", steps["optical DFA"],
                      steps["backprop"], repeats=repeats,
                      note=f"OPU lighton preset, {4 * tokens} frames of "
                           f"{N_LAYERS * D_MODEL} pixels per step (one error per token)")
    digital = compare("Transformer digital DFA step vs backprop step", steps["digital DFA"],
                      steps["backprop"], repeats=repeats)
    return [efficiency, optical, digital]
