"""Every figure `plotting` and the playground draw is readable, and says when
its weights were random.

Each figure is drawn at test sizes with the awkward cases students meet:
long titles, landscape and portrait images in one grid, Gram matrices from
1e-10 to 1e14 (values of both signs, values spanning eight orders of
magnitude, values that barely vary), coarse-to-fine loss curves.
`tests.figures` measures the text with matplotlib's renderer. The notebook
tests run the same check on every figure the notebooks make.
"""

import matplotlib
import matplotlib.ticker
import numpy as np
import pytest
from matplotlib.figure import Figure

from course_utils import plotting, views
from tests import figures
from tests.unit.test_plotting import fake_run

matplotlib.use("Agg")

RNG = np.random.default_rng(0)
LANDSCAPE, PORTRAIT, SQUARE = (43, 64, 3), (64, 48, 3), (64, 64, 3)
NAMES = ["immunohistochemistry", "hubble_deep_field", "brick", "grass", "gravel"]


def picture(shape):
    return RNG.uniform(size=shape).astype("f4")


FIGURES = {
    "show_images, long titles": lambda untrained: plotting.show_images(
        [picture(LANDSCAPE)] * 3,
        [f"{a:g} × {NAMES[0]} + {1 - a:g} × {NAMES[1]}" for a in (1, 0.5, 0)],
        untrained=untrained,
    ),
    "show_images, one panel": lambda untrained: plotting.show_images(
        [picture(PORTRAIT)], ["result"], untrained=untrained
    ),
    "show_images, five panels and a mask": lambda untrained: plotting.show_images(
        [picture(LANDSCAPE)] * 4 + [picture(LANDSCAPE[:2])],
        ["content", "style", "plain", "luminance only", "histogram matched"],
        untrained=untrained,
    ),
    "image_grid, mixed shapes": lambda untrained: plotting.image_grid(
        [[None] + [picture(s) for s in (SQUARE, LANDSCAPE, PORTRAIT, SQUARE, SQUARE)]]
        + [[picture(LANDSCAPE)] * 6 for _ in range(3)],
        row_titles=["style →", "astronaut", "coffee", "chelsea"],
        col_titles=["content ↓", *NAMES],
        untrained=untrained,
    ),
    "gallery, a square style and long titles": lambda untrained: plotting.gallery(
        picture(LANDSCAPE),
        [picture(SQUARE), picture(LANDSCAPE), picture(PORTRAIT)],
        [fake_run(weights=None if untrained else "imagenet")] * 3,
        ["Colonic glands stained for FHL2 (IHC)", "The Starry Night", NAMES[1]],
    ),
    "snapshot_grid, one stage": lambda untrained: plotting.snapshot_grid(
        fake_run(weights=None if untrained else "imagenet")
    ),
    "snapshot_grid, two stages": lambda untrained: plotting.snapshot_grid(
        fake_run(weights=None if untrained else "imagenet", stages=2), ncols=6
    ),
    "loss_curves, two stages and tv": lambda untrained: plotting.loss_curves(
        fake_run(None if untrained else "imagenet", tv_weight=1.0, stages=2)
    ),
    "feature_maps, landscape": lambda untrained: plotting.feature_maps(
        picture((1, 11, 16, 8)),
        num_maps=8,
        title="block1_conv1 (conv1_1): (64, 64, 64)",
        untrained=untrained,
    ),
    "feature_maps, block 5 of a 64 px image": lambda untrained: plotting.feature_maps(
        picture((1, 2, 4, 512)),
        num_maps=8,
        title="block5_conv1 (conv5_1): (2, 4, 512)",
        untrained=untrained,
    ),
    "gram_heatmap, 1e7": lambda untrained: plotting.gram_heatmap(
        1e7 * picture((32, 32)),
        title="Gram matrix of block1_conv1, first 32 filters",
        untrained=untrained,
    ),
    "gram_heatmap, 1e-6": lambda untrained: plotting.gram_heatmap(
        1e-6 * picture((32, 32)), untrained=untrained
    ),
    "gram_heatmap, -1e-10 to 1e-10": lambda untrained: plotting.gram_heatmap(
        1e-10 * (2 * picture((32, 32)) - 1), untrained=untrained
    ),
    "gram_heatmap, 1e14": lambda untrained: plotting.gram_heatmap(
        1e14 * picture((32, 32)), num_filters=8, untrained=untrained
    ),
    "gram_heatmap, 1 to 1e8 in one matrix": lambda untrained: plotting.gram_heatmap(
        10 ** (8 * picture((32, 32))),
        title="Gram matrix of block1_conv1, first 32 filters",
        untrained=untrained,
    ),
    "gram_heatmap, 3e-10 barely varying": lambda untrained: plotting.gram_heatmap(
        3e-10 * (1 + 1e-4 * picture((32, 32))), untrained=untrained
    ),
    "gram_heatmap, -3e12 barely varying": lambda untrained: plotting.gram_heatmap(
        -3e12 * (1 + 1e-6 * picture((32, 32))), untrained=untrained
    ),
    "the playground's loss chart": lambda untrained: views.loss_chart(
        fake_run(tv_weight=1.0).history,
        {"alpha": 0.01, "beta": 1e4, "tv_weight": 1.0},
        is_trained=not untrained,
    ),
}


@pytest.fixture(autouse=True)
def close_figures():
    yield
    matplotlib.pyplot.close("all")


@pytest.mark.parametrize("name", sorted(FIGURES))
@pytest.mark.parametrize("untrained", [True, False], ids=["random", "trained"])
def test_figure_is_readable(name, untrained):
    fig = FIGURES[name](untrained)
    assert figures.layout_problems(fig) == []
    assert figures.has_random_weights_note(fig) == untrained


def test_the_check_finds_overlapping_and_clipped_text():
    fig = Figure(figsize=(3, 2))
    fig.text(0.1, 0.5, "left words")
    fig.text(0.15, 0.5, "overlapping")
    fig.text(0.8, 0.1, "runs off the right edge")
    assert figures.layout_problems(fig) == [
        "'runs off the right edge' leaves the canvas",
        "'left words' overlaps 'overlapping'",
    ]
    assert not figures.has_random_weights_note(fig)


def test_the_check_finds_tick_labels_that_read_the_same():
    fig = Figure(figsize=(4, 3))
    ax = fig.subplots()
    ax.plot([0, 1], [3.0001e-10, 3.0004e-10])
    fig.subplots_adjust(left=0.3)  # room for the labels
    ax.yaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%.2g"))
    assert figures.layout_problems(fig) == ["tick labels repeat: 3e-10"]
    ax.yaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%.6g"))
    assert figures.layout_problems(fig) == []


def test_the_check_ignores_text_that_is_never_drawn():
    fig = Figure(figsize=(3, 2))
    ax = fig.subplots()
    ax.set_title("shown")
    ax.axis("off")  # its tick labels are not drawn
    hidden = fig.text(0.5, 0.5, "hidden")
    hidden.set_visible(False)
    assert [t.get_text() for t in figures.drawn_texts(fig)] == ["shown"]
