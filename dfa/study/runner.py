"""Points of a study, their execution, crash-safe storage and resumption.

A **point** is one training run: a full configuration (dataset and subset, network, optimiser,
feedback method, OPU keywords, OpticalDFA keywords, run options) plus a seed. Its identity,
:func:`point_key`, is a hash of that configuration (seed included) in canonical JSON, so the
same point reached from two axes (e.g. the preset's 8 bits on the bit-depth axis and the
preset's well fill on the saturation axis) is run once.

Storage (``out`` directory)::

    study.json          the study's settings (informative)
    points/<key>.h5     one file per finished point, written atomically
    results.h5          every point merged, with the axes' value -> key maps
    table.md            markdown table (dfa.study.report)
    study.png, .pdf     one panel per axis

Each point file is written by the coordinating process as soon as its run returns, through
``lightsim.io.atomic_write`` (temporary file in the same folder, fsync, ``os.replace``): a
crash or ``kill -9`` at any moment leaves only complete point files, and loses at most the
points in flight. Running the same study again skips every point whose file exists (after
checking that the stored configuration is the expected one) and runs the rest.

Points run through a ``concurrent.futures`` executor: a local ``ProcessPoolExecutor`` (spawned
workers, one BLAS / Numba thread each) sized to the cores by default, an in-process serial
executor for ``workers=0``, or a dask.distributed cluster through ``Client.get_executor()``.
"""

from __future__ import annotations

import _thread
import concurrent.futures as cf
import contextlib
import dataclasses
import hashlib
import json
import math
import multiprocessing
import os
import shutil
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import llvmlite
import numba
import numpy as np
from tqdm.auto import tqdm

import dfa
import lightsim
from lightsim import checks

from . import axes as axes_module

#: Version of the point configuration and of the files; part of every point's identity.
SCHEMA = 2
POINT_KIND = "dfa.study.point"
RESULTS_KIND = "dfa.study.results"
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "NUMBA_NUM_THREADS")


# ---------------------------------------------------------------------------- settings
#: ``(train_size, test_size)`` of ``"auto"`` per dataset (None: the whole set), and of
#: ``--quick``.
SUBSETS = {"mnist": (20_000, 5_000), "fashion-mnist": (20_000, 5_000),
           "optdigits": (None, None)}
QUICK_SUBSETS = {"mnist": (10_000, 2_000), "fashion-mnist": (10_000, 2_000),
                 "optdigits": (None, None)}
#: Models a study trains: an MLP, or a ViT on the same image datasets.
MODELS = ("mlp", "vit")


class PlanError(ValueError):
    """A study that would fail: raised by :func:`validate` before anything runs."""


@dataclass
class Study:
    """Settings of a study (what :func:`run_study` sweeps, and the fixed training setup).

    The defaults are the full study, sized to finish in about 45 minutes on 2 cores (see
    :mod:`dfa.study`); :meth:`quick` gives the ``--quick`` settings.

    Attributes
    ----------
    model : {"mlp", "vit"}
        The network: an MLP (``hidden``, ``activation``) or a ViT (``d_model``, ``n_heads``,
        ``n_layers``, ``patch``; images square, patches tiling them), fed back at every block
        output (:mod:`dfa.protocols`); the OPU reads one camera pixel per feedback value.
    dataset : {"mnist", "fashion-mnist", "optdigits"}
    train_size, test_size : int, None or "auto"
        Seeded random subsets (``data_seed``) of the training and test sets; None: all;
        ``"auto"`` (the default): :data:`SUBSETS` of the dataset (20 000 / 5 000 for the
        MNIST-sized sets, the whole of optdigits), the ``--quick`` column with ``quick``.
    hidden : tuple of int
        Hidden widths of the MLP (the OPU reads ``sum(hidden)`` camera pixels).
    activation : str
        Of the MLP.
    d_model, n_heads, n_layers, patch : int
        Of the ViT (the OPU reads ``n_layers * n_patches * d_model`` camera pixels).
    epochs, batch_size : int
    lr : float
        Adam step size (the same for every method).
    macro : int
        Rows of DMD mirrors per class: class ``k`` drives a block of ``macro`` rows x
        ``dmd_cols // n_classes`` mirrors (114 columns for 10 classes on the 1140-column
        DMD), see :class:`dfa.study.axes.Geometry`.
    seeds : int
        Seeds ``0 .. seeds - 1`` per point (model, feedback, OPU and shuffling).
    axes : tuple of str
        Axis names (see :data:`dfa.study.axes.AXES`).
    references : tuple of str
        Reference lines (names in :data:`dfa.study.axes.REFERENCES`).
    values : dict
        ``{axis name: [values]}`` replacing an axis's values.
    quick_values : bool
        Use each axis's ``quick`` values.
    data_seed : int
        Seed of the data subsets.
    """

    model: str = "mlp"
    dataset: str = "mnist"
    train_size: int | None | str = "auto"
    test_size: int | None | str = "auto"
    hidden: tuple = (256, 256)
    activation: str = "tanh"
    d_model: int = 32
    n_heads: int = 2
    n_layers: int = 2
    patch: int = 7
    epochs: int = 3
    batch_size: int = 64
    lr: float = 1e-3
    macro: int = 1
    seeds: int = 7
    axes: tuple = tuple(a.name for a in axes_module.AXES)
    references: tuple = tuple(r[0] for r in axes_module.REFERENCES)
    values: dict = field(default_factory=dict)
    quick_values: bool = False
    data_seed: int = 0

    @classmethod
    def quick(cls, **changes) -> Study:
        """The ``--quick`` settings: small net, data subset, one seed, fewer values."""
        settings = dict(hidden=(64, 64), epochs=3, seeds=1, quick_values=True)
        settings.update(changes)
        dataset = settings.get("dataset", "mnist")
        for name, size in zip(("train_size", "test_size"), QUICK_SUBSETS.get(dataset, ())):
            if settings.get(name, "auto") == "auto":
                settings[name] = size
        return cls(**settings)

    def __post_init__(self):
        checks.choice("model", self.model, MODELS)
        checks.choice("dataset", self.dataset, dfa.data.NAMES)
        for name, default in zip(("train_size", "test_size"), SUBSETS[self.dataset]):
            if isinstance(getattr(self, name), str) and getattr(self, name) == "auto":
                setattr(self, name, default)
            if getattr(self, name) is not None:
                checks.integer(name, getattr(self, name), minimum=1)
        self.hidden = tuple(checks.integer(f"hidden[{i}]", h, minimum=1)
                            for i, h in enumerate(self.hidden))
        if not self.hidden:
            raise ValueError("hidden must list at least one hidden width")
        checks.choice("activation", self.activation, dfa.network.ACTIVATIONS)
        for name in ("epochs", "batch_size", "macro", "seeds", "d_model", "n_heads",
                     "n_layers", "patch"):
            checks.integer(name, getattr(self, name), minimum=1)
        checks.integer("data_seed", self.data_seed, minimum=0)
        self.lr = checks.positive("lr", self.lr)
        self.axes = tuple(self.axes)
        if not self.axes:
            raise ValueError("axes is empty: name at least one axis (python -m dfa.study "
                             "--list-axes)")
        for name in self.axes:
            axes_module.get_axis(name)
        self.references = tuple(self.references)
        known = [r[0] for r in axes_module.REFERENCES]
        for name in self.references:
            if name not in known:
                raise ValueError(f"unknown reference {name!r}; known references: "
                                 f"{', '.join(known)}")
        if not isinstance(self.values, dict):
            raise TypeError(f"values must be a dict {{axis: [values]}}, got {self.values!r}")
        for name, values in self.values.items():
            axes_module.get_axis(name)
            if not isinstance(values, (list, tuple)) or not values:
                raise ValueError(f"values[{name!r}] must be a non-empty list, got {values!r}")
        self.values = {name: list(values) for name, values in self.values.items()}

    def axis_values(self, axis) -> list:
        """The values swept on ``axis`` (explicit ``values``, else quick or full list)."""
        if axis.name in self.values:
            return list(self.values[axis.name])
        return list(axis.quick if self.quick_values else axis.values)

    def to_dict(self) -> dict:
        """Plain JSON-serialisable settings."""
        out = dataclasses.asdict(self)
        out["hidden"], out["axes"] = list(self.hidden), list(self.axes)
        out["references"] = list(self.references)
        return out


FIELDS = tuple(f.name for f in dataclasses.fields(Study))


# ---------------------------------------------------------------------------- points
def canonical(config: dict) -> str:
    """Canonical JSON text of a configuration (sorted keys, no spaces)."""
    return json.dumps(config, sort_keys=True, separators=(",", ":"), allow_nan=False)


def point_key(config: dict) -> str:
    """Identity of a point: the first 20 hex digits of the SHA-256 of :func:`canonical`."""
    return hashlib.sha256(canonical(config).encode()).hexdigest()[:20]


@dataclass
class Point:
    """A configuration to run, its key, and where it appears (axis values, references)."""

    config: dict
    key: str
    labels: list = field(default_factory=list)


def _image_side(n_features: int) -> int:
    side = math.isqrt(n_features)
    if side * side != n_features:
        raise ValueError(f"model='vit' needs square images, got {n_features} features")
    return side


def _model_config(study: Study, n_features: int, n_classes: int) -> dict:
    """The network's part of a point's configuration (an MLP's keeps the schema-2 keys)."""
    if study.model == "mlp":
        return dict(sizes=[n_features, *study.hidden, n_classes], activation=study.activation)
    side = _image_side(n_features)
    return dict(model="vit", image_shape=[side, side], patch=study.patch,
                n_classes=n_classes, d_model=study.d_model, n_heads=study.n_heads,
                n_layers=study.n_layers)


def build_model(config: dict):
    """The (freshly initialised) network of a point's configuration."""
    if config.get("model", "mlp") == "vit":
        return dfa.ViT(tuple(config["image_shape"]), config["patch"], config["n_classes"],
                       d_model=config["d_model"], n_heads=config["n_heads"],
                       n_layers=config["n_layers"], seed=config["seed"])
    return dfa.MLP(config["sizes"], activation=config["activation"], seed=config["seed"])


def _base_config(study: Study, n_features: int, n_classes: int, seed: int) -> dict:
    return dict(schema=SCHEMA, dataset=study.dataset, train_size=study.train_size,
                test_size=study.test_size, data_seed=study.data_seed,
                **_model_config(study, n_features, n_classes),
                epochs=study.epochs, batch_size=study.batch_size, lr=study.lr, seed=seed)


def feedback_size(study: Study, n_features: int) -> int:
    """Camera pixels the OPU reads: one per feedback value of the study's network."""
    if study.model == "mlp":
        return sum(study.hidden)
    side = _image_side(n_features)
    if side % study.patch:
        raise ValueError(f"patch={study.patch} must divide the image side {side}")
    return study.n_layers * (side // study.patch) ** 2 * study.d_model


def geometry(study: Study, n_classes: int, n_features: int) -> axes_module.Geometry:
    """The OPU's size for the study's network."""
    return axes_module.Geometry.of(n_classes, feedback_size(study, n_features), study.macro)


def optical_config(base: dict, geo: axes_module.Geometry, overrides) -> dict:
    """A point's configuration for optical DFA with ``overrides`` (an ``Overrides``).

    Keywords equal to the defaults are dropped (:func:`dfa.study.axes.without_defaults`).
    """
    overrides = axes_module.without_defaults(overrides, geo)
    return dict(base, method="optical", n_in=geo.n_in, n_out=geo.n_out,
                opu={**geo.options, **overrides.opu}, feedback=dict(overrides.feedback),
                run=dict(overrides.run))


def plan(study: Study, n_features: int, n_classes: int) -> list:
    """Every point of ``study`` (deduplicated by key, labels merged), in a stable order.

    Labels are ``("reference", name, seed)`` and ``("axis", axis name, value, seed)``.
    """
    geo = geometry(study, n_classes, n_features)
    points: dict = {}

    def add(config, label):
        key = point_key(config)
        points.setdefault(key, Point(config, key)).labels.append(label)

    reference_specs = {name: (method, preset) for name, method, preset
                       in axes_module.REFERENCES}
    for seed in range(study.seeds):
        base = _base_config(study, n_features, n_classes, seed)
        for name in study.references:
            method, preset = reference_specs[name]
            if method == "optical":
                run = {} if preset == axes_module.BASE_PRESET else {"preset": preset}
                config = optical_config(base, geo, axes_module.Overrides({}, {}, run))
            else:
                config = dict(base, method=method)
            add(config, ("reference", name, seed))
        for name in study.axes:
            axis = axes_module.get_axis(name)
            for value in study.axis_values(axis):
                overrides = axis.apply(value, geo)
                add(optical_config(base, geo, overrides), ("axis", name, value, seed))
    return list(points.values())


# ---------------------------------------------------------------------------- one run
_DATA: dict = {}


def load_data(dataset, train_size, test_size, data_seed):
    """Seeded subsets of a dataset (cached per process)."""
    cache_key = (dataset, train_size, test_size, data_seed)
    if cache_key not in _DATA:
        x, y, xt, yt = dfa.data.load(dataset)
        rng = np.random.default_rng(data_seed)
        train = rng.permutation(len(x))[:train_size]
        test = rng.permutation(len(xt))[:test_size]
        _DATA.clear()
        _DATA[cache_key] = (x[train], y[train], xt[test], yt[test])
    return _DATA[cache_key]


def run_point(config: dict) -> dict:
    """Train one point and return its result (a plain dict of numbers, lists and text).

    Keys: ``key``, ``config`` (canonical JSON), ``diverged`` (the loss became NaN / inf:
    accuracies NaN), ``error`` (its message), ``history`` (``dfa.train``'s per-epoch lists),
    ``final_accuracy`` (last test accuracy), ``final_alignment`` (last epoch's angle averaged
    over the hidden layers, degrees), ``opu_cost`` (dict or None), ``measured``
    (``photons_per_pixel``, ``saturated_fraction``, ``exposure``: the mean exposure per
    frame in s, from the OPU's frame statistics over the whole run; NaN when not
    applicable) and ``wall_time`` (s).
    """
    start = time.perf_counter()
    data = load_data(config["dataset"], config["train_size"], config["test_size"],
                     config["data_seed"])
    model = build_model(config)
    feedback = axes_module.build_feedback(config)
    result = dict(key=point_key(config), config=canonical(config), diverged=False, error="")
    try:
        history = dfa.train(model, feedback, data, epochs=config["epochs"],
                            batch_size=config["batch_size"],
                            optimizer=dfa.Adam(config["lr"]), seed=config["seed"],
                            progress=False)
    except FloatingPointError as error:
        history = {k: [] for k in ("loss", "train_accuracy", "test_accuracy", "alignment",
                                   "time")}
        cost = getattr(feedback, "cost", None)
        history["opu_cost"] = None if cost is None else cost.summary()
        result.update(diverged=True, error=str(error))
    alignment = history["alignment"]
    result["history"] = {k: [float(v) for v in history[k]]
                         for k in ("loss", "train_accuracy", "test_accuracy", "time")}
    result["history"]["alignment"] = [[float(a) for a in row] for row in alignment]
    result["final_accuracy"] = (history["test_accuracy"][-1] if history["test_accuracy"]
                                else math.nan)
    result["final_alignment"] = (float(np.nanmean(alignment[-1]))
                                 if alignment and np.isfinite(alignment[-1]).any()
                                 else math.nan)
    result["opu_cost"] = history["opu_cost"]
    measured = {"photons_per_pixel": math.nan, "saturated_fraction": math.nan,
                "exposure": math.nan}
    opu = getattr(feedback, "opu", None)
    if opu is not None and opu.camera is not None:
        stats = opu.frame_stats
        measured.update(photons_per_pixel=stats.photons_per_pixel,
                        saturated_fraction=stats.saturated_fraction,
                        exposure=stats.mean_exposure)
    result["measured"] = measured
    result["wall_time"] = time.perf_counter() - start
    return result


# ---------------------------------------------------------------------------- storage
def _write_result(group, result: dict):
    group.attrs["kind"] = POINT_KIND
    group.attrs["study_schema"] = SCHEMA
    for name in ("key", "config", "error"):
        group.attrs[name] = result[name]
    group.attrs["diverged"] = bool(result["diverged"])
    config = json.loads(result["config"])
    group.attrs["seed"] = config["seed"]
    group.attrs["method"] = config["method"]
    for name in ("final_accuracy", "final_alignment", "wall_time"):
        group.attrs[name] = float(result[name])
    history = group.create_group("history")
    for name, values in result["history"].items():
        history.create_dataset(name, data=np.asarray(values, dtype=np.float64))
    measured = group.create_group("measured")
    for name, value in result["measured"].items():
        measured.attrs[name] = float(value)
    if result["opu_cost"] is not None:
        cost = group.create_group("opu_cost")
        for name, value in result["opu_cost"].items():
            cost.attrs[name] = value


def _attr(group, name, where):
    if name not in group.attrs:
        raise lightsim.io.FormatError(f"{where}: missing attribute {name!r}")
    value = group.attrs[name]
    if isinstance(value, bytes):
        value = value.decode()
    return value.item() if isinstance(value, np.generic) else value


def _read_result(group, where) -> dict:
    if _attr(group, "kind", where) != POINT_KIND:
        raise lightsim.io.FormatError(f"{where} is not a {POINT_KIND} record")
    if int(_attr(group, "study_schema", where)) > SCHEMA:
        raise lightsim.io.FormatError(f"{where} has study schema "
                                      f"{_attr(group, 'study_schema', where)}, newer than "
                                      f"this dfa.study ({SCHEMA})")
    result = {name: _attr(group, name, where) for name in
              ("key", "config", "error", "diverged", "final_accuracy", "final_alignment",
               "wall_time")}
    result["diverged"] = bool(result["diverged"])
    if "history" not in group or "measured" not in group:
        raise lightsim.io.FormatError(f"{where}: missing history or measured group")
    history = {}
    for name in ("loss", "train_accuracy", "test_accuracy", "time", "alignment"):
        if name not in group["history"]:
            raise lightsim.io.FormatError(f"{where}: missing history/{name}")
        history[name] = group["history"][name][()].tolist()
    result["history"] = history
    result["measured"] = {k: float(v) for k, v in group["measured"].attrs.items()}
    result["opu_cost"] = ({k: (v.item() if isinstance(v, np.generic) else v)
                           for k, v in group["opu_cost"].attrs.items()}
                          if "opu_cost" in group else None)
    if point_key(json.loads(result["config"])) != result["key"]:
        raise lightsim.io.FormatError(f"{where}: stored key {result['key']} does not match "
                                      f"its stored configuration")
    return result


def point_path(out, key) -> Path:
    return Path(out) / "points" / f"{key}.h5"


def write_point(out, result: dict) -> Path:
    """Write ``result`` to ``out/points/<key>.h5`` atomically."""
    return lightsim.io.atomic_write(point_path(out, result["key"]),
                                    lambda f: _write_result(f, result))


def read_point(path) -> dict:
    """A point file written by :func:`write_point` (validated)."""
    import h5py

    path = Path(path)
    try:
        f = h5py.File(path, "r")
    except OSError as error:
        raise lightsim.io.FormatError(f"{path} is not a readable HDF5 file ({error})") from None
    with f:
        return _read_result(f, str(path))


def finished(out, points) -> dict:
    """``{key: result}`` of the points whose file exists in ``out/points``.

    Raises ``FormatError`` if a file holds another configuration than its point's.
    """
    done = {}
    for point in points:
        path = point_path(out, point.key)
        if path.exists():
            result = read_point(path)
            if result["config"] != canonical(point.config):
                raise lightsim.io.FormatError(f"{path} holds another configuration than "
                                              f"point {point.key}; delete it to rerun")
            done[point.key] = result
    return done


def index(points) -> dict:
    """Where each point appears: ``{"axes": {name: {value: [keys]}}, "references": {name:
    {"": [keys]}}}``, values as JSON text, keys ordered by seed."""
    table: dict = {"axes": {}, "references": {}}
    for point in points:
        for label in point.labels:
            kind, name, *value, seed = label
            group = table["axes" if kind == "axis" else "references"]
            slot = json.dumps(value[0]) if value else ""
            group.setdefault(name, {}).setdefault(slot, {})[seed] = point.key
    for group in table.values():
        for slots in group.values():
            for slot, by_seed in slots.items():
                slots[slot] = [by_seed[s] for s in sorted(by_seed)]
    return table


def write_results(out, study: Study, points, results: dict) -> Path:
    """Merge every point into ``out/results.h5`` (atomically).

    Layout: root attributes ``kind``, ``study`` (JSON settings); ``points/<key>`` as in the
    point files; ``axes/<name>`` and ``references/<name>`` with datasets ``values`` (JSON
    text per value; empty for references) and ``keys`` ``(n_values, n_seeds)``.
    """
    import h5py

    where = index(points)

    def write(f):
        f.attrs["kind"] = RESULTS_KIND
        f.attrs["study_schema"] = SCHEMA
        f.attrs["study"] = json.dumps(study.to_dict())
        group = f.create_group("points")
        for point in points:
            if point.key in results:
                _write_result(group.create_group(point.key), results[point.key])
        for kind, group in where.items():
            for name, slots in group.items():
                g = f.require_group(kind).create_group(name)
                g.create_dataset("values", data=np.array(list(slots),
                                                         dtype=h5py.string_dtype()))
                g.create_dataset("keys", data=np.array(list(slots.values()),
                                                       dtype=h5py.string_dtype()))
                if kind == "axes":
                    g.attrs["label"] = axes_module.get_axis(name).label

    return lightsim.io.atomic_write(Path(out) / "results.h5", write)


def read_results(path) -> dict:
    """``{"study": dict, "points": {key: result}, "axes": ..., "references": ...}``.

    ``axes`` and ``references`` as in :func:`index` (values as JSON text).
    """
    import h5py

    path = Path(path)
    with h5py.File(path, "r") as f:
        if _attr(f, "kind", str(path)) != RESULTS_KIND:
            raise lightsim.io.FormatError(f"{path} is not a {RESULTS_KIND} file")
        out = {"study": json.loads(_attr(f, "study", str(path))), "axes": {},
               "references": {}}
        out["points"] = {key: _read_result(g, f"{path}:/points/{key}")
                         for key, g in f["points"].items()}
        for kind in ("axes", "references"):
            for name, g in f.get(kind, {}).items():
                values = [v.decode() for v in g["values"][()]]
                keys = [[k.decode() for k in row] for row in g["keys"][()]]
                out[kind][name] = dict(zip(values, keys))
    return out


# ---------------------------------------------------------------------------- executors
class SerialExecutor(cf.Executor):
    """Runs each submitted call at once in this process (``workers=0``, for debugging).

    :func:`run_study` does not submit to it: it runs the points one by one, saving each as
    it finishes, so that Ctrl-C stops the study at once and loses only the point in flight.
    """

    def submit(self, fn, /, *args, **kwargs):
        future = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as error:  # noqa: BLE001 - handed to the caller via the future
            future.set_exception(error)
        return future


def _completed(todo, futures):
    """``(point, result)`` as points finish: from ``futures`` ``{future: point}``, or, when
    there are none (in-process runs), by running ``todo`` one by one."""
    if not futures:
        for point in todo:
            yield point, run_point(point.config)
        return
    for future in cf.as_completed(futures):
        yield futures[future], future.result()


def default_workers() -> int:
    """Cores available to this process."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)


def _init_worker(parent: int):
    """Worker initializer: Ctrl-C outside the compiler (:func:`interrupts_kept`); end with
    the parent.

    A ``kill -9`` of the study would otherwise leave its pool's workers computing points
    that nobody will store.
    """
    signal.signal(signal.SIGINT, _interrupt_outside_compiler)

    def watch():
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="exit-with-parent").start()


#: Where Numba compiles: Python code there must not be interrupted (an exception in
#: llvmlite's callbacks or finalisers is printed with a traceback and lost, and can leave
#: half-built objects whose finalisers fail in turn).
_COMPILER = tuple(os.path.dirname(module.__file__) + os.sep for module in (numba, llvmlite))


def _in_compiler(frame) -> bool:
    while frame is not None:
        if frame.f_code.co_filename.startswith(_COMPILER):
            return True
        frame = frame.f_back
    return False


def _interrupt_outside_compiler(signum, frame):
    """SIGINT handler: KeyboardInterrupt, but never inside Numba's compiler.

    There the interrupt is delivered again 0.05 s later (from another thread, to the main
    thread), until it lands outside; compiled code itself runs without Python frames.
    """
    if _in_compiler(frame):
        threading.Timer(0.05, _thread.interrupt_main).start()
        return
    raise KeyboardInterrupt


@contextlib.contextmanager
def interrupts_kept():
    """Within this context Ctrl-C stops the study without landing in Numba's compiler.

    Numba compiles a kernel at its first call (and writes its cache through llvmlite); an
    interrupt there printed a traceback and was lost. The study's workers always run with
    the handler :func:`_interrupt_outside_compiler`; the command line uses this context.
    """
    previous = signal.signal(signal.SIGINT, _interrupt_outside_compiler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def _one_thread_per_worker():
    """Set the BLAS / Numba thread counts to 1 (unless set) for spawned workers."""
    saved = {name: os.environ.get(name) for name in THREAD_VARIABLES}
    for name in THREAD_VARIABLES:
        os.environ.setdefault(name, "1")
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextlib.contextmanager
def make_executor(workers=None, dask=None):
    """The executor of a study, as a context manager.

    Parameters
    ----------
    workers : int or None
        Local processes (None: one per core; 0: run in this process).
    dask : str or None
        ``"local"`` for a ``dask.distributed.LocalCluster`` of ``workers`` single-threaded
        processes, or a scheduler address (``"tcp://host:8786"``); the points then run
        through ``Client.get_executor()``. Needs ``pip install 'lightsim[dask]'``.
    """
    if dask is not None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ImportError("--dask needs dask.distributed: pip install "
                              "'dask[distributed]' (or the project's [dask] extra)") from None
        with contextlib.ExitStack() as stack:
            if dask == "local":
                n = default_workers() if workers is None else max(1, workers)
                stack.enter_context(_one_thread_per_worker())
                cluster = stack.enter_context(LocalCluster(n_workers=n, threads_per_worker=1,
                                                           processes=True))
                client = stack.enter_context(Client(cluster))
            else:
                client = stack.enter_context(Client(dask))
            yield client.get_executor(pure=False)
        return
    if workers is None:
        workers = default_workers()
    workers = checks.integer("workers", workers, minimum=0)
    if workers == 0:
        yield SerialExecutor()
        return
    with _one_thread_per_worker(), cf.ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker, initargs=(os.getpid(),)) as pool:
        yield pool


# ---------------------------------------------------------------------------- the study
def _describe(point) -> str:
    parts = []
    for label in point.labels:
        kind, name, *value, seed = label
        if kind == "reference":
            parts.append(f"{name} (seed {seed})")
        else:
            parts.append(f"{name}={axes_module.get_axis(name).format(value[0])} (seed {seed})")
    return ", ".join(parts)


def _clean_temporary(folder: Path):
    """Remove temporary files left by a killed writer (``.<name>.<random>.tmp``)."""
    for tmp in folder.glob(".*.tmp"):
        tmp.unlink(missing_ok=True)


def validate(study: Study) -> list:
    """Every point of ``study``, checked before any compute is spent on it.

    The subset sizes must fit the dataset, and every point's instrument and feedback must
    build (:func:`dfa.study.axes.build_feedback`: a value such as ``bits=0`` fails here,
    not in the middle of the study).

    Raises
    ------
    PlanError
        A ``ValueError`` naming the setting or the point (its axis, value and seed) and the
        reason.
    """
    x_train, y_train, x_test, _ = dfa.data.load(study.dataset)
    for name, size, available in (("train_size", study.train_size, len(x_train)),
                                  ("test_size", study.test_size, len(x_test))):
        if size is not None and size > available:
            raise PlanError(f"{name}={size} exceeds the {available} samples of the "
                            f"{study.dataset} {name.split('_')[0]} set")
    try:
        points = plan(study, x_train.shape[1], int(y_train.max()) + 1)
        build_model(points[0].config)
    except ValueError as error:
        raise PlanError(f"the study's network cannot be built: {error}") from None
    checked = set()
    for point in points:
        variant = canonical({k: v for k, v in point.config.items() if k != "seed"})
        if point.config["method"] != "optical" or variant in checked:
            continue  # the seed does not change whether a point builds
        checked.add(variant)
        try:
            axes_module.build_feedback(point.config)
        except (TypeError, ValueError) as error:
            raise PlanError(f"the point {_describe(point)} cannot be built: {error}") from None
    return points


def fit_line(text: str, tail: str = "") -> str:
    """``text + tail`` on one line of the terminal: ``text`` is cut (``...`` marks the cut),
    ``tail`` (a result) is kept whole."""
    width = max(20, shutil.get_terminal_size((100, 24)).columns - 1)
    text, tail = " ".join(text.split()), " ".join(tail.split())
    room = width - len(tail)
    if len(text) > room:
        text = text[:max(0, room - 3)] + "..."
    return text + tail


def run_study(study: Study, out, *, executor=None, workers=None, dask=None, log=print,
              report=True, progress=False) -> dict:
    """Run (or resume) a study and write its results, table and figure.

    Parameters
    ----------
    study : Study
    out : path-like
        Output directory (created).
    executor : concurrent.futures.Executor, optional
        Where points run; default :func:`make_executor` ``(workers, dask)``.
    workers, dask
        See :func:`make_executor` (ignored when ``executor`` is given).
    log : callable
        Called with one line of text (at most a terminal's width) per event (``print`` by
        default).
    report : bool
        Write ``table.md`` and the figure (``study.png``, ``study.pdf``).
    progress : bool
        A tqdm bar over the points to run, with its ETA, instead of one log line per point.

    Returns
    -------
    dict
        ``{"points": [Point], "results": {key: result}, "ran": int, "skipped": int,
        "wall_time": float}``.
    """
    start = time.perf_counter()
    out = Path(out)
    points = validate(study)  # before anything is written or run
    (out / "points").mkdir(parents=True, exist_ok=True)
    _clean_temporary(out / "points")
    _clean_temporary(out)
    (out / "study.json").write_text(json.dumps(study.to_dict(), indent=2) + "\n")
    results = finished(out, points)
    todo = [p for p in points if p.key not in results]
    log(fit_line(f"{len(points)} points: {len(results)} already finished, {len(todo)} to "
                 f"run (output in {out})"))
    with contextlib.ExitStack() as stack:
        if executor is None and todo:
            executor = stack.enter_context(make_executor(workers, dask))
        bar = stack.enter_context(tqdm(total=len(todo), unit="point", desc="study",
                                       disable=not progress or not todo, dynamic_ncols=True))
        futures = {} if isinstance(executor, SerialExecutor) else {
            executor.submit(run_point, p.config): p for p in todo}
        try:
            for done, (point, result) in enumerate(_completed(todo, futures), start=1):
                write_point(out, result)
                results[point.key] = result
                status = ("diverged" if result["diverged"]
                          else f"{100 * result['final_accuracy']:.2f} %")
                if progress:
                    bar.set_postfix_str(f"last {status}", refresh=False)
                    bar.update(1)
                else:
                    log(fit_line(f"[{done}/{len(todo)}] {_describe(point)}",
                                 f": {status} ({result['wall_time']:.1f} s)"))
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    write_results(out, study, points, results)
    if report:
        from . import report as report_module

        report_module.write_report(out, study, index(points), results)
        log(fit_line(f"table: {out / 'table.md'}, figure: {out / 'study.png'}"))
    return dict(points=points, results=results, ran=len(todo),
                skipped=len(points) - len(todo), wall_time=time.perf_counter() - start)
