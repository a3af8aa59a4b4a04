"""HDF5 storage: round trips, atomic writes, corrupt and newer files."""

from __future__ import annotations

import os
import stat

import h5py
import numpy as np
import pytest

from lightsim import OPU, Camera, GaussianMedium, io


def test_medium_round_trip_by_seed_and_dense(tmp_path):
    medium = GaussianMedium(30, 20, seed=5)
    path = io.save_medium(tmp_path / "m.h5", medium, dense=True)
    loaded = io.load_medium(path)
    np.testing.assert_array_equal(loaded.matrix(), medium.matrix())
    np.testing.assert_array_equal(io.load_medium_matrix(path), medium.matrix())


def test_drifted_medium_round_trip(tmp_path):
    medium = GaussianMedium(16, 12, seed=2).drift(0.7, seed=3).drift(0.5, seed=4)
    loaded = io.load_medium(io.save_medium(tmp_path / "m.h5", medium))
    np.testing.assert_array_equal(loaded.matrix(), medium.matrix())


def test_camera_round_trip(tmp_path):
    camera = Camera(bits=12, full_well=5000.0, read_noise=3.0, exposure=2e-3, seed=8,
                    binning=(2, 1))
    loaded = io.load_camera(io.save_camera(tmp_path / "c.h5", camera))
    assert loaded.parameters() == camera.parameters()
    photons = np.full((2, 4, 4), 300.0)
    np.testing.assert_array_equal(loaded.capture(photons), Camera(
        **camera.parameters()).capture(photons))


def test_opu_round_trip_keeps_projection_and_calibration(tmp_path):
    opu = OPU(40, 30, preset="lighton", seed=3, contrast=50.0, dead_fraction=0.05, grains=2)
    x = np.random.default_rng(0).random((5, 40)) < 0.5
    opu.calibrate()
    opu.drift(0.9)
    loaded = io.load_opu(io.save_opu(tmp_path / "o.h5", opu))
    np.testing.assert_array_equal(loaded.effective_matrix(), opu.effective_matrix())
    np.testing.assert_array_equal(loaded.calibration, opu.calibration)
    assert loaded.exposure == opu.exposure
    ideal = OPU(40, 30, preset="ideal", seed=3)
    again = io.load_opu(io.save_opu(tmp_path / "i.h5", ideal))
    np.testing.assert_array_equal(again.transform(x), ideal.transform(x))
    assert again.calibration is None


def test_write_is_atomic(tmp_path):
    path = tmp_path / "m.h5"
    io.save_medium(path, GaussianMedium(4, 4, seed=1))
    before = path.read_bytes()

    def failing(f):
        f.attrs["kind"] = "medium"
        raise RuntimeError("crash in the middle of a write")

    with pytest.raises(RuntimeError):
        io.atomic_write(path, failing)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.h5"]  # no temp file left


def test_corrupt_and_foreign_files(tmp_path):
    junk = tmp_path / "junk.h5"
    junk.write_bytes(b"not an hdf5 file at all")
    with pytest.raises(io.FormatError, match="not a readable HDF5"):
        io.load_medium(junk)
    with pytest.raises(FileNotFoundError):
        io.load_medium(tmp_path / "missing.h5")
    foreign = tmp_path / "foreign.h5"
    with h5py.File(foreign, "w") as f:
        f["x"] = 1
    with pytest.raises(io.FormatError, match="schema"):
        io.load_camera(foreign)
    medium_file = io.save_medium(tmp_path / "m.h5", GaussianMedium(4, 4))
    with pytest.raises(io.FormatError, match="expected 'camera'"):
        io.load_camera(medium_file)


def test_newer_schema_is_refused(tmp_path):
    path = io.save_camera(tmp_path / "c.h5", Camera())
    with h5py.File(path, "a") as f:
        f.attrs["schema"] = io.SCHEMA_VERSION + 1
    with pytest.raises(io.FormatError, match="newer"):
        io.load_camera(path)


def test_invalid_values_are_refused(tmp_path):
    path = io.save_camera(tmp_path / "c.h5", Camera())
    with h5py.File(path, "a") as f:
        f["parameters"].attrs["bits"] = 40
    with pytest.raises(io.FormatError, match="bits"):
        io.load_camera(path)
    opu_path = io.save_opu(tmp_path / "o.h5", OPU(10, 8, preset="ideal"))
    with h5py.File(opu_path, "a") as f:
        del f["state/reference"]
        f["state/reference"] = np.zeros(3, np.complex64)
    with pytest.raises(io.FormatError, match="reference"):
        io.load_opu(opu_path)


def test_truncated_file(tmp_path):
    path = io.save_medium(tmp_path / "m.h5", GaussianMedium(64, 64), dense=True)
    size = os.path.getsize(path)
    with open(path, "r+b") as f:
        f.truncate(size // 2)
    with pytest.raises(io.FormatError):
        io.load_medium_matrix(path)


def test_macro_pixel_opu_round_trip_after_drift(tmp_path):
    opu = OPU(6, 20, preset="ideal", seed=4, dmd_shape=(12, 30), macro_pixels=(3, 4))
    opu.transform(np.ones((1, 6), bool))
    opu.drift(0.7)
    loaded = io.load_opu(io.save_opu(tmp_path / "o.h5", opu))
    # the fold, as updated by the drift, is part of the state: bit for bit
    np.testing.assert_array_equal(loaded.effective_matrix(), opu.effective_matrix())
    x = np.random.default_rng(1).random((3, 6)) < 0.5
    np.testing.assert_array_equal(loaded.drift(0.5).transform(x), opu.drift(0.5).transform(x))


def _history(opu, x):
    """Calibrate, drift twice, run the optical clock: an instrument with a past."""
    opu.linear_transform(x)
    opu.drift(0.9)
    opu.transform(x)
    opu.drift(0.8)
    return opu


def test_drift_after_load_is_a_fresh_innovation(tmp_path):
    """drift -> save -> load -> drift must not repeat the first drift's innovation."""
    x = np.random.default_rng(0).random((4, 12)) < 0.5
    opu = _history(OPU(12, 10, preset="lighton", seed=5), x)
    loaded = io.load_opu(io.save_opu(tmp_path / "o.h5", opu))
    assert loaded.medium.parameters()["drift_seed"].tolist() == \
        opu.medium.parameters()["drift_seed"].tolist()
    opu.drift(0.7)
    loaded.drift(0.7)
    seeds = loaded.medium.parameters()["drift_seed"].tolist()
    assert len(set(seeds)) == len(seeds) == 3  # every step drew its own innovation
    np.testing.assert_array_equal(loaded.effective_matrix(), opu.effective_matrix())


@pytest.mark.parametrize("options", [dict(), dict(decorrelation_time=0.01, power_noise=0.05,
                                                   phase_jitter=0.2),
                                     dict(dmd_shape=(12, 30), macro_pixels=(2, 2))])
def test_loaded_opu_continues_bit_for_bit(tmp_path, options):
    """Same seed, same results across save/load: noise, clock, drift, cost and statistics."""
    x = np.random.default_rng(0).random((4, 12)) < 0.5
    opu = _history(OPU(12, 10, preset="lighton", seed=5, **options), x)
    loaded = io.load_opu(io.save_opu(tmp_path / "o.h5", opu))
    assert loaded.optical_clock == opu.optical_clock
    assert loaded.frame_stats == opu.frame_stats
    assert loaded.cost.summary() == opu.cost.summary()
    for run in (lambda o: o.transform(x), lambda o: o.linear_transform(x),
                lambda o: o.drift(0.6).linear_transform(2 * x.astype(np.int8) - 1)):
        np.testing.assert_array_equal(run(loaded), run(opu))
    assert loaded.state().keys() == opu.state().keys()


def test_schema_1_opu_file_still_loads(tmp_path):
    opu = OPU(10, 8, preset="lighton", seed=2)
    opu.calibrate()
    path = io.save_opu(tmp_path / "o.h5", opu)
    with h5py.File(path, "a") as f:  # the layout of schema 1: no state group
        f["reference"] = f["state/reference"][()]
        f["calibration"] = f["state/calibration"][()]
        del f["state"]
        f.attrs["schema"] = 1
    loaded = io.load_opu(path)
    np.testing.assert_array_equal(loaded.reference, opu.reference)
    np.testing.assert_array_equal(loaded.calibration, opu.calibration)


def test_restore_refuses_a_state_of_another_instrument():
    state = OPU(10, 8, preset="ideal", seed=2).state()
    with pytest.raises(ValueError, match="reference"):
        OPU(10, 9, preset="ideal", seed=2).restore(state)
    del state["drifts"]
    with pytest.raises(ValueError, match="drifts"):
        OPU(10, 8, preset="ideal", seed=2).restore(state)


def test_dense_matrix_of_wrong_shape_is_refused(tmp_path):
    path = io.save_medium(tmp_path / "m.h5", GaussianMedium(6, 4, seed=1))
    with h5py.File(path, "a") as f:
        f["matrix"] = np.zeros((3, 6), np.complex64)
    with pytest.raises(io.FormatError, match="matrix"):
        io.load_medium(path)


def test_media_are_saved_and_loaded_by_kind(tmp_path):
    path = io.save_medium(tmp_path / "m.h5", GaussianMedium(6, 4, seed=1).drift(0.5, 2))
    with h5py.File(path, "r") as f:
        assert f.attrs["medium_kind"] == "gaussian"
    np.testing.assert_array_equal(io.load_medium(path).matrix(),
                                  GaussianMedium(6, 4, seed=1).drift(0.5, 2).matrix())
    with h5py.File(path, "a") as f:
        f.attrs["medium_kind"] = "slab"
    with pytest.raises(io.FormatError, match="unknown medium kind 'slab'"):
        io.load_medium(path)
    with pytest.raises(TypeError, match="lightsim.Medium"):
        io.save_medium(tmp_path / "x.h5", np.ones((2, 2)))


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_saved_files_honour_the_umask(tmp_path, umask, mode):
    """A temporary file is created 0600; the saved file must get the umask's mode, as the
    figures and every other new file do."""
    previous = os.umask(umask)
    try:
        path = io.save_opu(tmp_path / "opu.h5", OPU(4, 4, preset="ideal"))
    finally:
        os.umask(previous)
    assert stat.S_IMODE(os.stat(path).st_mode) == mode


def _tamper(path, edit):
    with h5py.File(path, "r+") as f:
        edit(f)
    return path


@pytest.mark.parametrize("edit, match", [
    (lambda f: f.attrs.__setitem__("schema", "two"), "attribute 'schema' must be an integer"),
    (lambda f: f["parameters"].attrs.__setitem__("n_out", "forty"),
     "attribute 'parameters/n_out' must be an integer >= 1, got 'forty'"),
    (lambda f: f["parameters"].attrs.__setitem__("n_in", 0),
     "attribute 'parameters/n_in' must be an integer >= 1"),
    (lambda f: (f["parameters"].__delitem__("options"),
                f["parameters"].attrs.__setitem__("options", 3)),
     "'parameters/options' must be a group, got 3"),
    (lambda f: f["parameters/medium"].attrs.__setitem__("n_out", 2.5),
     "attribute 'parameters/medium/n_out' must be an integer"),
])
def test_every_malformed_attribute_is_a_format_error_naming_it(tmp_path, edit, match):
    path = _tamper(io.save_opu(tmp_path / "opu.h5", OPU(4, 6, preset="ideal")), edit)
    with pytest.raises(io.FormatError, match=match) as raised:
        io.load_opu(path)
    assert str(path) in str(raised.value)
