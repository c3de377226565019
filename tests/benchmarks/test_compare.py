"""The benchmark against the TensorFlow tutorial's loop, at tiny sizes."""

import numpy as np
import pytest

from benchmarks import compare
from benchmarks.__main__ import main
from tests import figures as figures_check

pytestmark = pytest.mark.filterwarnings("ignore:VGG19 has RANDOM")


@pytest.mark.slow  # every configuration; test_bench_command_writes_json runs one
def test_benchmark_runs_every_configuration_on_the_same_objective(tmp_path):
    figures = compare.benchmark(size=48, steps=3, weights=None)
    assert figures["size"] == 48 and figures["steps"] == 3
    assert figures["weights"] == "random"
    assert figures["matmul_peak_gflops"] > 0
    for name in compare.CONFIGS:
        f = figures[name]
        assert {
            "s_per_iter",
            "forward_passes_per_step",
            "gflops",
            "peak_rss_mb",
            "time_to_baseline_loss_s",
            "final_loss",
        } <= set(f), name
        assert f["s_per_iter"] > 0 and f["peak_rss_mb"] > 0 and f["gflops"] > 0
    # At iteration 0 (the content image) every lever has the same objective as
    # float32 Adam, and the tutorial's loop agrees: one loss function for all.
    reference = figures["adam"]["start_loss"]
    assert figures["baseline"]["trace"][0][1] == pytest.approx(reference, rel=1e-4)
    assert figures["bf16"]["precision"] == "bfloat16"
    for name in compare.CONFIGS:
        exact = figures[name]["precision"] == "float32"
        assert figures[name]["start_loss"] == pytest.approx(
            reference, rel=1e-5 if exact else 1e-2
        ), name
    assert figures["baseline"]["time_to_baseline_loss_s"] is not None
    text = compare.format_table(figures)
    assert all(name in text for name in compare.CONFIGS)
    assert "bf16 final loss vs float32 after 3 steps" in text


def test_bf16_loss_change_and_its_verdict():
    figures = {
        "size": 8,
        "steps": 2,
        "matmul_peak_gflops": 1.0,
        "adam": {"final_loss": 200.0},
        "bf16": {"final_loss": 203.0},
    }
    assert compare.bf16_loss_change(figures) == pytest.approx(0.015)
    assert compare.bf16_loss_change({"adam": {"final_loss": 1.0}}) is None


def test_benchmark_rejects_an_unknown_configuration():
    with pytest.raises(ValueError, match=r"Unknown configurations \['fast'\]"):
        compare.benchmark(configs=["adam", "fast"])


def test_forward_flops_of_one_layer_by_hand():
    from course_utils import vgg

    extractor = vgg.feature_extractor(["block1_conv1"], None)
    # 3x3 kernels, 3 -> 64 channels, at every one of 32 x 40 positions
    assert compare.forward_flops(extractor, 32, 40) == 2 * 3 * 3 * 3 * 64 * 32 * 40


def test_bench_command_writes_json(tmp_path, capsys):
    import json

    out = tmp_path / "compare.json"
    assert (
        main(
            [
                "--weights",
                "random",
                "--size",
                "48",
                "--steps",
                "2",
                "--configs",
                "baseline",
                "adam",
                "--json",
                str(out),
            ]
        )
        == 0
    )
    figures = json.loads(out.read_text())
    assert set(figures) >= {"baseline", "adam", "matmul_peak_gflops", "size", "steps"}
    assert "configuration" in capsys.readouterr().out


def test_loss_against_time_draws_each_trace_and_the_target():
    figures = {
        "size": 64,
        "steps": 3,
        "matmul_peak_gflops": 1.0,
        "baseline": {"final_loss": 5.0, "trace": [(0.1, 9.0), (0.2, 7.0), (0.3, 5.0)]},
        "default": {"final_loss": 1.0, "trace": [(0.05, 4.0), (0.1, 1.0)]},
    }
    fig = compare.loss_against_time(figures)
    ax = fig.axes[0]
    traces = [line for line in ax.get_lines() if line.get_label() in figures]
    assert [line.get_label() for line in traces] == ["baseline", "default"]
    np.testing.assert_allclose(traces[1].get_xdata(), [0.05, 0.1])
    target = [line for line in ax.get_lines() if line.get_label() not in figures]
    assert target[0].get_ydata()[0] == 5.0  # the baseline's final loss, dotted
    assert figures_check.layout_problems(fig) == []
    assert not figures_check.has_random_weights_note(fig)  # "imagenet" by default
    random = compare.loss_against_time({**figures, "weights": "random"})
    assert figures_check.layout_problems(random) == []
    assert figures_check.has_random_weights_note(random)


def test_bench_command_checks_its_outputs_before_the_run(tmp_path, capsys):
    assert main(["--weights", "random", "--json", str(tmp_path)]) == 2
    assert f"{tmp_path} is a folder" in capsys.readouterr().err
    assert main(["--weights", str(tmp_path / "no.h5")]) == 2
    assert "No VGG19 weights file at" in capsys.readouterr().err
