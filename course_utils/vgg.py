"""VGG19: layer names, layer tables and the feature extractor (notebook 01).

Layer names follow Keras (`block4_conv2`). The report and the Gatys et al.
paper write the same layer as `conv4_2`: convolution 2 of block 4. Both
spellings are accepted everywhere a layer name is asked for; see
`resolve_layer`.
"""

from __future__ import annotations

import functools
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from course_utils.images import vgg_preprocess
from course_utils.weights import NO_TOP, given_file, how_to_get

NUM_CONVS_PER_BLOCK = (2, 2, 4, 4, 4)
CONV_LAYERS = tuple(
    f"block{block}_conv{conv}"
    for block, num_convs in enumerate(NUM_CONVS_PER_BLOCK, start=1)
    for conv in range(1, num_convs + 1)
)
"""The 16 convolution layers of VGG19, shallowest first."""

LAYERS = tuple(
    name
    for block, num_convs in enumerate(NUM_CONVS_PER_BLOCK, start=1)
    for name in [f"block{block}_conv{c}" for c in range(1, num_convs + 1)]
    + [f"block{block}_pool"]
)
"""Every layer of VGG19 without its classifier, in order (convs and pools)."""

STYLE_LAYERS = (
    "block1_conv1",
    "block2_conv1",
    "block3_conv1",
    "block4_conv1",
    "block5_conv1",
)
"""The report's style layers, weighted equally."""

CONTENT_LAYERS = ("block4_conv1",)
"""The report's content layer."""

PRECISIONS = ("auto", "float32", "bfloat16")
"""How VGG19 computes: "bfloat16" runs its convolutions in bfloat16 (weights
kept in float32, Keras' "mixed_bfloat16"); "auto" picks it where the
hardware multiplies bfloat16 fast (`fast_bfloat16`), else "float32"."""

_PAPER_NAME = re.compile(r"^conv(\d)_(\d)$|^pool(\d)$")


def resolve_layer(name: str) -> str:
    """Return the Keras name of a VGG19 layer, accepting the paper's names.

    >>> resolve_layer("conv4_2")
    'block4_conv2'

    Raises:
        ValueError: for an unknown name; the message lists the valid ones.
    """
    if not isinstance(name, str):
        raise TypeError(f"A layer name must be a string; got {name!r}.")
    keras_name = name
    match = _PAPER_NAME.match(name)
    if match and match.group(3):
        keras_name = f"block{match.group(3)}_pool"
    elif match:
        keras_name = f"block{match.group(1)}_conv{match.group(2)}"
    if keras_name not in LAYERS:
        raise ValueError(
            f"Unknown VGG19 layer {name!r}. Valid names: {', '.join(LAYERS)} "
            "(the paper's 'conv4_2' and 'pool4' spellings work too)."
        )
    return keras_name


def paper_name(name: str) -> str:
    """Return the paper's spelling of a VGG19 layer.

    >>> paper_name("block4_conv2")
    'conv4_2'
    """
    keras_name = resolve_layer(name)
    block, kind = keras_name[len("block") :].split("_")
    if kind == "pool":
        return f"pool{block}"
    return f"conv{block}_{kind[len('conv') :]}"


def resolve_layer_weights(layers, what: str) -> dict[str, float]:
    """Normalise a list of layer names, or a {name: weight} dict, to a dict.

    A plain list gives every layer weight 1 / (number of layers), the
    report's equal weighting w_l of Eq. 4.

    Raises:
        ValueError: the list is empty, a name is unknown or a weight is
            negative or not finite. `what` ("style layers") names the setting.
    """
    if isinstance(layers, str):
        layers = [layers]
    if isinstance(layers, dict):
        pairs = list(layers.items())
    else:
        layers = list(layers)
        pairs = [(name, 1.0 / len(layers)) for name in layers] if layers else []
    if not pairs:
        raise ValueError(
            f"The {what} are empty; name at least one layer, for example "
            f"{STYLE_LAYERS[0]!r}."
        )
    weights = {}
    for name, weight in pairs:
        weight = float(weight)
        if not np.isfinite(weight) or weight < 0:
            raise ValueError(
                f"The weight of {what[:-1]} {name!r} must be a finite number >= 0; "
                f"got {weight}."
            )
        weights[resolve_layer(name)] = weight
    return weights


def load_vgg19(weights="imagenet", seed: int = 0) -> keras.Model:
    """Build VGG19 without its classifier, for images of any size.

    Args:
        weights: "imagenet" (downloaded by Keras into ~/.keras/models on
            first use, then read from there; or the file that the
            environment variable COURSE_UTILS_VGG19_WEIGHTS names, if set),
            the path of a local weights file (the same .h5 file, or a
            `.weights.h5` saved by Keras), or
            None / "random" for random weights seeded by `seed`. Random
            weights are for tests and offline demos only and give no style
            transfer: a warning says so.
        seed: seed for random weights.

    Returns:
        keras.Model mapping a VGG-preprocessed batch (B, H, W, 3) to the
        block5_pool output. Cached, so asking twice costs nothing.

    Raises:
        FileNotFoundError: a weights path that does not exist.
        RuntimeError: "imagenet" weights are neither cached nor downloadable.
    """
    key = weights_label(weights)
    if key == "random":
        warnings.warn(
            "VGG19 has RANDOM, UNTRAINED weights: its features mean nothing, so "
            "no run with it is a style transfer result. Use weights='imagenet' "
            "for real results.",
            UserWarning,
            stacklevel=2,
        )
    return _build_vgg19(key, seed if key == "random" else 0)


def weights_label(weights) -> str:
    """Return "imagenet", "random" or the absolute path of a weights file."""
    if weights is None or weights == "random":
        return "random"
    if weights == "imagenet":
        local = given_file()  # COURSE_UTILS_VGG19_WEIGHTS, for a machine offline
        return "imagenet" if local is None else str(local)
    path = Path(weights).expanduser()
    if not path.is_file():
        raise FileNotFoundError(
            f"No VGG19 weights file at {path}. Pass weights='imagenet' to let "
            "Keras download it, or the path of the downloaded .h5 file "
            f"(from {NO_TOP.url})."
        )
    return str(path.resolve())


def clear_cache() -> None:
    """Forget the VGG19 models `load_vgg19` built (they are rebuilt on demand)."""
    _build_vgg19.cache_clear()
    _bfloat16_copy.cache_clear()


def is_trained(weights) -> bool:
    """True unless the weights are random.

    Args:
        weights: a model `load_vgg19` built, a label from `weights_label`, or
            a `weights` argument ("imagenet", a file path, None or "random").
    """
    label = getattr(weights, "weights_label", weights)
    return label not in (None, "random") and weights_label(label) != "random"


@functools.lru_cache(maxsize=4)
def _build_vgg19(label: str, seed: int) -> keras.Model:
    if label == "random":
        keras.utils.set_random_seed(seed)
    try:
        model = keras.applications.VGG19(
            include_top=False,
            weights=None if label == "random" else label,
            input_shape=(None, None, 3),
        )
    except Exception as err:  # Keras raises a bare Exception when offline
        if label != "imagenet":
            raise ValueError(
                f"Could not load VGG19 weights from {label}: {err}"
            ) from err
        raise RuntimeError(
            "Could not download the ImageNet VGG19 weights (are you offline?).\n"
            f"{how_to_get(NO_TOP)}\n"
            "In Python, pass the path as weights='/path/to/"
            f"{NO_TOP.name}'. For a quick offline demo without real results use "
            f"weights=None.\nKeras said: {err}"
        ) from err
    model.trainable = False
    model.weights_label = label
    return model


def vgg19_classifier(weights="imagenet", seed: int = 0) -> keras.Model:
    """Build VGG19 with its ImageNet classifier, to check the preprocessing.

    Classifying photos right is the proof that `vgg_preprocess` (RGB to BGR,
    0-255, ImageNet means removed) feeds the weights what they were trained on.

    Args:
        weights: "imagenet" (Keras downloads the 549 MB file with the
            classifier, `weights.WITH_TOP`), the path of that file, or
            None / "random" for random weights seeded by `seed`.

    Returns:
        keras.Model mapping a VGG-preprocessed batch (B, 224, 224, 3) to the
        probabilities of the 1000 ImageNet classes, (B, 1000). Not cached.
    """
    random = weights in (None, "random")
    if random:
        keras.utils.set_random_seed(seed)
    model = keras.applications.VGG19(
        include_top=True, weights=None if random else str(weights)
    )
    model.trainable = False
    return model


@dataclass(frozen=True)
class FeatureExtractor:
    """Map RGB images in [0, 1] to the named VGG19 layer outputs.

    Call it with a batch (B, H, W, 3) or one image (H, W, 3); it returns
    {layer name: features of shape (B, H_l, W_l, N_l)}, always float32 (a
    bfloat16 model's outputs are cast, so the losses and Gram matrices
    are computed in float32). The model is built only up to the deepest
    requested layer.
    """

    model: keras.Model
    layers: tuple[str, ...]
    weights_label: str
    precision: str = "float32"

    def __call__(self, images) -> dict[str, tf.Tensor]:
        images = tf.convert_to_tensor(images, dtype=tf.float32)
        if images.shape.rank == 3:
            images = images[tf.newaxis]
        if images.shape.rank != 4 or images.shape[-1] != 3:
            raise ValueError(
                "Expected RGB images of shape (B, H, W, 3) or (H, W, 3); got "
                f"{tuple(images.shape)}."
            )
        features = self.model(vgg_preprocess(images), training=False)
        return {name: tf.cast(value, tf.float32) for name, value in features.items()}

    @property
    def is_trained(self) -> bool:
        return is_trained(self.weights_label)


def feature_extractor(
    layers, weights="imagenet", seed: int = 0, precision: str = "float32"
) -> FeatureExtractor:
    """Build a FeatureExtractor for `layers` (Keras or paper names).

    Args:
        layers: iterable of layer names, e.g. STYLE_LAYERS + CONTENT_LAYERS.
        weights: as in `load_vgg19`.
        seed: seed for random weights.
        precision: one of PRECISIONS; "auto" becomes `resolve_precision`'s choice.

    Raises:
        ValueError: an empty list, an unknown name (the valid ones are
            listed) or an unknown precision.
    """
    names = tuple(dict.fromkeys(resolve_layer(name) for name in layers))
    if not names:
        raise ValueError("Name at least one VGG19 layer to extract.")
    precision = resolve_precision(precision)
    vgg = load_vgg19(weights, seed)
    if precision == "bfloat16":
        vgg = _bfloat16_copy(vgg)
    outputs = {name: vgg.get_layer(name).output for name in names}
    model = keras.Model(vgg.inputs, outputs, name="vgg19_features")
    return FeatureExtractor(model, names, vgg.weights_label, precision)


def resolve_precision(precision: str) -> str:
    """Return "float32" or "bfloat16" for a precision setting (see PRECISIONS)."""
    if precision not in PRECISIONS:
        raise ValueError(
            f"precision must be one of {', '.join(map(repr, PRECISIONS))}; "
            f"got {precision!r}."
        )
    if precision == "auto":
        return "bfloat16" if fast_bfloat16() else "float32"
    return precision


@functools.lru_cache(maxsize=1)
def fast_bfloat16() -> bool:
    """True if this machine multiplies bfloat16 faster than float32.

    That is an NVIDIA GPU of compute capability 8.0 or newer (A100, L4,
    H100, ...; not Colab's T4, which is 7.5), or, without a GPU, a CPU
    with AVX512-BF16 or AMX-BF16 instructions (read from /proc/cpuinfo, so
    Linux only).
    """
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        capability = tf.config.experimental.get_device_details(gpus[0]).get(
            "compute_capability", (0, 0)
        )
        return tuple(capability) >= (8, 0)
    try:
        flags = Path("/proc/cpuinfo").read_text().split()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


@functools.lru_cache(maxsize=4)
def _bfloat16_copy(model: keras.Model) -> keras.Model:
    """The same VGG19 computing in bfloat16 (Keras' "mixed_bfloat16" policy)."""

    def mixed(layer):
        config = layer.get_config()
        if not isinstance(layer, keras.layers.InputLayer):
            config["dtype"] = "mixed_bfloat16"
        return layer.__class__.from_config(config)

    copy = keras.models.clone_model(model, clone_function=mixed)
    copy.set_weights(model.get_weights())
    copy.trainable = False
    copy.weights_label = model.weights_label
    return copy


def vgg19_architecture(size: int = 224, include_top: bool = False) -> keras.Model:
    """Build ImageNet VGG19's architecture (random weights, nothing downloaded).

    Args:
        size: input height and width. With `include_top` it must be 224, the
            size the dense classifier was built for.
        include_top: add the classifier (flatten, fc1, fc2, predictions).
    """
    if include_top and size != 224:
        raise ValueError(
            f"VGG19 with its classifier takes 224x224 images only; got size={size}."
        )
    return keras.applications.VGG19(
        include_top=include_top, weights=None, input_shape=(size, size, 3)
    )


def cifar10_vgg19() -> keras.Model:
    """Build the report's CIFAR-10 VGG19 (its Image 1): 32x32 input, 10 classes.

    Four 'same' max-pools take 32 -> 16 -> 8 -> 4 -> 2; block 5 has no pool,
    so the flattened features are 2 * 2 * 512 = 2048 and the dense layers are
    2048x4096, 4096x4096 and 4096x10. Layer names are the report's
    ('fc_cifa10', 'predictions_cifa10').
    """
    inputs = keras.Input((32, 32, 3), name="input")
    x = inputs
    for block, num_convs in enumerate(NUM_CONVS_PER_BLOCK, start=1):
        filters = min(64 * 2 ** (block - 1), 512)
        for conv in range(1, num_convs + 1):
            x = keras.layers.Conv2D(
                filters,
                3,
                padding="same",
                activation="relu",
                name=f"block{block}_conv{conv}",
            )(x)
        if block < 5:
            x = keras.layers.MaxPooling2D(
                2, strides=2, padding="same", name=f"block{block}_pool"
            )(x)
    x = keras.layers.Flatten(name="flatten")(x)
    x = keras.layers.Dense(4096, activation="relu", name="fc_cifa10")(x)
    x = keras.layers.Dropout(0.5, name="dropout_1")(x)
    x = keras.layers.Dense(4096, activation="relu", name="fc2")(x)
    x = keras.layers.Dropout(0.5, name="dropout_2")(x)
    outputs = keras.layers.Dense(10, activation="softmax", name="predictions_cifa10")(x)
    return keras.Model(inputs, outputs, name="vgg19_cifar10")


@dataclass(frozen=True)
class LayerRow:
    """One row of a layer table."""

    name: str
    output_shape: tuple[int, ...]  # without the batch dimension
    num_params: int


def layer_table(model: keras.Model) -> list[LayerRow]:
    """List every layer of `model` after the input: name, output shape, params."""
    return [
        LayerRow(layer.name, tuple(layer.output.shape[1:]), layer.count_params())
        for layer in model.layers
        if not isinstance(layer, keras.layers.InputLayer)
    ]


def format_layer_table(rows: list[LayerRow]) -> str:
    """Format a layer table as aligned text, with the total parameter count."""
    width = max(len(row.name) for row in rows)
    lines = [f"{'layer':<{width}}  {'output shape':<18}  {'parameters':>12}"]
    for row in rows:
        shape = " x ".join(str(d) for d in row.output_shape)
        lines.append(f"{row.name:<{width}}  {shape:<18}  {row.num_params:>12,}")
    total = sum(row.num_params for row in rows)
    lines.append(f"{'total':<{width}}  {'':<18}  {total:>12,}")
    return "\n".join(lines)
