"""Style transfer from end to end: `stylize` (notebook 04).

Starting from an image x (by default the content image mixed with noise),
`stylize` lowers L_total (Eq. 5) in stages, coarse to fine. For each stage it
builds the objective (`objective.Objective`: targets computed once), the
stage's start image and the loop (`optimise.optimise`, notebook 04's step);
a `recorder.Recorder` keeps the history and snapshots of all stages and keeps
them when the run is stopped (Ctrl-C, the stop button in Jupyter, a loss that
turns NaN).
"""

from __future__ import annotations

import dataclasses
import math

import keras
import numpy as np

from course_utils import colour
from course_utils.images import load_image, resize_to
from course_utils.objective import Objective
from course_utils.optimise import optimise
from course_utils.recorder import Recorder
from course_utils.results import StyleTransferResult
from course_utils.settings import (
    INITS,
    StyleTransferSettings,
    check_choice,
    check_count,
)
from course_utils.styles import as_list

FLOAT32_FINISH = 0.1
"""Share of the final stage's iterations that a bfloat16 run does in float32."""

MIN_STAGE_SIZE = 64
"""Smallest coarse stage, in pixels: below it there is little style to fix."""


def stylize(
    content,
    style,
    *,
    callback=None,
    progress: bool = True,
    snapshots_dir=None,
    stop=None,
    masks=None,
    start=None,
    **settings,
) -> StyleTransferResult:
    """Generate an image with `content`'s content in `style`'s style (Eq. 5).

    By default this is the fast path: Adam, coarse-to-fine in 3 stages and
    bfloat16 where the hardware has it. Notebook 04's plain loop, at one
    size, is `stages=1`.

    Args:
        content: content image p, anything `load_image` accepts.
        style: style image a, anything `load_image` accepts, or a list of
            them (blended by `style_weights`, or one per mask).
        callback, progress, snapshots_dir, stop: what the run reports and
            how it is stopped; see `Recorder`.
        masks: one mask per style image (path or (H, W) array in [0, 1]):
            style k only paints where mask k is 1 (guided Gram matrices).
        start: an explicit start image, used instead of `init` (resized to
            the first stage's size).
        **settings: any field of StyleTransferSettings, where each is
            explained (also by `python -m course_utils stylize --help`).

    Returns:
        StyleTransferResult: the final image, the snapshots of all stages
        (their images grow), the history over all iterations (the loss jumps
        between stages, because every sum grows with the image) and the
        settings asked for. After `stop`, or a loss that becomes NaN or
        infinite, the result holds the image and snapshots made so far and
        `stopped` says why; L-BFGS converging early ends only its stage.

    Raises:
        KeyboardInterrupt: Ctrl-C stopped the run (and the cell); what it
            made so far is `cu.last_run()`.
    """
    settings = StyleTransferSettings(**settings)
    recorder = Recorder(
        settings,
        callback=callback,
        progress=progress,
        snapshots_dir=snapshots_dir,
        stop=stop,
    )
    content = load_image(content, settings.size, role="content image")
    style = [load_image(s, role="style image") for s in as_list(style)]  # read once
    stages = coarse_to_fine(content.shape, settings)
    image = start
    with recorder:  # `stop`, a NaN or Ctrl-C end the run here, keeping its images
        for number, stage in enumerate(stages, start=1):
            if number > 1:
                recorder.check_stop()  # before the next stage's set-up
            phases = precision_phases(
                lambda s: Objective(load_image(content, s.size), style, s, masks),
                stage,
                final=number == len(stages),
            )
            objective = phases[0][0]
            x0 = stage_start(objective, stage, image)
            with recorder.stage(number, len(stages), stage, x0, objective.present):
                image = optimise(x0[np.newaxis], phases, optimizer_for(stage), recorder)
                image = objective.present(image[0])
    return recorder.result()


def coarse_to_fine(content_shape, settings) -> list[StyleTransferSettings]:
    """The settings of each stage: its size, its iterations and its alpha.

    The final stage runs `settings.iterations` at `settings.size`; each
    coarse stage (`stage_sizes`) runs a quarter as many, so the default 3
    stages record 1.5 times `iterations` in all. A coarse stage fixes the
    layout cheaply (a quarter-size iteration costs 1/16 of a full one), so
    the full-size stage starts close to a good image. alpha grows with the
    pixel ratio to keep the full size's balance of content and style:
    L_content sums over the pixels, E_l does not (it divides by M_l^2). The
    optional tv_weight is left as it is.
    """
    sizes = stage_sizes(max(content_shape[:2]), settings.stages)
    coarse = max(1, settings.iterations // 4)
    return [
        dataclasses.replace(
            settings,
            size=size,
            iterations=settings.iterations if number == len(sizes) else coarse,
            alpha=settings.alpha * _pixel_ratio(content_shape, size),
        )
        for number, size in enumerate(sizes, start=1)
    ]


def stage_sizes(size: int, stages: int) -> list[int]:
    """Long sides of the coarse-to-fine stages for a final long side `size`.

    >>> stage_sizes(512, 3)
    [128, 256, 512]
    >>> stage_sizes(96, 3)  # 24 and 48 px would be below MIN_STAGE_SIZE
    [96]
    """
    check_count("stages", stages)
    coarse = [round(size / 2**k) for k in range(stages - 1, 0, -1)]
    return [s for s in coarse if s >= MIN_STAGE_SIZE] + [size]


def precision_phases(make_objective, settings, final: bool = True) -> list:
    """[(objective, steps)] for one stage, in the settings' precision.

    A bfloat16 run does the last FLOAT32_FINISH share of its final stage in
    float32: bfloat16's rounding noise, harmless while the loss falls fast,
    would otherwise keep the last steps from settling (README, Performance).

    Args:
        make_objective: settings -> objective (its precision is the settings').
        settings: the stage's StyleTransferSettings.
        final: whether this is the last stage.
    """
    finish = float32_finish(settings.iterations, settings.precision) if final else 0
    plan = [
        (settings, settings.iterations - finish),
        (dataclasses.replace(settings, precision="float32"), finish),
    ]
    return [(make_objective(s), steps) for s, steps in plan if steps > 0]


def float32_finish(iterations: int, precision: str) -> int:
    """How many of a final stage's `iterations` run in float32: the last
    FLOAT32_FINISH share for "bfloat16", none for "float32"."""
    return math.ceil(FLOAT32_FINISH * iterations) if precision == "bfloat16" else 0


def optimizer_for(settings):
    """A new Adam at the settings' learning rate, or "lbfgs"."""
    if settings.optimizer == "lbfgs":
        return "lbfgs"
    return keras.optimizers.Adam(settings.learning_rate)


def stage_start(objective, settings, previous=None) -> np.ndarray:
    """x_0 of a stage: from `settings.init`, or `previous` resized.

    `previous` is the last stage's image (or the user's `start`); with
    preserve_colour="luminance" it is turned grey, like the images optimised.
    """
    content = objective.content
    if previous is None:
        first_style = resize_to(objective.style_images[0], content.shape[:2])
        return start_image(
            content, first_style, settings.init, settings.noise_ratio, settings.seed
        )
    previous = resize_to(load_image(previous), content.shape[:2])
    if settings.preserve_colour == "luminance":
        return colour.luminance(previous)
    return previous


def start_image(content, style, init: str, noise_ratio: float, seed: int) -> np.ndarray:
    """Return the start image x_0, (H, W, 3) float32 in [0, 1].

    "mixed" is noise_ratio * noise + (1 - noise_ratio) * content, with
    uniform noise in [0, 1]; the report uses noise_ratio = 0.7.
    """
    check_choice("init", init, INITS)
    if init == "content":
        return np.array(content, dtype=np.float32)
    if init == "style":
        return np.array(style, dtype=np.float32)
    noise = np.random.default_rng(seed).uniform(0, 1, content.shape)
    if init == "noise":
        return noise.astype(np.float32)
    return (noise_ratio * noise + (1 - noise_ratio) * content).astype(np.float32)


def _pixel_ratio(full_shape, size) -> float:
    """(full image's pixels) / (pixels at long side `size`), about (long/size)^2."""
    height, width = full_shape[:2]
    scale = size / max(height, width)
    return (height * width) / (
        max(1, round(height * scale)) * max(1, round(width * scale))
    )
