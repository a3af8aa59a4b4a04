"""The propagation validation cases pass at the small size (same code as the full report)."""

from __future__ import annotations

import pytest

import validation

CASES = [
    "gaussian beam",
    "square aperture fresnel",
    "airy pattern",
    "band limit vs rayleigh-sommerfeld",
    "parseval",
]


@pytest.mark.parametrize("name", CASES)
def test_case_passes_at_small_size(name):
    results = validation.run_case(name, "small")
    assert results
    for result in results:
        assert result.passed, (
            f"{name} / {result.name}: measured {result.measured:.4g}, reference "
            f"{result.reference:.4g}, tolerance {result.tolerance:.3g}"
        )
        assert result.citation
