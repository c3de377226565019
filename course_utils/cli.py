"""Command line: `python -m course_utils stylize`, `bench` and `layers`.

A thin layer over `stylize` and the layer tables; run with --help for the options.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from course_utils import bench, data, plotting, vgg
from course_utils.images import save_gif, save_image
from course_utils.optimise import INITS, OPTIMIZERS, StyleTransferSettings, stylize

_DEFAULTS = StyleTransferSettings.__dataclass_fields__


def main(argv=None) -> int:
    """Run the command line; return the exit status (0 on success)."""
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except (
        ValueError,
        TypeError,
        KeyError,
        FileNotFoundError,
        FileExistsError,
        RuntimeError,
    ) as err:
        message = err.args[0] if isinstance(err, KeyError) and err.args else err
        print(f"error: {message}", file=sys.stderr)
        return 2


def _stylize(args) -> int:
    out = _checked_output(Path(args.out), args.force)
    if args.snapshots_dir and not args.force:
        taken = sorted(Path(args.snapshots_dir).glob("iteration_*.png"))
        if taken:
            raise FileExistsError(
                f"{args.snapshots_dir} already holds snapshots ({taken[0].name}, ...); "
                "pass --force to overwrite them or choose another folder."
            )
    weights = None if args.weights == "random" else args.weights
    if weights is None:
        print(
            "WARNING: VGG19 has random weights. The output only tests the code; "
            "it is NOT a style transfer.",
            file=sys.stderr,
        )
    settings = {
        "alpha": args.alpha,
        "beta": args.beta,
        "iterations": args.iterations,
        "size": args.size,
        "optimizer": args.optimizer,
        "stages": args.stages,
        "precision": args.precision,
        "init": args.init,
        "noise_ratio": args.noise_ratio,
        "learning_rate": args.learning_rate,
        "tv_weight": args.tv_weight,
        "snapshot_every": args.snapshot_every,
        "seed": args.seed,
        "weights": weights,
    }
    if args.content_layers:
        settings["content_layers"] = args.content_layers
    if args.style_layers:
        settings["style_layers"] = args.style_layers
    settings.update(
        style_weights=args.style_weights,
        style_scale=args.style_scale,
        preserve_colour=args.preserve_colour,
    )
    gif = _checked_output(Path(args.gif), args.force) if args.gif else None
    options = {
        "progress": not args.quiet,
        "snapshots_dir": args.snapshots_dir,
        "masks": args.masks,
    }
    styles = [_image_source(style) for style in args.style]
    result = stylize(_image_source(args.content), styles, **options, **settings)
    if gif is not None:
        save_gif(result.snapshots, gif)
    try:
        save_image(result.image, out)
    except OSError as err:  # never lose a finished run to a full disk or the like
        fallback = Path(tempfile.mkdtemp(prefix="stylized-")) / "stylized.png"
        save_image(result.image, fallback)
        print(
            f"error: could not write {out} ({err}); the image is in {fallback}",
            file=sys.stderr,
        )
        return 1
    losses = {name: values[-1] for name, values in result.history.items() if values}
    print(
        f"Saved {out} after {result.iterations_done} iterations in "
        f"{result.wall_time:.1f} s; final losses: "
        + ", ".join(f"{name} {value:.4g}" for name, value in losses.items())
    )
    if result.stopped:
        print(f"Stopped early: {result.stopped}", file=sys.stderr)
    if result.note:
        print(result.note)
    return 0


def _bench(args) -> int:
    weights = None if args.weights == "random" else args.weights
    json_path = _checked_output(Path(args.json), force=True) if args.json else None
    plot_path = _checked_output(Path(args.plot), force=True) if args.plot else None
    if args.devices:
        timings = bench.precision_timings(
            data.image_path(data.DEFAULT_CONTENT),
            data.image_path(data.DEFAULT_STYLE),
            args.sizes,
            args.steps,
            weights,
        )
        grid = bench.grid_timings(
            [data.image_path(name) for name in bench.GRID_CONTENTS],
            [data.image_path(name) for name in bench.GRID_STYLES],
            args.steps,
            args.size,
            weights,
        )
        print(bench.format_device_tables(timings, grid))
        figures = {"precision_timings": timings, "grid": grid}
    else:
        figures = bench.benchmark(args.size, args.steps, weights, args.configs)
        print(bench.format_table(figures))
        if plot_path is not None:
            plotting.loss_against_time(figures).savefig(plot_path, dpi=120)
            print(f"Wrote {plot_path}")
    if json_path is not None:
        json_path.write_text(json.dumps(figures, indent=2))
        print(f"Wrote {json_path}")
    return 0


def _checked_output(out: Path, force: bool) -> Path:
    """Fail before a long run, not after it, if `out` cannot be written."""
    if out.is_dir():
        raise FileExistsError(
            f"{out} is a folder; give a file name such as {out}/x.png"
        )
    if out.exists() and not force:
        raise FileExistsError(f"{out} already exists; pass --force to overwrite it.")
    folder = out.parent
    folder.mkdir(parents=True, exist_ok=True)
    if not os.access(folder, os.W_OK):
        raise FileExistsError(f"Cannot write to {folder}; choose another --out.")
    return out


def _layers(args) -> int:
    if args.cifar:
        model = vgg.cifar10_vgg19()
    else:
        model = vgg.vgg19_architecture(args.size, include_top=args.top)
    print(f"{model.name}, input {args.size if not args.cifar else 32} px")
    print(vgg.format_layer_table(vgg.layer_table(model)))
    return 0


def _image_source(name_or_path: str):
    """A catalog name becomes its file; anything else goes to load_image as is."""
    if name_or_path in data.catalog():
        return data.image_path(name_or_path)
    return name_or_path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m course_utils",
        description="Neural style transfer as in the course (Gatys et al.).",
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    run = commands.add_parser(
        "stylize",
        help="stylize an image",
        description="Paint the content image in the style of the style image. "
        "With no arguments: the bundled "
        f"'{data.DEFAULT_CONTENT}' in the style of '{data.DEFAULT_STYLE}'.",
    )
    run.set_defaults(run=_stylize)
    run.add_argument(
        "--content",
        default=data.DEFAULT_CONTENT,
        help="path, URL or catalog name of the content image "
        f"(default {data.DEFAULT_CONTENT})",
    )
    run.add_argument(
        "--style",
        nargs="+",
        default=[data.DEFAULT_STYLE],
        help="path, URL or catalog name of the style image, or several to blend "
        f"(default {data.DEFAULT_STYLE})",
    )
    run.add_argument(
        "--style-weights",
        nargs="+",
        type=float,
        metavar="W",
        help="blend weights, one per --style (default equal)",
    )
    run.add_argument(
        "--masks",
        nargs="+",
        metavar="MASK",
        help="one mask image per --style: style k paints only where mask k is white",
    )
    run.add_argument(
        "--style-scale",
        type=float,
        default=1.0,
        help="style image size relative to the content (default 1)",
    )
    run.add_argument(
        "--preserve-colour",
        choices=["luminance", "histogram"],
        help="keep the content's colours (Gatys et al. 2017)",
    )
    run.add_argument("--gif", help="also write the snapshots as an animated GIF")
    run.add_argument("--out", default="stylized.png", help="output PNG")
    run.add_argument(
        "--force", action="store_true", help="overwrite --out and existing snapshots"
    )
    for name, kind in (
        ("alpha", float),
        ("beta", float),
        ("iterations", int),
        ("stages", int),
        ("size", int),
        ("noise_ratio", float),
        ("learning_rate", float),
        ("tv_weight", float),
        ("snapshot_every", int),
        ("seed", int),
    ):
        run.add_argument(
            "--" + name.replace("_", "-"),
            type=kind,
            default=_DEFAULTS[name].default,
            help=f"(default {_DEFAULTS[name].default})",
        )
    run.add_argument(
        "--optimizer",
        choices=OPTIMIZERS,
        default=_DEFAULTS["optimizer"].default,
        help=f"(default {_DEFAULTS['optimizer'].default})",
    )
    run.add_argument(
        "--precision",
        choices=vgg.PRECISIONS,
        default=_DEFAULTS["precision"].default,
        help="VGG19's precision (default auto: bfloat16 where the hardware is fast)",
    )
    run.add_argument(
        "--init",
        choices=INITS,
        default="mixed",
        help="start image (default mixed: content + noise)",
    )
    run.add_argument(
        "--content-layers",
        nargs="+",
        metavar="LAYER",
        help=f"default {' '.join(vgg.CONTENT_LAYERS)}",
    )
    run.add_argument(
        "--style-layers",
        nargs="+",
        metavar="LAYER",
        help=f"default {' '.join(vgg.STYLE_LAYERS)}",
    )
    run.add_argument("--snapshots-dir", help="also save every snapshot here")
    run.add_argument(
        "--weights",
        default="imagenet",
        help="imagenet (downloaded once), random (tests only) or "
        "the path of a VGG19 weights file",
    )
    run.add_argument("--quiet", action="store_true", help="no progress bar")

    timing = commands.add_parser(
        "bench",
        help="time course_utils against the TensorFlow tutorial's loop",
        description="Run the TensorFlow tutorial's loop and course_utils' optimisers "
        "on the identical objective and print speed, cost and memory.",
    )
    timing.set_defaults(run=_bench)
    timing.add_argument(
        "--size", type=int, default=256, help="image size (default 256)"
    )
    timing.add_argument(
        "--steps",
        type=int,
        default=100,
        help="baseline steps; the others try to reach its loss",
    )
    timing.add_argument(
        "--weights",
        default="imagenet",
        help="imagenet, random or a weights file (speed does not depend on the values)",
    )
    timing.add_argument(
        "--configs", nargs="+", choices=bench.CONFIGS, default=list(bench.CONFIGS)
    )
    timing.add_argument("--json", help="also write the figures to this JSON file")
    timing.add_argument("--plot", help="also plot loss against wall time to this PNG")
    timing.add_argument(
        "--devices",
        action="store_true",
        help="instead: ms per Adam iteration on each device (CPU, GPU) at --sizes "
        "in each precision, and notebook 05's grid at --size one by one vs batched "
        "(--steps iterations each)",
    )
    timing.add_argument(
        "--sizes",
        nargs="+",
        type=int,
        default=[512, 1024],
        help="image sizes for --devices (default 512 1024)",
    )

    layers = commands.add_parser("layers", help="print VGG19's layer table")
    layers.set_defaults(run=_layers)
    layers.add_argument("--size", type=int, default=224, help="input size in px")
    layers.add_argument(
        "--cifar",
        action="store_true",
        help="the report's CIFAR-10 VGG19 (32 px) instead",
    )
    layers.add_argument(
        "--top",
        action="store_true",
        help="include the ImageNet classifier (224 px only)",
    )
    return parser
