"""The objective: targets computed once, losses of an image, colour modes."""

import numpy as np
import pytest
import tensorflow as tf

from course_utils import vgg
from course_utils.images import load_image
from course_utils.objective import Objective, prepare_images
from course_utils.settings import StyleTransferSettings

pytestmark = pytest.mark.filterwarnings("ignore:VGG19 has RANDOM")


def test_loss_fn_content_term_is_zero_at_the_content_image(images):
    content, _ = images
    settings = StyleTransferSettings(weights=None, size=64)
    extractor = vgg.feature_extractor(["block4_conv1", *vgg.STYLE_LAYERS], None)
    losses = Objective(content, content, settings, extractor=extractor)(content[None])
    assert losses["content"].numpy() == 0.0
    assert losses["style"].numpy() == 0.0  # the style image is the content too


def test_loss_fn_gradient_matches_finite_differences_through_vgg(images):
    """Directional derivative of L_total through random VGG19 on a 32 px image."""
    rng = np.random.default_rng(3)
    content = images[0][:32, :32]
    style = images[1][:32, :32]
    settings = StyleTransferSettings(weights=None, size=32, beta=1.0, tv_weight=0.1)
    extractor = vgg.feature_extractor(["block4_conv1", *vgg.STYLE_LAYERS], None)
    loss_fn = Objective(content, style, settings, extractor=extractor)
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
    _, styles_, _ = prepare_images(
        load_image(images[0], 64), images[1], settings.preserve_colour
    )
    assert check(styles_[0], load_image(images[0], 64))
