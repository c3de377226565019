"""Grade one student: the unit of work that `run` hands to each Dask worker.

nbgrader's gradebook is one SQLite file, and SQLite lets one process write at
a time ("database is locked" aborts nbgrader). So each student is graded in a
private course folder of their own, with a copy of the gradebook as `make
release` left it, by nbgrader's own commands (`autograde`, then
`generate_feedback`). The graded notebooks and the feedback are moved into
the real course folder; the grades come back as plain data, and `run` writes
them into the real gradebook from one process (`record_grades`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook

GRADEBOOK = "gradebook.db"


@dataclass
class StudentResult:
    """What grading one student gave.

    Attributes:
        student: the student id (their folder in submitted/).
        grades: {notebook: {"grades": {grade_id: [auto_score, needs_manual]},
            "comments": {solution grade_id: auto comment}, "late_penalty": x}}.
        timestamp: the submission's timestamp (from timestamp.txt), or None.
        failed: {notebook: nbgrader's last error line} for notebooks nbgrader
            could not grade at all ("*" when nothing could be graded).
        seconds: wall time of this student's grading.
    """

    student: str
    grades: dict = field(default_factory=dict)
    timestamp: object = None
    failed: dict = field(default_factory=dict)
    seconds: float = 0.0


def grade_student(
    course: str,
    assignment: str,
    student: str,
    gradebook: bytes,
    threads: int | None = None,
    timeout: float = 1800,
) -> StudentResult:
    """Autograde one student and write their feedback, in a private course copy.

    Args:
        course: the course folder (nbgrader_config.py, source/, submitted/),
            on storage this machine sees.
        assignment: the assignment id, e.g. "style_transfer".
        student: the student id, a folder in submitted/.
        gradebook: the bytes of the gradebook after `make release`.
        threads: cores each notebook's kernel may use (None: all).
        timeout: seconds one nbgrader command may take before it is stopped.

    Returns:
        StudentResult; autograded/<student> and feedback/<student> in
        `course` are replaced by the new ones.
    """
    start = time.perf_counter()
    course = Path(course).resolve()
    result = StudentResult(student)
    with tempfile.TemporaryDirectory(prefix=f"grade-{student}-") as scratch:
        scratch = Path(scratch)
        shutil.copy(course / "nbgrader_config.py", scratch)
        (scratch / GRADEBOOK).write_bytes(gradebook)
        (scratch / "source").symlink_to(course / "source")
        (scratch / "submitted").mkdir()
        (scratch / "submitted" / student).symlink_to(course / "submitted" / student)
        env = {
            **os.environ,
            **_thread_limits(threads),
            # nbgrader runs `alembic`, which lives beside this Python
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        }

        def nbgrader(*arguments):
            return _nbgrader(scratch, env, timeout, *arguments, assignment, "--student", student)

        error = nbgrader("autograde", "--force")
        if error:  # grade the notebooks one by one, so one cannot sink the rest
            for notebook in sorted((course / "submitted" / student / assignment).glob("*.ipynb")):
                failure = nbgrader("autograde", "--force", "--notebook", notebook.stem)
                if failure:
                    result.failed[notebook.stem] = failure
            if not list((scratch / "autograded").glob(f"{student}/{assignment}/*.ipynb")):
                result.failed["*"] = error
        if "*" not in result.failed:
            error = nbgrader("generate_feedback", "--force")
            if error:
                result.failed["feedback"] = error
            result.grades, result.timestamp = read_grades(
                scratch / GRADEBOOK, assignment, student
            )
        for folder in ("autograded", "feedback"):
            _replace(scratch / folder / student, course / folder / student)
    result.seconds = time.perf_counter() - start
    return result


def read_grades(path: Path, assignment: str, student: str):
    """Return (grades, timestamp) of one student's submission in a gradebook."""
    grades = {}
    with Gradebook(f"sqlite:///{path}") as gradebook:
        submission = gradebook.find_submission(assignment, student)
        for notebook in submission.notebooks:
            grades[notebook.name] = {
                "grades": {
                    grade.name: [grade.auto_score, grade.needs_manual_grade]
                    for grade in notebook.grades
                },
                "comments": {c.name: c.auto_comment for c in notebook.comments},
                "late_penalty": notebook.late_submission_penalty,
            }
        return grades, submission.timestamp


def record_grades(db_url: str, assignment: str, result: StudentResult) -> None:
    """Write one student's grades into the course's gradebook, as nbgrader's
    SaveAutoGrades would have: a grader's manual score is kept and flagged
    for review."""
    with Gradebook(db_url) as gradebook:
        gradebook.update_or_create_student(result.student)
        gradebook.update_or_create_submission(
            assignment, result.student, timestamp=result.timestamp
        )
        for name, entries in result.grades.items():
            notebook = gradebook.find_submission_notebook(name, assignment, result.student)
            notebook.late_submission_penalty = entries["late_penalty"]
            for grade_id, (auto_score, needs_manual) in entries["grades"].items():
                grade = gradebook.find_grade(grade_id, name, assignment, result.student)
                grade.auto_score = auto_score
                grade.needs_manual_grade = needs_manual or grade.manual_score is not None
            for grade_id, text in entries["comments"].items():
                comment = gradebook.find_comment(grade_id, name, assignment, result.student)
                comment.auto_comment = text
        gradebook.db.commit()


def _nbgrader(folder: Path, env: dict, timeout: float, *arguments) -> str:
    """Run one nbgrader command in `folder`; return "" or its last error line."""
    try:
        completed = subprocess.run(
            [sys.executable, "-m", "nbgrader", *arguments],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"nbgrader {arguments[0]} took longer than {timeout:.0f} s"
    if completed.returncode == 0:
        return ""
    errors = [line for line in completed.stderr.splitlines() if "ERROR" in line]
    return (errors or completed.stderr.splitlines() or ["(no output)"])[-1].strip()


def _thread_limits(threads: int | None) -> dict:
    """Environment that keeps each kernel (TensorFlow, BLAS) to `threads` cores."""
    if not threads:
        return {}
    return {
        "TF_NUM_INTRAOP_THREADS": str(threads),
        "TF_NUM_INTEROP_THREADS": "1",
        "OMP_NUM_THREADS": str(threads),
    }


def _replace(new: Path, old: Path) -> None:
    if old.exists():
        shutil.rmtree(old)
    if new.exists():
        old.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(new), str(old))
