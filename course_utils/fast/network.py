"""The image-transformation network of real-time style transfer (notebook 08).

Johnson et al. (2016) train a network f_W once per style; afterwards one
forward pass y = f_W(x) paints a photo x. Their network, with three later
changes: instance normalisation instead of batch normalisation (Ulyanov et al.
2016), nearest-neighbour up-sampling and a convolution instead of transposed
convolutions, which avoids their checkerboard pattern (Odena et al. 2016), and a
sigmoid for [0, 1] instead of a scaled tanh:

    9x9 conv, 32 filters                 (H, W, 32)
    3x3 conv, stride 2, 64               (H/2, W/2, 64)      down-sampling
    3x3 conv, stride 2, 128              (H/4, W/4, 128)
    5 residual blocks, 128               (H/4, W/4, 128)
    upsample x2, 3x3 conv, 64            (H/2, W/2, 64)      up-sampling
    upsample x2, 3x3 conv, 32            (H, W, 32)
    9x9 conv, 3, sigmoid                 (H, W, 3) in [0, 1]

Every convolution is followed by instance normalisation and a ReLU, except the
last (a sigmoid) and the second of each residual block (no ReLU). Any H, W >= 3
works: the input is padded (reflected) to a multiple of 4 and the output
cropped back.

Under mixed precision the network computes in float16 or bfloat16, but the
instance normalisation's statistics and the output image are float32.
"""

from __future__ import annotations

import time
from pathlib import Path

import keras
import numpy as np
from keras import layers, ops

PACKAGE = "course_utils"
"""The name the network's own layers are registered under for Keras files."""

MULTIPLE = 4
"""The network halves the image twice, so it works on sides that are multiples of 4."""


@keras.saving.register_keras_serializable(package=PACKAGE)
class InstanceNormalization(layers.Layer):
    """Normalise each image's channels over that image's own pixels.

    y = gamma * (x - mean) / sqrt(variance + epsilon) + beta, with mean and
    variance over H and W of one image and one channel, so the contrast of
    the photo does not change the painting (Ulyanov et al. 2016). Input and
    output are (B, H, W, C); the statistics are always float32.
    """

    def __init__(self, epsilon: float = 1e-3, **kwargs):
        super().__init__(**kwargs)
        self.autocast = False  # the input is cast here; gamma and beta stay float32
        self.epsilon = epsilon

    def build(self, input_shape):
        channels = input_shape[-1]
        self.gamma = self.add_weight(
            name="gamma", shape=(channels,), initializer="ones", autocast=False
        )
        self.beta = self.add_weight(
            name="beta", shape=(channels,), initializer="zeros", autocast=False
        )

    def call(self, x):
        x32 = ops.cast(x, "float32")
        mean, variance = ops.moments(x32, axes=(1, 2), keepdims=True)
        normalised = (x32 - mean) * ops.rsqrt(variance + self.epsilon)
        return ops.cast(self.gamma * normalised + self.beta, self.compute_dtype)

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package=PACKAGE)
class PadToMultiple(layers.Layer):
    """Reflect-pad (B, H, W, C) at the bottom and right to multiples of 4."""

    def call(self, x):
        height, width = ops.shape(x)[1], ops.shape(x)[2]
        pad_h = (MULTIPLE - height % MULTIPLE) % MULTIPLE
        pad_w = (MULTIPLE - width % MULTIPLE) % MULTIPLE
        return ops.pad(x, [[0, 0], [0, pad_h], [0, pad_w], [0, 0]], mode="reflect")


@keras.saving.register_keras_serializable(package=PACKAGE)
class CropLike(layers.Layer):
    """Crop (B, H', W', 3) to the (H, W) of a reference (B, H, W, 3)."""

    def call(self, x, reference):
        return x[:, : ops.shape(reference)[1], : ops.shape(reference)[2], :]


@keras.saving.register_keras_serializable(package=PACKAGE)
class TrainedWith(layers.Layer):
    """Passes images through unchanged; its config records how the network was trained.

    `record` holds, once training has run, {"vgg_weights": "imagenet" or
    "random" or a file, "style": the style image's name, "steps": steps
    trained, "size": training crop in px}. It is saved in the Keras file
    with the network, so a loaded network still knows whether its losses
    came from a trained VGG19.
    """

    def __init__(self, record: dict | None = None, **kwargs):
        super().__init__(**kwargs)
        self.record = dict(record or {})

    def call(self, x):
        return x

    def get_config(self):
        return {**super().get_config(), "record": dict(self.record)}


def conv_block(x, filters: int, kernel_size: int, strides: int = 1, dtype=None):
    """Convolution, instance normalisation, ReLU.

    (B, H, W, C) -> (B, H / strides, W / strides, filters).
    """
    x = layers.Conv2D(
        filters, kernel_size, strides=strides, padding="same", dtype=dtype
    )(x)
    x = InstanceNormalization(dtype=dtype)(x)
    return layers.ReLU(dtype=dtype)(x)


def residual_block(x, filters: int, dtype=None):
    """Two 3x3 convolutions whose result is added to the input.

    y = x + IN(conv(ReLU(IN(conv(x))))): the first convolution is followed by
    instance normalisation and a ReLU, the second by instance normalisation
    only; then the input is added (He et al. 2016; Johnson et al.'s
    residual block).

    Args:
        x: (B, H, W, filters) Keras tensor.
        filters: number of filters of both convolutions, the input's channels.
        dtype: the layers' dtype policy, e.g. "mixed_float16" (None: Keras' global one).

    Returns:
        (B, H, W, filters) Keras tensor.
    """
    y = layers.Conv2D(filters, 3, padding="same", dtype=dtype)(x)
    y = InstanceNormalization(dtype=dtype)(y)
    y = layers.ReLU(dtype=dtype)(y)
    y = layers.Conv2D(filters, 3, padding="same", dtype=dtype)(y)
    y = InstanceNormalization(dtype=dtype)(y)
    return layers.Add(dtype=dtype)([x, y])


def upsample_block(x, filters: int, dtype=None):
    """Nearest-neighbour x2, then conv_block: (B, H, W, C) -> (B, 2H, 2W, filters)."""
    x = layers.UpSampling2D(2, interpolation="nearest", dtype=dtype)(x)
    return conv_block(x, filters, 3, dtype=dtype)


def transform_net(
    width: int = 32,
    residual_blocks: int = 5,
    block=residual_block,
    dtype=None,
    seed: int = 0,
) -> keras.Model:
    """Build Johnson et al.'s image-transformation network (see the module's table).

    Args:
        width: filters of the first layer; the down-sampling layers have 2x
            and 4x as many (Johnson et al.: 32).
        residual_blocks: how many residual blocks (Johnson et al.: 5).
        block: the residual block, block(x, filters, dtype=...) -> tensor of
            the same shape (another block, to try or to test, goes here).
        dtype: None (float32), "mixed_float16" or "mixed_bfloat16"; the
            output is float32 whichever it is.
        seed: seed of the initial weights.

    Returns:
        A keras.Model from images (B, H, W, 3) in [0, 1] to images of the
        same shape in [0, 1], float32; any H, W >= 3.
    """
    for name, value in (("width", width), ("residual_blocks", residual_blocks)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a whole number >= 1; got {value!r}.")
    keras.utils.set_random_seed(seed)
    photos = keras.Input((None, None, 3), name="photos")
    x = PadToMultiple(dtype=dtype)(photos)
    x = conv_block(x, width, 9, dtype=dtype)
    x = conv_block(x, 2 * width, 3, strides=2, dtype=dtype)
    x = conv_block(x, 4 * width, 3, strides=2, dtype=dtype)
    for _ in range(residual_blocks):
        x = block(x, 4 * width, dtype=dtype)
    x = upsample_block(x, 2 * width, dtype=dtype)
    x = upsample_block(x, width, dtype=dtype)
    x = layers.Conv2D(3, 9, padding="same", dtype=dtype)(x)
    x = layers.Activation("sigmoid", dtype="float32")(x)
    x = CropLike(dtype="float32")(x, photos)
    painted = TrainedWith(name="trained_with", dtype="float32")(x)
    return keras.Model(photos, painted, name="transform_net")


def record(network: keras.Model) -> dict:
    """How `network` was trained: its TrainedWith layer's record ({} if untrained)."""
    return dict(network.get_layer("trained_with").record)


def set_record(network: keras.Model, **how) -> None:
    """Write how `network` was trained (vgg_weights, style, steps, size) into it."""
    layer = network.get_layer("trained_with")
    layer.record = {**layer.record, **how}


def save_network(network: keras.Model, path) -> None:
    """Save a network (architecture, weights and training record) as a .keras file."""
    path = str(path)
    if not path.endswith(".keras"):
        raise ValueError(f"A network is saved as a .keras file; got {path!r}.")
    network.save(path)


def load_network(path) -> keras.Model:
    """Load a network saved by `save_network` (or a training checkpoint).

    Raises:
        FileNotFoundError: no such file; the message names it.
    """
    if not Path(path).is_file():
        raise FileNotFoundError(f"No trained network at {path}.")
    return keras.saving.load_model(path, compile=False)


def stylize_photos(network: keras.Model, photos) -> np.ndarray:
    """Paint photos in one forward pass each.

    Args:
        network: a trained `transform_net`.
        photos: (H, W, 3) or (B, H, W, 3) in [0, 1].

    Returns:
        The painted photos, float32 in [0, 1], of the same shape.
    """
    array = np.asarray(photos, dtype=np.float32)
    if array.ndim not in (3, 4) or array.shape[-1] != 3:
        raise ValueError(
            f"Expected RGB photos (H, W, 3) or (B, H, W, 3); got shape {array.shape}."
        )
    single = array.ndim == 3
    painted = np.asarray(
        network(array[np.newaxis] if single else array, training=False)
    )
    return painted[0] if single else painted


def seconds_per_photo(network: keras.Model, photo, passes: int = 8) -> float:
    """The median time of one forward pass on `photo`, (H, W, 3) in [0, 1].

    Times `passes` passes after a warm-up pass; the median, since a busy
    machine slows some passes. The weights do not change the time, only the
    architecture and the photo's size.
    """
    stylize_photos(network, photo)  # warm-up
    times = []
    for _ in range(passes):
        start = time.perf_counter()
        stylize_photos(network, photo)
        times.append(time.perf_counter() - start)
    return float(np.median(times))
