"""Light lints on the committed notebooks: order, badges, set-up and parameters
cells, exercises with tests, clean sources."""

import re
import sys

import nbformat
import pytest

from tests.conftest import REPO
from tests.notebooks.normalise import normalised

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

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


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.stem)
def test_sources_are_normalised_without_outputs(path):
    text = path.read_text()
    assert normalised(text) == text, f"{path.name}: run `make notebooks-clean`"
    for cell in code_cells(load(path)):
        assert cell.outputs == [] and cell.execution_count is None


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
    setup, parameters, *body = code_cells(notebook)
    assert "import course_utils as cu" in setup.source
    assert f'"git+{REPOSITORY}.git"' in setup.source
    assert "google.colab" in setup.source and "__version__" in setup.source
    assert "parameters" in parameters.metadata.get("tags", [])
    for name in ("SIZE", "WEIGHTS", "OUTPUT_DIR"):
        assert name in parameters.source, f"{path.name}: parameters cell lacks {name}"
    for cell in body:
        assert not re.search(r"^\s*(import|from) \w", cell.source, re.MULTILINE), (
            f"{path.name}: imports belong in the set-up cell:\n{cell.source[:200]}"
        )


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
        visible = [
            t for t in tests if "assert" in t.source.split("### BEGIN HIDDEN")[0]
        ]
        assert visible, f"{path.name}: {grade_id} needs at least one visible test"
        for test in tests:
            meta = grading(test)
            assert meta["locked"] and meta["points"] > 0
            assert test.source.startswith('"""'), "open each test with a docstring"
            asserts = re.findall(r"^\s*assert .*", test.source, re.MULTILINE)
            assert asserts and all("," in line for line in asserts), (
                f"{path.name}: every assert in {meta['grade_id']} needs a message"
            )


def test_grade_ids_are_unique_snake_case():
    ids = [
        grading(cell)["grade_id"]
        for path in PATHS
        for cell in load(path).cells
        if grading(cell)
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
