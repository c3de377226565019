"""Training the network (notebook 08): the perceptual loss and the training step.

The optimisation loop of notebook 04 changes the pixels of one image to
lower L_total. Real-time style transfer (Johnson et al. 2016) changes the
weights W of a network instead, so that y = f_W(x) has a low L_total for
every photo x: the content target P^l is now each photo's own features, the
style targets A^l stay those of the one style image. The loss is the same
`Objective` as notebook 04's, asked for each photo's content
(`perceptual_loss`); the step is notebook 04's step with the network's
weights as the variables (`training_step`, the notebook's exercise).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import keras
import numpy as np
import tensorflow as tf

from course_utils import vgg
from course_utils.objective import LOSS_NAMES, Objective
from course_utils.settings import check_setting, setting

NETWORK_PRECISIONS = ("auto", "float32", "mixed_float16", "mixed_bfloat16")

LOOP_ONLY = (
    "init",
    "noise_ratio",
    "optimizer",
    "learning_rate",
    "iterations",
    "stages",
    "snapshot_every",
    "preserve_colour",
)
"""StyleTransferSettings that belong to notebook 04's loop on pixels, not to
training: the network starts from no image and is trained by TrainingSettings'
Adam. The rest (alpha, beta, layers, tv_weight, size, weights, ...) say what
the network is trained to lower, and `size` is the side of the training crops."""


@dataclass(frozen=True)
class TrainingSettings:
    """How the network is trained; what it lowers is a StyleTransferSettings.

    Each field's metadata holds its help text and valid values
    (`settings.setting`), as in StyleTransferSettings.
    """

    steps: int = setting(
        1500,
        "training steps (one batch of photos each; notebook 08's T4 run)",
        int,
        low=1,
    )
    batch_size: int = setting(4, "photos per training step", int, low=1)
    learning_rate: float = setting(
        1e-3, "Adam's step size on the network's weights", low=0.0, strict=True
    )
    checkpoint_every: int = setting(
        100, "save the network every this many steps (and when stopped)", int, low=1
    )
    width: int = setting(
        32, "filters of the network's first layer (Johnson et al.: 32)", int, low=1
    )
    residual_blocks: int = setting(
        5, "residual blocks of the network (Johnson et al.: 5)", int, low=1
    )
    network_precision: str = setting(
        "auto",
        "the network's precision: auto (mixed_float16 on GPUs without fast "
        "bfloat16, such as the T4; mixed_bfloat16 where bfloat16 is fast; "
        "else float32); the losses are always float32",
        str,
        choices=NETWORK_PRECISIONS,
    )

    def __post_init__(self):
        for field in fields(self):
            check_setting(field.name, getattr(self, field.name), field)
        object.__setattr__(
            self, "network_precision", resolve_network_precision(self.network_precision)
        )


def resolve_network_precision(precision: str) -> str:
    """ "float32", "mixed_float16" or "mixed_bfloat16" for a network_precision."""
    if precision != "auto":
        return precision
    if vgg.fast_bfloat16():
        return "mixed_bfloat16"
    if tf.config.list_physical_devices("GPU"):
        return "mixed_float16"  # float16 tensor cores (T4, V100), no fast bfloat16
    return "float32"


class PerceptualLoss:
    """Johnson et al.'s perceptual loss: Eq. 5 plus total variation, photo by photo.

    Args:
        style: the style image a (anything `load_image` accepts).
        settings: a StyleTransferSettings; its size is the side of the
            training crops, so the style image is resized to it as in
            `Objective`. Its preserve_colour must be None.
        extractor: the FeatureExtractor to use (default: one for the settings).

    Call it with (photos, stylized), both (B, size, size, 3) in [0, 1]: it
    returns {"total", "content", "style", "tv"}, each the mean over the
    batch of that photo's loss, float32 scalars.
    """

    def __init__(self, style, settings, extractor=None):
        if settings.preserve_colour is not None or settings.size is None:
            raise ValueError(
                "Training a network needs settings with a size (the side of the "
                "training crops) and preserve_colour=None; got size="
                f"{settings.size}, preserve_colour={settings.preserve_colour!r}."
            )
        grey = np.full((settings.size, settings.size, 3), 0.5, np.float32)
        # Only the style targets come from here: each photo is its own content.
        self.objective = Objective(grey, style, settings, extractor=extractor)
        self.settings = settings

    def __call__(self, photos, stylized) -> dict:
        return perceptual_loss(self.objective, photos, stylized)


def perceptual_loss(objective, photos, stylized) -> dict:
    """The mean over the batch of objective(y_k) with content target P^l(x_k).

    Args:
        objective: an `Objective` (its style targets are used).
        photos: the network's input x, (B, H, W, 3).
        stylized: its output y, (B, H, W, 3).

    Returns:
        {loss name: float32 scalar}, the mean over the B photos.
    """
    # The targets get a pass of their own, outside the gradient: one pass over
    # photos and stylized together would be differentiated for both halves.
    targets = tf.nest.map_structure(tf.stop_gradient, objective.extractor(photos))
    features = objective.extractor(stylized)
    layers = objective.settings.content_layers
    losses = []
    for k in range(photos.shape[0]):
        content = {name: targets[name][k : k + 1] for name in layers}
        own = {name: value[k : k + 1] for name, value in features.items()}
        losses.append(objective(stylized[k : k + 1], own, content))
    return {
        name: tf.reduce_mean(tf.stack([loss[name] for loss in losses]))
        for name in LOSS_NAMES
    }


def training_step(network, photos, loss_fn, optimizer):
    """Take one step on the network's weights and return the loss before it.

    Notebook 08's exercise; `train` runs exactly this step. Notebook 04's
    step with the weights W as the variables instead of the pixels: the
    loss of the network's output inside a GradientTape, its gradient with
    respect to network.trainable_variables, the optimiser's update. Under
    mixed float16 the loss is scaled before the gradient (the optimiser is a
    LossScaleOptimizer, which unscales the gradients when it applies them), so
    small gradients do not round to 0 in float16.

    Args:
        network: a Keras model from photos to stylized images.
        photos: a batch (B, H, W, 3) in [0, 1].
        loss_fn: function (photos, stylized) -> scalar loss.
        optimizer: a Keras optimiser.

    Returns:
        Scalar tensor, the loss before the update.
    """
    with tf.GradientTape() as tape:
        stylized = network(photos, training=True)
        loss = loss_fn(photos, stylized)
        scaled = optimizer.scale_loss(loss)
    gradients = tape.gradient(scaled, network.trainable_variables)
    optimizer.apply_gradients(zip(gradients, network.trainable_variables))
    return loss


def optimizer_for(training: TrainingSettings, network):
    """Adam at the settings' rate; in a LossScaleOptimizer if the network
    computes in float16 (bfloat16 has float32's range and needs no scaling)."""
    adam = keras.optimizers.Adam(training.learning_rate)
    if any(layer.compute_dtype == "float16" for layer in network.layers):
        return keras.optimizers.LossScaleOptimizer(adam)
    return adam


def compiled_step(network, loss, optimizer, step=training_step):
    """`step` (the package's `training_step` or the notebook's) compiled with
    tf.function; it returns all of the loss's parts, before the update."""

    @tf.function
    def compiled(photos):
        parts = {}

        def total(x, y):
            parts.update(loss(x, y))
            return parts["total"]

        step(network, photos, total, optimizer)
        return parts

    return compiled
