"""Transformers by backprop, digital DFA and optical DFA: a character-level language model
on Shakespeare, and a ViT on MNIST.

Every method starts from the same initial weights and sees the same batches (same seeds);
DFA delivers its signal at the output of every block and backpropagates inside the block
(:mod:`dfa.protocols`). Optical DFA goes through a simulated OPU with the ``"lighton"`` preset:
one OPU input per error component (``vocab_size`` or ``n_classes``, each on a macro-pixel
block of mirrors), one camera pixel per feedback value, and one OPU projection per error
vector: per token for the language model, per image for the ViT.

Prints the validation bits per character (language model) or test accuracy (ViT) at every
evaluation, the alignment angle of every block, the wall time and the OPU's frames and
optical time per step; saves every history as JSON and a figure (loss or accuracy, left;
alignment per block, right).

Usage::

    python examples/transformer_dfa.py lm --steps 3000           # the three methods
    python examples/transformer_dfa.py lm --methods dfa --steps 300 --json dfa.json
    python examples/transformer_dfa.py vit --epochs 5
    python examples/transformer_dfa.py lm --plot bp.json dfa.json optical.json --out lm.png
"""

from __future__ import annotations

import argparse
import json
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import dfa  # noqa: E402
import lightsim  # noqa: E402

METHODS = ("bp", "dfa", "optical")
LABELS = {"bp": "backprop", "dfa": "digital DFA", "optical": "optical DFA"}


def label(history):
    """``"optical DFA (lighton, ternary 0.25)"`` and the like."""
    text = LABELS[history["method"]]
    if history["method"] == "optical":
        encoding = history.get("encoding", "ternary")
        detail = f"ternary {history['threshold']:g}" if encoding == "ternary" else encoding
        text += f" ({history['preset']}, {detail})"
    if history["method"] != "bp" and history.get("shared"):
        text += ", shared B"
    return text


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("task", choices=["lm", "vit"])
    parser.add_argument("--methods", nargs="+", choices=METHODS, default=list(METHODS))
    parser.add_argument("--steps", type=int, default=3000, help="lm: updates")
    parser.add_argument("--epochs", type=int, default=5, help="vit: passes over MNIST")
    parser.add_argument("--batch-size", type=int, default=None,
                        help="sequences (lm, default 32) or images (vit, default 128)")
    parser.add_argument("--d-model", type=int, default=None, help="default 128 (lm), 64 (vit)")
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--context", type=int, default=64, help="lm: tokens")
    parser.add_argument("--patch", type=int, default=7, help="vit: patch side (pixels)")
    parser.add_argument("--lr", type=float, default=1e-3, help="Adam step (all methods)")
    parser.add_argument("--dfa-lr", type=float, default=None,
                        help="Adam step of the two DFA methods (default --lr)")
    parser.add_argument("--lr-decay", type=float, default=1.0,
                        help="vit: learning-rate factor per epoch")
    parser.add_argument("--threshold", type=float, default=0.25,
                        help="optical DFA ternary threshold (relative to max |e|)")
    parser.add_argument("--encoding", default="ternary", choices=["ternary", "bitplanes"],
                        help="optical DFA error encoding")
    parser.add_argument("--shared", action="store_true",
                        help="one feedback matrix for every block (DigitalDFA and OpticalDFA "
                             "shared=True): the same signal at every block output")
    parser.add_argument("--preset", default="lighton", choices=sorted(lightsim.PRESETS))
    parser.add_argument("--evaluations", type=int, default=10, help="lm")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", default=None, help="save the histories as JSON")
    parser.add_argument("--out", default=None, help="figure (PNG)")
    parser.add_argument("--plot", nargs="+", default=None, metavar="JSON",
                        help="only draw the figure from saved histories")
    return parser.parse_args(argv)


def build_model(args, vocab_size=None):
    if args.task == "lm":
        return dfa.Transformer(vocab_size, context=args.context, d_model=args.d_model or 128,
                               n_heads=args.heads, n_layers=args.layers, seed=args.seed)
    return dfa.ViT((28, 28), args.patch, 10, d_model=args.d_model or 64, n_heads=args.heads,
                   n_layers=args.layers, seed=args.seed)


def build_feedback(method, model, args):
    if method == "bp":
        return dfa.Backprop()
    if method == "dfa":
        return dfa.DigitalDFA(seed=args.seed + 1, shared=args.shared)
    sizes = [p.size for p in model.feedback_points]
    n_out = max(sizes) if args.shared else sum(sizes)
    opu = lightsim.OPU(model.error_size, n_out, preset=args.preset, seed=args.seed + 2,
                       macro_pixels="auto")
    return dfa.OpticalDFA(opu, threshold=args.threshold, encoding=args.encoding,
                          seed=args.seed + 3, shared=args.shared)


def run(method, args):
    if args.task == "lm":
        train_ids, val_ids, alphabet = dfa.data.load_text("shakespeare")
        model = build_model(args, len(alphabet))
    else:
        data = dfa.data.load("mnist")
        model = build_model(args)
    feedback = build_feedback(method, model, args)
    lr = args.lr if method == "bp" or args.dfa_lr is None else args.dfa_lr
    start = time.perf_counter()
    if args.task == "lm":
        batch = args.batch_size or 32
        history = dfa.train_lm(model, feedback, (train_ids, val_ids), steps=args.steps,
                               batch_size=batch, optimizer=dfa.Adam(lr), seed=args.seed,
                               evaluations=args.evaluations)
        history["final_val_bits_per_char"] = dfa.bits_per_char(model, val_ids)
        tokens_per_step = batch * args.context
        steps = args.steps
    else:
        batch = args.batch_size or 128
        history = dfa.train(model, feedback, data, epochs=args.epochs, batch_size=batch,
                            optimizer=dfa.Adam(lr), seed=args.seed, lr_decay=args.lr_decay)
        tokens_per_step = batch
        steps = args.epochs * -(-len(data[0]) // batch)
    history["wall_time"] = time.perf_counter() - start
    cost = history["opu_cost"]
    if cost is not None:
        history["frames_per_step"] = cost["frames"] / steps
        history["frames_per_token"] = cost["frames"] / steps / tokens_per_step
        history["optical_time_per_step"] = cost["optical_time"] / steps
    history.update(method=method, task=args.task, lr=lr, lr_decay=args.lr_decay,
                   batch_size=batch, steps=steps,
                   d_model=model.d_model, n_layers=model.n_layers, n_heads=model.n_heads,
                   threshold=args.threshold, encoding=args.encoding, shared=args.shared,
                   preset=args.preset,
                   seed=args.seed)
    return history


def report(history):
    name = label(history)
    if history["task"] == "lm":
        print(f"{name}: validation {history['final_val_bits_per_char']:.3f} bits/char "
              f"(whole split) after {history['steps']} steps, {history['wall_time']:.0f} s")
    else:
        print(f"{name}: test accuracy {100 * history['test_accuracy'][-1]:.2f} % after "
              f"{history['steps']} steps, {history['wall_time']:.0f} s")
    print(f"  final alignment per block (degrees): "
          f"{', '.join(f'{a:.1f}' for a in history['alignment'][-1])}")
    if history.get("frames_per_step"):
        print(f"  OPU: {history['frames_per_step']:.0f} frames per step "
              f"({history['frames_per_token']:.1f} per token or image), "
              f"{history['optical_time_per_step']:.2f} s of optical time per step")


def plot(histories, out):
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for h in histories:
        name = label(h)
        if h["task"] == "lm":
            left.plot(h["step"], h["val_bits_per_char"], marker="o", label=name)
            x = h["step"]
        else:
            x = list(range(1, len(h["test_accuracy"]) + 1))
            left.plot(x, [100 * a for a in h["test_accuracy"]], marker="o", label=name)
        if h["method"] != "bp":
            for block, angles in enumerate(zip(*h["alignment"]), start=1):
                right.plot(x, angles, marker=".", label=f"{name}, block {block}",
                           linestyle="-" if h["method"] == "dfa" else "--")
    lm = histories[0]["task"] == "lm"
    left.set_xlabel("step" if lm else "epoch")
    left.set_ylabel("validation bits per character" if lm else "test accuracy (%)")
    if lm:
        left.axhline(3.59, color="grey", linestyle=":", label="add-one bigram (3.59)")
    left.legend()
    right.axhline(90, color="grey", linestyle=":")
    right.set_xlabel("step" if lm else "epoch")
    right.set_ylabel("alignment with the true gradient (degrees)")
    right.legend(fontsize=7)
    fig.suptitle("character-level Transformer on Shakespeare" if lm else "ViT on MNIST")
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    print(f"figure written to {out}")


def main(argv=None):
    args = parse_args(argv)
    if args.plot:
        histories = []
        for path in args.plot:
            with open(path) as f:
                histories.extend(json.load(f))
    else:
        histories = []
        for method in args.methods:
            histories.append(run(method, args))
            report(histories[-1])
        if args.json:
            with open(args.json, "w") as f:
                json.dump(histories, f, indent=1)
    if args.out:
        plot(histories, args.out)


if __name__ == "__main__":
    main()
