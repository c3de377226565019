"""What a run made: its image, snapshots and loss history (`StyleTransferResult`),
and the label of each iteration (`Iteration`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from course_utils import vgg
from course_utils.objective import LOSS_NAMES


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
