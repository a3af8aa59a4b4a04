"""One thread budget for BLAS and lightsim's Numba kernels.

An OPU call is a BLAS product (the medium) followed by Numba kernels (speckle intensity and
the camera), and a training step alternates BLAS products with OPU calls. Both thread pools
want every core, and both keep their threads *busy-waiting* after a call:

- OpenBLAS's worker threads spin for ``2**OPENBLAS_THREAD_TIMEOUT`` cycles (default 28,
  about 0.1 s) after each product before they sleep;
- libgomp's threads (Numba's ``omp`` threading layer) spin after each parallel region
  unless ``OMP_WAIT_POLICY=PASSIVE``.

On a 2-core machine a kernel that starts within 0.1 s of a product therefore shares its
cores with a spinning BLAS thread. Measured on the optical-DFA step of
``benchmarks/bench_dfa.py`` (``python -m benchmarks.profile_optical``; its camera kernel on
4 x 128 frames of 1600 pixels): 36.5 ms with the threads spinning, 18.1 ms with the settings
below.

Both variables are read once, when their library loads: OpenBLAS when NumPy is imported,
libgomp at Numba's first parallel kernel. :func:`share_cores` (run when this module is
imported, which ``import lightsim`` does before it imports NumPy) sets them, where the
environment does not already, to :data:`ENVIRONMENT` while that can still take effect. So
``import lightsim`` (or ``import dfa``) *before* NumPy gets the shared budget; after NumPy it
cannot change OpenBLAS, and :func:`status` says so. A value you set yourself is always kept
(set ``OPENBLAS_THREAD_TIMEOUT=28`` to keep OpenBLAS's default). Child processes inherit the
variables. Results do not depend on any of this (:mod:`lightsim._kernels` draws its random
numbers from counters, not from threads).
"""

from __future__ import annotations

import os
import sys

#: What :func:`share_cores` sets where unset: OpenBLAS workers wait 2**4 cycles before they
#: sleep; OpenMP threads sleep at once after a parallel region.
ENVIRONMENT = {"OPENBLAS_THREAD_TIMEOUT": "4", "OMP_WAIT_POLICY": "PASSIVE"}
#: Largest OPENBLAS_THREAD_TIMEOUT counted as "BLAS threads do not spin" (2**16 cycles,
#: about 25 us).
QUIET_TIMEOUT = 16

_found = {}  # each variable's value when lightsim was imported, before share_cores


def share_cores() -> None:
    """Set :data:`ENVIRONMENT` where unset, while each library has not read it yet.

    ``OPENBLAS_THREAD_TIMEOUT`` only if NumPy is not imported yet, ``OMP_WAIT_POLICY`` only
    if Numba is not (its OpenMP runtime loads at the first parallel kernel, after import).
    """
    for name in ENVIRONMENT:
        _found.setdefault(name, os.environ.get(name))
    if "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", ENVIRONMENT["OPENBLAS_THREAD_TIMEOUT"])
    if "numba" not in sys.modules:
        os.environ.setdefault("OMP_WAIT_POLICY", ENVIRONMENT["OMP_WAIT_POLICY"])


def _timeout_quiet(value) -> bool:
    try:
        return int(value) <= QUIET_TIMEOUT
    except (TypeError, ValueError):
        return False


def status() -> dict:
    """Whether BLAS and Numba threads sleep when idle in this process.

    Returns
    -------
    dict
        ``blas_spin_bounded`` (bool: OpenBLAS was loaded with ``OPENBLAS_THREAD_TIMEOUT`` at
        most :data:`QUIET_TIMEOUT`, as far as this process can tell), ``omp_wait_policy``
        (the value in the environment, or None), ``set_by_lightsim`` (the variables
        :func:`share_cores` set) and ``advice`` (empty when nothing is left to do).
    """
    now = {name: os.environ.get(name) for name in ENVIRONMENT}
    set_by_lightsim = sorted(name for name in ENVIRONMENT
                             if _found.get(name) is None and now[name] is not None)
    bounded = _timeout_quiet(now["OPENBLAS_THREAD_TIMEOUT"])
    advice = ""
    if not bounded:
        advice = ("OpenBLAS threads spin for ~0.1 s after each product and slow down the "
                  "Numba kernels that follow; import lightsim (or dfa) before NumPy, or set "
                  "OPENBLAS_THREAD_TIMEOUT=4 in the environment")
    return dict(blas_spin_bounded=bounded, omp_wait_policy=now["OMP_WAIT_POLICY"],
                set_by_lightsim=set_by_lightsim, advice=advice)


share_cores()
