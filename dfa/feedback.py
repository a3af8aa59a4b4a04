"""How the output error reaches the feedback points: backprop, digital DFA, optical DFA.

Every backend follows :class:`dfa.protocols.Feedback`: ``signals(model, cache, e)`` returns
one signal per feedback point of the model (:attr:`feedback_points`, bottom to top), each of
shape ``e.shape[:-1] + point.shape``, or ``None`` for "the true gradient"; the model's
``gradients(cache, signals, e)`` backpropagates locally from each point to the parameters it
owns (for an MLP, ``delta_l = signal_l * f'(a_l)`` and ``dW_l = delta_l.T @ h_{l-1} / n``; the
output layer always uses ``e`` itself). The error ``e = dL_i / d logits_i`` has one vector of
``model.error_size`` per sample (``n_classes``) or per token (``vocab_size``). ``cost`` is
``None`` except for the optical backend, where it is the OPU's frame / time / energy account.

Direct feedback alignment (Nokland 2016) replaces the backward pass by a fixed random
projection of the error to every feedback point at once: ``signal_p = e @ B_p.T``. The forward
weights come to align with the feedback so that the updates follow the gradient within 90
degrees. The optical version computes ``e @ B.T`` with an OPU (Launay et al.,
"Light-in-the-loop: using a photonics co-processor for scalable training of neural
networks", 2020; Wang et al., arXiv:2409.12965, 2024), one OPU input per error vector: for a
language model, one per token.

References
----------
A. Nokland, "Direct feedback alignment provides learning in deep neural networks", NeurIPS
2016.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from lightsim import checks, retrieval
from lightsim.encoders import ternary_values

DISTRIBUTIONS = ("gaussian", "uniform")
ENCODINGS = ("ternary", "bitplanes")
RESCALES = ("auto", "oracle", "calibration")


class Backprop:
    """The exact chain rule: ``None`` (the true gradient) at every feedback point, so that
    the model backpropagates from its output through every layer."""

    cost = None

    def signals(self, model, cache, e):
        return [None] * len(model.feedback_points)


def _layout(model):
    """What a feedback matrix depends on: the error size and the points' shapes."""
    return model.error_size, [p.shape for p in model.feedback_points]


def _blocks(model, shared):
    """``(start, stop)`` of each feedback point's rows in one stacked feedback matrix:
    consecutive blocks, or, ``shared``, the first ``point.size`` rows for every point."""
    sizes = [p.size for p in model.feedback_points]
    if shared:
        return [(0, size) for size in sizes]
    bounds = np.cumsum([0, *sizes])
    return list(zip(bounds[:-1].tolist(), bounds[1:].tolist()))


def _split(projected, model, e, shared):
    """The column blocks (:func:`_blocks`) of ``projected`` ``(n_vectors, pixels)``, each
    reshaped to ``e.shape[:-1] + point.shape``."""
    return [projected[:, lo:hi].reshape(*e.shape[:-1], *point.shape)
            for (lo, hi), point in zip(_blocks(model, shared), model.feedback_points)]


class DigitalDFA:
    """Direct feedback alignment with fixed random matrices ``B_p`` ``(point size,
    error_size)``, one per feedback point (``(sizes[l], n_classes)`` for an MLP).

    Parameters
    ----------
    seed : int
        Seeds the feedback matrices (independent of the model's seed).
    distribution : {"gaussian", "uniform"}
        Entries i.i.d. normal, or uniform in ``+-sqrt(3) * scale`` (same variance).
    shared : bool
        ``False``: one independent ``B_p`` per point. ``True``: a single ``B`` of shape
        ``(largest point size, error_size)`` whose first rows feed each point, in the manner
        of LightOn's TinyDFA (the points then receive correlated feedback).
    scale : float, optional
        Standard deviation of the entries; default ``1 / sqrt(error_size)``. With that choice
        each component of ``e @ B_p.T`` has the mean square of one component of ``e``
        (``E[(e B^T)_i^2] = |e|^2 / error_size``), whatever the number of classes. Only the
        product of this scale and the learning rate matters for plain SGD; Adam is nearly
        invariant to it (up to its ``eps``).

    The matrices are built on the first call from the model's layout (error size and point
    shapes; the model's dtype) and then fixed; using the same object with a model of
    another layout raises.
    """

    cost = None

    def __init__(self, seed=0, distribution="gaussian", shared=False, scale=None):
        self.seed = checks.seed("seed", seed)
        self.distribution = checks.choice("distribution", distribution, DISTRIBUTIONS)
        self.shared = bool(shared)
        self.scale = None if scale is None else checks.positive("scale", scale)
        self._matrices = None
        self._sizes = None

    def matrices(self, model) -> list:
        """The feedback matrices, one ``(point size, error_size)`` per feedback point."""
        if self._sizes is None:
            self._build(model)
        elif self._sizes != _layout(model):
            raise ValueError(f"this DigitalDFA was built for a model with (error size, "
                             f"feedback point shapes) {self._sizes}, got {_layout(model)}")
        return self._matrices

    def _draw(self, rng, shape, scale, dtype):
        if self.distribution == "gaussian":
            return (scale * rng.standard_normal(shape)).astype(dtype)
        limit = np.sqrt(3.0) * scale
        return rng.uniform(-limit, limit, size=shape).astype(dtype)

    def _build(self, model):
        rng = np.random.default_rng(self.seed)
        n_errors = model.error_size
        scale = 1 / np.sqrt(n_errors) if self.scale is None else self.scale
        widths = [p.size for p in model.feedback_points]
        if self.shared and widths:
            shared = self._draw(rng, (max(widths), n_errors), scale, model.dtype)
            self._matrices = [shared[:w] for w in widths]
        else:
            self._matrices = [self._draw(rng, (w, n_errors), scale, model.dtype)
                              for w in widths]
        self._sizes = _layout(model)

    def signals(self, model, cache, e):
        return [(e @ b.T).reshape(*e.shape[:-1], *point.shape)
                for b, point in zip(self.matrices(model), model.feedback_points)]


class OpticalDFA:
    """Direct feedback alignment with the projection ``e @ B.T`` done by an OPU.

    Each call (one batch of errors ``e`` ``(..., error_size)``, one OPU input per error
    vector: per sample for a classifier, per token for a language model; below ``n_classes``
    stands for ``error_size``):

    1. **Normalise** every error vector by ``r = max_k |e_k|`` (rows with ``r = 0`` stay zero):
       ``u = e / r`` in ``[-1, 1]``.
    2. **Encode** for the DMD. ``"ternary"``: ``t = +1`` where ``u > threshold``, ``-1``
       where ``u < -threshold``, else 0; the threshold is *relative* to the sample's largest
       error component (``threshold=0`` keeps the sign of every non-zero component). The OPU
       shows it as ``e+`` and ``e-`` binary frames. ``"bitplanes"``: ``u`` itself, which the
       OPU sends as sign bit planes.
    3. **Macro-pixels** are the OPU's: build it with ``n_in = n_classes`` and
       ``macro_pixels="auto"`` (or a block size) so that class ``k`` drives a block of
       mirrors: more light per class, a feedback less dominated by noise, and the OPU folds
       the blocks into an ``(n_out, n_classes)`` matrix instead of simulating every mirror.
    4. **Project** with ``opu.linear_transform(X, encoding=...)`` -> ``(n_samples, n_out)``.
    5. **Rescale**: multiply each sample back by ``r`` and divide by the scale, the target
       being ``sqrt(n_classes) * rms(B_c)`` with ``B_c`` ``(n_out, n_classes)`` the OPU's
       ideal feedback matrix (restricted to the pixels used): the feedback matrix ``B_c /
       scale`` then has entries of rms ``1 / sqrt(n_classes)``, the default of
       :class:`DigitalDFA`, so both backends work with the same learning rates.
       ``rescale="auto"`` *measures* it as a bench would, from the OPU's own output: on the
       first call, ``probes`` random sign vectors ``p`` (entries +-1, seeded) are projected
       through ``opu.linear_transform`` and the scale is the rms of the projections over
       the pixels used, since ``E[(B_c p)_k**2] = sum_j B_kj**2`` for independent signs
       (the detection noise adds its variance, so the measured scale is slightly high: an
       honest bench effect). Their frames are counted in the OPU's cost. ``"oracle"``
       reads the exact :meth:`effective_matrix` instead, which a real bench cannot know
       (kept for comparison); ``"calibration"`` computes it from the calibrated ``B_hat``
       (``calibration``, below); a number is used as given. With ``normalize_rows`` every
       pixel ``k`` is divided by the norm of its calibrated row ``|B_hat_k|`` instead, so
       that every feedback row has unit norm (rms ``1 / sqrt(n_classes)`` per entry, the
       digital default) and no further rescale is applied.
    6. **Slice** the first ``sum(point sizes)`` camera pixels into consecutive blocks, one
       per feedback point (independent feedback per point), reshaped to the point's shape;
       the model multiplies an MLP's by ``f'(a_l)``. With ``shared``, every point reads the
       same first ``point.size`` pixels instead (one feedback matrix for all the points, as
       ``DigitalDFA(shared=True)``; ``max(point sizes)`` pixels in all).

    Parameters
    ----------
    opu : lightsim.OPU
        Needs ``n_in == model.error_size`` and ``n_out >=`` the sum of the feedback points'
        sizes (the hidden widths of an MLP, ``n_layers * d_model`` for a language model), or
        their largest with ``shared``.
    threshold : float
        Relative ternarisation threshold in ``[0, 1)`` (``"ternary"`` only). Keep it above
        ``1 / (n_classes - 1)``: an untrained softmax network predicts ``p_k ~ 1 / n_classes``,
        so the wrong-class components of ``e`` are about ``1 / (n_classes - 1)`` of the largest
        one (0.11 for 10 classes); a lower threshold turns all of them into ``+1`` and the
        feedback into a class-independent common mode. Measured on optdigits (64-64-10 tanh,
        ideal OPU, Adam 3e-3, 10 epochs, 3 seeds): threshold 0.1 gives 23-44 % test accuracy
        after the first epoch and 91-93 % at the end; 0.2-0.5 give 80-85 % and 94.5-95.5 %.
    encoding : {"ternary", "bitplanes"}
    rescale : {"auto", "oracle"} or float
        Divisor of the projection (see step 5).
    probes : int
        Sign probes of ``rescale="auto"`` (>= 1), each a ternary projection (4 frames with
        4-frame holography).
    seed : int
        Seeds the probes (and the calibration probes).
    calibration : lightsim.retrieval.Calibration or int, optional
        What the bench knows of the instrument's ``B``: a holographic calibration (real
        ``B_hat`` ``(n_out, n_classes)``, :func:`lightsim.retrieval.calibrate`), or a budget
        in DMD frames per input (an even integer >= 2) with which this object calibrates the
        OPU itself before its first projection (Hadamard probes, ``frames / 2`` probes per
        input but at least ``n_in + 1``, 2 frames each, with a fitted offset; the frames
        count in the OPU's cost). Needed by
        ``rescale="calibration"`` and ``normalize_rows``.
    normalize_rows : bool
        Divide every camera pixel by its calibrated row norm (see step 5): a bench's
        equalisation of the speckle's row-to-row power (of the reference ``|s_k|`` and of
        the rows of ``T``), which the OPU's own ``normalize_rows`` option does with the exact
        ``|s_k|``.
    shared : bool
        Feed every point from the same camera pixels (step 6).
    recalibrate_every : float, optional
        Optical time (s, on :attr:`lightsim.OPU.optical_clock`) after which the calibration
        is measured again (before the next projection), as a bench does when its medium
        drifts; needs ``calibration`` as a frame budget. ``None``: calibrate once.

    Notes
    -----
    With ternary encoding the feedback keeps, within a sample,
    only the sign pattern of the large error components. The OPU's frames (including those
    of the alignment measurements of :func:`dfa.train`) are counted in ``cost``.
    """

    def __init__(self, opu, threshold=0.25, encoding="ternary", rescale="auto", probes=32,
                 seed=0, calibration=None, normalize_rows=False, recalibrate_every=None,
                 shared=False):
        for attribute in ("n_in", "n_out", "linear_transform", "effective_matrix", "cost"):
            if not hasattr(opu, attribute):
                raise TypeError(f"opu must be a lightsim.OPU (missing {attribute!r}), got "
                                f"{type(opu).__name__}")
        self.opu = opu
        self.threshold = checks.in_range("threshold", threshold, 0.0, 1.0)
        if self.threshold == 1.0:
            raise ValueError("threshold must be < 1 (1 would zero every error), got 1.0")
        self.encoding = checks.choice("encoding", encoding, ENCODINGS)
        if rescale not in RESCALES:
            rescale = checks.positive("rescale", rescale)
        self.rescale = rescale
        self.probes = checks.integer("probes", probes, minimum=1)
        self.seed = checks.seed("seed", seed)
        self.calibration = self._check_calibration(calibration)
        self.normalize_rows = checks.boolean("normalize_rows", normalize_rows)
        self.shared = checks.boolean("shared", shared)
        if (self.rescale == "calibration" or self.normalize_rows) and calibration is None:
            raise ValueError("rescale='calibration' and normalize_rows=True need a "
                             "calibration (a lightsim.retrieval.Calibration or a frame "
                             "budget per input)")
        if self.normalize_rows and rescale != "auto":
            raise ValueError(f"normalize_rows=True gives every row unit norm and applies no "
                             f"rescale: leave rescale at 'auto', got {rescale!r}")
        self.recalibrate_every = recalibrate_every
        if recalibrate_every is not None:
            self.recalibrate_every = checks.positive("recalibrate_every", recalibrate_every)
            if not isinstance(self.calibration, int):
                raise ValueError("recalibrate_every needs calibration as a frame budget per "
                                 "input (an int), so that this object can recalibrate")
            if not hasattr(opu, "optical_clock"):
                raise TypeError(f"recalibrate_every needs an instrument with an optical_clock "
                                f"(a lightsim.OPU), got {type(opu).__name__}")
        self._scale = None
        self._sizes = None
        self._estimate = None if isinstance(self.calibration, (int, type(None))) else (
            self.calibration.matrix)
        self._calibrated_at = -math.inf

    def _check_calibration(self, calibration):
        if calibration is None:
            return None
        if isinstance(calibration, retrieval.Calibration):
            matrix = calibration.matrix
            if np.iscomplexobj(matrix) or matrix.shape != (self.opu.n_out, self.opu.n_in):
                raise ValueError(f"calibration must be holographic (a real B_hat of shape "
                                 f"({self.opu.n_out}, {self.opu.n_in})), got a "
                                 f"{matrix.dtype} matrix of shape {matrix.shape} from "
                                 f"method={calibration.method!r}")
            return calibration
        frames = checks.integer("calibration", calibration, minimum=2)
        if frames % 2:
            raise ValueError(f"calibration as a frame budget must be an even number of frames "
                             f"per input (each probe costs 2 frames), got {frames}")
        return frames

    def calibrated_matrix(self) -> np.ndarray | None:
        """The calibrated ``B_hat`` ``(n_out, n_classes)`` in use (measured on first use when
        ``calibration`` is a frame budget, and again every ``recalibrate_every`` s of
        optical time); ``None`` without a calibration."""
        if isinstance(self.calibration, int):
            due = (self._estimate is None or (
                self.recalibrate_every is not None
                and self.opu.optical_clock - self._calibrated_at >= self.recalibrate_every))
            if due:
                n_probes = max(self.opu.n_in + 1, self.calibration * self.opu.n_in // 2)
                self._estimate = retrieval.calibrate(self.opu, n_probes, method="holographic",
                                                     seed=self.seed).matrix
                if self.recalibrate_every is not None:
                    self._calibrated_at = self.opu.optical_clock
                if self.rescale == "calibration":
                    self._scale = None
        return self._estimate

    def _row_norms(self, used):
        """Calibrated row norms of the pixels used (inf where a row is zero: no feedback)."""
        norms = np.linalg.norm(self.calibrated_matrix()[:used], axis=1)
        return np.where(norms > 0, norms, np.inf)

    @property
    def cost(self):
        """The OPU's frame / time / energy account (``lightsim.accounting.Cost``)."""
        return self.opu.cost

    def _layout(self, model):
        """Number of camera pixels used, checked against the model and the OPU."""
        if self._sizes is not None and self._sizes != _layout(model):
            raise ValueError(f"this OpticalDFA was set up for a model with (error size, "
                             f"feedback point shapes) {self._sizes}, got {_layout(model)}")
        n_errors, points = model.error_size, model.feedback_points
        if self.opu.n_in != n_errors:
            raise ValueError(f"opu.n_in={self.opu.n_in} must equal the model's error size "
                             f"{n_errors} (n_classes, or vocab_size for a language model: one "
                             f"input per error component; spread each over many mirrors with "
                             f"the OPU's macro_pixels option)")
        used = max(hi for _, hi in _blocks(model, self.shared))
        if self.opu.n_out < used:
            sizes = (f"max({', '.join(f'{p.name} {p.size}' for p in points)})" if self.shared
                     else " + ".join(f"{p.name} {p.size}" for p in points))
            raise ValueError(f"opu.n_out={self.opu.n_out} is smaller than the feedback points' "
                             f"sizes {sizes} = {used}: one camera pixel is needed per "
                             f"feedback value")
        self._sizes = _layout(model)
        return used

    def _class_matrix(self, model):
        """Ideal ``B_c`` ``(pixels used, n_classes)``."""
        return np.asarray(self.opu.effective_matrix())[:self._layout(model)]

    def scale(self, model) -> float:
        """The divisor of step 5 (measured or read once, then fixed; 1 with
        ``normalize_rows``; re-read at each recalibration with ``rescale="calibration"``)."""
        if self.calibration is not None:
            self.calibrated_matrix()  # (re)calibrated first, as on a bench; resets the scale
        if self.normalize_rows:
            return 1.0
        if self._scale is None:
            if self.rescale == "auto":
                used = self._layout(model)
                rng = np.random.default_rng(self.seed)
                signs = rng.choice(np.array([-1, 1], dtype=np.int8),
                                   size=(self.probes, model.error_size))
                y = self.opu.linear_transform(signs, encoding="ternary")[:, :used]
                self._scale = float(np.sqrt(np.mean(y * y)))
            elif self.rescale in ("oracle", "calibration"):
                b = (self._class_matrix(model) if self.rescale == "oracle"
                     else self.calibrated_matrix()[:self._layout(model)])
                self._scale = float(np.sqrt(model.error_size * np.mean(b * b)))
            else:
                self._scale = self.rescale
            if self._scale == 0:  # e.g. a 1-bit camera whose every pixel reads 0 DN
                warnings.warn("the OPU returned no signal on the rescale probes (too little "
                              "light for its camera?): the optical feedback is zero",
                              RuntimeWarning, stacklevel=2)
                self._scale = math.inf
        return self._scale

    def matrices(self, model) -> list:
        """The ideal feedback matrices, one ``(point size, error_size)`` per feedback point.

        What the optical feedback approximates: slices of ``B_c / scale``. Exact up to the
        encoding (ternarisation, bit depth) and the OPU's noise.
        """
        b = self._class_matrix(model) / self.scale(model)
        if self.normalize_rows:
            b = b / self._row_norms(len(b))[:, None]
        return [b[lo:hi] for lo, hi in _blocks(model, self.shared)]

    def encode(self, e):
        """``(encoded errors (n_vectors, n_classes), r = max_k |e_k| (n_vectors,))`` from
        errors ``(n_vectors, n_classes)``."""
        e = np.asarray(e, dtype=np.float64)
        r = np.abs(e).max(axis=1)
        u = e / np.where(r > 0, r, 1.0)[:, None]
        if self.encoding == "bitplanes":
            return u, r
        return ternary_values(u, self.threshold), r

    def signals(self, model, cache, e):
        used = self._layout(model)
        scale = self.scale(model)  # measured before the first projection, as on a bench
        encoded, r = self.encode(np.reshape(e, (-1, e.shape[-1])))
        projected = self.opu.linear_transform(encoded, encoding=self.encoding)
        projected = projected[:, :used] * (r / scale)[:, None]
        if self.normalize_rows:
            projected /= self._row_norms(used)[None, :]
        return _split(projected, model, e, self.shared)
