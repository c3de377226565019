"""Every setting of a style transfer run, declared once (notebooks 04-07).

`StyleTransferSettings` is the only place a setting is declared: its default,
its help text and its valid values live in the field's metadata. The command
line's options are generated from these fields (`cli`), and a test checks the
playground's controls against them (`controls.LEFT_OUT` lists, with the reason,
the settings the playground does not show), so a new setting cannot be
forgotten in either.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields

import numpy as np

from course_utils import styles, vgg
from course_utils.losses import check_loss_weights

INITS = ("mixed", "content", "noise", "style")
OPTIMIZERS = ("adam", "lbfgs")
COLOUR_MODES = (None, "luminance", "histogram")


def setting(default, help, kind=float, *, low=None, high=None, strict=False, **more):
    """A settings field whose metadata says what it means and what it accepts.

    Args:
        default: the default value.
        help: one line for `--help` and the docs.
        kind: the type of one value (float, int or str).
        low, high: the valid range of a number (`low` excluded if `strict`);
            for a whole number, `low` is the smallest value allowed.
        **more: `choices` (the valid values), `many=True` (a list of values),
            `optional=True` (None is allowed), `metavar` (the command line's
            name for one value).
    """
    metadata = {"help": help, "kind": kind, "low": low, "high": high}
    return field(default=default, metadata={**metadata, "strict": strict, **more})


@dataclass(frozen=True)
class StyleTransferSettings:
    """Every setting of one `stylize` run, checked when it is made.

    Each field's metadata holds its help text and valid values (see
    `setting`). Layer settings take Keras or
    paper names, as a list (equal weights 1 / L) or {name: weight}, and are
    stored as {Keras name: weight}; `weights` is stored as a label ("imagenet",
    "random" or a file path) and `precision` resolved ("float32" or
    "bfloat16").
    """

    alpha: float = setting(1.0, "content weight alpha of Eq. 5", low=0.0)
    beta: float = setting(
        1e3,
        "style weight beta of Eq. 5 (alpha / beta = 1e-3 is one of Gatys et al.'s)",
        low=0.0,
    )
    content_layers: object = setting(
        vgg.CONTENT_LAYERS,
        "content layers (Keras or paper names); in Python also {name: weight}",
        str,
        many=True,
        metavar="LAYER",
    )
    style_layers: object = setting(
        vgg.STYLE_LAYERS,
        "style layers (Keras or paper names), weighted equally; in Python also "
        "{name: weight}",
        str,
        many=True,
        metavar="LAYER",
    )
    tv_weight: float = setting(
        0.0, "weight of the total-variation term (0: off, as in the report)", low=0.0
    )
    init: str = setting(
        "mixed",
        "start image: mixed (content plus noise, as in the report), content, noise "
        "or style",
        str,
        choices=INITS,
    )
    noise_ratio: float = setting(
        0.7, "share of noise in the mixed start image", low=0.0, high=1.0
    )
    optimizer: str = setting(
        "adam",
        "adam (notebook 04's loop, the faster one) or lbfgs (scipy's L-BFGS-B)",
        str,
        choices=OPTIMIZERS,
    )
    learning_rate: float = setting(
        0.02, "Adam's step size on pixels in [0, 1]", low=0.0, strict=True
    )
    iterations: int = setting(
        1000,
        "optimisation steps at the full size; each coarse stage adds a quarter as many",
        int,
        low=1,
    )
    stages: int = setting(
        3,
        "coarse-to-fine stages: 3 runs at a quarter, half, then full size; 1 at "
        "the full size only; stages under 64 px are left out",
        int,
        low=1,
    )
    snapshot_every: int = setting(
        100, "keep the image every this many iterations, as the report does", int, low=1
    )
    size: int | None = setting(
        512,
        "long side of the generated image in pixels (in Python, None keeps the "
        "content image's size)",
        int,
        low=32,
        optional=True,
    )
    seed: int = setting(0, "seed of the noise and of random VGG19 weights", int, low=0)
    weights: object = setting(
        "imagenet",
        "VGG19 weights: imagenet (downloaded once), random (tests only) or a file",
        str,
    )
    style_weights: tuple | None = setting(
        None,
        "blend weights, one per style image (default: equal)",
        many=True,
        optional=True,
        metavar="W",
    )
    style_scale: float = setting(
        1.0,
        "style image size relative to the content image (smaller: finer strokes)",
        low=0.0,
        strict=True,
    )
    preserve_colour: str | None = setting(
        None,
        "keep the content's colours: luminance or histogram (Gatys et al. 2017)",
        str,
        choices=COLOUR_MODES,
        optional=True,
    )
    precision: str = setting(
        "auto",
        "VGG19's precision: auto (bfloat16 where the hardware is fast), float32 or "
        "bfloat16; a bfloat16 run's last 10 % of iterations are float32",
        str,
        choices=vgg.PRECISIONS,
    )

    def __post_init__(self):
        check_loss_weights(self.alpha, self.beta)
        for setting_field in fields(self):
            check_setting(
                setting_field.name, getattr(self, setting_field.name), setting_field
            )
        set_ = object.__setattr__  # the dataclass is frozen; fill in derived forms
        if self.style_weights is not None:
            set_(self, "style_weights", tuple(self.style_weights))
            styles.blend_weights(self.style_weights, len(self.style_weights))
        for name, what in (
            ("content_layers", "content layers"),
            ("style_layers", "style layers"),
        ):
            set_(self, name, vgg.resolve_layer_weights(getattr(self, name), what))
        set_(self, "weights", vgg.weights_label(self.weights))
        set_(self, "precision", vgg.resolve_precision(self.precision))


if StyleTransferSettings.__doc__:  # None under python -OO
    StyleTransferSettings.__doc__ += "\n    Attributes:\n" + "".join(
        f"        {f.name}: {f.metadata['help']} (default {f.default!r}).\n"
        for f in fields(StyleTransferSettings)
    )


def check_setting(name, value, setting_field) -> None:
    """Check one value against its field's metadata; the error names both."""
    meta = setting_field.metadata
    if value is None and meta.get("optional"):
        return
    if meta.get("choices") is not None:
        check_choice(name, value, meta["choices"])
    elif name == "style_weights":
        if not isinstance(value, (list, tuple)):
            raise TypeError(
                "style_weights must be a list with one weight per style image; "
                f"got {value!r}."
            )
    elif meta["kind"] is int:
        check_count(name, value, minimum=meta["low"])
    elif meta["kind"] is float:
        check_number(name, value, meta["low"], meta["high"], meta["strict"])


def check_number(name, value, low=None, high=None, strict=False) -> None:
    """Raise unless `value` is a finite number in [low, high] (or (low, high])."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number; got {value!r}.") from None
    if not math.isfinite(number):
        raise ValueError(f"{name} must be finite; got {value}.")
    if low is not None and (number <= low if strict else number < low):
        relation = ">" if strict else ">="
        raise ValueError(f"{name} must be {relation} {low}; got {value}.")
    if high is not None and number > high:
        raise ValueError(f"{name} must be <= {high}; got {value}.")


def check_count(name, value, minimum=1) -> None:
    """Raise unless `value` is a whole number >= minimum."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a whole number; got {value!r}.")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}; got {value}.")


def check_choice(name, value, choices) -> None:
    """Raise unless `value` is one of `choices`."""
    if value not in choices:
        raise ValueError(
            f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}."
        )
