"""What `python -m course_utils train` and `stylize --model FILE` do (notebook 08).

`cli` builds the options (the training ones from TrainingSettings' fields,
the loss ones from StyleTransferSettings' but `training.LOOP_ONLY`) and
calls `train_command` or `stylize_command` with the parsed arguments.
"""

from __future__ import annotations

import dataclasses
import sys
import time
import warnings
from pathlib import Path

from course_utils import vgg
from course_utils.captions import RANDOM_WEIGHTS_NOTE
from course_utils.fast.loop import last_training, train
from course_utils.fast.network import load_network, record, stylize_photos
from course_utils.fast.photos import training_photos
from course_utils.fast.training import LOOP_ONLY, TrainingSettings
from course_utils.images import load_image, save_image
from course_utils.settings import StyleTransferSettings

TRAINING_FIELDS = dataclasses.fields(TrainingSettings)
LOSS_FIELDS = tuple(
    field
    for field in dataclasses.fields(StyleTransferSettings)
    if field.name not in LOOP_ONLY
)
TRAINING_SIZE = 256
"""The training crops' side unless --size is given (Johnson et al. train at 256 px)."""


def train_command(args, style, out: Path) -> int:
    """Train a network on --photos (default: the flower photos) and save it to `out`."""
    settings = _given(args, LOSS_FIELDS)
    settings.setdefault("size", TRAINING_SIZE)
    settings = StyleTransferSettings(**settings)
    training = TrainingSettings(**_given(args, TRAINING_FIELDS))
    warn_if_untrained(settings.weights)
    photos = training_photos(args.photos or "flowers")
    try:
        result = train(
            style, photos, settings, training, checkpoint=out, progress=not args.quiet
        )
    except KeyboardInterrupt:  # Ctrl-C: the checkpoint is saved; say so
        result = last_training()
        if result is None:
            raise
    speed = result.steps_done * training.batch_size / max(result.wall_time, 1e-9)
    losses = {name: values[-1] for name, values in result.history.items() if values}
    print(
        f"Saved {out} after {result.steps_done} steps of {training.batch_size} photos "
        f"at {settings.size} px in {result.wall_time:.1f} s ({speed:.1f} photos/s); "
        "final losses: " + ", ".join(f"{n} {v:.4g}" for n, v in losses.items())
    )
    if result.stopped:
        print(f"Stopped early: {result.stopped}", file=sys.stderr)
    return 0


def stylize_command(args, content, out: Path) -> int:
    """Paint the content image with a trained network (one forward pass)."""
    loop = [f for f in dataclasses.fields(StyleTransferSettings) if f.name != "size"]
    given = [f"--{name.replace('_', '-')}" for name in _given(args, loop)]
    given += [f"--{name.replace('_', '-')}" for name in _given_files(args)]
    if len(args.style) > 1:
        given.append("--style")
    if given:
        raise ValueError(
            "--model paints in one forward pass with the style it was trained "
            f"on; leave out the options of the optimisation loop ({', '.join(given)})."
        )
    network = load_network(args.model)
    untrained = not vgg.is_trained(record(network).get("vgg_weights", "random"))
    warn_if_untrained("random" if untrained else "imagenet")
    size = args.size or StyleTransferSettings().size  # stylize's default size
    photo = load_image(content, size)
    start = time.perf_counter()
    painted = stylize_photos(network, photo)
    seconds = time.perf_counter() - start
    save_image(painted, out, untrained=untrained)
    height, width = photo.shape[:2]
    print(f"Saved {out}: {width} x {height} px in one forward pass, {seconds:.2f} s")
    return 0


def _given_files(args) -> list[str]:
    """The loop's file options given: masks, gif, snapshots_dir."""
    return [name for name in ("masks", "gif", "snapshots_dir") if getattr(args, name)]


def _given(args, setting_fields) -> dict:
    """{setting: value} of the options given on the command line."""
    return {
        field.name: getattr(args, field.name)
        for field in setting_fields
        if getattr(args, field.name, None) is not None
    }


def warn_if_untrained(weights) -> None:
    """Say once, on stderr, that VGG19's weights are random (and silence the
    longer warning `vgg` would give)."""
    if not vgg.is_trained(weights):
        warnings.filterwarnings("ignore", message="VGG19 has RANDOM")  # said here
        print(f"WARNING: {RANDOM_WEIGHTS_NOTE}.", file=sys.stderr)
