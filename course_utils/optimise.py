"""The optimisation loop (notebook 04): change the pixels to lower the loss.

`optimisation_step` is notebook 04's exercise, line for line: the loss inside
a GradientTape, its gradient with respect to the pixels, the optimiser's
update, and the pixels clipped to [0, 1]. `optimise` repeats that step
(compiled with tf.function) and tells a recorder (`recorder.Recorder`) the
losses and images after every step; the recorder keeps the history and
snapshots and can stop the run. Behind the same interface, optimizer="lbfgs"
runs scipy's L-BFGS-B, which takes steps of its own.
"""

from __future__ import annotations

import logging
import math

import numpy as np
import scipy.optimize
import tensorflow as tf


class _NoRetracingWarning(logging.Filter):
    """Every run compiles its own step on purpose; TensorFlow would warn about
    "retracing" after a few runs (notebook 05 makes dozens)."""

    def filter(self, record):
        return "triggered tf.function retracing" not in record.getMessage()


tf.get_logger().addFilter(_NoRetracingWarning())


class NonFiniteLoss(Exception):
    """The loss became NaN or infinite; the image before it is the last good one.

    Attributes:
        iteration: the iteration whose loss is not finite.
        value: that loss.
        index: which image of the batch.
    """

    def __init__(self, iteration: int, value: float, index: int = 0):
        super().__init__(f"the loss became {value} at iteration {iteration}")
        self.iteration, self.value, self.index = iteration, value, index


def optimisation_step(image, loss_fn, optimizer):
    """Take one gradient step on the pixels of `image` and return the loss before it.

    Notebook 04's exercise; `optimise` runs exactly this step.

    Args:
        image: tf.Variable of shape (B, H, W, 3), values in [0, 1]; updated in place.
        loss_fn: function mapping the image to a scalar loss.
        optimizer: a Keras optimiser, e.g. keras.optimizers.Adam(0.02).

    Returns:
        Scalar tensor, the loss of the image before the update.
    """
    with tf.GradientTape() as tape:
        loss = loss_fn(image)
    gradient = tape.gradient(loss, image)
    optimizer.apply_gradients([(gradient, image)])
    image.assign(tf.clip_by_value(image, 0.0, 1.0))
    return loss


def optimise(images, phases, optimizer, on_step) -> np.ndarray:
    """Lower the loss of `images`, step by step; return the final images.

    Args:
        images: start images, (B, H, W, 3) in [0, 1]. Each image has its own
            loss; their sum is lowered, so with a Keras optimiser every image
            moves exactly as it would alone.
        phases: [(loss_fn, steps), ...], run one after the other, usually
            one. loss_fn maps the images to {"total": (B,) or scalar, ...
            other parts}. `stylize` adds a second, float32 phase at the end
            of a bfloat16 run.
        optimizer: a Keras optimiser (its state carries across phases), or
            "lbfgs" for scipy's L-BFGS-B (one image only; it restarts at each
            phase, and the last phase gets the steps an earlier one left).
        on_step: called as on_step(iteration, losses, images) for iteration
            0 (the start) and after every step, with losses {name: (B,)
            numpy array} and images (B, H, W, 3) numpy. A `Recorder`; it ends
            the run by raising. L-BFGS also calls its `check_stop()`, if it
            has one, before each evaluation of a line search, so a stop
            request need not wait for the line search to end.

    Raises:
        NonFiniteLoss: a loss became NaN or infinite; the images of the
            previous iteration were the last ones passed to `on_step`.
    """
    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(
            "optimise takes a batch of RGB images, (B, H, W, 3); got shape "
            f"{images.shape}. For one image (H, W, 3) pass image[np.newaxis]."
        )
    if isinstance(optimizer, str):
        if optimizer != "lbfgs":
            raise ValueError(
                f"optimizer must be a Keras optimiser or 'lbfgs'; got {optimizer!r}."
            )
        return _lbfgs(images, phases, on_step)
    image = tf.Variable(images)
    optimizer.build([image])
    iteration, before = 0, images
    for loss_fn, steps in phases:
        step = _compiled_step(image, loss_fn, optimizer)
        for _ in range(steps):
            on_step(iteration, _checked(iteration, step()), before)
            before = image.numpy()
            iteration += 1
    last = tf.function(phases[-1][0])(image)
    on_step(iteration, _checked(iteration, last), before)
    return before


def _compiled_step(image, loss_fn, optimizer):
    """`optimisation_step` compiled, returning all of loss_fn's parts."""

    @tf.function
    def step():
        parts = {}

        def total(x):
            parts.update(loss_fn(x))
            return tf.reduce_sum(parts["total"])

        optimisation_step(image, total, optimizer)
        return parts  # of the image before the step

    return step


def _checked(iteration: int, losses: dict) -> dict:
    """Losses as {name: (B,) numpy}; raise NonFiniteLoss for a NaN or inf total."""
    losses = {name: np.atleast_1d(np.asarray(value)) for name, value in losses.items()}
    for index, value in enumerate(losses["total"]):
        if not math.isfinite(value):
            raise NonFiniteLoss(iteration, float(value), index)
    return losses


def _lbfgs(images, phases, on_step) -> np.ndarray:
    """scipy's L-BFGS-B over the phases, bounds [0, 1], all steps unless stuck."""
    if images.shape[0] != 1:
        raise ValueError(
            f"L-BFGS optimises one image; got a batch of {images.shape[0]}. Its line "
            "search would couple the images; use a Keras optimiser such as Adam."
        )
    shape = images.shape
    remaining = sum(steps for _, steps in phases)
    x, done = images.ravel().astype(np.float64), {"iterations": 0}
    for number, (loss_fn, steps) in enumerate(phases):
        last_phase = number == len(phases) - 1
        steps = remaining - done["iterations"] if last_phase else steps
        if steps > 0:
            x = _lbfgs_phase(loss_fn, x, steps, shape, on_step, done, first=number == 0)
    return x.reshape(shape).astype(np.float32)


def _lbfgs_phase(loss_fn, x0, steps, shape, on_step, done, first):
    """Run L-BFGS-B from x0 for up to `steps` iterations; return the last x."""

    @tf.function(input_signature=[tf.TensorSpec(shape, tf.float32)])
    def value_and_gradient(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            values = loss_fn(x)
        return values, tape.gradient(values["total"], x)

    last = {}
    check_stop = getattr(on_step, "check_stop", None)

    def fun(flat):
        if check_stop is not None:
            check_stop()  # a line search can take several evaluations
        values, gradient = value_and_gradient(
            tf.constant(flat.reshape(shape), tf.float32)
        )
        # scipy would take an inf for convergence: stop with the last good image
        last.update(x=flat.copy(), losses=_checked(done["iterations"] + 1, values))
        return float(last["losses"]["total"][0]), gradient.numpy().ravel().astype(
            np.float64
        )

    def callback(intermediate_result):
        if not np.array_equal(intermediate_result.x, last["x"]):
            fun(intermediate_result.x)
        done["iterations"] += 1
        image = intermediate_result.x.reshape(shape).astype(np.float32)
        on_step(done["iterations"], last["losses"], image)

    if first:
        values, _ = value_and_gradient(tf.constant(x0.reshape(shape), tf.float32))
        on_step(0, _checked(0, values), x0.reshape(shape).astype(np.float32))
    # ftol = gtol = 0: run all iterations unless the line search gives up.
    options = {"maxiter": steps, "maxfun": 20 * steps, "ftol": 0, "gtol": 0}
    result = scipy.optimize.minimize(
        fun,
        x0,
        jac=True,
        method="L-BFGS-B",
        bounds=scipy.optimize.Bounds(0, 1),
        callback=callback,
        options=options,
    )
    return result.x
