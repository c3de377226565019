"""The report's loss functions, Eq. 1 to 5, plus total variation.

Notation (COURSE_SPEC, notebooks 02-04): layer l has N_l filters and
M_l = H_l * W_l positions. F^l is the generated image's feature matrix
(N_l x M_l), P^l the content image's and A^l the style image's Gram matrix.

Features arrive as Keras gives them, (1, H_l, W_l, N_l) or (H_l, W_l, N_l);
each function reshapes them to F^l itself. Everything is computed in float32
(float64 inputs stay float64, for gradient checks).

These are the report's normalisations. Other courses scale differently (the
TensorFlow tutorial divides the Gram matrix by M_l and averages instead of
summing); notebook 05 compares them.
"""

from __future__ import annotations

import math

import tensorflow as tf


def feature_matrix(features) -> tf.Tensor:
    """Reshape features (1, H, W, N) or (H, W, N) to F^l of shape (N, M), M = H*W.

    Raises:
        ValueError: for any other rank, or a batch of more than one image.
    """
    features = _as_float(features)
    shape = tuple(features.shape)
    if len(shape) == 4:
        if shape[0] != 1:
            raise ValueError(
                f"Expected the features of one image, shape (1, H, W, N) or "
                f"(H, W, N); got a batch of {shape[0]}: {shape}."
            )
        features = features[0]
    elif len(shape) != 3:
        raise ValueError(
            f"Expected features of shape (1, H, W, N) or (H, W, N); got {shape}."
        )
    num_filters = tf.shape(features)[-1]
    return tf.transpose(tf.reshape(features, (-1, num_filters)))


def _as_float(tensor) -> tf.Tensor:
    """float32, or float64 if given (for gradient checks); bfloat16 becomes float32."""
    tensor = tf.convert_to_tensor(tensor)
    return tensor if tensor.dtype == tf.float64 else tf.cast(tensor, tf.float32)


def _shape(tensor) -> tuple:
    return tuple(tf.convert_to_tensor(tensor).shape)


def gram_matrix(features) -> tf.Tensor:
    """Return the Gram matrix G^l = F^l (F^l)^T of one layer (Eq. 2, notebook 03).

    G_ij = sum_k F_ik F_jk: how strongly filters i and j fire together,
    summed over all M_l positions. Not normalised.

    Args:
        features: (1, H_l, W_l, N_l) or (H_l, W_l, N_l) float tensor.

    Returns:
        (N_l, N_l) float32 tensor, symmetric.
    """
    matrix = feature_matrix(features)
    return tf.matmul(matrix, matrix, transpose_b=True)


def content_loss(generated, content) -> tf.Tensor:
    """Return L_content = 1/2 * sum_ij (F_ij - P_ij)^2 (Eq. 1, notebook 02).

    Args:
        generated: F^l, the generated image's features, (1, H, W, N) or (H, W, N).
        content: P^l, the content image's features at the same layer, same shape.

    Returns:
        Scalar float32 tensor, >= 0, and 0 exactly when the two are equal.

    Raises:
        ValueError: if the shapes differ; the message shows both.
    """
    features = feature_matrix(generated)
    target = tf.cast(feature_matrix(content), features.dtype)
    if features.shape != target.shape:
        raise ValueError(
            "content_loss needs features of the same shape; generated is "
            f"{_shape(generated)} but content is {_shape(content)}. "
            "Were both images resized to "
            "the same size and passed through the same layer?"
        )
    return 0.5 * tf.reduce_sum(tf.square(features - target))


def style_layer_loss(generated, target_gram) -> tf.Tensor:
    """Return the style loss E_l of one layer (Eq. 3, notebook 03).

    E_l = 1 / (4 N_l^2 M_l^2) * sum_ij (G_ij - A_ij)^2.

    Args:
        generated: F^l of the generated image, (1, H_l, W_l, N_l) or
            (H_l, W_l, N_l); N_l and M_l = H_l * W_l are read from it.
        target_gram: A^l, the style image's Gram matrix, (N_l, N_l).

    Returns:
        Scalar float32 tensor, >= 0.

    Raises:
        ValueError: if N_l differs between the two; the message shows both shapes.
    """
    matrix = feature_matrix(generated)
    target_gram = tf.cast(target_gram, matrix.dtype)
    num_filters = matrix.shape[0]  # None inside a tf.function with unknown shapes
    known = num_filters is not None and target_gram.shape.is_fully_defined()
    if known and tuple(target_gram.shape) != (num_filters, num_filters):
        raise ValueError(
            f"target_gram must be ({num_filters}, {num_filters}) to match the "
            f"{num_filters} filters of `generated`; got {tuple(target_gram.shape)}. "
            "Compute it with gram_matrix() on the style image's features of the "
            "same layer."
        )
    gram = tf.matmul(matrix, matrix, transpose_b=True)
    num_filters, num_positions = tf.unstack(tf.cast(tf.shape(matrix), matrix.dtype))
    scale = 4.0 * num_filters**2 * num_positions**2
    return tf.reduce_sum(tf.square(gram - target_gram)) / scale


def style_loss(generated_by_layer, target_grams, layer_weights=None) -> tf.Tensor:
    """Return L_style = sum_l w_l E_l over the style layers (Eq. 4, notebook 03).

    Args:
        generated_by_layer: {layer name: F^l of the generated image}.
        target_grams: {layer name: A^l}, the same layer names.
        layer_weights: {layer name: w_l}; None gives every layer 1 / L.

    Returns:
        Scalar float32 tensor.

    Raises:
        ValueError: if the layer names of the three dicts differ, or a
            weight is negative.
    """
    layers = list(target_grams)
    if layer_weights is None:
        layer_weights = {name: 1.0 / len(layers) for name in layers}
    for what, names in (
        ("generated_by_layer", generated_by_layer),
        ("layer_weights", layer_weights),
    ):
        if set(names) != set(layers):
            raise ValueError(
                f"{what} has layers {sorted(names)} but target_grams has "
                f"{sorted(layers)}; use the same layer names in both."
            )
    negative = {name: w for name, w in layer_weights.items() if float(w) < 0}
    if negative:
        raise ValueError(f"Layer weights must be >= 0; got {negative}.")
    if not layers:
        raise ValueError("style_loss needs at least one style layer.")
    return tf.add_n(
        [
            float(layer_weights[name])
            * style_layer_loss(generated_by_layer[name], target_grams[name])
            for name in layers
        ]
    )


def total_loss(content_loss, style_loss, alpha, beta) -> tf.Tensor:
    """Return L_total = alpha * L_content + beta * L_style (Eq. 5, notebook 04).

    Args:
        content_loss: scalar L_content.
        style_loss: scalar L_style.
        alpha: content weight, >= 0.
        beta: style weight, >= 0; alpha and beta are not both 0.

    Returns:
        Scalar float32 tensor.

    Raises:
        ValueError: a negative weight, or alpha = beta = 0.
    """
    check_loss_weights(alpha, beta)
    content_loss = _as_float(content_loss)
    style_loss = tf.cast(_as_float(style_loss), content_loss.dtype)
    return float(alpha) * content_loss + float(beta) * style_loss


def check_loss_weights(alpha, beta) -> None:
    """Raise ValueError unless alpha, beta >= 0, finite and not both 0."""
    for name, value in (("alpha", alpha), ("beta", beta)):
        if not math.isfinite(float(value)) or float(value) < 0:
            raise ValueError(f"{name} must be a finite number >= 0; got {value}.")
    if float(alpha) == 0 and float(beta) == 0:
        raise ValueError(
            "alpha and beta are both 0, so the total loss is 0 and nothing would "
            "change. Give at least one a positive weight (the report uses "
            "alpha = 1)."
        )


def total_variation_loss(image) -> tf.Tensor:
    """Return the total variation of an image: the sum of |neighbour differences|.

    An optional extra term (notebook 07) that smooths high-frequency noise;
    it equals `tf.image.total_variation`.

    Args:
        image: (1, H, W, C) or (H, W, C) float tensor.

    Returns:
        Scalar float32 tensor.
    """
    image = _as_float(image)
    if image.shape.rank == 4:
        if image.shape[0] != 1:
            raise ValueError(
                "Expected one image, (1, H, W, C) or (H, W, C); got "
                f"{tuple(image.shape)}."
            )
        image = image[0]
    if image.shape.rank != 3:
        raise ValueError(
            f"Expected an image of shape (1, H, W, C) or (H, W, C); got "
            f"{tuple(image.shape)}."
        )
    down = tf.reduce_sum(tf.abs(image[1:, :, :] - image[:-1, :, :]))
    across = tf.reduce_sum(tf.abs(image[:, 1:, :] - image[:, :-1, :]))
    return down + across
