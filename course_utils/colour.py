"""Colour preservation, the two methods of Gatys et al. 2017 (notebook 07).

Plain style transfer also copies the style image's colours. To keep the
content's colours instead:

- luminance-only transfer: stylize the luminance (Y of YIQ) alone, then put
  the content image's colour channels (I, Q) back;
- colour-histogram matching: before the transfer, recolour the style image so
  its pixels have the content image's mean colour and colour covariance.

Images are (H, W, 3) float arrays, RGB in [0, 1].
"""

from __future__ import annotations

import numpy as np

# NTSC YIQ: Y is the luminance, I and Q the colour (chrominance).
RGB_TO_YIQ = np.array(
    [
        [0.299, 0.587, 0.114],
        [0.595716, -0.274453, -0.321263],
        [0.211456, -0.522591, 0.311135],
    ]
)
YIQ_TO_RGB = np.linalg.inv(RGB_TO_YIQ)


def rgb_to_yiq(image) -> np.ndarray:
    """Convert RGB (..., 3) to YIQ (..., 3); Y in [0, 1], I and Q about [-0.6, 0.6]."""
    return np.asarray(image, dtype=np.float64) @ RGB_TO_YIQ.T


def yiq_to_rgb(image) -> np.ndarray:
    """Exact inverse of `rgb_to_yiq` (not clipped)."""
    return np.asarray(image, dtype=np.float64) @ YIQ_TO_RGB.T


def luminance(image) -> np.ndarray:
    """The luminance Y as a grey RGB image (H, W, 3), float32 in [0, 1]."""
    y = rgb_to_yiq(image)[..., :1]
    return np.repeat(np.clip(y, 0, 1), 3, axis=-1).astype(np.float32)


def match_luminance(style, content) -> np.ndarray:
    """Shift and scale the style's luminance to the content's mean and spread.

    Gatys et al. do this before luminance-only transfer so that the two
    luminance images are comparable. Returns a grey (H, W, 3) float32 image.
    """
    y_style = rgb_to_yiq(style)[..., 0]
    y_content = rgb_to_yiq(content)[..., 0]
    spread = y_style.std() or 1.0
    matched = (y_style - y_style.mean()) / spread * y_content.std() + y_content.mean()
    return np.repeat(np.clip(matched, 0, 1)[..., None], 3, axis=-1).astype(np.float32)


def combine_luminance(content, stylized) -> np.ndarray:
    """Take Y from `stylized` and I, Q from `content` (same size).

    Returns (H, W, 3) float32 RGB, clipped to [0, 1]; where no channel is
    clipped, the result's I and Q are exactly the content's.
    """
    content, stylized = np.asarray(content), np.asarray(stylized)
    if content.shape != stylized.shape:
        raise ValueError(
            f"content {content.shape} and stylized {stylized.shape} must have the "
            "same shape."
        )
    yiq = rgb_to_yiq(content)
    yiq[..., 0] = rgb_to_yiq(stylized)[..., 0]
    return np.clip(yiq_to_rgb(yiq), 0, 1).astype(np.float32)


def match_histogram(style, content) -> np.ndarray:
    """Recolour `style` so its pixels have the mean and covariance of `content`'s.

    The linear colour transfer of Gatys et al. 2017, Eq. 7: x' = A x + b with
    A = C_content^(1/2) C_style^(-1/2) (symmetric matrix square roots) and b
    chosen so the means agree.

    Returns:
        (H_s, W_s, 3) float32 in [0, 1] (clipped), the style's size.
    """
    pixels = np.asarray(style, dtype=np.float64).reshape(-1, 3)
    target = np.asarray(content, dtype=np.float64).reshape(-1, 3)
    mean_s, mean_c = pixels.mean(0), target.mean(0)
    cov_s, cov_c = np.cov(pixels, rowvar=False), np.cov(target, rowvar=False)
    # A grey image has a singular covariance; regularise relative to its size.
    cov_s += (1e-3 * np.trace(cov_s) / 3 + 1e-8) * np.eye(3)
    cov_c += (1e-3 * np.trace(cov_c) / 3 + 1e-8) * np.eye(3)
    transform = _sqrtm(cov_c) @ np.linalg.inv(_sqrtm(cov_s))
    recoloured = (pixels - mean_s) @ transform.T + mean_c
    return np.clip(recoloured, 0, 1).reshape(np.shape(style)).astype(np.float32)


def _sqrtm(matrix) -> np.ndarray:
    """Square root of a symmetric positive definite matrix."""
    values, vectors = np.linalg.eigh(matrix)
    return vectors @ np.diag(np.sqrt(np.maximum(values, 0))) @ vectors.T
