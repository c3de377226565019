"""How a run shows its progress and is stopped (one of `Recorder`'s jobs): a
progress bar per stage, the user's callback after each iteration, and the
stop event that ends the run after the iteration in progress."""

from __future__ import annotations

import numpy as np
from tqdm.auto import tqdm

from course_utils.results import Iteration


class StopRequested(Exception):
    """Raised once the `stop` event is set, to end the run."""


class Progress:
    """The progress bar, the callback and the stop event of a run.

    Args:
        name: what the progress bar calls the run.
        optimizer: the optimiser's name, shown on the bar.
        show: show a tqdm progress bar per stage.
        callback: called after each iteration as callback(iteration, losses,
            image), iteration counting over all stages (`Iteration.number`),
            losses a {name: float} dict and image (H, W, 3); for a batch, the
            losses hold one value per image and the images are (B, H, W, 3).
            A stage's start is seen too, so a stage boundary is seen twice.
        stop: a threading.Event; once set, `check_stop` raises StopRequested.
        batch: how many images are optimised together.
    """

    def __init__(self, name, optimizer, show=True, callback=None, stop=None, batch=1):
        self.name, self.optimizer, self.show = name, optimizer, show
        self.callback, self.stop, self.batch = callback, stop, batch
        self._bar = None

    def start_stage(self, number: int, count: int, size: int, iterations: int):
        stage = f", stage {number} of {count})" if count > 1 else ")"
        self._bar = tqdm(
            total=iterations,
            disable=not self.show,
            desc=f"{self.name} ({self.optimizer}, {size} px{stage}",
            unit="it",
        )

    def step(self, step: Iteration, losses: dict, images: list) -> None:
        """Show iteration `step` (losses {name: (B,) values}), call the
        callback, then raise StopRequested if the stop event is set."""
        if step.step > 0:
            self._bar.update(1)
            if self.batch == 1:
                shown = ("total", "content", "style")
                self._bar.set_postfix({n: f"{float(losses[n][0]):.3g}" for n in shown})
        if self.callback is not None:
            if self.batch == 1:
                floats = {name: float(values[0]) for name, values in losses.items()}
                self.callback(step.number, floats, images[0])
            else:
                self.callback(step.number, losses, np.stack(images))
        self.check_stop()

    def check_stop(self) -> None:
        """Raise StopRequested once the `stop` event is set."""
        if self.stop is not None and self.stop.is_set():
            raise StopRequested

    def close_stage(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
