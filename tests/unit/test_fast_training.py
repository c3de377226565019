"""Training the real-time network (course_utils.fast.training and .loop), with
random VGG19 weights: the perceptual loss, the step, float16, checkpoints."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from course_utils import fast
from course_utils.fast import training as tr
from course_utils.objective import Objective
from course_utils.settings import StyleTransferSettings

pytestmark = pytest.mark.filterwarnings("ignore:VGG19 has RANDOM")

SIZE = 32


@pytest.fixture(scope="module")
def settings():
    return StyleTransferSettings(
        size=SIZE, weights=None, precision="float32", tv_weight=1e-3
    )


@pytest.fixture(scope="module")
def style():
    return np.random.default_rng(5).random((40, 40, 3), dtype=np.float32)


@pytest.fixture(scope="module")
def photos():
    return np.random.default_rng(6).random((2, SIZE, SIZE, 3), dtype=np.float32)


def tiny(**changes):
    options = {
        "steps": 4,
        "batch_size": 2,
        "width": 4,
        "residual_blocks": 1,
        "network_precision": "float32",
        "checkpoint_every": 2,
        **changes,
    }
    return tr.TrainingSettings(**options)


def test_perceptual_loss_is_each_photos_objective_averaged(settings, style, photos):
    stylized = np.random.default_rng(7).random(photos.shape, dtype=np.float32)
    loss = tr.PerceptualLoss(style, settings)(photos, stylized)
    for name in ("total", "content", "style", "tv"):
        alone = [
            float(Objective(photo, style, settings)(y[None])[name])
            for photo, y in zip(photos, stylized)
        ]
        np.testing.assert_allclose(float(loss[name]), np.mean(alone), rtol=1e-4)


def test_perceptual_loss_refuses_colour_modes(style):
    keep = StyleTransferSettings(size=SIZE, weights=None, preserve_colour="luminance")
    with pytest.raises(
        ValueError,
        match="preserve_colour=None; got size=32, preserve_colour='luminance'",
    ):
        tr.PerceptualLoss(style, keep)


def test_training_step_by_hand():
    # y = k x with k = 0.5, x = 1; loss (y - 2x)^2 = 2.25; dloss/dk = 2(y - 2x) x = -3
    network = keras.Sequential(
        [
            keras.Input((1, 1, 1)),
            keras.layers.Conv2D(1, 1, use_bias=False, kernel_initializer="zeros"),
        ]
    )
    network.layers[0].kernel.assign([[[[0.5]]]])
    photos = tf.ones((1, 1, 1, 1))
    loss = tr.training_step(
        network,
        photos,
        lambda x, y: tf.reduce_sum((y - 2 * x) ** 2),
        keras.optimizers.SGD(0.1),
    )
    assert float(loss) == pytest.approx(2.25)
    assert float(network.layers[0].kernel[0, 0, 0, 0]) == pytest.approx(0.8)
    np.testing.assert_array_equal(photos.numpy(), 1.0)  # the photos are not changed


def test_training_step_scales_the_loss_for_float16():
    # The hand-worked step, with the loss 1000 times smaller and a learning rate
    # 1000 times larger: the same update, k from 0.5 to 0.8. The optimiser
    # unscales the gradients by its loss scale (2**15), so a step that did not
    # scale the loss would move k by 0.3 / 2**15 only.
    net = keras.Sequential(
        [
            keras.Input((1, 1, 1)),
            keras.layers.Conv2D(1, 1, use_bias=False, dtype="mixed_float16"),
        ]
    )
    net.layers[0].kernel.assign([[[[0.5]]]])
    optimizer = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(100.0))

    def loss_fn(x, y):
        return 1e-3 * tf.reduce_sum((tf.cast(y, tf.float32) - 2 * x) ** 2)

    loss = tr.training_step(net, tf.ones((1, 1, 1, 1)), loss_fn, optimizer)
    assert float(loss) == pytest.approx(2.25e-3)
    assert float(net.layers[0].kernel[0, 0, 0, 0]) == pytest.approx(0.8, abs=1e-3)


def test_training_lowers_the_perceptual_loss_on_tiny_data(settings, style, photos):
    loss = tr.PerceptualLoss(style, settings)
    net = fast.transform_net(width=4, residual_blocks=1, seed=0)
    step = tr.compiled_step(net, loss, keras.optimizers.Adam(1e-2))
    totals = [float(step(photos)["total"]) for _ in range(25)]
    assert np.mean(totals[-3:]) < 0.5 * totals[0], totals


def test_float16_training_keeps_every_loss_finite(settings, style, photos, tmp_path):
    result = fast.train(
        style,
        [photos] * 6,
        settings,
        tiny(steps=6, network_precision="mixed_float16"),
        checkpoint=tmp_path / "net.keras",
        progress=False,
    )
    assert result.steps_done == 6 and result.stopped is None
    convs = [x for x in result.network.layers if isinstance(x, keras.layers.Conv2D)]
    assert {c.compute_dtype for c in convs} == {"float16"}
    for name, values in result.history.items():
        assert len(values) == 6 and np.all(np.isfinite(values)), name
    assert fast.record(fast.load_network(tmp_path / "net.keras"))["steps"] == 6


@pytest.mark.slow  # test_fast_cli's fixture reads a folder too
def test_train_reads_a_folder_and_records_how_it_trained(settings, style, tmp_path):
    from PIL import Image

    rng = np.random.default_rng(8)
    for k in range(3):
        Image.fromarray(rng.integers(0, 255, (40 + k, 50, 3), np.uint8)).save(
            tmp_path / f"photo{k}.png"
        )
    result = fast.train(style, tmp_path, settings, tiny(steps=3), progress=False)
    assert result.steps_done == 3 and not result.is_trained
    assert fast.record(result.network) == {
        "vgg_weights": "random",
        "style": "an image array",
        "steps": 3,
        "size": SIZE,
    }


class _Interrupting:
    """Batches of photos; a KeyboardInterrupt (Ctrl-C) instead of batch `at`."""

    def __init__(self, photos, at):
        self.photos, self.at = photos, at

    def __iter__(self):
        for number in range(100):
            if number == self.at:
                raise KeyboardInterrupt
            yield self.photos


def test_ctrl_c_saves_a_checkpoint_then_stops(settings, style, photos, tmp_path):
    path = tmp_path / "checkpoints" / "net.keras"
    with pytest.raises(KeyboardInterrupt):
        fast.train(
            style,
            _Interrupting(photos, 3),
            settings,
            tiny(steps=50),
            checkpoint=path,
            progress=False,
        )
    result = fast.last_training()
    assert result.steps_done == 3
    assert result.stopped == "interrupted by the user (KeyboardInterrupt)"
    back = fast.load_network(path)
    assert fast.record(back)["steps"] == 3  # not the checkpoint of step 2
    np.testing.assert_array_equal(
        np.asarray(back(photos)), np.asarray(result.network(photos))
    )
    assert not list(path.parent.glob("*.partial*"))


@pytest.mark.slow  # compiles a run of its own; the Ctrl-C test stays fast
def test_a_nan_loss_ends_with_the_last_good_network(settings, style, photos, tmp_path):
    broken = np.full_like(photos, np.nan)
    batches = [photos, photos, photos, broken, photos]
    result = fast.train(
        style,
        batches,
        settings,
        tiny(steps=5),
        checkpoint=tmp_path / "net.keras",
        progress=False,
    )
    assert result.stopped.startswith(
        "the loss became nan at step 3; the network is the one after step 2"
    )
    assert result.steps_done == 3 and len(result.history["total"]) == 3
    back = fast.load_network(tmp_path / "net.keras")
    assert fast.record(back)["steps"] == 2
    np.testing.assert_array_equal(
        np.asarray(back(photos)), np.asarray(result.network(photos))
    )
    assert np.all(np.isfinite(np.asarray(result.network(photos))))


@pytest.mark.slow  # compiles a run of its own; the Ctrl-C test stays fast
def test_running_out_of_photos_ends_the_run(settings, style, photos):
    result = fast.train(style, [photos] * 2, settings, tiny(steps=5), progress=False)
    assert result.steps_done == 2
    assert result.stopped == "the photos ran out after 2 steps"


@pytest.mark.parametrize(
    ("dtype", "scaled"),
    [(None, False), ("mixed_bfloat16", False), ("mixed_float16", True)],
)
def test_the_loss_is_scaled_exactly_when_the_network_computes_in_float16(dtype, scaled):
    net = fast.transform_net(width=2, residual_blocks=1, dtype=dtype)
    optimizer = tr.optimizer_for(tiny(network_precision="float32"), net)
    assert isinstance(optimizer, keras.optimizers.LossScaleOptimizer) == scaled


def test_training_settings_are_checked():
    with pytest.raises(ValueError, match="batch_size must be at least 1; got 0"):
        tr.TrainingSettings(batch_size=0)
    with pytest.raises(ValueError, match="network_precision must be one of"):
        tr.TrainingSettings(network_precision="float16")
    with pytest.raises(ValueError, match=r"\.keras file; got 'net\.h5'"):
        fast.train(None, [], checkpoint="net.h5")
