"""Tests of lightsim.dmd: device model, binary encoders, macro-pixels and Lee holograms."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import validation
from lightsim.dmd import DMD, MacroPixelLayout, check_binary
from lightsim.encoders import (
    BitPlaneEncoder,
    SeparatedBitPlanEncoder,
    ThresholdEncoder,
    ternary,
    ternary_values,
)
from lightsim.holograms import lee_decode, lee_hologram

# ---------------------------------------------------------------------------- check_binary


@pytest.mark.parametrize(
    "frames",
    [
        np.array([[True, False], [False, True]]),
        np.array([[1, 0], [0, 1]], dtype=np.int64),
        np.array([[1, 0], [0, 1]], dtype=np.uint8),
        np.array([[1.0, 0.0], [-0.0, 1.0]], dtype=np.float32),
        [[1, 0], [0, 1]],
    ],
)
def test_check_binary_accepts_bool_and_01(frames):
    out = DMD(shape=(2, 2)).check_binary(frames)
    assert out.dtype == bool
    np.testing.assert_array_equal(out, [[True, False], [False, True]])


def test_check_binary_returns_bool_input_without_copy():
    frames = np.zeros((3, 4), dtype=bool)
    assert check_binary(frames) is frames


@pytest.mark.parametrize("bad", [0.5, 2, -1])
def test_check_binary_rejects_other_values(bad):
    frames = np.array([[0, 1, bad, 1]], dtype=float)
    with pytest.raises(ValueError, match="my_frames") as info:
        check_binary(frames, name="my_frames")
    message = str(info.value)
    assert repr(float(bad)) in message
    assert "0 or 1" in message and "bool" in message


def test_check_binary_rejects_nan():
    with pytest.raises(ValueError, match="nan"):
        check_binary(np.array([0.0, np.nan, 1.0]), name="x")


@pytest.mark.parametrize(
    "bad", [np.array(["0", "1"]), np.array([0, 1], dtype=object), np.array([0j, 1 + 0j])]
)
def test_check_binary_rejects_non_real_types(bad):
    with pytest.raises(TypeError, match="frames.*bool"):
        check_binary(bad)


# ---------------------------------------------------------------------------- device


def test_effective_input_values_exact():
    illumination = np.arange(1, 13, dtype=np.float64).reshape(3, 4) / 4
    dmd = DMD(shape=(3, 4), contrast=16.0, illumination=illumination)
    assert dmd.leak == 0.25
    frames = np.array([[1, 0] * 6, [0, 1] * 6])
    out = dmd.effective_input(frames)
    assert out.dtype == np.float32 and out.shape == (2, 12)
    flat = illumination.ravel()
    expected = np.where(frames == 1, flat, 0.25 * flat)
    np.testing.assert_array_equal(out, expected.astype(np.float32))
    # full frames are flattened row-major; a prefix of mirrors uses the first illuminations
    np.testing.assert_array_equal(dmd.effective_input(frames.reshape(2, 3, 4)), out)
    np.testing.assert_array_equal(dmd.effective_input(frames[:, :5]), out[:, :5])


def test_effective_input_perfect_contrast_and_uniform_illumination():
    dmd = DMD(shape=(2, 3))
    assert dmd.leak == 0.0
    out = dmd.effective_input(np.array([[True, False, True, False, False, True]]))
    np.testing.assert_array_equal(out, [[1, 0, 1, 0, 0, 1]])


def test_effective_input_stuck_mirrors_ignore_the_frame():
    dmd = DMD(shape=(20, 30), contrast=4.0, dead_fraction=0.3, seed=3)
    assert dmd.dead_mask.any() and dmd.stuck_value.any()
    assert not (dmd.stuck_value & ~dmd.dead_mask).any()
    frames = np.array([np.ones(600, bool), np.zeros(600, bool)])
    out = dmd.effective_input(frames)
    stuck = np.where(dmd.stuck_value, 1.0, 0.5)
    for row, state in zip(out, (1.0, 0.5), strict=True):
        np.testing.assert_array_equal(row, np.where(dmd.dead_mask, stuck, state))


def test_gaussian_illumination():
    pitch, waist = 5e-6, 20e-6
    dmd = DMD(shape=(9, 12), pitch=pitch, illumination=waist)
    amp = dmd.illumination_amplitude.reshape(9, 12)
    assert dmd.illumination_amplitude.dtype == np.float32
    assert amp[4, 6] == 1.0  # origin at (rows // 2, cols // 2)
    r2 = ((2 - 4) ** 2 + (10 - 6) ** 2) * pitch**2
    np.testing.assert_allclose(amp[2, 10], np.exp(-r2 / waist**2), rtol=1e-6)


def test_dead_fraction_statistics_and_seed():
    n_rows, n_cols, fraction, on = 200, 250, 0.1, 0.3
    dmd = DMD(shape=(n_rows, n_cols), dead_fraction=fraction, stuck_on_fraction=on, seed=7)
    n = n_rows * n_cols
    dead = int(dmd.dead_mask.sum())
    assert abs(dead - n * fraction) <= 5 * np.sqrt(n * fraction * (1 - fraction))
    stuck_on = int(dmd.stuck_value.sum())
    assert abs(stuck_on - dead * on) <= 5 * np.sqrt(dead * on * (1 - on))
    again = DMD(shape=(n_rows, n_cols), dead_fraction=fraction, stuck_on_fraction=on, seed=7)
    np.testing.assert_array_equal(again.dead_mask, dmd.dead_mask)
    np.testing.assert_array_equal(again.stuck_value, dmd.stuck_value)
    other = DMD(shape=(n_rows, n_cols), dead_fraction=fraction, stuck_on_fraction=on, seed=8)
    assert (other.dead_mask != dmd.dead_mask).any()
    more = DMD(shape=(n_rows, n_cols), dead_fraction=0.2, stuck_on_fraction=on, seed=7)
    assert not (dmd.dead_mask & ~more.dead_mask).any()  # nested as the fraction grows


@pytest.mark.parametrize("illumination", [None, 3e-5, "array"])
def test_parameters_rebuild(illumination):
    if illumination == "array":
        illumination = np.random.default_rng(1).random((6, 7))
    dmd = DMD(shape=(6, 7), pitch=4e-6, contrast=50.0, dead_fraction=0.2,
              illumination=illumination, seed=11, stuck_on_fraction=0.25)
    rebuilt = DMD(**dmd.parameters())
    for name in ("shape", "pitch", "contrast", "leak", "n_mirrors", "stuck_on_fraction"):
        assert getattr(rebuilt, name) == getattr(dmd, name)
    for name in ("dead_mask", "stuck_value", "illumination_amplitude"):
        np.testing.assert_array_equal(getattr(rebuilt, name), getattr(dmd, name))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"shape": (0, 3)}, ValueError, "shape"),
        ({"shape": (3,)}, ValueError, "shape"),
        ({"shape": (2.5, 3)}, TypeError, "shape"),
        ({"pitch": 0.0}, ValueError, "pitch"),
        ({"pitch": np.nan}, ValueError, "pitch"),
        ({"contrast": 0.5}, ValueError, "contrast"),
        ({"contrast": np.nan}, ValueError, "contrast"),
        ({"contrast": True}, TypeError, "contrast"),
        ({"contrast": "high"}, TypeError, "contrast"),
        ({"dead_fraction": 1.0}, ValueError, "dead_fraction"),
        ({"dead_fraction": -0.1}, ValueError, "dead_fraction"),
        ({"stuck_on_fraction": 1.5}, ValueError, "stuck_on_fraction"),
        ({"seed": -1}, ValueError, "seed"),
        ({"seed": 1.5}, TypeError, "seed"),
        ({"illumination": -1e-5}, ValueError, "illumination"),
        ({"illumination": np.ones((3, 3))}, ValueError, "illumination"),
        ({"illumination": -np.ones((2, 3))}, ValueError, "illumination"),
        ({"illumination": np.full((2, 3), np.nan)}, ValueError, "illumination"),
        ({"illumination": np.ones((2, 3), complex)}, TypeError, "illumination"),
    ],
)
def test_dmd_bad_parameters(kwargs, error, match):
    kwargs = {"shape": (2, 3), **kwargs}
    with pytest.raises(error, match=match):
        DMD(**kwargs)


@pytest.mark.parametrize("shape", [(4,), (2, 7), (2, 3, 3), (2, 2, 3, 1)])
def test_effective_input_bad_shapes(shape):
    with pytest.raises(ValueError, match="frames must have shape"):
        DMD(shape=(2, 3)).effective_input(np.zeros(shape, bool))


def test_effective_input_checks_binary():
    with pytest.raises(ValueError, match="0.5"):
        DMD(shape=(2, 3)).effective_input(np.full((1, 6), 0.5))


# ---------------------------------------------------------------------------- encoders


def test_threshold_encoder_median():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(101, 5)) * np.arange(1, 6) + np.arange(5)
    encoder = ThresholdEncoder()
    assert encoder.fit(X) is encoder
    frames = encoder.transform(X)
    assert frames.dtype == bool and frames.shape == X.shape
    # distinct values: exactly half of the other samples lie above each median
    np.testing.assert_array_equal(frames.sum(axis=0), 50)


def test_threshold_encoder_fixed_threshold():
    X = np.array([[0.0, 1.0, 2.0], [3.0, -1.0, 2.5]])
    np.testing.assert_array_equal(ThresholdEncoder(1.0).transform(X), X > 1.0)
    per_feature = np.array([2.0, 0.0, 2.5])
    np.testing.assert_array_equal(ThresholdEncoder(per_feature).transform(X), X > per_feature)
    with pytest.raises(ValueError, match="features"):
        ThresholdEncoder(per_feature).transform(X[:, :2])
    with pytest.raises(RuntimeError, match="fitted"):
        ThresholdEncoder().transform(X)
    with pytest.raises(ValueError, match="threshold"):
        ThresholdEncoder(np.ones((2, 2)))
    with pytest.raises(ValueError, match="non-finite"):
        ThresholdEncoder(np.nan)
    with pytest.raises(ValueError, match="X must have shape"):
        ThresholdEncoder(0.0).transform(np.ones(3))


def test_bit_planes_msb_first():
    encoder = BitPlaneEncoder(n_bits=3, scale=7.0)  # delta = 1: the levels are the integers
    planes = encoder.transform(np.array([[6.0, 1.0, 5.0, 7.0]]))
    np.testing.assert_array_equal(
        planes[:, 0, :].T, [[1, 1, 0], [0, 0, 1], [1, 0, 1], [1, 1, 1]])
    np.testing.assert_allclose(encoder.weights, [4, 2, 1])


@given(
    n_bits=st.integers(1, 16),
    seed=st.integers(0, 2**32 - 1),
    n_samples=st.integers(1, 6),
    n_features=st.integers(1, 8),
)
def test_bit_plane_round_trip_and_linearity(n_bits, seed, n_samples, n_features):
    rng = np.random.default_rng(seed)
    X = rng.exponential(size=(n_samples, n_features))
    encoder = BitPlaneEncoder(n_bits=n_bits).fit(X)
    planes = encoder.transform(X)
    assert planes.shape == (n_bits, n_samples, n_features) and planes.dtype == bool
    quantised = encoder.decode(planes)
    delta = X.max() / (2**n_bits - 1)
    assert np.abs(quantised - X).max() <= delta / 2 * (1 + 1e-9)
    levels = quantised / delta
    np.testing.assert_allclose(levels, np.rint(levels), atol=1e-6)
    M = rng.normal(size=(3, n_features))
    projections = planes.astype(np.float64) @ M.T
    np.testing.assert_allclose(encoder.recombine(projections), quantised @ M.T,
                               rtol=1e-12, atol=1e-12 * X.max())


@given(
    n_bits=st.integers(1, 16),
    seed=st.integers(0, 2**32 - 1),
    n_samples=st.integers(1, 6),
    n_features=st.integers(1, 8),
)
def test_separated_bit_planes(n_bits, seed, n_samples, n_features):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features))
    encoder = SeparatedBitPlanEncoder(n_bits=n_bits).fit(X)
    planes = encoder.transform(X)
    assert planes.shape == (2 * n_bits, n_samples, n_features) and planes.dtype == bool
    pos, neg = planes[:n_bits], planes[n_bits:]
    assert not (pos.any(axis=0) & neg.any(axis=0)).any()
    assert not pos.any(axis=0)[X <= 0].any() and not neg.any(axis=0)[X >= 0].any()
    quantised = encoder.decode(planes)
    delta = np.abs(X).max() / (2**n_bits - 1)
    assert np.abs(quantised - X).max() <= delta / 2 * (1 + 1e-9)
    M = rng.normal(size=(4, n_features))
    differences = pos.astype(np.float64) @ M.T - neg.astype(np.float64) @ M.T
    np.testing.assert_allclose(encoder.recombine(differences), quantised @ M.T,
                               rtol=1e-12, atol=1e-12 * np.abs(X).max())


def test_bit_plane_extremes_are_exact():
    X = np.array([[-2.0, 0.0, 2.0]])
    encoder = SeparatedBitPlanEncoder(n_bits=5).fit(X)
    np.testing.assert_array_equal(encoder.decode(encoder.transform(X)), X)
    zeros = np.zeros((2, 3))
    fitted = BitPlaneEncoder(4).fit(zeros)
    np.testing.assert_array_equal(fitted.decode(fitted.transform(zeros)), zeros)


@pytest.mark.parametrize(
    "encoder",
    [ThresholdEncoder(), ThresholdEncoder(0.1), BitPlaneEncoder(6),
     BitPlaneEncoder(6, scale=4.0), SeparatedBitPlanEncoder(5)],
)
def test_encoders_are_stateless(encoder):
    rng = np.random.default_rng(2)
    X = rng.random((7, 4)) * 2
    Y = rng.random((3, 4))
    assert encoder.fit(X) is encoder
    state = copy.deepcopy(vars(encoder))
    first = encoder.transform(Y)
    second = encoder.transform(Y)
    np.testing.assert_array_equal(first, second)
    after = vars(encoder)
    assert after.keys() == state.keys()
    for key, value in state.items():
        np.testing.assert_array_equal(after[key], value)


def test_bit_plane_errors():
    with pytest.raises(RuntimeError, match="fitted"):
        BitPlaneEncoder().transform(np.ones((1, 2)))
    with pytest.raises(RuntimeError, match="fitted"):
        SeparatedBitPlanEncoder().recombine(np.ones((8, 1, 1)))
    with pytest.raises(ValueError, match=">= 0"):
        BitPlaneEncoder().fit(-np.ones((1, 2)))
    with pytest.raises(ValueError, match="scale"):
        BitPlaneEncoder(scale=1.0).transform(np.full((1, 2), 1.5))
    with pytest.raises(ValueError, match="scale"):
        SeparatedBitPlanEncoder().fit(np.ones((1, 2))).transform(-2 * np.ones((1, 2)))
    with pytest.raises(ValueError, match="n_bits"):
        BitPlaneEncoder(n_bits=0)
    with pytest.raises(ValueError, match="n_bits"):
        BitPlaneEncoder(n_bits=33)
    with pytest.raises(TypeError, match="n_bits"):
        BitPlaneEncoder(n_bits=2.0)
    with pytest.raises(ValueError, match="scale"):
        SeparatedBitPlanEncoder(scale=0.0)
    with pytest.raises(ValueError, match="non-finite"):
        SeparatedBitPlanEncoder().fit(np.array([[np.nan, 1.0]]))
    encoder = SeparatedBitPlanEncoder(n_bits=4, scale=1.0)
    with pytest.raises(ValueError, match="n_bits=4"):
        encoder.recombine(np.ones((8, 2, 3)))  # the (x+, x-) planes, not their differences
    with pytest.raises(ValueError, match="2 \\* n_bits"):
        encoder.decode(np.zeros((4, 1, 1), bool))
    with pytest.raises(ValueError, match="planes"):
        encoder.decode(np.full((8, 1, 1), 2))


def test_ternary():
    e = np.array([[-0.5, -0.1, 0.0, 0.1, 0.2, 0.7]])
    pos, neg = ternary(e, threshold=0.1)
    np.testing.assert_array_equal(pos, [[0, 0, 0, 0, 1, 1]])
    np.testing.assert_array_equal(neg, [[1, 0, 0, 0, 0, 0]])
    values = ternary_values(e, 0.1)
    assert values.dtype == np.int8
    np.testing.assert_array_equal(values, [[-1, 0, 0, 0, 1, 1]])
    np.testing.assert_array_equal(ternary_values(e), np.sign(e))
    with pytest.raises(ValueError, match="threshold"):
        ternary(e, -0.1)
    with pytest.raises(ValueError, match="non-finite"):
        ternary(np.array([np.inf]))
    with pytest.raises(TypeError, match="e must be real"):
        ternary(np.array([1j]))


# ---------------------------------------------------------------------------- macro-pixels


@st.composite
def layouts(draw):
    rows, cols = draw(st.integers(1, 24)), draw(st.integers(1, 24))
    n_features = draw(st.integers(1, rows * cols))
    if draw(st.booleans()):
        return MacroPixelLayout(n_features, (rows, cols))
    by, bx = draw(st.integers(1, rows)), draw(st.integers(1, cols))
    n_features = min(n_features, (rows // by) * (cols // bx))
    return MacroPixelLayout(n_features, (rows, cols), block=(by, bx))


@given(layout=layouts(), seed=st.integers(0, 2**32 - 1), full=st.booleans())
def test_macro_pixel_fold_identity(layout, seed, full):
    rng = np.random.default_rng(seed)
    rows, cols = layout.dmd_shape
    X = rng.integers(0, 2, size=(3, layout.n_features)).astype(bool)
    width = rows * cols if full else layout.n_mirrors_used
    expanded = layout.expand(X, full=full).reshape(3, -1)
    assert expanded.shape == (3, width)
    T = rng.integers(-50, 50, size=(5, width)).astype(np.float64)  # exact sums
    np.testing.assert_array_equal(expanded @ T.T, X @ layout.fold(T).T)
    Tc = rng.normal(size=(2, width)) + 1j * rng.normal(size=(2, width))
    np.testing.assert_allclose(expanded @ Tc.T, X @ layout.fold(Tc).T, rtol=1e-12, atol=1e-12)


@given(layout=layouts())
def test_macro_pixel_geometry(layout):
    rows, cols = layout.dmd_shape
    by, bx = layout.block
    idx = layout.mirror_indices
    assert idx.shape == (layout.n_features, by * bx)
    assert len(np.unique(idx)) == idx.size and idx.max() < layout.n_mirrors_used
    assert layout.n_mirrors_used % cols == 0 and layout.n_mirrors_used <= rows * cols
    r, c = np.divmod(idx, cols)
    # each block is a by x bx rectangle of mirrors
    np.testing.assert_array_equal(r.max(axis=1) - r.min(axis=1), by - 1)
    np.testing.assert_array_equal(c.max(axis=1) - c.min(axis=1), bx - 1)
    X = np.eye(layout.n_features, dtype=bool)
    full = layout.expand(X, full=True)
    np.testing.assert_array_equal(full.reshape(layout.n_features, -1)[:, :layout.n_mirrors_used],
                                  layout.expand(X))
    np.testing.assert_array_equal(full.sum(axis=(1, 2)), by * bx)


@given(rows=st.integers(1, 40), cols=st.integers(1, 40), data=st.data())
def test_macro_pixel_default_block_is_largest_square(rows, cols, data):
    n_features = data.draw(st.integers(1, rows * cols))
    layout = MacroPixelLayout(n_features, (rows, cols))
    side = layout.block[0]
    assert layout.block == (side, side)
    assert (rows // (side + 1)) * (cols // (side + 1)) < n_features


def test_macro_pixel_errors():
    with pytest.raises(ValueError, match="do not fit"):
        MacroPixelLayout(5, (4, 4), block=2)
    with pytest.raises(ValueError, match="n_features"):
        MacroPixelLayout(17, (4, 4))
    with pytest.raises(ValueError, match="n_features"):
        MacroPixelLayout(0, (4, 4))
    with pytest.raises(ValueError, match="block"):
        MacroPixelLayout(2, (4, 4), block=(1, 2, 3))
    layout = MacroPixelLayout(3, (4, 6), block=2)
    with pytest.raises(ValueError, match="frames must have shape"):
        layout.expand(np.zeros((2, 4), bool))
    with pytest.raises(ValueError, match="frames"):
        layout.expand(np.full((2, 3), 3))
    with pytest.raises(ValueError, match="matrix"):
        layout.fold(np.zeros((2, 13)))


# ---------------------------------------------------------------------------- Lee holograms


def _first_order(pattern_row, period):
    """Complex +1-order amplitude (fraction of the incident field) of one periodic row."""
    n = pattern_row.shape[-1]
    return np.fft.fft(pattern_row, axis=-1)[..., n // period] / n


@given(
    amplitude=st.floats(0.01, 1.0),
    phase=st.floats(-np.pi, np.pi),
    period=st.integers(3, 40),
)
def test_lee_duty_cycle_and_first_order(amplitude, phase, period):
    field = np.full((2, 3 * period), amplitude * np.exp(1j * phase))
    field[1, 0] = 1.0  # normalisation: max |field| = 1 (the row 0 keeps amplitude A)
    pattern = lee_hologram(field, period)
    row = pattern[0]
    on = row.reshape(3, period).sum(axis=1)
    duty = np.arcsin(amplitude) / np.pi
    assert set(on.tolist()) <= {np.floor(duty * period), np.ceil(duty * period)}
    n_on = on[0]
    assert (on == n_on).all()
    c1 = _first_order(row.astype(float), period)
    expected = np.sin(np.pi * n_on / period) / (period * np.sin(np.pi / period))
    assert abs(abs(c1) - expected) <= 1e-12
    # linear in A within the duty-cycle quantisation pi / p (of the full-scale amplitude)
    assert abs(abs(c1) * period * np.sin(np.pi / period) - amplitude) <= np.pi / period
    # the +1 order carries exp(+i phase), up to the half-mirror placement of the pulse
    if n_on:
        error = np.angle(c1 * np.exp(-1j * phase))
        assert abs(error) <= np.pi / period + 1e-9


def test_lee_phase_only_is_half_duty():
    period = 8
    constant = lee_hologram(np.full((3, 64), 0.1 * np.exp(0.4j)), period, amplitude=False)
    np.testing.assert_array_equal(constant.reshape(3, 8, period).sum(axis=2), period // 2)
    rng = np.random.default_rng(3)
    field = rng.normal(size=(16, 64)) + 1j * rng.normal(size=(16, 64))
    phase_only = lee_hologram(field, period, amplitude=False)
    # ON where u / p + arg(field) / 2 pi is within a quarter cycle of an integer
    cycles = np.arange(64) / period + np.angle(field) / (2 * np.pi)
    distance = np.abs(cycles - np.round(cycles))
    np.testing.assert_array_equal(phase_only[distance < 0.24], True)
    np.testing.assert_array_equal(phase_only[distance > 0.26], False)


def test_lee_angle_rotates_the_carrier():
    rng = np.random.default_rng(5)
    field = rng.normal(size=(12, 20)) + 1j * rng.normal(size=(12, 20))
    along_x = lee_hologram(field.T, 6.0, angle=0.0)
    along_y = lee_hologram(field, 6.0, angle=np.pi / 2)
    np.testing.assert_array_equal(along_x.T, along_y)
    # carrier (1/p)(cos, sin) = (4, 4) / 32 cycles per mirror: the +1 order sits at FFT bin
    # (row 4, col 4) and carries exp(+i phase)
    phase = 0.37
    pattern = lee_hologram(np.full((32, 32), np.exp(1j * phase)), 32 / (4 * np.sqrt(2)),
                           angle=np.pi / 4, amplitude=False)
    np.testing.assert_array_equal(pattern[:-1, 1:], pattern[1:, :-1])  # depends on i + j
    spectrum = np.fft.fft2(pattern.astype(float)) / pattern.size
    spectrum[0, 0] = 0
    peaks = {tuple(int(k) for k in np.unravel_index(i, spectrum.shape))
             for i in np.argsort(np.abs(spectrum).ravel())[-2:]}
    assert peaks == {(4, 4), (28, 28)}
    assert abs(np.angle(spectrum[4, 4] * np.exp(-1j * phase))) <= np.pi / 8 + 1e-9


@pytest.mark.parametrize("phase", [0.0, 0.3, -2.0])
def test_lee_decode_constant_field(phase):
    period, amplitude = 10, 0.6
    field = np.full((4, 5 * period), amplitude * np.exp(1j * phase))
    field[0, 0] = 1.0
    pattern = lee_hologram(field, period)
    decoded = lee_decode(pattern[1:], period)  # rows 1.. are periodic and constant
    c1 = _first_order(pattern[1].astype(float), period)
    np.testing.assert_allclose(decoded, np.pi * c1, rtol=1e-10)
    linear = np.abs(decoded) * period * np.sin(np.pi / period) / np.pi
    assert np.abs(linear - amplitude).max() < np.pi / period


def test_lee_decode_smooth_field():
    period, n = 8, 128
    y, x = np.mgrid[0:n, 0:n] - n / 2
    # band-limited well inside the filter: carrier (1, 2)/128 < 1/(2 p) cycles per mirror
    field = np.exp(-(x**2 + y**2) / 40.0**2) * np.exp(2j * np.pi * (x + 2 * y) / n)
    decoded = lee_decode(lee_hologram(field, period), period)
    # the local +1 order errs by < pi/p in amplitude (full scale) and in phase per mirror;
    # the low-pass filter averages these errors, so the relative L2 error stays below pi/p
    error = np.linalg.norm(decoded - field) / np.linalg.norm(field)
    assert error < np.pi / period
    # a field outside the filter band is lost
    beyond = np.exp(2j * np.pi * 0.75 / period * x)
    assert np.abs(lee_decode(lee_hologram(beyond, period), period)).max() < 0.5


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: lee_hologram(np.ones(8), 4), ValueError, "field must be 2-D"),
        (lambda: lee_hologram(np.ones((4, 4)), 2), ValueError, "period"),
        (lambda: lee_hologram(np.ones((4, 4)), -3), ValueError, "period"),
        (lambda: lee_hologram(np.ones((4, 4)), 4, angle=np.nan), ValueError, "angle"),
        (lambda: lee_hologram(np.ones((4, 4)), 4, amplitude=1), TypeError, "amplitude"),
        (lambda: lee_hologram(np.full((4, 4), np.nan), 4), ValueError, "field"),
        (lambda: lee_decode(np.ones((4, 4)), 4, bandwidth=0.3), ValueError, "bandwidth"),
        (lambda: lee_decode(np.full((4, 4), 0.5), 4), ValueError, "pattern"),
        (lambda: lee_decode(np.ones(4), 4), ValueError, "pattern must be 2-D"),
    ],
)
def test_lee_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ---------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "name",
    ["binary grating efficiency", "lee amplitude linearity", "bitplane round trip",
     "dmd contrast"],
)
def test_validation_cases(name):
    results = validation.run_case(name, "small")
    assert results
    for result in results:
        assert result.passed, result
