"""The ImageNet VGG19 weights files: where they are, and whether they are Keras' own.

Keras publishes two VGG19 files: without the classifier (`NO_TOP`, what the
course runs on) and with it (`WITH_TOP`, which `check` uses to test the
preprocessing by classifying photos). `weights="imagenet"` makes Keras
download a file once into its cache, ~/.keras/models (or $KERAS_HOME/models);
a machine without internet takes a copy of the file instead, by path or by
the environment variable COURSE_UTILS_VGG19_WEIGHTS.

The lowest of the VGG19 modules: `vgg` and `check` import it; it imports
neither.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

ENV_VAR = "COURSE_UTILS_VGG19_WEIGHTS"
"""Environment variable with the path of a local no-top weights file."""

ONLINE_VAR = "COURSE_UTILS_ONLINE"
"""Set to 1 to let the online tests and `make book` download the weights."""

_ORIGIN = "https://storage.googleapis.com/tensorflow/keras-applications/vgg19/"


@dataclass(frozen=True)
class WeightsFile:
    """One of Keras' published VGG19 weights files.

    Attributes:
        name: the file's name, in Keras' cache and at `url`.
        md5: the hash Keras checks it against (keras.applications.vgg19).
        megabytes: its size, to say what a download costs.
        include_top: whether it holds the ImageNet classifier too.
        origin: the address of the folder it is downloaded from.
    """

    name: str
    md5: str
    megabytes: int
    include_top: bool
    origin: str = _ORIGIN

    @property
    def url(self) -> str:
        return self.origin + self.name

    @property
    def what(self) -> str:
        """How messages name it: "VGG19 ImageNet weights (no top, 80 MB)"."""
        top = "with the classifier" if self.include_top else "no top"
        return f"VGG19 ImageNet weights ({top}, {self.megabytes} MB)"


NO_TOP = WeightsFile(
    "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
    "253f8cb515780f3b799900260a226db6",
    80,
    include_top=False,
)
WITH_TOP = WeightsFile(
    "vgg19_weights_tf_dim_ordering_tf_kernels.h5",
    "cbe5617147190e668d6c5d5026f83318",
    549,
    include_top=True,
)


def keras_models_dir(keras_home=None) -> Path:
    """Keras' download cache for models: $KERAS_HOME/models, else ~/.keras/models.

    Args:
        keras_home: the Keras home to use instead of the environment's.
    """
    if keras_home is None:
        keras_home = os.environ.get("KERAS_HOME") or Path.home() / ".keras"
    return Path(keras_home).expanduser() / "models"


def find(file: WeightsFile = NO_TOP, path=None, keras_home=None) -> Path | None:
    """Return the path of a weights file that exists here, or None.

    Looked for in this order: `path`; for the no-top file, the environment
    variable COURSE_UTILS_VGG19_WEIGHTS; for the file with the classifier,
    the folder of the no-top file given either way, under Keras' name; then
    Keras' cache.

    Raises:
        FileNotFoundError: `path` or the environment variable names a file
            that does not exist.
    """
    given = path or os.environ.get(ENV_VAR)
    if given:
        given = Path(given).expanduser()
        if not given.is_file():
            source = "" if path else f" (from {ENV_VAR})"
            raise FileNotFoundError(
                f"No VGG19 weights file at {given}{source}. Expected the file "
                f"{NO_TOP.name}, downloaded from {NO_TOP.url}."
            )
        if not file.include_top:
            return given
        beside = given.with_name(file.name)
        if beside.is_file():
            return beside
    cached = keras_models_dir(keras_home) / file.name
    return cached if cached.is_file() else None


def md5(path) -> str:
    """The MD5 hex digest of a file, read in 1 MB blocks."""
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path, file: WeightsFile = NO_TOP) -> None:
    """Check that `path` is Keras' published `file`, byte for byte (by its MD5).

    Raises:
        ValueError: the hash differs; the message gives both hashes and
            where to get the right file.
    """
    found = md5(path)
    if found != file.md5:
        raise ValueError(
            f"{path} is not Keras' {file.what}: its MD5 is {found}, the published "
            f"file's is {file.md5}. Download it again from {file.url}."
        )


def fetch(file: WeightsFile = NO_TOP, keras_home=None) -> Path:
    """Download `file` into Keras' cache once (checking its hash); return its path.

    Raises:
        RuntimeError: the download failed; the message says how to get the
            file by hand (`how_to_get`).
    """
    import keras

    folder = keras_models_dir(keras_home)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        path = keras.utils.get_file(
            file.name,
            origin=file.url,
            file_hash=file.md5,
            cache_dir=str(folder.parent),
            cache_subdir=folder.name,
        )
    except Exception as err:  # Keras raises a bare Exception for network errors
        raise RuntimeError(
            f"Could not download the {file.what} ({err}).\n{how_to_get(file, keras_home)}"
        ) from err
    return Path(path)


def how_to_get(file: WeightsFile = NO_TOP, keras_home=None) -> str:
    """Say exactly how to get `file` onto a machine without internet."""
    where = keras_models_dir(keras_home)
    lines = [
        f"To get the {file.what}: on a machine with internet, download",
        f"  {file.url}",
        f"and copy it to {where / file.name} (Keras then finds it),",
    ]
    if file.include_top:
        lines.append("or put it next to the no-top file you pass with --weights.")
    else:
        lines.append(f"or pass its path with --weights PATH or {ENV_VAR}=PATH.")
    return "\n".join(lines)


def notebook_weights(keras_home=None) -> str | None:
    """The `WEIGHTS` to run the notebooks with here: real ones where they can be had.

    Returns:
        The path of a local no-top file (given by COURSE_UTILS_VGG19_WEIGHTS
        or found in Keras' cache), "imagenet" when COURSE_UTILS_ONLINE=1 lets
        Keras download it, or None (random weights) otherwise.
    """
    found = find(NO_TOP, keras_home=keras_home)
    if found is not None:
        return str(found)
    if os.environ.get(ONLINE_VAR) == "1":
        return "imagenet"
    return None
