"""A class that worked on Colab and handed in through Canvas or Moodle, from
the LMS's bulk download through `make collect` and `make grade`: every
student's exact score, every repair listed, and nobody missing."""

import csv
import re
import shutil

import pytest

from tests.conftest import REPO
from tests.grading.classroom import ASSIGNMENT
from tests.grading.lms_class import (
    ATTENTION,
    EXPECTED,
    STUDENTS,
    canvas_zip,
    class_files,
    moodle_zip,
)
from tests.grading.test_nbgrader import new_course, run, scores

CANVAS = {kind: student.canvas for kind, (student, _) in STUDENTS.items()}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """{kind: {uploaded name: bytes}}, from a released course of its own."""
    course = new_course(tmp_path_factory.mktemp("release"))
    return class_files(course / "release" / ASSIGNMENT, REPO / "notebooks")


@pytest.fixture(scope="module")
def canvas_class(tmp_path_factory, files):
    """The Canvas download collected and graded: (course, collect, grade)."""
    course = new_course(tmp_path_factory.mktemp("canvas"))
    download = canvas_zip(course.parent / "submissions.zip", files)
    collected = run(course, "course_utils.grading.collect", str(download))
    graded = run(course, "course_utils.grading", "--workers", "2", check=False)
    return course, collected, graded


def test_collect_places_every_student_and_lists_what_it_could_not(canvas_class):
    course, collected, _ = canvas_class
    assert "Collected submissions.zip: 7 students" in collected.stdout
    for kind, student in CANVAS.items():
        assert (course / "submitted" / student / ASSIGNMENT).is_dir(), kind
    assert re.search(
        r"pdfpeg_106_\d+_style transfer.pdf: not a notebook", collected.stdout
    ), collected.stdout
    assert "latelou (canvas id 105, LATE)" in collected.stdout


def test_every_notebook_of_every_student_scores_exactly_as_expected(canvas_class):
    course, _, graded = canvas_class
    assert graded.returncode == 0, graded.stdout + graded.stderr
    found = scores(course, CANVAS.values())
    assert found == {CANVAS[kind]: expected for kind, expected in EXPECTED.items()}


def test_needs_attention_lists_every_repair_and_nothing_else(canvas_class):
    _, _, graded = canvas_class
    section = graded.stdout.split("Needs attention")[1].split("\n\n")[0]
    listed = set()
    for line in section.splitlines()[1:]:
        match = re.fullmatch(r"  (\S+)  (\S+?)(?:, (\S+))?: (.+?)(?: \(.*\))?", line)
        assert match, line
        listed.add((match[1], match[2], match[3] or "", match[4]))
    expected = {(CANVAS[kind], *rest) for kind, *rest in ATTENTION}
    assert listed == expected
    assert "Files make collect could not place (1):" in graded.stdout


def test_grades_csv_holds_every_student(canvas_class):
    course, _, _ = canvas_class
    with open(course / "grades.csv", newline="") as file:
        rows = {row["student_id"]: row for row in csv.DictReader(file)}
    assert set(rows) == set(CANVAS.values())
    for kind, expected in EXPECTED.items():
        assert float(rows[CANVAS[kind]]["score"]) == sum(expected.values())


def test_a_moodle_download_of_the_same_class_lays_out_the_same_notebooks(
    tmp_path, files, canvas_class
):
    canvas_course = canvas_class[0]
    (tmp_path / "moodle").mkdir()
    course = new_course(tmp_path / "moodle")
    download = moodle_zip(tmp_path / "moodle.zip", files)
    collected = run(course, "course_utils.grading.collect", str(download))
    assert "7 students" in collected.stdout
    for kind, (student, _) in STUDENTS.items():
        mine = course / "submitted" / student.moodle / ASSIGNMENT
        theirs = canvas_course / "submitted" / student.canvas / ASSIGNMENT
        assert sorted(p.name for p in mine.iterdir()) == sorted(
            p.name for p in theirs.iterdir()
        ), kind
        for path in mine.glob("*.ipynb"):
            assert path.read_bytes() == (theirs / path.name).read_bytes(), path


def test_collect_without_a_release_or_with_a_bad_file_says_what_to_do(tmp_path):
    shutil.copy(REPO / "nbgrader_config.py", tmp_path)
    completed = run(
        tmp_path, "course_utils.grading.collect", "nothing.zip", check=False
    )
    assert completed.returncode == 2
    assert "make release" in completed.stderr
