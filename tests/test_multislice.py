"""MultisliceMedium: adjoint, energy, matrix, drift, storage and the OPU through it."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import validation
from lightsim import OPU, io
from lightsim.multislice import MultisliceMedium, tilt_correlation, tilt_correlation_theory


def _medium(**changes):
    options = dict(n_in=40, n_out=49, dmd_shape=(8, 12), grid=32, n_screens=3,
                   spacing=60e-6, correlation_length=10e-6, seed=1)
    options.update(changes)
    return MultisliceMedium(**options)


def _complex(rng, shape):
    return rng.normal(size=shape) + 1j * rng.normal(size=shape)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**63), screens=st.integers(1, 4), grid=st.sampled_from([16, 24]),
       n_in=st.integers(1, 60), lattice=st.tuples(st.integers(1, 8), st.integers(1, 8)),
       stride=st.integers(1, 2), spacing=st.floats(0, 200e-6),
       dtype=st.sampled_from([np.complex64, np.complex128]))
def test_adjoint_passes_the_dot_product_identity(seed, screens, grid, n_in, lattice, stride,
                                                 spacing, dtype):
    n_out = lattice[0] * lattice[1]
    medium = _medium(n_in=n_in, n_out=n_out, output_shape=lattice, grid=grid,
                     dmd_shape=(8, 12), seed=seed, n_screens=screens, spacing=spacing,
                     output_stride=stride, dtype=dtype, chunk=2)
    rng = np.random.default_rng(seed % 2**32)
    x, y = _complex(rng, (3, n_in)), _complex(rng, (3, n_out))
    lhs = np.vdot(medium.apply(x).astype(np.complex128), y)
    rhs = np.vdot(x, medium.adjoint(y).astype(np.complex128))
    tol = 1e-4 if dtype == np.complex64 else 1e-10
    assert abs(lhs - rhs) <= tol * np.linalg.norm(x) * np.linalg.norm(y) * medium._scale**2


@pytest.mark.parametrize("dtype, tol", [(np.complex64, 1e-5), (np.complex128, 1e-12)])
def test_energy_is_conserved_over_the_camera_plane(dtype, tol):
    medium = _medium(n_screens=5, dtype=dtype)
    x = _complex(np.random.default_rng(0), (4, medium.n_in))
    plane = medium.camera_plane(x)
    np.testing.assert_allclose((np.abs(plane) ** 2).sum(axis=(1, 2)),
                               (np.abs(x) ** 2).sum(axis=1), rtol=tol)


def test_matrix_is_apply_on_unit_vectors_and_linear():
    medium = _medium()
    T = medium.matrix()
    rng = np.random.default_rng(2)
    x = _complex(rng, (2, medium.n_in))
    np.testing.assert_allclose(medium.apply(x), x @ T.T, atol=1e-5 * np.abs(x @ T.T).max())
    np.testing.assert_array_equal(medium.matrix(rows=[3, 0]), T[[3, 0]])


def test_drift_keeps_the_screen_statistics_and_rebuilds_from_parameters():
    medium = _medium(phase_rms=1.5)
    drifted = medium.drift(0.6, seed=5).drift(0.9, seed=6)
    rebuilt = MultisliceMedium(**drifted.parameters())
    np.testing.assert_array_equal(rebuilt.matrix(), drifted.matrix())
    a, b = medium.screens().ravel(), medium.drift(0.6, seed=5).screens().ravel()
    assert np.corrcoef(a, b)[0, 1] == pytest.approx(0.6, abs=0.05)
    assert b.std() == pytest.approx(1.5, rel=0.1)
    assert not np.array_equal(drifted.matrix(), medium.matrix())


def test_saved_and_loaded_by_kind(tmp_path):
    medium = _medium().drift(0.5, seed=3)
    loaded = io.load_medium(io.save_medium(tmp_path / "m.h5", medium))
    assert isinstance(loaded, MultisliceMedium)
    np.testing.assert_array_equal(loaded.matrix(), medium.matrix())


def test_the_opu_runs_through_it():
    medium = MultisliceMedium(12, 30, dmd_shape=(8, 12), grid=32, n_screens=3, seed=4)
    opu = OPU(12, 30, preset="ideal", dmd_shape=(8, 12), medium=medium)
    x = np.random.default_rng(0).random((5, 12)) < 0.5
    exact = x @ opu.effective_matrix().T
    np.testing.assert_allclose(opu.linear_transform(x), exact, atol=1e-4 * np.abs(exact).max())
    assert opu.transform(x).shape == (5, 30)
    lighton = OPU(12, 30, preset="lighton", dmd_shape=(8, 12),
                  medium=MultisliceMedium(12, 30, dmd_shape=(8, 12), grid=32, seed=4))
    lighton.linear_transform(2 * x.astype(np.int8) - 1)
    lighton.drift(0.9)  # no innovation: the OPU keeps working on the drifted medium
    assert isinstance(lighton.medium, MultisliceMedium) and lighton.medium.drift_rho == (0.9,)


def test_bad_arguments():
    with pytest.raises(ValueError, match="grid"):
        _medium(grid=10)
    with pytest.raises(ValueError, match="n_in"):
        _medium(n_in=97)
    with pytest.raises(ValueError, match="does not fit"):
        _medium(n_out=300, output_stride=3)
    with pytest.raises(ValueError, match="15 points"):
        _medium(n_out=12, output_shape=(3, 5))
    with pytest.raises(ValueError, match="phase_rms"):
        _medium(phase_rms=0)
    with pytest.raises(ValueError, match="X"):
        _medium().apply(np.ones((1, 3)))
    with pytest.raises(ValueError, match="reference"):
        _medium(n_in=96).reference_field(0.5, 0)


@pytest.mark.parametrize("name", ["multislice speckle development",
                                  "multislice speckle grain size",
                                  "multislice memory effect", "multislice drift",
                                  "multislice random-matrix laws"])
def test_validation_cases(name):
    for result in validation.run_case(name, "small"):
        assert result.passed, result


# ---------------------------------------------------------------------------- memory effect
def _plane_wave_stack(**kwargs):
    options = dict(grid=32, n_screens=4, spacing=2e-3, phase_rms=1.5,
                   correlation_length=4 * 7.56e-6, dtype=np.complex128)
    options.update(kwargs)
    grid = options["grid"]
    return MultisliceMedium(grid * grid, 1, dmd_shape=(grid, grid), **options)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32), cycles=st.integers(0, 7))
def test_a_thin_stack_is_exactly_tilt_invariant(seed, cycles):
    medium = _plane_wave_stack(spacing=0.0, seed=seed)
    assert tilt_correlation(medium, cycles) == pytest.approx(1.0, abs=1e-9)
    assert tilt_correlation_theory(medium, cycles) == pytest.approx(1.0, abs=1e-12)


def test_the_closed_form_falls_with_thickness_and_tilt():
    by_thickness = [tilt_correlation_theory(_plane_wave_stack(spacing=d), 4)
                    for d in (1e-3, 4e-3, 16e-3)]
    by_tilt = [tilt_correlation_theory(_plane_wave_stack(), c) for c in (1, 4, 12)]
    assert 1 > by_thickness[0] > by_thickness[1] > by_thickness[2] >= 0
    assert 1 > by_tilt[0] > by_tilt[1] > by_tilt[2] >= 0


def test_memory_effect_bad_arguments():
    with pytest.raises(ValueError, match="cycles"):
        tilt_correlation(_plane_wave_stack(), 16)
    with pytest.raises(ValueError, match="dmd_shape"):
        tilt_correlation_theory(_medium(), 2)
