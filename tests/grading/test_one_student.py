"""One student of the Canvas class, from the LMS's download to the grades
Canvas takes back, in the fast lane: `make collect` (collect, intake), then
`make grade` (run, unit, repair, submission, preprocessors, execute, genuine,
dependencies, export, lms). The whole classes run in `make test-all`
(test_lms.py, test_nbgrader.py)."""

import csv

from tests.conftest import REPO
from tests.grading.classroom import ASSIGNMENT
from tests.grading.lms_class import (
    ATTENTION,
    EXPECTED,
    STUDENTS,
    canvas_zip,
    class_files,
)
from tests.grading.test_lms import needs_attention
from tests.grading.test_nbgrader import new_course, run, scores

KIND = "lost_metadata"  # Colab-saved, renamed, its nbgrader metadata stripped


def test_one_canvas_student_is_collected_graded_and_exported_exactly(tmp_path):
    (tmp_path / "course").mkdir()
    course = new_course(tmp_path / "course")
    files = class_files(course / "release" / ASSIGNMENT, REPO / "notebooks")
    download = canvas_zip(tmp_path / "submissions.zip", {KIND: files[KIND]})
    run(course, "course_utils.grading.collect", str(download))
    student = STUDENTS[KIND][0]
    assert (course / "submitted" / student.canvas / ASSIGNMENT).is_dir()

    graded = run(course, "course_utils.grading", "--workers", "1")
    assert scores(course, [student.canvas]) == {student.canvas: EXPECTED[KIND]}
    listed = needs_attention(graded.stdout)
    assert listed == {
        (student.canvas, notebook, cell, reason)
        for kind, notebook, cell, reason in ATTENTION
        if kind == KIND
    }
    with open(course / "canvas_grades.csv", newline="") as file:
        rows = list(csv.reader(file))
    assert [row[1] for row in rows[1:]] == [str(student.canvas_id)]
    assert float(rows[1][5]) == sum(EXPECTED[KIND].values())
