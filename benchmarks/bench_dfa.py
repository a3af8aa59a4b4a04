"""One optical-DFA training step against one backprop step (MNIST MLP, batch 128).

Both steps do the forward pass, compute the hidden-layer updates with their feedback rule and
apply Adam. The optical step projects the ternarised error through a simulated ``"lighton"``
OPU: 10 inputs folded from macro-pixels, one camera pixel per hidden unit (1600), 4 frames
per sample (e+ and e-, each with and without reference) through the 8-bit EMVA 1288 camera.
Target ratio <= 1.5. Also timed with the opt-in normal shot noise from 10 e-
(``Camera(normal_shot_noise_above=10)``). A digital-DFA step is reported too, for scale.
"""

from __future__ import annotations

import numpy as np

import dfa
import lightsim
from benchmarks import compare


def _step(model, feedback, optimizer, x, y):
    cache = model.forward(x)
    e = model.output_error(cache.logits, y)
    optimizer.step(model.params, model.gradients(cache, feedback.signals(model, cache, e),
                                                 e))


def run(quick: bool = False):
    sizes = [784, 800, 800, 10]
    batch = 128
    rng = np.random.default_rng(0)
    x = rng.random((batch, sizes[0]), dtype=np.float32)
    y = rng.integers(0, 10, size=batch)
    opu = lightsim.OPU(10, sum(sizes[1:-1]), preset="lighton", seed=0, macro_pixels=32)
    approximate = lightsim.OPU(10, sum(sizes[1:-1]), preset="lighton", seed=0,
                               macro_pixels=32, camera=dict(normal_shot_noise_above=10.0))
    rules = {"backprop": dfa.Backprop(), "digital DFA": dfa.DigitalDFA(seed=0),
             "optical DFA": dfa.OpticalDFA(opu), "normal": dfa.OpticalDFA(approximate)}
    steps = {}
    for name, feedback in rules.items():
        model, optimizer = dfa.MLP(sizes, seed=0), dfa.Adam(1e-3)
        steps[name] = (lambda m=model, f=feedback, o=optimizer: _step(m, f, o, x, y))
    repeats = 5 if quick else 20
    optical = compare("optical DFA step vs backprop step (784-800-800-10, batch 128)",
                      steps["optical DFA"], steps["backprop"], repeats=repeats, target=1.5,
                      note=f"OPU lighton preset, {4 * batch} frames of 1600 pixels per step")
    normal = compare("optical DFA step, normal shot noise >= 10 e-, vs backprop step",
                     steps["normal"], steps["backprop"], repeats=repeats, target=1.5,
                     note="as above, Camera(normal_shot_noise_above=10)")
    digital = compare("digital DFA step vs backprop step (784-800-800-10, batch 128)",
                      steps["digital DFA"], steps["backprop"], repeats=repeats)
    return [optical, normal, digital]
