"""`python -m course_utils.grading.collect DOWNLOAD` (`make collect ZIP=...`).

Lays an LMS's bulk download (a zip, or a folder of files) out as
submitted/<student>/<assignment>/<notebook>.ipynb with nbgrader's own
`zip_collect` and this course's collector plugin (`intake.LmsCollector`,
registered in `nbgrader_config.py`), then prints what went where: each
student's notebooks, each file graded under another name, and each file that
could not be placed, with the reason.

Exit status: 0 when the download was collected (unplaced files or not), 1 when
nbgrader's zip_collect failed, 2 when collecting could not start.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from course_utils.grading import intake
from course_utils.grading.unit import course_directory, nbgrader_environment


class CollectError(RuntimeError):
    """Collecting cannot start; the message says what to do."""


def collect(course, assignment: str, download, echo=print) -> int:
    """Collect `download` into `course`'s submitted/ folder; return the exit status.

    Args:
        course: the course folder (where nbgrader_config.py is).
        assignment: the assignment id.
        download: the LMS's zip, or a folder of files (one folder per student,
            or files named as Canvas or Moodle name them).
        echo: where the report is printed.
    """
    course, download = Path(course).resolve(), Path(download).resolve()
    try:
        coursedir = course_directory(course)
    except FileNotFoundError as error:
        raise CollectError(str(error)) from None
    released = Path(coursedir.root) / coursedir.release_directory / assignment
    if not list(released.glob("*.ipynb")):
        raise CollectError(
            f"No released notebooks in {released}: run `make release` first "
            "(the collector recognises notebooks by the released ones)."
        )
    if not download.exists():
        raise CollectError(f"No such file or folder: {download}")
    if download.is_file() and download.suffix.lower() != ".zip":
        raise CollectError(
            f"{download.name} is not a zip: give the LMS's bulk download "
            "(a .zip) or a folder of files."
        )
    record_path = intake.record_path(course, assignment)
    archive = record_path.parent / "archive"
    shutil.rmtree(archive, ignore_errors=True)
    archive.mkdir(parents=True)
    if download.is_dir():
        shutil.copytree(download, archive, dirs_exist_ok=True)
    else:
        shutil.copy(download, archive)
    record_path.unlink(missing_ok=True)
    completed = subprocess.run(
        [sys.executable, "-m", "nbgrader", "zip_collect", assignment, "--force"],
        cwd=course,
        env=nbgrader_environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        tail = (completed.stderr.strip().splitlines() or ["(no output)"])[-1]
        echo(f"nbgrader zip_collect failed: {tail}")
        return 1
    record = intake.read_intake(record_path)
    submitted = Path(coursedir.root) / coursedir.submitted_directory
    for student in record.students:  # also those none of whose files fit
        (submitted / student / assignment).mkdir(parents=True, exist_ok=True)
    echo(report(record, download.name))
    return 0


def report(record: intake.Intake, source: str) -> str:
    """What a collect placed, renamed, and could not place."""
    lines = [f"Collected {source}: {len(record.students)} students"]
    for student, entry in sorted(record.students.items()):
        late = ", LATE" if entry["late"] else ""
        where = f" ({entry['lms']} id {entry['lms_id']}{late})" if entry["lms"] else ""
        lines.append(f"  {student}{where}: {len(entry['files'])} notebooks")
    late = [student for student, entry in record.students.items() if entry["late"]]
    if late and record.late_stamp:
        lines.append(
            f"\nMarked LATE ({len(late)}): counted as handed in {record.late_stamp} "
            f"(due {record.due}) for the late policy."
        )
    elif late:
        lines.append(
            f"\nMarked LATE ({len(late)}), but the gradebook has no due date, so no "
            "late policy applies. Set one (nbgrader db assignment add "
            "style_transfer --duedate='2026-12-01 17:00:00') and collect again."
        )
    if record.notes:
        lines.append(f"\nPlaced under another name ({len(record.notes)}):")
        lines += [
            f"  {note['student']}  {note['notebook']}: {note['reason']} "
            f"({note['detail']})"
            for note in record.notes
        ]
    if record.unplaced:
        lines.append(f"\nNot placed ({len(record.unplaced)}):")
        lines += [f"  {entry['file']}: {entry['reason']}" for entry in record.unplaced]
    else:
        lines.append("\nEvery file was placed.")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.grading.collect",
        description=(
            "Lay an LMS's bulk download (Canvas, Moodle, or a folder per "
            "student) out as submitted/<student>/<assignment>/ for grading."
        ),
    )
    parser.add_argument("download", help="the LMS's zip, or a folder of files")
    parser.add_argument("--course", default=".", help="the course folder")
    parser.add_argument("--assignment", default="style_transfer")
    args = parser.parse_args(argv)
    try:
        return collect(args.course, args.assignment, args.download)
    except CollectError as error:
        print(f"Cannot collect: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
