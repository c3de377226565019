"""Style targets beyond one image: blends, style scale and region masks (notebook 07).

The report has one style image and one target Gram matrix A^l per layer.
Here:

- several style images with blend weights give A^l = sum_k b_k A^l_k;
- `style_scale` resizes the style image relative to the content image before
  its Gram matrices are taken, which changes the size of the brush strokes;
- masks assign a style (or none) to regions of the content image, with the
  guided Gram matrices of Gatys et al. 2017: G^l_r = (F^l m_r)(F^l m_r)^T.

A Gram matrix sums over positions, so one taken from a style image of M_s
positions is scaled by M / M_s to compare with the generated image's M
positions. When the style image has the content image's size the factor is 1
and everything is exactly Eq. 2-4.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from course_utils.images import (
    MAX_PIXELS,
    MIN_SIDE,
    load_image,
    resize_image,
    resize_to,
)
from course_utils.losses import feature_matrix, gram_matrix


def as_list(styles) -> list:
    """One style image or a list of them, as a non-empty list."""
    styles = list(styles) if isinstance(styles, (list, tuple)) else [styles]
    if not styles:
        raise ValueError("Give at least one style image.")
    return styles


def blend_weights(weights, count: int) -> list[float]:
    """Check blend weights and scale them to sum 1; None gives equal weights."""
    if weights is None:
        return [1.0 / count] * count
    weights = [float(weight) for weight in weights]
    if len(weights) != count:
        raise ValueError(f"Got {count} style images but {len(weights)} style weights.")
    if any(not np.isfinite(weight) or weight < 0 for weight in weights):
        raise ValueError(f"Style weights must be finite and >= 0; got {weights}.")
    total = sum(weights)
    if total == 0:
        raise ValueError("The style weights are all 0; give at least one a weight.")
    return [weight / total for weight in weights]


def scale_style(style, content_shape, style_scale: float = 1.0) -> np.ndarray:
    """Resize a style image to `style_scale` times the content's long side.

    With style_scale 1 and the content's aspect ratio, the style image gets
    exactly the content's (H, W).
    """
    style = np.asarray(style, dtype=np.float32)
    target = round(style_scale * max(content_shape[:2]))
    ratio_style = style.shape[0] / style.shape[1]
    ratio_content = content_shape[0] / content_shape[1]
    if style_scale == 1.0 and abs(ratio_style - ratio_content) < 1e-3:
        return resize_to(style, content_shape[:2])
    if target**2 > MAX_PIXELS:
        raise ValueError(
            f"style_scale={style_scale} makes the style image {target} px on its long "
            f"side, too large to hold in memory; use a smaller style_scale."
        )
    if target < MIN_SIDE:
        raise ValueError(
            f"style_scale={style_scale} makes the style image {target} px, under "
            f"the {MIN_SIDE} px VGG19 needs; use a larger style_scale."
        )
    scaled = resize_image(style, target)
    if min(scaled.shape[:2]) < MIN_SIDE:
        raise ValueError(
            f"style_scale={style_scale} makes the style image {scaled.shape[1]}x"
            f"{scaled.shape[0]} px, under the {MIN_SIDE} px VGG19 needs on each side."
        )
    return scaled


def target_grams(extractor, styles, weights, layers, content_features) -> dict:
    """Return {layer: A^l}, the blended Gram matrices, scaled to the content's M.

    Args:
        extractor: a FeatureExtractor with all `layers`.
        styles: list of (H_k, W_k, 3) style images.
        weights: blend weights b_k, summing to 1.
        layers: style layer names.
        content_features: {layer: features of the content image}, for M.
    """
    grams = {name: 0.0 for name in layers}
    for style, weight in zip(styles, weights, strict=True):
        if weight == 0:
            continue
        features = extractor(style)
        for name in layers:
            scale = _positions(content_features[name]) / _positions(features[name])
            grams[name] += weight * scale * gram_matrix(features[name])
    return grams


def load_mask(mask, content_shape) -> np.ndarray:
    """Load a region mask as (H, W) float32 in [0, 1], the content image's size.

    Args:
        mask: a path to an image (white = inside) or an array (H, W) in [0, 1];
            any size with the content image's aspect ratio.
        content_shape: (H, W, ...) of the (resized) content image.

    Raises:
        ValueError: wrong aspect ratio, values outside [0, 1], or an empty mask.
    """
    if isinstance(mask, np.ndarray) and mask.ndim == 2:
        array = mask.astype(np.float32) / (255.0 if mask.dtype == np.uint8 else 1.0)
        if not np.all(np.isfinite(array)) or array.min() < 0 or array.max() > 1:
            raise ValueError(
                f"A mask must hold values in [0, 1] (1 = inside the region); this one "
                f"spans [{np.nanmin(array):g}, {np.nanmax(array):g}]."
            )
    else:
        array = load_image(mask, None, role="mask").mean(axis=-1)
    height, width = content_shape[:2]
    if abs(array.shape[0] / array.shape[1] - height / width) > 0.02:
        raise ValueError(
            f"The mask is {array.shape[1]}x{array.shape[0]} but the content image is "
            f"{width}x{height}; a mask needs the content image's aspect ratio."
        )
    array = np.clip(
        tf.image.resize(array[..., None], (height, width)).numpy()[..., 0], 0, 1
    )
    if array.max() < 1e-3:
        raise ValueError("The mask has no pixels inside its region (it is all 0).")
    return array.astype(np.float32)


def guided_style_loss(features, region_targets, masks, layer_weights) -> tf.Tensor:
    """Style loss over regions: sum_r sum_l w_l E_l(F^l m_r, A^l_r s_r) / s_r.

    s_r = mean(m_r^2) is the region's share of the image: the target is
    scaled by it because the guided Gram matrix sums over fewer positions,
    and the term is divided by it so that each region's pixels feel the same
    pull as in an unmasked run. A mask of ones gives exactly Eq. 4.

    Args:
        features: {layer: F^l of the generated image}.
        region_targets: one {layer: A^l} per region.
        masks: one (H, W) mask per region, the content image's size.
        layer_weights: {layer: w_l}.
    """
    terms = []
    for targets, mask in zip(region_targets, masks, strict=True):
        for name, weight in layer_weights.items():
            matrix = feature_matrix(features[name])  # (N, M)
            shape = tuple(features[name].shape[-3:-1])
            m = tf.image.resize(mask[..., None], shape, antialias=True)
            m = tf.reshape(m, (1, -1))
            guided = matrix * m
            gram = tf.matmul(guided, guided, transpose_b=True)
            share = tf.reduce_mean(tf.square(m))  # the region's share of the image
            target = targets[name] * share
            num_filters, num_positions = [float(d) for d in matrix.shape]
            scale = 4.0 * num_filters**2 * num_positions**2
            # / share: a region is painted as strongly per pixel as a whole image
            error = tf.reduce_sum(tf.square(gram - target)) / (scale * share)
            terms.append(weight * error)
    return tf.add_n(terms)


def _positions(features) -> float:
    shape = features.shape
    return float(shape[-3] * shape[-2])
