"""`python -m benchmarks`: time course_utils against the TensorFlow tutorial's loop."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from benchmarks import compare, real_time
from course_utils import data, timing, vgg


def main(argv=None) -> int:
    """Run the benchmark (or, with --devices, the device tables); print the figures."""
    args = _parser().parse_args(argv)
    weights = None if args.weights == "random" else args.weights
    try:  # fail now, not after minutes of timing
        vgg.weights_label(weights)
        for path in filter(None, (args.json, args.plot)):
            _writable(path)
    except (FileNotFoundError, IsADirectoryError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.real_time:
        figures = real_time.measure(args.size, args.iterations, weights)
        print(real_time.format_table(figures))
    elif args.devices:
        timings = timing.precision_timings(
            data.image_path(data.DEFAULT_CONTENT),
            data.image_path(data.DEFAULT_STYLE),
            args.sizes,
            args.steps,
            weights,
        )
        grid = timing.grid_timings(
            [data.image_path(name) for name in timing.GRID_CONTENTS],
            [data.image_path(name) for name in timing.GRID_STYLES],
            args.steps,
            args.size,
            weights,
        )
        print(timing.format_device_tables(timings, grid))
        figures = {"precision_timings": timings, "grid": grid}
    else:
        figures = compare.benchmark(args.size, args.steps, weights, args.configs)
        print(compare.format_table(figures))
        if args.plot:
            compare.loss_against_time(figures).savefig(args.plot, dpi=120)
            print(f"Wrote {args.plot}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
        print(f"Wrote {args.json}")
    return 0


def _writable(path: str) -> None:
    """Make the folder of `path`; raise if `path` is a folder itself."""
    if Path(path).is_dir():
        raise IsADirectoryError(f"{path} is a folder; give a file name.")
    Path(path).parent.mkdir(parents=True, exist_ok=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Run the TensorFlow tutorial's loop and course_utils' optimisers "
        "on the identical objective and print speed, cost and memory.",
    )
    parser.add_argument(
        "--size", type=int, default=256, help="image size (default 256)"
    )
    parser.add_argument(
        "--steps",
        type=int,
        default=100,
        help="baseline steps; the others try to reach its loss",
    )
    parser.add_argument(
        "--weights",
        default="imagenet",
        help="imagenet, random or a weights file (speed does not depend on the values)",
    )
    parser.add_argument(
        "--configs", nargs="+", choices=compare.CONFIGS, default=list(compare.CONFIGS)
    )
    parser.add_argument("--json", help="also write the figures to this JSON file")
    parser.add_argument("--plot", help="also plot loss against wall time to this PNG")
    parser.add_argument(
        "--devices",
        action="store_true",
        help="instead: ms per Adam iteration on each device (CPU, GPU) at --sizes "
        "in each precision, and notebook 05's grid at --size one by one vs batched "
        "(--steps iterations each)",
    )
    parser.add_argument(
        "--real-time",
        action="store_true",
        help="instead: notebook 08's trained network against one cu.stylize of "
        "--iterations iterations, seconds per photo at --size",
    )
    parser.add_argument(
        "--iterations",
        type=int,
        default=real_time.ITERATIONS,
        help=f"stylize's iterations for --real-time (default {real_time.ITERATIONS})",
    )
    parser.add_argument(
        "--sizes",
        nargs="+",
        type=int,
        default=[512, 1024],
        help="image sizes for --devices (default 512 1024)",
    )
    return parser


if __name__ == "__main__":
    sys.exit(main())
