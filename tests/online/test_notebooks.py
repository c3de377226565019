"""Every notebook runs top to bottom with the real weights at its CPU sizes
(its own defaults on a machine without a GPU; a GPU is hidden from the
kernel), writes its figures, and none of them carries the random-weights
note."""

import pytest

from tests.notebooks import execute
from tests.notebooks.test_notebooks import EXPECTED, check_run

pytestmark = pytest.mark.online


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_notebook_with_the_real_weights(name, no_top_weights, tmp_path, monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "-1")  # the CPU sizes, even with a GPU
    run = execute.run(name, {"WEIGHTS": str(no_top_weights)}, tmp_path, 3600)
    check_run(name, run)
    text, drawn = run.text, run.drawn
    assert "RANDOM" not in text, f"{name} ran with random weights"
    noted = [figure["titles"] for figure in drawn if figure["note"]]
    assert not noted, f"{name}: figures say the weights are random: {noted}"
