"""Figures: right panels, right labels, and the random-weights warning."""

import matplotlib
import numpy as np
import pytest

from course_utils import plotting
from course_utils.losses import gram_matrix
from course_utils.recorder import Iteration, StyleTransferResult
from course_utils.settings import StyleTransferSettings

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    matplotlib.pyplot.close("all")


def fake_run(weights=None, tv_weight=0.0, stages=1):
    """A hand-made result: three snapshots and a falling loss, no optimisation.

    With stages=2, the first 2 iterations are a coarse stage at 20 px.
    """
    images = [np.full((40, 40, 3), v, "f4") for v in (0.0, 0.5, 1.0)]
    history = {
        name: list(np.geomspace(100, 1, 11))
        for name in ("total", "content", "style", "tv")
    }
    if stages == 1:
        iterations = [Iteration(n, n, 10) for n in range(11)]
    else:
        iterations = [Iteration(n, n, 2, 1, 2, 20) for n in range(3)]
        iterations += [Iteration(2 + n, n, 8, 2, 2, 40) for n in range(1, 9)]
    settings = StyleTransferSettings(weights=weights, tv_weight=tv_weight)
    return StyleTransferResult(
        images[-1],
        snapshots=[(iterations[n], image) for n, image in zip((0, 5, 10), images)],
        history=history,
        iterations=iterations,
        settings=settings,
    )


def visible_titles(fig):
    return [ax.get_title() for ax in fig.axes if ax.get_title()]


def test_show_images_titles_each_panel():
    fig = plotting.show_images([np.zeros((40, 40, 3))] * 3, ["content", "style", "x"])
    assert visible_titles(fig) == ["content", "style", "x"]


def test_show_images_title_count_must_match():
    with pytest.raises(ValueError, match="2 images but 1 titles"):
        plotting.show_images([np.zeros((40, 40, 3))] * 2, ["only one"])


def test_image_grid_row_and_column_titles():
    rows = [[np.zeros((40, 40, 3))] * 5 for _ in range(3)]
    fig = plotting.image_grid(
        rows, row_titles=["a", "b", "c"], col_titles=[f"s{i}" for i in range(5)]
    )
    assert len(fig.axes) == 15
    assert [fig.axes[5 * r].get_ylabel() for r in range(3)] == ["a", "b", "c"]
    assert [fig.axes[c].get_title() for c in range(5)] == [f"s{i}" for i in range(5)]


def test_snapshot_grid_labels_iterations_and_flags_random_weights():
    fig = plotting.snapshot_grid(fake_run(), ncols=2)
    assert visible_titles(fig) == [
        "iteration 0 of 10",
        "iteration 5 of 10",
        "iteration 10 of 10",
    ]
    assert fig._suptitle.get_text() == plotting.RANDOM_WEIGHTS_NOTE
    staged = plotting.snapshot_grid(fake_run(stages=2), ncols=3)
    assert visible_titles(staged) == [
        "stage 1 of 2\niteration 0 of 2",
        "stage 2 of 2\niteration 3 of 8",
        "stage 2 of 2\niteration 8 of 8",
    ]


def test_loss_curves_mark_where_each_stage_starts():
    ax = plotting.loss_curves(fake_run(stages=2)).axes[0]
    boundaries = [line.get_xdata()[0] for line in ax.get_lines()[3:]]
    assert boundaries == [2]  # stage 2 starts from stage 1's last image
    assert [t.get_text() for t in ax.texts] == ["stage 2 of 2 (40 px)"]
    assert not plotting.loss_curves(fake_run()).axes[0].texts


def test_loss_curves_log_scale_with_three_curves(tmp_path):
    fig = plotting.loss_curves(fake_run())
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    assert [line.get_label() for line in ax.get_lines()] == [
        "$L_{total}$",
        "$L_{content}$",
        "$L_{style}$",
    ]
    fig_tv = plotting.loss_curves(fake_run(tv_weight=1.0))
    assert len(fig_tv.axes[0].get_lines()) == 4


def test_feature_maps_one_panel_per_filter(rng):
    features = rng.uniform(size=(1, 8, 8, 10)).astype("f4")
    fig = plotting.feature_maps(features, num_maps=6, ncols=3, title="block1_conv1")
    assert visible_titles(fig) == [f"filter {i}" for i in range(6)]
    shown = fig.axes[1].images[0].get_array()
    np.testing.assert_allclose(shown, features[0, :, :, 1])


def test_gram_heatmap_shows_the_matrix(rng):
    gram = gram_matrix(rng.uniform(size=(4, 4, 6)).astype("f4")).numpy()
    fig = plotting.gram_heatmap(gram, num_filters=4)
    np.testing.assert_allclose(fig.axes[0].images[0].get_array(), gram[:4, :4])


def test_feature_maps_and_gram_heatmap_flag_random_weights(rng):
    features = rng.uniform(size=(1, 8, 8, 4)).astype("f4")
    fig = plotting.feature_maps(
        features, num_maps=4, title="block1_conv1", untrained=True
    )
    assert fig._suptitle.get_text() == "block1_conv1\n" + plotting.RANDOM_WEIGHTS_NOTE
    assert plotting.feature_maps(features, title="x")._suptitle.get_text() == "x"
    heatmap = plotting.gram_heatmap(np.eye(3), untrained=True)
    assert heatmap._suptitle.get_text() == plotting.RANDOM_WEIGHTS_NOTE
