"""Grading a class with the real nbgrader and `python -m course_utils.grading`
(what `make grade` runs), on the synthetic class of `classroom`: every
notebook of every student gets exactly its expected score, every problem is
listed, and nobody is left out of grades.csv or the feedback."""

import csv
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from course_utils.grading.execute import NOT_RUN
from course_utils.grading.unit import nbgrader_environment
from tests.conftest import REPO
from tests.grading.classroom import (
    ASSIGNMENT,
    ATTENTION,
    EXPECTED,
    FULL,
    STUDENTS,
    write_student,
)

# Grades a whole class: in `make test-all`, not the fast lane.
pytestmark = pytest.mark.slow

NOTEBOOKS = sorted(path.stem for path in (REPO / "notebooks").glob("*.ipynb"))
# Every kernel of this suite starts while another runs: give cells room.
TIMEOUT = 20


def run(course: Path, *command: str, check: bool = True) -> subprocess.CompletedProcess:
    completed = subprocess.run(
        [sys.executable, "-m", *command],
        cwd=course,
        capture_output=True,
        text=True,
        timeout=1500,
        check=False,
        # nbgrader runs the `alembic` command, which lives beside this Python
        env={**nbgrader_environment(), "PYTHONPATH": str(REPO)},
    )
    if check:
        assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed


def cells(notebook_path: Path):
    return nbformat.read(notebook_path, as_version=4).cells


def nbgrader_meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def new_course(root: Path) -> Path:
    """A course folder with the repository's config and notebooks, released."""
    shutil.copy(REPO / "nbgrader_config.py", root)
    with open(root / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.GradingExecute.timeout = {TIMEOUT}\n")
    (root / "source").mkdir()
    (root / "source" / ASSIGNMENT).symlink_to(REPO / "notebooks")
    run(root, "nbgrader", "generate_assignment", ASSIGNMENT)
    return root


def add_students(course: Path, *kinds: str) -> None:
    release = course / "release" / ASSIGNMENT
    for kind in kinds:
        write_student(course, kind, kind, release, REPO / "notebooks")


def scores(course: Path, students) -> dict:
    """{student: {notebook: score}} of the graded notebooks, from the gradebook."""
    found = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student in students:
            found[student] = {}
            for name in NOTEBOOKS:
                submitted = gradebook.find_submission_notebook(
                    name, ASSIGNMENT, student
                )
                if submitted.max_score > 0:
                    found[student][name] = submitted.score
    return found


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return new_course(tmp_path_factory.mktemp("course"))


@pytest.fixture(scope="module")
def graded(course):
    """The whole class graded by `python -m course_utils.grading` on 2 workers."""
    add_students(course, *STUDENTS)
    return run(course, "course_utils.grading", "--workers", "2", check=False)


def test_source_link_points_at_the_notebooks():
    link = REPO / "source" / ASSIGNMENT
    assert link.is_symlink() and link.resolve() == (REPO / "notebooks").resolve()


def test_release_has_no_solutions_and_no_hidden_tests(course):
    release = course / "release" / ASSIGNMENT
    assert sorted(path.stem for path in release.glob("*.ipynb")) == NOTEBOOKS
    for name in NOTEBOOKS:
        source_cells = cells(REPO / "notebooks" / f"{name}.ipynb")
        text = (release / f"{name}.ipynb").read_text()
        # lines that are also written in the open (e.g. `with exercises...`)
        public = {line for c in source_cells for line in _outside(c.source)}
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS"):
            assert marker not in text, f"{name}: '{marker}' left in the student version"
        for cell in source_cells:
            for hidden in _between(
                cell.source, "### BEGIN SOLUTION", "### END SOLUTION"
            ):
                if hidden not in public:
                    assert json.dumps(hidden)[1:-1] not in text, (
                        f"{name}: solution leaked"
                    )
            for hidden in _between(
                cell.source, "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
            ):
                if hidden not in public:
                    assert json.dumps(hidden)[1:-1] not in text, (
                        f"{name}: hidden test leaked"
                    )
        stubs = [
            c
            for c in cells(release / f"{name}.ipynb")
            if nbgrader_meta(c).get("solution")
        ]
        for stub in stubs:
            assert "raise NotImplementedError()" in stub.source
            assert "# YOUR CODE HERE" in stub.source


def _outside(source: str) -> list[str]:
    """Lines outside every solution and hidden-test region."""
    lines, inside = [], False
    for line in source.splitlines():
        if line.strip() in ("### BEGIN SOLUTION", "### BEGIN HIDDEN TESTS"):
            inside = True
        elif line.strip() in ("### END SOLUTION", "### END HIDDEN TESTS"):
            inside = False
        elif not inside:
            lines.append(line)
    return lines


def _between(source: str, start: str, end: str) -> list[str]:
    """Non-trivial lines between the markers (lines a student could not guess)."""
    lines, inside = [], False
    for line in source.splitlines():
        if line.strip() == start:
            inside = True
        elif line.strip() == end:
            inside = False
        elif inside and len(line.strip()) > 12 and not line.strip().startswith("#"):
            lines.append(line)
    return lines


def test_grading_the_class_exits_zero_and_reports_its_pace(graded):
    assert graded.returncode == 0, graded.stdout + graded.stderr
    assert re.search(r"9 students in \d+ s", graded.stdout), graded.stdout


def test_every_notebook_of_every_student_scores_exactly_as_expected(graded, course):
    assert scores(course, STUDENTS) == EXPECTED


def test_needs_attention_lists_every_problem_and_nothing_else(graded):
    listed = set()
    lines = graded.stdout.split("Needs attention")[1].splitlines()[1:]
    for line in lines:
        match = re.fullmatch(r"  (\S+)  (\S+?)(?:, (\S+))?: (.+)", line)
        if match:
            listed.add((match[1], match[2], match[3] or "", match[4]))
    assert listed == ATTENTION


def test_summary_table_shows_each_student_once_with_totals(graded):
    for student, expected in EXPECTED.items():
        rows = [
            line
            for line in graded.stdout.splitlines()
            if line.startswith(f"{student} ")
        ]
        assert len(rows) == 1, graded.stdout
        assert rows[0].split()[-1] == f"{sum(expected.values()):g}/{sum(FULL.values())}"


def test_grades_csv_holds_every_student_with_scores_and_reasons(graded, course):
    with open(course / "grades.csv", newline="") as file:
        rows = {row["student_id"]: row for row in csv.DictReader(file)}
    assert set(rows) == set(STUDENTS)
    for student, expected in EXPECTED.items():
        row = rows[student]
        assert {name: float(row[name]) for name in expected} == expected
        assert float(row["score"]) == sum(expected.values())
        reasons = {reason for who, _, _, reason in ATTENTION if who == student}
        for reason in reasons:
            assert reason in row["problems"], (student, row["problems"])
        if not reasons:
            assert row["problems"] == ""


def test_every_student_gets_feedback_for_every_notebook_they_handed_in(graded, course):
    for student in STUDENTS:
        submitted = {
            p.stem
            for p in (course / "submitted" / student / ASSIGNMENT).glob("*.ipynb")
        }
        feedback = {
            p.stem for p in (course / "feedback" / student / ASSIGNMENT).glob("*.html")
        }
        assert feedback == submitted, student


def test_feedback_shows_hidden_tests_messages_but_not_their_source(graded, course):
    html = (
        course / "feedback" / "classic_bugs" / ASSIGNMENT / "02_content_loss.html"
    ).read_text()
    assert "Eq. 1 gives" in html  # the hidden test's failure message
    assert "default_rng(2024)" not in html  # its source
    assert "Did you forget the 1/2" in html  # the visible test's message


SAFE_TO_RUN_HERE = ("perfect", "blank", "classic_bugs", "tampered", "reference_caller")
"""Students whose code may run inside this test process (no kernel killers)."""


def test_before_you_hand_in_agrees_with_the_graded_visible_tests(graded, course):
    """The hand-in cell's verdict, run on a student's submitted code, is
    *passed* exactly where grading passed that exercise's visible test; the
    hand-in cell itself is not run while grading."""
    from course_utils.grading import exercises

    compared = 0
    for student in SAFE_TO_RUN_HERE:
        for name in NOTEBOOKS:
            submitted = course / "submitted" / student / ASSIGNMENT / f"{name}.ipynb"
            graded_cells = cells(
                course / "autograded" / student / ASSIGNMENT / f"{name}.ipynb"
            )
            namespace = {}
            for cell in cells(submitted):
                if cell.get("id") == "setup" or nbgrader_meta(cell).get("solution"):
                    exec(cell.source, namespace)
            for exercise in exercises.EXERCISES:
                visible = [
                    c
                    for c in graded_cells
                    if f"worked_examples.{exercise}(" in c.source
                    and nbgrader_meta(c).get("grade")
                ]
                if not visible:
                    continue
                passed = not any(o.output_type == "error" for o in visible[0].outputs)
                state, detail = exercises.standing(exercise, namespace)
                assert (state == exercises.PASSED) == passed, (
                    student,
                    exercise,
                    state,
                    detail,
                )
                compared += 1
            hand_in = [c for c in graded_cells if "before_you_hand_in" in c.source]
            assert all(
                [o.get("text") for o in c.outputs] == [NOT_RUN] for c in hand_in
            ), (student, name, [c.outputs for c in hand_in])
    assert compared == len(SAFE_TO_RUN_HERE) * len(exercises.EXERCISES)


def test_a_dead_kernel_costs_only_the_cells_that_need_it(graded, course):
    notebook = (
        course / "autograded" / "kernel_killer" / ASSIGNMENT / "02_content_loss.ipynb"
    )
    killer = next(
        c for c in cells(notebook) if nbgrader_meta(c).get("grade_id") == "content_loss"
    )
    assert "kernel died" in json.dumps(killer.outputs)
    assert "os._exit(1)" in killer.source  # the student's code is kept


def test_an_endless_loop_is_stopped_with_a_clear_message(graded, course):
    notebook = (
        course
        / "autograded"
        / "endless_loop"
        / ASSIGNMENT
        / "03_gram_matrix_and_style_loss.ipynb"
    )
    test = next(
        c
        for c in cells(notebook)
        if nbgrader_meta(c).get("grade_id") == "gram_matrix_worked_example"
    )
    assert f"ran longer than {TIMEOUT} s" in json.dumps(test.outputs)
    notebook = notebook.with_name("07_beyond_the_report.ipynb")
    stuck = next(
        c
        for c in cells(notebook)
        if nbgrader_meta(c).get("grade_id") == "combine_luminance_worked_example"
    )
    assert "did not stop when interrupted" in json.dumps(stuck.outputs)


def test_huge_parameters_still_grade_tiny_and_leave_no_files(graded, course):
    folder = course / "autograded" / "huge_parameters" / ASSIGNMENT
    assert not (folder / "outputs").exists()
    sizes_cell = next(
        c
        for c in cells(folder / "04_total_loss_and_optimisation.ipynb")
        if nbgrader_meta(c).get("grade_id") == "grading_sizes"
    )
    assert sizes_cell.outputs[0].text == (
        "Grading (nbgrader autograde): SIZE = 64 px, ITERATIONS = 2, "
        "SNAPSHOT_EVERY = 1, WEIGHTS = None (random VGG19 weights).\n"
    )
    size = sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())
    assert size < 500_000, size
    notebook = folder / "04_total_loss_and_optimisation.ipynb"
    step = next(
        c
        for c in cells(notebook)
        if nbgrader_meta(c).get("grade_id") == "optimisation_step"
    )
    assert step.outputs == [] or "Error" not in json.dumps(step.outputs), step.outputs


SEEN = """\
import contextlib, io, json
with contextlib.redirect_stdout(io.StringIO()) as said:
    sizes.while_grading(SIZE=128)
with open("seen.json", "w") as seen:
    json.dump([SIZE, ITERATIONS, WEIGHTS, said.getvalue()], seen)"""


def test_nbgrader_validate_runs_a_notebook_at_the_grading_sizes(tmp_path):
    """`nbgrader validate` (the Validate button too) runs the notebook with
    NBGRADER_EXECUTION set, so the grading-sizes cell swaps in the tiny sizes:
    the instructor's notebook passes offline, without the ImageNet weights its
    parameters cell asks for. A last cell added here notes what it ran with."""
    nb = nbformat.read(REPO / "notebooks" / "02_content_loss.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(SEEN))
    nbformat.write(nb, tmp_path / "02_content_loss.ipynb")
    completed = run(tmp_path, "nbgrader", "validate", "02_content_loss.ipynb")
    assert "Success! Your notebook passes all the tests." in completed.stdout
    size, iterations, weights, said = json.loads((tmp_path / "seen.json").read_text())
    assert (size, iterations, weights) == (64, 2, None)
    assert said == "Grading (nbgrader validate): SIZE = 64 px.\n"


def test_grading_without_a_release_exits_2_and_says_what_to_do(tmp_path):
    shutil.copy(REPO / "nbgrader_config.py", tmp_path)
    completed = run(tmp_path, "course_utils.grading", check=False)
    assert completed.returncode == 2
    assert "make release" in completed.stderr


def test_nbgrader_itself_and_a_dask_scheduler_get_the_same_protections(tmp_path):
    """Plain `nbgrader autograde` (what the formgrader runs) keeps a student whose
    kernel died; `--scheduler` grades on any Dask cluster."""
    from dask.distributed import LocalCluster

    course = new_course(tmp_path)
    add_students(course, "kernel_killer")
    run(course, "nbgrader", "autograde", ASSIGNMENT)
    assert scores(course, ["kernel_killer"]) == {
        "kernel_killer": EXPECTED["kernel_killer"]
    }
    add_students(course, "broken_files")
    with LocalCluster(
        n_workers=2, threads_per_worker=1, dashboard_address=None
    ) as cluster:
        completed = run(
            course, "course_utils.grading", "--scheduler", cluster.scheduler_address
        )
    assert "on 2 Dask workers" in completed.stdout
    assert scores(course, ["kernel_killer", "broken_files"]) == {
        student: EXPECTED[student] for student in ("kernel_killer", "broken_files")
    }


def test_the_exchange_carries_release_submit_and_collect(tmp_path):
    """What the formgrader's Release and Collect buttons and the students'
    Assignments tab do, through the course's own exchange folder."""
    (tmp_path / "course").mkdir()
    course = new_course(tmp_path / "course")
    student = tmp_path / "student"
    student.mkdir()
    exchange = f"--Exchange.root={course / 'exchange'}"
    run(course, "nbgrader", "release_assignment", ASSIGNMENT)
    for step in ("fetch_assignment", "submit"):
        run(
            student,
            "nbgrader",
            step,
            ASSIGNMENT,
            "--course",
            "style-transfer",
            exchange,
        )
    run(course, "nbgrader", "collect", ASSIGNMENT)
    (collected,) = (course / "submitted").glob(f"*/{ASSIGNMENT}")
    assert sorted(path.stem for path in collected.glob("*.ipynb")) == NOTEBOOKS
    assert (collected / "timestamp.txt").exists()
