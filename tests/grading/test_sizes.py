"""sizes: the cell after each parameters cell swaps in the tiny grading sizes
while nbgrader runs the notebook (NBGRADER_EXECUTION set), and says so;
otherwise it gives the parameters back unchanged. The package itself never
caps anything."""

import numpy as np
import pytest

from course_utils import images, vgg
from course_utils.grading import sizes
from course_utils.settings import StyleTransferSettings
from tests.conftest import REPO


def test_outside_grading_the_parameters_come_back_unchanged(monkeypatch, capsys):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    assert sizes.while_grading(SIZE=512, ITERATIONS=5000, WEIGHTS="imagenet") == (
        512,
        5000,
        "imagenet",
    )
    assert sizes.while_grading(SIZE=300) == 300
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("command", ["autograde", "validate"])
def test_while_grading_the_grading_sizes_come_back_and_are_said(
    monkeypatch, capsys, command
):
    monkeypatch.setenv("NBGRADER_EXECUTION", command)
    got = sizes.while_grading(
        SIZE=512, ITERATIONS=5000, SNAPSHOT_EVERY=100, WEIGHTS="imagenet"
    )
    assert got == (64, 2, 1, None)
    assert capsys.readouterr().out == (
        f"Grading (nbgrader {command}): SIZE = 64 px, ITERATIONS = 2, "
        "SNAPSHOT_EVERY = 1, WEIGHTS = None (random VGG19 weights).\n"
    )


def test_an_empty_variable_is_not_grading(monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "")
    assert sizes.mode() is None
    assert sizes.while_grading(SIZE=512) == 512


def test_a_parameter_without_a_grading_size_is_named(monkeypatch):
    with pytest.raises(KeyError, match="No grading size for EPOCHS.*SIZE, HIGHRES"):
        sizes.while_grading(SIZE=512, EPOCHS=10)


def test_grading_sizes_are_sizes_vgg19_can_run():
    for name in ("SIZE", "HIGHRES_SIZE"):
        assert sizes.GRADING[name] >= images.MIN_SIDE
    # coarse to fine starts at a quarter of the last stage's size
    assert sizes.GRADING["HIGHRES_SIZE"] // 4 >= images.MIN_SIDE


def test_the_package_caps_nothing_while_nbgrader_runs(monkeypatch):
    """The grading sizes come from the notebook's cell only: images, settings
    and VGG19 do what they are asked whatever the environment says."""
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    big = np.random.default_rng(0).uniform(size=(300, 200, 3)).astype("float32")
    assert images.load_image(big).shape == (300, 200, 3)
    settings = StyleTransferSettings(size=1024, iterations=5000, weights="imagenet")
    assert (settings.size, settings.iterations, settings.weights) == (
        1024,
        5000,
        "imagenet",
    )
    assert vgg.is_trained("imagenet")


def test_only_the_instructor_layer_knows_nbgrader_execution():
    """The student modules, the notebooks and the website builder never name
    it; in the instructor's layer, only `sizes` reads the environment."""
    knowing = sorted(
        path.relative_to(REPO).as_posix()
        for pattern in ("course_utils/**/*.py", "notebooks/*.ipynb", "book/**/*.py")
        for path in REPO.glob(pattern)
        if "NBGRADER_EXECUTION" in path.read_text()
    )
    assert "course_utils/grading/sizes.py" in knowing
    assert all(name.startswith("course_utils/grading/") for name in knowing)
    reading = [
        name for name in knowing if '"NBGRADER_EXECUTION")' in (REPO / name).read_text()
    ]
    assert reading == ["course_utils/grading/sizes.py"]
