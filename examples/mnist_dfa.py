"""Backprop, digital DFA and optical DFA on MNIST (784-800-800-10, tanh).

Trains the same network (same initial weights) with each rule, prints the per-epoch test
accuracy and alignment angles, saves every history as JSON and a figure: test accuracy per
epoch (left) and the alignment angle of each hidden layer for the DFA rules (right).

Optical DFA goes through a simulated OPU with the ``"lighton"`` preset (8-bit camera, shot
noise, finite DMD contrast, reference holography with 4 frames per ternary error): 10 inputs
(one per class, each a macro-pixel block of mirrors folded into the OPU's signal matrix) and
one camera pixel per hidden unit.

Targets (issue #4; Nokland 2016 trains longer): after at most 20 epochs backprop >= 98.0 %,
digital DFA >= 97.5 %, optical DFA within 1.0 point of digital DFA.

Usage::

    python examples/mnist_dfa.py                          # all three, 20 epochs
    python examples/mnist_dfa.py --methods optical --json optical.json
    python examples/mnist_dfa.py --plot bp.json dfa.json optical.json --out mnist_dfa.png
    python examples/mnist_dfa.py --quick                  # 2 epochs on 10000 images
"""

from __future__ import annotations

import argparse
import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

import dfa  # noqa: E402
import lightsim  # noqa: E402

METHODS = ("bp", "dfa", "optical")
LABELS = {"bp": "backprop", "dfa": "digital DFA", "optical": "optical DFA (lighton)"}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--methods", nargs="+", choices=METHODS, default=list(METHODS))
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--quick", action="store_true",
                        help="2 epochs on the first 10000 training images")
    parser.add_argument("--dataset", default="mnist", choices=dfa.data.NAMES)
    parser.add_argument("--hidden", type=int, nargs="+", default=[800, 800])
    parser.add_argument("--activation", default="tanh", choices=dfa.network.ACTIVATIONS)
    parser.add_argument("--lr", type=float, default=1e-3, help="Adam step (all methods)")
    parser.add_argument("--lr-decay", type=float, default=0.85,
                        help="learning-rate factor per epoch")
    parser.add_argument("--threshold", type=float, default=0.25,
                        help="optical DFA ternary threshold (relative to max |e|)")
    parser.add_argument("--preset", default="lighton", choices=sorted(lightsim.PRESETS))
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="mnist_dfa.png", help="figure (PNG)")
    parser.add_argument("--json", default=None, help="save the histories as JSON")
    parser.add_argument("--plot", nargs="+", default=None, metavar="JSON",
                        help="only draw the figure from saved histories")
    parser.add_argument("--no-progress", action="store_true")
    return parser.parse_args(argv)


def plot(histories, path):
    fig, (acc_ax, align_ax) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    for ax in (acc_ax, align_ax):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    for label, history in histories.items():
        epochs = range(1, len(history["test_accuracy"]) + 1)
        acc_ax.plot(epochs, [100 * a for a in history["test_accuracy"]], "o-", label=label)
        if label != LABELS["bp"]:
            angles = history["alignment"]
            for layer in range(len(angles[0])):
                align_ax.plot(epochs, [a[layer] for a in angles], "o-",
                              label=f"{label}, hidden layer {layer + 1}")
    acc_ax.set(xlabel="epoch", ylabel="test accuracy (%)", title="Test accuracy")
    acc_ax.legend()
    align_ax.axhline(90, color="grey", lw=0.8, ls="--")
    align_ax.set(xlabel="epoch", ylabel="angle to the backprop update (degrees)",
                 title="Gradient alignment", ylim=(0, 95))
    align_ax.legend(fontsize="small")
    fig.savefig(path, dpi=120)
    plt.close(fig)


def feedback_for(method, sizes, args):
    if method == "bp":
        return dfa.Backprop()
    if method == "dfa":
        return dfa.DigitalDFA(seed=args.seed)
    opu = lightsim.OPU(sizes[-1], sum(sizes[1:-1]), preset=args.preset, seed=args.seed,
                       macro_pixels="auto")
    return dfa.OpticalDFA(opu, threshold=args.threshold, encoding="ternary")


def main(argv=None):
    args = parse_args(argv)
    if args.plot:
        histories = {}
        for path in args.plot:
            with open(path) as f:
                histories.update(json.load(f))
        plot(histories, args.out)
        print(f"figure saved to {args.out}")
        return
    x, y, xt, yt = dfa.data.load(args.dataset)
    epochs = args.epochs
    if args.quick:
        x, y, epochs = x[:10000], y[:10000], 2
    sizes = [x.shape[1], *args.hidden, 10]
    histories = {}
    for method in args.methods:
        label = LABELS[method]
        model = dfa.MLP(sizes, activation=args.activation, seed=args.seed)
        history = dfa.train(model, feedback_for(method, sizes, args), (x, y, xt, yt),
                            epochs=epochs, batch_size=args.batch_size,
                            optimizer=dfa.Adam(args.lr), seed=args.seed,
                            progress=not args.no_progress, lr_decay=args.lr_decay)
        histories[label] = history
        print(f"{label} {sizes}:")
        for epoch, (acc, angles, t) in enumerate(zip(history["test_accuracy"],
                                                     history["alignment"], history["time"]),
                                                 start=1):
            angle_text = ", ".join(f"{a:.1f}" for a in angles)
            print(f"  epoch {epoch:2d}: test {100 * acc:.2f} %, alignment [{angle_text}] deg, "
                  f"{t:.0f} s", flush=True)
        if history["opu_cost"]:
            print(f"  OPU cost: {history['opu_cost']}")
    plot(histories, args.out)
    print(f"figure saved to {args.out}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(histories, f, indent=1)


if __name__ == "__main__":
    main()
