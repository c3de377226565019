"""Timing per 100 iterations (figures only, no limits asserted)."""

import numpy as np
import pytest

from course_utils import bench

pytestmark = pytest.mark.filterwarnings("ignore:VGG19 has RANDOM")


def test_devices_lists_the_cpu_first():
    assert bench.devices()[0] == "/CPU:0"


def test_seconds_per_100_iterations_is_a_positive_time(rng):
    image = rng.uniform(size=(40, 40, 3)).astype("f4")
    seconds = bench.seconds_per_100_iterations(
        image, image, iterations=3, weights=None, size=32
    )
    assert np.isfinite(seconds) and seconds > 0


def test_seconds_per_100_iterations_needs_two(rng):
    with pytest.raises(ValueError, match="at least 2 iterations; got 1"):
        bench.seconds_per_100_iterations(None, None, iterations=1)


def test_benchmark_runs_every_configuration_on_the_same_objective(tmp_path):
    figures = bench.benchmark(size=48, steps=3, weights=None)
    assert figures["size"] == 48 and figures["steps"] == 3
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
    # iteration 0 is the content image for all: one objective, one value
    for name in ("adam", "lbfgs"):
        assert figures[name]["first_loss"] == pytest.approx(
            figures["baseline"]["first_loss"], rel=1e-4
        ), name
    assert figures["baseline"]["time_to_baseline_loss_s"] is not None
    text = bench.format_table(figures)
    assert all(name in text for name in bench.CONFIGS)


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
