"""GaussianMedium: generation kernel, products, statistics, drift, parameters, input checks."""

from __future__ import annotations

import numba
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import validation
from lightsim import _kernels, media
from lightsim.media import GaussianMedium

K_SE = 5.0
SEEDS = st.integers(0, 2**64 - 1)
TOL = {np.dtype(np.complex64): 1e-5, np.dtype(np.complex128): 1e-12}


def _bits(a):
    return np.ascontiguousarray(a).view(np.uint8)


# ---------------------------------------------------------------------------- kernel


@given(seeds=st.lists(SEEDS, min_size=1, max_size=3),
       rhos=st.lists(st.floats(0, 1), min_size=2, max_size=2),
       n_in=st.integers(1, 40), row0=st.integers(0, 10**6), n_rows=st.integers(1, 6),
       col0=st.integers(0, 39), n_cols=st.integers(1, 12), transpose=st.booleans(),
       dtype=st.sampled_from([np.complex64, np.complex128]))
def test_kernel_matches_reference_bit_for_bit(seeds, rhos, n_in, row0, n_rows, col0, n_cols,
                                              transpose, dtype):
    keys = np.array([_kernels.stream_key_reference(s, m) for m, s in enumerate(seeds)],
                    dtype=np.uint64)
    decay = np.array([0.0] + rhos[: len(seeds) - 1])
    gain = np.array([1.0] + [np.sqrt(1 - r * r) for r in rhos[: len(seeds) - 1]])
    rows = np.arange(row0, row0 + n_rows, dtype=np.int64)[::-1]  # any order of rows
    shape = (n_cols, n_rows) if transpose else (n_rows, n_cols)
    fast, slow = np.empty(shape, dtype), np.empty(shape, dtype)
    args = (keys, decay, gain, rows, col0, n_in, np.sqrt(0.5 / n_in), transpose)
    _kernels.gaussian_block(*args, fast)
    _kernels.gaussian_block_reference(*args, slow)
    np.testing.assert_array_equal(_bits(fast), _bits(slow))


def test_transposed_layout_is_the_transpose():
    keys, decay, gain = np.array([12345], dtype=np.uint64), np.zeros(1), np.ones(1)
    rows = np.arange(3, 9, dtype=np.int64)
    direct, transposed = np.empty((6, 5), np.complex64), np.empty((5, 6), np.complex64)
    _kernels.gaussian_block(keys, decay, gain, rows, 2, 11, 0.1, False, direct)
    _kernels.gaussian_block(keys, decay, gain, rows, 2, 11, 0.1, True, transposed)
    np.testing.assert_array_equal(_bits(direct), _bits(transposed.T))


# ---------------------------------------------------------------------------- same bits


@given(seed=SEEDS, n_in=st.integers(1, 30), n_out=st.integers(1, 30), block=st.integers(1, 31))
def test_same_matrix_whatever_block_rows_or_cache(seed, n_in, n_out, block):
    dense = GaussianMedium(n_in, n_out, seed, cache=False).matrix()
    cached = GaussianMedium(n_in, n_out, seed, cache=True)
    streamed = GaussianMedium(n_in, n_out, seed, cache=False, block=block)
    eye = np.eye(n_in, dtype=bool)
    np.testing.assert_array_equal(_bits(cached.matrix()), _bits(dense))
    np.testing.assert_array_equal(_bits(streamed.apply(eye)), _bits(dense.T))
    rows = np.arange(n_out)[::-2]
    for medium in (cached, streamed):
        np.testing.assert_array_equal(_bits(medium.matrix(rows)), _bits(dense[rows]))
        np.testing.assert_array_equal(_bits(medium.matrix(slice(1, None, 3))),
                                      _bits(dense[1::3]))


def test_same_matrix_whatever_thread_count():
    reference = GaussianMedium(64, 48, seed=9, cache=False).matrix()
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        single = GaussianMedium(64, 48, seed=9, cache=False).matrix()
    finally:
        numba.set_num_threads(before)
    np.testing.assert_array_equal(_bits(single), _bits(reference))


def test_negative_rows_and_seeds_differ():
    medium = GaussianMedium(5, 7, seed=1)
    T = medium.matrix()
    np.testing.assert_array_equal(medium.matrix([-1, 0]), T[[-1, 0]])
    assert not np.array_equal(GaussianMedium(5, 7, seed=2).matrix(), T)


def test_cache_policy(monkeypatch):
    medium = GaussianMedium(20, 30, seed=4)
    assert medium.cached
    assert not medium.matrix().flags.writeable  # the cache cannot be corrupted by callers
    monkeypatch.setattr(media, "CACHE_LIMIT", 20 * 30 * 8 - 1)
    streamed = GaussianMedium(20, 30, seed=4)
    assert not streamed.cached
    X = np.random.default_rng(0).random((3, 20)) < 0.5
    np.testing.assert_array_equal(streamed.apply(X), medium.apply(X))
    assert not GaussianMedium(2, 2, cache=False).cached
    assert GaussianMedium(2, 2, cache=True).cached


# ---------------------------------------------------------------------------- products


def _relative_error(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(b)


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
@pytest.mark.parametrize(("cache", "block"), [(True, None), (False, 7), (False, 2)])
@pytest.mark.parametrize("kind", ["bool", "int", "float32", "float64", "complex"])
def test_apply_equals_dense_product(dtype, cache, block, kind):
    # 6 samples against streamed blocks of 7 outputs (14 real columns) or of 2 (4 columns):
    # both ways of ordering the block product are exercised
    rng = np.random.default_rng(3)
    medium = GaussianMedium(70, 50, seed=2, dtype=dtype, cache=cache, block=block)
    X = {"bool": rng.random((6, 70)) < 0.5,
         "int": rng.integers(-3, 4, (6, 70)),
         "float32": rng.standard_normal((6, 70)).astype(np.float32),
         "float64": rng.standard_normal((6, 70)),
         "complex": rng.standard_normal((6, 70)) + 1j * rng.standard_normal((6, 70))}[kind]
    Y = medium.apply(X)
    assert Y.shape == (6, 50) and Y.dtype == np.dtype(dtype)
    expected = X.astype(np.complex128) @ medium.matrix().astype(np.complex128).T
    assert _relative_error(Y, expected) < TOL[np.dtype(dtype)]


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
@pytest.mark.parametrize("cache", [True, False])
def test_adjoint_dot_product_identity(dtype, cache):
    rng = np.random.default_rng(8)
    medium = GaussianMedium(40, 65, seed=6, dtype=dtype, cache=cache, block=9)
    x = rng.standard_normal((3, 40)) + 1j * rng.standard_normal((3, 40))
    y = rng.standard_normal((3, 65)) + 1j * rng.standard_normal((3, 65))
    lhs = np.vdot(medium.apply(x), y)
    rhs = np.vdot(x, medium.adjoint(y))
    assert abs(lhs - rhs) <= TOL[np.dtype(dtype)] * np.linalg.norm(x) * np.linalg.norm(y) * 10
    T = medium.matrix().astype(np.complex128)
    assert _relative_error(medium.adjoint(y), y @ T.conj()) < TOL[np.dtype(dtype)]
    real_y = rng.random((2, 65)) < 0.5
    assert _relative_error(medium.adjoint(real_y), real_y @ T.conj()) < TOL[
        np.dtype(dtype)]


def test_empty_batch():
    medium = GaussianMedium(8, 5, cache=False)
    assert medium.apply(np.zeros((0, 8), bool)).shape == (0, 5)
    assert medium.adjoint(np.zeros((0, 5))).shape == (0, 8)


# ---------------------------------------------------------------------------- statistics


@pytest.fixture(scope="module")
def entries():
    n_in, n_out = 250, 400
    T = GaussianMedium(n_in, n_out, seed=21).matrix().astype(np.complex128)
    return n_in, T


def test_mean_variance_and_circularity(entries):
    n_in, T = entries
    t = T.ravel()
    n = t.size
    s2 = 0.5 / n_in  # variance of the real and of the imaginary part
    assert abs(t.real.mean()) < K_SE * np.sqrt(s2 / n)
    assert abs(t.imag.mean()) < K_SE * np.sqrt(s2 / n)
    # |t|^2 is exponential with mean 1/n_in: SE = (1/n_in)/sqrt(n)
    assert abs(np.mean(np.abs(t) ** 2) * n_in - 1) < K_SE / np.sqrt(n)
    # each part: E a^2 = s2, Var a^2 = 2 s2^2
    for part in (t.real, t.imag):
        assert abs(np.mean(part**2) - s2) < K_SE * s2 * np.sqrt(2 / n)
    # circularity: Re t^2 = a^2 - b^2 and Im t^2 = 2ab, each of variance 4 s2^2
    square = np.mean(t**2)
    assert abs(square.real) < K_SE * 2 * s2 / np.sqrt(n)
    assert abs(square.imag) < K_SE * 2 * s2 / np.sqrt(n)
    # Gaussian fourth moment: E|t|^4 = 2/n_in^2, Var |t|^4 = 20/n_in^4
    assert abs(np.mean(np.abs(t) ** 4) * n_in**2 - 2) < K_SE * np.sqrt(20 / n)


def test_entries_are_gaussian_and_uncorrelated(entries):
    n_in, T = entries
    t = T.ravel()
    n = t.size
    # Kolmogorov-Smirnov against N(0, 1/(2 n_in)), DKW bound at false-alarm 1e-6
    from scipy import stats

    dkw = np.sqrt(np.log(2 / 1e-6) / (2 * n))
    assert stats.kstest(t.real * np.sqrt(2 * n_in), "norm").statistic < dkw
    assert stats.kstest(t.imag * np.sqrt(2 * n_in), "norm").statistic < dkw
    # neighbours in counter order (including across rows) are uncorrelated:
    # E[t_c conj(t_c+1)] = 0, each part of variance (1/n_in)^2 / 2
    lagged = np.mean(t[1:] * np.conj(t[:-1])) * n_in
    assert abs(lagged.real) < K_SE / np.sqrt(2 * (n - 1))
    assert abs(lagged.imag) < K_SE / np.sqrt(2 * (n - 1))


# ---------------------------------------------------------------------------- drift


@pytest.mark.parametrize("rho", [0.0, 0.3, 0.9])
def test_drift_correlation(rho):
    n_in, n_out = 200, 300
    medium = GaussianMedium(n_in, n_out, seed=5)
    drifted = medium.drift(rho, seed=5)  # same seed: still an independent W
    T = medium.matrix().astype(np.complex128)
    Td = drifted.matrix().astype(np.complex128)
    n = T.size
    estimate = np.real(np.vdot(T, Td)) / np.vdot(T, T).real
    # estimate - rho = c sum Re(W conj T) / sum |T|^2, Var Re(W conj T) = 1/(2 n_in^2)
    assert abs(estimate - rho) < K_SE * np.sqrt(1 - rho**2) / np.sqrt(2 * n)
    assert abs(np.mean(np.abs(Td) ** 2) * n_in - 1) < K_SE / np.sqrt(n)


def test_drift_chain_and_limits():
    medium = GaussianMedium(150, 200, seed=3, cache=False)
    twice = medium.drift(0.8, seed=1).drift(0.5, seed=1)
    T = medium.matrix().astype(np.complex128)
    T2 = twice.matrix().astype(np.complex128)
    estimate = np.real(np.vdot(T, T2)) / np.vdot(T, T).real
    assert abs(estimate - 0.4) < K_SE * np.sqrt(1 - 0.4**2) / np.sqrt(2 * T.size)
    np.testing.assert_array_equal(medium.drift(1.0, seed=7).matrix(), medium.matrix())
    assert twice.shape == medium.shape and not twice.cached
    x = np.random.default_rng(0).random((2, 150)) < 0.5
    assert _relative_error(twice.apply(x), x @ T2.T) < 1e-5


def test_innovation_is_the_last_drift_step():
    previous = GaussianMedium(30, 20, seed=4).drift(0.6, seed=9)
    current = previous.drift(0.8, seed=9)
    W = current.innovation().matrix().astype(np.complex128)
    expected = 0.8 * previous.matrix().astype(np.complex128) + 0.6 * W
    assert np.abs(current.matrix() - expected).max() < 1e-6  # complex64 rounding only
    with pytest.raises(ValueError, match="not drifted"):
        GaussianMedium(3, 3).innovation()


def test_parameters_round_trip():
    medium = GaussianMedium(30, 20, seed=2**64 - 1, dtype=np.complex128)
    params = medium.parameters()
    assert params == {"n_in": 30, "n_out": 20, "seed": 2**64 - 1, "dtype": "complex128",
                      "cache": "auto"}
    assert GaussianMedium(4, 3, cache=False, block=2).parameters()["block"] == 2
    drifted = medium.drift(0.7, seed=2**63 + 1).drift(0.2, seed=12)
    params = drifted.parameters()
    np.testing.assert_array_equal(params["drift_rho"], [0.7, 0.2])
    assert params["drift_seed"].dtype == np.uint64
    assert params["drift_seed"].tolist() == [2**63 + 1, 12]
    rebuilt = GaussianMedium(**params)
    assert rebuilt.dtype == np.complex128
    np.testing.assert_array_equal(_bits(rebuilt.matrix()), _bits(drifted.matrix()))


def test_parameters_survive_hdf5_attributes(tmp_path):
    h5py = pytest.importorskip("h5py")
    medium = GaussianMedium(6, 5, seed=2**64 - 1).drift(0.5, seed=2**63 + 5).drift(0.25, 3)
    with h5py.File(tmp_path / "m.h5", "w") as f:
        f.attrs.update(medium.parameters())
    with h5py.File(tmp_path / "m.h5", "r") as f:
        rebuilt = GaussianMedium(**dict(f.attrs))
    assert rebuilt.seed == medium.seed and rebuilt.drift_seed == medium.drift_seed
    np.testing.assert_array_equal(_bits(rebuilt.matrix()), _bits(medium.matrix()))


# ---------------------------------------------------------------------------- bad input


def test_bad_input():
    medium = GaussianMedium(10, 4)
    with pytest.raises(ValueError, match=r"X must have shape \(n_samples, 10\)"):
        medium.apply(np.zeros((2, 9)))
    with pytest.raises(ValueError, match="X"):
        medium.apply(np.zeros(10))
    with pytest.raises(ValueError, match="non-finite"):
        medium.apply(np.full((1, 10), np.nan))
    with pytest.raises(TypeError, match="numeric"):
        medium.apply(np.full((1, 10), "a"))
    with pytest.raises(ValueError, match=r"Y must have shape \(n_samples, 4\)"):
        medium.adjoint(np.zeros((1, 10)))
    with pytest.raises(ValueError, match="n_in"):
        GaussianMedium(0, 4)
    with pytest.raises(TypeError, match="n_out"):
        GaussianMedium(4, 2.5)
    with pytest.raises(TypeError, match="dtype"):
        GaussianMedium(4, 4, dtype=np.float32)
    with pytest.raises(ValueError, match="seed"):
        GaussianMedium(4, 4, seed=-1)
    with pytest.raises(ValueError, match="cache"):
        GaussianMedium(4, 4, cache="yes")
    with pytest.raises(ValueError, match="block"):
        GaussianMedium(4, 4, block=0)
    with pytest.raises(ValueError, match="n_in \\* n_out"):
        GaussianMedium(2**31, 2**31)
    for rho in (-0.1, 1.5, np.nan):
        with pytest.raises(ValueError, match="rho"):
            medium.drift(rho, seed=1)
    with pytest.raises(ValueError, match="drift_rho and drift_seed"):
        GaussianMedium(4, 4, drift_rho=(0.5,))
    with pytest.raises(ValueError, match="rows"):
        medium.matrix([4])
    with pytest.raises(TypeError, match="rows"):
        medium.matrix([0.5])


# ---------------------------------------------------------------------------- validation


@pytest.mark.slow
@pytest.mark.parametrize("name", ["speckle statistics", "marchenko-pastur", "opu kernel",
                                  "binary focusing"])
def test_validation_cases(name):
    for result in validation.run_case(name, "small"):
        assert result.passed, result


def test_marchenko_pastur_cdf_is_a_cdf():
    from validation.cases.media import mp_cdf

    for c in (0.25, 0.5, 1.0):
        values = mp_cdf(np.linspace(-1, 5, 61), c)
        assert values[0] == 0 and values[-1] == 1 and np.all(np.diff(values) >= 0)
    # quarter circle: P(s <= 1) = (sqrt(3)/2 + pi/3) / pi for a square matrix
    assert mp_cdf(1.0, 1.0)[0] == pytest.approx((np.sqrt(3) / 2 + np.pi / 3) / np.pi,
                                               abs=1e-9)


# ---------------------------------------------------------------------------- protocol


def _through_columns(medium, n_signal, power):
    """The reference field computed the long way: the sum of the reference mirrors' columns."""
    n_reference = medium.n_in - n_signal
    amplitude = np.sqrt(power * medium.n_in / n_reference)  # E|sum|^2 = n_ref a^2 / n_in
    frames = np.zeros((1, medium.n_in), np.float32)
    frames[0, n_signal:] = amplitude
    return medium.apply(frames)[0].astype(np.complex128)


def test_reference_shortcut_has_the_law_of_the_reference_columns():
    """GaussianMedium.reference_field draws CN(0, power) instead of summing the reference
    mirrors' columns: both are circular Gaussian of that power, with exponential intensity,
    uncorrelated with the signal columns, and they drift with the same correlation."""
    from scipy import stats

    n_out, n_signal, n_reference, power, rho = 20_000, 30, 60, 0.5, 0.6
    wide = GaussianMedium(n_signal + n_reference, n_out, seed=11)
    signal = GaussianMedium(n_signal, n_out, seed=12)
    for s, medium, drifted in (
            (_through_columns(wide, n_signal, power), wide, wide.drift(rho, seed=3)),
            (signal.reference_field(power, seed=7).astype(np.complex128), signal,
             signal.drift(rho, seed=3))):
        intensity = np.abs(s) ** 2
        se = intensity.std() / np.sqrt(n_out)
        assert abs(intensity.mean() - power) < K_SE * se
        assert abs(np.mean(s**2)) < K_SE * power / np.sqrt(n_out)  # circular: E s^2 = 0
        assert stats.kstest(intensity / power, "expon").pvalue > 1e-3
        columns = medium.matrix()[:, :n_signal].astype(np.complex128)
        corr = np.abs(columns.conj().T @ s) / np.sqrt(
            (np.abs(columns) ** 2).sum(0) * (np.abs(s) ** 2).sum())
        assert corr.max() < K_SE / np.sqrt(n_out)
        s2 = (_through_columns(drifted, n_signal, power) if medium is wide
              else drifted.reference_field(power, seed=7).astype(np.complex128))
        measured = np.vdot(s, s2).real / np.sqrt(np.vdot(s, s).real * np.vdot(s2, s2).real)
        assert abs(measured - rho) < K_SE * (1 - rho**2) / np.sqrt(n_out)


def test_reference_field_after_drifts_is_its_history_bit_for_bit():
    medium = GaussianMedium(5, 40, seed=1)
    chain = medium
    for rho, seed in ((0.9, 3), (0.5, 2**63 + 1), (0.99, 4)):
        chain.reference_field(0.5, 9)  # cached, so the next one updates it in one step
        chain = chain.drift(rho, seed)
    rebuilt = GaussianMedium(**chain.parameters())  # no parent: replays the history
    np.testing.assert_array_equal(_bits(rebuilt.reference_field(0.5, 9)),
                                  _bits(chain.reference_field(0.5, 9)))
    assert not np.array_equal(chain.reference_field(0.5, 9), medium.reference_field(0.5, 9))
    assert not np.array_equal(chain.reference_field(0.5, 9), chain.reference_field(0.5, 8))


def test_default_matrix_is_apply_on_unit_vectors():
    class Diagonal(media.Medium):
        kind = "diagonal-test"
        MATRIX_LIMIT = 100

        def __init__(self, d):
            self.d = np.asarray(d, np.complex64)
            self.n_in = self.n_out = self.d.size
            self.dtype = self.d.dtype

        def apply(self, X):
            return np.asarray(X, np.complex64) * self.d

        def adjoint(self, Y):
            return np.asarray(Y, np.complex64) * self.d.conj()

        drift = reference_field = parameters = None

    d = np.arange(1, 6) * (1 + 1j)
    np.testing.assert_array_equal(Diagonal(d).matrix(), np.diag(d).astype(np.complex64))
    np.testing.assert_array_equal(Diagonal(d).matrix(rows=[4]), np.diag(d)[[4]])
    with pytest.raises(ValueError, match="apply it"):
        Diagonal(np.ones(11)).matrix()
    with pytest.raises(NotImplementedError, match="innovation"):
        Diagonal(d).innovation()


def test_media_are_rebuilt_by_kind():
    medium = GaussianMedium(4, 3, seed=5).drift(0.5, 1)
    again = media.medium_from_parameters(medium.kind, medium.parameters())
    np.testing.assert_array_equal(again.matrix(), medium.matrix())
    with pytest.raises(ValueError, match="unknown medium kind 'slab'"):
        media.medium_from_parameters("slab", {})
