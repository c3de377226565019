"""The benchmark: course_utils' optimisers against the TensorFlow tutorial's loop.

`benchmark` (`python -m benchmarks`, `make bench`) runs the tutorial's loop
(`tutorial`) and each configuration of `stylize` on the identical objective,
each in a fresh process, and reports speed, cost per step, memory and the
time to reach the tutorial's loss; `format_table` and `loss_against_time`
show the figures.
"""

from __future__ import annotations

import multiprocessing
import resource
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from benchmarks import tutorial
from course_utils import data, vgg
from course_utils.captions import RANDOM_WEIGHTS_NOTE
from course_utils.images import load_image
from course_utils.objective import Objective
from course_utils.settings import StyleTransferSettings
from course_utils.transfer import stylize

CONFIGS = {
    "baseline": None,  # the TensorFlow tutorial's own loop (`tutorial.tutorial_run`)
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
    Eq. 5 with `tutorial.equivalent_settings`, from the content image, for
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
    warnings.filterwarnings("ignore", message="VGG19 has RANDOM")
    content = load_image(content, size)
    style = load_image(style)
    options = dict(
        size=size,
        weights=weights,
        iterations=steps,
        **tutorial.equivalent_settings(content.shape),
    )
    lever = CONFIGS[name] if CONFIGS[name] is not None else {"precision": "float32"}
    settings = StyleTransferSettings(**options, **lever)
    layers = [*settings.content_layers, *settings.style_layers]
    extractor = vgg.feature_extractor(layers, weights, 0, settings.precision)
    loss_fn = Objective(content, style, settings, extractor=extractor)
    start_loss = loss_fn(content)["total"]
    objective = loss_fn  # every final image is scored by the one float32 objective
    if settings.precision != "float32":
        exact = vgg.feature_extractor(layers, weights, 0, "float32")
        objective = Objective(content, style, settings, extractor=exact)
    forward_seconds = _forward_seconds(extractor, content)
    flops = forward_flops(extractor, *content.shape[:2])
    started, trace = time.perf_counter(), []
    if name == "baseline":
        run = tutorial.tutorial_run(content, style, steps, size, weights)
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


def loss_against_time(figures: dict, size=(7, 4)):
    """Plot each benchmark configuration's loss against wall time, log scale.

    Args:
        figures: what `benchmark` returns; each configuration's
            "trace" holds its (seconds, full-size loss) pairs. A dotted line
            marks the baseline's final loss, the target of "time to the
            baseline's loss".
    """
    fig, ax = plt.subplots(figsize=size)
    for name, figure in figures.items():
        if isinstance(figure, dict) and figure.get("trace"):
            seconds, losses = np.asarray(figure["trace"]).T
            ax.plot(seconds, losses, label=name, lw=2.5 if name == "default" else 1.2)
    if "baseline" in figures:
        ax.axhline(figures["baseline"]["final_loss"], color="grey", ls=":", lw=1)
    ax.set_yscale("log")
    ax.set_xlabel("wall time (s)")
    ax.set_ylabel("loss (the TensorFlow tutorial's objective)")
    ax.set_title(
        f"{figures['size']} px, {figures.get('weights', 'imagenet')} VGG19 weights, "
        f"the baseline runs {figures['steps']} steps",
        fontsize=10,
    )
    ax.legend()
    ax.grid(True, which="major", alpha=0.3)
    if not vgg.is_trained(figures.get("weights", "imagenet")):
        fig.suptitle(RANDOM_WEIGHTS_NOTE, color="red")
    fig.tight_layout()
    return fig
