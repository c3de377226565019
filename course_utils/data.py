"""Sample images: the bundled photos and textures, and famous paintings.

`data/catalog.json` lists every image by name. Bundled images ship with the
package (they are small and free to redistribute); paintings are downloaded
on first use into the Keras cache (`download`) and read from there afterwards.
"""

from __future__ import annotations

import functools
import json
import urllib.parse
from importlib import resources
from pathlib import Path

import numpy as np

from course_utils.download import download
from course_utils.images import load_image

DEFAULT_CONTENT = "chelsea"
DEFAULT_STYLE = "immunohistochemistry"


def data_dir() -> Path:
    """The folder of the bundled images and catalog.json."""
    return Path(resources.files("course_utils._data"))


@functools.lru_cache(maxsize=1)
def catalog() -> dict[str, dict]:
    """Return {name: entry} from catalog.json.

    Each entry has "role" ("content" or "style"), "title", "credit",
    "licence" and either "file" (bundled) or "url" (downloaded on first use).
    """
    return json.loads((data_dir() / "catalog.json").read_text(encoding="utf-8"))


def list_images(role: str | None = None, bundled_only: bool = False) -> list[str]:
    """Names of the catalog's images, optionally only one role or only bundled."""
    if role not in (None, "content", "style"):
        raise ValueError(f"role must be 'content', 'style' or None; got {role!r}.")
    return [
        name
        for name, entry in catalog().items()
        if (role is None or entry["role"] == role)
        and (not bundled_only or "file" in entry)
    ]


def image_path(name: str) -> Path:
    """Return the local path of a catalog image, downloading a painting if needed.

    Raises:
        KeyError: an unknown name; the message lists the known ones.
        RuntimeError: a painting could not be downloaded (offline).
    """
    entries = catalog()
    if name not in entries:
        raise KeyError(
            f"No image called {name!r} in the catalog. Known images: "
            f"{', '.join(entries)}."
        )
    entry = entries[name]
    if "file" in entry:
        return data_dir() / entry["file"]
    suffix = Path(urllib.parse.urlparse(entry["url"]).path).suffix or ".jpg"
    try:
        return download(
            entry["url"], filename=name + suffix, file_hash=entry.get("sha256")
        )
    except RuntimeError as err:
        bundled = ", ".join(list_images(bundled_only=True))
        raise RuntimeError(f"{err} Or use a bundled image: {bundled}.") from err


def sample_image(name: str, max_dim: int | None = None) -> np.ndarray:
    """Load a catalog image as float32 RGB in [0, 1], shape (H, W, 3)."""
    return load_image(image_path(name), max_dim)
