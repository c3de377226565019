"""The photos a real-time network learns from: a folder of images as a tf.data pipeline.

Training shows the network a batch of square crops at every step, each a
different photo. `photo_dataset` reads a folder (or a list of files) with
tf.data: the files in a shuffled order, each decoded, its short side scaled
to the crop size and a random square cut out, batched, repeated for as many
steps as asked, and prefetched so the next batch is ready when the step ends.

`download_photos` fetches a small photo set once into the Keras cache
(TensorFlow's flower photos, 3670 photos, 218 MB: seconds on Colab).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import tensorflow as tf

from course_utils import data
from course_utils.download import download

FLOWERS_URL = (
    "https://storage.googleapis.com/download.tensorflow.org/example_images/"
    "flower_photos.tgz"
)
"""TensorFlow's flower photos (CC-BY, credited in the archive's LICENSE.txt)."""

_SAFE = {"filter": "data"} if sys.version_info >= (3, 11, 4) else {}
"""Unpack no file outside the folder (tarfile's "data" filter, Python 3.11.4+)."""

EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".gif")
"""The files `photo_dataset` reads (what tf.io.decode_image decodes)."""


def training_photos(photos: str = "flowers"):
    """The photos to train on: "flowers" (downloaded once, `download_photos`),
    "bundled" (the course's content photos but the default one, which stays
    unseen, so the trained network can be shown a new photo) or a folder."""
    if photos == "flowers":
        return download_photos()
    if photos == "bundled":
        names = data.list_images("content", bundled_only=True)
        return [str(data.image_path(n)) for n in names if n != data.DEFAULT_CONTENT]
    return photos


def photo_files(photos) -> list[str]:
    """The image files of a folder (searched recursively) or a list of paths, sorted.

    Raises:
        FileNotFoundError: a folder or file that does not exist.
        ValueError: no images found; the message says which extensions count.
    """
    if isinstance(photos, (str, Path)):
        folder = Path(photos)
        if not folder.exists():
            raise FileNotFoundError(f"No photo folder at {folder}.")
        files = [folder] if folder.is_file() else sorted(folder.rglob("*"))
    else:
        files = [Path(path) for path in photos]
        missing = [str(path) for path in files if not path.is_file()]
        if missing:
            raise FileNotFoundError(f"No such photo: {', '.join(missing[:3])}.")
    images = [str(path) for path in files if path.suffix.lower() in EXTENSIONS]
    if not images:
        raise ValueError(
            f"No photos in {photos}: training reads files ending in "
            f"{', '.join(EXTENSIONS)}."
        )
    return images


def photo_dataset(photos, size: int, batch_size: int, seed: int = 0) -> tf.data.Dataset:
    """A never-ending tf.data pipeline of random square crops of the photos.

    Args:
        photos: a folder of images (searched recursively) or a list of files.
        size: side of the crops in pixels.
        batch_size: photos per batch.
        seed: seed of the shuffling and the crops.

    Returns:
        A Dataset of float32 batches (batch_size, size, size, 3) in [0, 1].
    """
    files = photo_files(photos)
    dataset = tf.data.Dataset.from_tensor_slices(files)
    dataset = dataset.shuffle(len(files), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.repeat().enumerate()  # (number, file): number seeds its crop
    dataset = dataset.map(_crop(size, seed), num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)


def _crop(size: int, seed: int):
    """A function from (number, file) to a random crop (size, size, 3) in [0, 1]."""

    def crop(number, path):
        image = tf.io.decode_image(
            tf.io.read_file(path), channels=3, expand_animations=False
        )
        image = tf.image.convert_image_dtype(image, tf.float32)
        shape = tf.cast(tf.shape(image)[:2], tf.float32)
        scaled = tf.cast(tf.math.ceil(shape * size / tf.reduce_min(shape)), tf.int32)
        image = tf.image.resize(image, scaled, antialias=True)
        crop_seed = tf.stack([tf.constant(seed, tf.int64), number])
        image = tf.image.stateless_random_crop(image, (size, size, 3), seed=crop_seed)
        return tf.clip_by_value(image, 0.0, 1.0)

    return crop


def download_photos(url: str = FLOWERS_URL, cache_dir=None) -> Path:
    """Download a photo archive once into the Keras cache; return its unpacked folder.

    Args:
        url: a .tgz, .tar.gz, .tar or .zip of photos (default: the flower photos).
        cache_dir: cache root instead of the Keras default (~/.keras).

    Raises:
        RuntimeError: the download failed (offline); the message says what to do.
        ValueError: the file is not an archive Python can unpack.
    """
    archive = download(url, cache_dir=cache_dir)
    folder = archive.with_name(archive.name.split(".")[0] + "_photos")
    if not folder.is_dir():  # unpack beside it, then rename: never half a folder
        partial = folder.with_name(folder.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        try:
            shutil.unpack_archive(archive, partial, **_SAFE)
        except shutil.ReadError as err:
            raise ValueError(
                f"{archive.name} (from {url}) is not a .tgz, .tar or .zip archive."
            ) from err
        partial.rename(folder)
    return folder
