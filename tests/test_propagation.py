"""Free-space propagation: exact identities, conventions, caching, diagnostics, bad input.

The analytic comparisons (Gaussian beam, Fresnel integrals, Airy pattern, Rayleigh-Sommerfeld)
live in ``validation/cases/propagation.py`` and run in ``test_validation_propagation.py``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from lightsim import (
    AngularSpectrum,
    Fraunhofer,
    FresnelIR,
    FresnelTF,
    Grid,
    _kernels,
    angular_spectrum,
    bandlimit_frequency,
    critical_distance,
    fraunhofer,
    fraunhofer_q,
    fresnel,
    fresnel_number,
    propagate,
    propagation,
)

DTYPES = (np.complex64, np.complex128)

shapes = st.tuples(st.integers(3, 40), st.integers(3, 40))
wavelengths = st.floats(400e-9, 1.1e-6)
# pitch >= wavelength: every sampled frequency propagates (|f| <= sqrt(2) / (2 dx) < 1/lambda)
pitch_factors = st.floats(1.0, 12.0)
pads = st.sampled_from([1, 1.5, 2])
seeds = st.integers(0, 2**32 - 1)


def _eps(dtype):
    return float(np.finfo(np.dtype(dtype)).eps)


def _random_field(rng, shape, dtype=np.complex128):
    return (rng.normal(size=shape) + 1j * rng.normal(size=shape)).astype(dtype)


def _zc_padded(shape, pad, pitch, wavelength):
    """(min, max) Voelz critical distance of the padded window."""
    zcs = [critical_distance(int(np.ceil(n * pad)), d, wavelength) for n, d in zip(shape, pitch)]
    return min(zcs), max(zcs)


def _unlimited_asm_is_valid(shape, pad, pitch, wavelength, distance):
    """The unlimited kernel does not alias: the band limit lies above the grid's Nyquist."""
    return all(
        bandlimit_frequency(int(np.ceil(n * pad)) * d, wavelength, distance) >= 1 / (2 * d)
        for n, d in zip(shape, pitch)
    )


def _bandlimited_asm_is_valid(shape, pad, pitch, wavelength, distance):
    """The band limit keeps at least 3 frequency samples along each axis."""
    windows = [int(np.ceil(n * pad)) * d for n, d in zip(shape, pitch)]
    return all(bandlimit_frequency(w, wavelength, distance) * w >= 1.5 for w in windows)


@st.composite
def configurations(draw, kind):
    """(operator, shape, dtype) for one operator kind with sampling inside its valid range."""
    shape = draw(shapes)
    wavelength = draw(wavelengths)
    pitch = tuple(wavelength * draw(pitch_factors) for _ in range(2))
    dtype = draw(st.sampled_from(DTYPES))
    if kind == "fraunhofer":
        focal = draw(st.floats(1e-3, 1.0))
        return Fraunhofer(shape, pitch, wavelength, focal, dtype=dtype,
                          free_space=draw(st.booleans())), shape, dtype
    pad = draw(pads)
    zc_min, zc_max = _zc_padded(shape, pad, pitch, wavelength)
    sign = draw(st.sampled_from([-1.0, 1.0]))
    if kind == "ir":
        distance = sign * zc_max * draw(st.floats(1.0, 30.0))
        return FresnelIR(shape, pitch, wavelength, distance, pad=pad, dtype=dtype), shape, dtype
    distance = sign * zc_min * draw(st.floats(0.0, 1.0))
    if kind == "tf":
        return FresnelTF(shape, pitch, wavelength, distance, pad=pad, dtype=dtype), shape, dtype
    bandlimit = draw(st.booleans())
    valid = _bandlimited_asm_is_valid if bandlimit else _unlimited_asm_is_valid
    assume(valid(shape, pad, pitch, wavelength, distance))
    op = AngularSpectrum(shape, pitch, wavelength, distance, bandlimit=bandlimit, pad=pad,
                         dtype=dtype)
    return op, shape, dtype


# ---------------------------------------------------------------------------- exact identities


@pytest.mark.parametrize("kind", ["asm", "tf", "ir", "fraunhofer"])
@given(data=st.data(), seed=seeds)
def test_adjoint_dot_product_identity(kind, data, seed):
    op, shape, dtype = data.draw(configurations(kind))
    rng = np.random.default_rng(seed)
    x = _random_field(rng, shape, dtype)
    y = _random_field(rng, shape, dtype)
    ax, ahy = op(x), op.adjoint(y)
    assert ax.dtype == ahy.dtype == np.dtype(dtype)
    lhs, rhs = np.vdot(ax, y), np.vdot(x, ahy)
    scale = np.linalg.norm(ax) * np.linalg.norm(y) + np.linalg.norm(x) * np.linalg.norm(ahy)
    assert abs(lhs - rhs) <= 100 * _eps(dtype) * scale


@given(shape=shapes, wavelength=wavelengths, factor=pitch_factors, fraction=st.floats(-0.8, 0.8),
       seed=seeds)
def test_unlimited_asm_forward_then_backward_is_identity(shape, wavelength, factor, fraction,
                                                         seed):
    """Circular (pad 1): |H| = 1 at every sampled frequency and H(-z) = conj(H(z)), so
    A(-z) A(z) = F^-1 |H|^2 F = 1. (With padding the crop discards what leaves the window.)"""
    pad, pitch = 1, factor * wavelength
    distance = fraction * _zc_padded(shape, pad, (pitch, pitch), wavelength)[0]
    assume(_unlimited_asm_is_valid(shape, pad, (pitch, pitch), wavelength, distance))
    field = _random_field(np.random.default_rng(seed), shape)
    there = angular_spectrum(field, pitch, wavelength, distance, bandlimit=False, pad=pad)
    back = angular_spectrum(there, pitch, wavelength, -distance, bandlimit=False, pad=pad)
    np.testing.assert_allclose(back, field, atol=1e-12 * np.abs(field).max() * np.sqrt(
        field.size))


@given(shape=shapes, wavelength=wavelengths, factor=pitch_factors,
       fraction=st.floats(0.5, 5.0), seed=seeds)
def test_bandlimited_asm_forward_then_backward_is_identity_on_the_passband(
        shape, wavelength, factor, fraction, seed):
    pitch = factor * wavelength
    distance = fraction * _zc_padded(shape, 1, (pitch, pitch), wavelength)[0]
    assume(_bandlimited_asm_is_valid(shape, 1, (pitch, pitch), wavelength, distance))
    op = AngularSpectrum(shape, pitch, wavelength, distance, pad=1, dtype=np.complex128)
    limit_y, limit_x = op.bandlimit_frequencies()
    fy, fx = np.fft.fftfreq(shape[0], pitch), np.fft.fftfreq(shape[1], pitch)
    passband = (np.abs(fy)[:, None] <= 0.99 * limit_y) & (np.abs(fx)[None, :] <= 0.99 * limit_x)
    rng = np.random.default_rng(seed)
    field = np.fft.ifft2(_random_field(rng, shape) * passband)
    assume(np.abs(field).max() > 0)
    back = angular_spectrum(op(field), pitch, wavelength, -distance, pad=1)
    np.testing.assert_allclose(back, field, atol=1e-12 * np.abs(field).max() * np.sqrt(
        field.size))
    # outside the passband the operator removes everything
    stop = np.fft.ifft2(_random_field(rng, shape) * ~((np.abs(fy)[:, None] <= limit_y)
                                                      & (np.abs(fx)[None, :] <= limit_x)))
    assert np.linalg.norm(op(stop)) <= 1e-12 * max(np.linalg.norm(stop), 1e-300)


@pytest.mark.parametrize("kind", ["asm", "asm-unlimited", "tf", "ir"])
@given(shape=shapes, wavelength=wavelengths, factor=pitch_factors,
       fraction=st.floats(0.2, 0.8), shift=st.tuples(st.integers(-50, 50), st.integers(-50, 50)),
       seed=seeds)
def test_translation_covariance_of_circular_operators(kind, shape, wavelength, factor,
                                                      fraction, shift, seed):
    """With pad = 1 every propagator is a circular convolution: it commutes with np.roll."""
    pitch = factor * wavelength
    zc, zc_max = _zc_padded(shape, 1, (pitch, pitch), wavelength)
    if kind == "ir":
        op = FresnelIR(shape, pitch, wavelength, zc_max / fraction, pad=1, dtype=np.complex128)
    elif kind == "tf":
        op = FresnelTF(shape, pitch, wavelength, fraction * zc, pad=1, dtype=np.complex128)
    else:
        unlimited = kind == "asm-unlimited"
        valid = _unlimited_asm_is_valid if unlimited else _bandlimited_asm_is_valid
        assume(valid(shape, 1, (pitch, pitch), wavelength, fraction * zc))
        op = AngularSpectrum(shape, pitch, wavelength, fraction * zc, bandlimit=not unlimited,
                             pad=1, dtype=np.complex128)
    field = _random_field(np.random.default_rng(seed), shape)
    shifted_first = op(np.roll(field, shift, axis=(0, 1)))
    shifted_after = np.roll(op(field), shift, axis=(0, 1))
    np.testing.assert_allclose(shifted_first, shifted_after,
                               atol=1e-12 * np.abs(shifted_after).max() + 1e-300)


@pytest.mark.parametrize("dtype, tolerance", [(np.complex128, 1e-12), (np.complex64, 1e-5)])
@given(shape=shapes, wavelength=wavelengths, factor=pitch_factors, fraction=st.floats(-0.8, 0.8),
       seed=seeds)
def test_parseval_unlimited_circular_asm_and_tf(dtype, tolerance, shape, wavelength, factor,
                                                fraction, seed):
    pitch = factor * wavelength
    distance = fraction * _zc_padded(shape, 1, (pitch, pitch), wavelength)[0]
    assume(_unlimited_asm_is_valid(shape, 1, (pitch, pitch), wavelength, distance))
    field = _random_field(np.random.default_rng(seed), shape, dtype)
    energy = np.sum(np.abs(field.astype(np.complex128)) ** 2)
    for op in (
        AngularSpectrum(shape, pitch, wavelength, distance, bandlimit=False, pad=1, dtype=dtype),
        FresnelTF(shape, pitch, wavelength, distance, pad=1, dtype=dtype),
    ):
        out = op(field).astype(np.complex128)
        assert abs(np.sum(np.abs(out) ** 2) / energy - 1) <= tolerance


@given(shape=shapes, wavelength=wavelengths, factor=pitch_factors, focal=st.floats(1e-3, 1.0),
       free_space=st.booleans(), seed=seeds)
def test_fraunhofer_conserves_energy_with_its_output_pitch(shape, wavelength, factor, focal,
                                                            free_space, seed):
    pitch = (factor * wavelength, 1.3 * factor * wavelength)
    op = Fraunhofer(shape, pitch, wavelength, focal, dtype=np.complex128, free_space=free_space)
    field = _random_field(np.random.default_rng(seed), shape)
    assert op.pitch_out == pytest.approx(
        (wavelength * focal / (shape[0] * pitch[0]), wavelength * focal / (shape[1] * pitch[1])))
    before = np.sum(np.abs(field) ** 2) * pitch[0] * pitch[1]
    after = np.sum(np.abs(op(field)) ** 2) * op.pitch_out[0] * op.pitch_out[1]
    assert after == pytest.approx(before, rel=1e-12)


# ---------------------------------------------------------------------------- conventions


@given(shape=shapes, wavelength=wavelengths, factor=pitch_factors, focal=st.floats(1e-3, 1.0),
       m=st.integers(-40, 40), axis=st.sampled_from([0, 1]))
def test_fraunhofer_tilt_lands_at_plus_lambda_f_fx(shape, wavelength, factor, focal, m, axis):
    """exp(+i 2 pi f0 x) focuses at u = +lambda f f0 (larger index for f0 > 0)."""
    m = int(np.clip(m, -(shape[axis] // 2), (shape[axis] - 1) // 2))
    pitch = factor * wavelength
    grid = Grid(shape, pitch, wavelength)
    f0 = m / (shape[axis] * pitch)  # on the frequency grid: a single bright sample
    coordinate = grid.mesh()[axis]
    out, pitch_out = fraunhofer(np.exp(2j * np.pi * f0 * coordinate), pitch, wavelength, focal)
    spot = np.unravel_index(np.argmax(np.abs(out)), shape)
    assert spot[1 - axis] == shape[1 - axis] // 2
    assert spot[axis] == shape[axis] // 2 + m
    position = Grid(shape, pitch_out, wavelength).mesh()[axis][spot]
    assert position == pytest.approx(wavelength * focal * f0, abs=1e-9 * pitch_out[axis])
    # all the energy is in that one sample
    assert np.abs(out[spot]) ** 2 == pytest.approx(np.sum(np.abs(out) ** 2), rel=1e-9)


def _tilted_beam(n, pitch, wavelength, waist, cycles):
    grid = Grid(n, pitch, wavelength)
    yy, xx = grid.mesh()
    fx0 = cycles / (n * pitch)
    return grid, fx0, np.exp(-(xx**2 + yy**2) / waist**2 + 2j * np.pi * fx0 * xx)


def _centroid(field, grid):
    intensity = np.abs(field) ** 2
    return np.sum(grid.mesh()[1] * intensity) / intensity.sum()


@pytest.mark.parametrize("distance_sign", [1.0, -1.0])
def test_asm_moves_a_tilted_beam_along_its_direction(distance_sign):
    """A beam tilted towards +x (exp(+i 2 pi fx0 x)) moves to +x for z > 0 (to -x for z < 0)
    by z <tan(theta)>, the spectrum-weighted mean of fx / w (exact for the ASM)."""
    n, pitch, wavelength = 128, 4e-6, 633e-9
    grid, fx0, beam = _tilted_beam(n, pitch, wavelength, 10 * pitch, 8)
    z = distance_sign * 0.5 * critical_distance(2 * n, pitch, wavelength)
    out = angular_spectrum(beam, pitch, wavelength, z)
    spectrum = np.abs(np.fft.fft2(beam)) ** 2
    fy, fx = np.fft.fftfreq(n, pitch)[:, None], np.fft.fftfreq(n, pitch)[None, :]
    tan = fx / np.sqrt(wavelength**-2 - fx**2 - fy**2)
    expected = z * np.sum(spectrum * tan) / spectrum.sum()
    assert np.sign(expected) == distance_sign
    assert expected == pytest.approx(z * wavelength * fx0 / np.sqrt(1 - (wavelength * fx0) ** 2),
                                     rel=1e-3)
    assert _centroid(out, grid) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("method, fraction", [("tf", 0.5), ("ir", 2.0)])
def test_fresnel_moves_a_tilted_beam_by_lambda_z_fx(method, fraction):
    """Paraxial propagation shifts a tilted beam by exactly lambda z fx0."""
    n, pitch, wavelength = 128, 4e-6, 633e-9
    grid, fx0, beam = _tilted_beam(n, pitch, wavelength, 10 * pitch, 4)
    z = fraction * critical_distance(2 * n, pitch, wavelength)
    out = fresnel(beam, pitch, wavelength, z, method=method)
    assert _centroid(out, grid) == pytest.approx(wavelength * z * fx0, abs=1e-4 * pitch)


def test_free_space_fraunhofer_is_lens_transform_with_the_quadratic_phase():
    n, pitch, wavelength, z = 33, 5e-6, 800e-9, 0.2
    field = _random_field(np.random.default_rng(7), (n, n))
    lens, lens_pitch = fraunhofer(field, pitch, wavelength, z)
    far, far_pitch = propagate(field, pitch, wavelength, z, method="fraunhofer")
    assert far_pitch == lens_pitch == pytest.approx((wavelength * z / (n * pitch),) * 2)
    grid = Grid(n, far_pitch, wavelength)
    k = 2 * np.pi / wavelength
    phase = np.exp(1j * (k * z + k * (grid.radius() ** 2) / (2 * z)))
    np.testing.assert_allclose(far, lens * phase, rtol=1e-12, atol=1e-12 * np.abs(lens).max())


# ---------------------------------------------------------------------------- batches and caching


@pytest.mark.parametrize("kind", ["asm", "tf", "ir", "fraunhofer"])
@given(data=st.data(), seed=seeds, batch=st.sampled_from([(3,), (2, 2)]))
def test_batch_equals_items(kind, data, seed, batch):
    op, shape, dtype = data.draw(configurations(kind))
    stack = _random_field(np.random.default_rng(seed), batch + shape, dtype)
    for apply in (op, op.adjoint):
        out = apply(stack)
        assert out.shape == stack.shape and out.dtype == np.dtype(dtype)
        for index in np.ndindex(*batch):
            np.testing.assert_allclose(out[index], apply(stack[index]),
                                       rtol=0, atol=10 * _eps(dtype) * np.abs(out).max())


def test_functional_api_equals_cached_and_direct_operators():
    shape, pitch, wavelength = (24, 31), 6e-6, 633e-9
    field = _random_field(np.random.default_rng(3), shape)
    zc = critical_distance(2 * 24, pitch, wavelength)
    cases = [
        (angular_spectrum(field, pitch, wavelength, 0.5 * zc),
         AngularSpectrum(shape, pitch, wavelength, 0.5 * zc, dtype=np.complex128)(field)),
        (angular_spectrum(field, pitch, wavelength, 0.5 * zc, bandlimit=False, pad=1.5),
         propagation.operator("asm", shape, pitch, wavelength, 0.5 * zc, dtype=np.complex128,
                              bandlimit=False, pad=1.5)(field)),
        (fresnel(field, pitch, wavelength, 0.5 * zc, method="tf"),
         FresnelTF(shape, pitch, wavelength, 0.5 * zc, dtype=np.complex128)(field)),
        (fresnel(field, pitch, wavelength, 3 * zc, method="ir"),
         FresnelIR(shape, pitch, wavelength, 3 * zc, dtype=np.complex128)(field)),
        (fraunhofer(field, pitch, wavelength, 0.1)[0],
         Fraunhofer(shape, pitch, wavelength, 0.1, dtype=np.complex128)(field)),
    ]
    for functional, direct in cases:
        assert functional.dtype == np.complex128
        np.testing.assert_array_equal(functional, direct)


def test_operator_cache_returns_the_same_immutable_object():
    args = ("asm", (16, 16), 5e-6, 633e-9, 1e-3)
    first = propagation.operator(*args, bandlimit=True, pad=2)
    assert propagation.operator(*args, pad=2, bandlimit=True) is first
    assert propagation.operator(*args, bandlimit=False, pad=2) is not first
    assert propagation.operator(*args, dtype=np.complex128, bandlimit=True, pad=2) is not first
    assert propagation.operator("tf", *args[1:]) is not first
    assert not first.transfer_function.flags.writeable
    with pytest.raises(ValueError):
        first.transfer_function[0, 0] = 0


def test_output_dtype_follows_input_precision():
    field = np.ones((8, 8), dtype=np.float32)
    assert angular_spectrum(field, 5e-6, 633e-9, 1e-4).dtype == np.complex64
    assert angular_spectrum(field.astype(np.float64), 5e-6, 633e-9, 1e-4).dtype == np.complex128
    assert fraunhofer(field.astype(np.complex64), 5e-6, 633e-9, 0.1)[0].dtype == np.complex64


# ---------------------------------------------------------------------------- diagnostics


@given(n=st.integers(1, 4096), pitch=st.floats(1e-7, 1e-4), wavelength=wavelengths)
def test_critical_distance_formula(n, pitch, wavelength):
    assert critical_distance(n, pitch, wavelength) == pytest.approx(n * pitch**2 / wavelength,
                                                                    rel=1e-12)


@given(a=st.floats(1e-6, 1e-2), wavelength=wavelengths, z=st.floats(1e-4, 10.0),
       sign=st.sampled_from([-1, 1]))
def test_fresnel_number_formula(a, wavelength, z, sign):
    assert fresnel_number(a, wavelength, sign * z) == pytest.approx(a**2 / (wavelength * z),
                                                                    rel=1e-12)


@given(window=st.floats(1e-5, 1e-1), wavelength=wavelengths, z=st.floats(-1.0, 1.0),
       n=st.floats(1.0, 2.5))
def test_bandlimit_frequency_is_where_the_kernel_reaches_the_window_edge(window, wavelength, z,
                                                                         n):
    """At u_limit the kernel's local position z lambda_n u / sqrt(1 - (lambda_n u)^2) (the
    stationary point of its phase) equals half the padded window (Matsushima 2009, eq. 12)."""
    assume(abs(z) > 1e-3 * window)
    u = bandlimit_frequency(window, wavelength, z, n)
    lam = wavelength / n
    assert 0 < u <= 1 / lam
    assert abs(z) * lam * u / np.sqrt(1 - (lam * u) ** 2) == pytest.approx(window / 2, rel=1e-9,
                                                                             abs=1e-15)
    assert u == pytest.approx(1 / (lam * np.sqrt((2 * z / window) ** 2 + 1)), rel=1e-12)


def test_fraunhofer_q_and_operator_critical_distances():
    assert fraunhofer_q(500e-9, 0.2, 1e-3, 10e-6) == pytest.approx(500e-9 * 0.2 / (1e-3 * 10e-6))
    n, pitch, wavelength, focal, diameter = 256, 8e-6, 633e-9, 0.1, 0.5e-3
    pitch_out = Fraunhofer((n, n), pitch, wavelength, focal).pitch_out[1]
    assert fraunhofer_q(wavelength, focal, diameter, pitch_out) == pytest.approx(
        n * pitch / diameter)
    op = AngularSpectrum((10, 21), (2e-6, 3e-6), 500e-9, 1e-5, pad=1.5)
    assert op.padded_shape == (15, 32)
    assert op.critical_distances() == pytest.approx((15 * 4e-12 / 500e-9, 32 * 9e-12 / 500e-9))


# ---------------------------------------------------------------------------- kernels


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("limited", [False, True])
@given(seed=seeds, distance=st.floats(-1e-2, 1e-2), ny=st.integers(1, 33), nx=st.integers(1, 33))
def test_angular_spectrum_transfer_kernel_matches_reference(dtype, limited, seed, distance, ny,
                                                            nx):
    rng = np.random.default_rng(seed)
    inv_wavelength = 1 / 633e-9
    fy = rng.uniform(-1.5, 1.5, ny) * inv_wavelength  # propagating and evanescent
    fx = rng.uniform(-1.5, 1.5, nx) * inv_wavelength
    limits = (0.7 * inv_wavelength, 0.4 * inv_wavelength) if limited else (np.inf, np.inf)
    fast = np.empty((ny, nx), dtype=dtype)
    slow = np.empty((ny, nx), dtype=dtype)
    _kernels.angular_spectrum_transfer(fy, fx, inv_wavelength, distance, *limits, fast)
    _kernels.angular_spectrum_transfer_reference(fy, fx, inv_wavelength, distance, *limits, slow)
    np.testing.assert_allclose(fast, slow, rtol=0, atol=4 * _eps(dtype))
    assert np.all(np.abs(slow) <= 1 + 4 * _eps(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@given(seed=seeds, n=st.integers(1, 4), ny=st.integers(1, 17), nx=st.integers(1, 17))
def test_multiply_inplace_kernel_matches_reference(dtype, seed, n, ny, nx):
    rng = np.random.default_rng(seed)
    batch = _random_field(rng, (n, ny, nx), dtype)
    factor = _random_field(rng, (ny, nx), dtype)
    fast, slow = batch.copy(), batch.copy()
    _kernels.multiply_inplace(fast, factor)
    _kernels.multiply_inplace_reference(slow, factor)
    np.testing.assert_allclose(fast, slow, rtol=0,
                               atol=4 * _eps(dtype) * np.abs(batch * factor).max())
    assert not np.array_equal(fast, batch)


# ---------------------------------------------------------------------------- method choice


@pytest.mark.parametrize("fraction, method", [(0.3, "asm"), (0.9, "asm"), (1.0, "asm"),
                                              (1.01, "ir"), (-4.0, "ir")])
def test_propagate_auto_uses_asm_below_zc_and_ir_beyond(fraction, method):
    """On a non-square window z_c is the larger axis' value: at 0.9 z_c the x axis is beyond its
    own z_c but the y axis is not, so the impulse response would be undersampled."""
    shape, pitch, wavelength = (26, 20), 5e-6, 633e-9
    zc = critical_distance(2 * 26, pitch, wavelength)
    assert critical_distance(2 * 20, pitch, wavelength) < 0.9 * zc
    field = _random_field(np.random.default_rng(11), shape)
    out, pitch_out = propagate(field, pitch, wavelength, fraction * zc)
    assert pitch_out == (pitch, pitch)
    if method == "asm":
        expected = angular_spectrum(field, pitch, wavelength, fraction * zc)
    else:
        expected = fresnel(field, pitch, wavelength, fraction * zc, method="ir")
    np.testing.assert_array_equal(out, expected)


def test_fresnel_auto_uses_tf_below_zc_and_ir_beyond():
    shape, pitch, wavelength = (16, 16), 5e-6, 633e-9
    zc = critical_distance(32, pitch, wavelength)
    field = _random_field(np.random.default_rng(12), shape)
    np.testing.assert_array_equal(fresnel(field, pitch, wavelength, 0.9 * zc),
                                  fresnel(field, pitch, wavelength, 0.9 * zc, method="tf"))
    np.testing.assert_array_equal(fresnel(field, pitch, wavelength, 1.1 * zc),
                                  fresnel(field, pitch, wavelength, 1.1 * zc, method="ir"))


# ---------------------------------------------------------------------------- bad input

GOOD = {"field": np.ones((8, 8)), "pitch": 5e-6, "wavelength": 633e-9, "distance": 1e-4}


@pytest.mark.parametrize("function", [angular_spectrum, fresnel, propagate])
@pytest.mark.parametrize(
    "bad, error, match",
    [
        ({"field": np.full((8, 8), np.nan)}, ValueError, "field contains 1|field contains 64"),
        ({"field": np.ones(8)}, ValueError, "field must have at least 2"),
        ({"field": np.array([["a", "b"], ["c", "d"]])}, TypeError, "field must be a numeric array"),
        ({"pitch": 0.0}, ValueError, "pitch must be > 0"),
        ({"pitch": -5e-6}, ValueError, "pitch must be > 0"),
        ({"pitch": (5e-6, 1e-6, 1e-6)}, ValueError, "pitch must be a scalar or a pair"),
        ({"wavelength": 0.0}, ValueError, "wavelength must be > 0"),
        ({"wavelength": -633e-9}, ValueError, "wavelength must be > 0"),
        ({"wavelength": "red"}, TypeError, "wavelength must be a real number"),
        ({"distance": "1 mm"}, TypeError, "distance must be a real number"),
        ({"distance": np.nan}, ValueError, "distance must be finite"),
    ],
)
def test_bad_arguments_name_the_parameter(function, bad, error, match):
    args = GOOD | bad
    with pytest.raises(error, match=match):
        function(args["field"], args["pitch"], args["wavelength"], args["distance"])


def test_nan_field_message_counts_the_bad_values():
    field = np.ones((8, 8))
    field[2, 3] = np.nan
    field[5, 5] = np.inf
    with pytest.raises(ValueError, match="field contains 2 non-finite"):
        angular_spectrum(field, 5e-6, 633e-9, 1e-4)


def test_unknown_method_and_options_are_rejected():
    field, pitch, wavelength = np.ones((8, 8)), 5e-6, 633e-9
    with pytest.raises(ValueError, match="method must be one of"):
        propagate(field, pitch, wavelength, 1e-4, method="rayleigh")
    with pytest.raises(ValueError, match="method must be one of"):
        fresnel(field, pitch, wavelength, 1e-4, method="asm")
    with pytest.raises(ValueError, match="kind must be one of"):
        propagation.operator("fft", (8, 8), pitch, wavelength, 1e-4)
    with pytest.raises(ValueError, match="check must be one of"):
        angular_spectrum(field, pitch, wavelength, 1e-4, check="maybe")
    with pytest.raises(ValueError, match="pad must be >= 1"):
        angular_spectrum(field, pitch, wavelength, 1e-4, pad=0.5)
    with pytest.raises(TypeError, match="bandlimit must be a bool"):
        AngularSpectrum((8, 8), pitch, wavelength, 1e-4, bandlimit="yes")
    with pytest.raises(ValueError, match="n must be > 0"):
        angular_spectrum(field, pitch, wavelength, 1e-4, n=0.0)
    with pytest.raises(TypeError, match="dtype must be complex64 or complex128"):
        AngularSpectrum((8, 8), pitch, wavelength, 1e-4, dtype=np.float64)
    with pytest.raises(ValueError, match="shape must be >= 1"):
        FresnelTF((0, 8), pitch, wavelength, 1e-4)
    with pytest.raises(ValueError, match="focal_length must be > 0"):
        fraunhofer(field, pitch, wavelength, 0.0)
    with pytest.raises(ValueError, match="distance must be > 0 for method='fraunhofer'"):
        propagate(field, pitch, wavelength, -0.1, method="fraunhofer")
    with pytest.raises(ValueError, match="distance must be non-zero"):
        FresnelIR((8, 8), pitch, wavelength, 0.0)
    with pytest.raises(ValueError, match="distance must be non-zero"):
        fresnel_number(1e-3, wavelength, 0.0)


def test_operator_rejects_wrong_shape_and_precision_loss():
    op = AngularSpectrum((8, 8), 5e-6, 633e-9, 1e-4)
    with pytest.raises(ValueError, match=r"field must have shape \(\.\.\., 8, 8\)"):
        op(np.ones((8, 9)))
    with pytest.raises(TypeError, match="complex128"):
        op(np.ones((8, 8), dtype=np.complex128))
    with pytest.raises(TypeError, match="complex128"):
        Fraunhofer((8, 8), 5e-6, 633e-9, 0.1).adjoint(np.ones((8, 8), dtype=np.complex128))


def _undersampled(n=16, pitch=5e-6, wavelength=633e-9, pad=2):
    zc = critical_distance(int(n * pad), pitch, wavelength)
    return [
        (lambda check: FresnelTF((n, n), pitch, wavelength, 2 * zc, check=check),
         rf"distance=\S+ m exceeds the critical distance .* = {zc:.4g} m"),
        (lambda check: FresnelIR((n, n), pitch, wavelength, 0.5 * zc, check=check),
         rf"distance=\S+ m is below the critical distance .* = {zc:.4g} m"),
        (lambda check: AngularSpectrum((n, n), pitch, wavelength, 3 * zc, bandlimit=False,
                                       check=check),
         r"distance=\S+ m: the unlimited angular-spectrum kernel aliases .* use bandlimit=True"),
        (lambda check: AngularSpectrum((n, n), pitch, wavelength, 100 * zc, check=check),
         r"distance=\S+ m: the band limit .* keeps fewer than 3 frequency samples"),
    ]


@pytest.mark.parametrize("index", range(4))
def test_undersampled_distance_raises_warns_or_is_ignored(index):
    build, message = _undersampled()[index]
    with pytest.raises(ValueError, match=message):
        build("raise")
    with pytest.warns(UserWarning, match=message):
        op = build("warn")
    assert np.all(np.isfinite(op(np.ones(op.shape, dtype=np.complex64))))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        build("ignore")


def test_functional_api_raises_on_undersampling_with_the_numbers():
    pitch, wavelength = 5e-6, 633e-9
    zc = critical_distance(32, pitch, wavelength)
    field = np.ones((16, 16))
    with pytest.raises(ValueError, match=rf"critical distance .* = {zc:.4g} m"):
        fresnel(field, pitch, wavelength, 1.5 * zc, method="tf")
    with pytest.raises(ValueError, match="aliases"):
        angular_spectrum(field, pitch, wavelength, 1.5 * zc, bandlimit=False)
    with pytest.warns(UserWarning, match=rf"critical distance .* = {zc:.4g} m"):
        fresnel(field, pitch, wavelength, 1.7 * zc, method="tf", check="warn")
