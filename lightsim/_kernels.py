"""Numba kernels (private).

Every kernel here has a plain-NumPy reference with the same signature suffixed ``_reference``
and a test (``tests/test_kernels.py`` or the stage's test module) checking that they agree.
Kernels are compiled with ``cache=True``; ``parallel=True`` only where a benchmark showed it
helps. FFTs never live here (they stay in ``scipy.fft``).

Sections: propagation, camera, media, dmd. Keep each kernel next to its reference.
"""

from __future__ import annotations

import numba
import numpy as np

# ---------------------------------------------------------------------------- propagation

# ---------------------------------------------------------------------------- camera

# ---------------------------------------------------------------------------- media

# ---------------------------------------------------------------------------- dmd
