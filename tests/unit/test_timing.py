"""Timing per 100 iterations (figures only, no limits asserted)."""

import math

import numpy as np
import pytest

from course_utils import timing
from course_utils.transfer import FLOAT32_FINISH

pytestmark = pytest.mark.filterwarnings("ignore:VGG19 has RANDOM")


def test_devices_lists_the_cpu_first():
    assert timing.devices()[0] == "/CPU:0"


def test_seconds_per_100_iterations_is_a_positive_time(rng):
    image = rng.uniform(size=(40, 40, 3)).astype("f4")
    seconds = timing.seconds_per_100_iterations(
        image, image, iterations=3, weights=None, size=32
    )
    assert np.isfinite(seconds) and seconds > 0


@pytest.mark.parametrize(
    "iterations, precision, steps",
    [
        (9, "bfloat16", 10),
        (20, "bfloat16", 23),
        (2, "bfloat16", 3),
        (20, "float32", 20),
    ],
)
def test_bfloat16_timing_runs_past_the_float32_finish(iterations, precision, steps):
    total = timing.steps_before_finish(iterations, precision)
    assert total == steps
    finish = math.ceil(FLOAT32_FINISH * total) if precision == "bfloat16" else 0
    assert total - finish == iterations  # exactly `iterations` steps before it


def test_bfloat16_seconds_per_100_iterations(rng):
    image = rng.uniform(size=(40, 40, 3)).astype("f4")
    seconds = timing.seconds_per_100_iterations(
        image, image, iterations=3, weights=None, size=32, precision="bfloat16"
    )
    assert np.isfinite(seconds) and seconds > 0


def test_seconds_per_100_iterations_needs_two(rng):
    with pytest.raises(ValueError, match="at least 2 iterations; got 1"):
        timing.seconds_per_100_iterations(None, None, iterations=1)


def test_precision_timings_cover_every_size_and_precision(rng):
    image = rng.uniform(size=(40, 40, 3)).astype("f4")
    rows = timing.precision_timings(
        image, image, sizes=(32, 48), iterations=2, weights=None
    )
    cpu = [(r["size"], r["precision"]) for r in rows if r["device"] == "/CPU:0"]
    assert cpu == [(32, "float32"), (32, "bfloat16"), (48, "float32"), (48, "bfloat16")]
    assert all(r["ms_per_iter"] > 0 for r in rows)


@pytest.mark.slow  # a whole grid, one by one and batched
def test_grid_timings_and_their_table(rng):
    contents = [rng.uniform(size=(40, 40, 3)).astype("f4") for _ in range(2)]
    styles = [rng.uniform(size=(40, 40, 3)).astype("f4") for _ in range(2)]
    grid = timing.grid_timings(contents, styles, iterations=2, size=32, weights=None)
    assert grid["images"] == 4 and grid["size"] == 32 and grid["iterations"] == 2
    assert grid["one_by_one_s"] > 0 and grid["batched_s"] > 0
    rows = [
        {"device": "/CPU:0", "size": 32, "precision": "float32", "ms_per_iter": 5.0}
    ]
    text = timing.format_device_tables(rows, grid)
    assert "/CPU:0      32    float32       5.0" in text
    assert "4 images at 32 px, 2 Adam iterations each" in text
