"""The playground's image and loss views: figures drawn without pyplot, so
they can be drawn on the run's own thread, as wide in pixels as a view."""

from __future__ import annotations

import io
import textwrap

from matplotlib.figure import Figure

from course_utils import plotting

VIEW_PX = 360
"""Width of the image and loss views on the page, in pixels."""


def loss_chart(history: dict, settings: dict, is_trained: bool) -> Figure:
    """The playground's loss chart (`plotting.draw_losses`, weighted by the
    run's settings), with its legend below the curves so that it hides none."""
    figure = _view_figure(height=0.9, layout="constrained")
    ax = figure.subplots()
    plotting.draw_losses(
        ax,
        history,
        alpha=settings["alpha"],
        beta=settings["beta"],
        tv_weight=settings["tv_weight"],
    )
    if ax.get_legend() is not None:
        ax.get_legend().remove()
        figure.legend(loc="outside lower center", ncols=2, fontsize="small")
    if not is_trained:  # on two lines: one is wider than the view
        note = textwrap.fill(plotting.RANDOM_WEIGHTS_NOTE, 40)
        ax.set_title(note, color="red", fontsize="small")
    return figure


def placeholder_png(text: str, height: float = 0.75) -> bytes:
    """A light grey view-sized PNG with `text` in its middle."""
    figure = _view_figure(height, facecolor="#eeeeee")
    figure.text(0.5, 0.5, text, ha="center", va="center", color="#555555")
    return png(figure)


def _view_figure(height: float = 0.75, **kwargs) -> Figure:
    """A figure as wide in pixels as a view (its text is shown 1:1), `height`
    times as high."""
    size = (VIEW_PX / 100, height * VIEW_PX / 100)
    return Figure(figsize=size, dpi=100, **kwargs)


def png(figure: Figure) -> bytes:
    """PNG bytes of a figure, without pyplot (safe off the main thread)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", facecolor=figure.get_facecolor())
    return buffer.getvalue()
