"""Grade a whole class: `python -m course_utils.grading` (`make grade`).

Every student in submitted/<student>/<assignment>/ is one task (`unit.
grade_student`) on a Dask cluster: a LocalCluster with a worker per core
unless a scheduler address is given. Results are written into the gradebook
here, by this one process, as they arrive; then `nbgrader export` writes
grades.csv and a summary is printed: a student x notebook table, then one
line per problem that needs the instructor's attention.

Exit status: 0 when every submission was graded (problems or not), 1 when
nbgrader could not grade some notebook at all, 2 when grading could not start.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dask.distributed import Client, LocalCluster, as_completed
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.coursedir import CourseDirectory

from course_utils.grading import lms as lms_export
from course_utils.grading import unit
from course_utils.grading.export import class_rows
from course_utils.grading.intake import read_intake, record_path
from course_utils.grading.problems import GRADING_FAILED, OTHER_NAME, TWO_FILES, Problem


class GradingError(RuntimeError):
    """Grading cannot start; the message says what to do."""


def grade_class(
    course=".",
    assignment: str = "style_transfer",
    workers: int | None = None,
    scheduler: str | None = None,
    csv_path: str = "grades.csv",
    echo=print,
) -> int:
    """Grade every submission of `assignment` in `course`; return the exit status.

    Args:
        course: the course folder (where nbgrader_config.py is).
        assignment: the assignment id.
        workers: local Dask workers (default: one per core). Ignored with
            `scheduler`.
        scheduler: address of a running Dask scheduler, e.g.
            "tcp://10.0.0.5:8786"; its workers must see `course` at the same
            path and have this package installed.
        csv_path: where grades.csv goes, relative to `course`.
        echo: where progress and the summary are printed.
    """
    course = Path(course).resolve()
    try:
        coursedir = unit.course_directory(course)
    except FileNotFoundError as error:
        raise GradingError(str(error)) from None
    db_url = coursedir.db_url
    template = _gradebook_snapshot(db_url, assignment)
    students = _students(coursedir, assignment)
    start = time.perf_counter()
    failed = {}
    with _cluster(workers, scheduler) as (client, threads):
        echo(f"Grading {len(students)} students of {assignment} on {_describe(client)}")
        shared = client.scatter(template, broadcast=True)
        futures = {
            client.submit(
                unit.grade_student,
                str(course),
                assignment,
                student,
                shared,
                threads,
                pure=False,
            ): student
            for student in students
        }
        for done, future in enumerate(as_completed(futures), start=1):
            student = futures[future]
            try:
                result = future.result()
            except Exception as error:  # the task itself broke; keep going
                result = unit.StudentResult(student, failed={"*": repr(error)})
            try:  # failed students too: no one is lost
                unit.record_grades(db_url, assignment, result)
            except Exception as error:
                result.failed["gradebook"] = repr(error)
            if result.failed:
                failed[student] = result.failed
            echo(f"[{done}/{len(students)}] {student}: {result.seconds:.0f} s")
    seconds = time.perf_counter() - start
    written, exported = _export_grades(course, coursedir, assignment, csv_path, echo)
    echo("")
    echo(summary(coursedir, db_url, assignment, failed))
    echo(
        f"\n{len(students)} students in {seconds:.0f} s "
        f"({seconds / max(len(students), 1):.1f} s per student). Feedback: "
        f"{coursedir.feedback_directory}/<student>/{assignment}/. Grades: "
        f"{', '.join(written)}."
    )
    return 1 if failed or exported else 0


def _export_grades(course, coursedir, assignment, csv_path, echo):
    """grades.csv, and the grades an LMS takes back for a class collected from
    one. Returns the files written and the first export error (None if none)."""
    written = [csv_path]
    exported = _nbgrader_export(course, csv_path)
    if exported:
        echo(f"nbgrader export could not write {csv_path}: {exported}")
    for lms in _lms_of_class(coursedir, assignment):  # grades the LMS takes back
        path = f"{lms}_grades.csv"
        plugin = lms_export.EXPORTS[lms]
        exporter = f"{plugin.__module__}.{plugin.__qualname__}"
        error = _nbgrader_export(course, path, exporter, assignment)
        if error:
            echo(f"nbgrader export could not write {path}: {error}")
        written += [path, f"{lms}_feedback.zip"]
        exported = exported or error
    return written, exported


def summary(
    coursedir: CourseDirectory, db_url: str, assignment: str, failed: dict
) -> str:
    """The student x notebook table with totals, then the needs-attention list."""
    with Gradebook(db_url) as gradebook:
        notebooks, rows = class_rows(gradebook, coursedir, assignment)
    short = [name.split("_")[0] for name in notebooks]
    width = max([len("student"), *(len(row.student) for row in rows)])
    lines = [
        "  ".join([f"{'student':<{width}}", *(f"{s:>5}" for s in short), "total"]),
    ]
    for row in rows:
        cells = [f"{row.scores[name][0]:>5g}" for name in notebooks]
        lines.append(
            "  ".join(
                [f"{row.student:<{width}}", *cells, f"{row.total:g}/{row.max_total:g}"]
            )
        )
    attention = [
        (row.student, notebook, problem)
        for row in rows
        for notebook, problem in row.problems
    ]
    for student, failures in failed.items():  # with nbgrader's own error
        for what, error in failures.items():
            same = [
                i
                for i, (who, notebook, problem) in enumerate(attention)
                if (who, notebook, problem.reason) == (student, what, GRADING_FAILED)
            ]
            if same:
                who, notebook, problem = attention[same[0]]
                attention[same[0]] = (who, notebook, Problem("", GRADING_FAILED, error))
            else:
                attention.append((student, "", Problem(what, GRADING_FAILED, error)))
    lines.append("")
    if not attention:
        lines.append("Needs attention: nothing.")
    else:
        lines.append(f"Needs attention ({len(attention)}):")
    for student, notebook, problem in attention:
        where = ", ".join(part for part in (notebook, problem.cell) if part)
        detail = f" ({problem.detail})" if problem.reason in _DETAILED else ""
        lines.append(f"  {student}  {where}: {problem.reason}{detail}")
    unplaced = read_intake(record_path(coursedir.root, assignment)).unplaced
    if unplaced:
        lines.append(f"\nFiles make collect could not place ({len(unplaced)}):")
        lines += [f"  {entry['file']}: {entry['reason']}" for entry in unplaced]
    return "\n".join(lines)


_DETAILED = {GRADING_FAILED, TWO_FILES, OTHER_NAME}
"""Reasons whose summary line also gives the detail (which file, which error)."""


def _students(coursedir: CourseDirectory, assignment: str) -> list[str]:
    submitted = Path(coursedir.root) / coursedir.submitted_directory
    students = sorted(
        folder.name for folder in submitted.glob("*") if (folder / assignment).is_dir()
    )
    if not students:
        raise GradingError(
            f"No submissions: put each student's notebooks in "
            f"{submitted}/<student>/{assignment}/ (or collect them with "
            f"`nbgrader collect {assignment}`)."
        )
    return students


def _gradebook_snapshot(db_url: str, assignment: str) -> bytes:
    """A consistent copy of the gradebook (SQLite's backup API), as bytes."""
    path = Path(db_url.removeprefix("sqlite:///"))
    if not db_url.startswith("sqlite:///") or not path.exists():
        raise GradingError(
            f"No gradebook at {db_url}: run `make release` (nbgrader "
            f"generate_assignment {assignment}) first."
        )
    with Gradebook(db_url) as gradebook:
        try:
            gradebook.find_assignment(assignment)
        except MissingEntry:
            raise GradingError(
                f"The gradebook has no assignment {assignment!r}: "
                "run `make release` first."
            ) from None
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / unit.GRADEBOOK
        source, target = sqlite3.connect(path), sqlite3.connect(copy)
        with target:
            source.backup(target)
        source.close()
        target.close()
        return copy.read_bytes()


@contextlib.contextmanager
def _cluster(workers: int | None, scheduler: str | None):
    """Yield (Dask client, cores per kernel): on `scheduler`, or on a
    LocalCluster of `workers` processes (default: one per core)."""
    if scheduler:
        with Client(scheduler) as client:
            yield client, None
        return
    workers = workers or os.cpu_count() or 1
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            # a worker's memory is mostly its kernels', which have limits of their own
            memory_limit=0,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client, max(1, (os.cpu_count() or 1) // workers)


def _describe(client) -> str:
    workers = client.scheduler_info()["workers"]
    return f"{len(workers)} Dask worker{'s' if len(workers) != 1 else ''}"


def _lms_of_class(coursedir, assignment: str) -> list[str]:
    """The LMSs `make collect` read this class's students from."""
    students = read_intake(record_path(coursedir.root, assignment)).students
    return sorted({entry["lms"] for entry in students.values()} - {""})


def _nbgrader_export(
    course: Path, csv_path: str, exporter: str | None = None, assignment=None
) -> str:
    """Run `nbgrader export` (with `exporter`, for `assignment`); return ""
    or its last error line."""
    command = [sys.executable, "-m", "nbgrader", "export", "--to", csv_path]
    if exporter:
        command += [f"--exporter={exporter}", f"--assignment={assignment}"]
    completed = subprocess.run(
        command,
        cwd=course,
        env=unit.nbgrader_environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode == 0:
        return ""
    return (completed.stderr.strip().splitlines() or ["(no output)"])[-1]
