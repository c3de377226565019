"""Many pairs at once: `stylize_batch` (notebook 05's content x style grid).

A GPU is far from busy with one 384 px image. Stacking several generated
images into one batch runs VGG19 once for all of them. Nothing else changes:
each image has its own targets and its own loss, and Adam updates every pixel
separately, so the gradient of the summed loss moves each image exactly as
its own run would. (L-BFGS would not: its line search would be shared.) The
loop is `stylize`'s, given a batch.
"""

from __future__ import annotations

import numpy as np

from course_utils.images import load_image
from course_utils.objective import Objective, stacked
from course_utils.optimise import optimise
from course_utils.recorder import Recorder
from course_utils.settings import StyleTransferSettings
from course_utils.styles import as_list
from course_utils.transfer import optimizer_for, precision_phases, stage_start


def stylize_batch(
    contents, styles, *, progress: bool = True, stop=None, **settings
) -> list:
    """Stylize contents[k] in the style of styles[k], all k in one batch, with Adam.

    The results equal those of separate `stylize(content, style,
    optimizer="adam", stages=1, ...)` runs up to float rounding; only the
    time differs.

    Args:
        contents: content images (anything `load_image` accepts); after
            resizing to `size` they must all have the same shape (e.g. one
            content with many styles: a row of the grid).
        styles: one style image (or list of them, as for `stylize`) per content.
        progress: one tqdm bar for the batch.
        stop: a threading.Event; once set, every run ends after the current
            iteration.
        **settings: StyleTransferSettings fields, as for `stylize`;
            `optimizer` must stay "adam" and `stages` 1 (the defaults here).

    Returns:
        One StyleTransferResult per pair, in order. `wall_time` is the
        batch's. A stop or a non-finite loss (of any image) ends all runs
        and keeps their last good images.

    Raises:
        KeyboardInterrupt: Ctrl-C stopped the runs (and the cell); what they
            made so far is `cu.last_run()`.
    """
    settings = StyleTransferSettings(**{"optimizer": "adam", "stages": 1, **settings})
    if settings.optimizer != "adam" or settings.stages != 1:
        raise ValueError(
            "stylize_batch runs Adam at one size (optimizer='adam', stages=1); got "
            f"optimizer={settings.optimizer!r}, stages={settings.stages}. L-BFGS "
            "would couple the images through one shared line search."
        )
    contents, styles = list(contents), list(styles)
    if len(contents) != len(styles) or not contents:
        raise ValueError(
            f"Give one style per content image; got {len(contents)} contents and "
            f"{len(styles)} styles."
        )
    recorder = Recorder(
        settings,
        batch=len(contents),
        progress=progress,
        stop=stop,
        name=f"stylize_batch of {len(contents)} images",
    )
    contents = [load_image(c, settings.size, role="content image") for c in contents]
    shapes = sorted({content.shape for content in contents})
    if len(shapes) > 1:
        raise ValueError(
            f"A batch needs content images of one shape; after resizing to "
            f"size={settings.size} they are {shapes}. Batch the pairs of each "
            "shape separately (e.g. one content image with all styles)."
        )

    styles = [
        [load_image(s, role="style image") for s in as_list(style)] for style in styles
    ]

    def objectives(settings):  # one per pair, sharing the first one's VGG19
        first = Objective(contents[0], styles[0], settings)
        return [first] + [
            Objective(content, style, settings, extractor=first.extractor)
            for content, style in zip(contents[1:], styles[1:])
        ]

    plan = precision_phases(objectives, settings)
    phases = [(stacked(group), steps) for group, steps in plan]
    pairs = plan[0][0]
    starts = np.stack([stage_start(pair, settings) for pair in pairs])
    with recorder:  # a stop, Ctrl-C or a NaN keeps every image made so far
        with recorder.stage(1, 1, settings, starts, [p.present for p in pairs]):
            optimise(starts, phases, optimizer_for(settings), recorder)
    return recorder.results()
