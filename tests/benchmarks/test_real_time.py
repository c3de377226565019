"""Notebook 08's speed-up figure (`python -m benchmarks --real-time`), at tiny sizes."""

import json

import pytest

from benchmarks import real_time
from benchmarks.__main__ import main

pytestmark = pytest.mark.filterwarnings("ignore:VGG19 has RANDOM")


@pytest.mark.slow  # a stylize run; test_the_default_length_is_notebook_08s is fast
def test_measure_times_the_network_and_one_stylize(tmp_path, capsys):
    out = tmp_path / "real_time.json"
    status = main(
        [
            "--real-time",
            "--size",
            "48",
            "--iterations",
            "2",
            "--weights",
            "random",
            "--json",
            str(out),
        ]
    )
    assert status == 0
    figures = json.loads(out.read_text())
    assert figures["size"] == 48 and figures["iterations"] == 2
    assert figures["weights"] == "random"
    assert "float32" in figures["network"]
    fastest = min(f["s_per_photo"] for f in figures["network"].values())
    for f in figures["network"].values():
        assert f["s_per_photo"] > 0
        assert f["photos_per_s"] == pytest.approx(1 / f["s_per_photo"])
    assert figures["speedup"] == pytest.approx(figures["stylize_s"] / fastest)
    printed = capsys.readouterr().out
    assert "| the network, float32 |" in printed
    assert "| `cu.stylize`, 2 iterations |" in printed
    assert f"{figures['speedup']:,.0f} times faster per photo" in printed


def test_the_default_length_is_notebook_08s():
    import nbformat

    from tests.conftest import REPO

    notebook = nbformat.read(
        REPO / "notebooks" / "08_real_time_style_transfer.ipynb", as_version=4
    )
    parameters = next(c for c in notebook.cells if c.id == "parameters").source
    assert f"ITERATIONS = {real_time.ITERATIONS} " in parameters
