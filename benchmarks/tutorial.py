"""The TensorFlow tutorial's loop, reproduced as the benchmark's baseline.

The tutorial ("Neural style transfer", tensorflow.org) optimises the same
kind of objective with its own scaling: a Gram matrix divided by M, means
instead of sums, style weight 1e-2, content weight 1e4, content layer
block5_conv2, and Adam(0.02, beta_1=0.99, epsilon=0.1) with pixels clipped
to [0, 1]. Its loss is exactly the report's Eq. 5 for particular alpha, beta
and w_l (see `equivalent_settings`), so a benchmark can run both on the
identical objective.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import keras
import numpy as np
import tensorflow as tf

from course_utils import vgg
from course_utils.images import load_image
from course_utils.styles import scale_style

STYLE_WEIGHT = 1e-2
CONTENT_WEIGHT = 1e4
CONTENT_LAYERS = ("block5_conv2",)
STYLE_LAYERS = vgg.STYLE_LAYERS


def tutorial_gram(features) -> tf.Tensor:
    """The tutorial's Gram matrix: einsum over positions, divided by M. (B, N, N)."""
    result = tf.linalg.einsum("bijc,bijd->bcd", features, features)
    shape = tf.shape(features)
    return result / tf.cast(shape[1] * shape[2], tf.float32)


def tutorial_loss_fn(extractor, content, style):
    """Return image -> the tutorial's style_content_loss (a scalar).

    Args:
        extractor: a FeatureExtractor with STYLE_LAYERS and CONTENT_LAYERS.
        content: (H, W, 3) content image in [0, 1].
        style: (H_s, W_s, 3) style image in [0, 1].
    """
    content_targets = extractor(content)
    style_features = extractor(style)
    style_targets = {name: tutorial_gram(style_features[name]) for name in STYLE_LAYERS}

    def loss(image):
        outputs = extractor(image)
        style_loss = tf.add_n(
            [
                tf.reduce_mean(
                    (tutorial_gram(outputs[name]) - style_targets[name]) ** 2
                )
                for name in STYLE_LAYERS
            ]
        )
        style_loss *= STYLE_WEIGHT / len(STYLE_LAYERS)
        content_loss = tf.add_n(
            [
                tf.reduce_mean((outputs[name] - content_targets[name]) ** 2)
                for name in CONTENT_LAYERS
            ]
        )
        content_loss *= CONTENT_WEIGHT / len(CONTENT_LAYERS)
        return style_loss + content_loss

    return loss


def equivalent_settings(content_shape) -> dict:
    """`stylize` settings whose objective (Eq. 5) equals the tutorial's loss.

    Tutorial style term: (w_s / L) sum_l mean((G - A)^2 / M^2) = 4 w_s sum_l E_l / L,
    so beta = 4 w_s with equal w_l = 1/L. Tutorial content term:
    w_c mean((F - P)^2) = (2 w_c / (N M)) L_content at block5_conv2, so
    alpha = 2 w_c / (N M) with N = 512 and M that layer's positions.
    """
    height, width = content_shape[:2]
    num_positions = (height // 16) * (width // 16)  # block5_conv2 is 1/16 size
    return {
        "alpha": 2.0 * CONTENT_WEIGHT / (512 * num_positions),
        "beta": 4.0 * STYLE_WEIGHT,
        "content_layers": list(CONTENT_LAYERS),
        "style_layers": list(STYLE_LAYERS),
    }


@dataclass
class TutorialRun:
    """The baseline's image and, per step, its loss and the time since the start."""

    image: np.ndarray
    losses: list = field(default_factory=list)
    seconds: list = field(default_factory=list)


def tutorial_run(
    content, style, steps: int, size: int = 512, weights="imagenet", seed: int = 0
) -> TutorialRun:
    """Run the tutorial's loop for `steps` steps from the content image.

    `losses[k]` is the loss of the image before step k + 1 (as the tutorial's
    train_step computes it) and `seconds[k]` the time when that step ended.
    """
    content = load_image(content, size)
    style = scale_style(load_image(style), content.shape, 1.0)
    extractor = vgg.feature_extractor([*STYLE_LAYERS, *CONTENT_LAYERS], weights, seed)
    loss_fn = tutorial_loss_fn(extractor, content, style)
    image = tf.Variable(content[np.newaxis])
    optimizer = keras.optimizers.Adam(learning_rate=0.02, beta_1=0.99, epsilon=0.1)

    @tf.function
    def train_step():
        with tf.GradientTape() as tape:
            loss = loss_fn(image)
        optimizer.apply_gradients([(tape.gradient(loss, image), image)])
        image.assign(tf.clip_by_value(image, 0.0, 1.0))
        return loss

    run = TutorialRun(content)
    started = time.perf_counter()
    for _ in range(steps):
        run.losses.append(float(train_step()))
        run.seconds.append(time.perf_counter() - started)
    run.image = image.numpy()[0]
    return run
