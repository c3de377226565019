"""What a run keeps: loss history, snapshots, progress bar, and how it stops.

A `Recorder` is what `optimise` calls after every step. It keeps the losses
and the snapshots (saving them as they come, if asked), shows a progress bar,
calls the user's callback, and ends the run when the `stop` event is set.
Used as a context manager around the run, it also ends it on a stop request
or a loss that turns NaN, keeping everything made so far:

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
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from course_utils import vgg
from course_utils.images import save_image
from course_utils.objective import LOSS_NAMES
from course_utils.optimise import NonFiniteLoss


@dataclass(frozen=True)
class Iteration:
    """Where an image or a loss comes from in a run, counted as it was asked for.

    A run of one stage says "iteration 15 of 60"; a coarse-to-fine run says
    "stage 2 of 3 · iteration 15 of 15", because its coarse stages add
    iterations of their own (`transfer.coarse_to_fine`). Progress grids,
    GIFs, the loss history and the command line all use this label.

    Attributes:
        number: iterations taken since the start of the run, over all stages
            (the index into the history).
        step: iterations taken in this stage (0: its start image).
        steps: iterations this stage was asked to take.
        stage, stages: this stage's number (from 1) and how many there are.
        size: the stage's long side in pixels.
    """

    number: int
    step: int
    steps: int
    stage: int = 1
    stages: int = 1
    size: int | None = None

    def __str__(self) -> str:
        return self.label()

    def label(self, separator: str = " · ") -> str:
        """ "iteration 15 of 60", or "stage 2 of 3" + separator + "iteration 15
        of 15" (a figure title uses "\n" as the separator)."""
        label = f"iteration {self.step} of {self.steps}"
        if self.stages == 1:
            return label
        return f"stage {self.stage} of {self.stages}{separator}{label}"


def describe_stages(iterations: list[Iteration]) -> str:
    """How many iterations a run took, stage by stage.

    >>> describe_stages([Iteration(0, 0, 4, 1, 2, 64), Iteration(4, 4, 4, 1, 2, 64),
    ...                  Iteration(12, 8, 8, 2, 2, 128)])
    '12 iterations (4 at 64 px, then 8 at 128 px)'
    """
    if not iterations:
        return "no iterations"
    last = {it.stage: it for it in iterations}  # each stage's last iteration
    total = iterations[-1].number
    noun = "iteration" if total == 1 else "iterations"
    if len(last) == 1 and iterations[-1].stages == 1:
        return f"{total} {noun}"
    parts = [f"{it.step} at {it.size} px" for it in last.values()]
    return f"{total} {noun} (" + ", then ".join(parts) + ")"


@dataclass
class StyleTransferResult:
    """What `stylize` returns, complete or stopped early.

    Attributes:
        image: the final (or last good) image, (H, W, 3) float32 in [0, 1].
        snapshots: [(Iteration, image)]; the first is the start image.
            `str(iteration)` is its label ("stage 2 of 3 · iteration 15 of 15").
        history: {"total", "content", "style", "tv": [loss at iteration 0, 1, ...]}.
        iterations: the Iteration of each entry of the history (same length).
        stages: the settings of each stage started (size, iterations and
            alpha: `transfer.coarse_to_fine`).
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
    iterations: list = field(default_factory=list)
    stages: list = field(default_factory=list)
    settings: object = None
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


class StopRequested(Exception):
    """Raised by a Recorder to end the run once its `stop` event is set."""


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
    """Keep the history and snapshots of a run of one image or a batch.

    Iterations count over all stages: a coarse-to-fine run's history and
    snapshots continue where the previous stage's ended (a stage's start, the
    previous image upsampled, is not recorded twice).

    Args:
        settings: the run's StyleTransferSettings (snapshot_every, and the
            optimiser for advice after a NaN).
        batch: how many images are optimised together (`stylize_batch`);
            None for a run of one image (`stylize`).
        callback: called after each iteration as callback(iteration, losses,
            image), iteration counting over all stages (`Iteration.number`),
            losses a {name: float} dict and image (H, W, 3); for a
            batch, the losses hold one value per image and the images are
            (B, H, W, 3). A stage's start is seen too, so a stage boundary
            is seen twice.
        progress: show a tqdm progress bar per stage.
        snapshots_dir: also save each snapshot there as it is taken, as
            iteration_00100.png and so on (one image only); with several
            stages, in one subfolder per stage (stage1_128px, ...), numbered
            within the stage.
        stop: a threading.Event; once set, the run ends after the current
            iteration.
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
        self.callback = callback
        self.progress = progress
        self.snapshots_dir = Path(snapshots_dir) if snapshots_dir else None
        self.stop_event = stop
        self.name = name
        self.images = None  # the last image of each run, as shown
        self.history = [{name: [] for name in LOSS_NAMES} for _ in range(self.batch)]
        self.snapshots = [[] for _ in range(self.batch)]
        self.iterations = []  # the Iteration of each history entry
        self.stages = []  # the settings of each stage started
        self.stopped = None
        self.notes = []
        self.started = time.perf_counter()
        self._stage = None  # the stage in progress
        self._offset = 0  # iterations of the finished stages

    # -- the run -------------------------------------------------------------

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
            if self._stage is not None:  # an error: close the progress bar
                self._close_stage()
            return False  # nothing made yet, or a real error: raise it
        reason = self._reason(error)
        if issubclass(kind, NonFiniteLoss):
            warnings.warn(reason, RuntimeWarning, stacklevel=3)
        if self._stage is not None:  # say which stage a message is about
            reason = self._stage.where + reason
        self.stopped = reason
        self._keep_last_snapshot()
        if self._stage is not None:
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
        presents = [p or _identity for p in presents] * (self.batch // len(presents))
        images = np.reshape(images, (self.batch, *np.shape(images)[-3:]))
        size, iterations = settings.size, settings.iterations
        self.stages.append(settings)
        folder = self.snapshots_dir
        if folder is not None and count > 1:
            folder = folder / f"stage{number}_{size}px"
        self._stage = _Stage(
            number=number,
            count=count,
            size=size,
            iterations=iterations,
            presents=presents,
            folder=folder,
            where=f"stage {number} of {count} ({size} px): " if count > 1 else "",
            bar=tqdm(
                total=iterations,
                disable=not self.progress,
                desc=f"{self.name} ({self.settings.optimizer}, {size} px"
                + (f", stage {number} of {count})" if count > 1 else ")"),
                unit="it",
            ),
        )
        self.images = [p(image) for p, image in zip(presents, images)]
        self.check_stop()  # pressed during the set-up
        yield
        stage = self._stage
        if stage.done < iterations:
            self.notes.append(
                f"{stage.where}L-BFGS finished after {stage.done} of {iterations} "
                "iterations: its line search could not lower the loss further"
            )
            self._keep_last_snapshot()
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
        self.images = [p(image) for p, image in zip(stage.presents, images)]
        step = stage.iteration(self._offset, iteration)
        first_is_old = iteration == 0 and stage.number > 1  # the last stage's end
        every = self.settings.snapshot_every
        snapshot = iteration % every == 0 or iteration == stage.iterations
        if not first_is_old:
            self.iterations.append(step)
        for k, image in enumerate(self.images):
            if not first_is_old:
                for name in LOSS_NAMES:
                    self.history[k][name].append(float(losses[name][k]))
                if snapshot:
                    self.snapshots[k].append((step, image))
        if snapshot and stage.folder is not None:
            save_image(
                self.images[0],
                stage.folder / f"iteration_{iteration:05d}.png",
                untrained=not vgg.is_trained(self.settings.weights),
            )
        if iteration > 0:
            stage.bar.update(1)
            if self.batch == 1:
                stage.bar.set_postfix(
                    {
                        n: f"{float(losses[n][0]):.3g}"
                        for n in ("total", "content", "style")
                    }
                )
        if self.callback is not None:
            if self.batch == 1:
                floats = {name: float(values[0]) for name, values in losses.items()}
                self.callback(step.number, floats, self.images[0])
            else:
                self.callback(step.number, losses, np.stack(self.images))
        self.check_stop()

    def check_stop(self) -> None:
        """Raise StopRequested once the `stop` event is set."""
        if self.stop_event is not None and self.stop_event.is_set():
            raise StopRequested

    # -- what it made --------------------------------------------------------

    def results(self) -> list[StyleTransferResult]:
        """One StyleTransferResult per image of the batch, with the wall time so far."""
        wall_time = time.perf_counter() - self.started
        return [
            StyleTransferResult(
                image,
                self.snapshots[k],
                self.history[k],
                list(self.iterations),
                list(self.stages),
                self.settings,
                wall_time,
                self.stopped,
                "; ".join(self.notes) or None,
            )
            for k, image in enumerate(self.images)
        ]

    def result(self) -> StyleTransferResult:
        """The StyleTransferResult of a run of one image."""
        return self.results()[0]

    def _reason(self, error) -> str:
        if isinstance(error, KeyboardInterrupt):
            return "interrupted by the user (KeyboardInterrupt)"
        if isinstance(error, StopRequested):
            return "stopped on request"
        kept = (
            f"the image of iteration {error.iteration - 1}"
            if error.iteration
            else "the start image"
        )
        advice = "smaller alpha and beta"
        if self.settings.optimizer == "adam":
            advice = (
                f"a smaller learning_rate (it was {self.settings.learning_rate})"
                f" or {advice}"
            )
        message = (
            f"The loss became {error.value} at iteration {error.iteration}, so the "
            f"run stopped and kept {kept}. Try {advice}."
        )
        return (
            f"Image {error.index} of the batch: {message}"
            if self.batch > 1
            else message
        )

    def _keep_last_snapshot(self) -> None:
        """Make sure the last image recorded is among the snapshots."""
        stage = self._stage
        if stage is not None and stage.done < 0:  # stopped before its start
            last = stage.iteration(self._offset, 0)
        elif stage is not None:
            last = stage.iteration(self._offset, stage.done)
        elif self.iterations:  # between stages: the last one's end
            last = self.iterations[-1]
        else:
            return
        for k, image in enumerate(self.images):
            if not self.snapshots[k] or self.snapshots[k][-1][0] != last:
                self.snapshots[k].append((last, image))

    def _close_stage(self) -> None:
        stage, self._stage = self._stage, None
        stage.bar.close()
        self._offset += max(stage.done, 0)


@dataclass
class _Stage:
    number: int
    count: int
    size: int
    iterations: int
    presents: list
    folder: Path | None
    where: str
    bar: object
    done: int = -1  # iterations recorded so far (-1: not even the start)

    def iteration(self, offset: int, step: int) -> Iteration:
        """The Iteration after `step` steps of this stage."""
        return Iteration(
            offset + step, step, self.iterations, self.number, self.count, self.size
        )


def _identity(image):
    return image
