"""How other courses normalise the same losses (notebook 05).

The report (and Gatys et al.) use Eq. 1 and Eq. 3. Popular tutorials scale
the same quantities differently. Each function here computes one tutorial's
per-layer term from the same features, so notebook 05 can put them side by
side. For one layer with N filters and M = H * W positions:

| convention          | content term    | style term of one layer                |
|---------------------|-----------------|----------------------------------------|
| report (Eq. 1, 3)   | 1/2 sum (F-P)^2 | sum (G-A)^2 / (4 N^2 M^2) = E_l        |
| TensorFlow tutorial | mean (F-P)^2    | mean (G/M - A/M)^2 = 4 E_l             |
| Keras example       | sum (F-P)^2     | sum (G-A)^2 / (4 3^2 S^2)              |
|                     |                 |   = E_l N^2 M^2 / (9 S^2)              |
| PyTorch tutorial    | mean (F-P)^2    | mean (G/(NM) - A/(NM))^2 = 4 E_l / N^2 |

S is the number of pixels of the input image: the Keras example divides by
the input's 3 colour channels and S where the report has the layer's N and M.
Every one is the report's loss times a constant per layer, so each amounts to
other alpha, beta and layer weights w_l: the optimum is the
same family of images, reached with different settings. Notebook 05 compares
the style terms; the content terms differ from Eq. 1 by the constant in the
table (2 for the sum, 2 / (N M) for the mean).
"""

from __future__ import annotations

import tensorflow as tf

from course_utils.losses import feature_matrix


def _gram_and_sizes(features):
    matrix = feature_matrix(features)
    num_filters = tf.cast(tf.shape(matrix)[0], matrix.dtype)
    num_positions = tf.cast(tf.shape(matrix)[1], matrix.dtype)
    return tf.matmul(matrix, matrix, transpose_b=True), num_filters, num_positions


def tf_tutorial_style_layer_loss(generated, style) -> tf.Tensor:
    """TensorFlow tutorial: Gram divided by M, then the mean squared difference."""
    gram, _, num_positions = _gram_and_sizes(generated)
    target, _, _ = _gram_and_sizes(style)
    return tf.reduce_mean(tf.square((gram - target) / num_positions))


def keras_example_style_layer_loss(generated, style, num_pixels) -> tf.Tensor:
    """Keras example: sum (G - A)^2 / (4 * 3^2 * S^2), S = pixels of the input image.

    The 3 is the input image's colour channels, whatever the layer's N.
    """
    gram, _, _ = _gram_and_sizes(generated)
    target, _, _ = _gram_and_sizes(style)
    scale = 4.0 * 3.0**2 * float(num_pixels) ** 2
    return tf.reduce_sum(tf.square(gram - target)) / scale


def pytorch_tutorial_style_layer_loss(generated, style) -> tf.Tensor:
    """PyTorch tutorial: Gram divided by N * M, then the mean squared difference."""
    gram, num_filters, num_positions = _gram_and_sizes(generated)
    target, _, _ = _gram_and_sizes(style)
    scale = num_filters * num_positions
    return tf.reduce_mean(tf.square((gram - target) / scale))
