"""The stylize loop on 64 px images with random (seeded) VGG19 weights.

Random weights make no style transfer; here they only exercise the loop:
does the loss fall, are snapshots and history right, does stopping keep
what was made.
"""

import threading

import numpy as np
import pytest
from tqdm import tqdm

from course_utils import vgg
from course_utils.images import load_image
from course_utils.objective import Objective
from course_utils.recorder import last_run
from course_utils.transfer import start_image, stylize

pytestmark = pytest.mark.filterwarnings("ignore:VGG19 has RANDOM")

FAST = {"weights": None, "size": 64, "progress": False}


@pytest.mark.parametrize("optimizer", ["adam", "lbfgs"])
def test_stylize_lowers_the_loss_in_20_iterations(images, optimizer):
    result = stylize(*images, optimizer=optimizer, iterations=20, **FAST)
    total = result.history["total"]
    assert len(total) == 21 and result.stopped is None
    assert total[-1] < 0.8 * total[0], f"{optimizer}: {total[0]} -> {total[-1]}"
    assert result.image.shape == (48, 64, 3) and result.image.dtype == np.float32
    assert 0 <= result.image.min() and result.image.max() <= 1
    assert not result.is_trained


def test_stylize_snapshots_and_history_at_requested_iterations(images, tmp_path):
    result = stylize(
        *images,
        iterations=12,
        snapshot_every=5,
        snapshots_dir=tmp_path / "frames",
        **FAST,
    )
    assert [it.number for it, _ in result.snapshots] == [0, 5, 10, 12]
    assert str(result.snapshots[1][0]) == "iteration 5 of 12"  # one stage: no stage
    assert all(len(values) == 13 for values in result.history.values())
    np.testing.assert_array_equal(result.snapshots[-1][1], result.image)
    saved = sorted(path.name for path in (tmp_path / "frames").iterdir())
    assert saved == [
        "iteration_00000.png",
        "iteration_00005.png",
        "iteration_00010.png",
        "iteration_00012.png",
    ]


def test_stylize_history_total_is_eq5_of_its_parts(images):
    result = stylize(*images, iterations=3, alpha=2.0, beta=5.0, tv_weight=0.5, **FAST)
    history = {name: np.array(values) for name, values in result.history.items()}
    expected = 2.0 * history["content"] + 5.0 * history["style"] + 0.5 * history["tv"]
    np.testing.assert_allclose(history["total"], expected, rtol=1e-5)


def test_stylize_same_seed_same_image(images):
    first = stylize(*images, iterations=5, seed=7, **FAST)
    again = stylize(*images, iterations=5, seed=7, **FAST)
    other = stylize(*images, iterations=5, seed=8, **FAST)
    np.testing.assert_array_equal(first.image, again.image)
    assert not np.allclose(first.image, other.image)


def test_stylize_callback_sees_every_iteration(images):
    seen = []
    stylize(
        *images,
        iterations=4,
        callback=lambda it, losses, image: seen.append(
            (it, sorted(losses), image.shape)
        ),
        **FAST,
    )
    assert [it for it, _, _ in seen] == [0, 1, 2, 3, 4]
    assert seen[0][1] == ["content", "style", "total", "tv"]
    assert seen[0][2] == (48, 64, 3)


@pytest.mark.parametrize("optimizer", ["adam", "lbfgs"])
def test_ctrl_c_stops_the_cell_and_last_run_keeps_the_partial_result(images, optimizer):
    kept = {}

    def interrupt_at_3(iteration, losses, image):
        kept[iteration] = image
        if iteration == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        stylize(
            *images,
            optimizer=optimizer,
            iterations=50,
            snapshot_every=2,
            callback=interrupt_at_3,
            **FAST,
        )
    result = last_run()
    assert "interrupted" in result.stopped
    assert result.iterations_done == 3
    assert [it.number for it, _ in result.snapshots] == [0, 2, 3]
    np.testing.assert_array_equal(result.image, kept[3])


def test_stylize_non_finite_loss_stops_and_keeps_last_finite_image(images):
    with pytest.warns(RuntimeWarning, match="smaller learning_rate"):
        result = stylize(
            *images, iterations=5, alpha=1e38, init="content", optimizer="adam", **FAST
        )
    # Iteration 0 is the content image itself (content loss 0, finite); the
    # first step overflows alpha * L_content to inf.
    assert "became inf at iteration 1" in result.stopped
    assert "kept the image of iteration 0" in result.stopped
    np.testing.assert_array_equal(result.image, load_image(images[0], 64))
    assert result.iterations_done == 0
    assert np.isfinite(result.image).all()


def test_start_image_mixes_noise_at_the_ratio(images):
    content, style = images
    noise = start_image(content, style, "noise", 0.7, seed=1)
    mixed = start_image(content, style, "mixed", 0.7, seed=1)
    np.testing.assert_allclose(mixed, 0.7 * noise + 0.3 * content, atol=1e-6)
    np.testing.assert_array_equal(
        start_image(content, style, "content", 0.7, 1), content
    )


@pytest.mark.parametrize("optimizer", ["adam", "lbfgs"])
def test_stylize_stop_event_ends_the_run_and_keeps_the_image(images, optimizer):
    stop = threading.Event()

    def stop_at_2(iteration, losses, image):
        if iteration == 2:
            stop.set()

    result = stylize(
        *images,
        optimizer=optimizer,
        iterations=50,
        stop=stop,
        callback=stop_at_2,
        **FAST,
    )
    assert result.stopped == "stopped on request"
    assert result.iterations_done == 2 and len(result.history["total"]) == 3
    assert result.snapshots[-1][0].number == 2


def test_stylize_lbfgs_non_finite_loss_keeps_the_start_image(images):
    with pytest.warns(RuntimeWarning, match="Try smaller alpha and beta"):
        result = stylize(
            *images, optimizer="lbfgs", iterations=5, alpha=1e38, init="noise", **FAST
        )
    assert "became inf at iteration 0" in result.stopped
    assert "learning_rate" not in result.stopped
    assert [it.number for it, _ in result.snapshots] == [0]
    np.testing.assert_array_equal(result.image, result.snapshots[0][1])


def test_stylize_stop_set_before_the_start_returns_the_start_image(images):
    stop = threading.Event()
    stop.set()
    result = stylize(*images, iterations=50, stop=stop, init="content", **FAST)
    assert result.stopped == "stopped on request"
    assert result.iterations_done == 0 and result.history["total"] == []
    assert [it.number for it, _ in result.snapshots] == [0]
    np.testing.assert_array_equal(result.image, load_image(images[0], 64))


def test_stylize_explicit_start_image(images):
    content = load_image(images[0], 64)
    result = stylize(*images, iterations=1, start=content, beta=0.0, **FAST)
    assert result.history["content"][0] == 0.0  # started exactly at the content


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"style_weights": 0.5}, TypeError, "one weight per style image"),
        ({"style_scale": 200.0}, ValueError, "too large to hold in memory"),
        (
            {"style_weights": [1.0], "masks": [np.ones((48, 64), "f4")]},
            ValueError,
            "style_weights do not apply",
        ),
    ],
)
def test_stylize_bad_style_options(images, kwargs, error, message):
    with pytest.raises(error, match=message):
        stylize(*images, iterations=1, **FAST, **kwargs)


def test_stylize_needs_a_style_image(images):
    with pytest.raises(ValueError, match="at least one style image"):
        stylize(images[0], [], iterations=1, **FAST)


@pytest.mark.parametrize("optimizer", ["adam", "lbfgs"])
def test_bfloat16_runs_finish_in_float32(images, optimizer):
    """The last 10 % of a bfloat16 run's iterations, and its final loss, are
    computed with float32 VGG19."""
    content, style = images
    result = stylize(
        content, style, iterations=10, optimizer=optimizer, precision="bfloat16", **FAST
    )
    assert result.settings.precision == "bfloat16" and result.iterations_done == 10
    layers = [*result.settings.content_layers, *result.settings.style_layers]
    resized = load_image(content, 64)
    exact, rounded = (
        Objective(
            resized,
            style,
            result.settings,
            extractor=vgg.feature_extractor(layers, None, precision=precision),
        )(result.image[np.newaxis])["total"]
        for precision in ("float32", "bfloat16")
    )
    assert result.history["total"][-1] == pytest.approx(float(exact), rel=1e-5)
    assert float(rounded) != pytest.approx(float(exact), rel=1e-5)


def test_an_error_in_the_callback_is_raised_and_closes_the_progress_bar(images):
    def broken(iteration, losses, image):
        if iteration == 1:
            raise ValueError("a bug in the callback")

    open_bars = len(tqdm._instances)
    with pytest.raises(ValueError, match="a bug in the callback"):
        stylize(*images, iterations=3, callback=broken, **{**FAST, "progress": True})
    assert len(tqdm._instances) == open_bars
