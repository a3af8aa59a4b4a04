"""Readout schemes: frames per row as the instrument counts them, dispatch, and a new scheme."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dfa.study import scaling
from lightsim import OPU, encoders, readout, retrieval
from lightsim.readout import RetrievedIntensity


def _inputs(kind, seed, n, n_in):
    rng = np.random.default_rng(seed)
    if kind == "binary":
        return rng.random((n, n_in)) < 0.5
    if kind == "ternary":
        return rng.integers(-1, 2, (n, n_in))
    return rng.normal(size=(n, n_in))


SCHEMES = [(readout.BinaryHolography(), "binary"), (readout.TernaryHolography(), "ternary"),
           (readout.TwoFrameHolography(), "ternary"),
           (readout.SignBitPlanes(3), "real"),
           (readout.SignBitPlanes(2, readout.TwoFrameHolography()), "real")]


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**31), n=st.integers(1, 5), scheme=st.sampled_from(SCHEMES))
def test_frames_counted_are_frames_per_row(seed, n, scheme):
    scheme, kind = scheme
    opu = OPU(7, 9, preset="lighton", seed=seed)
    opu.calibrate()
    before = opu.cost.frames
    opu.linear_transform(_inputs(kind, seed, n, 7), readout=scheme)
    assert opu.cost.frames - before == n * scheme.frames_per_row
    assert opu.last_frame_stats.frames == n * scheme.frames_per_row


def test_scaling_model_reads_the_instrument_schemes():
    for name, make in scaling.READOUTS.items():
        bits = 4 if name in scaling.BIT_PLANE_READOUTS else None
        scheme = make(bits)
        assert scheme.name == name
        assert scaling.Optical(readout=name, bits=bits).frames_per_projection == \
            scheme.frames_per_row


@pytest.mark.parametrize("encoding, holography, expected", [
    ("binary", "4-frame", readout.BinaryHolography),
    ("ternary", "4-frame", readout.TernaryHolography),
    ("ternary", "2-frame", readout.TwoFrameHolography),
    ("bitplanes", "2-frame", readout.SignBitPlanes),
])
def test_encoding_selects_the_scheme(encoding, holography, expected):
    scheme = readout.readout_for(encoding, holography, n_bits=5)
    assert isinstance(scheme, expected)
    opu = OPU(6, 8, preset="ideal", seed=1, holography=holography)
    x = _inputs({"bitplanes": "real"}.get(encoding, encoding), 0, 3, 6)
    np.testing.assert_array_equal(opu.linear_transform(x, encoding=encoding, n_bits=5),
                                  OPU(6, 8, preset="ideal", seed=1, holography=holography)
                                  .linear_transform(x, readout=scheme))


def test_a_new_scheme_is_one_class():
    class Doubled(readout.BinaryHolography):
        """Each binary row read twice and averaged: 4 frames, same projection."""

        name = "binary averaged"
        frames_per_row = 4

        def project(self, instrument, X, exposure):
            both = instrument.cross_term(np.concatenate([X, X]), exposure)
            return 0.5 * (both[: len(X)] + both[len(X):])

    opu = OPU(6, 8, preset="ideal", seed=2)
    x = _inputs("binary", 1, 4, 6)
    np.testing.assert_allclose(opu.linear_transform(x, readout=Doubled()),
                               x @ opu.effective_matrix().T, atol=1e-5)
    assert opu.cost.frames == 4 * 4


def test_bad_readout_arguments():
    opu = OPU(6, 8, preset="ideal")
    with pytest.raises(TypeError, match="readout"):
        opu.linear_transform(np.ones((1, 6)), readout="ternary")
    with pytest.raises(ValueError, match="not both"):
        opu.linear_transform(np.ones((1, 6)), readout=readout.BinaryHolography(),
                             encoding="binary")
    with pytest.raises(ValueError, match="-1, 0 and 1"):
        opu.linear_transform(np.full((1, 6), 2), readout=readout.TernaryHolography())
    with pytest.raises(ValueError, match="0 or 1|0 and 1"):
        opu.linear_transform(np.full((1, 6), -1), readout=readout.BinaryHolography())
    with pytest.raises(TypeError, match="signed"):
        readout.SignBitPlanes(4, readout.BinaryHolography())
    with pytest.raises(ValueError, match="n_bits"):
        readout.SignBitPlanes(0)


# ---------------------------------------------------------------------------- encoders


def test_encoders_drive_linear_transform():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(5, 6))
    first, second = (OPU(6, 8, preset="ideal", seed=4) for _ in range(2))
    threshold = encoders.ThresholdEncoder(0.2)
    np.testing.assert_array_equal(first.linear_transform(X, encoder=threshold),
                                  second.linear_transform(X > 0.2))
    planes = encoders.SeparatedBitPlanEncoder(n_bits=3).fit(X)
    opu = OPU(6, 8, preset="ideal", seed=4)
    opu.calibrate()
    y = opu.linear_transform(X, encoder=planes)
    quantised = planes.decode(planes.transform(X))
    np.testing.assert_allclose(y, quantised @ opu.effective_matrix().T, atol=1e-5)
    assert opu.cost.frames == 2 * (2 * 3) * 5  # binary 2-frame readout of every plane


def test_a_new_encoder_is_one_class():
    class Thermometer:
        """Unary code: frame k is ``x > k / levels``; the frames' sum counts the levels."""

        levels = 4

        def fit(self, X, y=None):
            return self

        def transform(self, X):
            steps = np.arange(1, self.levels + 1)[:, None, None] / self.levels
            return np.asarray(X)[None] >= steps

        def combine(self, projections):
            return np.asarray(projections).sum(axis=0) / self.levels

    assert isinstance(Thermometer(), encoders.Encoder)
    X = np.random.default_rng(0).random((3, 6))
    opu = OPU(6, 8, preset="ideal", seed=1)
    coded = np.floor(X * 4) / 4
    np.testing.assert_allclose(opu.linear_transform(X, encoder=Thermometer()),
                               coded @ opu.effective_matrix().T, atol=1e-5)


def test_bad_encoders():
    opu = OPU(6, 8, preset="ideal")
    X = np.ones((2, 6))
    with pytest.raises(TypeError, match="encoder"):
        opu.linear_transform(X, encoder=object())
    with pytest.raises(ValueError, match="encoder alone"):
        opu.linear_transform(X, encoder=encoders.ThresholdEncoder(0.5), encoding="binary")

    class Grey(encoders.ThresholdEncoder):
        def transform(self, X):
            return np.asarray(X) * 0.5

    with pytest.raises(ValueError, match="encoder.transform"):
        opu.linear_transform(X, encoder=Grey(0.5))


def test_retrieved_intensity_readout_is_linear_from_one_reference_off_frame():
    """|D x + b|^2 - |D x|^2 - |b|^2 = 2 Re(conj(b) D x) exactly on a noise-free bench, with
    b the OFF mirrors' field plus the reference mirrors' leak; one frame a row and no
    reference calibration."""
    opu = OPU(24, 30, preset="ideal", camera=None, seed=4, contrast=500.0)
    calibration = retrieval.calibrate(opu, 16 * 24, method="gerchberg-saxton")
    readout = RetrievedIntensity(calibration)
    truth = 2 * (np.conj(opu.background_field())[:, None] * opu.signal_matrix()).real
    # Gerchberg-Saxton converges to about 1e-4 of the largest entry (float32 fields)
    np.testing.assert_allclose(readout.matrix, truth, atol=1e-4 * np.abs(truth).max())
    x = np.random.default_rng(1).random((40, 24)) < 0.5
    frames = opu.cost.total_frames
    y = opu.linear_transform(x, readout=readout)
    assert opu.cost.total_frames - frames == 40 and opu.calibration is None
    np.testing.assert_allclose(y, x @ truth.T, atol=1e-4 * np.abs(x @ truth.T).max())


def test_retrieved_intensity_readout_refuses_a_holographic_calibration():
    opu = OPU(8, 6, preset="ideal", seed=0)
    with pytest.raises(TypeError, match="intensity method"):
        RetrievedIntensity(retrieval.calibrate(opu, 9))
    readout = RetrievedIntensity(retrieval.calibrate(opu, 64, method="gerchberg-saxton"))
    with pytest.raises(ValueError, match="binary"):
        opu.linear_transform(np.full((2, 8), 0.5), readout=readout)


@pytest.mark.parametrize("options, match", [
    (dict(grains=2), "one speckle grain per pixel"),
    (dict(normalize_rows=True), "normalize_rows=False"),
])
def test_retrieved_intensity_refuses_instruments_its_model_does_not_fit(options, match):
    calibration = retrieval.calibrate(OPU(8, 6, preset="ideal", seed=0), 64,
                                      method="gerchberg-saxton")
    opu = OPU(8, 6, preset="ideal", seed=0, **options)
    with pytest.raises(ValueError, match=match):
        opu.linear_transform(np.ones((2, 8), dtype=bool), readout=RetrievedIntensity(calibration))
    other = OPU(8, 5, preset="ideal", seed=0)
    with pytest.raises(ValueError, match="the calibration has 6 outputs, the instrument 5"):
        other.linear_transform(np.ones((2, 8), dtype=bool),
                               readout=RetrievedIntensity(calibration))
