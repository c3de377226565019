"""The limits every run keeps while nbgrader grades a notebook.

nbgrader starts each student's kernel with NBGRADER_EXECUTION set in its
environment ("autograde" while grading, "validate" for `nbgrader validate`).
While it is set, the package keeps every run tiny, whatever a notebook's
parameters cell asks for: images are at most GRADING_MAX_SIZE pixels on their
long side, an optimisation runs at most GRADING_MAX_ITERATIONS steps per stage,
and VGG19 has random weights (nothing is downloaded). The grader's own limits on
time, memory and file size sit outside the kernel (`course_utils.grading`).
"""

from __future__ import annotations

import os

GRADING_MAX_SIZE = 64
GRADING_MAX_ITERATIONS = 2


def is_grading() -> bool:
    """True inside a kernel that nbgrader runs (autograde or validate)."""
    return bool(os.environ.get("NBGRADER_EXECUTION"))


def image_size(max_dim: int | None, smallest: int = 0) -> int | None:
    """The long side an image is resized to: `max_dim`, capped while grading.

    Args:
        max_dim: the long side asked for, or None for the image's own size.
        smallest: a long side under this would make the image too small for
            VGG19; the cap never goes below it (a wide panorama).
    """
    if not is_grading():
        return max_dim
    cap = max(GRADING_MAX_SIZE, smallest)
    return cap if max_dim is None else min(max_dim, cap)


def iterations(count: int) -> int:
    """The number of optimisation steps to run: `count`, capped while grading."""
    return min(count, GRADING_MAX_ITERATIONS) if is_grading() else count


def weights(requested):
    """The VGG19 weights to build: `requested`, or random (None) while grading."""
    return None if is_grading() else requested
