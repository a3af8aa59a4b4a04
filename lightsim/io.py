"""HDF5 storage of media, cameras, OPU configurations and calibrations.

Files are data, never code: every object is stored as named scalar attributes and numeric
datasets under one group, with the attributes ``schema`` (this module's
:data:`SCHEMA_VERSION`) and ``kind`` on the root. A loader checks the schema version, the
kind, and the presence, dtype and shape of every field before it builds anything, and raises
:class:`FormatError` (a ``ValueError``) otherwise. Writes are atomic: the file is written to
a temporary name in the same folder, flushed, fsynced and moved over the target with
``os.replace``, so a crash leaves either the old file or the new one, never half of one.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import h5py
import numpy as np

from .camera import Camera
from .dmd import DMD
from .media import Medium, medium_from_parameters
from .opu import OPU

SCHEMA_VERSION = 2


class FormatError(ValueError):
    """A file that is not a valid lightsim HDF5 file of the expected kind and schema."""


def _umask() -> int:
    """The process's file-creation mask: read from ``/proc/self/status`` where it exists
    (no window in which other threads create files with another mask), else by setting it
    and restoring it."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path, write):
    """Call ``write(h5file)`` on a temporary file, then move it over ``path`` atomically.

    The file gets the permissions of any newly created file (``0o666`` less the umask),
    not the ``0o600`` of a temporary file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        os.chmod(tmp, 0o666 & ~_umask())
        with h5py.File(tmp, "w") as f:
            f.attrs["schema"] = SCHEMA_VERSION
            write(f)
            f.flush()
        with open(tmp, "rb+") as raw:
            os.fsync(raw.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def _open(path, kind):
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no such file: {path}")
    try:
        f = h5py.File(path, "r")
    except OSError as err:
        raise FormatError(f"{path} is not a readable HDF5 file ({err})") from err
    schema = f.attrs.get("schema")
    if schema is None:
        f.close()
        raise FormatError(f"{path} has no 'schema' attribute: not a lightsim file")
    if isinstance(schema, (bool, np.bool_)) or not isinstance(schema, (int, np.integer)):
        f.close()
        raise FormatError(f"{path}: attribute 'schema' must be an integer (1 to "
                          f"{SCHEMA_VERSION}), got {schema!r}")
    if int(schema) > SCHEMA_VERSION:
        f.close()
        raise FormatError(f"{path} has schema {int(schema)}, newer than this lightsim "
                          f"(reads up to {SCHEMA_VERSION}): upgrade lightsim")
    found = f.attrs.get("kind")
    if found != kind:
        f.close()
        raise FormatError(f"{path} holds {found!r}, expected {kind!r}")
    return f


def _checked_dataset(group, name, dtype_kinds, shape, path):
    """The dataset ``name``, its dtype kind (e.g. ``"fc"``) and shape checked (not read)."""
    data = group.get(name)
    if not isinstance(data, h5py.Dataset):
        raise FormatError(f"{path}: missing dataset {name!r}")
    if data.dtype.kind not in dtype_kinds or data.shape != tuple(shape):
        raise FormatError(f"{path}: dataset {name!r} has dtype {data.dtype} and shape "
                          f"{data.shape}, expected kind {dtype_kinds!r} and shape {shape}")
    return data


def _dataset(group, name, dtype_kinds, shape, path):
    """Read a dataset, checking its dtype kind and shape, and that its values are finite."""
    values = _checked_dataset(group, name, dtype_kinds, shape, path)[()]
    if values.dtype.kind in "fc" and not np.isfinite(values).all():
        raise FormatError(f"{path}: dataset {name!r} contains NaN or inf")
    return values


# ---------------------------------------------------------------------------- parameters
# Constructor parameters (``obj.parameters()``) are stored as plain data: scalars and strings
# as attributes, arrays as datasets, nested dicts as sub-groups. Rebuilding an object goes
# through its constructor, so every value is validated again on load.


def _write_parameters(group, params):
    for key, value in params.items():
        if isinstance(value, dict):
            _write_parameters(group.create_group(key), value)
        elif isinstance(value, np.ndarray) and value.ndim > 0:
            group.create_dataset(key, data=value)
        elif value is None:
            group.attrs[key] = h5py.Empty("f")
        else:
            group.attrs[key] = value


def _read_parameters(group):
    out = {}
    for key, value in group.attrs.items():
        if isinstance(value, h5py.Empty):
            value = None
        elif isinstance(value, bytes):
            value = value.decode()
        elif isinstance(value, np.ndarray):
            value = tuple(value.tolist())
        elif isinstance(value, np.generic):
            value = value.item()
        out[key] = value
    for key, item in group.items():
        out[key] = _read_parameters(item) if isinstance(item, h5py.Group) else item[()]
    return out


def _build(kind, factory, params, path):
    """Call ``factory(**params)``, turning a validation error into a :class:`FormatError`."""
    try:
        return factory(**params)
    except (TypeError, ValueError) as err:
        raise FormatError(f"{path}: invalid {kind} parameters ({err})") from err


def _save_object(path, kind, params, extra=None):
    def write(f):
        f.attrs["kind"] = kind
        _write_parameters(f.create_group("parameters"), params)
        if extra is not None:
            extra(f)

    return atomic_write(path, write)


def _load_parameters(f, path):
    if "parameters" not in f or not isinstance(f["parameters"], h5py.Group):
        raise FormatError(f"{path}: missing group 'parameters'")
    return _read_parameters(f["parameters"])


# ---------------------------------------------------------------------------- media


def save_medium(path, medium, *, dense=False):
    """Save a medium as its seed and parameters (a few bytes), and densely if asked.

    The parameters rebuild the same matrix bit for bit (drift history included);
    ``dense=True`` also stores the ``(n_out, n_in)`` complex matrix, for use outside lightsim.
    """
    if not isinstance(medium, Medium):
        raise TypeError(f"medium must be a lightsim.Medium, got {type(medium).__name__}")

    def extra(f):
        f.attrs["medium_kind"] = medium.kind
        if dense:
            f.create_dataset("matrix", data=medium.matrix(), compression="gzip")

    return _save_object(path, "medium", medium.parameters(), extra)


def _medium(kind, params, path):
    """Rebuild a medium of ``kind`` (schema 1 files hold only Gaussian media)."""
    kind = "gaussian" if kind is None else kind
    return _build(f"{kind} medium", lambda **p: medium_from_parameters(kind, p), params, path)


def load_medium(path):
    """Rebuild a medium saved by :func:`save_medium` (its seed and parameters)."""
    with _open(path, "medium") as f:
        params = _load_parameters(f, path)
        medium = _medium(f.attrs.get("medium_kind"), params, path)
        if "matrix" in f:  # checked, not read: the seed rebuilds the matrix
            _checked_dataset(f, "matrix", "c", (medium.n_out, medium.n_in), path)
    return medium


def load_medium_matrix(path):
    """The dense matrix stored by ``save_medium(..., dense=True)``, checked for shape."""
    with _open(path, "medium") as f:
        params = _load_parameters(f, path)
        shape = (params.get("n_out"), params.get("n_in"))
        return _dataset(f, "matrix", "c", shape, path)


# ---------------------------------------------------------------------------- cameras


def save_camera(path, camera):
    """Save a :class:`Camera` (its constructor parameters)."""
    if not isinstance(camera, Camera):
        raise TypeError(f"camera must be a lightsim.Camera, got {type(camera).__name__}")
    return _save_object(path, "camera", camera.parameters())


def load_camera(path):
    """Rebuild a :class:`Camera` saved by :func:`save_camera` (its noise stream restarts)."""
    with _open(path, "camera") as f:
        params = _load_parameters(f, path)
    return _build("camera", Camera, params, path)


# ---------------------------------------------------------------------------- OPUs


def save_opu(path, opu):
    """Save an :class:`OPU`: how it was built and what happened to it since.

    ``OPU.parameters()`` (configuration; medium by seed and drift history, DMD, camera) and
    ``OPU.state()`` (drift count, optical clock, reference field, calibration, the camera's
    noise counter, the macro-pixel fold, cost and frame statistics), so that the OPU of
    :func:`load_opu` continues exactly as this one would: same projections, same noise, and
    the next drift draws a fresh innovation.
    """
    if not isinstance(opu, OPU):
        raise TypeError(f"opu must be a lightsim.OPU, got {type(opu).__name__}")

    def extra(f):
        _write_parameters(f.create_group("state"), opu.state())

    params = dict(opu.parameters(), medium_kind=opu.medium.kind)
    return _save_object(path, "opu", params, extra)


def _count(params, name, path, where="parameters"):
    """The integer attribute ``where/name`` (>= 1), or a :class:`FormatError` naming it."""
    value = params.get(name)
    if value is None:
        raise FormatError(f"{path}: missing attribute '{where}/{name}'")
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise FormatError(f"{path}: attribute '{where}/{name}' must be an integer >= 1, got "
                          f"{value!r}")
    return int(value)


def _opu_state(f, params, path):
    """``(state, complete)``: the saved state with its arrays checked; schema 1 files kept
    only the reference and the calibration, at the root (``complete`` False)."""
    n_grains = _count(params["medium"], "n_out", path, "parameters/medium")  # one per grain
    group = f.get("state")
    holder = f if group is None else group
    state = {} if group is None else _read_parameters(group)
    state["reference"] = _dataset(holder, "reference", "c", (n_grains,), path)
    if "calibration" in holder:
        state["calibration"] = _dataset(holder, "calibration", "f", (params["n_out"],), path)
    for name, shape in (("fold_signal", (params["n_in"], n_grains)),
                        ("fold_base", (n_grains,))):
        if name in holder:
            state[name] = _dataset(holder, name, "c", shape, path)
    return state, group is not None


def load_opu(path):
    """Rebuild an :class:`OPU` saved by :func:`save_opu`, in the state it was saved in."""
    with _open(path, "opu") as f:
        params = _load_parameters(f, path)
        missing = {"n_in", "n_out", "preset", "seed", "options", "medium", "dmd"} - set(params)
        if missing:
            raise FormatError(f"{path}: missing OPU parameter(s) {sorted(missing)}")
        for name in ("options", "medium", "dmd", "camera"):
            if name in params and not isinstance(params[name], dict):
                raise FormatError(f"{path}: 'parameters/{name}' must be a group, got "
                                  f"{params[name]!r:.60}")
        params["n_in"], params["n_out"] = (_count(params, name, path)
                                           for name in ("n_in", "n_out"))
        state, complete = _opu_state(f, params, path)
    medium = _medium(params.get("medium_kind"), params["medium"], path)
    dmd = _build("dmd", DMD, params["dmd"], path)
    camera = _build("camera", Camera, params["camera"], path) if "camera" in params else None
    opu = _build("OPU", OPU, dict(n_in=params["n_in"], n_out=params["n_out"],
                                  preset=params["preset"], seed=params["seed"], medium=medium,
                                  dmd=dmd, camera=camera, **params["options"]), path)
    if not complete:
        opu.reference = state["reference"].astype(np.complex64)
        if "calibration" in state:
            opu.calibration = state["calibration"]
        return opu
    try:
        return opu.restore(state)
    except (TypeError, ValueError) as err:
        raise FormatError(f"{path}: invalid OPU state ({err})") from err
