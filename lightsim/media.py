"""Scattering media: the :class:`Medium` protocol, and transmission matrices from a seed.

Protocol
--------
A :class:`Medium` is the linear stage between the DMD's signal mirrors (``n_in`` input
fields) and the camera plane's speckle grains (``n_out`` output fields). The OPU, :mod:`io`
and the study work with any medium through it: :meth:`Medium.apply` and
:meth:`Medium.adjoint` on batches, :meth:`Medium.matrix` when the medium can afford it,
:meth:`Medium.drift` on the optical clock, :meth:`Medium.reference_field` (the field that
the DMD's reference mirrors send through the same medium), :meth:`Medium.parameters` and a
:attr:`Medium.kind` by which :func:`medium_from_parameters` (and so :mod:`lightsim.io`)
rebuilds it. A new medium is one new subclass with its own ``kind``.

Model
-----
A multiply scattering medium maps ``n_in`` input modes (DMD mirrors) to ``n_out`` output modes
(camera speckle grains) through a complex transmission matrix ``T`` of shape ``(n_out, n_in)``:
``E_out = T E_in``. Far from the medium's surface and for a thick enough sample, the entries of
``T`` are i.i.d. circular complex Gaussian variables (fully developed speckle: J. W. Goodman,
*Speckle Phenomena in Optics*, Roberts & Co., 2007, ch. 2-3; measured transmission matrices
follow this model: S. M. Popoff et al., Phys. Rev. Lett. 104, 100601, 2010). Here
``E |T_kj|**2 = 1 / n_in`` (real and imaginary parts each of variance ``1 / (2 n_in)``), so an
output field ``T x`` has mean intensity ``||x||**2 / n_in``.

Generation
----------
Entry ``(k, j)`` is a pure function of ``(seed, k, j)``: the counter-based generator of
:mod:`lightsim._kernels` draws two uniforms from counters ``2 c`` and ``2 c + 1`` with
``c = k n_in + j`` and the Box-Muller transform turns them into the real and imaginary parts
(G. E. P. Box and M. E. Muller, Ann. Math. Statist. 29, 610, 1958). The same seed therefore
gives the same matrix bit for bit whatever the block size, the thread count or the subset of
rows asked for, and a huge matrix never has to sit whole in memory. (Entries are computed in
float64 with the C library's ``log``, ``cos`` and ``sin``; another libm could change the last
bit of an entry, never its statistics.)

Drift
-----
``T' = rho T + sqrt(1 - rho**2) W`` with ``W`` an independent Gaussian matrix of the same
statistics, so ``T'`` has the same law as ``T`` and correlation ``rho`` with it. Drifts chain;
the history ``(rho_m, seed_m)`` is part of the medium's parameters.
"""

from __future__ import annotations

import abc
import math

import numpy as np
from tqdm.auto import tqdm

from . import _kernels, checks, streams

CACHE_LIMIT = 2 * 1024**3
"""Largest dense ``T.T`` (bytes) that ``cache="auto"`` keeps in memory."""

BLOCK_BYTES = 64 * 1024**2
"""Target size (bytes) of one streamed column block of ``T.T``."""

_MAX_ENTRIES = 2**61  # counters 2 (k n_in + j) + 1 must fit in a signed 64-bit integer


class Medium(abc.ABC):
    """A linear optical stage from ``n_in`` input fields to ``n_out`` output fields.

    Subclasses set :attr:`kind`, ``n_in``, ``n_out``, ``dtype`` (complex) and, when their
    outputs have a place on the camera plane, :attr:`output_shape`, and implement
    :meth:`apply`, :meth:`adjoint`, :meth:`drift`, :meth:`reference_field` and
    :meth:`parameters`; :meth:`matrix` has a default built from :meth:`apply`, and
    :meth:`innovation` (what lets the OPU update a macro-pixel fold after a drift without
    refolding) is optional.
    """

    #: Name under which :func:`medium_kinds` and :mod:`lightsim.io` know the class.
    kind: str = ""

    #: Largest matrix (entries) that the default :meth:`matrix` builds from :meth:`apply`.
    MATRIX_LIMIT = 2**26

    n_in: int
    n_out: int
    dtype: np.dtype

    #: ``(rows, cols)`` of the outputs on the camera plane (row-major), for a medium with a
    #: geometry; ``None`` for independent outputs in no particular place (the OPU lays them
    #: out on its own camera plane, :mod:`lightsim.plane`).
    output_shape: tuple | None = None

    @property
    def shape(self):
        """``(n_out, n_in)``, the shape of the medium's matrix."""
        return (self.n_out, self.n_in)

    @abc.abstractmethod
    def apply(self, X):
        """Output fields ``(n_samples, n_out)`` of input fields ``X`` ``(n_samples, n_in)``."""

    @abc.abstractmethod
    def adjoint(self, Y):
        """Adjoint of :meth:`apply`: ``<apply(x), y> = <x, adjoint(y)>``, ``(n_samples, n_in)``."""

    @abc.abstractmethod
    def drift(self, rho, seed):
        """The medium after a decorrelation step of field correlation ``rho`` (a new medium)."""

    @abc.abstractmethod
    def reference_field(self, power, seed):
        """Field ``(n_out,)`` complex64 that the DMD's reference mirrors send to the outputs.

        ``power`` is its mean intensity per output (field units); ``seed`` fixes what the
        medium does not (for a matrix drawn at random, the reference mirrors' columns).
        """

    @abc.abstractmethod
    def parameters(self) -> dict:
        """Constructor arguments, as plain data, that rebuild the same medium."""

    def innovation(self):
        """The fresh part ``W`` of the last drift, ``T = rho T_prev + sqrt(1 - rho**2) W``.

        Raises ``NotImplementedError`` for media whose drift is not of that form (the OPU
        then recomputes what it derived from the medium).
        """
        raise NotImplementedError(f"{type(self).__name__} has no innovation matrix")

    def matrix(self, rows=None):
        """The matrix ``(n_out, n_in)`` (or ``rows`` of it), built from :meth:`apply`.

        Raises ``ValueError`` above :attr:`MATRIX_LIMIT` entries: such a medium is meant to be
        applied, not written down.
        """
        if self.n_in * self.n_out > self.MATRIX_LIMIT:
            raise ValueError(f"{type(self).__name__} of shape {self.shape} has more than "
                             f"{self.MATRIX_LIMIT} entries: apply it instead of building "
                             f"its matrix")
        full = self.apply(np.eye(self.n_in, dtype=self.dtype)).T
        return np.ascontiguousarray(full if rows is None else full[rows])


class GaussianMedium(Medium):
    """I.i.d. circular complex Gaussian transmission matrix ``T`` ``(n_out, n_in)``.

    ``E |T_kj|**2 = 1 / n_in``; see the module docstring for the model (Goodman 2007;
    Popoff et al., PRL 104, 100601, 2010) and the generation scheme.

    Parameters
    ----------
    n_in : int
        Number of input modes (columns of ``T``), >= 1.
    n_out : int
        Number of output modes (rows of ``T``), >= 1.
    seed : int
        Seed in ``[0, 2**64)``; the matrix is a pure function of it.
    dtype : complex64 or complex128
        Storage and arithmetic precision (entries are computed in float64, then rounded).
    cache : {"auto", True, False}
        Keep the dense ``T.T`` in memory after its first use. ``"auto"`` caches when it takes
        at most :data:`CACHE_LIMIT` bytes; otherwise :meth:`apply` streams ``T.T`` in column
        blocks, regenerated on every call.
    block : int, optional
        Number of outputs per streamed block; default: blocks of about :data:`BLOCK_BYTES`.
    drift_rho, drift_seed : sequence
        Drift history (see :meth:`drift`); normally left empty and filled by :meth:`drift` or
        by ``GaussianMedium(**medium.parameters())``.

    Notes
    -----
    For real or boolean inputs, :meth:`apply` multiplies by ``T.T`` viewed as a real
    ``(n_in, 2 n_out)`` matrix of interleaved real and imaginary parts: one real GEMM with half
    the floating-point work of a complex product, and no copy of ``T``.
    """

    kind = "gaussian"

    def __init__(self, n_in, n_out, seed=0, dtype=np.complex64, *, cache="auto", block=None,
                 drift_rho=(), drift_seed=()):
        self.n_in = checks.integer("n_in", n_in, minimum=1)
        self.n_out = checks.integer("n_out", n_out, minimum=1)
        if self.n_in * self.n_out > _MAX_ENTRIES:
            raise ValueError(f"n_in * n_out must be <= 2**61, got {self.n_in} * {self.n_out}")
        self.seed = checks.seed("seed", seed)
        self.dtype = checks.complex_dtype("dtype", dtype)
        if isinstance(cache, str) and cache == "auto":
            self.cache = "auto"
        elif isinstance(cache, (bool, np.bool_)):
            self.cache = bool(cache)
        else:
            raise ValueError(f"cache must be 'auto', True or False, got {cache!r}")
        self.block = None if block is None else checks.integer("block", block, minimum=1)
        rhos, seeds = tuple(drift_rho), tuple(drift_seed)
        if len(rhos) != len(seeds):
            raise ValueError(f"drift_rho and drift_seed must have the same length, got "
                             f"{len(rhos)} and {len(seeds)}")
        self.drift_rho = tuple(checks.in_range("drift_rho", r, 0.0, 1.0) for r in rhos)
        self.drift_seed = tuple(checks.seed("drift_seed", s) for s in seeds)
        self._tt = None
        self._references = {}  # (power, seed) -> reference field, see reference_field
        self._parent_references = None  # the parent's, after a drift: one step to update

    # ------------------------------------------------------------------ description

    @property
    def cached(self):
        """Whether ``T.T`` is (or will be, on first use) kept dense in memory."""
        if self.cache == "auto":
            return self.n_in * self.n_out * self.dtype.itemsize <= CACHE_LIMIT
        return self.cache

    def parameters(self):
        """Constructor arguments that rebuild the same matrix: ``GaussianMedium(**p)``.

        Keys ``n_in``, ``n_out``, ``seed`` (int), ``dtype`` (name), ``cache`` and, when set,
        ``block`` (they choose between one GEMM and streamed blocks, which round differently
        in the last bit) and, after a drift, ``drift_rho`` (float64 array) and ``drift_seed``
        (uint64 array, so that seeds above ``2**63`` survive storage as HDF5 attributes),
        oldest step first.
        """
        params = {"n_in": self.n_in, "n_out": self.n_out, "seed": self.seed,
                  "dtype": self.dtype.name, "cache": self.cache}
        if self.block is not None:
            params["block"] = self.block
        if self.drift_rho:
            params["drift_rho"] = np.array(self.drift_rho, dtype=np.float64)
            params["drift_seed"] = np.array(self.drift_seed, dtype=np.uint64)
        return params

    def __repr__(self):
        drift = f", drifts={len(self.drift_rho)}" if self.drift_rho else ""
        return (f"GaussianMedium(n_in={self.n_in}, n_out={self.n_out}, seed={self.seed}, "
                f"dtype={self.dtype.name}{drift})")

    # ------------------------------------------------------------------ generation

    def _streams(self):
        """Keys and drift coefficients of the streams combined into ``T`` (see _kernels)."""
        keys = [_kernels.stream_key_reference(self.seed, 0)]
        keys += [_kernels.stream_key_reference(s, m)
                 for m, s in enumerate(self.drift_seed, start=1)]
        decay = (0.0,) + self.drift_rho
        gain = (1.0,) + tuple(math.sqrt(1.0 - r * r) for r in self.drift_rho)
        return np.array(keys, dtype=np.uint64), np.array(decay), np.array(gain)

    def _generate(self, rows, out, transpose):
        """Fill ``out`` with ``T[rows]`` (or its transpose) with the Numba kernel."""
        keys, decay, gain = self._streams()
        _kernels.gaussian_block(keys, decay, gain, rows, 0, self.n_in,
                                math.sqrt(0.5 / self.n_in), transpose, out)
        return out

    def _transposed(self):
        """The dense ``T.T`` ``(n_in, n_out)``, C-contiguous and read-only (the cache)."""
        if self._tt is None:
            tt = np.empty((self.n_in, self.n_out), dtype=self.dtype)
            # block by block, so that Ctrl-C and the progress bar act between blocks (one
            # Numba call over a 2 GB cache runs for tens of seconds)
            width = self._block_width()
            with tqdm(total=-(-self.n_out // width), desc="generating T", unit="block",
                      delay=5.0, leave=False) as bar:
                for k0, k1, block in self._blocks():
                    tt[:, k0:k1] = block
                    bar.update(1)
            tt.flags.writeable = False
            self._tt = tt
        return self._tt

    def _block_width(self):
        if self.block is not None:
            return min(self.block, self.n_out)
        return max(1, min(self.n_out, BLOCK_BYTES // (self.n_in * self.dtype.itemsize)))

    def _blocks(self):
        """Yield ``(k0, k1, T.T[:, k0:k1])`` with one reused buffer (never two blocks)."""
        width = self._block_width()
        buffer = np.empty(self.n_in * width, dtype=self.dtype)
        for k0 in range(0, self.n_out, width):
            k1 = min(k0 + width, self.n_out)
            block = buffer[: self.n_in * (k1 - k0)].reshape(self.n_in, k1 - k0)
            yield k0, k1, self._generate(np.arange(k0, k1, dtype=np.int64), block, True)

    def _row_index(self, rows):
        if isinstance(rows, slice):
            return np.arange(self.n_out, dtype=np.int64)[rows]
        index = np.asarray(rows)
        if index.ndim != 1 or index.dtype.kind not in "iu":
            raise TypeError(f"rows must be None, a slice or a 1-D integer array, got "
                            f"shape {index.shape} and dtype {index.dtype}")
        index = index.astype(np.int64)
        bad = (index < -self.n_out) | (index >= self.n_out)
        if bad.any():
            raise ValueError(f"rows must be in [-{self.n_out}, {self.n_out}), got "
                             f"{int(index[bad][0])}")
        return np.where(index < 0, index + self.n_out, index)

    def matrix(self, rows=None):
        """The transmission matrix ``T`` ``(n_out, n_in)``, or the rows ``T[rows]``.

        Parameters
        ----------
        rows : None, slice or 1-D integer array
            Rows (outputs) to return; ``None`` for all of them.

        Returns
        -------
        ndarray
            When the medium is cached and ``rows`` is ``None``, a read-only view of the cache
            (``T.T.T``, Fortran-ordered, no copy); otherwise a new C-contiguous array.
        """
        if rows is None:
            if self.cached:
                return self._transposed().T
            index = np.arange(self.n_out, dtype=np.int64)
        else:
            index = self._row_index(rows)
            if self.cached:
                return np.ascontiguousarray(self._transposed().T[index])
        return self._generate(index, np.empty((index.size, self.n_in), dtype=self.dtype), False)

    # ------------------------------------------------------------------ products

    def _input(self, name, X, n):
        X = checks.finite_array(name, X)
        if X.ndim != 2 or X.shape[1] != n:
            raise ValueError(f"{name} must have shape (n_samples, {n}), got shape {X.shape}")
        return X

    def _as_operand(self, X, tt):
        """``tt`` as the right operand of ``X``: itself, or its real interleaved view."""
        return tt if X.dtype.kind == "c" else tt.view(X.dtype)

    def apply(self, X):
        """Output fields ``X @ T.T`` ``(n_samples, n_out)`` of input fields ``X``.

        Parameters
        ----------
        X : array_like ``(n_samples, n_in)``
            Input fields (bool, integer, real or complex, finite); computed in the medium's
            precision (``float32``/``complex64`` by default).

        Returns
        -------
        ndarray ``(n_samples, n_out)`` of the medium's dtype.

        Notes
        -----
        Streamed blocks are thin (``n_in x b``); when the batch is smaller than the block's
        ``b`` (or ``2 b`` real) columns, each block product is computed as
        ``(block.T @ X.T).T``: the same GEMM with the operands' roles swapped, which OpenBLAS
        runs up to tens of times faster for such shapes on a busy machine (measured in
        ``benchmarks/bench_media.py``).
        """
        X = self._input("X", X, self.n_in)
        real = checks.real_dtype_of(self.dtype)
        X = X.astype(self.dtype if X.dtype.kind == "c" else real, copy=False)
        if self.cached:
            product = X @ self._as_operand(X, self._transposed())
            return product.view(self.dtype)
        out = np.empty((X.shape[0], self.n_out), dtype=self.dtype)
        flat = out.view(X.dtype)  # (n_samples, 2 n_out) interleaved for real X
        per_output = flat.shape[1] // self.n_out
        X_t = (np.ascontiguousarray(X.T)
               if X.shape[0] < per_output * self._block_width() else None)
        width = self._block_width()
        with tqdm(total=-(-self.n_out // width), desc="streaming T", unit="block",
                  delay=5.0, leave=False) as bar:  # shown only after 5 s
            for k0, k1, block in self._blocks():
                operand = self._as_operand(X, block)
                dest = flat[:, per_output * k0:per_output * k1]
                dest[...] = X @ operand if X_t is None else (operand.T @ X_t).T
                bar.update(1)
        return out

    def adjoint(self, Y):
        """Back-propagated fields ``Y @ conj(T)`` ``(n_samples, n_in)`` (adjoint of apply).

        ``<T x, y> = <x, T^H y>`` with ``<a, b> = sum(conj(a) b)``.

        Parameters
        ----------
        Y : array_like ``(n_samples, n_out)``
            Output-side fields (finite, any numeric dtype).
        """
        Y = self._input("Y", Y, self.n_out)
        Y_conj = np.conj(Y.astype(self.dtype, copy=False))
        if self.cached:
            out = Y_conj @ self._transposed().T
        else:
            out = np.zeros((Y.shape[0], self.n_in), dtype=self.dtype)
            for k0, k1, block in self._blocks():
                out += Y_conj[:, k0:k1] @ block.T
        return np.conjugate(out, out=out)

    # ------------------------------------------------------------------ drift

    def innovation(self):
        """The fresh matrix ``W`` of the last drift step, as a medium of the same shape.

        ``T = rho T_prev + sqrt(1 - rho**2) W``: with it, anything linear in ``T`` (a folded
        or projected copy) can be updated at the cost of one ``W`` instead of regenerating
        the whole drift history.
        """
        if not self.drift_rho:
            raise ValueError("this medium has not drifted: it has no innovation matrix")
        return _Innovation(self)

    def drift(self, rho, seed):
        """The medium after a decorrelation step: ``T' = rho T + sqrt(1 - rho**2) W``.

        Parameters
        ----------
        rho : float
            Correlation between ``T'`` and ``T``, in ``[0, 1]`` (1: no change; 0: a new,
            independent medium).
        seed : int
            Seed of the fresh matrix ``W``. Drift step ``m`` draws ``W`` from stream ``m`` of
            this seed, so it is independent of ``T`` even if ``seed`` equals the medium's.

        Returns
        -------
        GaussianMedium
            Same shape, dtype and caching policy, with one more entry in its drift history.
        """
        rho = checks.in_range("rho", rho, 0.0, 1.0)
        seed = checks.seed("seed", seed)
        drifted = GaussianMedium(self.n_in, self.n_out, self.seed, self.dtype,
                                 cache=self.cache, block=self.block,
                                 drift_rho=self.drift_rho + (rho,),
                                 drift_seed=self.drift_seed + (seed,))
        drifted._parent_references = self._references
        return drifted

    def reference_field(self, power, seed):
        """Field ``(n_out,)`` complex64 of the DMD's reference mirrors through this medium.

        The reference mirrors are columns of the same i.i.d. Gaussian medium outside the
        ``n_in`` signal ones: their sum is circular Gaussian, independent of the signal
        columns (a sum of independent circular Gaussian variables; Goodman 2007, ch. 2),
        so it is drawn directly as ``sqrt(power) CN(0, 1)`` from ``seed``, and every drift
        step ``(rho_m, seed_m)`` of the medium applies to it as to ``T``:
        ``s <- rho_m s + sqrt(1 - rho_m**2) w_m`` with ``w_m`` from a sub-stream of
        ``seed_m``. ``tests/test_media.py`` checks the shortcut against the sum of the
        columns of a wider medium. Cached per ``(power, seed)``; after a drift it is updated
        from the parent's in one step.

        Parameters
        ----------
        power : float
            Mean intensity per output (field units), > 0.
        seed : int
            Seed of the reference columns, in ``[0, 2**64)``.
        """
        power = checks.positive("power", power)
        seed = checks.seed("seed", seed)
        key = (power, seed)
        if key not in self._references:
            parent = self._parent_references
            if parent is not None and key in parent:
                start, reference = len(self.drift_rho) - 1, parent[key]
            else:
                start, reference = 0, streams.complex_gaussian(seed, self.n_out, power)
            for rho, step_seed in zip(self.drift_rho[start:], self.drift_seed[start:]):
                fresh = streams.complex_gaussian(streams.derived_seed(step_seed, 5),
                                                 self.n_out, power)
                reference = (rho * reference + np.sqrt(1 - rho**2) * fresh).astype(
                    np.complex64)
            self._references[key] = reference
        return self._references[key].copy()


class _Innovation(GaussianMedium):
    """The ``W`` of a medium's last drift step (stream ``m`` of that step's seed)."""

    def __init__(self, medium):
        super().__init__(medium.n_in, medium.n_out, medium.drift_seed[-1], medium.dtype,
                         cache=medium.cache, block=medium.block)
        self._step = len(medium.drift_seed)

    def _streams(self):
        key = _kernels.stream_key_reference(self.seed, self._step)
        return np.array([key], dtype=np.uint64), np.array([0.0]), np.array([1.0])

    def parameters(self):
        raise TypeError("an innovation matrix is not a stand-alone medium: save its parent")


def medium_kinds() -> dict:
    """Every :class:`Medium` subclass with a :attr:`~Medium.kind`, by kind (imported ones)."""
    kinds, todo = {}, list(Medium.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.kind and not cls.__name__.startswith("_"):
            kinds.setdefault(cls.kind, cls)
    return kinds


def medium_from_parameters(kind, parameters):
    """Rebuild a medium from its :attr:`~Medium.kind` and :meth:`~Medium.parameters`.

    Raises
    ------
    ValueError
        For a kind no imported :class:`Medium` subclass has (:func:`medium_kinds`).
    """
    kinds = medium_kinds()
    if kind not in kinds:
        raise ValueError(f"unknown medium kind {kind!r}; known: {sorted(kinds)}")
    return kinds[kind](**parameters)
