"""The loop: notebook 04's step, `optimise` over phases, batches and L-BFGS."""

import keras
import nbformat
import numpy as np
import pytest
import tensorflow as tf

from course_utils.optimise import NonFiniteLoss, optimisation_step, optimise
from tests.conftest import REPO

NOTEBOOK_04 = REPO / "notebooks" / "04_total_loss_and_optimisation.ipynb"


def notebook_solution(name: str):
    """The instructor's solution of exercise `name` in notebook 04, as a function."""
    notebook = nbformat.read(NOTEBOOK_04, as_version=4)
    cell = next(
        c
        for c in notebook.cells
        if c.metadata.get("nbgrader", {}).get("grade_id") == name
    )
    namespace = {"tf": tf, "np": np}
    exec(cell.source, namespace)
    return namespace[name]


def squared_distance(target):
    """Loss sum((x - target)^2) per image, as a {"total": (B,)} objective."""

    def loss_fn(images):
        return {"total": tf.reduce_sum((images - target) ** 2, axis=[1, 2, 3])}

    return loss_fn


def recorded(into):
    def on_step(iteration, losses, images):
        into.append((iteration, losses["total"].copy(), images.copy()))

    return on_step


def test_the_package_step_is_the_notebook_solution(rng):
    """Same image, loss and Adam: the notebook's step and the package's give
    identical pixels, step after step."""
    solution = notebook_solution("optimisation_step")
    start = rng.uniform(size=(1, 6, 5, 3)).astype("f4")
    target = rng.uniform(size=(1, 6, 5, 3)).astype("f4")

    def loss(x):
        return tf.reduce_sum((x - target) ** 2)

    theirs, ours = tf.Variable(start), tf.Variable(start)
    adam_theirs, adam_ours = keras.optimizers.Adam(0.05), keras.optimizers.Adam(0.05)
    for _ in range(5):
        before_theirs = solution(theirs, loss, adam_theirs)
        before_ours = optimisation_step(ours, loss, adam_ours)
        assert float(before_theirs) == float(before_ours)
        np.testing.assert_array_equal(theirs.numpy(), ours.numpy())


def test_optimise_runs_the_notebook_step(rng):
    """`optimise` with Adam moves the image exactly as five notebook steps do."""
    solution = notebook_solution("optimisation_step")
    start = rng.uniform(size=(1, 6, 5, 3)).astype("f4")
    target = rng.uniform(size=(1, 6, 5, 3)).astype("f4")
    by_hand = tf.Variable(start)
    adam = keras.optimizers.Adam(0.05)
    for _ in range(5):
        solution(by_hand, lambda x: tf.reduce_sum((x - target) ** 2), adam)
    final = optimise(
        start,
        [(squared_distance(target), 5)],
        keras.optimizers.Adam(0.05),
        lambda *_: 0,
    )
    np.testing.assert_allclose(final, by_hand.numpy(), atol=1e-6)


def test_optimise_reports_every_iteration_with_the_loss_before_it():
    """SGD at 0.25 on sum((x - 0.3)^2) from 0.5: x moves 0.5 -> 0.4 -> 0.35."""
    seen = []
    final = optimise(
        np.full((1, 2, 2, 3), 0.5, "f4"),
        [(squared_distance(0.3), 2)],
        keras.optimizers.SGD(0.25),
        recorded(seen),
    )
    assert [it for it, _, _ in seen] == [0, 1, 2]
    np.testing.assert_allclose(
        [t[0] for _, t, _ in seen], [0.48, 0.12, 0.03], rtol=1e-5
    )
    np.testing.assert_allclose([im.max() for _, _, im in seen], [0.5, 0.4, 0.35])
    np.testing.assert_allclose(final, 0.35, rtol=1e-6)


def test_phases_share_one_optimiser_state():
    """Two phases of one step each equal one phase of two steps (same Adam)."""
    start = np.full((1, 2, 2, 3), 0.9, "f4")
    loss = squared_distance(0.2)
    one = optimise(start, [(loss, 2)], keras.optimizers.Adam(0.1), lambda *_: 0)
    two = optimise(
        start, [(loss, 1), (loss, 1)], keras.optimizers.Adam(0.1), lambda *_: 0
    )
    np.testing.assert_array_equal(one, two)


def test_a_batch_moves_each_image_as_it_would_alone(rng):
    starts = rng.uniform(size=(2, 4, 4, 3)).astype("f4")
    targets = rng.uniform(size=(2, 4, 4, 3)).astype("f4")
    together = optimise(
        starts,
        [(squared_distance(targets), 3)],
        keras.optimizers.Adam(0.1),
        lambda *_: 0,
    )
    for k in range(2):
        alone = optimise(
            starts[k : k + 1],
            [(squared_distance(targets[k : k + 1]), 3)],
            keras.optimizers.Adam(0.1),
            lambda *_: 0,
        )
        np.testing.assert_allclose(together[k], alone[0], atol=1e-6)


def test_pixels_stay_in_0_1():
    final = optimise(
        np.full((1, 2, 2, 3), 0.5, "f4"),
        [(squared_distance(3.0), 3)],
        keras.optimizers.SGD(10.0),
        lambda *_: 0,
    )
    np.testing.assert_array_equal(final, 1.0)


def test_a_non_finite_loss_names_its_iteration_and_image():
    def blows_up(images):
        return {
            "total": tf.reduce_sum(images, axis=[1, 2, 3]) * tf.constant([1.0, np.inf])
        }

    seen = []
    with pytest.raises(NonFiniteLoss) as caught:
        optimise(
            np.full((2, 2, 2, 3), 0.5, "f4"),
            [(blows_up, 3)],
            keras.optimizers.SGD(0.1),
            recorded(seen),
        )
    assert (caught.value.iteration, caught.value.index) == (0, 1)
    assert caught.value.value == np.inf and seen == []


def test_lbfgs_finds_the_minimum_within_the_bounds():
    seen = []
    final = optimise(
        np.full((1, 2, 2, 3), 0.9, "f4"),
        [(squared_distance(0.3), 5)],
        "lbfgs",
        recorded(seen),
    )
    np.testing.assert_allclose(final, 0.3, atol=1e-4)
    assert seen[0][0] == 0 and seen[0][1][0] == pytest.approx(12 * 0.36, rel=1e-5)
    clipped = optimise(
        np.full((1, 2, 2, 3), 0.9, "f4"),
        [(squared_distance(1.5), 5)],
        "lbfgs",
        lambda *_: 0,
    )
    np.testing.assert_allclose(clipped, 1.0)


@pytest.mark.parametrize(
    "images, optimizer, message",
    [
        (
            np.zeros((2, 2, 2, 3), "f4"),
            "lbfgs",
            "L-BFGS optimises one image; got a batch of 2",
        ),
        (
            np.zeros((1, 2, 2, 3), "f4"),
            "sgd",
            "a Keras optimiser or 'lbfgs'; got 'sgd'",
        ),
    ],
)
def test_optimisers_it_cannot_run(images, optimizer, message):
    with pytest.raises(ValueError, match=message):
        optimise(images, [(squared_distance(0.0), 1)], optimizer, lambda *_: 0)


def test_optimise_takes_a_batch_only():
    with pytest.raises(ValueError, match=r"\(B, H, W, 3\); got shape \(2, 2, 3\)"):
        optimise(np.zeros((2, 2, 3), "f4"), [(squared_distance(0.0), 1)], "lbfgs", None)


class StopAfter:
    """An on_step whose stop button is pressed once `calls` line-search
    evaluations have been made."""

    def __init__(self, calls):
        self.calls, self.iterations = calls, []

    def __call__(self, iteration, losses, images):
        self.iterations.append(iteration)

    def check_stop(self):
        self.calls -= 1
        if self.calls < 0:
            raise KeyboardInterrupt


def test_lbfgs_checks_the_stop_button_inside_its_line_search():
    """Stopped at the first evaluation after the start's: no iteration ends."""
    on_step = StopAfter(calls=1)
    with pytest.raises(KeyboardInterrupt):
        optimise(
            np.full((1, 2, 2, 3), 0.9, "f4"),
            [(squared_distance(0.3), 5)],
            "lbfgs",
            on_step,
        )
    assert on_step.iterations == [0]
