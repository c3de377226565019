"""Timing: Table 1 of notebook 05, milliseconds per iteration on each device.

`seconds_per_100_iterations` times `stylize` on one device;
`precision_timings` does so for every device, size and precision, and
`grid_timings` times notebook 05's content x style grid one by one against
`stylize_batch`. (The benchmark against the TensorFlow tutorial's loop lives
apart from the package, in the repository's `benchmarks/`.)
"""

from __future__ import annotations

import time

import tensorflow as tf

from course_utils import vgg
from course_utils.batch import stylize_batch
from course_utils.images import load_image
from course_utils.transfer import float32_finish, stylize


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
    and the final loss evaluation are left out, and so is a bfloat16 run's
    float32 finish (it runs that many steps more). VGG19 is built anew
    inside the device scope, so its weights live on the device being timed.

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

    total = steps_before_finish(iterations, settings.get("precision", "auto"))
    vgg.clear_cache()
    try:
        with tf.device(device):
            stylize(
                content,
                style,
                iterations=total,
                callback=clock,
                progress=False,
                **{"optimizer": "adam", "stages": 1, **settings},
            )
    finally:
        vgg.clear_cache()  # later runs build VGG19 where TensorFlow places it
    per_iteration = (stamps[iterations - 1] - stamps[0]) / (iterations - 1)
    return 100 * per_iteration


def steps_before_finish(iterations: int, precision: str) -> int:
    """Steps to run so that `iterations` of them come before the float32 finish.

    A bfloat16 run does its last FLOAT32_FINISH share in float32; a float32
    run has no finish, so it needs just `iterations`.

    >>> steps_before_finish(9, "bfloat16"), steps_before_finish(9, "float32")
    (10, 9)
    """
    precision = vgg.resolve_precision(precision)
    total = iterations
    while total - float32_finish(total, precision) < iterations:
        total += 1
    return total


def precision_timings(
    content, style, sizes=(512, 1024), iterations=10, weights="imagenet"
) -> list[dict]:
    """Milliseconds per Adam iteration on each device, size and precision.

    Precisions are "float32" and "bfloat16"; on a GPU also "tf32", float32
    with TensorFloat-32 matrix products (TensorFlow's default on NVIDIA
    GPUs since Ampere), while the "float32" row there has them off.

    Returns:
        [{"device", "size", "precision", "ms_per_iter"}, ...].
    """
    rows = []
    tf32_was = tf.config.experimental.tensor_float_32_execution_enabled()
    try:
        for device in devices():
            precisions = ["float32", "bfloat16"]
            if device.startswith("/GPU"):
                precisions.insert(1, "tf32")
            for size in sizes:
                for name in precisions:
                    tf.config.experimental.enable_tensor_float_32_execution(
                        name == "tf32"
                    )
                    seconds = seconds_per_100_iterations(
                        content,
                        style,
                        device,
                        iterations=iterations,
                        size=size,
                        weights=weights,
                        precision="float32" if name == "tf32" else name,
                    )
                    rows.append(
                        {
                            "device": device,
                            "size": size,
                            "precision": name,
                            "ms_per_iter": 10 * seconds,
                        }
                    )
    finally:
        tf.config.experimental.enable_tensor_float_32_execution(tf32_was)
    return rows


GRID_CONTENTS = ("astronaut", "coffee", "chelsea")
GRID_STYLES = ("immunohistochemistry", "hubble_deep_field", "brick", "grass", "gravel")
"""Notebook 05's content x style grid (Figure 4), with the bundled images."""


def grid_timings(contents, styles, iterations=10, size=384, weights="imagenet") -> dict:
    """Wall time of a content x style grid run one by one, then batched.

    Batched, each content image runs with all the styles as one
    `stylize_batch` (pairs must share a shape, and each content image has
    its own). Both include compiling, as a student's run does.

    Returns:
        {"images", "size", "iterations", "one_by_one_s", "batched_s"}.
    """
    contents = [load_image(content, size) for content in contents]
    styles = [load_image(style, size) for style in styles]
    options = dict(
        optimizer="adam",
        stages=1,
        iterations=iterations,
        size=size,
        weights=weights,
        progress=False,
    )
    started = time.perf_counter()
    for content in contents:
        for style in styles:
            stylize(content, style, **options)
    middle = time.perf_counter()
    for content in contents:
        stylize_batch([content] * len(styles), styles, **options)
    return {
        "images": len(contents) * len(styles),
        "size": size,
        "iterations": iterations,
        "one_by_one_s": middle - started,
        "batched_s": time.perf_counter() - middle,
    }


def format_device_tables(timings: list[dict], grid: dict) -> str:
    """`precision_timings` and `grid_timings` as text tables."""
    lines = [f"{'device':8} {'size':>5} {'precision':>10} {'ms/iter':>9}"]
    lines += [
        f"{t['device']:8} {t['size']:>5} {t['precision']:>10} {t['ms_per_iter']:>9.1f}"
        for t in timings
    ]
    lines.append(
        f"content x style grid, {grid['images']} images at {grid['size']} px, "
        f"{grid['iterations']} Adam iterations each: one by one "
        f"{grid['one_by_one_s']:.1f} s, one batch per content image "
        f"{grid['batched_s']:.1f} s ({grid['one_by_one_s'] / grid['batched_s']:.2f}x)"
    )
    return "\n".join(lines)
