"""The TensorFlow tutorial's loss is the report's Eq. 5 with other weights."""

import numpy as np
import pytest
import tensorflow as tf

from benchmarks import tutorial
from course_utils import vgg
from course_utils.objective import Objective
from course_utils.settings import StyleTransferSettings

pytestmark = pytest.mark.filterwarnings("ignore:VGG19 has RANDOM")


@pytest.fixture(scope="module")
def pictures():
    rng = np.random.default_rng(12)
    return (
        rng.uniform(size=(64, 96, 3)).astype("f4"),
        rng.uniform(size=(60, 90, 3)).astype("f4"),
    )


def test_tutorial_gram_is_gram_over_positions(rng):
    features = rng.normal(size=(1, 3, 4, 5)).astype("f4")
    matrix = features.reshape(-1, 5)
    np.testing.assert_allclose(
        tutorial.tutorial_gram(features)[0], matrix.T @ matrix / 12, rtol=1e-5
    )


def test_tutorial_loss_equals_eq5_with_equivalent_settings(pictures):
    content, style = pictures
    extractor = vgg.feature_extractor(
        [*tutorial.STYLE_LAYERS, *tutorial.CONTENT_LAYERS], None
    )
    style = tutorial.scale_style(style, content.shape, 1.0)
    expected = tutorial.tutorial_loss_fn(extractor, content, style)
    settings = StyleTransferSettings(
        weights=None, size=96, **tutorial.equivalent_settings(content.shape)
    )
    report = Objective(content, style, settings, extractor=extractor)
    image = tf.constant(
        np.random.default_rng(1).uniform(size=(1, 64, 96, 3)), tf.float32
    )
    losses = report(image)
    assert float(losses["total"]) == pytest.approx(float(expected(image)), rel=1e-4)
    # both terms matter here, so a wrong alpha or beta could not pass
    parts = [
        settings.alpha * float(losses["content"]),
        settings.beta * float(losses["style"]),
    ]
    assert min(parts) > 0.1 * float(losses["total"])


def test_tutorial_run_lowers_its_loss(pictures):
    run = tutorial.tutorial_run(*pictures, steps=8, size=64, weights=None)
    assert len(run.losses) == 8 and run.losses[-1] < run.losses[0]
    assert run.seconds == sorted(run.seconds) and run.image.shape == (43, 64, 3)
