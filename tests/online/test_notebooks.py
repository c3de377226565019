"""Every notebook runs top to bottom with the real weights at its CPU sizes
(its own defaults on a machine without a GPU; a GPU is hidden from the
kernel), writes its figures, and none of them carries the random-weights
note."""

import json

import nbformat
import papermill
import pytest

from tests.notebooks.test_notebooks import CHECK_FIGURES, EXPECTED, NOTEBOOKS

pytestmark = pytest.mark.online


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_notebook_with_the_real_weights(name, no_top_weights, tmp_path, monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "-1")  # the CPU sizes, even with a GPU
    source = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    source.cells.append(nbformat.v4.new_code_cell(CHECK_FIGURES))
    notebook = papermill.execute_notebook(
        source,
        tmp_path / f"{name}.ipynb",
        parameters={"WEIGHTS": str(no_top_weights), "OUTPUT_DIR": str(tmp_path)},
        cwd=NOTEBOOKS,
        kernel_name="python3",
        execution_timeout=3600,
        progress_bar=False,
    )
    figures = EXPECTED[name]
    missing = [figure for figure in figures if not (tmp_path / figure).is_file()]
    assert not missing, f"{name} did not write {missing}"
    text = "".join(
        output.get("text", "")
        for cell in notebook.cells
        for output in cell.get("outputs", [])
    )
    assert "RANDOM" not in text, f"{name} ran with random weights"
    drawn = json.loads(text.rsplit("FIGURES ", 1)[1].splitlines()[0])
    assert drawn or not figures, f"{name}: no figure reached the check"
    for figure in drawn:
        assert not figure["problems"], (
            f"{name}: {figure['titles']}: {figure['problems']}"
        )
    noted = [figure["titles"] for figure in drawn if figure["note"]]
    assert not noted, f"{name}: figures say the weights are random: {noted}"
