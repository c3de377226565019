"""Real-time style transfer (notebook 08): a network trained to paint in one pass.

- `network`: Johnson et al.'s image-transformation network, its residual
  block and instance normalisation; save and load
  as a .keras file; `stylize_photos`, one forward pass.
- `photos`: the training photos as a tf.data pipeline; `download_photos`.
- `training`: the perceptual loss (the course's `Objective`, each photo its
  own content) and `training_step`, notebook 04's step on the weights.
- `loop`: `train`, with progress bar, loss history and checkpoints.

No core module imports this subpackage; the command line and the grading
layer's exercise checks do.
"""

from course_utils.fast.loop import TrainingResult, last_training, train
from course_utils.fast.network import (
    InstanceNormalization,
    load_network,
    record,
    residual_block,
    save_network,
    seconds_per_photo,
    stylize_photos,
    transform_net,
)
from course_utils.fast.photos import (
    download_photos,
    photo_dataset,
    photo_files,
    training_photos,
)
from course_utils.fast.training import (
    PerceptualLoss,
    TrainingSettings,
    perceptual_loss,
    training_step,
)

__all__ = [
    "InstanceNormalization",
    "PerceptualLoss",
    "TrainingResult",
    "TrainingSettings",
    "download_photos",
    "last_training",
    "load_network",
    "perceptual_loss",
    "photo_dataset",
    "photo_files",
    "record",
    "residual_block",
    "save_network",
    "seconds_per_photo",
    "stylize_photos",
    "train",
    "training_photos",
    "training_step",
    "transform_net",
]
