"""The exercises' worked examples (the visible checks) and the "Before you
hand in" report built on them: right answers pass, each classic mistake
fails with the message that names it, and the report says passed, not yet
or not attempted the way the graded tests would."""

import ast
import inspect

import numpy as np
import pytest
import tensorflow as tf

from course_utils import colour, losses
from course_utils.grading import exercises, worked_examples


def own_num_conv_params(kernel_size, in_channels, num_filters):
    return kernel_size * kernel_size * in_channels * num_filters + num_filters


def own_optimisation_step(image, loss_fn, optimizer):
    with tf.GradientTape() as tape:
        loss = loss_fn(image)
    optimizer.apply_gradients([(tape.gradient(loss, image), image)])
    image.assign(tf.clip_by_value(image, 0.0, 1.0))
    return loss


def own_combine_luminance(content, stylized):
    yiq = colour.rgb_to_yiq(content)
    yiq[..., 0] = colour.rgb_to_yiq(stylized)[..., 0]
    return np.clip(colour.yiq_to_rgb(yiq), 0.0, 1.0)


def own_training_step(network, photos, loss_fn, optimizer):
    with tf.GradientTape() as tape:
        loss = loss_fn(photos, network(photos, training=True))
    weights = network.trainable_variables
    optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights))
    return loss


def training_step_on_the_photos(network, photos, loss_fn, optimizer):
    """Notebook 04's habit: the gradient with respect to the input, not the weights."""
    photos = tf.Variable(photos)
    with tf.GradientTape() as tape:
        loss = loss_fn(photos, network(photos, training=True))
    optimizer.apply_gradients([(tape.gradient(loss, photos), photos)])
    return loss


def step_returning_the_new_loss(image, loss_fn, optimizer):
    own_optimisation_step(image, loss_fn, optimizer)
    return loss_fn(image)


RIGHT = {
    "num_conv_params": own_num_conv_params,
    "content_loss": losses.content_loss,
    "gram_matrix": losses.gram_matrix,
    "style_layer_loss": losses.style_layer_loss,
    "style_loss": losses.style_loss,
    "total_loss": losses.total_loss,
    "optimisation_step": own_optimisation_step,
    "combine_luminance": own_combine_luminance,
    "training_step": own_training_step,
}
"""A right answer to every exercise (the package's own where it has one:
the worked examples are called directly here, not through `isolated`)."""

MISTAKES = {
    "num_conv_params": (lambda k, c, n: k * k * c * n, "3*3*3*64 + 64 = 1792"),
    "content_loss": (
        lambda g, c: tf.reduce_sum(tf.square(tf.cast(g - c, tf.float32))),
        "Did you forget the 1/2",
    ),
    "gram_matrix": (
        lambda f: losses.gram_matrix(f) / 4.0,
        "no normalisation",
    ),
    "style_layer_loss": (
        lambda g, a: 4.0 * losses.style_layer_loss(g, a),
        "4 N^2 M^2 in the denominator",
    ),
    "style_loss": (
        lambda g, a, w: sum(losses.style_layer_loss(g[k], a[k]) for k in a),
        "= 0.5; got 0.25",
    ),
    "total_loss": (
        lambda c, s, alpha, beta: beta * c + alpha * s,
        "Is alpha on the content loss?",
    ),
    "optimisation_step": (
        step_returning_the_new_loss,
        "Return the loss before the update",
    ),
    "combine_luminance": (
        lambda content, stylized: own_combine_luminance(stylized, content),
        "Take Y from `stylized`",
    ),
    "training_step": (
        training_step_on_the_photos,
        "with respect to network.trainable_variables",
    ),
}
"""{exercise: (a classic mistake, what the worked example's message says)}."""


def test_every_exercise_has_a_worked_example_a_right_answer_and_a_mistake():
    assert set(exercises.EXERCISES) == set(RIGHT) == set(MISTAKES)
    assert set(exercises.REFERENCES) <= set(exercises.EXERCISES)


@pytest.mark.parametrize("name", sorted(RIGHT))
def test_a_right_answer_passes_its_worked_example(name):
    getattr(worked_examples, name)(RIGHT[name])


@pytest.mark.parametrize("name", sorted(MISTAKES))
def test_a_classic_mistake_fails_with_the_message_that_names_it(name):
    mistake, message = MISTAKES[name]
    with pytest.raises(AssertionError) as caught:
        getattr(worked_examples, name)(mistake)
    assert message in str(caught.value)


def test_every_assert_in_the_worked_examples_says_what_to_look_at():
    tree = ast.parse(inspect.getsource(worked_examples))
    asserts = [node for node in ast.walk(tree) if isinstance(node, ast.Assert)]
    assert len(asserts) >= 2 * len(exercises.EXERCISES) - 3
    assert all(node.msg is not None for node in asserts)


# ----------------------------------------------------------- where one stands


def not_attempted(*args):
    raise NotImplementedError()


def test_standing_passed_not_yet_and_not_attempted():
    def gram_matrix(features):
        matrix = tf.reshape(features, (-1, np.shape(features)[-1]))
        return tf.matmul(matrix, matrix, transpose_a=True)

    def style_layer_loss(generated, target_gram):  # without the 4
        height, width, filters = np.shape(generated)[-3:]
        difference = gram_matrix(generated) - target_gram
        return tf.reduce_sum(difference**2) / (filters**2 * (height * width) ** 2)

    namespace = {
        "gram_matrix": gram_matrix,
        "style_layer_loss": style_layer_loss,
        "style_loss": not_attempted,
    }
    assert exercises.standing("gram_matrix", namespace) == (exercises.PASSED, "")
    state, detail = exercises.standing("style_layer_loss", namespace)
    assert state == exercises.NOT_YET and "4 N^2 M^2" in detail
    assert exercises.standing("style_loss", namespace) == (
        exercises.NOT_ATTEMPTED,
        "it still raises NotImplementedError",
    )
    state, detail = exercises.standing("total_loss", namespace)
    assert state == exercises.NOT_ATTEMPTED and "run the cell" in detail


def test_standing_judges_each_exercise_on_its_own_as_grading_does():
    """A right style_loss passes although the notebook's gram_matrix is wrong:
    its building blocks are the package's while it is checked, and the
    student's are given back afterwards."""
    wrong_gram = MISTAKES["gram_matrix"][0]

    def style_layer_loss(generated, target_gram):
        generated = tf.cast(generated, tf.float32)
        height, width, filters = generated.shape[-3:]
        difference = namespace["gram_matrix"](generated) - target_gram
        return tf.reduce_sum(tf.square(difference)) / (
            4.0 * filters**2 * (height * width) ** 2
        )

    def style_loss(generated, targets, weights):
        return sum(
            weights[k] * namespace["style_layer_loss"](generated[k], targets[k])
            for k in targets
        )

    namespace = {
        "gram_matrix": wrong_gram,
        "style_layer_loss": style_layer_loss,
        "style_loss": style_loss,
    }
    assert exercises.standing("style_loss", namespace)[0] == exercises.PASSED
    assert exercises.standing("style_layer_loss", namespace)[0] == exercises.PASSED
    assert exercises.standing("gram_matrix", namespace)[0] == exercises.NOT_YET
    assert namespace["gram_matrix"] is wrong_gram


def test_standing_reports_an_error_and_the_reference_used():
    namespace = {
        "total_loss": lambda c, s, alpha, beta: c["content"],
        "content_loss": losses.content_loss,
    }
    state, detail = exercises.standing("total_loss", namespace)
    assert state == exercises.NOT_YET and detail.startswith("TypeError: ")
    state, detail = exercises.standing("content_loss", namespace)
    assert state == exercises.NOT_YET
    assert "course_utils.losses.content_loss" in detail and "scores 0" in detail


def test_standing_lets_an_interrupt_through():
    def content_loss(generated, content):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        exercises.standing("content_loss", {"content_loss": content_loss})


def test_standing_names_the_known_exercises_for_an_unknown_one():
    with pytest.raises(KeyError, match="num_conv_params.*combine_luminance"):
        exercises.standing("gram_matrx", {})


def test_before_you_hand_in_prints_each_exercise_then_how_to_hand_in(capsys):
    namespace = {
        "total_loss": lambda c, s, alpha, beta: alpha * c + beta * s,
        "optimisation_step": not_attempted,
    }
    exercises.before_you_hand_in(
        "04_total_loss_and_optimisation.ipynb",
        namespace,
        ["total_loss", "optimisation_step"],
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("The worked examples of 04_total_loss")
    assert lines[1].split() == ["total_loss", "passed"]
    assert lines[2].split()[:3] == ["optimisation_step", "not", "attempted:"]
    text = "\n".join(lines[3:])
    assert "File → Download → Download .ipynb" in text
    assert "keep the name 04_total_loss_and_optimisation.ipynb" in text
    assert "Assignments tab" in text
