"""Timing: Table 1 of notebook 05, and the benchmark against the TF tutorial.

`seconds_per_100_iterations` times `stylize` on each device. `benchmark`
(`python -m course_utils bench`) runs the TensorFlow tutorial's loop and
course_utils' optimisers on the identical objective and reports speed,
cost per step, memory and the time to reach the tutorial's loss.
"""

from __future__ import annotations

import multiprocessing
import resource
import time

import numpy as np
import tensorflow as tf

from course_utils import vgg
from course_utils.optimise import float32_finish, stylize


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
    from course_utils.batch import stylize_batch
    from course_utils.images import load_image

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


# -- the benchmark: the TensorFlow tutorial's loop against course_utils ------

CONFIGS = {
    "baseline": None,  # the TensorFlow tutorial's own loop (`baseline.tutorial_run`)
    "default": {},  # stylize's defaults: Adam, 3 stages, automatic precision
    "adam": {"optimizer": "adam", "stages": 1, "precision": "float32"},
    "bf16": {"optimizer": "adam", "stages": 1, "precision": "bfloat16"},
    "lbfgs": {"optimizer": "lbfgs", "stages": 1, "precision": "float32"},
    "coarse_to_fine": {"optimizer": "adam", "stages": 3, "precision": "float32"},
}
"""What `benchmark` compares: the tutorial's loop, course_utils' default, and
each lever on its own against float32 Adam. All minimise the same objective."""


def benchmark(
    size=256,
    steps=100,
    weights="imagenet",
    configs=tuple(CONFIGS),
    content=None,
    style=None,
) -> dict:
    """Time each configuration in a fresh process and return the figures.

    Every configuration minimises the TensorFlow tutorial's loss, which is
    Eq. 5 with `baseline.equivalent_settings`, from the content image, for
    `steps` iterations (the full-size stage's, for coarse-to-fine). For each:
    median seconds per iteration, the step's cost in forward passes, the
    forward pass's GFLOP/s, the process's peak RSS, the objective at the
    content image in the configuration's own precision (`start_loss`: the
    same for all, up to bfloat16 rounding), the final image's loss in
    float32 (`final_loss`: one objective scores every result), the wall
    time until its full-size loss first reaches the baseline's final loss,
    and its (seconds, loss) trace. Also the float32 matmul peak measured here.

    Returns:
        {"size", "steps", "matmul_peak_gflops", name: {...} for each config}.
    """
    from course_utils import data

    unknown = sorted(set(configs) - set(CONFIGS))
    if unknown:
        raise ValueError(
            f"Unknown configurations {unknown}; choose from {list(CONFIGS)}."
        )
    content = data.image_path(data.DEFAULT_CONTENT) if content is None else content
    style = data.image_path(data.DEFAULT_STYLE) if style is None else style
    context = multiprocessing.get_context("spawn")
    figures = {
        "size": size,
        "steps": steps,
        "weights": vgg.weights_label(weights),
        "matmul_peak_gflops": matmul_peak_gflops(),
    }
    for name in configs:
        pool = context.Pool(1)  # a fresh process: its own peak memory
        try:
            figures[name] = pool.apply(
                _run_config, (name, content, style, size, steps, weights)
            )
        finally:
            pool.close()
            pool.join()
    target = figures.get("baseline", {}).get("final_loss")
    for name in configs:
        reached = [
            seconds
            for seconds, loss in figures[name]["trace"]
            if target is not None and loss <= target
        ]
        figures[name]["time_to_baseline_loss_s"] = reached[0] if reached else None
    return figures


def bf16_loss_change(figures: dict) -> float | None:
    """bfloat16 Adam's final loss relative to float32 Adam's, minus 1 (or None)."""
    if "bf16" not in figures or "adam" not in figures:
        return None
    return figures["bf16"]["final_loss"] / figures["adam"]["final_loss"] - 1


def matmul_peak_gflops(n: int = 2048, repeats: int = 5) -> float:
    """Measured float32 matrix-multiply speed here, in GFLOP/s (best of a few)."""
    a = tf.random.uniform((n, n))
    b = tf.random.uniform((n, n))
    return 2 * n**3 / _best_seconds(lambda: tf.matmul(a, b).numpy(), repeats) / 1e9


def forward_flops(extractor, height: int, width: int) -> float:
    """FLOPs of one forward pass of `extractor` (its convolutions) at H x W."""
    total = 0.0
    for layer in extractor.model.layers:
        if isinstance(layer, tf.keras.layers.Conv2D):
            kernel = layer.kernel.shape  # (k, k, C_in, C_out)
            scale = 2 ** (int(layer.name[len("block")]) - 1)  # pools before the block
            positions = (height // scale) * (width // scale)
            total += 2.0 * kernel[0] * kernel[1] * kernel[2] * kernel[3] * positions
    return total


def format_table(figures: dict) -> str:
    """The benchmark's figures as an aligned text table, speed-ups against the
    baseline, and bfloat16's final loss against float32's."""
    base = figures.get("baseline")
    head = (
        f"{'configuration':15} {'s/iter':>7} {'x base':>6} {'fwd/step':>8} "
        f"{'GFLOP/s':>7} {'peak MB':>7} {'to base loss':>12} {'x base':>6} "
        f"{'final loss':>10}"
    )
    lines = [
        f"size {figures['size']} px, {figures['steps']} steps, "
        f"{figures.get('weights', 'imagenet')} weights, float32 matmul "
        f"peak {figures['matmul_peak_gflops']:.0f} GFLOP/s",
        head,
    ]
    for name in CONFIGS:
        if name not in figures:
            continue
        f = figures[name]
        reach = f["time_to_baseline_loss_s"]
        speed = base["s_per_iter"] / f["s_per_iter"] if base else float("nan")
        base_reach = base["time_to_baseline_loss_s"] if base else None
        sooner = base_reach / reach if reach and base_reach else float("nan")
        lines.append(
            f"{name:15} {f['s_per_iter']:>7.3f} {speed:>6.2f} "
            f"{f['forward_passes_per_step']:>8.2f} {f['gflops']:>7.0f} "
            f"{f['peak_rss_mb']:>7.0f} "
            f"{'never' if reach is None else f'{reach:.1f} s':>12} {sooner:>6.1f} "
            f"{f['final_loss']:>10.4g}"
        )
    change = bf16_loss_change(figures)
    if change is not None:
        verdict = "within" if abs(change) <= 0.01 else "NOT within"
        lines.append(
            f"bf16 final loss vs float32 after {figures['steps']} steps: "
            f"{100 * change:+.2f}% ({verdict} 1%)"
        )
    return "\n".join(lines)


def _run_config(name, content, style, size, steps, weights) -> dict:
    """One configuration, in its own process: figures plus its (time, loss) trace."""
    import warnings

    warnings.filterwarnings("ignore", message="VGG19 has RANDOM")
    from course_utils import baseline
    from course_utils.images import load_image
    from course_utils.optimise import StyleTransferSettings, make_loss_fn

    content = load_image(content, size)
    style = load_image(style)
    options = dict(
        size=size,
        weights=weights,
        iterations=steps,
        **baseline.equivalent_settings(content.shape),
    )
    lever = CONFIGS[name] if CONFIGS[name] is not None else {"precision": "float32"}
    settings = StyleTransferSettings(**options, **lever)
    layers = [*settings.content_layers, *settings.style_layers]
    extractor = vgg.feature_extractor(layers, weights, 0, settings.precision)
    loss_fn = make_loss_fn(extractor, content, style, settings)
    start_loss = loss_fn(content)["total"]
    objective = loss_fn  # every final image is scored by the one float32 objective
    if settings.precision != "float32":
        exact = vgg.feature_extractor(layers, weights, 0, "float32")
        objective = make_loss_fn(exact, content, style, settings)
    forward_seconds = _forward_seconds(extractor, content)
    flops = forward_flops(extractor, *content.shape[:2])
    started, trace = time.perf_counter(), []
    if name == "baseline":
        run = baseline.tutorial_run(content, style, steps, size, weights)
        final_image = run.image
        # losses[k] is the loss after k steps, seconds[k] when step k + 1 ended
        after = [*run.losses[1:], float(objective(final_image[np.newaxis])["total"])]
        trace = [(0.0, run.losses[0]), *zip(run.seconds, after, strict=True)]
    else:

        def clock(iteration, losses, image):
            if image.shape[:2] == content.shape[:2]:  # only full-size losses compare
                trace.append((time.perf_counter() - started, losses["total"]))

        final_image = stylize(
            content,
            style,
            init="content",
            progress=False,
            callback=clock,
            snapshot_every=steps,
            **options,
            **lever,
        ).image
    intervals = np.diff([seconds for seconds, _ in trace])
    s_per_iter = float(np.median(intervals[1:] if len(intervals) > 1 else intervals))
    return {
        "precision": settings.precision,
        "s_per_iter": s_per_iter,
        "forward_passes_per_step": s_per_iter / forward_seconds,
        "gflops": flops / forward_seconds / 1e9,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "start_loss": float(start_loss),
        "final_loss": float(objective(final_image[np.newaxis])["total"]),
        "trace": trace,
    }


def _forward_seconds(extractor, content, repeats: int = 3) -> float:
    """Best time of one compiled forward pass through `extractor`."""
    forward = tf.function(lambda image: extractor(image))
    image = tf.constant(content[np.newaxis])
    return _best_seconds(
        lambda: [value.numpy() for value in forward(image).values()], repeats
    )


def _best_seconds(run, repeats: int) -> float:
    """Best wall time of `run()` over `repeats` calls, after one warm-up call."""
    run()  # compiles, allocates
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best
