"""grades.csv: one row per student, a column per notebook, and the problems.

`nbgrader export` writes it through `GradesCsv` (registered in
`nbgrader_config.py`); `make grade` runs that command and prints the same
rows as its summary. A student with a broken or missing notebook is in the
file like everyone else, with the reason in the `problems` column.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.coursedir import CourseDirectory
from nbgrader.plugins import ExportPlugin

from course_utils.grading import intake, problems


@dataclass
class StudentRow:
    """One student's grades for one assignment."""

    student: str
    scores: dict = field(default_factory=dict)  # {notebook: (score, max score)}
    problems: list = field(default_factory=list)  # [(notebook, Problem)]

    @property
    def total(self) -> float:
        return sum(score for score, _ in self.scores.values())

    @property
    def max_total(self) -> float:
        return sum(maximum for _, maximum in self.scores.values())


def class_rows(gradebook: Gradebook, coursedir: CourseDirectory, assignment: str):
    """Return ([graded notebook names], [StudentRow]) for every student; a
    student's problems include what `make collect` noted at intake."""
    notes = intake.read_intake(intake.record_path(coursedir.root, assignment)).notes
    maxima = {
        n.name: n.max_score for n in gradebook.find_assignment(assignment).notebooks
    }
    notebooks = [name for name, maximum in maxima.items() if maximum > 0]
    rows = []
    for student in sorted(s.id for s in gradebook.students):
        row = StudentRow(student)
        for name in notebooks:
            try:
                submitted = gradebook.find_submission_notebook(
                    name, assignment, student
                )
                row.scores[name] = (submitted.score, submitted.max_score)
            except MissingEntry:
                row.scores[name] = (0.0, maxima[name])
        folder = Path(
            coursedir.format_path(coursedir.submitted_directory, student, assignment)
        )
        if folder.is_dir():
            graded = coursedir.format_path(
                coursedir.autograded_directory, student, assignment
            )
            row.problems = [
                (note["notebook"], problems.Problem("", note["reason"], note["detail"]))
                for note in notes
                if note["student"] == student
            ] + problems.for_student(Path(graded), folder, list(maxima))
        else:
            row.problems = [
                ("", problems.Problem("", problems.MISSING, "Nothing was submitted."))
            ]
        rows.append(row)
    return notebooks, rows


class GradesCsv(ExportPlugin):
    """nbgrader export plugin: grades.csv with a column per notebook."""

    def export(self, gradebook: Gradebook) -> None:
        coursedir = CourseDirectory(parent=self)
        destination = self.to or "grades.csv"
        assignments = self.assignment or [a.name for a in gradebook.assignments]
        with open(destination, "w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            for assignment in assignments:  # a header for each: notebooks differ
                notebooks, rows = class_rows(gradebook, coursedir, assignment)
                writer.writerow(
                    [
                        "assignment",
                        "student_id",
                        *notebooks,
                        "score",
                        "max_score",
                        "problems",
                    ]
                )
                for row in rows:
                    if self.student and row.student not in self.student:
                        continue
                    writer.writerow(
                        [
                            assignment,
                            row.student,
                            *(f"{row.scores[name][0]:g}" for name in notebooks),
                            f"{row.total:g}",
                            f"{row.max_total:g}",
                            "; ".join(_describe(n, p) for n, p in row.problems),
                        ]
                    )
        self.log.info("Wrote %s", destination)


def _describe(notebook: str, problem) -> str:
    where = "/".join(part for part in (notebook, problem.cell) if part)
    return f"{where}: {problem.reason}"
