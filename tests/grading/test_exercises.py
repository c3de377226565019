"""exercises.isolated: building blocks swapped for the reference ones while a
test runs, and solutions that use the reference caught."""

import functools

import numpy as np
import pytest
import tensorflow as tf

from course_utils import colour, losses, optimise
from course_utils.grading import exercises


def wrong_gram(features):
    return losses.gram_matrix(features) / 4.0


def own_style_layer_loss(generated, target_gram):
    """Eq. 3 written out, through whatever `gram_matrix` the namespace holds."""
    height, width, num_filters = np.shape(generated)[-3:]
    difference = NAMESPACE["gram_matrix"](generated) - target_gram
    return float(np.sum(np.square(difference))) / (
        4 * num_filters**2 * (height * width) ** 2
    )


NAMESPACE = {}


def test_building_blocks_follow_the_chain_down():
    assert exercises.building_blocks("style_loss") == [
        "style_layer_loss",
        "gram_matrix",
    ]
    assert exercises.building_blocks("content_loss") == []


def test_isolated_uses_the_reference_building_blocks_then_restores_the_students():
    NAMESPACE.clear()
    NAMESPACE.update(gram_matrix=wrong_gram, style_layer_loss=own_style_layer_loss)
    features = np.arange(24, dtype="float32").reshape(1, 2, 4, 3) / 10
    target = losses.gram_matrix(features * 2)
    expected = float(losses.style_layer_loss(features, target))
    with exercises.isolated("style_layer_loss", NAMESPACE):
        assert NAMESPACE["gram_matrix"] is losses.gram_matrix
        actual = own_style_layer_loss(features, target)
    assert np.isclose(actual, expected, rtol=1e-5)
    assert NAMESPACE["gram_matrix"] is wrong_gram
    assert not np.isclose(own_style_layer_loss(features, target), expected, rtol=1e-3)


def test_isolated_removes_building_blocks_the_student_never_defined():
    namespace = {"style_loss": lambda *args: 0.0}
    with exercises.isolated("style_loss", namespace):
        assert namespace["style_layer_loss"] is losses.style_layer_loss
    assert set(namespace) == {"style_loss"}


def test_isolated_restores_the_students_functions_when_the_test_fails():
    namespace = {"gram_matrix": wrong_gram, "style_layer_loss": own_style_layer_loss}
    with pytest.raises(AssertionError, match="wrong"):
        with exercises.isolated("style_layer_loss", namespace):
            raise AssertionError("wrong")
    assert namespace["gram_matrix"] is wrong_gram


def test_a_solution_of_its_own_passes_even_though_the_test_calls_the_reference():
    def content_loss(generated, content):
        return 0.5 * np.sum((np.asarray(generated) - content) ** 2)

    namespace = {"content_loss": content_loss}
    F, P = np.ones((1, 2, 2, 3)), np.zeros((1, 2, 2, 3))
    with exercises.isolated("content_loss", namespace):
        expected = float(losses.content_loss(F, P))  # the test's own call
        assert np.isclose(namespace["content_loss"](F, P), expected)


@pytest.mark.parametrize(
    "make",
    [
        lambda: losses.content_loss,  # an alias or an import
        lambda: lambda g, c: losses.content_loss(g, c),  # a direct call
        lambda: functools.wraps(losses.content_loss)(lambda g, c: 0.0),  # wrapped
    ],
    ids=["alias", "call", "wrapped"],
)
def test_a_solution_that_uses_the_reference_fails_with_the_reason(make):
    namespace = {"content_loss": make()}
    with pytest.raises(exercises.ReferenceImplementationUsed) as caught:
        with exercises.isolated("content_loss", namespace):
            namespace["content_loss"](np.ones((2, 2, 1)), np.zeros((2, 2, 1)))
    assert "course_utils.losses.content_loss" in str(caught.value)
    assert "scores 0" in str(caught.value)


def test_a_call_of_the_reference_through_a_helper_is_caught():
    def helper(image):
        return colour.combine_luminance(image, image)

    def combine_luminance(content, stylized):
        return helper(content)

    namespace = {"combine_luminance": combine_luminance}
    with pytest.raises(exercises.ReferenceImplementationUsed):
        with exercises.isolated("combine_luminance", namespace):
            namespace["combine_luminance"](np.zeros((1, 1, 3)), np.ones((1, 1, 3)))


def test_allowed_helpers_are_not_the_reference():
    def combine_luminance(content, stylized):
        yiq = colour.rgb_to_yiq(content)
        yiq[..., 0] = colour.rgb_to_yiq(stylized)[..., 0]
        return colour.yiq_to_rgb(yiq)

    namespace = {"combine_luminance": combine_luminance}
    with exercises.isolated("combine_luminance", namespace):
        namespace["combine_luminance"](np.zeros((1, 1, 3)), np.ones((1, 1, 3)))


def test_an_unknown_exercise_names_the_known_ones():
    with pytest.raises(KeyError, match="content_loss"):
        with exercises.isolated("contnet_loss", {}):
            pass


def test_calling_the_package_step_in_optimisation_step_is_caught():
    def optimisation_step(image, loss_fn, optimizer):
        return optimise.optimisation_step(image, loss_fn, optimizer)

    namespace = {"optimisation_step": optimisation_step}
    with pytest.raises(
        exercises.ReferenceImplementationUsed, match="optimisation_step"
    ):
        with exercises.isolated("optimisation_step", namespace):
            pixels = tf.Variable(tf.fill((1, 2, 2, 3), 0.5))
            namespace["optimisation_step"](
                pixels, lambda x: tf.reduce_sum(x), tf.keras.optimizers.SGD(0.1)
            )
