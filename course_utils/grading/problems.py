"""What went wrong in a submission, in plain words, kept with the graded notebook.

Each preprocessor that meets a problem (a dead kernel, an endless cell, a
changed test cell, ...) records it in the graded notebook's metadata under
METADATA_KEY, so the problems travel with the notebook: into the feedback,
into grades.csv and into `make grade`'s summary, whichever nbgrader command
made them.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import asdict, dataclass
from pathlib import Path

METADATA_KEY = "grading_problems"
UNREADABLE_KEY = "grading_unreadable"
"""Notebook metadata set on the stand-in for a notebook that could not be read."""

KERNEL_DIED = "kernel died"
TIMED_OUT = "cell timed out"
NOT_JSON = "notebook is not valid JSON"
MISSING = "notebook missing"
TEST_CHANGED = "a test cell was changed"
TEST_DELETED = "a test cell was deleted"
LOCKED_CHANGED = "a read-only cell was changed"
LOCKED_DELETED = "a read-only cell was deleted"
USES_REFERENCE = "a solution calls the reference implementation"
GRADING_FAILED = "grading failed"
DUPLICATED = "a graded cell was there twice"
METADATA_LOST = "a cell lost its nbgrader metadata"
RETYPED = "a graded cell's type was changed"
TWO_FILES = "two files for one notebook"
OTHER_NAME = "notebook handed in under another name"
REBINDS = "a cell rebinds what the tests judge with"
REACHES = "a cell reached the course's files"


@dataclass(frozen=True)
class Problem:
    """One line of the needs-attention list.

    Attributes:
        cell: the cell's nbgrader grade_id, or its cell id, or "" for the
            whole notebook.
        reason: one of the constants above.
        detail: what happened, for the instructor and the student.
    """

    cell: str
    reason: str
    detail: str = ""


def cell_label(cell, index: int | None = None) -> str:
    """The name a problem gives a cell: its grade_id, else its id or index."""
    grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    if grade_id:
        return grade_id
    if cell.get("id"):
        return cell["id"]
    return f"cell {index}" if index is not None else ""


def error_line(name: str, detail: str) -> str:
    """An error's one-line traceback, wrapped to read without scrolling in
    the feedback page."""
    return textwrap.fill(f"{name}: {detail}", width=88)


def record(nb, problem: Problem) -> None:
    """Add `problem` to the notebook's metadata, once per cell and reason."""
    problems = nb.metadata.setdefault(METADATA_KEY, [])
    if not any(
        (entry["cell"], entry["reason"]) == (problem.cell, problem.reason)
        for entry in problems
    ):
        problems.append(asdict(problem))


def recorded(nb) -> list[Problem]:
    """The problems recorded in a notebook (a NotebookNode or a dict)."""
    return [Problem(**entry) for entry in nb["metadata"].get(METADATA_KEY, [])]


def for_student(autograded: Path, submitted: Path, notebooks: list[str]) -> list:
    """Every problem of one student's submission, as [(notebook, Problem)].

    Args:
        autograded: the student's graded folder, autograded/<student>/<assignment>.
        submitted: the student's submission, submitted/<student>/<assignment>.
        notebooks: the assignment's notebook names.
    """
    found = []
    for name in notebooks:
        graded = autograded / f"{name}.ipynb"
        if graded.exists():
            with open(graded, encoding="utf-8") as file:
                metadata = json.load(file).get("metadata", {})
            found += [(name, Problem(**p)) for p in metadata.get(METADATA_KEY, [])]
        elif not (submitted / f"{name}.ipynb").exists():
            found.append(
                (name, Problem("", MISSING, f"No {name}.ipynb was submitted."))
            )
        else:
            found.append(
                (name, Problem("", GRADING_FAILED, "nbgrader could not grade it."))
            )
    return found
