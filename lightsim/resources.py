"""What a call will cost the machine, estimated before it runs.

A simulated OPU can be configured far beyond what a laptop holds (``OPU(1000, 10**8)`` keeps
0.8 GB per frame of camera-plane field; ``OPU(10**6, 10**6)`` regenerates 10**12 matrix
entries per call when its medium streams). :func:`check_memory` refuses a call whose arrays
cannot fit in the memory the system reports as available, and :func:`warn_if_long` warns,
with the estimate, before a call that will take minutes. The estimates are stated as such:
the time uses :data:`SECONDS_PER_GENERATED_ENTRY`, measured on a 2-core machine, and counts
only the generation of the transmission matrix (the dominant cost of a streamed medium).
"""

from __future__ import annotations

import os
import warnings

#: Wall time to generate one complex64 entry of a Gaussian transmission matrix (s): 8e6
#: entries in 0.31 s in one streamed block (lightsim.media.GaussianMedium, 2 cores).
SECONDS_PER_GENERATED_ENTRY = 4e-8
#: Calls estimated to take longer than this (s) are warned about.
LONG_CALL = 60.0
#: Allocations below this (bytes) are not checked: every OPU call passes through
#: :func:`check_memory`, and reading the system's free memory is not free.
SMALL = 2**28


def available_memory() -> int | None:
    """Bytes the system reports as available (``MemAvailable`` of ``/proc/meminfo``, else
    the free physical pages), or ``None`` where neither is known."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _gb(nbytes: float) -> str:
    return f"{nbytes / 1e9:.3g} GB"


def check_memory(what: str, nbytes: float, hint: str = "") -> None:
    """``MemoryError`` naming ``what`` and both sizes when ``nbytes`` exceeds the memory
    available (nothing when the system does not say, or below :data:`SMALL`)."""
    if nbytes < SMALL:
        return
    available = available_memory()
    if available is not None and nbytes > available:
        raise MemoryError(f"{what} needs about {_gb(nbytes)} but {_gb(available)} is available"
                          + (f": {hint}" if hint else ""))


def warn_if_long(what: str, seconds: float, hint: str = "", stacklevel: int = 2) -> None:
    """A ``RuntimeWarning`` with the estimate when ``seconds`` exceeds :data:`LONG_CALL`
    (``stacklevel``: 1 is the caller of this function, 2 its caller, and so on)."""
    if seconds > LONG_CALL:
        hours = f" ({seconds / 3600:.3g} h)" if seconds > 3600 else ""
        warnings.warn(f"{what} will take about {seconds:.3g} s{hours} on a 2-core machine"
                      + (f": {hint}" if hint else ""), RuntimeWarning,
                      stacklevel=stacklevel + 1)
