"""Grades and feedback in the files Canvas and Moodle take back.

Two nbgrader export plugins (`nbgrader export --exporter=...`); `make grade`
runs each one whose LMS the class came from (`make collect`'s record). Each
writes a grades file keyed by the LMS's own ids, read at intake, and a zip of
the feedback pages named so that the LMS files each page with its student:

- `CanvasExport`: canvas_grades.csv for the Gradebook's Import (columns
  Student, ID, SIS User ID, SIS Login ID, Section, then the assignment;
  Canvas matches a row by ID, its user id), and canvas_feedback.zip for the
  assignment's "Re-upload submissions" (each page named like the file it
  answers, `name_userid_attachmentid_...`, which Canvas reads).
- `MoodleExport`: moodle_grades.csv in the assignment's grading worksheet
  layout (Moodle reads Identifier "Participant N", Grade, Last modified
  (grade) and Feedback comments), and moodle_feedback.zip for "Upload
  multiple feedback files in a zip" (`Full Name_N_assignsubmission_file_...`,
  N the participant number of the download's names).

Checked against the LMSs' own code (their help pages say less):
canvas-lms `lib/gradebook_importer.rb` (header, matching by ID),
`Assignment#generate_comments_from_files` (re-upload: the first two numbers
of a name are the user id and the attachment id); Moodle
`mod/assign/feedback/offline/importgradeslib.php` and `locallib.php` (the
worksheet), `mod/assign/feedback/file/importziplib.php` (the feedback zip).

Grades are the points scored less nbgrader's late penalty (`late`).
"""

from __future__ import annotations

import csv
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.coursedir import CourseDirectory
from nbgrader.plugins import ExportPlugin
from traitlets import Unicode

from course_utils.grading import intake


@dataclass(frozen=True)
class LmsGrade:
    """One student's grade for the LMS."""

    student: str  # the nbgrader student id
    record: dict  # the intake record: lms, name, lms_id, late, files
    score: float  # points scored less the late penalty
    max_score: float
    penalty: float  # the late penalty taken
    feedback: dict  # {notebook: its feedback page}


def lms_grades(
    gradebook: Gradebook, coursedir: CourseDirectory, assignment: str, lms: str
) -> list[LmsGrade]:
    """The grades of every student `make collect` read from `lms`.

    A student with no submission in the gradebook scores 0 of the maximum.
    """
    students = intake.read_intake(intake.record_path(coursedir.root, assignment))
    max_score = gradebook.find_assignment(assignment).max_score
    grades = []
    for student, record in sorted(students.students.items()):
        if record["lms"] != lms:
            continue
        try:
            submission = gradebook.find_submission(assignment, student)
            score, penalty = submission.score, submission.late_submission_penalty
        except MissingEntry:
            score, penalty = 0.0, 0.0
        folder = Path(
            coursedir.format_path(coursedir.feedback_directory, student, assignment)
        )
        feedback = {page.stem: page for page in sorted(folder.glob("*.html"))}
        grades.append(
            LmsGrade(student, record, score - penalty, max_score, penalty, feedback)
        )
    return grades


class _LmsExport(ExportPlugin):
    """Writes `to` (the grades) and a feedback zip beside it for one LMS."""

    lms = ""

    def export(self, gradebook: Gradebook) -> None:
        coursedir = CourseDirectory(parent=self)
        assignments = self.assignment or [a.name for a in gradebook.assignments]
        if len(assignments) != 1:
            raise ValueError(
                f"The {self.lms} export takes one assignment (--assignment); "
                f"the gradebook has {', '.join(assignments) or 'none'}."
            )
        grades = lms_grades(gradebook, coursedir, assignments[0], self.lms)
        if self.student:
            grades = [grade for grade in grades if grade.student in self.student]
        destination = Path(self.to or f"{self.lms}_grades.csv")
        with open(destination, "w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(self.header(assignments[0]))
            writer.writerows(self.row(grade) for grade in grades)
        pages = destination.with_name(f"{self.lms}_feedback.zip")
        with zipfile.ZipFile(pages, "w", zipfile.ZIP_DEFLATED) as archive:
            for grade in grades:
                for notebook, page in grade.feedback.items():
                    archive.write(page, self.page_name(grade, notebook))
        self.log.info("Wrote %s and %s", destination, pages)


class CanvasExport(_LmsExport):
    """canvas_grades.csv and canvas_feedback.zip (see the module docstring)."""

    lms = "canvas"
    column = Unicode(
        "",
        help="The assignment's column exactly as Canvas's own gradebook export "
        "titles it, e.g. 'Style transfer (123456)', so the import fills that "
        "assignment; empty: the assignment id, which Canvas imports as a new "
        "assignment.",
    ).tag(config=True)

    def header(self, assignment: str) -> list[str]:
        return [
            "Student",
            "ID",
            "SIS User ID",
            "SIS Login ID",
            "Section",
            self.column or assignment,
        ]

    def row(self, grade: LmsGrade) -> list[str]:
        record = grade.record
        return [record["name"], record["lms_id"], "", "", "", f"{grade.score:g}"]

    def page_name(self, grade: LmsGrade, notebook: str) -> str:
        """The page named like the file it answers: Canvas reads the user id
        and the attachment id (the student's own first file when this
        notebook came under no file of theirs)."""
        record = grade.record
        files = record["files"]
        answered = files.get(notebook) or next(iter(files.values()), {})
        attachment = answered.get("attachment_id") or "0"
        late = "LATE_" if record["late"] else ""
        return f"{record['name']}_{late}{record['lms_id']}_{attachment}_{notebook}.html"


class MoodleExport(_LmsExport):
    """moodle_grades.csv and moodle_feedback.zip (see the module docstring)."""

    lms = "moodle"

    def header(self, assignment: str) -> list[str]:
        return [
            "Identifier",
            "Full name",
            "Email address",
            "Status",
            "Grade",
            "Maximum Grade",
            "Grade can be changed",
            "Last modified (submission)",
            "Last modified (grade)",
            "Feedback comments",
        ]

    def row(self, grade: LmsGrade) -> list[str]:
        record = grade.record
        late = f", less {grade.penalty:g} for lateness" if grade.penalty else ""
        return [
            f"Participant {record['lms_id']}",
            record["name"],
            "",
            "",
            f"{grade.score:.2f}",
            f"{grade.max_score:.2f}",
            "Yes",
            "",
            # Moodle skips a row whose grade changed in Moodle after this
            # time (read with PHP's strtotime): now, with its offset
            datetime.now(UTC).isoformat(timespec="seconds"),
            f"Autograded: {grade.score:g} of {grade.max_score:g}{late}. "
            "Your feedback pages show each test.",
        ]

    def page_name(self, grade: LmsGrade, notebook: str) -> str:
        record = grade.record
        return (
            f"{record['name']}_{record['lms_id']}_assignsubmission_file_{notebook}.html"
        )


EXPORTS = {"canvas": CanvasExport, "moodle": MoodleExport}
"""{the LMS `make collect` read a student from: its export plugin}."""
