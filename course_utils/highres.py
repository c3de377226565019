"""Coarse-to-fine: high-resolution results in stages (notebook 07).

Optimise a small image first, then upsample it as the start of the next,
larger stage. The coarse stages fix the layout cheaply; the fine stages only
add detail. This reaches 1024 px and more on a CPU, where one full-size run
from noise would take far longer.
"""

from __future__ import annotations

import functools
import numbers
import time
from pathlib import Path

from course_utils.optimise import StyleTransferResult, stylize


def stylize_coarse_to_fine(
    content, style, sizes=(256, 512, 1024), iterations=200, callback=None, **options
) -> StyleTransferResult:
    """Run `stylize` at each size in turn, each stage starting from the last.

    Args:
        content, style: as for `stylize`.
        sizes: long side of each stage in pixels, increasing.
        iterations: iterations per stage: one number for all, or one per stage.
        callback: as for `stylize`, called with the iteration counted over all
            stages.
        **options: any other `stylize` argument or setting (not size, iterations
            or start). With `snapshots_dir`, each stage saves its snapshots in a
            subfolder stage1_256px, stage2_512px, ... (iterations counted per
            stage there).

    Returns:
        One StyleTransferResult: the final image; the snapshots of all stages
        (their images grow); the history over all iterations (the loss jumps
        between stages because the image, and so every sum, grows); the
        settings of the last stage; the total wall time. An interrupted stage
        (Ctrl-C, `stop`, a NaN loss) ends the run; one where L-BFGS converged
        early goes on to the next size. The callback sees each stage boundary
        twice: the end of one stage and the (upsampled) start of the next.
    """
    sizes = [sizes] if isinstance(sizes, numbers.Integral) else list(sizes)
    if sorted(sizes) != sizes or not sizes:
        raise ValueError(
            f"sizes must be increasing, e.g. (256, 512, 1024); got {sizes}."
        )
    if isinstance(iterations, numbers.Integral):
        steps = [int(iterations)] * len(sizes)
    else:
        steps = list(iterations)
    if len(steps) != len(sizes):
        raise ValueError(f"Got {len(sizes)} sizes but {len(steps)} iteration counts.")
    started = time.perf_counter()
    merged, start, offset = None, None, 0
    for stage, (size, count) in enumerate(zip(sizes, steps, strict=True), start=1):
        stage_options = dict(options)
        if options.get("snapshots_dir"):  # one folder per stage: numbers restart
            folder = Path(options["snapshots_dir"]) / f"stage{stage}_{size}px"
            stage_options["snapshots_dir"] = folder
        if callback is not None:
            stage_options["callback"] = functools.partial(_shifted, callback, offset)
        result = stylize(
            content, style, size=size, iterations=count, start=start, **stage_options
        )
        merged = _append(merged, result, offset)
        offset += result.iterations_done
        start = result.image
        if result.stopped:  # interrupted; L-BFGS converging early is not a stop
            break
    merged.wall_time = time.perf_counter() - started
    return merged


def _shifted(callback, offset, iteration, losses, image):
    callback(offset + iteration, losses, image)


def _append(merged, stage, offset):
    """Add a stage's snapshots and history after those of the earlier stages."""
    if merged is None:
        return stage
    skip = 1  # a stage's iteration 0 is the previous stage's last image
    merged.snapshots += [
        (offset + it, image) for it, image in stage.snapshots if it >= skip
    ]
    for name, values in stage.history.items():
        merged.history[name] += values[skip:]
    merged.image, merged.settings, merged.stopped = (
        stage.image,
        stage.settings,
        stage.stopped,
    )
    return merged
