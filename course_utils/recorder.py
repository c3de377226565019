"""What `optimise` calls after every step: the `Recorder` of a run.

A Recorder hands each job to its own part: the loss history and snapshots
(`history.History`), the progress bar, callback and stop event
(`progress.Progress`), and the words for why a run ended early
(`messages`). Used as a context manager around the run, it ends the run on
a stop request or a loss that turns NaN, keeping everything made so far:

    recorder = Recorder(settings)
    with recorder:
        with recorder.stage(1, 1, settings, x0):  # x0: (H, W, 3)
            optimise(x0[np.newaxis], [(objective, settings.iterations)], adam, recorder)
    result = recorder.result()

Ctrl-C (the kernel's interrupt) keeps what was made too, but goes on stopping
the cell, so a cell of several runs stops at the first; `last_run()` then
gives what the interrupted run made.
"""

from __future__ import annotations

import contextlib
import time
import warnings
from dataclasses import dataclass

import numpy as np

from course_utils import vgg
from course_utils.history import History
from course_utils.messages import lbfgs_finished_early, why_stopped
from course_utils.optimise import NonFiniteLoss
from course_utils.progress import Progress, StopRequested
from course_utils.results import Iteration, StyleTransferResult

_last = None  # the Recorder of the run that ended last


def last_run():
    """What the last `stylize` or `stylize_batch` run made, finished or stopped.

    After Ctrl-C stopped a cell, the interrupted run's image, snapshots and
    history are here: `result = cu.last_run()`.

    Returns:
        A StyleTransferResult (a list of them, one per pair, after
        `stylize_batch`), or None before any run has made an image.
    """
    if _last is None:
        return None
    return _last.results() if _last.is_batch else _last.result()


class Recorder:
    """Keep the history and snapshots of a run of one image or a batch, show
    its progress, and end it on request.

    Args:
        settings: the run's StyleTransferSettings (snapshot_every, the
            optimiser, and the weights: snapshots of a run with random
            weights say so).
        batch: how many images are optimised together (`stylize_batch`);
            None for a run of one image (`stylize`).
        callback, progress, stop: see `progress.Progress` (`progress` is its
            `show`).
        snapshots_dir: see `history.History` (one image only).
        name: what the progress bar calls the run.
    """

    def __init__(
        self,
        settings,
        *,
        batch: int | None = None,
        callback=None,
        progress: bool = True,
        snapshots_dir=None,
        stop=None,
        name: str = "stylize",
    ):
        if snapshots_dir is not None and batch is not None:
            raise ValueError("snapshots_dir saves the snapshots of one image only.")
        self.settings = settings
        self.is_batch = batch is not None
        self.batch = batch or 1
        untrained = not vgg.is_trained(settings.weights)
        self.history = History(
            self.batch, settings.snapshot_every, snapshots_dir, untrained
        )
        self.progress = Progress(
            name, settings.optimizer, progress, callback, stop, self.batch
        )
        self.images = None  # the last image of each run, as shown
        self.stopped = None
        self.notes = []
        self.started = time.perf_counter()
        self._stage = None  # the stage in progress
        self._offset = 0  # iterations of the finished stages

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback) -> bool:
        """End the run on Ctrl-C, a stop request or a NaN; keep what was made.

        A stop request or a NaN ends the run only; Ctrl-C goes on stopping
        the cell (returns False), its images kept for `last_run()`.
        """
        global _last
        if self.images is not None:
            _last = self
        if kind is None:
            return False
        ends_the_run = (StopRequested, NonFiniteLoss, KeyboardInterrupt)
        if not issubclass(kind, ends_the_run) or self.images is None:
            self._close_stage()  # an error: close the progress bar
            return False  # nothing made yet, or a real error: raise it
        reason = why_stopped(error, self.settings, self.batch)
        if issubclass(kind, NonFiniteLoss):
            warnings.warn(reason, RuntimeWarning, stacklevel=3)
        if self._stage is not None:  # say which stage a message is about
            reason = self._stage.where + reason
        self.stopped = reason
        self.history.keep_last(self._last_step(), self.images)
        self._close_stage()
        return not issubclass(kind, KeyboardInterrupt)

    @contextlib.contextmanager
    def stage(self, number: int, count: int, settings, images, present=None):
        """Record stage `number` of `count`: `settings.iterations` steps at
        `settings.size` px.

        Args:
            settings: the stage's StyleTransferSettings.
            images: the stage's start images, (B, H, W, 3) or (H, W, 3).
            present: maps an optimised image to the one shown and kept (see
                `Objective.present`); one function, or one per image.
        """
        presents = present if isinstance(present, (list, tuple)) else [present]
        presents = presents * (self.batch // len(presents))
        images = np.reshape(images, (self.batch, *np.shape(images)[-3:]))
        size, iterations = settings.size, settings.iterations
        self.history.start_stage(settings, number, count)
        self.progress.start_stage(number, count, size, iterations)
        where = f"stage {number} of {count} ({size} px): " if count > 1 else ""
        self._stage = _Stage(number, count, size, iterations, presents, where)
        self.images = _shown(presents, images)
        self.check_stop()  # pressed during the set-up
        yield
        stage = self._stage
        if stage.done < iterations:
            self.notes.append(
                stage.where + lbfgs_finished_early(stage.done, iterations)
            )
            self.history.keep_last(self._last_step(), self.images)
        self._close_stage()

    def __call__(self, iteration: int, losses: dict, images) -> None:
        """Record `images`, the images after `iteration` steps, and their losses.

        Args:
            iteration: steps taken in this stage (0: its start).
            losses: {name: (B,) values} of the images.
            images: (B, H, W, 3) images as optimised.

        Raises:
            StopRequested: once the `stop` event is set.
        """
        stage = self._stage
        stage.done = iteration
        self.images = _shown(stage.presents, images)
        step = stage.iteration(self._offset, iteration)
        self.history.record(step, losses, self.images)
        self.progress.step(step, losses, self.images)

    def check_stop(self) -> None:
        """Raise StopRequested once the `stop` event is set."""
        self.progress.check_stop()

    def results(self) -> list[StyleTransferResult]:
        """One StyleTransferResult per image of the batch, with the wall time so far."""
        wall_time = time.perf_counter() - self.started
        note = "; ".join(self.notes) or None
        return self.history.results(
            self.images, self.settings, wall_time, self.stopped, note
        )

    def result(self) -> StyleTransferResult:
        """The StyleTransferResult of a run of one image."""
        return self.results()[0]

    def _last_step(self) -> Iteration | None:
        """The iteration of the images shown now (None: between stages)."""
        stage = self._stage
        if stage is None:
            return None
        return stage.iteration(self._offset, max(stage.done, 0))

    def _close_stage(self) -> None:
        self.progress.close_stage()
        if self._stage is not None:
            self._offset += max(self._stage.done, 0)
            self._stage = None


@dataclass
class _Stage:
    number: int
    count: int
    size: int
    iterations: int
    presents: list
    where: str
    done: int = -1  # iterations recorded so far (-1: not even the start)

    def iteration(self, offset: int, step: int) -> Iteration:
        """The Iteration after `step` steps of this stage."""
        return Iteration(
            offset + step, step, self.iterations, self.number, self.count, self.size
        )


def _shown(presents, images) -> list:
    """Each optimised image as shown and kept (`present` None: as it is)."""
    return [image if p is None else p(image) for p, image in zip(presents, images)]
