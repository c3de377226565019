"""The worked examples of the graded exercises: each exercise's visible check.

One function per exercise, named after it, takes the student's function and
asserts that it gives the hand-computed answer of the exercise's *Expected*
line, with a message that says what to look at. The notebook's visible test
cell and its "Before you hand in" cell (`exercises.before_you_hand_in`) both
call these, so a pass in one is a pass in the other. The hidden tests stay
in the notebooks' sources.

    with exercises.isolated("content_loss", globals()):
        worked_examples.content_loss(content_loss)

Raises AssertionError (with the message) when the answer is not yet right.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from course_utils import losses


def num_conv_params(solution) -> None:
    """block1_conv1 and block1_conv2 of VGG19: 1,792 and 36,928 parameters."""
    assert solution(3, 3, 64) == 1792, (
        f"block1_conv1 (3x3, 3 -> 64) has 3*3*3*64 + 64 = 1792 parameters; "
        f"got {solution(3, 3, 64)}"
    )
    assert solution(3, 64, 64) == 36928, (
        "block1_conv2 (3x3, 64 -> 64) has 3*3*64*64 + 64 = 36928 parameters; "
        f"got {solution(3, 64, 64)}. Did you count one bias per filter?"
    )


def content_loss(solution) -> None:
    """Eq. 1: F = [1, 2, 3, 4], P = [1, 0, 0, 2] give 8.5; F against F gives 0."""
    F = np.array([[[1.0], [2.0]], [[3.0], [4.0]]])  # (2, 2, 1)
    P = np.array([[[1.0], [0.0]], [[0.0], [2.0]]])
    assert np.ndim(solution(F, P)) == 0, "content_loss must return a scalar"
    assert np.isclose(float(solution(F, P)), 8.5), (
        f"For F = [1, 2, 3, 4] and P = [1, 0, 0, 2] the loss is 1/2 * (0 + 4 + 9 + 4) "
        f"= 8.5; got {float(solution(F, P))}. Did you forget the 1/2 or the square?"
    )
    assert float(solution(F, F)) == 0.0, "Identical inputs must give a loss of 0"


def gram_matrix(solution) -> None:
    """Eq. 2: two filters on a 2x2 map give [[30, 6], [6, 2]], batched or not."""
    two_filters = np.stack(
        [[[1.0, 2.0], [3.0, 4.0]], [[0.0, 1.0], [0.0, 1.0]]], axis=-1
    )  # (2, 2, 2)
    G = np.asarray(solution(two_filters))
    assert G.shape == (2, 2), (
        f"Two filters give a (2, 2) Gram matrix; got shape {G.shape}"
    )
    assert np.allclose(G, [[30, 6], [6, 2]]), (
        "Expected [[30, 6], [6, 2]] (sums over the 4 positions, no normalisation); "
        f"got {G.tolist()}"
    )
    G_batch = np.asarray(solution(two_filters[np.newaxis]))
    assert np.allclose(G_batch, G), (
        "A batch of one, (1, H, W, N), must give the same matrix"
    )


def style_layer_loss(solution) -> None:
    """Eq. 3: F = [1, 2] (G = 5) against A = 3 gives 0.25; against its own
    Gram matrix (the package's, as in every test of this exercise), 0."""
    E = float(solution(np.array([[[1.0], [2.0]]]), np.array([[3.0]])))
    assert np.isclose(E, 0.25), (
        f"F = [1, 2] gives G = 5; with A = 3, E = (5 - 3)^2 / (4 * 1 * 2^2) = 0.25; "
        f"got {E}. Check the 4 N^2 M^2 in the denominator."
    )
    features = np.arange(24, dtype="float32").reshape(1, 2, 4, 3) / 10
    own = float(solution(features, losses.gram_matrix(features)))
    assert np.isclose(own, 0.0, atol=1e-6), (
        f"Against its own Gram matrix the loss is 0; got {own}"
    )


def style_loss(solution) -> None:
    """Eq. 4: 2 * E_l1 + 1 * E_l2 = 2 * 0.25 + 0 = 0.5."""
    example = {"l1": np.array([[[1.0], [2.0]]]), "l2": np.array([[[1.0], [2.0]]])}
    targets = {"l1": np.array([[3.0]]), "l2": np.array([[5.0]])}
    L = float(solution(example, targets, {"l1": 2.0, "l2": 1.0}))
    assert np.isclose(L, 0.5), f"2 * E_l1 + 1 * E_l2 = 2 * 0.25 + 0 = 0.5; got {L}"


def total_loss(solution) -> None:
    """Eq. 5: total_loss(3, 5, alpha=2, beta=4) is 2 * 3 + 4 * 5 = 26."""
    L = float(solution(3.0, 5.0, alpha=2.0, beta=4.0))
    assert np.isclose(L, 26.0), (
        f"2 * 3 + 4 * 5 = 26; got {L}. Is alpha on the content loss?"
    )


def optimisation_step(solution) -> None:
    """One gradient-descent step moves every pixel from 0.5 to 0.3 and returns
    the loss before it, 0.48."""
    pixels = tf.Variable(tf.fill((1, 2, 2, 3), 0.5))
    loss = solution(
        pixels,
        lambda x: tf.reduce_sum((x - 0.3) ** 2),
        tf.keras.optimizers.SGD(learning_rate=0.5),
    )
    assert np.isclose(float(loss), 0.48), (
        "Return the loss before the update: 12 pixels * (0.5 - 0.3)^2 = 0.48; "
        f"got {float(loss)}"
    )
    assert np.allclose(pixels.numpy(), 0.3), (
        "After one step every pixel is 0.5 - 0.5 * 2 * (0.5 - 0.3) = 0.3; "
        f"got {pixels.numpy().ravel()[:3]}. "
        "Did you update the variable in place with optimizer.apply_gradients?"
    )


def combine_luminance(solution) -> None:
    """A grey content pixel takes the stylized pixel's luminance, 0.3392, and
    stays grey."""
    result = np.asarray(
        solution(np.full((1, 1, 3), 0.5), np.array([[[0.9, 0.1, 0.1]]]))
    )
    assert result.shape == (1, 1, 3), f"Expected shape (1, 1, 3); got {result.shape}"
    assert np.allclose(result, 0.3392, atol=1e-4), (
        "Expected grey 0.3392 (the stylized luminance, no colour); "
        f"got {result.ravel()}. Take Y from `stylized` but I and Q from `content`."
    )


def training_step(solution) -> None:
    """One gradient-descent step on the network y = k x moves k from 0.5 to 0.8
    and returns the loss before it, 2.25."""
    network = tf.keras.Sequential(
        [
            tf.keras.Input((1, 1, 1)),
            tf.keras.layers.Conv2D(1, 1, use_bias=False),
        ]
    )
    kernel = network.layers[0].kernel
    kernel.assign(tf.fill(kernel.shape, 0.5))
    photos = tf.ones((1, 1, 1, 1))
    loss = solution(
        network,
        photos,
        lambda x, y: tf.reduce_sum((y - 2.0 * x) ** 2),
        tf.keras.optimizers.SGD(learning_rate=0.1),
    )
    assert np.isclose(float(loss), 2.25), (
        "Return the loss before the update: (0.5 * 1 - 2 * 1)^2 = 2.25; "
        f"got {float(loss)}"
    )
    assert np.isclose(float(kernel[0, 0, 0, 0]), 0.8), (
        "After one step k is 0.5 - 0.1 * 2 * (0.5 - 2) = 0.8; got "
        f"{float(kernel[0, 0, 0, 0])}. Did you take the gradient with respect to "
        "network.trainable_variables and apply it with optimizer.apply_gradients?"
    )
