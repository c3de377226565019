"""Figures: images, galleries, snapshot grids, loss curves, feature maps, Gram matrices.

Every function returns a matplotlib Figure, which Jupyter shows inline; call
`fig.savefig(path)` to keep it. Runs made with random VGG19 weights carry
a red "random weights" note, so nobody mistakes them for style transfer.
"""

from __future__ import annotations

import math
import textwrap

import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np

from course_utils.captions import RANDOM_WEIGHTS_NOTE
from course_utils.losses import feature_matrix

TITLE_POINTS = 12
"""Font size of panel titles; long titles are wrapped to their panel's width."""


def show_images(
    images, titles=None, size: float = 3.5, ncols: int | None = None, untrained=False
):
    """Show images side by side, each with its title.

    Args:
        images: list of (H, W, 3) arrays in [0, 1] ((H, W) arrays are shown
            in a colour map).
        titles: list of strings, one per image.
        size: width of each panel in inches; its height follows the
            tallest image's shape.
        ncols: panels per row; all in one row by default.
        untrained: the images come from random VGG19 weights: say so in red.
    """
    images = list(images)
    titles = list(titles) if titles is not None else [""] * len(images)
    if len(titles) != len(images):
        raise ValueError(f"Got {len(images)} images but {len(titles)} titles.")
    ncols = ncols or len(images)
    nrows = math.ceil(len(images) / ncols)
    height = size * _tallest(images)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(size * ncols, height * nrows), squeeze=False
    )
    for ax in axes.flat:
        ax.axis("off")
    for ax, image, title in zip(axes.flat, images, titles):
        ax.imshow(np.clip(np.asarray(image), 0, 1))
        ax.set_title(_wrapped(title, size), fontsize=TITLE_POINTS)
    _note_untrained(fig, untrained)
    fig.tight_layout()
    return fig


def image_grid(rows, row_titles=None, col_titles=None, size=2.5, untrained=False):
    """Show a grid of images with titles down the left and across the top.

    Args:
        rows: list of rows, each a list of (H, W, 3) arrays in [0, 1]
            (None leaves a cell empty).
        row_titles: one label per row, shown left of it.
        col_titles: one label per column, shown above it.
        untrained: the images come from random VGG19 weights: say so in red.
    """
    nrows, ncols = len(rows), max(len(row) for row in rows)
    # Each row as high as its tallest image at the column width: no white gaps
    # between rows of landscape and square images.
    heights = [_tallest(image for image in row if image is not None) for row in rows]
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(size * ncols, size * sum(heights)),
        squeeze=False,
        gridspec_kw={"height_ratios": heights},
    )
    for r, row in enumerate(rows):
        for c in range(ncols):
            ax = axes[r, c]
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(False)
            if c < len(row) and row[c] is not None:
                ax.imshow(np.clip(np.asarray(row[c]), 0, 1))
    for c, title in enumerate(col_titles or []):
        axes[0, c].set_title(_wrapped(title, size), fontsize=TITLE_POINTS)
    for r, title in enumerate(row_titles or []):
        axes[r, 0].set_ylabel(_wrapped(title, size * heights[r]), fontsize=TITLE_POINTS)
    _note_untrained(fig, untrained)
    fig.tight_layout()
    return fig


def gallery(content, styles, results, titles, size=2.5):
    """Show content, style and result side by side, one row per style image.

    The README's gallery (`python -m course_utils gallery`, `make gallery`).

    Args:
        content: the content image p, (H, W, 3) in [0, 1].
        styles: the style images a, each (H, W, 3) in [0, 1].
        results: the StyleTransferResult of each style, in the same order.
        titles: the name of each style, shown left of its row.
        size: width of each panel in inches.

    Raises:
        ValueError: if the lists differ in length; the message gives each length.
    """
    if not len(styles) == len(results) == len(titles):
        raise ValueError(
            f"Got {len(styles)} style images, {len(results)} results and "
            f"{len(titles)} titles; give one of each per row."
        )
    return image_grid(
        [[content, style, result.image] for style, result in zip(styles, results)],
        row_titles=titles,
        col_titles=["content", "style", "result"],
        size=size,
        untrained=not all(result.is_trained for result in results),
    )


def snapshot_grid(result, ncols: int = 5, size: float = 2.5):
    """Show a run's snapshots in order, each labelled with its iteration (Fig. 2).

    A coarse-to-fine run's labels name the stage too ("stage 2 of 3",
    then "iteration 15 of 15" below it).

    Args:
        result: a StyleTransferResult from `stylize`.
        ncols: snapshots per row.
    """
    snapshots = result.snapshots
    nrows = math.ceil(len(snapshots) / ncols)
    height = size * _tallest(image for _, image in snapshots)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(size * ncols, height * nrows), squeeze=False
    )
    for ax in axes.flat:
        ax.axis("off")
    for ax, (iteration, image) in zip(axes.flat, snapshots):
        ax.imshow(np.clip(image, 0, 1))
        ax.set_title(iteration.label("\n"), fontsize=TITLE_POINTS)
    _note_untrained(fig, not result.is_trained)
    fig.tight_layout()
    return fig


def loss_curves(result, size=(7, 4)):
    """Plot L_total and its weighted terms against iteration (`draw_losses`).

    The iterations count over the whole run; a dotted line marks where each
    coarse-to-fine stage starts (the losses jump there: they grow with the
    image). A coarse stage weighs L_content by its own alpha
    (`transfer.coarse_to_fine`), so each iteration's term uses its stage's.
    """
    fig, ax = plt.subplots(figsize=size)
    s = result.settings
    alpha = [result.stages[it.stage - 1].alpha for it in result.iterations]
    alpha = alpha if len(alpha) == len(result.history["total"]) else s.alpha
    draw_losses(
        ax, result.history, alpha=alpha or s.alpha, beta=s.beta, tv_weight=s.tv_weight
    )
    _mark_stages(ax, result.iterations)
    _note_untrained(fig, not result.is_trained)
    fig.tight_layout()
    return fig


def training_curves(result, size=(7, 4)):
    """Plot a network's training: L_total and its weighted terms per step.

    Args:
        result: a `fast.TrainingResult`; each step's losses are the mean over
            its batch of photos, before the step.
    """
    fig, ax = plt.subplots(figsize=size)
    s = result.settings
    draw_losses(ax, result.history, alpha=s.alpha, beta=s.beta, tv_weight=s.tv_weight)
    ax.set_xlabel("training step (mean over its batch of photos)")
    _note_untrained(fig, not result.is_trained)
    fig.tight_layout()
    return fig


def draw_losses(ax, history: dict, *, alpha, beta, tv_weight=0.0) -> None:
    """Draw L_total and the weighted terms that add up to it onto `ax` (Eq. 5).

    The terms are drawn as they enter the total: alpha * L_content,
    beta * L_style and, if tv_weight > 0, tv_weight * L_TV (notebook 07). At
    every iteration they add up to L_total, so the chart shows which term the
    optimiser is lowering. The y axis is log scale: a term that is 0 at every
    iteration is left out, and a 0 at some iterations (L_content at the start
    of init="content") leaves a gap there.

    Args:
        ax: the matplotlib Axes to draw on.
        history: {"total", "content", "style", "tv": [loss at iteration 0, 1,
            ...]}, as a run records it: L_total, and the unweighted L_content,
            L_style and total variation.
        alpha: the run's alpha, or one per iteration: a coarse-to-fine run's
            coarse stages use alpha times their pixel ratio (`stylize`).
        beta, tv_weight: the run's weights (its settings).
    """
    alpha = np.asarray(alpha, dtype=float)
    weights = {"total": 1.0, "content": alpha, "style": beta, "tv": tv_weight}
    alphas = f"{alpha.flat[-1]:g}"
    if np.ptp(alpha) > 0:  # one per iteration, not all equal: first -> last
        alphas = f"{alpha.flat[0]:.3g} → {alphas}"
    labels = {
        "total": "$L_{total}$",
        "content": rf"$\alpha \cdot L_{{content}}$, $\alpha$ = {alphas}",
        "style": rf"$\beta \cdot L_{{style}}$, $\beta$ = {beta:g}",
        "tv": rf"$\lambda_{{TV}} \cdot L_{{TV}}$, $\lambda_{{TV}}$ = {tv_weight:g}",
    }
    total_style = {"color": "black", "linewidth": 2.0}
    for name, label in labels.items():
        values = weights[name] * np.asarray(history.get(name, []), dtype=float)
        values = np.where(values > 0, values, np.nan)  # a log scale has no 0
        if not np.isnan(values).all():
            style = total_style if name == "total" else {}
            ax.plot(np.arange(len(values)), values, label=label, **style)
    ax.set_yscale("log")
    ax.set_xlabel("iteration")
    ax.set_ylabel("loss")
    if ax.get_lines():
        ax.legend()
    ax.grid(True, which="major", alpha=0.3)


def _mark_stages(ax, iterations) -> None:
    """A dotted line and a label where each stage after the first starts
    (on a white box, so the curves it crosses do not hide it)."""
    starts = [
        (before.number, after)
        for before, after in zip(iterations, iterations[1:])
        if after.stage != before.stage
    ]
    for x, first in starts:
        ax.axvline(x, color="grey", linestyle=":", linewidth=1)
        ax.annotate(
            f"stage {first.stage} of {first.stages} ({first.size} px)",
            (x, 1),
            xycoords=("data", "axes fraction"),
            xytext=(3, -4),
            textcoords="offset points",
            rotation=90,
            va="top",
            fontsize=8,
            color="dimgrey",
            bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 1},
        )


def feature_maps(features, num_maps=16, ncols=8, title="", size=1.6, untrained=False):
    """Show the first `num_maps` channels of one layer's features as images.

    Args:
        features: (1, H, W, N) or (H, W, N) tensor, e.g. extractor(image)[layer].
        untrained: the features come from random VGG19 weights: say so in red.
    """
    matrix = feature_matrix(features).numpy()  # (N, M)
    height, width = np.asarray(features).shape[-3:-1]
    num_maps = min(num_maps, matrix.shape[0])
    nrows = math.ceil(num_maps / ncols)
    panel_height = size * _tallest([matrix[0].reshape(height, width)])
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(size * ncols, panel_height * nrows), squeeze=False
    )
    for ax in axes.flat:
        ax.axis("off")
    for index, ax in zip(range(num_maps), axes.flat):
        ax.imshow(matrix[index].reshape(height, width), cmap="viridis")
        ax.set_title(f"filter {index}", fontsize=8)
    _note_untrained(fig, untrained, title)
    _room_for_titles(fig, axes)
    fig.tight_layout()
    return fig


def gram_heatmap(
    gram, title="Gram matrix", num_filters=None, size=4.5, untrained=False
):
    """Show a Gram matrix (N, N) as a heatmap, optionally only its first filters.

    `untrained`: the matrix comes from random VGG19 weights: say so in red.
    """
    gram = np.asarray(gram)
    if num_filters is not None:
        gram = gram[:num_filters, :num_filters]
    fig, ax = plt.subplots(figsize=(size + 1, size))
    shown = ax.imshow(gram, cmap="magma")
    ax.set_xlabel("filter j")
    ax.set_ylabel("filter i")
    # pad: clear of the tick label "0" at the top
    ax.set_title(_wrapped(title, size + 1), pad=10)
    bar = fig.colorbar(shown, ax=ax, label="$G_{ij}$")
    bar.formatter = _distinct_ticks(bar.get_ticks())
    _note_untrained(fig, untrained)
    fig.tight_layout()
    return fig


def _distinct_ticks(ticks) -> matplotlib.ticker.FormatStrFormatter:
    """ "%.2g" labels, with more digits if two ticks would read the same.

    Each label carries its own exponent ("3e-10"), so there is no offset text
    above the colour bar, where it would run into the title. Values that
    barely vary (3.0001e-10, 3.0002e-10) get the digits that tell them apart.
    """
    for digits in range(2, 16):
        labels = [f"{tick:.{digits}g}" for tick in ticks]
        if len(set(labels)) == len(labels):
            break
    return matplotlib.ticker.FormatStrFormatter(f"%.{digits}g")


def _tallest(images) -> float:
    """The largest height / width of `images` ((H, W) or (H, W, 3)), 1 if none."""
    ratios = [np.shape(image)[0] / np.shape(image)[1] for image in images]
    return float(np.clip(max(ratios, default=1.0), 0.25, 4.0))


def _wrapped(title: str, inches: float) -> str:
    """`title` wrapped to lines that fit a panel `inches` wide."""
    chars = max(8, int(inches * 72 / (0.6 * TITLE_POINTS)))  # ~0.6 em per char
    return "\n".join(
        textwrap.fill(line, chars, break_on_hyphens=False) for line in title.split("\n")
    )


def _room_for_titles(fig, axes) -> None:
    """Make the figure taller by what its panel titles and suptitle need.

    tight_layout then keeps the panels at the size asked for, instead of
    shrinking them (or, on matplotlib before 3.10, giving up) until the
    titles run into each other.

    Args:
        axes: the figure's panels, as a (rows, columns) array.
    """
    inches = 0.0
    for row in axes:
        titled = [ax.title for ax in row if ax.get_title()]
        if titled:
            points = max(
                (t.get_text().count("\n") + 1) * t.get_fontsize() for t in titled
            )
            inches += points * 1.3 / 72 + 0.1
    suptitle = fig.get_suptitle()
    if suptitle:
        inches += (suptitle.count("\n") + 1) * TITLE_POINTS * 1.3 / 72 + 0.1
    fig.set_figheight(fig.get_figheight() + inches)


def _note_untrained(fig, untrained: bool, title: str = "") -> None:
    """Set the figure's title, with the random-weights warning in red if needed."""
    text = "\n".join(filter(None, [title, RANDOM_WEIGHTS_NOTE if untrained else ""]))
    if text:  # wrapped: a one-panel figure is narrower than the note
        fig.suptitle(
            _wrapped(text, fig.get_figwidth()), color="red" if untrained else None
        )
