"""Every notebook runs top to bottom on a fresh kernel, small and on the CPU,
with random VGG19 weights, and writes the figures it promises, readable.

papermill runs them as a user would (`papermill notebooks/04_... out.ipynb -p
SIZE 512`): it sets the parameters in a cell after the one tagged
`parameters`, and fails on the first cell that raises. A last cell, added
here, checks every figure the notebook made (`tests.figures`): no text
overlaps another or leaves the canvas, and each figure computed with the
random weights says so. Every image file the notebook wrote carries the note
too (or is a matplotlib figure, checked as a figure).
"""

import json

import nbformat
import papermill
import pytest
import yaml
from PIL import Image

from course_utils.captions import note_in
from course_utils.startup import START_UP_NOISE
from tests.conftest import REPO

NOTEBOOKS = REPO / "notebooks"

SMALL = yaml.safe_load((REPO / "tests" / "notebooks" / "small.yml").read_text())
"""Each notebook's papermill parameters; tests/browser/test_book.py reads them too."""

EXPECTED = {
    "01_vgg19_architecture": [f"feature_maps_block{b}_conv1.png" for b in range(1, 6)],
    "02_content_loss": ["content_reconstruction.png"],
    "03_gram_matrix_and_style_loss": ["gram_heatmap.png", "style_reconstruction.png"],
    "04_total_loss_and_optimisation": [
        "progress_grid.png",
        "final.png",
        "final_image.png",
        "loss_curves.png",
        "frames/iteration_00000.png",
        "frames/iteration_00002.png",
        "frames/iteration_00004.png",
    ],
    "06_playground": [],
    "07_beyond_the_report": [
        "colour_preservation.png",
        "total_variation.png",
        "style_blending.png",
        "masks.png",
        "style_scale.png",
        "coarse_to_fine.png",
        "optimisation.gif",
    ],
    "05_experiments": [
        "content_style_grid.png",
        "content_strength.png",
        "content_layer.png",
    ],
}
"""The files each notebook writes at the small sizes."""


INPUTS_ONLY = {
    "01_vgg19_architecture": [["input", "3x3 vertical-edge filter + ReLU"]],
    "03_gram_matrix_and_style_loss": [["style image: immunohistochemistry"]],
}
"""The titles of the figures that show only input images (no VGG19 output),
the only ones allowed to go without the random-weights note."""

# The kernel inherits MPLBACKEND=Agg from tests/conftest.py, so every figure
# a notebook makes stays open until this cell reads it.
CHECK_FIGURES = f"""
import json, sys
sys.path.insert(0, {str(REPO)!r})
import matplotlib.pyplot as plt
from tests import figures
print("FIGURES", json.dumps([figures.report(plt.figure(n)) for n in plt.get_fignums()]))
"""


def run_and_check_figures(name, parameters, folder, timeout):
    """Run notebook `name` with papermill into `folder`, writing its files there.

    Checks that it wrote the files of EXPECTED and that no figure it drew has
    text overlapping or off the canvas.

    Returns:
        (the executed notebook, the text of all its outputs, the figure reports).
    """
    source = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    source.cells.append(nbformat.v4.new_code_cell(CHECK_FIGURES))
    notebook = papermill.execute_notebook(
        source,
        folder / f"{name}.ipynb",
        parameters={**parameters, "OUTPUT_DIR": str(folder)},
        cwd=NOTEBOOKS,
        kernel_name="python3",
        execution_timeout=timeout,
        progress_bar=False,
    )
    figures = EXPECTED[name]
    missing = [figure for figure in figures if not (folder / figure).is_file()]
    assert not missing, f"{name} did not write {missing}"
    text = "".join(
        output.get("text", "")
        for cell in notebook.cells
        for output in cell.get("outputs", [])
    )
    assert "Traceback" not in text
    drawn = json.loads(text.rsplit("FIGURES ", 1)[1].splitlines()[0])
    assert drawn or not figures, f"{name}: no figure reached the check"
    for figure in drawn:
        assert not figure["problems"], (
            f"{name}: {figure['titles']}: {figure['problems']}"
        )
    return notebook, text, drawn


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_notebook_runs_and_writes_its_figures(name, tmp_path):
    notebook, text, drawn = run_and_check_figures(name, SMALL[name], tmp_path, 300)
    unmarked = [figure["titles"] for figure in drawn if not figure["note"]]
    assert unmarked == INPUTS_ONLY.get(name, []), (
        f"{name}: figures without the random-weights note: {unmarked}"
    )
    written = [*tmp_path.rglob("*.png"), *tmp_path.rglob("*.gif")]
    unnoted = [
        path.relative_to(tmp_path).as_posix()
        for path in written
        if not note_in(path) and not _matplotlib_figure(path)
    ]
    assert not unnoted, (
        f"{name} wrote images without the random-weights note: {unnoted}"
    )
    exercises = [
        cell.metadata["nbgrader"]["grade_id"]
        for cell in notebook.cells
        if cell.metadata.get("nbgrader", {}).get("solution")
    ]
    hand_in = [cell for cell in notebook.cells if "before_you_hand_in" in cell.source]
    report = [o.get("text", "") for cell in hand_in for o in cell.outputs]
    passed = [
        line.split()[0]
        for line in "".join(report).splitlines()
        if line.split()[1:] == ["passed"]
    ]
    assert passed == exercises, f"{name}: the hand-in cell says\n{''.join(report)}"
    noise = [line for line in text.splitlines() if START_UP_NOISE.search(line)]
    assert not noise, f"{name} shows TensorFlow's start-up log: {noise[:2]}"
    if name == "06_playground":
        views = [
            output
            for cell in notebook.cells
            for output in cell.get("outputs", [])
            if "application/vnd.jupyter.widget-view+json" in output.get("data", {})
        ]
        assert views, "the playground cell must display its widgets"


def test_every_notebook_is_executed_here():
    notebooks = sorted(path.stem for path in NOTEBOOKS.glob("*.ipynb"))
    assert notebooks == sorted(EXPECTED) == sorted(SMALL)


def _matplotlib_figure(path) -> bool:
    with Image.open(path) as image:
        return str(image.info.get("Software", "")).startswith("Matplotlib")
