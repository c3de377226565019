"""Command line: `python -m course_utils stylize`, `train`, `check`,
`weights`, `layers` and `gallery`.

A thin layer over `stylize`, the readiness check, the layer tables and
`plotting.gallery`, and `fast.command` for notebook 08's network; run with
--help for the options. The setting options are generated from the fields of
StyleTransferSettings and TrainingSettings (help text, type, choices), so each
is declared once.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import re
import sys
import tempfile
import warnings
from pathlib import Path

from course_utils import data, plotting, vgg
from course_utils.captions import RANDOM_WEIGHTS_NOTE
from course_utils.fast import command
from course_utils.images import load_image, save_gif, save_image
from course_utils.recorder import last_run
from course_utils.results import describe_stages
from course_utils.settings import StyleTransferSettings
from course_utils.transfer import stylize

SETTINGS = dataclasses.fields(StyleTransferSettings)


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
        print(f"error: {command_line_terms(str(message))}", file=sys.stderr)
        return 2


def command_line_terms(message: str) -> str:
    """Say a message the way the command line spells settings.

    >>> command_line_terms("Pass weights='imagenet' or weights=None.")
    'Pass --weights imagenet or --weights random.'
    >>> command_line_terms("iterations must be at least 1; got 0.")
    '--iterations must be at least 1; got 0.'
    """
    names = {field.name: field.name for field in SETTINGS}
    names["max_dim"] = "size"  # load_image's name for --size
    for name, setting in names.items():
        option = "--" + setting.replace("_", "-")
        value = r"""(?:'([^']*)'|"([^"]*)"|([^\s,;)]+?))(?=[\s,;)]|\.?$|\.\s)"""

        def spelled(match, option=option, setting=setting):
            given = next(group for group in match.groups() if group is not None)
            if setting == "weights" and given == "None":
                given = "random"
            return f"{option} {given}"

        message = re.sub(rf"(?<![\w-]){name}={value}", spelled, message)
        message = re.sub(rf"(?<![\w-]){name}(?= must | \(it was )", option, message)
        message = re.sub(rf"(?<![\w-]){name} >= ", f"{option} of at least ", message)
    return message


def _stylize(args) -> int:
    out = _checked_output(Path(args.out), args.force)
    if args.model:
        return command.stylize_command(args, _image_source(args.content), out)
    if args.snapshots_dir and not args.force:
        taken = sorted(Path(args.snapshots_dir).rglob("iteration_*.png"))
        if taken:
            raise FileExistsError(
                f"{args.snapshots_dir} already holds snapshots ({taken[0].name}, ...); "
                "pass --force to overwrite them or choose another folder."
            )
    settings = {
        field.name: getattr(args, field.name)
        for field in SETTINGS
        if getattr(args, field.name) is not None
    }
    if not vgg.is_trained(settings.get("weights", "imagenet")):
        warnings.filterwarnings("ignore", message="VGG19 has RANDOM")  # said here
        print(
            "WARNING: VGG19 has random weights. The output only tests the code; "
            "it is NOT a style transfer.",
            file=sys.stderr,
        )
    gif = _checked_output(Path(args.gif), args.force) if args.gif else None
    options = {
        "progress": not args.quiet,
        "snapshots_dir": args.snapshots_dir,
        "masks": args.masks,
    }
    warnings.filterwarnings("ignore", message="The loss became")  # "Stopped early"
    styles = [_image_source(style) for style in args.style]
    try:
        result = stylize(_image_source(args.content), styles, **options, **settings)
    except KeyboardInterrupt:  # Ctrl-C: save what the run made, say it stopped
        result = last_run()
        if result is None:
            raise
    if gif is not None:
        save_gif(result.snapshots, gif, untrained=not result.is_trained)
    try:
        save_image(result.image, out, untrained=not result.is_trained)
    except OSError as err:  # never lose a finished run to a full disk or the like
        fallback = Path(tempfile.mkdtemp(prefix="stylized-")) / "stylized.png"
        save_image(result.image, fallback, untrained=not result.is_trained)
        print(
            f"error: could not write {out} ({err}); the image is in {fallback}",
            file=sys.stderr,
        )
        return 1
    losses = {name: values[-1] for name, values in result.history.items() if values}
    print(
        f"Saved {out} after {describe_stages(result.iterations)} in "
        f"{result.wall_time:.1f} s; final losses: "
        + ", ".join(f"{name} {value:.4g}" for name, value in losses.items())
    )
    if result.stopped:
        print(f"Stopped early: {command_line_terms(result.stopped)}", file=sys.stderr)
    if result.note:
        print(command_line_terms(result.note))
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


def _check(args) -> int:
    from course_utils.check import readiness  # TensorFlow work; only for `check`

    ready = readiness(
        args.weights,
        size=args.size,
        timing_size=args.timing_size,
        timing_iterations=args.timing_iterations,
    )
    return 0 if ready else 1


def _weights(args) -> int:
    from course_utils.check import weights_files

    paths, checks = weights_files(args.weights)
    return 0 if all(paths.values()) and all(c.passed for c in checks) else 1


GALLERY_PAINTINGS = ("starry_night", "great_wave")
"""The catalog's paintings the gallery shows after the default pair."""


def _gallery(args) -> int:
    """Content | style | result for the default pair, then for each of --styles."""
    out = _checked_output(Path(args.out), args.force)
    names = [data.DEFAULT_STYLE, *args.styles]
    paths = [data.image_path(name) for name in names]  # downloads before any run
    content = data.image_path(data.DEFAULT_CONTENT)
    settings = {
        name: getattr(args, name)
        for name in ("size", "iterations", "weights")
        if getattr(args, name) is not None
    }
    command.warn_if_untrained(settings.get("weights", "imagenet"))
    results = []
    for name, path in zip(names, paths):
        print(f"{data.DEFAULT_CONTENT} in the style of {name}", file=sys.stderr)
        results.append(stylize(content, path, progress=not args.quiet, **settings))
    size = results[0].settings.size
    figure = plotting.gallery(
        load_image(content, size),
        [load_image(path, size) for path in paths],
        results,
        [data.catalog()[name]["title"] for name in names],
    )
    # a pixel of the file for each pixel of a result (panels are `size` px wide)
    panel = min(ax.get_position().width for ax in figure.axes) * figure.get_figwidth()
    dpi = max(100, math.ceil(size / panel))
    untrained = not results[0].is_trained
    metadata = {"Description": RANDOM_WEIGHTS_NOTE} if untrained else {}
    figure.savefig(out, dpi=dpi, metadata=metadata)
    seconds = sum(result.wall_time for result in results)
    print(
        f"Saved {out}: {len(results)} rows of content, style and result, each after "
        f"{describe_stages(results[0].iterations)}, in {seconds:.0f} s"
    )
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
    adders = (_add_stylize, _add_train, _add_check_and_weights, _add_layers)
    for add in (*adders, _add_gallery):
        add(commands)
    return parser


def _add_stylize(commands) -> None:
    """`stylize`: its own options, then one per setting (`settings`)."""
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
    run.add_argument("--gif", help="also write the snapshots as an animated GIF")
    run.add_argument("--out", default="stylized.png", help="output PNG")
    run.add_argument(
        "--force", action="store_true", help="overwrite --out and existing snapshots"
    )
    for field in SETTINGS:
        _add_setting(run, field)
    run.add_argument(
        "--masks",
        nargs="+",
        metavar="MASK",
        help="one mask image per --style: style k paints only where mask k is white",
    )
    run.add_argument("--snapshots-dir", help="also save every snapshot here")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.add_argument(
        "--model",
        metavar="FILE",
        help="a network trained by `train` (.keras): paint the content image in "
        "one forward pass instead of the optimisation loop",
    )


def _train(args) -> int:
    if not args.out.endswith(".keras"):  # before a download and a long run
        raise ValueError(f"--out must be a .keras file; got {args.out!r}.")
    out = _checked_output(Path(args.out), args.force)
    return command.train_command(args, _image_source(args.style), out)


def _add_train(commands) -> None:
    """`train`: a network for one style (notebook 08), saved as a .keras file."""
    run = commands.add_parser(
        "train",
        help="train a network to paint in one style in one forward pass",
        description="Train Johnson et al.'s image-transformation network to "
        "paint photos in the style of --style, with the course's losses, and "
        "save it to --out (also every --checkpoint-every steps and on Ctrl-C). "
        "Then: python -m course_utils stylize --model OUT --content PHOTO.",
    )
    run.set_defaults(run=_train)
    run.add_argument(
        "--style",
        default=data.DEFAULT_STYLE,
        help=f"path, URL or catalog name of the style image (default "
        f"{data.DEFAULT_STYLE})",
    )
    run.add_argument(
        "--photos",
        metavar="FOLDER",
        help="folder of training photos (default: TensorFlow's flower photos, "
        "downloaded once)",
    )
    run.add_argument("--out", default="network.keras", help="the network's .keras file")
    run.add_argument("--force", action="store_true", help="overwrite --out")
    for field in command.TRAINING_FIELDS:
        _add_setting(run, field)
    for field in command.LOSS_FIELDS:
        default = command.TRAINING_SIZE if field.name == "size" else field.default
        _add_setting(run, field, default)
    run.add_argument("--quiet", action="store_true", help="no progress bar")


def _add_check_and_weights(commands) -> None:
    check = commands.add_parser(
        "check",
        help="is this machine ready for the course?",
        description="Find or download the ImageNet VGG19 weights, check their "
        "hashes, classify two photos, stylize the default pair and time it. "
        "Exit status 0 if the machine is ready, 1 if not.",
    )
    check.set_defaults(run=_check)
    files = commands.add_parser(
        "weights",
        help="find or download the VGG19 weights files and check their hashes",
        description="Find the two ImageNet VGG19 files (without and with the "
        "classifier) or download them into Keras' cache, and check that each "
        "is the file Keras publishes. Exit status 0 if both are.",
    )
    files.set_defaults(run=_weights)
    for parser in (check, files):
        parser.add_argument(
            "--weights",
            metavar="PATH",
            help="a local copy of the no-top weights file (the file with the "
            "classifier is looked for beside it); default: "
            "$COURSE_UTILS_VGG19_WEIGHTS, then Keras' cache, then a download",
        )
    check.add_argument(
        "--size", type=int, default=128, help="long side of the check's stylization"
    )
    check.add_argument(
        "--timing-size", type=int, default=256, help="image size of the timing table"
    )
    check.add_argument(
        "--timing-iterations", type=int, default=5, help="iterations timed per row"
    )


def _add_layers(commands) -> None:
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


def _add_gallery(commands) -> None:
    gallery = commands.add_parser(
        "gallery",
        help="content, style and result for a few styles, in one image",
        description=f"Stylize '{data.DEFAULT_CONTENT}' in the style of "
        f"'{data.DEFAULT_STYLE}' and of each of --styles, and draw content, "
        "style and result side by side, one row per style (the README's gallery).",
    )
    gallery.set_defaults(run=_gallery)
    gallery.add_argument("--out", default="gallery.png", help="output PNG")
    gallery.add_argument("--force", action="store_true", help="overwrite --out")
    gallery.add_argument(
        "--styles",
        nargs="+",
        default=list(GALLERY_PAINTINGS),
        choices=data.list_images("style"),
        metavar="NAME",
        help="catalog styles after the default pair (default "
        f"{' '.join(GALLERY_PAINTINGS)}: paintings, downloaded on first use)",
    )
    for field in SETTINGS:
        if field.name in ("size", "iterations", "weights"):
            _add_setting(gallery, field)
    gallery.add_argument("--quiet", action="store_true", help="no progress bars")


def _add_setting(parser, field, default=dataclasses.MISSING) -> None:
    """Add --name for one settings field, from its metadata (and its default
    unless another is given)."""
    meta = field.metadata
    default = field.default if default is dataclasses.MISSING else default
    if isinstance(default, (list, tuple)):
        default = " ".join(map(str, default))
    shown = "" if default is None else f" (default {default})"
    options = {
        "type": meta["kind"],
        "help": (meta["help"] + shown).replace("%", "%%"),
        "metavar": meta.get("metavar"),
    }
    if meta.get("many"):
        options["nargs"] = "+"
    if meta.get("choices") is not None:
        options["choices"] = [c for c in meta["choices"] if c is not None]
    parser.add_argument("--" + field.name.replace("_", "-"), **options)
