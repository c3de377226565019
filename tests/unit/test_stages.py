"""Coarse-to-fine stages of `stylize`: sizes, merged history and snapshots."""

import numpy as np
import pytest

from course_utils.images import resize_to
from course_utils.results import describe_stages
from course_utils.transfer import MIN_STAGE_SIZE, stage_sizes, stylize

pytestmark = pytest.mark.filterwarnings("ignore:VGG19 has RANDOM")


@pytest.fixture(scope="module")
def pictures():
    rng = np.random.default_rng(4)
    return [rng.uniform(size=(60, 80, 3)).astype("f4") for _ in range(2)]


def run(content, style, **settings):
    options = dict(weights=None, progress=False, size=128, stages=2, iterations=3)
    return stylize(content, style, **{**options, **settings})


@pytest.mark.parametrize(
    "size, stages, expected",
    [
        (512, 3, [128, 256, 512]),
        (512, 1, [512]),
        (1024, 3, [256, 512, 1024]),
        (300, 3, [75, 150, 300]),
        (200, 3, [100, 200]),  # 50 px is below MIN_STAGE_SIZE
        (MIN_STAGE_SIZE, 4, [MIN_STAGE_SIZE]),
    ],
)
def test_stage_sizes(size, stages, expected):
    assert stage_sizes(size, stages) == expected


@pytest.mark.parametrize("stages", [0, -1, 1.5, True])
def test_bad_stages(pictures, stages):
    with pytest.raises((TypeError, ValueError), match="stages must be"):
        run(*pictures, stages=stages)


def test_stages_grow_and_merge(pictures):
    seen = []
    result = run(
        *pictures,
        iterations=8,  # the coarse stage runs a quarter: 2
        snapshot_every=3,
        optimizer="adam",
        callback=lambda it, *_: seen.append(it),
    )
    assert result.image.shape == (96, 128, 3)
    assert result.iterations_done == 10
    assert all(len(values) == 11 for values in result.history.values())
    assert [it.number for it, _ in result.snapshots] == [0, 2, 5, 8, 10]
    assert result.snapshots[0][1].shape == (48, 64, 3)
    assert result.snapshots[-1][1].shape == (96, 128, 3)
    assert seen == [0, 1, 2, *range(2, 11)]  # stage 2 starts where stage 1 ended
    # Labelled the way the student asked: 8 iterations at 128 px, after 2 coarse ones.
    assert [str(it) for it, _ in result.snapshots] == [
        "stage 1 of 2 · iteration 0 of 2",
        "stage 1 of 2 · iteration 2 of 2",
        "stage 2 of 2 · iteration 3 of 8",
        "stage 2 of 2 · iteration 6 of 8",
        "stage 2 of 2 · iteration 8 of 8",
    ]
    assert [it.number for it in result.iterations] == list(range(11))
    assert [it.stage for it in result.iterations] == [1] * 3 + [2] * 8
    assert describe_stages(result.iterations) == (
        "10 iterations (2 at 64 px, then 8 at 128 px)"
    )
    assert result.settings.size == 128 and result.settings.stages == 2


def test_second_stage_starts_from_the_first(pictures):
    frames = []
    run(
        *pictures,
        iterations=4,  # 1 coarse iteration, then 4
        optimizer="adam",
        callback=lambda it, losses, image: frames.append(image),
    )
    coarse_end, fine_start = frames[1], frames[2]
    assert coarse_end.shape == (48, 64, 3) and fine_start.shape == (96, 128, 3)
    np.testing.assert_allclose(fine_start, resize_to(coarse_end, (96, 128)), atol=1e-6)


def test_every_stage_keeps_the_full_size_balance_of_content_and_style(pictures):
    """alpha grows with the pixel ratio at coarse stages: L_content sums over
    pixels, E_l does not. Check it by the losses of the identical image."""
    content = np.random.default_rng(5).uniform(size=(96, 128, 3)).astype("f4")
    style = pictures[1]
    one = dict(weights=None, progress=False, optimizer="adam", precision="float32")
    coarse = stylize(content, style, size=64, stages=1, alpha=4.0, iterations=1, **one)
    staged = run(content, style, alpha=1.0, iterations=4, **one)
    # The first stage of `staged` is `coarse` with alpha = 1 * (96*128)/(48*64) = 4.
    for name in ("total", "content", "style"):
        assert staged.history[name][:2] == pytest.approx(coarse.history[name][:2])


def test_the_result_keeps_each_stage_s_weights(pictures):
    """result.stages holds the alpha each stage used: with it, every entry of
    the history is alpha * L_content + beta * L_style + tv_weight * TV."""
    result = run(*pictures, iterations=4, optimizer="adam", tv_weight=0.5, beta=10.0)
    assert [s.size for s in result.stages] == [64, 128]
    assert [s.iterations for s in result.stages] == [1, 4]
    assert result.stages[0].alpha == pytest.approx(4.0)  # (96*128) / (48*64)
    alpha = np.array([result.stages[it.stage - 1].alpha for it in result.iterations])
    history = {name: np.array(values) for name, values in result.history.items()}
    parts = alpha * history["content"] + 10.0 * history["style"] + 0.5 * history["tv"]
    np.testing.assert_allclose(parts, history["total"], rtol=1e-5)


def test_lbfgs_converging_early_goes_on_to_the_next_stage(pictures, tmp_path):
    content = pictures[0]
    # Content loss only, starting at the content: the gradient is 0 at once.
    result = run(
        content,
        content,
        iterations=5,
        optimizer="lbfgs",
        init="content",
        beta=0.0,
        snapshots_dir=tmp_path,
    )
    assert result.image.shape == (96, 128, 3) and result.stopped is None
    assert "L-BFGS finished after 0 of 1 iterations" in result.note  # stage 1
    assert result.iterations_done >= 1  # stage 2 ran from the upsampled image
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stage1_64px", "stage2_128px"]


def test_a_stop_in_the_first_stage_ends_the_run(pictures):
    import threading

    stop = threading.Event()
    result = run(
        *pictures,
        iterations=8,
        optimizer="adam",
        stop=stop,
        callback=lambda it, *_: stop.set() if it == 1 else None,
    )
    assert result.stopped == "stage 1 of 2 (64 px): stopped on request"
    assert str(result.snapshots[-1][0]) == "stage 1 of 2 · iteration 1 of 2"
    assert result.image.shape == (48, 64, 3) and result.iterations_done == 1


def test_luminance_mode_starts_each_stage_grey(pictures):
    content = pictures[0]
    result = run(
        content,
        content,
        iterations=1,
        init="content",
        beta=0.0,
        preserve_colour="luminance",
        optimizer="adam",
        learning_rate=1e-6,
    )
    # Stage 2 starts from stage 1's (grey, optimised) image: content loss ~ 0
    # only if the coloured result was turned back into luminance.
    stage2_start = result.history["content"][1]
    assert stage2_start < 1e-3 * max(1.0, result.history["content"][0] + 1)
