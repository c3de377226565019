"""Timing per 100 iterations (figures only, no limits asserted)."""

import numpy as np
import pytest

from course_utils import bench

pytestmark = pytest.mark.filterwarnings("ignore:VGG19 has RANDOM")


def test_devices_lists_the_cpu_first():
    assert bench.devices()[0] == "/CPU:0"


def test_seconds_per_100_iterations_is_a_positive_time(rng):
    image = rng.uniform(size=(40, 40, 3)).astype("f4")
    seconds = bench.seconds_per_100_iterations(
        image, image, iterations=3, weights=None, size=32
    )
    assert np.isfinite(seconds) and seconds > 0


def test_seconds_per_100_iterations_needs_two(rng):
    with pytest.raises(ValueError, match="at least 2 iterations; got 1"):
        bench.seconds_per_100_iterations(None, None, iterations=1)
