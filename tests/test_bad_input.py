"""Bad input found by trying the library as a new user would (issue 11): each gets a clear
ValueError / TypeError naming the parameter, the value and what is allowed."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dfa
from lightsim import DMD, OPU, Camera, GaussianMedium, MultisliceMedium, checks, propagation

STAGES = {
    "OPU": lambda seed: OPU(4, 4, seed=seed),
    "DMD": lambda seed: DMD(shape=(2, 2), seed=seed),
    "Camera": lambda seed: Camera(seed=seed),
    "GaussianMedium": lambda seed: GaussianMedium(3, 3, seed=seed),
    "MultisliceMedium": lambda seed: MultisliceMedium(4, 4, dmd_shape=(4, 4), grid=16,
                                                      n_screens=1, seed=seed),
}


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, checks.MAX_SEED))
@pytest.mark.parametrize("stage", sorted(STAGES))
def test_every_seed_of_the_documented_range_is_accepted(stage, seed):
    STAGES[stage](seed)


@pytest.mark.parametrize("stage", sorted(STAGES))
@pytest.mark.parametrize("seed, error", [(2**64, ValueError), (-1, ValueError),
                                         (1.5, TypeError), ("0", TypeError)])
def test_a_seed_outside_the_range_names_the_range(stage, seed, error):
    with pytest.raises(error, match="seed"):
        STAGES[stage](seed)


def test_a_list_where_a_name_or_number_belongs_is_a_named_type_error():
    with pytest.raises(TypeError, match=r"preset must be a str, one of \['ideal', 'lighton'\]"):
        OPU(4, 4, preset=["lighton"])
    with pytest.raises(TypeError, match="pad must be a real number"):
        propagation.angular_spectrum(np.ones((8, 8), complex), 1e-6, 5e-7, 1e-3, pad=[2])


def test_contrast_must_exceed_one():
    """At contrast 1 an OFF mirror is as bright as an ON one: B is zero."""
    with pytest.raises(ValueError, match="contrast must be > 1"):
        OPU(4, 4, contrast=1)
    OPU(4, 4, contrast=1.5)


@pytest.mark.parametrize("value", [1.0, 1.5, -0.1])
def test_dead_fraction_outside_its_range_gives_one_message(value):
    with pytest.raises(ValueError, match=r"dead_fraction must be in \[0, 1\)"):
        DMD(shape=(2, 2), dead_fraction=value)


@pytest.mark.parametrize("feedback, match", [
    ("dfa", "got 'dfa' of type str"), (dfa.Backprop, "got the class Backprop"),
    (None, "got None")])
def test_train_names_what_feedback_must_be(feedback, match):
    x = np.random.default_rng(0).random((12, 4))
    y = np.arange(12) % 3
    with pytest.raises(TypeError, match=match):
        dfa.train(dfa.MLP([4, 5, 3]), feedback, (x, y, x, y), epochs=1,
                  optimizer=dfa.Adam(1e-3), progress=False)
