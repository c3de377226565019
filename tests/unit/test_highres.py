"""Coarse-to-fine runs: stages, merged history and snapshots."""

import numpy as np
import pytest

from course_utils.highres import stylize_coarse_to_fine
from course_utils.images import resize_to

pytestmark = pytest.mark.filterwarnings("ignore:VGG19 has RANDOM")


@pytest.fixture(scope="module")
def pictures():
    rng = np.random.default_rng(4)
    return [rng.uniform(size=(60, 80, 3)).astype("f4") for _ in range(2)]


def test_stages_grow_and_merge(pictures):
    seen = []
    result = stylize_coarse_to_fine(
        *pictures,
        sizes=(48, 64),
        iterations=(4, 3),
        snapshot_every=2,
        weights=None,
        progress=False,
        callback=lambda it, *_: seen.append(it),
    )
    assert result.image.shape == (48, 64, 3)
    assert result.iterations_done == 7
    assert all(len(values) == 8 for values in result.history.values())
    assert [it for it, _ in result.snapshots] == [0, 2, 4, 6, 7]
    assert result.snapshots[0][1].shape == (36, 48, 3)
    assert seen == [0, 1, 2, 3, 4, 4, 5, 6, 7]  # stage 2 starts where stage 1 ended


def test_second_stage_starts_from_the_first(pictures):
    frames = []
    stylize_coarse_to_fine(
        *pictures,
        sizes=(48, 64),
        iterations=(3, 1),
        weights=None,
        progress=False,
        callback=lambda it, losses, image: frames.append(image),
    )
    coarse_end, fine_start = frames[3], frames[4]
    assert coarse_end.shape == (36, 48, 3) and fine_start.shape == (48, 64, 3)
    np.testing.assert_allclose(fine_start, resize_to(coarse_end, (48, 64)), atol=1e-6)


@pytest.mark.parametrize(
    "sizes, iterations, message",
    [
        ((64, 48), 2, "increasing"),
        ((48, 64), (1, 2, 3), "2 sizes but 3 iteration counts"),
    ],
)
def test_bad_stages(pictures, sizes, iterations, message):
    with pytest.raises(ValueError, match=message):
        stylize_coarse_to_fine(
            *pictures, sizes=sizes, iterations=iterations, weights=None
        )


def test_lbfgs_converging_early_goes_on_to_the_next_stage(pictures, tmp_path):
    content = pictures[0]
    # Content loss only, starting at the content: the gradient is 0 at once.
    result = stylize_coarse_to_fine(
        content,
        content,
        sizes=(48, 64),
        iterations=5,
        optimizer="lbfgs",
        init="content",
        beta=0.0,
        weights=None,
        progress=False,
        snapshots_dir=tmp_path,
    )
    assert result.image.shape == (48, 64, 3) and result.stopped is None
    assert "L-BFGS finished after 0 of 5 iterations" in result.note
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stage1_48px", "stage2_64px"]


def test_luminance_mode_starts_each_stage_grey(pictures):
    content = pictures[0]
    result = stylize_coarse_to_fine(
        content,
        content,
        sizes=(48, 64),
        iterations=1,
        init="content",
        beta=0.0,
        preserve_colour="luminance",
        weights=None,
        progress=False,
    )
    # Stage 2 starts from stage 1's (grey, optimised) image: content loss ~ 0
    # only if the coloured result was turned back into luminance.
    stage2_start = result.history["content"][1]
    assert stage2_start < 1e-3 * max(1.0, result.history["content"][0] + 1)
