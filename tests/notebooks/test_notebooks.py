"""Every notebook runs top to bottom on a fresh kernel, small and on the CPU,
with random VGG19 weights, and writes the figures it promises, readable.

papermill runs them as a user would (`papermill notebooks/04_... out.ipynb -p
SIZE 512`): it sets the parameters in a cell after the one tagged
`parameters`, and fails on the first cell that raises. Each run happens once
per session (`tests.notebooks.execute`; the website test builds the site
from the same runs). Every figure the notebook shows is checked in its
kernel (`tests.figures`): no text overlaps another or leaves the canvas, and
each figure computed with the random weights says so. Every image file the
notebook wrote carries the note too (or is a matplotlib figure, checked as
a figure).
"""

import pytest
from PIL import Image

from course_utils.captions import note_in
from course_utils.startup import START_UP_NOISE
from tests.notebooks import execute
from tests.notebooks.execute import NOTEBOOKS, SMALL

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
    "08_real_time_style_transfer": ["training_curves.png", "painted.png", "speed.png"],
}
"""The files each notebook writes at the small sizes."""


INPUTS_ONLY = {
    "01_vgg19_architecture": [["input", "3x3 vertical-edge filter + ReLU"]],
    "03_gram_matrix_and_style_loss": [["style image: immunohistochemistry"]],
    "08_real_time_style_transfer": [["crop 1", "crop 2"]],
}
"""The titles of the figures that show only input images (no VGG19 output),
the only ones allowed to go without the random-weights note."""


def check_run(name: str, run: execute.Run) -> None:
    """The run wrote the files of EXPECTED, raised nothing, and no figure it
    drew has text overlapping or off the canvas."""
    figures = EXPECTED[name]
    missing = [figure for figure in figures if not (run.folder / figure).is_file()]
    assert not missing, f"{name} did not write {missing}"
    assert "Traceback" not in run.text
    assert run.drawn or not figures, f"{name}: no figure reached the check"
    for figure in run.drawn:
        assert not figure["problems"], (
            f"{name}: {figure['titles']}: {figure['problems']}"
        )
    shown = [
        output
        for cell in run.notebook.cells
        for output in cell.get("outputs", [])
        if "image/png" in output.get("data", {})
    ]
    assert len(shown) == len(run.drawn), (
        f"{name}: {len(shown)} figures shown, {len(run.drawn)} checked"
    )


FAST_LANE = "02_content_loss"
"""The notebook `make test` runs; `make test-all` runs them all."""


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=() if name == FAST_LANE else pytest.mark.slow)
        for name in sorted(EXPECTED)
    ],
)
def test_notebook_runs_and_writes_its_figures(name, small_runs):
    run = small_runs(name)
    check_run(name, run)
    notebook, text, drawn, folder = run.notebook, run.text, run.drawn, run.folder
    unmarked = [figure["titles"] for figure in drawn if not figure["note"]]
    assert unmarked == INPUTS_ONLY.get(name, []), (
        f"{name}: figures without the random-weights note: {unmarked}"
    )
    written = [*folder.rglob("*.png"), *folder.rglob("*.gif")]
    unnoted = [
        path.relative_to(folder).as_posix()
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


@pytest.mark.slow
def test_the_real_time_notebook_at_its_cpu_sizes(tmp_path):
    """Notebook 08 trains for real at its CPU sizes (here with random weights):
    200 steps, and the loss falls."""
    name = "08_real_time_style_transfer"
    run = execute.run(name, {"WEIGHTS": None}, tmp_path, 900)
    check_run(name, run)
    assert "No GPU: a toy run, 200 steps of 2 photos at 128 px." in run.text
    assert "200 steps in " in run.text


def test_every_notebook_is_executed_here():
    notebooks = sorted(path.stem for path in NOTEBOOKS.glob("*.ipynb"))
    assert notebooks == sorted(EXPECTED) == sorted(SMALL)


def _matplotlib_figure(path) -> bool:
    with Image.open(path) as image:
        return str(image.info.get("Software", "")).startswith("Matplotlib")
