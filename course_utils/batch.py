"""Many pairs at once: `stylize_batch` (notebook 05's content x style grid).

A GPU is far from busy with one 384 px image. Stacking several generated
images into one batch runs VGG19 once for all of them. Nothing else changes:
each image has its own targets and its own loss, and Adam updates every pixel
separately, so the gradient of the summed loss moves each image exactly as
its own run would. (L-BFGS would not: its line search would be shared.)
"""

from __future__ import annotations

import math
import time
import warnings

import keras
import numpy as np
import tensorflow as tf
from tqdm.auto import tqdm

from course_utils import vgg
from course_utils.optimise import (
    LOSS_NAMES,
    StyleTransferSettings,
    _adam_step,
    _NonFiniteLoss,
    _prepare_images,
    _Run,
    _start_from_init,
    _StopRequested,
    float32_finish,
    make_loss_fn,
)


def stylize_batch(
    contents, styles, *, progress: bool = True, stop=None, **settings
) -> list:
    """Stylize contents[k] in the style of styles[k], all k in one batch, with Adam.

    The results equal those of separate `stylize(content, style,
    optimizer="adam", stages=1, ...)` runs up to float rounding; only the
    time differs.

    Args:
        contents: content images (anything `load_image` accepts); after
            resizing to `size` they must all have the same shape (e.g. one
            content with many styles: a row of the grid).
        styles: one style image (or list of them, as for `stylize`) per content.
        progress: one tqdm bar for the batch.
        stop: a threading.Event; once set, every run ends after the current
            iteration.
        **settings: StyleTransferSettings fields, as for `stylize`;
            `optimizer` must stay "adam" and `stages` 1 (the defaults here).

    Returns:
        One StyleTransferResult per pair, in order. `wall_time` is the
        batch's. A stop, Ctrl-C or a non-finite loss (of any image) ends all
        runs and keeps their last good images.
    """
    started = time.perf_counter()
    settings = StyleTransferSettings(**{"optimizer": "adam", "stages": 1, **settings})
    if settings.optimizer != "adam" or settings.stages != 1:
        raise ValueError(
            "stylize_batch runs Adam at one size (optimizer='adam', stages=1); got "
            f"optimizer={settings.optimizer!r}, stages={settings.stages}. L-BFGS "
            "would couple the images through one shared line search."
        )
    contents, styles = list(contents), list(styles)
    if len(contents) != len(styles) or not contents:
        raise ValueError(
            f"Give one style per content image; got {len(contents)} contents and "
            f"{len(styles)} styles."
        )
    prepared = [_prepare_images(c, s, settings) for c, s in zip(contents, styles)]
    shapes = sorted({content.shape for content, _, _ in prepared})
    if len(shapes) > 1:
        raise ValueError(
            f"A batch needs content images of one shape; after resizing to "
            f"size={settings.size} they are {shapes}. Batch the pairs of each "
            "shape separately (e.g. one content image with all styles)."
        )
    layers = list(settings.content_layers) + list(settings.style_layers)
    finish = float32_finish(settings.iterations, settings.precision)
    finish_from = settings.iterations - finish  # then float32, as in stylize
    precisions = [settings.precision] + (["float32"] if finish else [])
    objectives = [
        _batch_losses(
            vgg.feature_extractor(layers, settings.weights, settings.seed, precision),
            [c for c, _, _ in prepared],
            [s for _, s, _ in prepared],
            settings,
        )
        for precision in precisions
    ]
    starts = [_start_from_init(c, s, settings) for c, s, _ in prepared]
    runs = [
        _Run(settings, x0, None, False, None, None, present)
        for x0, (_, _, present) in zip(starts, prepared)
    ]
    image = tf.Variable(np.stack(starts))
    optimizer = keras.optimizers.Adam(settings.learning_rate)
    optimizer.build([image])

    steps = [_adam_step(image, optimizer, objective) for objective in objectives]
    bar = tqdm(
        total=settings.iterations,
        disable=not progress,
        desc=f"stylize_batch ({len(runs)} images)",
        unit="it",
    )
    reason = None
    try:
        previous = np.stack(starts)
        for iteration in range(settings.iterations):
            step = steps[-1] if iteration >= finish_from else steps[0]
            _record(runs, iteration, step(), previous)
            previous = image.numpy()
            bar.update(iteration > 0)
            if stop is not None and stop.is_set():
                raise _StopRequested
        _record(runs, settings.iterations, tf.function(objectives[-1])(image), previous)
        bar.update(1)
    except KeyboardInterrupt:
        reason = "interrupted by the user (KeyboardInterrupt)"
    except _StopRequested:
        reason = "stopped on request"
    except _NonFiniteLoss as err:
        reason = str(err)
        warnings.warn(reason, RuntimeWarning, stacklevel=2)
    finally:
        bar.close()
    wall_time = time.perf_counter() - started
    results = []
    for run in runs:
        run.close()
        if reason is not None:
            run.stop(reason)
        results.append(run.result(wall_time))
    return results


def _batch_losses(extractor, contents, styles, settings):
    """Return images (B, H, W, 3) -> {loss name: (B,) losses}, one VGG19 pass.

    Image k is scored against the targets of pair k; the sum of "total" is
    what Adam lowers.
    """
    loss_fns = [
        make_loss_fn(extractor, c, s, settings) for c, s in zip(contents, styles)
    ]

    def batch_losses(images):
        features = extractor(images)
        values = [
            loss_fn(
                images[k : k + 1], {name: v[k : k + 1] for name, v in features.items()}
            )
            for k, loss_fn in enumerate(loss_fns)
        ]
        return {name: tf.stack([v[name] for v in values]) for name in LOSS_NAMES}

    return batch_losses


def _record(runs, iteration, values, images) -> None:
    """Record iteration `iteration` for every run, or for none if a loss is bad."""
    values = {name: v.numpy() for name, v in values.items()}
    for k, run in enumerate(runs):
        total = float(values["total"][k])
        if not math.isfinite(total):
            message = run.non_finite_message(iteration, total)
            raise _NonFiniteLoss(f"Image {k} of the batch: {message}")
    for k, run in enumerate(runs):
        run.record(iteration, {name: v[k] for name, v in values.items()}, images[k])
