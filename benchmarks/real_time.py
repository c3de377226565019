"""Notebook 08's speed-up: a trained network's forward pass against one `stylize`.

`measure` (`python -m benchmarks --real-time`) times, in one process on one
machine, the image-transformation network painting a square photo (in
float32 and in the precision training picks here) and one `cu.stylize` run
of notebook 08's default length on the same photo at the same size. The
network's weights do not change its speed, so an untrained network is timed:
nothing here is a stylization result.
"""

from __future__ import annotations

import os
import platform

from course_utils import data, fast, vgg
from course_utils.images import load_image
from course_utils.transfer import stylize

ITERATIONS = 300
"""Notebook 08's ITERATIONS: the loop the network is compared with."""


def measure(size=256, iterations=ITERATIONS, weights="imagenet", photos=20) -> dict:
    """Seconds per photo of the network and of one `stylize` run, at `size` px.

    Returns:
        {"size", "iterations", "weights", "machine", "network": {precision:
        {"s_per_photo" (the median of `photos` passes), "photos_per_s"}},
        "stylize_s", "speedup" (stylize's seconds over the faster network's)}.
    """
    photo = load_image(data.image_path(data.DEFAULT_CONTENT), size)
    square = photo[: min(photo.shape[:2]), : min(photo.shape[:2])]
    auto = fast.TrainingSettings().network_precision
    network = {}
    for precision in dict.fromkeys(("float32", auto)):
        net = fast.transform_net(dtype=precision)
        seconds = fast.seconds_per_photo(net, square, photos)
        network[precision] = {"s_per_photo": seconds, "photos_per_s": 1 / seconds}
    result = stylize(
        square,
        data.image_path(data.DEFAULT_STYLE),
        size=size,
        iterations=iterations,
        weights=weights,
        progress=False,
    )
    fastest = min(figures["s_per_photo"] for figures in network.values())
    return {
        "size": size,
        "iterations": iterations,
        "weights": vgg.weights_label(weights),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "network": network,
        "stylize_s": result.wall_time,
        "speedup": result.wall_time / fastest,
    }


def format_table(figures: dict) -> str:
    """A Markdown table of `measure`'s figures."""
    size = figures["size"]
    lines = [
        f"| at {size} px | seconds per photo | photos per second |",
        "|---|---|---|",
    ]
    for precision, f in figures["network"].items():
        lines.append(
            f"| the network, {precision} | {f['s_per_photo']:.3f} | "
            f"{f['photos_per_s']:.1f} |"
        )
    stylize_s = figures["stylize_s"]
    lines.append(
        f"| `cu.stylize`, {figures['iterations']} iterations | {stylize_s:.1f} | "
        f"{1 / stylize_s:.3f} |"
    )
    lines.append("")
    lines.append(f"The network is {figures['speedup']:,.0f} times faster per photo.")
    return "\n".join(lines)
