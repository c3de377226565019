"""The stylize loop on 64 px images with random (seeded) VGG19 weights.

Random weights make no style transfer; here they only exercise the loop:
does the loss fall, are snapshots and history right, does stopping keep
what was made.
"""

import threading

import numpy as np
import pytest
import tensorflow as tf

from course_utils import vgg
from course_utils.images import load_image
from course_utils.optimise import (
    StyleTransferSettings,
    _prepare_images,
    make_loss_fn,
    start_image,
    stylize,
)

pytestmark = pytest.mark.filterwarnings("ignore:VGG19 has RANDOM")

FAST = {"weights": None, "size": 64, "progress": False}


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(42)
    content = np.clip(
        np.linspace(0, 1, 64)[None, :, None] + 0.1 * rng.normal(size=(48, 64, 3)), 0, 1
    ).astype("f4")
    style = rng.uniform(size=(40, 40, 3)).astype("f4")
    return content, style


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
    assert [it for it, _ in result.snapshots] == [0, 5, 10, 12]
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
def test_stylize_keyboard_interrupt_keeps_the_partial_result(images, optimizer):
    kept = {}

    def interrupt_at_3(iteration, losses, image):
        kept[iteration] = image
        if iteration == 3:
            raise KeyboardInterrupt

    result = stylize(
        *images,
        optimizer=optimizer,
        iterations=50,
        snapshot_every=2,
        callback=interrupt_at_3,
        **FAST,
    )
    assert "interrupted" in result.stopped
    assert result.iterations_done == 3
    assert [it for it, _ in result.snapshots] == [0, 2, 3]
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


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"iterations": 0}, "iterations must be at least 1; got 0"),
        ({"iterations": -3}, "iterations must be at least 1; got -3"),
        ({"size": 16}, "size must be at least 32; got 16"),
        ({"learning_rate": 0}, "learning_rate must be > 0.0; got 0"),
        ({"learning_rate": -0.1}, "learning_rate must be > 0.0; got -0.1"),
        ({"alpha": -1}, "alpha must be a finite number >= 0; got -1"),
        ({"beta": -2}, "beta must be a finite number >= 0; got -2"),
        ({"alpha": 0, "beta": 0}, "both 0"),
        ({"tv_weight": -1}, "tv_weight must be >= 0.0; got -1"),
        ({"style_layers": []}, "style layers are empty"),
        ({"content_layers": []}, "content layers are empty"),
        ({"style_layers": {"block1_conv1": -0.5}}, "got -0.5"),
        ({"content_layers": ["conv9_9"]}, "Unknown VGG19 layer 'conv9_9'"),
        (
            {"init": "random"},
            "init must be one of 'mixed', 'content', 'noise', 'style'",
        ),
        ({"optimizer": "sgd"}, "optimizer must be one of 'adam', 'lbfgs'; got 'sgd'"),
        ({"noise_ratio": 1.5}, "noise_ratio must be <= 1.0; got 1.5"),
        ({"snapshot_every": 0}, "snapshot_every must be at least 1"),
        ({"seed": -1}, "seed must be at least 0; got -1"),
    ],
)
def test_settings_reject_bad_values_with_the_value(settings, message):
    with pytest.raises(ValueError, match=message):
        StyleTransferSettings(**settings)


def test_settings_normalise_layers_to_keras_names():
    settings = StyleTransferSettings(
        content_layers=["conv4_2"],
        style_layers={"conv1_1": 2, "conv2_1": 1},
        weights=None,
    )
    assert settings.content_layers == {"block4_conv2": 1.0}
    assert settings.style_layers == {"block1_conv1": 2.0, "block2_conv1": 1.0}
    assert settings.weights == "random"


def test_start_image_mixes_noise_at_the_ratio(images):
    content, style = images
    noise = start_image(content, style, "noise", 0.7, seed=1)
    mixed = start_image(content, style, "mixed", 0.7, seed=1)
    np.testing.assert_allclose(mixed, 0.7 * noise + 0.3 * content, atol=1e-6)
    np.testing.assert_array_equal(
        start_image(content, style, "content", 0.7, 1), content
    )


def test_loss_fn_content_term_is_zero_at_the_content_image(images):
    content, _ = images
    settings = StyleTransferSettings(weights=None, size=64)
    extractor = vgg.feature_extractor(["block4_conv1", *vgg.STYLE_LAYERS], None)
    losses = make_loss_fn(extractor, content, content, settings)(content[None])
    assert losses["content"].numpy() == 0.0
    assert losses["style"].numpy() == 0.0  # the style image is the content too


def test_loss_fn_gradient_matches_finite_differences_through_vgg(images):
    """Directional derivative of L_total through random VGG19 on a 32 px image."""
    rng = np.random.default_rng(3)
    content = images[0][:32, :32]
    style = images[1][:32, :32]
    settings = StyleTransferSettings(weights=None, size=32, beta=1.0, tv_weight=0.1)
    extractor = vgg.feature_extractor(["block4_conv1", *vgg.STYLE_LAYERS], None)
    loss_fn = make_loss_fn(extractor, content, style, settings)
    x = tf.constant(rng.uniform(0.2, 0.8, size=(1, 32, 32, 3)).astype("f4"))
    direction = rng.normal(size=x.shape).astype("f4")
    direction /= np.linalg.norm(direction)
    with tf.GradientTape() as tape:
        tape.watch(x)
        value = loss_fn(x)["total"]
    analytic = float(tf.reduce_sum(tape.gradient(value, x) * direction))
    eps = 1e-2
    plus = float(loss_fn(x + eps * direction)["total"])
    minus = float(loss_fn(x - eps * direction)["total"])
    numeric = (plus - minus) / (2 * eps)
    assert analytic == pytest.approx(numeric, rel=2e-2)


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
    assert result.snapshots[-1][0] == 2


def test_settings_seed_must_be_a_whole_number():
    with pytest.raises(TypeError, match="seed must be a whole number; got 1.5"):
        StyleTransferSettings(seed=1.5)


def test_stylize_lbfgs_non_finite_loss_keeps_the_start_image(images):
    with pytest.warns(RuntimeWarning, match="Try smaller alpha and beta"):
        result = stylize(
            *images, optimizer="lbfgs", iterations=5, alpha=1e38, init="noise", **FAST
        )
    assert "became inf at iteration 0" in result.stopped
    assert "learning_rate" not in result.stopped
    assert [it for it, _ in result.snapshots] == [0]
    np.testing.assert_array_equal(result.image, result.snapshots[0][1])


def test_stylize_stop_set_before_the_start_returns_the_start_image(images):
    stop = threading.Event()
    stop.set()
    result = stylize(*images, iterations=50, stop=stop, init="content", **FAST)
    assert result.stopped == "stopped on request"
    assert result.iterations_done == 0 and result.history["total"] == []
    assert [it for it, _ in result.snapshots] == [0]
    np.testing.assert_array_equal(result.image, load_image(images[0], 64))


def test_stylize_explicit_start_image(images):
    content = load_image(images[0], 64)
    result = stylize(*images, iterations=1, start=content, beta=0.0, **FAST)
    assert result.history["content"][0] == 0.0  # started exactly at the content


@pytest.mark.parametrize(
    "preserve, check",
    [
        (
            "histogram",
            lambda style, content: np.allclose(
                style.reshape(-1, 3).mean(0), content.reshape(-1, 3).mean(0), atol=0.02
            ),
        ),
        ("luminance", lambda style, content: np.allclose(style[..., 0], style[..., 2])),
    ],
)
def test_colour_modes_prepare_the_style_image(images, preserve, check):
    settings = StyleTransferSettings(preserve_colour=preserve, size=64, weights=None)
    content, styles_, _ = _prepare_images(images[0], images[1], settings)
    assert check(styles_[0], load_image(images[0], 64))


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


def test_the_defaults_are_the_fast_path():
    settings = StyleTransferSettings(weights=None)
    assert settings.optimizer == "adam" and settings.stages == 3
    assert settings.precision in ("float32", "bfloat16")  # "auto", resolved


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"precision": "half"}, "precision must be one of 'auto', 'float32'"),
        ({"stages": 0}, "stages must be at least 1; got 0"),
    ],
)
def test_bad_speed_settings(bad, message):
    with pytest.raises(ValueError, match=message):
        StyleTransferSettings(weights=None, **bad)


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
        make_loss_fn(
            vgg.feature_extractor(layers, None, precision=precision),
            resized,
            style,
            result.settings,
        )(result.image[np.newaxis])["total"]
        for precision in ("float32", "bfloat16")
    )
    assert result.history["total"][-1] == pytest.approx(float(exact), rel=1e-5)
    assert float(rounded) != pytest.approx(float(exact), rel=1e-5)
