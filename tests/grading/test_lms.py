"""A class that worked on Colab and handed in through Canvas or Moodle, from
the LMS's bulk download through `make collect` and `make grade`: every
student's exact score, every repair listed, and nobody missing."""

import csv
import re
import shutil
import zipfile
from datetime import datetime

import pytest
from nbgrader.api import Gradebook

from tests.conftest import REPO
from tests.grading.classroom import ASSIGNMENT, FULL
from tests.grading.lms_class import (
    ATTENTION,
    EXPECTED,
    STUDENTS,
    canvas_zip,
    class_files,
    moodle_zip,
)
from tests.grading.test_nbgrader import new_course, run, scores

# Grades a whole class: in `make test-all`, not the fast lane.
pytestmark = pytest.mark.slow

CANVAS = {kind: student.canvas for kind, (student, _) in STUDENTS.items()}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """{kind: {uploaded name: bytes}}, from a released course of its own."""
    course = new_course(tmp_path_factory.mktemp("release"))
    return class_files(course / "release" / ASSIGNMENT, REPO / "notebooks")


DUE = datetime(2026, 11, 30, 17, 0)
PER_DAY = 10.0  # percent


def with_late_policy(course):
    """A due date in the gradebook, and 10 % off per day late."""
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        gradebook.update_or_create_assignment(ASSIGNMENT, duedate=DUE)
    with open(course / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.PercentPerDay.percent_per_day = {PER_DAY}\n")
    return course


@pytest.fixture(scope="module")
def canvas_class(tmp_path_factory, files):
    """The Canvas download collected and graded: (course, collect, grade)."""
    course = with_late_policy(new_course(tmp_path_factory.mktemp("canvas")))
    download = canvas_zip(course.parent / "submissions.zip", files)
    collected = run(course, "course_utils.grading.collect", str(download))
    graded = run(course, "course_utils.grading", "--workers", "2", check=False)
    return course, collected, graded


def needs_attention(stdout: str) -> set:
    """{(student, notebook, cell or "", reason)} of `make grade`'s
    needs-attention list."""
    section = stdout.split("Needs attention")[1].split("\n\n")[0]
    listed = set()
    for line in section.splitlines()[1:]:
        match = re.fullmatch(r"  (\S+)  (\S+?)(?:, (\S+))?: (.+?)(?: \(.*\))?", line)
        assert match, line
        listed.add((match[1], match[2], match[3] or "", match[4]))
    return listed


def test_collect_places_every_student_and_lists_what_it_could_not(canvas_class):
    course, collected, _ = canvas_class
    assert f"Collected submissions.zip: {len(STUDENTS)} students" in collected.stdout
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
    listed = needs_attention(graded.stdout)
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


def test_canvas_gets_grades_less_the_late_penalty_keyed_by_its_user_ids(canvas_class):
    course, collected, _ = canvas_class
    assert "Marked LATE (1): counted as handed in 2026-12-01 17:00:00" in (
        collected.stdout
    )
    with open(course / "canvas_grades.csv", newline="") as file:
        rows = list(csv.reader(file))
    assert rows[0] == [
        "Student",
        "ID",
        "SIS User ID",
        "SIS Login ID",
        "Section",
        ASSIGNMENT,
    ]
    found = {row[1]: float(row[5]) for row in rows[1:]}
    total = sum(FULL.values())
    assert found == {
        str(student.canvas_id): sum(EXPECTED[kind].values())
        - (PER_DAY / 100 * total if student.late else 0)
        for kind, (student, _) in STUDENTS.items()
    }


def canvas_reupload_ids(name: str) -> tuple[str, str]:
    """(user id, attachment id) as Canvas's "Re-upload submissions" reads a
    file name: its first two all-digit parts, LATE aside."""
    numbers = [part for part in name.split("_") if part != "LATE" and part.isdigit()]
    return numbers[0], numbers[1]


def test_canvas_feedback_pages_are_named_for_the_files_they_answer(canvas_class):
    course, _, _ = canvas_class
    with zipfile.ZipFile(course.parent / "submissions.zip") as download:
        handed_in = {canvas_reupload_ids(name) for name in download.namelist()}
    with zipfile.ZipFile(course / "canvas_feedback.zip") as pages:
        names = pages.namelist()
    for kind, (student, _) in STUDENTS.items():
        feedback = course / "feedback" / student.canvas / ASSIGNMENT
        mine = [n for n in names if canvas_reupload_ids(n)[0] == str(student.canvas_id)]
        assert len(mine) == len(list(feedback.glob("*.html"))), kind
        for name in mine:
            assert canvas_reupload_ids(name) in handed_in, name
            assert name.endswith(".html")


MOODLE_KINDS = ("colab_perfect", "late_one", "rebinder", "pdf_only")


@pytest.fixture(scope="module")
def moodle_class(tmp_path_factory, files):
    """Four students of the class, from Moodle, collected and graded."""
    course = with_late_policy(new_course(tmp_path_factory.mktemp("moodle")))
    some = {kind: files[kind] for kind in MOODLE_KINDS}
    download = moodle_zip(course.parent / "moodle.zip", some)
    run(course, "course_utils.grading.collect", str(download))
    run(course, "course_utils.grading", "--workers", "2")
    return course


def test_moodle_gets_its_grading_worksheet_and_feedback_zip(moodle_class):
    course = moodle_class
    with open(course / "moodle_grades.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    assert list(rows[0])[:5] == [
        "Identifier",
        "Full name",
        "Email address",
        "Status",
        "Grade",
    ]
    assert {"Maximum Grade", "Last modified (grade)", "Feedback comments"} <= set(
        rows[0]
    )
    students = {kind: STUDENTS[kind][0] for kind in MOODLE_KINDS}
    assert {row["Identifier"]: row["Grade"] for row in rows} == {
        f"Participant {s.moodle_id}": f"{sum(EXPECTED[kind].values()):.2f}"
        for kind, s in students.items()  # Moodle's names say nothing of lateness
    }
    for row in rows:
        assert datetime.fromisoformat(row["Last modified (grade)"]).tzinfo
    with zipfile.ZipFile(course / "moodle_feedback.zip") as pages:
        names = pages.namelist()
    for kind, student in students.items():
        # Moodle's importziplib: name_participant_plugintype_pluginname_file
        mine = [n for n in names if n.split("_", 4)[1] == str(student.moodle_id)]
        feedback = course / "feedback" / student.moodle / ASSIGNMENT
        assert len(mine) == len(list(feedback.glob("*.html"))), kind
        for name in mine:
            assert name.split("_", 4)[2:4] == ["assignsubmission", "file"]


def test_a_moodle_download_of_the_same_class_lays_out_the_same_notebooks(
    tmp_path, files, canvas_class
):
    canvas_course = canvas_class[0]
    (tmp_path / "moodle").mkdir()
    course = new_course(tmp_path / "moodle")
    download = moodle_zip(tmp_path / "moodle.zip", files)
    collected = run(course, "course_utils.grading.collect", str(download))
    assert f"{len(STUDENTS)} students" in collected.stdout
    for kind, (student, _) in STUDENTS.items():
        mine = course / "submitted" / student.moodle / ASSIGNMENT
        theirs = canvas_course / "submitted" / student.canvas / ASSIGNMENT
        # the same notebooks; Canvas's LATE file also has its timestamp.txt
        assert sorted(p.name for p in mine.glob("*.ipynb")) == sorted(
            p.name for p in theirs.glob("*.ipynb")
        ), kind
        assert (theirs / "timestamp.txt").exists() == student.late, kind
        for path in mine.glob("*.ipynb"):
            assert path.read_bytes() == (theirs / path.name).read_bytes(), path


def test_collect_without_a_release_or_with_a_bad_file_says_what_to_do(tmp_path):
    shutil.copy(REPO / "nbgrader_config.py", tmp_path)
    completed = run(
        tmp_path, "course_utils.grading.collect", "nothing.zip", check=False
    )
    assert completed.returncode == 2
    assert "make release" in completed.stderr
