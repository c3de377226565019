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


# -- the benchmark: the TensorFlow tutorial's loop against course_utils ------

CONFIGS = ("baseline", "adam", "lbfgs", "coarse_to_fine")
"""What `benchmark` compares, all on the identical objective (the tutorial's)."""


def benchmark(
    size=256, steps=100, weights="imagenet", configs=CONFIGS, content=None, style=None
) -> dict:
    """Time each configuration in a fresh process and return the figures.

    Every configuration minimises the TensorFlow tutorial's loss, which is
    Eq. 5 with `baseline.equivalent_settings`, from the content image. For
    each: median seconds per iteration, the step's cost in forward passes,
    the forward pass's GFLOP/s, the process's peak RSS, the final loss, and
    the wall time until its loss first reaches the baseline's loss after
    `steps` steps. Also the float32 matmul peak measured here.

    Returns:
        {"size", "steps", "matmul_peak_gflops", name: {...} for each config}.
    """
    from course_utils import data

    content = data.image_path(data.DEFAULT_CONTENT) if content is None else content
    style = data.image_path(data.DEFAULT_STYLE) if style is None else style
    context = multiprocessing.get_context("spawn")
    figures = {"size": size, "steps": steps, "matmul_peak_gflops": matmul_peak_gflops()}
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
        trace = figures[name].pop("trace")
        reached = [
            seconds for seconds, loss in trace if target is not None and loss <= target
        ]
        figures[name]["time_to_baseline_loss_s"] = reached[0] if reached else None
    return figures


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
    """The benchmark's figures as an aligned text table."""
    head = (
        f"{'configuration':15} {'s/iter':>8} {'fwd/step':>9} {'GFLOP/s':>8} "
        f"{'peak MB':>8} {'to baseline (s)':>16} {'final loss':>11}"
    )
    lines = [
        f"size {figures['size']} px, {figures['steps']} steps, float32 matmul "
        f"peak {figures['matmul_peak_gflops']:.0f} GFLOP/s",
        head,
    ]
    for name in CONFIGS:
        if name not in figures:
            continue
        f = figures[name]
        reach = f["time_to_baseline_loss_s"]
        lines.append(
            f"{name:15} {f['s_per_iter']:>8.3f} {f['forward_passes_per_step']:>9.2f} "
            f"{f['gflops']:>8.0f} {f['peak_rss_mb']:>8.0f} "
            f"{'never' if reach is None else f'{reach:.1f}':>16} "
            f"{f['final_loss']:>11.4g}"
        )
    return "\n".join(lines)


def _run_config(name, content, style, size, steps, weights) -> dict:
    """One configuration, in its own process: figures plus its (time, loss) trace."""
    import warnings

    warnings.filterwarnings("ignore", message="VGG19 has RANDOM")
    from course_utils import baseline
    from course_utils.highres import stylize_coarse_to_fine
    from course_utils.images import load_image

    content = load_image(content, size)
    objective = baseline.equivalent_settings(content.shape)
    extractor = vgg.feature_extractor(
        [*baseline.STYLE_LAYERS, *baseline.CONTENT_LAYERS], weights
    )
    forward_seconds = _forward_seconds(extractor, content)
    flops = forward_flops(extractor, *content.shape[:2])
    started, trace = time.perf_counter(), []
    if name == "baseline":
        run = baseline.tutorial_run(content, style, steps, size, weights)
        trace = list(zip(run.seconds, run.losses, strict=True))
    else:

        def clock(iteration, losses, image):
            if image.shape[:2] == content.shape[:2]:  # only full-size losses compare
                trace.append((time.perf_counter() - started, losses["total"]))

        common = dict(
            init="content",
            weights=weights,
            progress=False,
            callback=clock,
            snapshot_every=steps,
            **objective,
        )
        if name == "coarse_to_fine":  # a quarter, a half, then the full size
            sizes = sorted({max(48, size // 4), max(48, size // 2), size})
            iterations = [steps] * (len(sizes) - 1) + [max(2, steps // 4)]
            stylize_coarse_to_fine(
                content,
                style,
                sizes=sizes,
                iterations=iterations,
                optimizer="lbfgs",
                **common,
            )
        else:
            stylize(
                content, style, iterations=steps, size=size, optimizer=name, **common
            )
    intervals = np.diff([seconds for seconds, _ in trace])
    s_per_iter = float(np.median(intervals[1:] if len(intervals) > 1 else intervals))
    return {
        "s_per_iter": s_per_iter,
        "forward_passes_per_step": s_per_iter / forward_seconds,
        "gflops": flops / forward_seconds / 1e9,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "final_loss": float(trace[-1][1]),
        "first_loss": float(trace[0][1]),
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
