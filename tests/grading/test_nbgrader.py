"""Grading with the real nbgrader, three ways: the instructor's solutions score
full marks, the untouched student version scores zero without crashing, and
one deliberately wrong function loses exactly that function's points."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from tests.conftest import REPO

ASSIGNMENT = "style_transfer"
NOTEBOOKS = sorted(path.stem for path in (REPO / "notebooks").glob("*.ipynb"))
WRONG_NOTEBOOK, WRONG_CELL = "02_content_loss", "content_loss"
WRONG_ANSWER = '''def content_loss(generated, content):
    """Forgets the 1/2 of Eq. 1."""
    return tf.reduce_sum(tf.square(tf.cast(generated, tf.float32) - content))
'''


def nbgrader(course: Path, *arguments: str) -> str:
    completed = subprocess.run(
        [sys.executable, "-m", "nbgrader", *arguments],
        cwd=course,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
        # nbgrader runs the `alembic` command, which lives beside this Python
        env={
            **os.environ,
            "PYTHONPATH": str(REPO),
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        },
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stdout + completed.stderr


def cells(notebook_path: Path):
    return nbformat.read(notebook_path, as_version=4).cells


def nbgrader_meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course folder with the repository's config and notebooks, released."""
    root = tmp_path_factory.mktemp("course")
    shutil.copy(REPO / "nbgrader_config.py", root)
    (root / "source").mkdir()
    (root / "source" / ASSIGNMENT).symlink_to(REPO / "notebooks")
    nbgrader(root, "generate_assignment", ASSIGNMENT)
    return root


@pytest.fixture(scope="module")
def graded(course):
    """Autograde three submissions and return {student: {notebook: (score, max)}}."""
    release = course / "release" / ASSIGNMENT
    submissions = {
        "instructor": REPO / "notebooks",
        "stub": release,
        "wrong": REPO / "notebooks",
    }
    for student, folder in submissions.items():
        target = course / "submitted" / student / ASSIGNMENT
        shutil.copytree(folder, target, ignore=shutil.ignore_patterns("outputs"))
    wrong = target / f"{WRONG_NOTEBOOK}.ipynb"
    notebook = nbformat.read(wrong, as_version=4)
    for cell in notebook.cells:
        if nbgrader_meta(cell).get("grade_id") == WRONG_CELL:
            cell.source = WRONG_ANSWER
    nbformat.write(notebook, wrong)
    nbgrader(course, "autograde", ASSIGNMENT)
    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student in submissions:
            scores[student] = {}
            for name in NOTEBOOKS:
                submitted = gradebook.find_submission_notebook(
                    name, ASSIGNMENT, student
                )
                cell_scores = {grade.name: grade.score for grade in submitted.grades}
                scores[student][name] = (
                    submitted.score,
                    submitted.max_score,
                    cell_scores,
                )
    return scores


def test_source_link_points_at_the_notebooks():
    link = REPO / "source" / ASSIGNMENT
    assert link.is_symlink() and link.resolve() == (REPO / "notebooks").resolve()


def test_release_has_no_solutions_and_no_hidden_tests(course):
    release = course / "release" / ASSIGNMENT
    assert sorted(path.stem for path in release.glob("*.ipynb")) == NOTEBOOKS
    for name in NOTEBOOKS:
        source_cells = cells(REPO / "notebooks" / f"{name}.ipynb")
        text = (release / f"{name}.ipynb").read_text()
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS"):
            assert marker not in text, f"{name}: '{marker}' left in the student version"
        for cell in source_cells:
            for hidden in _between(
                cell.source, "### BEGIN SOLUTION", "### END SOLUTION"
            ):
                assert json.dumps(hidden)[1:-1] not in text, f"{name}: solution leaked"
            for hidden in _between(
                cell.source, "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
            ):
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


def test_instructor_solutions_score_full_marks(graded):
    for name, (score, max_score, cell_scores) in graded["instructor"].items():
        assert score == max_score, f"{name}: {cell_scores}"


def test_student_version_scores_zero_and_is_still_graded(graded, course):
    for name, (score, _, cell_scores) in graded["stub"].items():
        assert score == 0, f"{name}: {cell_scores}"
        assert all(value == 0 for value in cell_scores.values())
        assert (course / "autograded" / "stub" / ASSIGNMENT / f"{name}.ipynb").exists()


def test_one_wrong_function_loses_exactly_its_points(graded, course):
    for name, (score, max_score, cell_scores) in graded["wrong"].items():
        if name != WRONG_NOTEBOOK:
            assert score == max_score, f"{name}: {cell_scores}"
            continue
        lost = {cell: value for cell, value in cell_scores.items() if value == 0}
        assert set(lost) == {
            "content_loss_worked_examples",
            "content_loss_matches_reference",
        }, cell_scores
        assert score == max_score - 3
    feedback = course / "autograded" / "wrong" / ASSIGNMENT / f"{WRONG_NOTEBOOK}.ipynb"
    worked = next(
        cell
        for cell in cells(feedback)
        if nbgrader_meta(cell).get("grade_id") == "content_loss_worked_examples"
    )
    shown = "".join(output.get("evalue", "") for output in worked.outputs)
    assert "Did you forget the 1/2" in shown, shown
