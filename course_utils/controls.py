"""A number a student sets to a power of ten by dragging, or to any value by typing.

The playground's alpha and beta (Eq. 5) span many orders of magnitude, and the
notebooks ask for values such as alpha = 0.01. `PowerOfTen` shows a slider over
the exponent (one step is a factor of 10, so a drag lands on 0.01, not on
0.0005) next to a text box that takes any value (0.01, 1e3, 0.03). The two
follow each other: the slider sets the box to exactly 10^exponent, and a typed
value is kept exactly, with the slider at its nearest exponent.
Core ipywidgets only; works with ipywidgets 7.7 and 8.
"""

from __future__ import annotations

import math

import ipywidgets as w
import traitlets


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
