"""The training loop (notebook 08): repeat the training step, show it, keep it.

`train` repeats `training.training_step` on batches of photos, with a
progress bar, the loss history of every step, and a checkpoint (a .keras
file, `network.save_network`) every `checkpoint_every` steps. It ends the way
`stylize` does: a NaN loss ends the run with the network of the last good
checkpoint; Ctrl-C saves a checkpoint of the network as it is and then stops
the cell, and `last_training()` gives what the run made.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import keras
from tqdm.auto import tqdm

from course_utils import vgg
from course_utils.fast.network import save_network, set_record, transform_net
from course_utils.fast.photos import photo_dataset
from course_utils.fast.training import (
    PerceptualLoss,
    TrainingSettings,
    compiled_step,
    optimizer_for,
    training_step,
)
from course_utils.objective import LOSS_NAMES
from course_utils.settings import StyleTransferSettings

_LAST = {}


@dataclass
class TrainingResult:
    """What a training run made.

    Attributes:
        network: the trained network (the last good one if the loss became NaN).
        history: {"total", "content", "style", "tv": [loss at step 0, 1, ...]},
            each loss the mean over that step's batch, before the step.
        steps_done: training steps taken.
        wall_time: seconds, including compiling the step.
        stopped: why the run ended early, or None.
        settings, training: what was lowered, and how.
        checkpoint: the last checkpoint file, or None.
    """

    network: keras.Model
    settings: StyleTransferSettings
    training: TrainingSettings
    history: dict = field(default_factory=lambda: {name: [] for name in LOSS_NAMES})
    steps_done: int = 0
    wall_time: float = 0.0
    stopped: str | None = None
    checkpoint: Path | None = None

    @property
    def is_trained(self) -> bool:
        """True if the losses came from the trained (ImageNet or file) VGG19."""
        return vgg.is_trained(self.settings.weights)


def last_training() -> TrainingResult | None:
    """What the last `train` made, finished or stopped (None before any)."""
    return _LAST.get("result")


def train(
    style,
    photos,
    settings: StyleTransferSettings | None = None,
    training: TrainingSettings | None = None,
    *,
    network: keras.Model | None = None,
    checkpoint=None,
    progress: bool = True,
    step=training_step,
) -> TrainingResult:
    """Train a network to paint photos in the style of `style`.

    Args:
        style: the style image (anything `load_image` accepts), or its
            catalog name via `data.image_path`.
        photos: a folder of photos or a list of files (read by
            `photo_dataset`), or batches (B, size, size, 3) in [0, 1]: a
            tf.data Dataset or any iterable; training stops early if they run out.
        settings: what the network lowers (alpha, beta, layers, tv_weight,
            weights, ...; `size` is the training crops' side). Default:
            StyleTransferSettings(size=256).
        training: steps, batch size, learning rate, checkpoints, network size
            and precision. Default: TrainingSettings().
        network: a network to train further (its own precision is kept);
            default a new `transform_net` of the training settings.
        checkpoint: a .keras file to save the network to every
            `checkpoint_every` steps and when the run ends or is stopped.
        progress: show a progress bar.
        step: the training step, step(network, photos, loss_fn, optimizer);
            notebook 08 passes the student's `training_step`.

    Returns:
        A TrainingResult. Ctrl-C saves the checkpoint and raises
        KeyboardInterrupt; `last_training()` then holds the result.
    """
    settings = settings or StyleTransferSettings(size=256)
    training = training or TrainingSettings()
    if checkpoint is not None and not str(checkpoint).endswith(".keras"):
        raise ValueError(f"checkpoint must be a .keras file; got {checkpoint!r}.")
    if _are_files(photos):
        photos = photo_dataset(
            photos, settings.size, training.batch_size, settings.seed
        )
    loss = PerceptualLoss(style, settings)
    if network is None:
        network = transform_net(
            training.width,
            training.residual_blocks,
            dtype=training.network_precision,
            seed=settings.seed,
        )
    result = TrainingResult(network, settings, training)
    result.checkpoint = Path(checkpoint) if checkpoint is not None else None
    _LAST["result"] = result
    compiled = compiled_step(network, loss, optimizer_for(training, network), step)
    _run(result, photos, compiled, _style_name(style), progress)
    return result


def _run(result, photos, step, style_name, progress) -> None:
    """The loop: steps, history, checkpoints; NaN and Ctrl-C handled as documented."""
    training, network = result.training, result.network
    good, good_steps, kept = network.get_weights(), 0, None
    start = time.perf_counter()
    bar = tqdm(
        total=training.steps,
        disable=not progress,
        desc=f"Training ({result.settings.size} px, batch {training.batch_size})",
        unit="step",
    )
    batches = iter(photos)
    try:
        while result.steps_done < training.steps:
            batch = next(batches, None)
            if batch is None:
                result.stopped = f"the photos ran out after {result.steps_done} steps"
                break
            losses = {name: float(v) for name, v in step(batch).items()}
            if not math.isfinite(losses["total"]):
                network.set_weights(good)
                kept = good_steps
                result.stopped = (
                    f"the loss became {losses['total']} at step {result.steps_done}; "
                    f"the network is the one after step {good_steps}"
                )
                break
            for name in LOSS_NAMES:
                result.history[name].append(losses[name])
            result.steps_done += 1
            bar.update(1)
            bar.set_postfix(
                {n: f"{losses[n]:.3g}" for n in ("total", "content", "style")}
            )
            if result.steps_done % training.checkpoint_every == 0:
                good, good_steps = network.get_weights(), result.steps_done
                _save(result, style_name, good_steps)
    except KeyboardInterrupt:
        result.stopped = "interrupted by the user (KeyboardInterrupt)"
        raise
    finally:
        bar.close()
        result.wall_time = time.perf_counter() - start
        _save(result, style_name, result.steps_done if kept is None else kept)


def _save(result, style_name, steps) -> None:
    """Record in the network how it was trained; save it to the checkpoint file."""
    set_record(
        result.network,
        vgg_weights=result.settings.weights,
        style=style_name,
        steps=steps,
        size=result.settings.size,
    )
    if result.checkpoint is not None:
        result.checkpoint.parent.mkdir(parents=True, exist_ok=True)
        partial = result.checkpoint.with_name(result.checkpoint.stem + ".partial.keras")
        save_network(result.network, partial)
        partial.replace(result.checkpoint)  # a stop mid-save keeps the old file


def _are_files(photos) -> bool:
    """A folder or a list of paths, rather than batches of pixels."""
    if isinstance(photos, (str, Path)):
        return True
    return (
        isinstance(photos, (list, tuple))
        and len(photos) > 0
        and isinstance(photos[0], (str, Path))
    )


def _style_name(style) -> str:
    if isinstance(style, (str, Path)):
        return Path(style).stem
    return "an image array"
