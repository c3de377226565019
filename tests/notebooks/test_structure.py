"""Light lints on the committed notebooks: order, badges, set-up and parameters
cells, exercises with tests, clean sources."""

import ast
import re
import subprocess
import tomllib

import nbformat
import pytest

from course_utils.grading import sizes
from tests.conftest import REPO

PATHS = sorted((REPO / "notebooks").glob("*.ipynb"))
REPOSITORY = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["urls"][
    "Repository"
]
GITHUB_PATH = REPOSITORY.removeprefix("https://github.com/")


def load(path):
    return nbformat.read(path, as_version=4)


def code_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def grading(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def test_notebooks_are_numbered_in_order():
    numbers = [int(path.name[:2]) for path in PATHS]
    assert numbers == list(range(1, len(PATHS) + 1))
    assert all(re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name) for path in PATHS)


def make(*arguments):
    return subprocess.run(
        ["make", "--no-print-directory", "-s", *arguments],
        cwd=REPO,
        capture_output=True,
        text=True,
    )


def test_notebooks_are_committed_as_nbstripout_leaves_them():
    done = make("notebooks-check")
    assert done.returncode == 0, f"run `make notebooks-clean`:\n{done.stdout}"
    for path in PATHS:
        notebook = load(path)
        assert notebook.metadata.language_info == {"name": "python"}, path.name
        for cell in notebook.cells:
            assert set(cell.metadata) <= {"nbgrader", "tags"}, path.name
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None


def test_notebooks_clean_strips_a_run_and_keeps_what_nbgrader_needs(tmp_path):
    """A notebook as JupyterLab or papermill saves it after a run becomes the
    committed file again, cell ids and nbgrader metadata included."""
    committed = REPO / "notebooks" / "04_total_loss_and_optimisation.ipynb"
    notebook = load(committed)
    notebook.metadata.language_info.update(version="3.11.9", mimetype="text/x-python")
    notebook.metadata["papermill"] = {"duration": 12.5, "parameters": {"SIZE": 64}}
    for number, cell in enumerate(notebook.cells):
        cell.metadata.update(
            scrolled=True,
            collapsed=False,
            jupyter={"source_hidden": False},
            papermill={"status": "completed"},
            ExecuteTime={"end_time": "2026-11-27T10:00:00"},
        )
        if cell.cell_type == "code":
            cell.execution_count = number
            cell.outputs = [
                nbformat.v4.new_output("stream", name="stdout", text="tf noise\n")
            ]
    dirty = tmp_path / committed.name
    nbformat.write(notebook, dirty)
    assert make("notebooks-check", f"NOTEBOOKS={dirty}").returncode != 0
    assert make("notebooks-clean", f"NOTEBOOKS={dirty}").returncode == 0
    assert dirty.read_text() == committed.read_text()


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.stem)
def test_title_and_badges_point_at_this_file(path):
    head = load(path).cells[0]
    assert head.cell_type == "markdown" and head.source.startswith("# ")
    assert sum(line.startswith("# ") for line in head.source.splitlines()) == 1
    colab = (
        f"https://colab.research.google.com/github/{GITHUB_PATH}/blob/main/"
        f"notebooks/{path.name}"
    )
    assert f"({colab})" in head.source, f"{path.name}: Colab badge must link {colab}"
    github = f"{REPOSITORY}/blob/main/notebooks/{path.name}"
    assert f"({github})" in head.source, f"{path.name}: GitHub link must be {github}"


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.stem)
def test_setup_then_parameters_and_no_other_imports(path):
    notebook = load(path)
    assert any(cell.source.startswith("## Learning goals") for cell in notebook.cells)
    setup, parameters, sizes_cell, *body = code_cells(notebook)
    assert "import course_utils as cu" in setup.source
    assert f'"git+{REPOSITORY}.git"' in setup.source
    assert "google.colab" in setup.source and "__version__" in setup.source
    assert "parameters" in parameters.metadata.get("tags", [])
    for name in ("SIZE", "WEIGHTS", "OUTPUT_DIR"):
        assert name in parameters.source, f"{path.name}: parameters cell lacks {name}"
    for cell in [sizes_cell, *body]:
        assert not re.search(r"^\s*(import|from) \w", cell.source, re.MULTILINE), (
            f"{path.name}: imports belong in the set-up cell:\n{cell.source[:200]}"
        )


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.stem)
def test_the_cell_after_the_parameters_swaps_in_every_grading_size(path):
    """Every parameter that sets how long a run takes (a key of
    sizes.GRADING) goes through `sizes.while_grading`, in a read-only cell,
    so a notebook nbgrader runs is tiny whatever its parameters say."""
    _, parameters, cell, *rest = code_cells(load(path))
    assigned = [
        target.id
        for node in ast.parse(parameters.source).body
        if isinstance(node, ast.Assign)
        for target in ast.walk(node.targets[0])
        if isinstance(target, ast.Name)
    ]
    costly = [name for name in assigned if name in sizes.GRADING]
    assert "SIZE" in costly and "WEIGHTS" in costly
    names = ", ".join(costly)
    keywords = ", ".join(f"{name}={name}" for name in costly)
    assert ast.unparse(ast.parse(cell.source)) == (
        f"{names} = sizes.while_grading({keywords})"
    ), f"{path.name}: the cell after the parameters"
    assert cell.id == "grading-sizes"
    assert grading(cell) == {
        "grade": False,
        "grade_id": "grading_sizes",
        "locked": True,
        "schema_version": 3,
        "solution": False,
        "task": False,
    }
    assert not any("sizes.while_grading" in c.source for c in rest)


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.stem)
def test_every_exercise_has_locked_tests_with_messages(path):
    cells = load(path).cells
    solutions = [i for i, cell in enumerate(cells) if grading(cell).get("solution")]
    for number, start in enumerate(solutions):
        end = solutions[number + 1] if number + 1 < len(solutions) else len(cells)
        tests = [cell for cell in cells[start:end] if grading(cell).get("grade")]
        grade_id = grading(cells[start])["grade_id"]
        assert tests, f"{path.name}: exercise {grade_id} has no test cell"
        assert "### BEGIN SOLUTION" in cells[start].source
        visible, *hidden = tests
        assert visible.source.split("\n", 1)[1] == worked_example(grade_id), (
            f"{path.name}: {grade_id}'s first test runs its worked example, "
            "as the hand-in cell does"
        )
        assert hidden, f"{path.name}: {grade_id} needs a hidden test"
        for test in tests:
            meta = grading(test)
            assert meta["locked"] and meta["points"] > 0
            assert test.source.startswith('"""'), "open each test with a docstring"
        for test in hidden:
            assert "### BEGIN HIDDEN TESTS" in test.source
            asserts = re.findall(r"^\s*assert .*", test.source, re.MULTILINE)
            assert asserts and all("," in line for line in asserts), (
                f"{path.name}: every assert in {grading(test)['grade_id']} "
                "needs a message"
            )


def worked_example(name: str) -> str:
    """The body of an exercise's visible test: its worked example, run as
    `exercises.before_you_hand_in` runs it."""
    return (
        f'with exercises.isolated("{name}", globals()):\n'
        f"    worked_examples.{name}({name})"
    )


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.stem)
def test_a_notebook_with_exercises_ends_with_the_hand_in_cell(path):
    cells = load(path).cells
    names = [grading(c)["grade_id"] for c in cells if grading(c).get("solution")]
    hand_in = [c for c in cells if "before_you_hand_in" in c.source]
    if not names:
        assert not hand_in, f"{path.name} has no exercises to check"
        return
    *_, heading, last = cells
    assert heading.source.startswith("## Before you hand in")
    assert hand_in == [last] and not grading(last), path.name
    call = ast.parse(last.source).body[0].value
    assert ast.unparse(call.func) == "exercises.before_you_hand_in"
    notebook, namespace, listed = call.args
    assert ast.literal_eval(notebook) == path.name
    assert ast.unparse(namespace) == "globals()"
    assert ast.literal_eval(listed) == names, f"{path.name}: list its exercises"


def test_grade_ids_are_unique_snake_case():
    """Unique in the course, but for the grading-sizes cell each notebook has."""
    ids = [
        grading(cell)["grade_id"]
        for path in PATHS
        for cell in load(path).cells
        if grading(cell) and cell.id != "grading-sizes"
    ]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", grade_id) for grade_id in ids)


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.stem)
def test_summary_and_next_link(path):
    text = "\n".join(
        cell.source for cell in load(path).cells if cell.cell_type == "markdown"
    )
    assert "## Summary" in text and "## Next" in text
    following = [p for p in PATHS if int(p.name[:2]) == int(path.name[:2]) + 1]
    if following:
        assert f"({following[0].name})" in text, f"{path.name}: link the next notebook"


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.stem)
def test_setup_imports_only_what_the_notebook_uses(path):
    setup, *rest = code_cells(load(path))
    imported = {
        (alias.asname or alias.name).split(".")[0]
        for node in ast.walk(ast.parse(setup.source))
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    }
    used = {
        node.id
        for cell in [setup, *rest]
        for node in ast.walk(ast.parse(cell.source))
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    }
    assert imported <= used, f"{path.name} imports but never uses {imported - used}"


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.stem)
def test_every_run_shows_its_progress(path):
    for cell in code_cells(load(path)):
        assert "progress=False" not in cell.source, (
            f"{path.name}: a run this long shows a progress bar:\n{cell.source[:200]}"
        )
