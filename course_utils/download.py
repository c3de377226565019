"""Downloading a file once into the Keras cache (paintings, images by URL).

The lowest of the image modules: `images` (an image given by URL) and `data`
(the catalog's paintings) both fetch through `download`, and it imports
neither.
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path

import keras

CACHE_SUBDIR = "course_utils"
"""Folder inside the Keras cache (~/.keras, or $KERAS_HOME) for downloads."""


def download(
    url: str, filename: str | None = None, file_hash: str | None = None, cache_dir=None
) -> Path:
    """Download `url` once into the Keras cache and return the local path.

    Args:
        url: an http(s) address.
        filename: name in the cache; by default the last part of the URL.
        file_hash: optional SHA-256 of the file; a mismatch is an error.
        cache_dir: cache root instead of the Keras default (~/.keras).

    Raises:
        RuntimeError: the download failed; the message says how to get the
            file by hand.
    """
    if filename is None:
        filename = urllib.parse.unquote(Path(urllib.parse.urlparse(url).path).name)
    if cache_dir is not None:
        # Keras silently falls back to /tmp/.keras when the folder is missing.
        Path(cache_dir).mkdir(parents=True, exist_ok=True)
    try:
        path = keras.utils.get_file(
            filename,
            origin=url,
            file_hash=file_hash,
            cache_dir=cache_dir,
            cache_subdir=CACHE_SUBDIR,
        )
    except Exception as err:  # Keras raises a bare Exception for network errors
        raise RuntimeError(
            f"Could not download {url} ({err}). If you are offline, download it "
            "on a machine with internet and pass the file's path instead."
        ) from err
    return Path(path)
