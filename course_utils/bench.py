"""Timing: seconds per 100 iterations on each device (notebook 05's Table 1)."""

from __future__ import annotations

import time

import tensorflow as tf

from course_utils.optimise import stylize


def devices() -> list[str]:
    """The devices TensorFlow can run on here, e.g. ["/CPU:0", "/GPU:0"]."""
    return ["/CPU:0"] + [
        f"/GPU:{index}"
        for index, _ in enumerate(tf.config.list_physical_devices("GPU"))
    ]


def seconds_per_100_iterations(
    content, style, device="/CPU:0", iterations=10, **settings
) -> float:
    """Time `iterations` Adam steps of `stylize` on `device`, scaled to 100.

    The first iteration (which compiles the step) is left out, so the figure
    is the steady speed.

    Args:
        content, style: images as for `stylize`.
        device: a TensorFlow device name from `devices()`.
        iterations: steps to time, at least 2.
        **settings: further `stylize` settings (size, weights, ...).
    """
    if iterations < 2:
        raise ValueError(f"Time at least 2 iterations; got {iterations}.")
    stamps = {}

    def clock(iteration, losses, image):
        stamps[iteration] = time.perf_counter()

    with tf.device(device):
        stylize(
            content,
            style,
            iterations=iterations,
            callback=clock,
            progress=False,
            optimizer="adam",
            **settings,
        )
    per_iteration = (stamps[iterations] - stamps[1]) / (iterations - 1)
    return 100 * per_iteration
