"""Timing: seconds per 100 iterations on each device (notebook 05's Table 1)."""

from __future__ import annotations

import time

import tensorflow as tf

from course_utils import vgg
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

    Only the steady steps count: the first step (which compiles the loop)
    and the final loss evaluation are left out. VGG19 is built anew inside
    the device scope, so its weights live on the device being timed.

    Args:
        content, style: images as for `stylize`.
        device: a TensorFlow device name from `devices()`.
        iterations: steps to run, at least 2 (the first is not timed).
        **settings: further `stylize` settings (size, weights, ...).
    """
    if iterations < 2:
        raise ValueError(f"Time at least 2 iterations; got {iterations}.")
    stamps = {}

    def clock(iteration, losses, image):
        stamps[iteration] = time.perf_counter()  # iteration k ends with step k + 1

    vgg.clear_cache()
    try:
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
    finally:
        vgg.clear_cache()  # later runs build VGG19 where TensorFlow places it
    per_iteration = (stamps[iterations - 1] - stamps[0]) / (iterations - 1)
    return 100 * per_iteration
