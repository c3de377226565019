"""Why a run ended early, in words a student can act on (one of `Recorder`'s
jobs): the `stopped` and `note` texts of a StyleTransferResult; and an error
in one line, for a status line or a grading note."""

from __future__ import annotations

from course_utils.optimise import NonFiniteLoss
from course_utils.progress import StopRequested


def why_stopped(error: BaseException, settings, batch: int = 1) -> str:
    """What ended a run: Ctrl-C, a stop request, or a loss that is not finite
    (with the image kept and what to try instead).

    Args:
        error: KeyboardInterrupt, StopRequested or NonFiniteLoss.
        settings: the run's StyleTransferSettings (for the advice).
        batch: how many images were optimised together.
    """
    if isinstance(error, KeyboardInterrupt):
        return "interrupted by the user (KeyboardInterrupt)"
    if isinstance(error, StopRequested):
        return "stopped on request"
    if not isinstance(error, NonFiniteLoss):
        raise TypeError(f"why_stopped got {type(error).__name__}, not a stop")
    kept = (
        f"the image of iteration {error.iteration - 1}"
        if error.iteration
        else "the start image"
    )
    advice = "smaller alpha and beta"
    if settings.optimizer == "adam":
        advice = (
            f"a smaller learning_rate (it was {settings.learning_rate}) or {advice}"
        )
    message = (
        f"The loss became {error.value} at iteration {error.iteration}, so the "
        f"run stopped and kept {kept}. Try {advice}."
    )
    return f"Image {error.index} of the batch: {message}" if batch > 1 else message


def lbfgs_finished_early(done: int, iterations: int) -> str:
    """The note of a stage whose L-BFGS stopped before its last iteration."""
    return (
        f"L-BFGS finished after {done} of {iterations} iterations: its line "
        "search could not lower the loss further"
    )


def first_line(error: BaseException, limit: int | None = None) -> str:
    """An error's first line (its type's name if it has no message),
    cut to `limit` characters with " ..." when given."""
    text = str(error).strip()
    text = text.splitlines()[0] if text else type(error).__name__
    if limit is not None and len(text) > limit:
        return text[:limit] + " ..."
    return text
