"""Every notebook runs top to bottom on a fresh kernel, small and on the CPU,
with random VGG19 weights, and writes the figures it promises.

papermill runs them as a user would (`papermill notebooks/04_... out.ipynb -p
SIZE 512`): it sets the parameters in a cell after the one tagged
`parameters`, and fails on the first cell that raises.
"""

import papermill
import pytest

from course_utils.startup import START_UP_NOISE
from tests.conftest import REPO

NOTEBOOKS = REPO / "notebooks"

SMALL = {"SIZE": 64, "WEIGHTS": None}
EXPECTED = {
    "01_vgg19_architecture": (
        {},
        [f"feature_maps_block{b}_conv1.png" for b in range(1, 6)],
    ),
    "02_content_loss": ({"ITERATIONS": 3}, ["content_reconstruction.png"]),
    "03_gram_matrix_and_style_loss": (
        {"ITERATIONS": 3},
        ["gram_heatmap.png", "style_reconstruction.png"],
    ),
    "04_total_loss_and_optimisation": (
        {"ITERATIONS": 4, "SNAPSHOT_EVERY": 2},
        [
            "progress_grid.png",
            "final.png",
            "final_image.png",
            "loss_curves.png",
            "frames/iteration_00000.png",
            "frames/iteration_00002.png",
            "frames/iteration_00004.png",
        ],
    ),
    "06_playground": ({"ITERATIONS": 2}, []),
    "07_beyond_the_report": (
        {"ITERATIONS": 4, "HIGHRES_SIZE": 128},
        [
            "colour_preservation.png",
            "total_variation.png",
            "style_blending.png",
            "masks.png",
            "style_scale.png",
            "coarse_to_fine.png",
            "optimisation.gif",
        ],
    ),
    "05_experiments": (
        {"ITERATIONS": 2, "TIMING_ITERATIONS": 2},
        ["content_style_grid.png", "content_strength.png", "content_layer.png"],
    ),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_notebook_runs_and_writes_its_figures(name, tmp_path):
    parameters, figures = EXPECTED[name]
    notebook = papermill.execute_notebook(
        NOTEBOOKS / f"{name}.ipynb",
        tmp_path / f"{name}.ipynb",
        parameters={**SMALL, **parameters, "OUTPUT_DIR": str(tmp_path)},
        cwd=NOTEBOOKS,
        kernel_name="python3",
        execution_timeout=300,
        progress_bar=False,
    )
    missing = [figure for figure in figures if not (tmp_path / figure).is_file()]
    assert not missing, f"{name} did not write {missing}"
    text = "".join(
        output.get("text", "")
        for cell in notebook.cells
        for output in cell.get("outputs", [])
    )
    assert "Traceback" not in text
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
    assert sorted(path.stem for path in NOTEBOOKS.glob("*.ipynb")) == sorted(EXPECTED)
