"""The optimisation loop: `stylize` (notebook 04).

Starting from an image x (by default the content image mixed with noise),
repeatedly change x's pixels to lower L_total (Eq. 5). The targets, P^l of
the content image and A^l of the style image, are computed once; each step
is one compiled `tf.function`. The loop keeps snapshots and the loss history,
and stopping it (Ctrl-C, the stop button in Jupyter, a loss that turns NaN)
returns everything made so far instead of losing it.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import math
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np
import scipy.optimize
import tensorflow as tf
from tqdm.auto import tqdm

from course_utils import colour, limits, styles, vgg
from course_utils.images import load_image, resize_to, save_image
from course_utils.losses import (
    check_loss_weights,
    content_loss,
    style_loss,
    total_loss,
    total_variation_loss,
)

INITS = ("mixed", "content", "noise", "style")


class _NoRetracingWarning(logging.Filter):
    """Every stylize run compiles its own step on purpose; TensorFlow would warn
    about "retracing" after a few runs (notebook 05 makes dozens)."""

    def filter(self, record):
        return "triggered tf.function retracing" not in record.getMessage()


tf.get_logger().addFilter(_NoRetracingWarning())
OPTIMIZERS = ("adam", "lbfgs")
COLOUR_MODES = (None, "luminance", "histogram")
LOSS_NAMES = ("total", "content", "style", "tv")


@dataclass(frozen=True)
class StyleTransferSettings:
    """Every setting of one `stylize` run, checked when it is made.

    Attributes:
        alpha, beta: content and style weights of Eq. 5. The default ratio
            alpha / beta = 1e-3 is one of Gatys et al.'s.
        content_layers, style_layers: layer names (Keras or paper spelling),
            or {name: weight}. A list weighs its layers equally (1 / L);
            afterwards both are stored as {Keras name: weight} dicts.
        tv_weight: weight of the total-variation term (0: off, as in the report).
        init: start image: "mixed" (content mixed with noise at
            `noise_ratio`, the report's choice), "content", "noise" or "style".
        noise_ratio: share of noise in the "mixed" start image, in [0, 1].
        optimizer: "adam" (notebook 04's loop, and the faster one in the
            benchmark, see the README) or "lbfgs" (scipy's L-BFGS-B).
        learning_rate: Adam's step size on pixels in [0, 1] (unused by L-BFGS).
        iterations: number of optimisation steps at the full size; each
            coarse stage (see `stages`) runs a quarter as many more, so the
            default 3 stages record 1.5 times `iterations` in all. While
            nbgrader grades, `iterations` and `size` are capped (`limits`).
        stages: coarse-to-fine stages. 1 runs at `size` only; 3 (the
            default) runs at a quarter, then half, then the full size, each
            stage starting from the last one's image upsampled. The coarse
            stages fix the layout cheaply (a quarter-size iteration costs
            1/16 of a full one), so the full-size stage starts close to a
            good image. Stages below MIN_STAGE_SIZE px are left out.
        snapshot_every: keep the image every this many iterations (report: 100).
        size: long side of the generated image in pixels; None keeps the
            content image's size.
        seed: seeds the noise (and random VGG weights).
        weights: "imagenet", a weights file path, or None / "random" (tests only).
        style_weights: blend weights of several style images (None: equal).
        style_scale: size of the style image relative to the content image's
            (long sides); smaller gives finer strokes (notebook 07).
        preserve_colour: None (the report), "luminance" (stylize the
            luminance, keep the content's colours) or "histogram" (recolour
            the style image to the content's colours first).
        precision: "auto" (the default: bfloat16 where the hardware runs it
            fast, see `vgg.fast_bfloat16`), "float32" or "bfloat16". VGG19's
            convolutions run in this precision; losses and Gram matrices are
            always float32, and so are the last FLOAT32_FINISH (10 %) of the
            final stage's iterations. Stored resolved ("float32" or "bfloat16").
    """

    alpha: float = 1.0
    beta: float = 1e3
    content_layers: object = vgg.CONTENT_LAYERS
    style_layers: object = vgg.STYLE_LAYERS
    tv_weight: float = 0.0
    init: str = "mixed"
    noise_ratio: float = 0.7
    optimizer: str = "adam"
    learning_rate: float = 0.02
    iterations: int = 1000
    stages: int = 3
    snapshot_every: int = 100
    size: int | None = 512
    seed: int = 0
    weights: object = "imagenet"
    style_weights: tuple | None = None
    style_scale: float = 1.0
    preserve_colour: str | None = None
    precision: str = "auto"

    def __post_init__(self):
        check_loss_weights(self.alpha, self.beta)
        _check_number("tv_weight", self.tv_weight, low=0.0)
        _check_number("noise_ratio", self.noise_ratio, low=0.0, high=1.0)
        _check_number("learning_rate", self.learning_rate, low=0.0, strict=True)
        _check_count("iterations", self.iterations)
        _check_count("snapshot_every", self.snapshot_every)
        _check_count("stages", self.stages)
        _check_count("seed", self.seed, minimum=0)
        if self.size is not None:
            _check_count("size", self.size, minimum=32)
        _check_choice("init", self.init, INITS)
        _check_choice("optimizer", self.optimizer, OPTIMIZERS)
        _check_choice("preserve_colour", self.preserve_colour, COLOUR_MODES)
        _check_number("style_scale", self.style_scale, low=0.0, strict=True)
        if self.style_weights is not None:
            if not isinstance(self.style_weights, (list, tuple)):
                raise TypeError(
                    "style_weights must be a list with one weight per style image; "
                    f"got {self.style_weights!r}."
                )
            object.__setattr__(self, "style_weights", tuple(self.style_weights))
            styles.blend_weights(self.style_weights, len(self.style_weights))
        set_ = object.__setattr__  # the dataclass is frozen; fill in derived forms
        set_(self, "iterations", limits.iterations(self.iterations))
        set_(self, "size", limits.image_size(self.size))
        set_(
            self,
            "content_layers",
            vgg.resolve_layer_weights(self.content_layers, "content layers"),
        )
        set_(
            self,
            "style_layers",
            vgg.resolve_layer_weights(self.style_layers, "style layers"),
        )
        set_(self, "weights", vgg.weights_label(self.weights))
        set_(self, "precision", vgg.resolve_precision(self.precision))


@dataclass
class StyleTransferResult:
    """What `stylize` returns, complete or stopped early.

    Attributes:
        image: the final (or last good) image, (H, W, 3) float32 in [0, 1].
        snapshots: [(iteration, image)], iteration 0 is the start image.
        history: {"total", "content", "style", "tv": [loss at iteration 0, 1, ...]}.
        settings: the StyleTransferSettings used.
        wall_time: seconds the optimisation took (targets and compilation included).
        stopped: None unless the run was interrupted (Ctrl-C, `stop`, a NaN
            or infinite loss); then why.
        note: anything else worth knowing, e.g. that L-BFGS converged before
            the last iteration.
    """

    image: np.ndarray
    snapshots: list = field(default_factory=list)
    history: dict = field(default_factory=lambda: {k: [] for k in LOSS_NAMES})
    settings: StyleTransferSettings | None = None
    wall_time: float = 0.0
    stopped: str | None = None
    note: str | None = None

    @property
    def iterations_done(self) -> int:
        return max(len(self.history["total"]) - 1, 0)

    @property
    def is_trained(self) -> bool:
        """False when VGG19 had random weights: then this is not a style transfer."""
        return vgg.is_trained(self.settings.weights)


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
            them (blended by `style_weights`, or one per mask); resized to
            `style_scale` times the content image's size.
        callback: called after each iteration as
            callback(iteration, losses, image) with losses a {name: float}
            dict and image (H, W, 3) in [0, 1]. Iterations count over all
            stages; a stage boundary is seen twice, as the end of one stage
            and the (upsampled) start of the next.
        progress: show a tqdm progress bar with the losses.
        snapshots_dir: if given, each snapshot is also saved there as
            iteration_00100.png and so on, as soon as it is taken; with
            several stages, in one subfolder per stage (stage1_128px, ...),
            numbered within the stage.
        stop: a threading.Event; once it is set, the run ends after the
            current iteration (the playground's Stop button sets it).
        masks: one mask per style image (path or (H, W) array in [0, 1]):
            style k only paints where mask k is 1 (guided Gram matrices).
        start: an explicit start image, used instead of `init` (resized to
            the first stage's size).
        **settings: any field of StyleTransferSettings (alpha, beta,
            content_layers, style_layers, tv_weight, init, noise_ratio,
            optimizer, learning_rate, iterations, stages, snapshot_every,
            size, seed, weights, style_weights, style_scale,
            preserve_colour, precision).

    Returns:
        StyleTransferResult: the final image, the snapshots of all stages
        (their images grow), the history over all iterations (the loss jumps
        between stages, because every sum grows with the image) and the
        settings asked for. After Ctrl-C, `stop`, or a loss that becomes
        NaN or infinite, the result holds the image and snapshots made so far
        and `stopped` says why; L-BFGS converging early ends only its stage.
    """
    started = time.perf_counter()
    settings = StyleTransferSettings(**settings)
    content = load_image(content, settings.size)
    sizes = stage_sizes(max(content.shape[:2]), settings.stages)
    merged, offset, notes = None, 0, []
    for number, size in enumerate(sizes, start=1):
        stage = dataclasses.replace(
            settings,
            size=size,
            iterations=settings.iterations
            if number == len(sizes)
            else max(1, settings.iterations // 4),
            # Keep the full size's balance of content and style: L_content
            # sums over the pixels, E_l does not (it divides by M_l^2). The
            # optional tv_weight is left as it is.
            alpha=settings.alpha * _pixel_ratio(content.shape, size),
        )
        if merged is not None and stop is not None and stop.is_set():
            merged.stopped = "stopped on request"
            break
        folder = snapshots_dir
        if snapshots_dir and len(sizes) > 1:
            folder = Path(snapshots_dir) / f"stage{number}_{size}px"
        shifted = (
            None if callback is None else functools.partial(_shifted, callback, offset)
        )
        try:
            result = _stylize_stage(
                content,
                style,
                stage,
                shifted,
                progress,
                folder,
                stop,
                masks,
                start,
                final=number == len(sizes),
            )
        except KeyboardInterrupt:  # during a later stage's set-up: keep the earlier
            if merged is None:
                raise
            merged.stopped = "interrupted by the user (KeyboardInterrupt)"
            break
        if len(sizes) > 1:  # say which stage a message is about
            where = f"stage {number} of {len(sizes)} ({size} px): "
            result.note = result.note and where + result.note
            result.stopped = result.stopped and where + result.stopped
        merged = _append(merged, result, offset)
        offset += result.iterations_done
        notes += [result.note] if result.note else []
        start = result.image
        if result.stopped:  # interrupted; L-BFGS converging early is not a stop
            break
    merged.settings = settings
    merged.note = "; ".join(notes) or None
    merged.wall_time = time.perf_counter() - started
    return merged


FLOAT32_FINISH = 0.1
"""Share of the final stage's iterations that a bfloat16 run does in float32."""

MIN_STAGE_SIZE = 64
"""Smallest coarse stage, in pixels: below it there is little style to fix."""


def stage_sizes(size: int, stages: int) -> list[int]:
    """Long sides of the coarse-to-fine stages for a final long side `size`.

    >>> stage_sizes(512, 3)
    [128, 256, 512]
    >>> stage_sizes(96, 3)  # 24 and 48 px would be below MIN_STAGE_SIZE
    [96]
    """
    _check_count("stages", stages)
    coarse = [round(size / 2**k) for k in range(stages - 1, 0, -1)]
    return [s for s in coarse if s >= MIN_STAGE_SIZE] + [size]


def _pixel_ratio(full_shape, size) -> float:
    """(full image's pixels) / (pixels at long side `size`), about (long/size)^2."""
    height, width = full_shape[:2]
    scale = size / max(height, width)
    return (height * width) / (
        max(1, round(height * scale)) * max(1, round(width * scale))
    )


def _shifted(callback, offset, iteration, losses, image):
    callback(offset + iteration, losses, image)


def _append(merged, stage, offset):
    """Add a stage's snapshots and history after those of the earlier stages."""
    if merged is None:
        return stage
    skip = 1  # a stage's iteration 0 is the previous stage's last image
    merged.snapshots += [
        (offset + it, image) for it, image in stage.snapshots if it >= skip
    ]
    for name, values in stage.history.items():
        merged.history[name] += values[skip:]
    merged.image, merged.stopped = stage.image, stage.stopped
    return merged


def _stylize_stage(
    content,
    style,
    settings,
    callback,
    progress,
    snapshots_dir,
    stop,
    masks,
    start,
    final,
) -> StyleTransferResult:
    """One stage: optimise at `settings.size`, from `start` or from `init`.

    In bfloat16 the final stage runs its last FLOAT32_FINISH share of
    iterations in float32: bfloat16's rounding noise, harmless while the
    loss falls fast, would otherwise keep the last steps from settling.
    """
    start_time = time.perf_counter()
    content, style_images, present = _prepare_images(content, style, settings)
    if masks is not None:
        masks = [styles.load_mask(mask, content.shape) for mask in masks]
    layers = list(settings.content_layers) + list(settings.style_layers)
    extractor = vgg.feature_extractor(
        layers, settings.weights, settings.seed, settings.precision
    )
    loss_fn = make_loss_fn(extractor, content, style_images, settings, masks)
    phases = [(loss_fn, settings.iterations)]
    finish = float32_finish(settings.iterations, settings.precision) if final else 0
    if finish:
        exact = vgg.feature_extractor(layers, settings.weights, settings.seed)
        phases = [
            (loss_fn, settings.iterations - finish),
            (make_loss_fn(exact, content, style_images, settings, masks), finish),
        ]
    if start is None:
        start = _start_from_init(content, style_images, settings)
    else:
        start = resize_to(load_image(start), content.shape[:2])
        if settings.preserve_colour == "luminance":  # optimise grey, like x_0 above
            start = colour.luminance(start)

    run = _Run(settings, start, callback, progress, snapshots_dir, stop, present)
    loop = _adam_loop if settings.optimizer == "adam" else _lbfgs_loop
    try:
        run.check_stop()  # pressed during the set-up
        loop(run, [(fn, count) for fn, count in phases if count > 0])
    except KeyboardInterrupt:
        run.stop("interrupted by the user (KeyboardInterrupt)")
    except _StopRequested:
        run.stop("stopped on request")
    except _NonFiniteLoss as err:
        run.stop(str(err))
        warnings.warn(str(err), RuntimeWarning, stacklevel=3)
    finally:
        run.close()
    return run.result(time.perf_counter() - start_time)


def _prepare_images(content, style, settings):
    """Load the images; for colour preservation, also say how to show results.

    Returns (content, style images, present), where `present` maps an
    optimised image to the one the user sees: the identity, except for
    luminance-only transfer, which puts the content's colours back.
    """
    content = load_image(content, settings.size)
    style_images = [load_image(image) for image in styles.as_list(style)]
    if settings.preserve_colour == "histogram":
        recoloured = [colour.match_histogram(image, content) for image in style_images]
        return content, recoloured, _identity
    if settings.preserve_colour == "luminance":
        grey = [colour.match_luminance(image, content) for image in style_images]
        present = functools.partial(colour.combine_luminance, content)
        return colour.luminance(content), grey, present
    return content, style_images, _identity


def float32_finish(iterations: int, precision: str) -> int:
    """How many of a final stage's `iterations` run in float32: the last
    FLOAT32_FINISH share for "bfloat16", none for "float32"."""
    return math.ceil(FLOAT32_FINISH * iterations) if precision == "bfloat16" else 0


def _start_from_init(content, style_images, settings) -> np.ndarray:
    """x_0 of `settings.init` for the prepared content and style images."""
    first_style = resize_to(style_images[0], content.shape[:2])
    return start_image(
        content, first_style, settings.init, settings.noise_ratio, settings.seed
    )


def start_image(content, style, init: str, noise_ratio: float, seed: int) -> np.ndarray:
    """Return the start image x_0, (H, W, 3) float32 in [0, 1].

    "mixed" is noise_ratio * noise + (1 - noise_ratio) * content, with
    uniform noise in [0, 1]; the report uses noise_ratio = 0.7.
    """
    _check_choice("init", init, INITS)
    if init == "content":
        return np.array(content, dtype=np.float32)
    if init == "style":
        return np.array(style, dtype=np.float32)
    noise = np.random.default_rng(seed).uniform(0, 1, content.shape)
    if init == "noise":
        return noise.astype(np.float32)
    return (noise_ratio * noise + (1 - noise_ratio) * content).astype(np.float32)


def make_loss_fn(
    extractor, content, style, settings: StyleTransferSettings, masks=None
):
    """Compute the targets once and return image -> {loss name: scalar}.

    The returned function takes a (1, H, W, 3) image in [0, 1] (and
    optionally its features, if already computed) and returns the total
    loss (Eq. 5 plus tv_weight times total variation) with its parts
    "content", "style" and "tv".

    Args:
        extractor: a FeatureExtractor with the content and style layers.
        content: (H, W, 3) content image.
        style: a style image or a list of them (see `stylize`).
        settings: the StyleTransferSettings.
        masks: None, or one (H, W) mask per style image (`styles.load_mask`).
    """
    content_features = extractor(content)
    content_targets = {name: content_features[name] for name in settings.content_layers}
    style_images = [
        styles.scale_style(image, content.shape, settings.style_scale)
        for image in styles.as_list(style)
    ]
    layers = list(settings.style_layers)
    if masks is None:
        weights = styles.blend_weights(settings.style_weights, len(style_images))
        grams = styles.target_grams(
            extractor, style_images, weights, layers, content_features
        )

        def style_term_of(features):
            return style_loss(
                {name: features[name] for name in layers}, grams, settings.style_layers
            )
    else:
        if settings.style_weights is not None:
            raise ValueError(
                "With masks each style paints its own region, so style_weights "
                "do not apply; leave them out (or use a mask of 0 for no style)."
            )
        if len(masks) != len(style_images):
            raise ValueError(
                f"Got {len(masks)} masks for {len(style_images)} style "
                "images; give one mask per style image."
            )
        regions = [
            styles.target_grams(extractor, [image], [1.0], layers, content_features)
            for image in style_images
        ]

        def style_term_of(features):
            return styles.guided_style_loss(
                features, regions, masks, settings.style_layers
            )

    def losses(image, features=None):
        if features is None:  # a batch passes each image's slice of its features
            features = extractor(image)
        content_term = tf.add_n(
            [
                weight * content_loss(features[name], content_targets[name])
                for name, weight in settings.content_layers.items()
            ]
        )
        style_term = style_term_of(features)
        tv_term = total_variation_loss(image)
        total = total_loss(content_term, style_term, settings.alpha, settings.beta)
        total += settings.tv_weight * tv_term
        return {
            "total": total,
            "content": content_term,
            "style": style_term,
            "tv": tv_term,
        }

    return losses


def _identity(image):
    return image


class _NonFiniteLoss(Exception):
    pass


class _StopRequested(Exception):
    pass


class _Run:
    """Bookkeeping shared by both loops: history, snapshots, progress, callback."""

    def __init__(
        self, settings, start, callback, progress, snapshots_dir, stop, present
    ):
        self.settings = settings
        self.stop_event = stop
        self.present = present  # optimised image -> the image to show and keep
        self.start = start
        self.image = present(start)
        self.history = {name: [] for name in LOSS_NAMES}
        self.snapshots = []
        self.callback = callback
        self.snapshots_dir = Path(snapshots_dir) if snapshots_dir else None
        self.stopped = None
        self.note = None
        self.bar = tqdm(
            total=settings.iterations,
            disable=not progress,
            desc=f"stylize ({settings.optimizer}, {settings.size} px)",
            unit="it",
        )

    def record(self, iteration: int, values: dict, image: np.ndarray) -> None:
        """Store the losses of `image`, the image after `iteration` steps."""
        losses = {name: float(values[name]) for name in LOSS_NAMES}
        if not math.isfinite(losses["total"]):
            raise _NonFiniteLoss(self.non_finite_message(iteration, losses["total"]))
        image = self.present(image)
        self.image = image
        for name in LOSS_NAMES:
            self.history[name].append(losses[name])
        every = self.settings.snapshot_every
        if iteration % every == 0 or iteration == self.settings.iterations:
            self.snapshots.append((iteration, image))
            if self.snapshots_dir is not None:
                save_image(image, self.snapshots_dir / f"iteration_{iteration:05d}.png")
        if iteration > 0:
            self.bar.update(1)
            self.bar.set_postfix(
                total=f"{losses['total']:.3g}",
                content=f"{losses['content']:.3g}",
                style=f"{losses['style']:.3g}",
            )
        if self.callback is not None:
            self.callback(iteration, losses, image)
        self.check_stop()

    def check_stop(self) -> None:
        """Raise _StopRequested once the `stop` event is set."""
        if self.stop_event is not None and self.stop_event.is_set():
            raise _StopRequested

    @property
    def iterations_done(self) -> int:
        """Iterations recorded so far (-1 before the start image is recorded)."""
        return len(self.history["total"]) - 1

    def non_finite_message(self, iteration: int, value: float) -> str:
        """Explain a NaN or infinite loss and what to change."""
        kept = (
            f"the image of iteration {iteration - 1}"
            if iteration
            else "the start image"
        )
        advice = "smaller alpha and beta"
        if self.settings.optimizer == "adam":
            advice = (
                f"a smaller learning_rate (it was {self.settings.learning_rate})"
                f" or {advice}"
            )
        return (
            f"The loss became {value} at iteration {iteration}, so the run "
            f"stopped and kept {kept}. Try {advice}."
        )

    def stop(self, reason: str) -> None:
        """End early: keep `reason` and a final snapshot of the last good image."""
        self.stopped = reason
        self.keep_last_snapshot()

    def keep_last_snapshot(self) -> None:
        """Make sure the last image recorded is among the snapshots."""
        last = max(self.iterations_done, 0)
        if not self.snapshots or self.snapshots[-1][0] != last:
            self.snapshots.append((last, self.image))

    def close(self) -> None:
        self.bar.close()

    def result(self, wall_time: float) -> StyleTransferResult:
        return StyleTransferResult(
            self.image,
            self.snapshots,
            self.history,
            self.settings,
            wall_time,
            self.stopped,
            self.note,
        )


def _adam_loop(run: _Run, phases) -> None:
    """Adam over `phases`, [(loss_fn, iterations), ...], one Adam state throughout."""
    image = tf.Variable(run.start[np.newaxis])
    optimizer = keras.optimizers.Adam(run.settings.learning_rate)
    optimizer.build([image])

    previous, iteration = run.start, 0
    for loss_fn, count in phases:
        step = _adam_step(image, optimizer, loss_fn)
        for _ in range(count):
            values = step()  # losses of the image before this step
            run.record(iteration, values, previous)
            previous = image.numpy()[0]
            iteration += 1
    run.record(iteration, tf.function(phases[-1][0])(image), previous)


def _adam_step(image: tf.Variable, optimizer, loss_fn):
    """Compile one Adam step on `image`, pixels clipped to [0, 1] after it.

    The step returns loss_fn's losses of the image before the step. For a
    batch, "total" holds one loss per image; their sum is what is lowered.
    """

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            values = loss_fn(image)
            summed = tf.reduce_sum(values["total"])
        optimizer.apply_gradients([(tape.gradient(summed, image), image)])
        image.assign(tf.clip_by_value(image, 0.0, 1.0))
        return values

    return step


def _lbfgs_loop(run: _Run, phases) -> None:
    """L-BFGS over `phases`, [(loss_fn, iterations), ...]; each phase restarts it.

    The last phase gets whatever iterations remain, so a phase whose line
    search gives up early leaves more to the next (float32) one.
    """
    shape = (1, *run.start.shape)
    x = run.start.ravel().astype(np.float64)
    for number, (loss_fn, count) in enumerate(phases):
        if number == len(phases) - 1:
            count = run.settings.iterations - max(run.iterations_done, 0)
        if count > 0:
            x = _lbfgs_phase(run, loss_fn, x, count, shape, record_start=number == 0)
    if run.iterations_done < run.settings.iterations:
        run.note = (
            f"L-BFGS finished after {run.iterations_done} of "
            f"{run.settings.iterations} iterations: its line search could not "
            "lower the loss further"
        )
        run.keep_last_snapshot()


def _lbfgs_phase(run, loss_fn, x0, iterations, shape, record_start):
    """Run scipy's L-BFGS-B from x0 for `iterations`; return the last x."""

    @tf.function(input_signature=[tf.TensorSpec(shape, tf.float32)])
    def value_and_gradient(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            values = loss_fn(x)
        return values, tape.gradient(values["total"], x)

    last = {}

    def fun(flat):
        run.check_stop()  # a line search can take several evaluations
        x = tf.constant(flat.reshape(shape), tf.float32)
        values, gradient = value_and_gradient(x)
        last.update(x=flat.copy(), values=values)
        total = float(values["total"])
        if not math.isfinite(total):
            # scipy would take an inf for convergence; stop with the last good image
            raise _NonFiniteLoss(run.non_finite_message(run.iterations_done + 1, total))
        return total, gradient.numpy().ravel().astype(np.float64)

    def callback(intermediate_result):
        x = intermediate_result.x
        if not np.array_equal(x, last["x"]):
            fun(x)
        run.record(
            run.iterations_done + 1,
            last["values"],
            x.reshape(shape[1:]).astype(np.float32),
        )

    if record_start:
        fun(x0)
        run.record(0, last["values"], run.start)
    # ftol = gtol = 0: run all iterations unless the line search gives up.
    result = scipy.optimize.minimize(
        fun,
        x0,
        jac=True,
        method="L-BFGS-B",
        bounds=scipy.optimize.Bounds(0, 1),
        callback=callback,
        options={
            "maxiter": iterations,
            "maxfun": 20 * iterations,
            "ftol": 0,
            "gtol": 0,
        },
    )
    return result.x


def _check_number(name, value, low=None, high=None, strict=False):
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number; got {value!r}.") from None
    if not math.isfinite(number):
        raise ValueError(f"{name} must be finite; got {value}.")
    if low is not None and (number <= low if strict else number < low):
        relation = ">" if strict else ">="
        raise ValueError(f"{name} must be {relation} {low}; got {value}.")
    if high is not None and number > high:
        raise ValueError(f"{name} must be <= {high}; got {value}.")


def _check_count(name, value, minimum=1):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a whole number; got {value!r}.")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}; got {value}.")


def _check_choice(name, value, choices):
    if value not in choices:
        raise ValueError(
            f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}."
        )
