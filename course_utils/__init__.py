"""course_utils: the helper package of the neural style transfer course.

The notebooks import what they need from here; each module holds one idea:
images, vgg (the VGG19 feature model), losses (Eq. 1-5), optimise (the
loop), batch (many pairs at once), bench (timing), plotting, data (sample
images and paintings), and for notebook 07 colour and styles.
"""

import os

# Keep TensorFlow's C++ start-up chatter out of the notebooks; errors still show.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"

from course_utils import (  # noqa: E402
    batch,
    colour,
    data,
    images,
    losses,
    optimise,
    plotting,
    styles,
    vgg,
)
from course_utils.batch import stylize_batch  # noqa: E402
from course_utils.images import load_image, save_image  # noqa: E402
from course_utils.losses import (  # noqa: E402
    content_loss,
    gram_matrix,
    style_layer_loss,
    style_loss,
    total_loss,
    total_variation_loss,
)
from course_utils.optimise import (  # noqa: E402
    StyleTransferResult,
    StyleTransferSettings,
    stylize,
)
from course_utils.vgg import feature_extractor, resolve_layer  # noqa: E402

__all__ = [
    "batch",
    "colour",
    "data",
    "images",
    "losses",
    "optimise",
    "plotting",
    "styles",
    "vgg",
    "StyleTransferResult",
    "StyleTransferSettings",
    "content_loss",
    "feature_extractor",
    "gram_matrix",
    "load_image",
    "resolve_layer",
    "save_image",
    "style_layer_loss",
    "style_loss",
    "stylize",
    "stylize_batch",
    "total_loss",
    "total_variation_loss",
]
