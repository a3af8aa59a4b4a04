"""lightsim.threads: BLAS and Numba threads sleep when idle, and results do not care."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from lightsim import threads

_VARIABLES = tuple(threads.ENVIRONMENT)

_CHILD = """
import json, os, sys
first = sys.argv[1]
if first == "numpy":
    import numpy
import lightsim
print(json.dumps(dict(status=lightsim.threads.status(),
                      env={k: os.environ.get(k) for k in lightsim.threads.ENVIRONMENT})))
"""


def _child(first, **env_vars):
    env = {k: v for k, v in os.environ.items() if k not in _VARIABLES}
    env.update(env_vars)
    out = subprocess.run([sys.executable, "-c", _CHILD, first], env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def test_import_lightsim_first_bounds_the_spin_of_both_pools():
    got = _child("lightsim")
    assert got["env"] == threads.ENVIRONMENT
    assert got["status"]["blas_spin_bounded"] and got["status"]["advice"] == ""
    assert got["status"]["set_by_lightsim"] == sorted(_VARIABLES)


def test_after_numpy_openblas_is_left_alone_and_status_says_so():
    got = _child("numpy")
    assert got["env"]["OPENBLAS_THREAD_TIMEOUT"] is None  # too late: OpenBLAS is loaded
    assert got["env"]["OMP_WAIT_POLICY"] == "PASSIVE"  # Numba's OpenMP has not loaded yet
    assert not got["status"]["blas_spin_bounded"]
    assert "before NumPy" in got["status"]["advice"]


@pytest.mark.parametrize("first", ["lightsim", "numpy"])
def test_a_value_set_by_the_user_is_kept(first):
    got = _child(first, OPENBLAS_THREAD_TIMEOUT="28", OMP_WAIT_POLICY="ACTIVE")
    assert got["env"] == {"OPENBLAS_THREAD_TIMEOUT": "28", "OMP_WAIT_POLICY": "ACTIVE"}
    assert got["status"]["set_by_lightsim"] == [] and not got["status"]["blas_spin_bounded"]


_RESULT_CHILD = """
import sys
import numpy as np
import lightsim
opu = lightsim.OPU(24, 300, seed=3)
X = np.random.default_rng(0).random((40, 24)) < 0.5
np.save(sys.argv[1], np.concatenate([opu.transform(X).ravel().astype(np.float64),
                                     opu.linear_transform(X).ravel()]))
"""


def test_the_thread_environment_changes_no_result(tmp_path):
    """Spinning or sleeping threads, the same seed gives the same counts, bit for bit."""
    runs = []
    for i, env_vars in enumerate([{}, {"OPENBLAS_THREAD_TIMEOUT": "28",
                                       "OMP_WAIT_POLICY": "ACTIVE"}]):
        env = {k: v for k, v in os.environ.items() if k not in _VARIABLES}
        env.update(env_vars)
        path = tmp_path / f"{i}.npy"
        subprocess.run([sys.executable, "-c", _RESULT_CHILD, str(path)], env=env, check=True)
        runs.append(np.load(path))
    np.testing.assert_array_equal(runs[0], runs[1])
