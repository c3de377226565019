"""Is a figure readable? Text that overlaps, leaves the canvas, or lacks the note.

`layout_problems(fig)` draws the figure with the Agg renderer and compares the
extents (in pixels) of its visible text: titles, labels, tick labels, colour
bar labels and their offset text, legends, annotations. The notebook tests run
it inside each notebook's kernel on every figure the notebook made; the unit
tests run it on every figure `plotting` draws.
"""

from __future__ import annotations

import itertools
import weakref

import matplotlib.text
from matplotlib.backends.backend_agg import FigureCanvasAgg

from course_utils.captions import RANDOM_WEIGHTS_NOTE

GAP = 4.0
"""Pixels that two texts must keep between them (touching counts as overlapping)."""


def drawn_texts(fig) -> list:
    """Draw `fig` with Agg and return the Text artists drawn with some text.

    Recording the draw calls, rather than listing the figure's Text objects,
    leaves out what is never drawn: the tick labels of hidden axes and of
    ticks outside the axis range.
    """
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    drawn = []
    original = matplotlib.text.Text.draw

    def record(text, renderer):
        if text.get_visible() and text.get_text().strip():
            drawn.append(text)
        return original(text, renderer)

    matplotlib.text.Text.draw = record
    try:
        fig.canvas.draw()
    finally:
        matplotlib.text.Text.draw = original
    return list(dict.fromkeys(drawn))  # in drawing order, each once


def layout_problems(fig) -> list[str]:
    """What makes `fig` hard to read: texts that overlap or leave the canvas,
    and an axis whose tick labels repeat (3e-10, 3e-10: too few digits)."""
    texts = drawn_texts(fig)
    renderer = fig.canvas.get_renderer()
    canvas = fig.bbox
    boxes = [(t, t.get_window_extent(renderer)) for t in texts]
    problems = []
    for text, box in boxes:
        if (
            box.x0 < canvas.x0 - 0.5
            or box.y0 < canvas.y0 - 0.5
            or box.x1 > canvas.x1 + 0.5
            or box.y1 > canvas.y1 + 0.5
        ):
            problems.append(f"{_name(text)} leaves the canvas")
    drawn = set(texts)
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            labels = [
                label.get_text() for label in axis.get_ticklabels() if label in drawn
            ]
            repeated = sorted({label for label in labels if labels.count(label) > 1})
            if repeated:
                problems.append(f"tick labels repeat: {', '.join(repeated)}")
    for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
        if (
            min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0) > -GAP
            and min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0) > -GAP
        ):
            problems.append(f"{_name(a)} overlaps {_name(b)}")
    return problems


def has_random_weights_note(fig) -> bool:
    """Whether some text of the figure says that VGG19 had random weights
    (wrapped onto several lines or not)."""
    return any(
        RANDOM_WEIGHTS_NOTE in " ".join(t.get_text().split())
        for t in fig.findobj(matplotlib.text.Text)
    )


def report(fig) -> dict:
    """{"titles", "problems", "note"} of a figure, as JSON-ready values."""
    return {
        "titles": titles(fig),
        "problems": layout_problems(fig),
        "note": has_random_weights_note(fig),
    }


def titles(fig) -> list[str]:
    """The figure's panel titles and suptitle, to name a figure in a message."""
    found = [ax.get_title() for ax in fig.axes if ax.get_title()]
    if fig.get_suptitle():
        found.append(fig.get_suptitle())
    return found


def _name(text) -> str:
    return repr(text.get_text().replace("\n", " / "))


_WATCHED = weakref.WeakSet()
_REPORTS = []


def watch(shell) -> None:
    """In a notebook's kernel: report every figure at the end of the cell that
    made it (IPython's post_execute event), before the inline backend, which
    registers after this, shows and closes it. `reports()` gives them."""
    shell.events.register("post_execute", _report_open_figures)


def reports() -> list[dict]:
    """The reports of the figures `watch` saw, in the order they were made."""
    return list(_REPORTS)


def _report_open_figures() -> None:
    from matplotlib._pylab_helpers import Gcf

    for manager in Gcf.get_all_fig_managers():
        fig = manager.canvas.figure
        if fig not in _WATCHED:
            _WATCHED.add(fig)
            _REPORTS.append(report(fig))
