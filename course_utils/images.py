"""Load, resize, save and VGG-(de)process images (notebook 01 onwards).

Every image that the course passes around is a NumPy array or tensor of shape
(H, W, 3), RGB, float32 in [0, 1]. VGG19 wants something else: BGR, 0-255,
with the ImageNet channel means subtracted. `vgg_preprocess` and
`vgg_deprocess` convert between the two and are exact inverses.
"""

from __future__ import annotations

import io
import math
import os
from pathlib import Path

import numpy as np
import tensorflow as tf
from PIL import Image, ImageOps, PngImagePlugin, UnidentifiedImageError

from course_utils.captions import RANDOM_WEIGHTS_NOTE, caption_lines, captioned
from course_utils.download import download

MIN_SIDE = 32
"""Smallest side, in pixels, that VGG19's five pooling stages can handle."""

MAX_PIXELS = 50_000_000
"""Largest image, in pixels, that `load_image` opens (a decompression-bomb cap)."""

IMAGENET_MEAN_BGR = (103.939, 116.779, 123.68)
"""Per-channel ImageNet means (B, G, R) that VGG19 was trained with, on 0-255."""

_SIXTEEN_BIT_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I")


def load_image(
    source, max_dim: int | None = None, role: str | None = None
) -> np.ndarray:
    """Load an image as float32 RGB in [0, 1], shape (H, W, 3).

    Args:
        source: a file path, an http(s) URL (downloaded once into the Keras
            cache), a PIL image, or an array of shape (H, W), (H, W, 1),
            (H, W, 3) or (H, W, 4), uint8 in 0-255 or float in [0, 1].
        max_dim: if given, resize so that the longer side is `max_dim`
            pixels, keeping the aspect ratio.
        role: what the image is for ("content image", "style image",
            "mask"); an error then starts with it and the file's name.

    Returns:
        np.ndarray of shape (H, W, 3), float32 in [0, 1].

    Raises:
        FileNotFoundError: the path does not exist.
        ValueError: the file is not an image, is truncated, is smaller than
            MIN_SIDE on a side, or has more than MAX_PIXELS pixels.
    """
    try:
        return _load(source, max_dim)
    except (FileNotFoundError, ValueError, TypeError) as err:
        if role is None:
            raise
        name = _name(source)
        about = role if name in str(err) else f"{role} {name}"
        raise type(err)(f"{about[0].upper()}{about[1:]}: {err}") from err


def _name(source) -> str:
    """How an error names an image: its path or URL, or what kind of object it is."""
    if isinstance(source, (str, os.PathLike)):
        return str(source)
    if isinstance(source, Image.Image):
        return "(a PIL image)"
    return f"(an array of shape {tuple(np.shape(source))})"


def _load(source, max_dim) -> np.ndarray:
    if max_dim is not None:
        _check_size("max_dim", max_dim)
    if isinstance(source, Image.Image):
        pil = _to_rgb(source)
    elif isinstance(source, (np.ndarray, tf.Tensor)):
        pil = None
        array = _array_to_rgb(np.asarray(source))
    elif isinstance(source, (str, os.PathLike)):
        pil = _open_file(_local_path(source))
    else:
        raise TypeError(
            "load_image expects a path, a URL, a PIL image or an array; "
            f"got {type(source).__name__}."
        )
    if pil is not None:
        array = _pil_to_float(pil)
    height, width = array.shape[:2]
    if min(height, width) < MIN_SIDE:
        raise ValueError(
            f"The image is {width}x{height} pixels; VGG19 needs at least "
            f"{MIN_SIDE} pixels on each side. Use a larger image."
        )
    if max_dim is not None:
        array = resize_image(array, max_dim)
        if min(array.shape[:2]) < MIN_SIDE:
            needed = math.ceil(MIN_SIDE * max(height, width) / min(height, width))
            raise ValueError(
                f"Resized to max_dim={max_dim}, this {width}x{height} image would be "
                f"{array.shape[1]}x{array.shape[0]} pixels, under the {MIN_SIDE} "
                f"VGG19 needs on each side. Use max_dim >= {needed} or crop it."
            )
    return array


def resize_image(image, max_dim: int) -> np.ndarray:
    """Resize so the longer side is `max_dim` pixels, keeping the aspect ratio.

    Args:
        image: (H, W, 3) float array in [0, 1].
        max_dim: length of the longer side after resizing, in pixels.

    Returns:
        np.ndarray of shape (H', W', 3), float32 in [0, 1], max(H', W') == max_dim.
    """
    _check_size("max_dim", max_dim)
    image = np.asarray(image, dtype=np.float32)
    height, width = image.shape[:2]
    scale = max_dim / max(height, width)
    new_size = (max(1, round(height * scale)), max(1, round(width * scale)))
    return resize_to(image, new_size)


def resize_to(image, size: tuple[int, int]) -> np.ndarray:
    """Resize to exactly `size` = (height, width) with Lanczos filtering.

    Args:
        image: (H, W, 3) float array in [0, 1].
        size: (height, width) of the result.

    Returns:
        np.ndarray of shape (height, width, 3), float32 in [0, 1].
    """
    image = np.asarray(image, dtype=np.float32)
    if image.shape[:2] == tuple(size):
        return image.copy()
    resized = tf.image.resize(image, size, method="lanczos3", antialias=True)
    return np.clip(resized.numpy(), 0.0, 1.0).astype(np.float32)


def vgg_preprocess(image):
    """Turn RGB in [0, 1] into VGG19's input: BGR, 0-255, ImageNet mean removed.

    Args:
        image: (..., 3) float tensor or array, RGB in [0, 1].

    Returns:
        tf.Tensor of the same shape, float32, BGR, roughly in [-124, 152].
    """
    image = tf.convert_to_tensor(image, dtype=tf.float32)
    bgr = tf.reverse(image, axis=[-1]) * 255.0
    return bgr - tf.constant(IMAGENET_MEAN_BGR, dtype=tf.float32)


def vgg_deprocess(vgg_image):
    """Exact inverse of `vgg_preprocess`: BGR minus means back to RGB in [0, 1].

    Args:
        vgg_image: (..., 3) float tensor or array as made by `vgg_preprocess`.

    Returns:
        tf.Tensor of the same shape, float32, RGB. Not clipped: values
        outside [0, 1] stay outside, so the round trip is exact.
    """
    vgg_image = tf.convert_to_tensor(vgg_image, dtype=tf.float32)
    bgr = vgg_image + tf.constant(IMAGENET_MEAN_BGR, dtype=tf.float32)
    return tf.reverse(bgr, axis=[-1]) / 255.0


def to_uint8(image) -> np.ndarray:
    """Convert a [0, 1] float image (H, W, 3) to uint8 0-255, clipping first."""
    image = np.asarray(image, dtype=np.float32)
    return np.round(np.clip(image, 0.0, 1.0) * 255.0).astype(np.uint8)


def png_bytes(image) -> bytes:
    """Encode a [0, 1] float image (H, W, 3) as PNG bytes (for widgets)."""
    buffer = io.BytesIO()
    Image.fromarray(to_uint8(image)).save(buffer, format="PNG")
    return buffer.getvalue()


def save_image(image, path, *, untrained: bool = False, overwrite: bool = True) -> Path:
    """Save a [0, 1] float image (H, W, 3) as a PNG file and return its path.

    Args:
        image: (H, W, 3) or (1, H, W, 3) float array or tensor in [0, 1].
        path: where to write; missing parent folders are created.
        untrained: the image comes from random VGG19 weights: a red note
            below it (and in the file's metadata) says so.
        overwrite: if False and `path` exists, raise FileExistsError.
    """
    path = _writable(path, overwrite)
    array = np.asarray(image)
    if array.ndim == 4 and array.shape[0] == 1:
        array = array[0]
    note = RANDOM_WEIGHTS_NOTE if untrained else None
    picture = captioned(Image.fromarray(to_uint8(array)), note=note)
    metadata = PngImagePlugin.PngInfo()
    if note:
        metadata.add_text("Description", note)
    picture.save(path, format="PNG", pnginfo=metadata)
    return path


GIF_MIN_SIDE = 256
"""Long side, in pixels, small GIF frames are enlarged to (labels stay legible)."""


def save_gif(
    snapshots,
    path,
    frame_ms: int = 200,
    *,
    untrained: bool = False,
    overwrite: bool = True,
) -> Path:
    """Write snapshots [(iteration, image)] as an animated GIF with labels.

    Each frame has its iteration written below it ("stage 2 of 3 ·
    iteration 15 of 15"), with the random-weights note under it if
    `untrained`. Frames of different sizes (coarse-to-fine runs) are resized
    to the last one, and enlarged to a long side of at least GIF_MIN_SIDE.
    The last frame stays three times as long. Pillow writes the file.
    """
    if not snapshots:
        raise ValueError("No snapshots to animate; run stylize first.")
    path = _writable(path, overwrite)
    height, width = np.asarray(snapshots[-1][1]).shape[:2]
    scale = max(1.0, GIF_MIN_SIDE / max(height, width))
    shape = (round(height * scale), round(width * scale))
    note = RANDOM_WEIGHTS_NOTE if untrained else None
    labels = [
        f"iteration {it}" if isinstance(it, int) else str(it) for it, _ in snapshots
    ]
    lines = max(caption_lines(shape[1], label, note) for label in labels)  # one size
    frames = [
        captioned(
            Image.fromarray(to_uint8(resize_to(image, shape))), label, note, lines
        )
        for label, (_, image) in zip(labels, snapshots)
    ]
    durations = [frame_ms] * (len(frames) - 1) + [3 * frame_ms]
    frames[0].save(
        path,
        save_all=True,
        append_images=frames[1:],
        duration=durations,
        loop=0,
        comment=note or "",
    )
    return path


def _writable(path, overwrite: bool) -> Path:
    """`path` as a Path, its folder created; FileExistsError if it exists and
    must not be overwritten."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(
            f"{path} already exists; choose another name or allow overwriting."
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _check_size(name: str, value) -> None:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
        raise TypeError(f"{name} must be a whole number of pixels; got {value!r}.")
    if value < MIN_SIDE:
        raise ValueError(
            f"{name} must be at least {MIN_SIDE} pixels (VGG19 halves the image "
            f"five times); got {value}."
        )


def _local_path(source) -> Path:
    text = str(source)
    if text.startswith(("http://", "https://")):
        return download(text)
    path = Path(source).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"No image file at {path}: check the path.")
    if path.is_dir():
        raise ValueError(f"{path} is a folder; give the path of an image file.")
    return path


def _open_file(path: Path) -> Image.Image:
    data = path.read_bytes()
    try:
        pil = Image.open(io.BytesIO(data))
        width, height = pil.size
        if width * height > MAX_PIXELS:
            raise ValueError(
                f"{path} is {width}x{height} = {width * height:,} pixels, more "
                f"than the {MAX_PIXELS:,} this course opens (a guard against "
                "decompression bombs). Resize it first."
            )
        pil.load()
    except UnidentifiedImageError as err:
        raise ValueError(
            f"{path} is not an image file that Pillow can read (PNG, JPEG, ...)."
        ) from err
    except Image.DecompressionBombError as err:
        raise ValueError(f"{path} is too large to open safely: {err}") from err
    except OSError as err:
        raise ValueError(
            f"{path} could not be decoded ({err}); the file is probably truncated "
            "or damaged. Download or export it again."
        ) from err
    return _to_rgb(pil)


def _to_rgb(pil: Image.Image) -> Image.Image:
    """Apply EXIF orientation and convert any mode to RGB (or 16-bit 'I')."""
    pil = ImageOps.exif_transpose(pil)
    if pil.mode in _SIXTEEN_BIT_MODES or pil.mode == "F":
        return pil  # converted with its full range in _pil_to_float
    if pil.mode in ("RGBA", "LA", "PA") or (
        pil.mode == "P" and "transparency" in pil.info
    ):
        rgba = pil.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return pil.convert("RGB")


def _pil_to_float(pil: Image.Image) -> np.ndarray:
    if pil.mode in _SIXTEEN_BIT_MODES:
        gray = np.asarray(pil, dtype=np.float32) / 65535.0
        return np.repeat(np.clip(gray, 0, 1)[..., None], 3, axis=-1)
    if pil.mode == "F":
        gray = np.clip(np.asarray(pil, dtype=np.float32), 0, 1)
        return np.repeat(gray[..., None], 3, axis=-1)
    return np.asarray(pil, dtype=np.float32) / 255.0


def _array_to_rgb(array: np.ndarray) -> np.ndarray:
    if array.ndim == 4 and array.shape[0] == 1:
        array = array[0]
    if array.ndim == 2:
        array = array[..., None]
    if array.ndim != 3 or array.shape[-1] not in (1, 3, 4):
        raise ValueError(
            f"An image array must have shape (H, W), (H, W, 1), (H, W, 3) or "
            f"(H, W, 4); got {array.shape}."
        )
    if array.dtype == np.uint8:
        array = array.astype(np.float32) / 255.0
    elif np.issubdtype(array.dtype, np.floating):
        array = array.astype(np.float32)
        low, high = float(np.min(array)), float(np.max(array))
        if not (np.isfinite(low) and np.isfinite(high)) or low < 0 or high > 1:
            raise ValueError(
                f"A float image must hold values in [0, 1]; this one spans "
                f"[{low:g}, {high:g}]. Divide 0-255 data by 255 first."
            )
    else:
        raise ValueError(
            f"An image array must be uint8 (0-255) or float (0-1); got {array.dtype}."
        )
    if array.shape[-1] == 1:
        array = np.repeat(array, 3, axis=-1)
    elif array.shape[-1] == 4:
        rgb, alpha = array[..., :3], array[..., 3:]
        array = rgb * alpha + (1.0 - alpha)  # composite onto white
    return np.ascontiguousarray(array, dtype=np.float32)
