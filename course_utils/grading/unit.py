"""Grade one student: the unit of work that `run` hands to each Dask worker.

nbgrader's gradebook is one SQLite file, and SQLite lets one process write at
a time ("database is locked" aborts nbgrader). So each student is graded in a
private course folder of their own, with a copy of the course's gradebook
taken when grading started, by nbgrader's own `autograde`, then `generate_feedback`
(`grade_here`, through nbgrader's Python API). The graded notebooks and the
feedback are moved into the real course folder; the grades come back as
plain data, and `run` writes them into the real gradebook from one process
(`record_grades`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from nbgrader.utils import temp_attrs
from sqlalchemy.exc import SAWarning
from traitlets.config.loader import PyFileConfigLoader

from course_utils.grading import intake, problems

GRADEBOOK = "gradebook.db"
PRIVATE_CONFIG = """
# make grade's private copy of the course: nothing else writes this gradebook
c.GradingExecute.hold_gradebook = True
# a kernel may not reach the real course either
c.GradingExecute.protected_courses = [{course!r}]
"""


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
        gradebook: the bytes of the course's gradebook when grading started
            (it holds the assignment `make release` recorded).
        threads: cores each notebook's kernel may use (None: all).
        timeout: seconds one nbgrader command may take before it is stopped.

    Returns:
        StudentResult; autograded/<student>/<assignment> and
        feedback/<student>/<assignment> in `course` are replaced by the new
        ones (removed if nothing could be graded, as its scores are).
    """
    start = time.perf_counter()
    course = Path(course).resolve()
    names = course_directory(course)
    result = StudentResult(student)
    with tempfile.TemporaryDirectory(prefix=f"grade-{student}-") as scratch:
        scratch = Path(scratch)
        config = (course / "nbgrader_config.py").read_text()
        (scratch / "nbgrader_config.py").write_text(
            f"{config}\n{PRIVATE_CONFIG.format(course=str(course))}"
        )
        (scratch / GRADEBOOK).write_bytes(gradebook)
        copy = scratch / names.submitted_directory / student
        shutil.copytree(course / names.submitted_directory / student, copy)
        released = course / names.release_directory / assignment
        _graded_names(
            copy / assignment,
            released,
            _notebook_names(scratch / GRADEBOOK, assignment),
        )
        env = {**nbgrader_environment(), **_thread_limits(threads)}

        if list((copy / assignment).glob("*.ipynb")):  # else nothing to grade
            result.failed = _run_here(scratch, env, timeout, assignment, student)
            if "*" not in result.failed:
                result.grades, result.timestamp = read_grades(
                    scratch / GRADEBOOK, assignment, student
                )
        for folder in (names.autograded_directory, names.feedback_directory):
            student_folder = Path(folder) / student / assignment
            _replace(scratch / student_folder, course / student_folder)
    result.seconds = time.perf_counter() - start
    return result


def _notebook_names(path: Path, assignment: str) -> list[str]:
    """The assignment's notebook names, from the gradebook at `path`."""
    with Gradebook(f"sqlite:///{path}") as book:
        return [nb.name for nb in book.find_assignment(assignment).notebooks]


def _graded_names(folder: Path, released: Path, names: list[str]) -> None:
    """Rename each notebook in `folder` whose name is not a released one to the
    released notebook it is (by name, else by content), and record that in it.
    A notebook that is none, or whose place is taken, keeps its name (nbgrader
    then leaves it out)."""
    release = intake.read_release(released)
    for path in sorted(folder.glob("*.ipynb")):
        if path.stem in names:
            continue
        name, how = intake.released_notebook(path.name, path, release, names)
        target = folder / f"{name}.ipynb"
        if not name or target.exists():
            continue
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception:  # unreadable: graded as such under its new name
            path.rename(target)
            continue
        detail = intake.other_name(path.name, name, how)
        problems.record(nb, problems.Problem("", problems.OTHER_NAME, detail))
        nbformat.write(nb, target)
        path.unlink()


def course_directory(course: Path) -> CourseDirectory:
    """nbgrader's view of the course folder, from its nbgrader_config.py.

    The gradebook's address (db_url) is made absolute, so it holds wherever
    this process runs.
    """
    if not (course / "nbgrader_config.py").exists():
        raise FileNotFoundError(
            f"No nbgrader_config.py in {course}: run this in the course folder."
        )
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    coursedir = CourseDirectory(config=config, root=str(course))
    prefix = "sqlite:///"
    if coursedir.db_url.startswith(prefix) and not coursedir.db_url[
        len(prefix) :
    ].startswith("/"):
        coursedir.db_url = prefix + str(course / coursedir.db_url[len(prefix) :])
    return coursedir


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
    for review. A student nbgrader could not grade at all is entered too,
    with no automatic scores, so the formgrader lists them for grading by hand.
    """
    with Gradebook(db_url) as gradebook, warnings.catch_warnings():
        # nbgrader's add_submission reads the new submission before adding it
        # to the session; SQLAlchemy warns, and the submission is stored.
        warnings.simplefilter("ignore", SAWarning)
        gradebook.update_or_create_student(result.student)
        stamp = {"timestamp": result.timestamp} if result.timestamp else {}
        submission = gradebook.update_or_create_submission(
            assignment, result.student, **stamp
        )
        if not result.grades:  # nothing graded: no stale scores either
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    # no notebook handed in scores 0; one nbgrader failed on, by hand
                    grade.auto_score = None if result.failed else 0.0
                    grade.needs_manual_grade = bool(result.failed)
        for name, entries in result.grades.items():
            notebook = gradebook.find_submission_notebook(
                name, assignment, result.student
            )
            notebook.late_submission_penalty = entries["late_penalty"]
            for grade_id, (auto_score, needs_manual) in entries["grades"].items():
                grade = gradebook.find_grade(grade_id, name, assignment, result.student)
                grade.auto_score = auto_score
                grade.needs_manual_grade = (
                    needs_manual or grade.manual_score is not None
                )
            for grade_id, text in entries["comments"].items():
                comment = gradebook.find_comment(
                    grade_id, name, assignment, result.student
                )
                comment.auto_comment = text
        gradebook.db.commit()


def nbgrader_environment() -> dict:
    """This process's environment, with this Python's folder first on PATH:
    nbgrader runs the `alembic` command installed beside it."""
    path = os.environ.get("PATH", "")
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{path}"}


def _run_here(folder: Path, env: dict, timeout: float, assignment: str, student: str):
    """Run `grade_here` in a fresh Python in `folder`; return its `failed`."""
    try:
        completed = subprocess.run(
            [sys.executable, "-m", "course_utils.grading.unit", assignment, student],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"*": f"grading took longer than {timeout:.0f} s"}
    lines = completed.stdout.strip().splitlines()
    if completed.returncode != 0 or not lines:
        tail = (completed.stderr.strip().splitlines() or ["(no output)"])[-1]
        return {"*": tail}
    return json.loads(lines[-1])


def grade_here(assignment: str, student: str) -> dict:
    """nbgrader's autograde, then generate_feedback, for one student of the
    course in the current folder, in one process (nbgrader takes 2.5 s to
    import). If autograde fails for the student as a whole, each notebook is
    graded on its own, so one notebook cannot sink the rest.

    Returns:
        {notebook, "*" or "feedback": nbgrader's last error line} for what
        could not be done; {} when everything was graded.
    """
    coursedir = course_directory(Path.cwd())
    api = NbGraderAPI(coursedir, config=coursedir.config)
    failed = {}
    whole = api.autograde(assignment, student, force=True)
    if not whole["success"]:
        submitted = Path(
            coursedir.format_path(coursedir.submitted_directory, student, assignment)
        )
        for notebook in sorted(submitted.glob("*.ipynb")):
            with temp_attrs(coursedir, notebook_id=notebook.stem):
                one = api.autograde(assignment, student, force=True)
            if not one["success"]:
                failed[notebook.stem] = _last_error(one)
        graded = Path(
            coursedir.format_path(coursedir.autograded_directory, student, assignment)
        )
        if not list(graded.glob("*.ipynb")):
            return {"*": _last_error(whole)}
    feedback = api.generate_feedback(assignment, student, force=True)
    if not feedback["success"]:
        failed["feedback"] = _last_error(feedback)
    return failed


def _last_error(result: dict) -> str:
    lines = (result.get("error") or result.get("log") or "").strip().splitlines()
    return lines[-1].strip() if lines else "unknown error"


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


if __name__ == "__main__":  # python -m course_utils.grading.unit ASSIGNMENT STUDENT
    print(json.dumps(grade_here(*sys.argv[1:3])))
