"""The report's equations (Eq. 1-5) against hand-worked values and NumPy."""

import numpy as np
import pytest
import tensorflow as tf

from course_utils.losses import (
    content_loss,
    gram_matrix,
    style_layer_loss,
    style_loss,
    total_loss,
    total_variation_loss,
)


def numpy_gram(features):
    matrix = features.reshape(-1, features.shape[-1]).T  # (N, M)
    return matrix @ matrix.T


def test_gram_matrix_hand_computed_2x2_map():
    # Two filters on a 2x2 map: filter 0 = [1, 2, 3, 4], filter 1 = [0, 1, 0, 1].
    features = np.stack([[[1, 2], [3, 4]], [[0, 1], [0, 1]]], axis=-1).astype("f4")
    expected = np.array([[1 + 4 + 9 + 16, 2 + 4], [2 + 4, 2]], dtype="f4")
    actual = gram_matrix(features).numpy()
    np.testing.assert_array_equal(actual, expected)


def test_gram_matrix_batch_of_one_matches_numpy(rng):
    features = rng.normal(size=(1, 5, 7, 3)).astype("f4")
    actual = gram_matrix(features).numpy()
    np.testing.assert_allclose(actual, numpy_gram(features[0]), rtol=1e-5)
    assert actual.shape == (3, 3)
    np.testing.assert_allclose(actual, actual.T)


def test_gram_matrix_is_not_normalised(rng):
    features = rng.normal(size=(4, 4, 2)).astype("f4")
    doubled = np.concatenate([features, features], axis=0)  # twice the positions
    np.testing.assert_allclose(
        gram_matrix(doubled), 2 * gram_matrix(features), rtol=1e-5
    )


@pytest.mark.parametrize("shape", [(2, 4, 4, 3), (4, 3), (1, 1, 4, 4, 3)])
def test_gram_matrix_rejects_other_shapes_with_the_shape(shape):
    with pytest.raises(ValueError, match=r"\(1, H, W, N\) or \(H, W, N\)"):
        gram_matrix(np.zeros(shape, "f4"))


def test_content_loss_hand_computed():
    generated = np.array([[[1.0], [2.0]], [[3.0], [4.0]]], "f4")  # (2, 2, 1)
    content = np.array([[[1.0], [0.0]], [[0.0], [2.0]]], "f4")
    expected = 0.5 * (0 + 4 + 9 + 4)
    assert content_loss(generated, content).numpy() == pytest.approx(expected)


def test_content_loss_identical_inputs_is_zero(rng):
    features = rng.normal(size=(1, 6, 5, 8)).astype("f4")
    assert content_loss(features, features).numpy() == 0.0


def test_content_loss_matches_numpy(rng):
    generated, content = rng.normal(size=(2, 1, 6, 5, 8)).astype("f4")
    expected = 0.5 * np.sum((generated - content) ** 2)
    assert content_loss(generated, content).numpy() == pytest.approx(expected, rel=1e-5)


def test_content_loss_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(1, 4, 4, 8\).*\(1, 2, 2, 8\)"):
        content_loss(np.zeros((1, 4, 4, 8), "f4"), np.zeros((1, 2, 2, 8), "f4"))


def test_style_layer_loss_hand_computed():
    # One filter (N = 1) at two positions (M = 2): F = [1, 2], G = 1 + 4 = 5.
    features = np.array([[[1.0], [2.0]]], "f4")  # (1, 2, 1)
    target_gram = np.array([[3.0]], "f4")
    expected = (5 - 3) ** 2 / (4 * 1**2 * 2**2)
    assert style_layer_loss(features, target_gram).numpy() == pytest.approx(expected)


def test_style_layer_loss_matches_numpy(rng):
    features = rng.normal(size=(1, 3, 4, 5)).astype("f4")
    target = numpy_gram(rng.normal(size=(3, 4, 5)).astype("f4"))
    num_filters, num_positions = 5, 12
    expected = np.sum((numpy_gram(features[0]) - target) ** 2) / (
        4 * num_filters**2 * num_positions**2
    )
    actual = style_layer_loss(features, target).numpy()
    assert actual == pytest.approx(expected, rel=1e-5)


def test_style_layer_loss_zero_for_own_gram(rng):
    features = rng.normal(size=(1, 3, 3, 4)).astype("f4")
    assert style_layer_loss(features, gram_matrix(features)).numpy() == 0.0


def test_style_layer_loss_wrong_target_shape_explains():
    with pytest.raises(ValueError, match=r"target_gram must be \(4, 4\).*got \(3, 3\)"):
        style_layer_loss(np.zeros((2, 2, 4), "f4"), np.zeros((3, 3), "f4"))


def test_style_loss_weights_layers(rng):
    a, b = rng.normal(size=(2, 1, 3, 3, 2)).astype("f4")
    targets = {"l1": np.eye(2, dtype="f4"), "l2": np.ones((2, 2), "f4")}
    generated = {"l1": a, "l2": b}
    e1 = style_layer_loss(a, targets["l1"]).numpy()
    e2 = style_layer_loss(b, targets["l2"]).numpy()
    actual = style_loss(generated, targets, {"l1": 0.25, "l2": 2.0}).numpy()
    assert actual == pytest.approx(0.25 * e1 + 2.0 * e2, rel=1e-6)
    equal = style_loss(generated, targets).numpy()
    assert equal == pytest.approx((e1 + e2) / 2, rel=1e-6)


def test_style_loss_mismatched_layers_are_named():
    with pytest.raises(ValueError, match=r"\['l1'\].*\['l1', 'l2'\]"):
        style_loss(
            {"l1": np.zeros((2, 2, 1), "f4")},
            {"l1": np.zeros((1, 1), "f4"), "l2": np.zeros((1, 1), "f4")},
        )


def test_style_loss_negative_weight_rejected():
    with pytest.raises(ValueError, match="-1"):
        style_loss(
            {"l1": np.zeros((2, 2, 1), "f4")},
            {"l1": np.zeros((1, 1), "f4")},
            {"l1": -1.0},
        )


def test_total_loss_hand_computed():
    assert total_loss(3.0, 5.0, alpha=2.0, beta=4.0).numpy() == pytest.approx(26.0)


@pytest.mark.parametrize(
    "alpha, beta, message",
    [
        (0, 0, "both 0"),
        (-1, 1, "alpha must be a finite number >= 0; got -1"),
        (1, -0.5, "beta must be a finite number >= 0; got -0.5"),
        (float("nan"), 1, "alpha must be"),
    ],
)
def test_total_loss_rejects_bad_weights(alpha, beta, message):
    with pytest.raises(ValueError, match=message):
        total_loss(1.0, 1.0, alpha, beta)


def test_total_variation_hand_computed():
    image = np.array([[[0.0], [1.0]], [[1.0], [0.0]]], "f4")  # checkerboard
    assert total_variation_loss(image).numpy() == pytest.approx(4.0)


def test_total_variation_matches_tensorflow(rng):
    image = rng.uniform(size=(1, 9, 7, 3)).astype("f4")
    expected = tf.image.total_variation(tf.constant(image[0])).numpy()
    assert total_variation_loss(image).numpy() == pytest.approx(expected, rel=1e-5)


def test_total_loss_gradient_matches_finite_differences(rng):
    """d L_total / d F through Eq. 1-5, in float64, by central differences."""
    shape = (1, 3, 3, 2)
    content = tf.constant(rng.normal(size=shape))
    target = gram_matrix(rng.normal(size=shape))

    def loss(features):
        return total_loss(
            content_loss(features, content),
            style_loss({"l": features}, {"l": target}),
            0.7,
            3.0,
        )

    point = rng.normal(size=shape)
    variable = tf.Variable(point)
    with tf.GradientTape() as tape:
        value = loss(variable)
    analytic = tape.gradient(value, variable).numpy()
    numeric = np.zeros(shape)
    eps = 1e-6
    for index in np.ndindex(shape):
        step = np.zeros(shape)
        step[index] = eps
        numeric[index] = (loss(point + step) - loss(point - step)).numpy() / (2 * eps)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)


def test_content_loss_gradient_is_difference(rng):
    """dL_content/dF = F - P, as notebook 02 derives."""
    generated = tf.Variable(rng.normal(size=(4, 4, 3)))
    content = rng.normal(size=(4, 4, 3))
    with tf.GradientTape() as tape:
        value = content_loss(generated, content)
    np.testing.assert_allclose(tape.gradient(value, generated), generated - content)


def test_losses_accept_mixed_float64_and_float32(rng):
    generated = rng.normal(size=(4, 4, 3))  # float64, as NumPy makes it
    content = tf.constant(rng.normal(size=(1, 4, 4, 3)), tf.float32)
    expected = 0.5 * np.sum((generated - content.numpy()[0]) ** 2)
    assert float(content_loss(generated, content)) == pytest.approx(expected, rel=1e-6)
    mixed = total_loss(np.float64(2.0), tf.constant(3.0), alpha=1.0, beta=2.0)
    assert float(mixed) == pytest.approx(8.0)


def test_losses_work_in_a_graph_with_unknown_sizes(rng):
    spec = tf.TensorSpec((1, None, None, None), tf.float32)

    @tf.function(input_signature=[spec, tf.TensorSpec((None, None), tf.float32)])
    def graph_losses(features, target):
        return gram_matrix(features), style_layer_loss(features, target)

    features = rng.normal(size=(1, 3, 4, 2)).astype("f4")
    target = numpy_gram(rng.normal(size=(3, 4, 2)).astype("f4"))
    gram, loss = graph_losses(features, target)
    np.testing.assert_allclose(gram, numpy_gram(features[0]), rtol=1e-5)
    expected = style_layer_loss(features, target).numpy()
    assert loss.numpy() == pytest.approx(expected, rel=1e-6)
