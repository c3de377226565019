"""The grading preprocessors on one notebook (with a small gradebook where
they need one); the whole class runs in test_nbgrader.py with the real
nbgrader."""

import base64

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output
from nbgrader.api import Gradebook

from course_utils.grading import problems
from course_utils.grading.preprocessors import (
    CheckTestCells,
    HideHiddenTests,
    LimitImages,
    ReportProblems,
    released,
)

HIDDEN = '''"""content_loss agrees with Eq. 1."""
### BEGIN HIDDEN TESTS
rng = secret_seed(2024)
assert False, "Eq. 1 gives 8.5; got 17"
### END HIDDEN TESTS'''


def failing(source, message="Eq. 1 gives 8.5; got 17"):
    traceback = [
        f"Cell In[3], line 3\n----> 3 {source.splitlines()[2]}",
        f"AssertionError: {message}",
    ]
    return new_code_cell(
        source,
        metadata={"nbgrader": {"grade": True, "grade_id": "t", "points": 2}},
        outputs=[
            new_output(
                "error", ename="AssertionError", evalue=message, traceback=traceback
            )
        ],
    )


def test_released_drops_the_hidden_region_only():
    assert released(HIDDEN).strip() == '"""content_loss agrees with Eq. 1."""'


def test_feedback_keeps_the_message_and_hides_the_hidden_source():
    nb = new_notebook(cells=[failing(HIDDEN)])
    HideHiddenTests().preprocess(nb, {})
    text = nbformat.writes(nb)
    assert "secret_seed" not in text
    assert "Eq. 1 gives 8.5; got 17" in text
    assert nb.cells[0].outputs[0].traceback == [
        "AssertionError: Eq. 1 gives 8.5; got 17"
    ]
    assert "hidden tests: not shown" in nb.cells[0].source


def test_feedback_leaves_visible_tests_alone():
    visible = '"""visible"""\nassert f(1) == 2, "f(1) is 2"'
    nb = new_notebook(cells=[failing(visible + "\nx = 1", "f(1) is 2")])
    before = nbformat.writes(nb)
    HideHiddenTests().preprocess(nb, {})
    assert nbformat.writes(nb) == before


def image_output(kilobytes):
    data = base64.b64encode(
        b"x" * kilobytes * 768
    ).decode()  # about `kilobytes` KB of text
    return new_output(
        "display_data", data={"image/png": data, "text/plain": "<Figure>"}
    )


def test_images_over_the_budget_are_replaced_by_a_note():
    nb = new_notebook(
        cells=[
            new_code_cell(
                "plot()",
                outputs=[image_output(50), image_output(400), image_output(50)],
            )
        ]
    )
    LimitImages(max_output_kb=300, max_total_kb=80).preprocess(nb, {})
    kept = [output.data for output in nb.cells[0].outputs]
    assert "image/png" in kept[0]
    assert "image/png" not in kept[1]
    assert "400 KB removed" in kept[1]["text/plain"]
    assert "image/png" not in kept[2]  # past the 80 KB in all


def test_a_reference_call_is_recorded_against_its_exercise():
    solution = new_code_cell(
        "def f(): ...",
        metadata={
            "nbgrader": {"solution": True, "grade": False, "grade_id": "content_loss"}
        },
    )
    test = failing(HIDDEN)
    test.outputs = [
        new_output(
            "error",
            ename="ReferenceImplementationUsed",
            evalue="Your content_loss uses it",
            traceback=[],
        )
    ]
    nb = new_notebook(cells=[solution, test])
    ReportProblems().preprocess(nb, {})
    assert problems.recorded(nb) == [
        problems.Problem(
            "content_loss", problems.USES_REFERENCE, "Your content_loss uses it"
        )
    ]


SIZES = (
    "SIZE, ITERATIONS, WEIGHTS = sizes.while_grading(\n"
    "    SIZE=SIZE, ITERATIONS=ITERATIONS, WEIGHTS=WEIGHTS\n)"
)


def _gradebook(tmp_path) -> dict:
    """A gradebook holding one notebook: a read-only grading-sizes cell, a
    solution cell and its test, as `nbgrader generate_assignment` stores them."""
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(url) as gradebook:
        gradebook.add_assignment("a")
        gradebook.add_notebook("n", "a")
        gradebook.add_grade_cell("t", "n", "a", max_score=1, cell_type="code")
        gradebook.add_solution_cell("s", "n", "a")
        for name, source, locked in [
            ("grading_sizes", SIZES, True),
            ("s", "def f():\n    raise NotImplementedError", False),
            ("t", "assert f() == 1, 'f() gives 1'", True),
        ]:
            gradebook.add_source_cell(
                name, "n", "a", cell_type="code", locked=locked, source=source
            )
    return {"nbgrader": {"db_url": url, "notebook": "n", "assignment": "a"}}


def _submitted(*names):
    sources = {"grading_sizes": SIZES, "s": "def f():\n    return 1", "t": "x"}
    return new_notebook(
        cells=[
            new_code_cell(sources[name], metadata={"nbgrader": {"grade_id": name}})
            for name in names
        ]
    )


def test_a_deleted_read_only_cell_is_put_back_where_it_was_and_listed(tmp_path):
    resources = _gradebook(tmp_path)
    nb, _ = CheckTestCells().preprocess(_submitted("s", "t"), resources)
    assert [cell.metadata.nbgrader["grade_id"] for cell in nb.cells] == [
        "grading_sizes",
        "s",
        "t",
    ]
    assert nb.cells[0].source == SIZES
    assert nb.cells[0].metadata.nbgrader["locked"] is True
    assert {(p.cell, p.reason) for p in problems.recorded(nb)} == {
        ("grading_sizes", problems.LOCKED_DELETED),
        ("t", problems.TEST_CHANGED),
    }


def test_a_changed_read_only_cell_is_listed_and_an_untouched_one_is_not(tmp_path):
    resources = _gradebook(tmp_path)
    nb = _submitted("grading_sizes", "s", "t")
    nb.cells[2].source = "assert f() == 1, 'f() gives 1'"
    assert problems.recorded(CheckTestCells().preprocess(nb, resources)[0]) == []
    nb.cells[0].source = "SIZE, ITERATIONS, WEIGHTS = 1024, 5000, 'imagenet'"
    nb, _ = CheckTestCells().preprocess(nb, resources)
    assert [(p.cell, p.reason) for p in problems.recorded(nb)] == [
        ("grading_sizes", problems.LOCKED_CHANGED)
    ]
