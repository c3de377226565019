"""A run's loss history and snapshots, kept as it goes (one of `Recorder`'s jobs).

Iterations count over all stages: a coarse-to-fine run's history and
snapshots continue where the previous stage's ended, and a stage's start (the
previous image upsampled) is not recorded twice.
"""

from __future__ import annotations

from pathlib import Path

from course_utils.images import save_image
from course_utils.objective import LOSS_NAMES
from course_utils.results import Iteration, StyleTransferResult


class History:
    """The losses, iterations and snapshots of a run of one image or a batch.

    Args:
        batch: how many images are optimised together.
        snapshot_every: keep a snapshot every this many iterations of a stage
            (and its last).
        snapshots_dir: also save each snapshot of the first image there as it
            is taken (iteration_00100.png, ...); with several stages, in one
            subfolder per stage (stage1_128px, ...), numbered within the stage.
        untrained: VGG19 has random weights (each saved snapshot says so).
    """

    def __init__(
        self, batch: int, snapshot_every: int, snapshots_dir=None, untrained=False
    ):
        self.losses = [{name: [] for name in LOSS_NAMES} for _ in range(batch)]
        self.snapshots = [[] for _ in range(batch)]
        self.iterations = []  # the Iteration of each entry of the losses
        self.stages = []  # the settings of each stage started
        self.snapshot_every = snapshot_every
        self.snapshots_dir = Path(snapshots_dir) if snapshots_dir else None
        self.untrained = untrained
        self._folder = None

    def start_stage(self, settings, number: int, count: int) -> None:
        """Stage `number` of `count` begins, with these settings."""
        self.stages.append(settings)
        self._folder = self.snapshots_dir
        if self._folder is not None and count > 1:
            self._folder = self._folder / f"stage{number}_{settings.size}px"

    def record(self, step: Iteration, losses: dict, images: list) -> None:
        """Keep the losses {name: (B,) values} and images of iteration `step`.

        A later stage's start is the previous stage's end: its losses and
        snapshot are not kept twice, but its picture is saved in the stage's
        own folder.
        """
        again = step.step == 0 and step.stage > 1
        snapshot = step.step % self.snapshot_every == 0 or step.step == step.steps
        if not again:
            self.iterations.append(step)
            for k, image in enumerate(images):
                for name in LOSS_NAMES:
                    self.losses[k][name].append(float(losses[name][k]))
                if snapshot:
                    self.snapshots[k].append((step, image))
        if snapshot and self._folder is not None:
            save_image(
                images[0],
                self._folder / f"iteration_{step.step:05d}.png",
                untrained=self.untrained,
            )

    def keep_last(self, step: Iteration | None, images: list) -> None:
        """Make sure the images of `step` (None: the last recorded) are the
        last snapshots, when a run or a stage ends early."""
        if step is None:
            if not self.iterations:
                return
            step = self.iterations[-1]
        for snapshots, image in zip(self.snapshots, images):
            if not snapshots or snapshots[-1][0] != step:
                snapshots.append((step, image))

    def results(self, images, settings, wall_time, stopped, note) -> list:
        """One StyleTransferResult per image of the batch."""
        return [
            StyleTransferResult(
                image,
                self.snapshots[k],
                self.losses[k],
                list(self.iterations),
                list(self.stages),
                settings,
                wall_time,
                stopped,
                note,
            )
            for k, image in enumerate(images)
        ]
