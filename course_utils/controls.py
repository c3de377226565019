"""The playground's controls: one per setting it shows, declared in CONTROLS.

Adding a setting to the playground is one entry in CONTROLS: the column it
sits in, how its widget is made, and (if its widget's `value` is not the
setting's value) how it is read. The settings it does not show are in
LEFT_OUT, each with its reason; a test checks that the two together are every
field of `StyleTransferSettings`.

The playground's alpha and beta (Eq. 5) span many orders of magnitude, and the
notebooks ask for values such as alpha = 0.01. `PowerOfTen` shows a slider over
the exponent (one step is a factor of 10, so a drag lands on 0.01, not on
0.0005) next to a text box that takes any value (0.01, 1e3, 0.03). The two
follow each other: the slider sets the box to exactly 10^exponent, and a typed
value is kept exactly, with the slider at its nearest exponent.
`StyleLayers` is a checkbox and a weight w_l (Eq. 4) for each style layer.
Core ipywidgets only; works with ipywidgets 7.7 and 8.
"""

from __future__ import annotations

import dataclasses
import math
import operator
from collections.abc import Callable

import ipywidgets as w
import traitlets

from course_utils import vgg
from course_utils.settings import INITS, OPTIMIZERS, StyleTransferSettings

DEFAULTS = {f.name: f.default for f in dataclasses.fields(StyleTransferSettings)}
LOWEST = {
    f.name: f.metadata.get("low") for f in dataclasses.fields(StyleTransferSettings)
}
TV_WEIGHTS = [0.0] + [10.0**exponent for exponent in range(-4, 6)]


def power_of_ten(exponent: int) -> float:
    """10^exponent as the float Python reads from "1e<exponent>" (1e-2 == 0.01)."""
    return float(f"1e{exponent}")


def nearest_exponent(value: float, low: int, high: int) -> int:
    """The whole exponent e in [low, high] whose 10^e is nearest to `value` on a
    log scale; `low` for 0 (no power of ten is 0)."""
    if value <= 0:
        return low
    return min(max(round(math.log10(value)), low), high)


class PowerOfTen(w.HBox):
    """A slider over the exponent of 10, its readout, and a box for typed values.

    `value` is the number itself (what the student set), read and written like
    any widget's value; `observe(..., names="value")` reports its changes.

    Args:
        value: the starting value.
        exponents: (lowest, highest) exponent the slider offers.
        description: the slider's label.
        low: the smallest value the box accepts (the setting's valid range);
            lower typed values become `low`.
        width: the slider's width, description included.
        description_width: the width of the label.

    Attributes:
        exponent: the IntSlider over the exponent (what a drag moves).
        readout: HTML "10<sup>e</sup> =" for the value in the box (e to two
            decimals when the value is not a power of ten).
        text: the BoundedFloatText with the exact value.
    """

    value = traitlets.Float()

    def __init__(
        self,
        value: float,
        exponents: tuple[int, int],
        description: str,
        low: float = 0.0,
        width: str = "280px",
        description_width: str = "120px",
    ):
        self._syncing = False
        self.exponent = w.IntSlider(
            min=exponents[0],
            max=exponents[1],
            readout=False,
            description=description,
            style={"description_width": description_width},
            layout=w.Layout(width=width),
        )
        self.readout = w.HTML(layout=w.Layout(width="72px"))
        self.text = w.BoundedFloatText(min=low, max=1e12, layout=w.Layout(width="96px"))
        super().__init__([self.exponent, self.readout, self.text])
        self.exponent.observe(self._on_exponent, names="value")
        self.text.observe(self._on_text, names="value")
        self.observe(self._on_value, names="value")
        self.value = value
        self._on_value({"new": value})  # show it even if it equals the trait default

    @traitlets.validate("value")
    def _within_the_box_s_range(self, proposal):
        return min(max(proposal["value"], self.text.min), self.text.max)

    def _on_exponent(self, change):
        if not self._syncing:  # the student dragged the slider
            self.value = power_of_ten(change["new"])

    def _on_text(self, change):
        if not self._syncing:  # the student typed a value
            self.value = change["new"]

    def _on_value(self, change):
        """Show the value in the box, the readout and (nearest) on the slider."""
        value = change["new"]
        self._syncing = True
        try:
            self.text.value = value
            self.exponent.value = nearest_exponent(
                value, self.exponent.min, self.exponent.max
            )
            self.readout.value = _readout(value)
        finally:
            self._syncing = False


def _readout(value: float) -> str:
    """HTML "10<sup>-2</sup> =" (exact powers), "10<sup>-1.52</sup> =" (others)
    or "off:" (0: the term is switched off)."""
    if value <= 0:
        return "off:"
    exponent = math.log10(value)
    if value == power_of_ten(round(exponent)):
        shown = f"{round(exponent)}"
    else:
        shown = f"{exponent:.2f}"
    return f"10<sup>{shown.replace('-', '&minus;')}</sup> ="


class StyleLayers(w.VBox):
    """The style layers l and their relative weights w_l (Eq. 4): a checkbox
    and a slider for each of `choices`; the report's five are ticked.

    `value` is {Keras name: weight} of the ticked layers, scaled to sum 1, so
    the report's w_l = 1/5 when all five are at 1.
    """

    def __init__(self, choices):
        self.boxes = {
            name: w.Checkbox(
                value=name in DEFAULTS["style_layers"],
                description=name,
                indent=False,
                layout=w.Layout(width="130px"),
            )
            for name in map(vgg.resolve_layer, choices)
        }
        self.weights = {
            name: w.FloatSlider(
                value=1.0, min=0.0, max=2.0, step=0.05, layout=w.Layout(width="230px")
            )
            for name in self.boxes
        }
        header = "<b>style layers</b> and their relative weights <i>w<sub>l</sub></i>"
        rows = [w.HBox([box, self.weights[name]]) for name, box in self.boxes.items()]
        super().__init__([w.HTML(header), *rows])

    @property
    def value(self) -> dict:
        chosen = {
            name: self.weights[name].value
            for name, box in self.boxes.items()
            if box.value
        }
        total = sum(chosen.values()) or 1.0
        return {name: weight / total for name, weight in chosen.items()}


@dataclasses.dataclass(frozen=True)
class Control:
    """How the playground shows one setting.

    Attributes:
        column: where it sits: "weights" (Eq. 5 and the layers' Eq. 1),
            "layers" or "run".
        make: makes its widget from the playground's starting values
            {"size", "largest", "iterations", "style_layer_choices"}.
        read: the setting's value from the widget (default: its `value`).
    """

    column: str
    make: Callable[[dict], w.Widget]
    read: Callable[[w.Widget], object] = operator.attrgetter("value")


def wide(kind, description: str, **options) -> w.Widget:
    """A control of the playground's usual width, its description beside it."""
    return kind(
        description=description,
        style={"description_width": "120px"},
        layout=w.Layout(width="380px"),
        **options,
    )


def _default(kind, name: str, description: str, **options):
    """Makes a control of the usual width that starts at setting `name`'s default."""
    return lambda _: wide(kind, description, value=DEFAULTS[name], **options)


def _weight(name: str, exponents: tuple[int, int], label: str) -> Control:
    """alpha or beta of Eq. 5: a drag moves it by powers of ten, the box takes
    any value."""
    return Control(
        "weights",
        lambda _: PowerOfTen(DEFAULTS[name], exponents, label, low=LOWEST[name]),
    )


CONTROLS = {
    "alpha": _weight("alpha", (-5, 3), "alpha (content)"),
    "beta": _weight("beta", (-2, 6), "beta (style)"),
    "content_layers": Control(
        "weights",
        lambda _: wide(
            w.Dropdown,
            "content layer",
            options=vgg.CONV_LAYERS,
            value=DEFAULTS["content_layers"][0],
        ),
        read=lambda control: [control.value],
    ),
    "tv_weight": Control(
        "weights",
        _default(w.SelectionSlider, "tv_weight", "TV weight", options=TV_WEIGHTS),
    ),
    "style_layers": Control(
        "layers", lambda start: StyleLayers(start["style_layer_choices"])
    ),
    "iterations": Control(
        "run",
        lambda start: wide(
            w.IntSlider, "iterations", value=start["iterations"], min=1, max=5000
        ),
    ),
    "size": Control(
        "run",
        lambda start: wide(
            w.IntSlider,
            "image size (px)",
            value=min(start["size"], start["largest"]),
            min=32,
            max=start["largest"],
            step=32,
        ),
    ),
    "init": Control("run", _default(w.Dropdown, "init", "start image", options=INITS)),
    "noise_ratio": Control(
        "run",
        _default(
            w.FloatSlider, "noise_ratio", "noise ratio", min=0.0, max=1.0, step=0.05
        ),
    ),
    "optimizer": Control(
        "run", _default(w.Dropdown, "optimizer", "optimiser", options=OPTIMIZERS)
    ),
    "learning_rate": Control(
        "run",
        _default(
            w.FloatLogSlider, "learning_rate", "learning rate", base=10, min=-4, max=0
        ),
    ),
}
"""{setting: its Control}, in the order they are shown."""

CONTROLLED = tuple(CONTROLS)
"""The settings a student varies with the playground's controls."""

LEFT_OUT = {
    "weights": "given once, as Playground(weights=...)",
    "stages": "1: one size, so the live image and loss curves stay comparable",
    "snapshot_every": "set from the iterations: ten snapshots a run",
    "seed": "the default, so two runs differ only in what the student changed",
    "precision": "the default (auto): it changes the speed, not the picture",
    "style_weights": "one style image at a time; notebook 07 blends styles",
    "style_scale": "the default; notebook 07 varies the stroke size",
    "preserve_colour": "the default; notebook 07 keeps the content's colours",
}
"""The settings the playground has no control for, and why (a test checks that
CONTROLLED and LEFT_OUT together are every field of StyleTransferSettings)."""
