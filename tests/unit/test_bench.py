"""Timing per 100 iterations (figures only, no limits asserted)."""

import math

import numpy as np
import pytest

from course_utils import bench
from course_utils.optimise import FLOAT32_FINISH

pytestmark = pytest.mark.filterwarnings("ignore:VGG19 has RANDOM")


def test_devices_lists_the_cpu_first():
    assert bench.devices()[0] == "/CPU:0"


def test_seconds_per_100_iterations_is_a_positive_time(rng):
    image = rng.uniform(size=(40, 40, 3)).astype("f4")
    seconds = bench.seconds_per_100_iterations(
        image, image, iterations=3, weights=None, size=32
    )
    assert np.isfinite(seconds) and seconds > 0


@pytest.mark.parametrize(
    "iterations, precision, steps",
    [
        (9, "bfloat16", 10),
        (20, "bfloat16", 23),
        (2, "bfloat16", 3),
        (20, "float32", 20),
    ],
)
def test_bfloat16_timing_runs_past_the_float32_finish(iterations, precision, steps):
    total = bench.steps_before_finish(iterations, precision)
    assert total == steps
    finish = math.ceil(FLOAT32_FINISH * total) if precision == "bfloat16" else 0
    assert total - finish == iterations  # exactly `iterations` steps before it


def test_bfloat16_seconds_per_100_iterations(rng):
    image = rng.uniform(size=(40, 40, 3)).astype("f4")
    seconds = bench.seconds_per_100_iterations(
        image, image, iterations=3, weights=None, size=32, precision="bfloat16"
    )
    assert np.isfinite(seconds) and seconds > 0


def test_seconds_per_100_iterations_needs_two(rng):
    with pytest.raises(ValueError, match="at least 2 iterations; got 1"):
        bench.seconds_per_100_iterations(None, None, iterations=1)


def test_benchmark_runs_every_configuration_on_the_same_objective(tmp_path):
    figures = bench.benchmark(size=48, steps=3, weights=None)
    assert figures["size"] == 48 and figures["steps"] == 3
    assert figures["weights"] == "random"
    assert figures["matmul_peak_gflops"] > 0
    for name in bench.CONFIGS:
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
    for name in bench.CONFIGS:
        exact = figures[name]["precision"] == "float32"
        assert figures[name]["start_loss"] == pytest.approx(
            reference, rel=1e-5 if exact else 1e-2
        ), name
    assert figures["baseline"]["time_to_baseline_loss_s"] is not None
    text = bench.format_table(figures)
    assert all(name in text for name in bench.CONFIGS)
    assert "bf16 final loss vs float32 after 3 steps" in text


def test_bf16_loss_change_and_its_verdict():
    figures = {
        "size": 8,
        "steps": 2,
        "matmul_peak_gflops": 1.0,
        "adam": {"final_loss": 200.0},
        "bf16": {"final_loss": 203.0},
    }
    assert bench.bf16_loss_change(figures) == pytest.approx(0.015)
    assert bench.bf16_loss_change({"adam": {"final_loss": 1.0}}) is None


def test_benchmark_rejects_an_unknown_configuration():
    with pytest.raises(ValueError, match=r"Unknown configurations \['fast'\]"):
        bench.benchmark(configs=["adam", "fast"])


def test_forward_flops_of_one_layer_by_hand():
    from course_utils import vgg

    extractor = vgg.feature_extractor(["block1_conv1"], None)
    # 3x3 kernels, 3 -> 64 channels, at every one of 32 x 40 positions
    assert bench.forward_flops(extractor, 32, 40) == 2 * 3 * 3 * 3 * 64 * 32 * 40


def test_bench_command_writes_json(tmp_path, capsys):
    import json

    from course_utils.cli import main

    out = tmp_path / "bench.json"
    assert (
        main(
            [
                "bench",
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


def test_precision_timings_cover_every_size_and_precision(rng):
    image = rng.uniform(size=(40, 40, 3)).astype("f4")
    rows = bench.precision_timings(
        image, image, sizes=(32, 48), iterations=2, weights=None
    )
    cpu = [(r["size"], r["precision"]) for r in rows if r["device"] == "/CPU:0"]
    assert cpu == [(32, "float32"), (32, "bfloat16"), (48, "float32"), (48, "bfloat16")]
    assert all(r["ms_per_iter"] > 0 for r in rows)


def test_grid_timings_and_their_table(rng):
    contents = [rng.uniform(size=(40, 40, 3)).astype("f4") for _ in range(2)]
    styles = [rng.uniform(size=(40, 40, 3)).astype("f4") for _ in range(2)]
    grid = bench.grid_timings(contents, styles, iterations=2, size=32, weights=None)
    assert grid["images"] == 4 and grid["size"] == 32 and grid["iterations"] == 2
    assert grid["one_by_one_s"] > 0 and grid["batched_s"] > 0
    rows = [
        {"device": "/CPU:0", "size": 32, "precision": "float32", "ms_per_iter": 5.0}
    ]
    text = bench.format_device_tables(rows, grid)
    assert "/CPU:0      32    float32       5.0" in text
    assert "4 images at 32 px, 2 Adam iterations each" in text


def test_loss_against_time_draws_each_trace_and_the_target():
    from course_utils import plotting

    figures = {
        "size": 64,
        "steps": 3,
        "matmul_peak_gflops": 1.0,
        "baseline": {"final_loss": 5.0, "trace": [(0.1, 9.0), (0.2, 7.0), (0.3, 5.0)]},
        "default": {"final_loss": 1.0, "trace": [(0.05, 4.0), (0.1, 1.0)]},
    }
    fig = plotting.loss_against_time(figures)
    ax = fig.axes[0]
    traces = [line for line in ax.get_lines() if line.get_label() in figures]
    assert [line.get_label() for line in traces] == ["baseline", "default"]
    np.testing.assert_allclose(traces[1].get_xdata(), [0.05, 0.1])
    target = [line for line in ax.get_lines() if line.get_label() not in figures]
    assert target[0].get_ydata()[0] == 5.0  # the baseline's final loss, dotted
