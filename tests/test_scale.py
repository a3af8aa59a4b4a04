"""Scale (issue 11): refuse calls that cannot fit in memory, warn before long ones with the
estimate, show progress on long streaming, and stop on Ctrl-C within a block."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

from lightsim import OPU, GaussianMedium, media, resources

ROOT = Path(__file__).resolve().parent.parent


def test_an_opu_whose_camera_plane_cannot_fit_is_refused_at_build(monkeypatch):
    """10**6 pixels of 100 grains each: 10**8 grains (the issue's OPU(1000, 10**8) no longer
    fits the preset's sensor)."""
    monkeypatch.setattr(resources, "available_memory", lambda: 10**9)
    with pytest.raises(MemoryError, match=r"OPU\(10, 1000000\) with 100000000 camera-plane "
                                          r"grains needs about 4\.8 GB but 1 GB is available"):
        OPU(10, 10**6, grains=100)


def test_a_call_that_cannot_fit_is_refused_before_it_runs(monkeypatch):
    opu = OPU(10, 1000, preset="ideal")
    monkeypatch.setattr(resources, "available_memory", lambda: 10**6)
    monkeypatch.setattr(resources, "SMALL", 0)  # check even this small call
    with pytest.raises(MemoryError, match="a call of 100 frame"):
        opu.transform(np.zeros((100, 10), dtype=bool))


def test_a_call_that_will_take_hours_warns_with_its_estimate():
    """OPU(10**6, 10**6) streams 10**12 entries per call: about 11 hours."""
    opu = OPU(10**6, 10**6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # stop at the warning, before the generation
        with pytest.raises(RuntimeWarning, match=r"will take about 4e\+04 s \(11\.1 h\)"):
            opu.transform(np.zeros((1, 10**6), dtype=bool))


def test_a_cached_medium_or_a_folded_opu_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        OPU(100, 200).transform(np.zeros((2, 100), dtype=bool))
        folded = OPU(10, 16, macro_pixels=4)
        folded.transform(np.zeros((2, 10), dtype=bool))


def test_streaming_reports_progress_block_by_block(monkeypatch):
    calls = []

    class Bar:
        def __init__(self, total, **options):
            calls.append(("total", total, options.get("delay")))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def update(self, n):
            calls.append(("update", n))

    monkeypatch.setattr(media, "tqdm", Bar)
    GaussianMedium(50, 40, cache=False, block=16).apply(np.ones((1, 50)))
    assert calls[0] == ("total", 3, 5.0) and calls[1:] == [("update", 1)] * 3


_CHILD = """
import signal, sys, numpy as np
signal.signal(signal.SIGINT, signal.default_int_handler)  # a terminal's Ctrl-C
from lightsim import OPU
opu = OPU(10**6, 10**6)
print("started", flush=True)
try:
    import warnings
    warnings.simplefilter("ignore")
    opu.transform(np.zeros((1, 10**6), dtype=bool))
except KeyboardInterrupt:
    print("interrupted", flush=True)
    sys.exit(3)
"""


@pytest.mark.slow
def test_ctrl_c_stops_a_long_streamed_call_within_a_block():
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-c", _CHILD], env=env, stdout=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout.readline().strip() == "started"
        time.sleep(2.0)  # well inside the 11-hour generation
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)  # liveness: a block takes under a second
    finally:
        proc.kill()
    assert proc.returncode == 3 and "interrupted" in out


def test_the_dense_cache_is_generated_block_by_block_and_equals_the_stream(monkeypatch):
    """One Numba call over a 2 GB cache ran for tens of seconds without a chance for Ctrl-C
    or a progress bar; blocks give both, and the same bits as the streamed matrix."""
    updates = []

    class Bar:
        def __init__(self, total, **options):
            updates.append(total)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def update(self, n):
            updates.append(n)

    monkeypatch.setattr(media, "tqdm", Bar)
    cached = GaussianMedium(40, 50, seed=3, cache=True, block=16)
    dense = cached.matrix()
    assert updates == [4, 1, 1, 1, 1]
    np.testing.assert_array_equal(dense, GaussianMedium(40, 50, seed=3, cache=False).matrix())


def test_phase_stepping_checks_the_frames_it_shows(monkeypatch):
    """n_steps frames per row: the memory check must count them all."""
    opu = OPU(10, 1000, preset="ideal", phase_stepping=True)
    monkeypatch.setattr(resources, "available_memory", lambda: 32 * 1000 * 150)
    monkeypatch.setattr(resources, "SMALL", 0)
    opu.transform(np.zeros((100, 10), dtype=bool))  # 100 frames fit
    with pytest.raises(MemoryError, match="a call of 800 frame"):
        opu.phase_stepped(np.zeros((100, 10), dtype=bool), n_steps=8)


def test_small_calls_do_not_read_the_system_memory(monkeypatch):
    """Every OPU call passes through the check: small ones must not open /proc/meminfo."""
    def fail():
        raise AssertionError("available_memory read for a small call")

    monkeypatch.setattr(resources, "available_memory", fail)
    OPU(10, 100, preset="ideal").transform(np.zeros((4, 10), dtype=bool))
