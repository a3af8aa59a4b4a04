"""What a failed optical feedback does to the network: the study's failures taken apart.

Three study points train far below the 87 % that zero feedback gives (only the output layer
learning): the 6-bit camera at the preset's light (about 10 %), and read noise of 300 and
1000 e- (about 50 % and 30 %). This script trains the study's default network (MNIST 20k/5k,
784-256-256-10 tanh, Adam 1e-3, batch 64, 3 epochs; seeds 0 and 1, about 20 s a run) on
those configurations and on neighbours that differ in one keyword, and prints what training
did to the hidden layers:

* ``weight change``: rms change of each hidden weight matrix over training, over the rms of
  its initial value (layers 1 and 2);
* ``saturated``: fraction of the last hidden layer's tanh units with ``|h| > 0.99`` on 1000
  test images;
* ``spread``: mean over that layer's units of the std of their activation over those images
  (0: every image gives the same representation, so no output layer can classify).

The 6-bit variants move the black level so that the dark level sits 0.30 or 0.45 LSB above
0 DN instead of the preset's 0.494 (2/255 of the code range, 0.006 LSB, about one
photoelectron, below a rounding threshold), and remove the read noise; the readout they
produce is described by ``examples/low_bit_readout.py``.

Usage::

    python examples/feedback_failure.py          # about 4 min on 2 cores
"""

from __future__ import annotations

import copy

import numpy as np

import dfa
from dfa.study import axes, runner
from dfa.study.axes import DITHER_BITS

SEEDS = (0, 1)


def black_level_for(dark_lsb, bits=DITHER_BITS):
    """The ``black_level`` (fraction of the code range) putting the dark offset at ``dark_lsb``."""
    return dark_lsb / (2**bits - 1)


#: (label, study axis, axis value, camera keyword changes)
VARIANTS = (
    ("preset (8 bits, 2.5 e-)", "read_noise", 2.5, {}),
    ("6 bits, dark at 0.494 LSB (preset)", "bits", DITHER_BITS, {}),
    ("6 bits, dark at 0.494 LSB, no read noise", "bits", DITHER_BITS, {"read_noise": 0.0}),
    ("6 bits, dark at 0.45 LSB", "bits", DITHER_BITS,
     {"black_level": black_level_for(0.45)}),
    ("6 bits, dark at 0.30 LSB", "bits", DITHER_BITS,
     {"black_level": black_level_for(0.30)}),
    ("read noise 300 e-", "read_noise", 300.0, {}),
)


def configs(axis, value, camera_changes):
    """The study's configurations of ``axis = value`` for :data:`SEEDS`, camera changed."""
    study = runner.Study(axes=(axis,), references=(), seeds=max(SEEDS) + 1,
                         values={axis: [value]})
    for point in runner.plan(study, 784, 10):
        if point.config["seed"] in SEEDS:
            config = copy.deepcopy(point.config)
            config["opu"].setdefault("camera", axes.preset_camera()).update(camera_changes)
            yield config


def train(config):
    """Train one configuration; return its final accuracy, alignment and hidden-layer state."""
    x, y, x_test, y_test = runner.load_data(config["dataset"], config["train_size"],
                                            config["test_size"], config["data_seed"])
    model = dfa.MLP(config["sizes"], activation=config["activation"], seed=config["seed"])
    initial = [w.copy() for w in model.weights]
    history = dfa.train(model, axes.build_feedback(config), (x, y, x_test, y_test),
                        epochs=config["epochs"], batch_size=config["batch_size"],
                        optimizer=dfa.Adam(config["lr"]), seed=config["seed"],
                        progress=False)
    change = [np.sqrt(np.mean((w - w0) ** 2) / np.mean(w0**2))
              for w, w0 in zip(model.weights[:-1], initial[:-1])]
    last = model.forward(x_test[:1000]).activations[-1]
    return dict(accuracy=history["test_accuracy"][-1],
                alignment=float(np.mean(history["alignment"][-1])), change=change,
                saturated=float(np.mean(np.abs(last) > 0.99)),
                spread=float(last.std(axis=0).mean()))


def main():
    print("| configuration | seed | test accuracy (%) | alignment (deg) | weight change "
          "layer 1 / 2 | last hidden layer saturated (%) | spread over images |\n"
          "|---|---:|---:|---:|---:|---:|---:|")
    for label, axis, value, changes in VARIANTS:
        for config in configs(axis, value, changes):
            r = train(config)
            print(f"| {label} | {config['seed']} | {100 * r['accuracy']:.2f} | "
                  f"{r['alignment']:.1f} | {r['change'][0]:.2f} / {r['change'][1]:.2f} | "
                  f"{100 * r['saturated']:.1f} | {r['spread']:.3f} |", flush=True)


if __name__ == "__main__":
    main()
