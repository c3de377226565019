"""Is this machine ready for the course? `python -m course_utils check`.

The same checks run in the online tests (tests/online), with the real
ImageNet weights:

- the weights files are Keras' published ones (their MD5);
- VGG19 with its classifier puts the right classes in its top 5 for the
  bundled cat and coffee photos, which proves that `vgg_preprocess` matches
  the weights (with random weights this fails);
- a stylization with the defaults lowers the style loss by at least
  `STYLE_DROP`, keeps the content (its content loss ends below the noisy
  start image's and below the style image's), moves the colours toward the
  style image's, and repeats exactly with the same seed on the CPU.

The stylization checks are sanity bounds, not measures of quality: a run
that passes them can still look poor, and one that fails them is broken.
"""

from __future__ import annotations

import platform
import warnings
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

import course_utils
from course_utils import data, timing, vgg
from course_utils.images import load_image, resize_to, vgg_preprocess
from course_utils.objective import Objective
from course_utils.settings import StyleTransferSettings
from course_utils.transfer import stage_start, stylize
from course_utils.weights import (
    NO_TOP,
    WITH_TOP,
    WeightsFile,
    fetch,
    find,
    keras_models_dir,
    md5,
    verify,
)

EXPECTED_CLASSES = {
    "chelsea": {
        281: "tabby",
        282: "tiger cat",
        283: "Persian cat",
        284: "Siamese cat",
        285: "Egyptian cat",
    },
    "coffee": {504: "coffee mug", 967: "espresso", 968: "cup"},
}
"""ImageNet class indices (Keras' order) of each bundled photo: one of them
must be in the classifier's top 5."""

STYLE_DROP = 0.90
"""The least share of the style loss a default run removes."""

REPEAT = 50
"""Iterations of the two short runs with which `readiness` checks repeating."""

CONTENT, STYLE = data.DEFAULT_CONTENT, data.DEFAULT_STYLE
"""The pair the stylization check runs: the course's default pair."""


@dataclass(frozen=True)
class Check:
    """One check's outcome: its name, whether it passed and what was measured."""

    name: str
    passed: bool
    detail: str

    def line(self) -> str:
        return f"{'ok  ' if self.passed else 'FAIL'}  {self.name}: {self.detail}"


def weights_check(path, file: WeightsFile = NO_TOP) -> Check:
    """Whether the file at `path` is Keras' published `file`."""
    try:
        verify(path, file)
    except ValueError as err:
        return Check(file.what, False, str(err))
    return Check(file.what, True, f"{path}, MD5 {file.md5} as published")


def classifier_input(image) -> tf.Tensor:
    """The centre square of an RGB image in [0, 1], at 224 px, VGG-preprocessed.

    Returns:
        (1, 224, 224, 3) float32, as `vgg19_classifier` takes it.
    """
    image = np.asarray(image, dtype=np.float32)
    height, width = image.shape[:2]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    square = image[top : top + side, left : left + side]
    return vgg_preprocess(tf.image.resize(square[np.newaxis], (224, 224)))


def top5(classifier, image) -> list[int]:
    """The indices of the classifier's five most likely ImageNet classes, best first."""
    probabilities = classifier(classifier_input(image), training=False)[0]
    return [int(index) for index in np.argsort(-np.asarray(probabilities))[:5]]


def classification_check(classifier, name: str) -> Check:
    """Is one of the classes of photo `name` (`EXPECTED_CLASSES`) in the top 5?"""
    expected = EXPECTED_CLASSES[name]
    ranked = top5(classifier, data.sample_image(name))
    hits = [expected[index] for index in ranked if index in expected]
    detail = (
        f"top 5 has {', '.join(hits)}"
        if hits
        else f"top 5 is classes {ranked}; expected one of "
        f"{', '.join(f'{i} {label}' for i, label in expected.items())}"
    )
    return Check(f"classifies {name}", bool(hits), detail)


@dataclass(frozen=True)
class StylizationMeasures:
    """Losses and colour statistics of one default run (see `measure_stylization`).

    Losses are evaluated in float32 at the run's full size with the default
    layers: L_content (Eq. 1) and L_style (Eq. 4), without alpha and beta.
    The colour gaps are distances from the style image's
    `colour_statistics`.
    """

    size: int
    style_start: float
    style_result: float
    content_start: float
    content_result: float
    content_of_style: float
    colour_gap_content: float
    colour_gap_result: float
    repeat_difference: float

    @property
    def style_drop(self) -> float:
        """Share of the start image's style loss the run removed."""
        return 1 - self.style_result / self.style_start


def colour_statistics(image) -> np.ndarray:
    """Per-channel mean and standard deviation of an RGB image: (6,)."""
    pixels = np.asarray(image, dtype=np.float64).reshape(-1, 3)
    return np.concatenate([pixels.mean(axis=0), pixels.std(axis=0)])


def measure_stylization(
    weights,
    size: int = 256,
    iterations: int | None = None,
    seed: int = 0,
    repeat_iterations: int | None = None,
) -> StylizationMeasures:
    """Run `stylize` with the defaults on the CPU, measure it, and repeat it.

    Args:
        weights: the `weights` setting (a file path, "imagenet" or None).
        size: long side of the image, in pixels.
        iterations: None for the default.
        seed: the seed of every run.
        repeat_iterations: None repeats the measured run itself; a number
            repeats a shorter run of that many iterations twice instead (the
            quicker check of `readiness`).
    """
    # On the CPU, "auto" picks bfloat16 only for a CPU that is fast at it; with
    # a GPU it would follow the GPU, so the CPU runs ask for float32 there.
    precision = "float32" if tf.config.list_physical_devices("GPU") else "auto"
    options = dict(
        size=size, weights=weights, seed=seed, precision=precision, progress=False
    )
    if iterations is not None:
        options["iterations"] = iterations
    content, style = data.sample_image(CONTENT), data.sample_image(STYLE)
    with tf.device("/CPU:0"):  # repeating exactly is promised on the CPU
        first = stylize(content, style, **options).image
        if repeat_iterations is None:
            again = [first, stylize(content, style, **options).image]
        else:
            short = {**options, "iterations": repeat_iterations}
            again = [stylize(content, style, **short).image for _ in range(2)]
    settings = StyleTransferSettings(
        size=size, weights=weights, seed=seed, precision="float32"
    )
    content = load_image(content, size)
    objective = Objective(content, style, settings)
    start = stage_start(objective, settings)  # the run's own x_0

    def losses(image):
        values = objective(np.asarray(image, np.float32)[np.newaxis])
        return float(values["content"]), float(values["style"])

    content_start, style_start = losses(start)
    content_result, style_result = losses(first)
    content_of_style, _ = losses(resize_to(style, content.shape[:2]))
    target = colour_statistics(style)
    return StylizationMeasures(
        size=size,
        style_start=style_start,
        style_result=style_result,
        content_start=content_start,
        content_result=content_result,
        content_of_style=content_of_style,
        colour_gap_content=float(np.linalg.norm(colour_statistics(content) - target)),
        colour_gap_result=float(np.linalg.norm(colour_statistics(first) - target)),
        repeat_difference=float(np.max(np.abs(again[0] - again[1]))),
    )


def stylization_checks(measures: StylizationMeasures) -> list[Check]:
    """The sanity bounds of a default run, each a Check."""
    m = measures
    return [
        Check(
            "style loss falls",
            m.style_drop >= STYLE_DROP,
            f"{m.style_drop:.1%} of the start image's L_style removed "
            f"({m.style_start:.4g} to {m.style_result:.4g}); at least "
            f"{STYLE_DROP:.0%} expected",
        ),
        Check(
            "content is kept",
            m.content_result < min(m.content_start, m.content_of_style),
            f"L_content {m.content_result:.4g}; the noisy start image has "
            f"{m.content_start:.4g}, the style image {m.content_of_style:.4g}, "
            "and the result must be below both",
        ),
        Check(
            "colours move toward the style",
            m.colour_gap_result < m.colour_gap_content,
            f"distance of the colour statistics (RGB means and spreads) from the "
            f"style image's: {m.colour_gap_result:.3f} for the result, "
            f"{m.colour_gap_content:.3f} for the content image",
        ),
        Check(
            "repeats exactly",
            m.repeat_difference == 0,
            f"two CPU runs with one seed differ by at most {m.repeat_difference:.3g}",
        ),
    ]


def readiness(
    weights_path=None,
    size: int = 128,
    timing_size: int = 256,
    timing_iterations: int = 5,
    say=print,
) -> bool:
    """Check this machine for the course, saying each step; True if it is ready.

    Finds the weights files (`weights_path`, COURSE_UTILS_VGG19_WEIGHTS, or
    Keras' cache) or downloads them, checks their hashes, classifies the
    photos, runs the stylization checks at `size` px and prints notebook
    05's Table 1 (milliseconds per Adam iteration at `timing_size` px on
    every device and precision). The last line says READY or NOT READY and,
    when something is missing, how to get it. Only the no-top file is
    needed for the course; without the file with the classifier, the
    preprocessing check is left out and the machine can still be ready.
    """
    devices = timing.devices()
    say(
        f"course_utils {course_utils.__version__}, TensorFlow {tf.__version__}, "
        f"Keras {keras.__version__}, Python {platform.python_version()}; "
        f"devices: {', '.join(devices)}"
    )
    paths, checks = weights_files(weights_path, say)
    verified = {check.name for check in checks if check.passed}
    if WITH_TOP.what in verified:
        classifier = vgg.vgg19_classifier(paths[WITH_TOP])
        for name in EXPECTED_CLASSES:
            checks.append(classification_check(classifier, name))
            say(checks[-1].line())
    trained = paths[NO_TOP] if NO_TOP.what in verified else None
    if trained:
        say(f"stylizing {CONTENT} in the style of {STYLE} at {size} px ...")
        measures = measure_stylization(trained, size, repeat_iterations=REPEAT)
        for check in stylization_checks(measures):
            checks.append(check)
            say(check.line())
    say(
        f"Table 1: milliseconds per Adam iteration at {timing_size} px"
        + ("" if trained else " (random weights: the speed does not depend on them)")
    )
    with warnings.catch_warnings():  # said above
        warnings.filterwarnings("ignore", message="VGG19 has RANDOM")
        rows = timing.precision_timings(
            data.sample_image(CONTENT),
            data.sample_image(STYLE),
            sizes=(timing_size,),
            iterations=timing_iterations,
            weights=trained,
        )
    say(f"  {'device':8} {'precision':>10} {'ms/iter':>9}")
    for row in rows:
        say(f"  {row['device']:8} {row['precision']:>10} {row['ms_per_iter']:>9.1f}")
    failed = [check.name for check in checks if not check.passed]
    if not paths[NO_TOP]:
        say(
            f"NOT READY: the {NO_TOP.what} are missing: download {NO_TOP.url} "
            f"into {keras_models_dir()}, or pass its path with --weights PATH."
        )
        return False
    if failed:
        say(f"NOT READY: failed {', '.join(failed)} (see FAIL above).")
        return False
    fastest = min(rows, key=lambda row: row["ms_per_iter"])
    unchecked = (
        "" if paths[WITH_TOP] else "; preprocessing not checked (no classifier file)"
    )
    say(
        f"READY: real VGG19 weights verified, stylization checks passed, "
        f"{fastest['ms_per_iter']:.0f} ms per iteration at {timing_size} px on "
        f"{fastest['device']} in {fastest['precision']}{unchecked}."
    )
    return True


def weights_files(weights_path=None, say=print) -> tuple[dict, list[Check]]:
    """Find or download both weights files and check their hashes, saying each step.

    Returns:
        ({NO_TOP: path or None, WITH_TOP: path or None}, [Check of each file found]).
    """
    paths = {
        file: _find_or_fetch(file, weights_path, say) for file in (NO_TOP, WITH_TOP)
    }
    checks = [weights_check(path, file) for file, path in paths.items() if path]
    for check in checks:
        say(check.line())
    return paths, checks


def _find_or_fetch(file: WeightsFile, weights_path, say):
    """The path of `file` here, downloading it if need be; None (said why) if not.

    A file in Keras' cache that is not the published one (a broken download)
    is downloaded again; a file the user gave is reported as it is.
    """
    try:
        path = find(file, weights_path)
    except FileNotFoundError as err:
        say(f"MISSING  {err}")
        return None
    if path is not None and path.parent != keras_models_dir():
        return path
    if path is not None:
        if md5(path) == file.md5:
            return path
        say(f"{file.what}: {path} is not the published file, downloading it again")
    else:
        say(f"{file.what}: not found here, downloading")
    try:
        return fetch(file)
    except RuntimeError as err:
        say(f"MISSING  {err}")
        return None
