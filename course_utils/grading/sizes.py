"""The tiny sizes every notebook runs at while nbgrader grades it.

nbgrader starts each student's kernel with NBGRADER_EXECUTION set in its
environment: "autograde" while grading, "validate" for `nbgrader validate`
(and the Validate button of the Assignments tab). This module is the one place
that reads it. Every notebook's parameters cell is followed by the cell

    SIZE, ITERATIONS, WEIGHTS = sizes.while_grading(
        SIZE=SIZE, ITERATIONS=ITERATIONS, WEIGHTS=WEIGHTS)

which passes the parameters through unchanged, except while nbgrader runs the
notebook: then it prints that it is grading and gives back GRADING's values,
so a whole class is graded in minutes, offline. The package itself knows
nothing of grading; the grader's own limits on time, memory and file size sit
outside the kernel (`execute`).
"""

from __future__ import annotations

import os

GRADING = {
    "SIZE": 64,
    "HIGHRES_SIZE": 128,
    "ITERATIONS": 2,
    "TIMING_ITERATIONS": 2,
    "SNAPSHOT_EVERY": 1,
    "STEPS": 2,
    "BATCH_SIZE": 2,
    "WEIGHTS": None,
    "PHOTOS": "bundled",
}
"""{parameter: its value while grading}: pixels on the long side (the coarse to
fine run's last stage is 128 px so its first, a quarter, stays over VGG19's 32),
optimisation steps, notebook 08's training steps and photos per step, random
VGG19 weights and the bundled photos (nothing is downloaded)."""

_UNITS = {"SIZE": " px", "HIGHRES_SIZE": " px"}


def mode() -> str | None:
    """The running nbgrader command ("autograde", "validate"), or None."""
    return os.environ.get("NBGRADER_EXECUTION") or None


def while_grading(**parameters):
    """The parameters to run with: as given, or GRADING's while nbgrader runs.

    Args:
        **parameters: the notebook's parameters by name, each a key of GRADING.

    Returns:
        Their values in the order given (one value if one was given).

    Raises:
        KeyError: a name GRADING does not have.
    """
    unknown = [name for name in parameters if name not in GRADING]
    if unknown:
        raise KeyError(
            f"No grading size for {', '.join(unknown)}; "
            f"course_utils.grading.sizes.GRADING has {', '.join(GRADING)}."
        )
    running = mode()
    if running:
        parameters = {name: GRADING[name] for name in parameters}
        print(f"Grading (nbgrader {running}): {describe(parameters)}.")
    values = tuple(parameters.values())
    return values[0] if len(values) == 1 else values


def describe(parameters: dict) -> str:
    """'SIZE = 64 px, ITERATIONS = 2, WEIGHTS = None (random VGG19 weights)'."""
    said = []
    for name, value in parameters.items():
        text = f"{name} = {value}{_UNITS.get(name, '')}"
        if name == "WEIGHTS" and value is None:
            text += " (random VGG19 weights)"
        said.append(text)
    return ", ".join(said)
