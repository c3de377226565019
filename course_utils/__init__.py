"""course_utils: the helper package of the neural style transfer course.

The notebooks import what they need from here; each module holds one idea:
images, vgg (the VGG19 feature model), losses (Eq. 1-5), then the run:
settings (every setting, declared once), objective (the loss of an image,
targets computed once), optimise (notebook 04's step and the loop), recorder
(what the loop calls after each step: history, progress and messages, each
its own module) and results (what a run made), transfer (`stylize`, stage by stage) and
batch (many pairs at once); timing (Table 1), plotting, data and download
(sample images and paintings), widgets (the playground), for notebook 07
colour and styles; fast (notebook 08: a network trained to paint in one
pass, its own subpackage); weights (the ImageNet files, their hashes) and check
(`python -m course_utils check`) make sure a machine has the real VGG19.

The instructor's layer is the subpackage `course_utils.grading`: the graded
exercises' checks the notebooks call, the tiny sizes of a graded run, and
nbgrader's tools for a whole class. No module here imports it.

Modules load on first use (`cu.stylize`, `from course_utils import plotting`):
TensorFlow takes about 4 s to import, and the grading tools, which run in
nbgrader's own processes, never need it.
"""

import importlib
import os

# Keep TensorFlow's C++ start-up chatter out of the notebooks; errors still show.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"

_MODULES = (
    "batch",
    "check",
    "colour",
    "data",
    "download",
    "fast",
    "images",
    "losses",
    "objective",
    "optimise",
    "plotting",
    "recorder",
    "results",
    "settings",
    "startup",
    "styles",
    "timing",
    "transfer",
    "vgg",
    "weights",
    "widgets",
)
_NAMES = {
    "stylize_batch": "batch",
    "load_image": "images",
    "save_image": "images",
    "content_loss": "losses",
    "gram_matrix": "losses",
    "style_layer_loss": "losses",
    "style_loss": "losses",
    "total_loss": "losses",
    "total_variation_loss": "losses",
    "quiet_start": "startup",
    "StyleTransferResult": "results",
    "last_run": "recorder",
    "StyleTransferSettings": "settings",
    "stylize": "transfer",
    "feature_extractor": "vgg",
    "resolve_layer": "vgg",
}

__all__ = [*_MODULES, *_NAMES]


def __getattr__(name):
    if name in _MODULES:
        return importlib.import_module(f"course_utils.{name}")
    if name in _NAMES:
        return getattr(importlib.import_module(f"course_utils.{_NAMES[name]}"), name)
    raise AttributeError(f"module 'course_utils' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *__all__])
