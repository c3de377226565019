"""Figures: right panels, right labels, and the random-weights warning."""

import dataclasses

import matplotlib
import matplotlib.figure
import numpy as np
import pytest

from course_utils import plotting
from course_utils.losses import gram_matrix
from course_utils.results import Iteration, StyleTransferResult
from course_utils.settings import StyleTransferSettings

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    matplotlib.pyplot.close("all")


def fake_run(weights=None, tv_weight=0.0, stages=1):
    """A hand-made result: three snapshots and a falling loss, no optimisation.

    With stages=2, the first 2 iterations are a coarse stage at 32 px,
    which weighs L_content 4 times as much (alpha = 4).
    """
    images = [np.full((40, 40, 3), v, "f4") for v in (0.0, 0.5, 1.0)]
    history = {
        name: list(np.geomspace(100, 1, 11))
        for name in ("total", "content", "style", "tv")
    }
    settings = StyleTransferSettings(weights=weights, tv_weight=tv_weight)
    if stages == 1:
        iterations = [Iteration(n, n, 10) for n in range(11)]
        plan = [settings]
    else:
        iterations = [Iteration(n, n, 2, 1, 2, 32) for n in range(3)]
        iterations += [Iteration(2 + n, n, 8, 2, 2, 64) for n in range(1, 9)]
        plan = [
            dataclasses.replace(settings, size=32, iterations=2, alpha=4.0),
            dataclasses.replace(settings, size=64, iterations=8),
        ]
    return StyleTransferResult(
        images[-1],
        snapshots=[(iterations[n], image) for n, image in zip((0, 5, 10), images)],
        history=history,
        iterations=iterations,
        stages=plan,
        settings=settings,
    )


def suptitle(fig) -> str:
    """The figure's title, its line breaks (it is wrapped) read as spaces."""
    return " ".join(fig.get_suptitle().split())


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


def test_gallery_content_style_and_result_in_each_row():
    content, styles = np.zeros((30, 40, 3)), [np.ones((40, 40, 3))] * 2
    runs = [fake_run(), fake_run()]
    fig = plotting.gallery(content, styles, runs, ["brick", "grass"])
    assert len(fig.axes) == 6
    assert [fig.axes[c].get_title() for c in range(3)] == ["content", "style", "result"]
    assert [fig.axes[3 * r].get_ylabel() for r in range(2)] == ["brick", "grass"]
    shown = [ax.get_images()[0].get_array() for ax in fig.axes[3:]]
    for actual, expected in zip(shown, [content, styles[1], runs[1].image]):
        np.testing.assert_array_equal(actual, expected)
    assert suptitle(fig) == plotting.RANDOM_WEIGHTS_NOTE
    trained = plotting.gallery(content, styles[:1], [fake_run("imagenet")], ["a"])
    assert suptitle(trained) == ""


def test_gallery_wants_one_result_and_title_per_style():
    with pytest.raises(ValueError, match="2 style images, 1 results and 2 titles"):
        plotting.gallery(np.zeros((8, 8, 3)), [np.zeros((8, 8, 3))] * 2, [1], "ab")


def test_snapshot_grid_labels_iterations_and_flags_random_weights():
    fig = plotting.snapshot_grid(fake_run(), ncols=2)
    assert visible_titles(fig) == [
        "iteration 0 of 10",
        "iteration 5 of 10",
        "iteration 10 of 10",
    ]
    assert suptitle(fig) == plotting.RANDOM_WEIGHTS_NOTE
    staged = plotting.snapshot_grid(fake_run(stages=2), ncols=3)
    assert visible_titles(staged) == [
        "stage 1 of 2\niteration 0 of 2",
        "stage 2 of 2\niteration 3 of 8",
        "stage 2 of 2\niteration 8 of 8",
    ]


def test_loss_curves_mark_where_each_stage_starts():
    run = fake_run(stages=2)
    ax = plotting.loss_curves(run).axes[0]
    content = ax.get_lines()[1].get_ydata()  # alpha * L_content, alpha by stage
    np.testing.assert_allclose(content[:3], 4.0 * np.array(run.history["content"][:3]))
    np.testing.assert_allclose(content[3:], run.history["content"][3:])
    boundaries = [line.get_xdata()[0] for line in ax.get_lines()[3:]]
    assert boundaries == [2]  # stage 2 starts from stage 1's last image
    assert [t.get_text() for t in ax.texts] == ["stage 2 of 2 (64 px)"]
    assert not plotting.loss_curves(fake_run()).axes[0].texts


def test_loss_curves_log_scale_with_the_run_s_weighted_terms(tmp_path):
    run = fake_run()  # alpha = 1, beta = 1e3, tv_weight = 0: the defaults
    ax = plotting.loss_curves(run).axes[0]
    assert ax.get_yscale() == "log"
    assert [line.get_label() for line in ax.get_lines()] == [
        "$L_{total}$",
        r"$\alpha \cdot L_{content}$, $\alpha$ = 1",
        r"$\beta \cdot L_{style}$, $\beta$ = 1000",
    ]
    style_line = ax.get_lines()[2]
    np.testing.assert_allclose(style_line.get_ydata(), 1e3 * np.geomspace(100, 1, 11))
    fig_tv = plotting.loss_curves(fake_run(tv_weight=1.0))
    assert len(fig_tv.axes[0].get_lines()) == 4


def test_draw_losses_terms_are_weighted_and_add_up_to_the_total():
    history = {  # L_total = 2 * content + 10 * style + 4 * tv, by hand
        "total": [12.0, 10.0],
        "content": [3.0, 2.0],
        "style": [0.5, 0.4],
        "tv": [0.25, 0.5],
    }
    ax = matplotlib.figure.Figure().subplots()
    plotting.draw_losses(ax, history, alpha=2.0, beta=10.0, tv_weight=4.0)
    drawn = {line.get_label().split("$")[1]: line.get_ydata() for line in ax.lines}
    expected = {
        "L_{total}": [12.0, 10.0],
        r"\alpha \cdot L_{content}": [6.0, 4.0],
        r"\beta \cdot L_{style}": [5.0, 4.0],
        r"\lambda_{TV} \cdot L_{TV}": [1.0, 2.0],
    }
    assert drawn.keys() == expected.keys()
    for name, values in expected.items():
        np.testing.assert_allclose(drawn[name], values, err_msg=name)
    terms = [values for name, values in drawn.items() if name != "L_{total}"]
    np.testing.assert_allclose(np.sum(terms, axis=0), drawn["L_{total}"])


def test_draw_losses_takes_one_alpha_per_iteration():
    history = {  # a coarse stage at alpha = 4, then the full size at alpha = 1
        "total": [4 * 3.0 + 2.0, 1 * 2.0 + 1.0],
        "content": [3.0, 2.0],
        "style": [2.0, 1.0],
    }
    ax = matplotlib.figure.Figure().subplots()
    plotting.draw_losses(ax, history, alpha=[4.0, 1.0], beta=1.0)
    total, content, style = ax.lines
    np.testing.assert_allclose(content.get_ydata(), [12.0, 2.0])
    np.testing.assert_allclose(content.get_ydata() + style.get_ydata(), [14.0, 3.0])
    assert content.get_label().endswith("$\\alpha$ = 4 → 1")


def test_draw_losses_leaves_out_terms_weighted_0():
    history = {name: [1.0, 0.5] for name in ("total", "content", "style", "tv")}
    ax = matplotlib.figure.Figure().subplots()
    plotting.draw_losses(ax, history, alpha=0.0, beta=1.0)  # tv_weight 0 too
    assert [line.get_label() for line in ax.lines] == [
        "$L_{total}$",
        r"$\beta \cdot L_{style}$, $\beta$ = 1",
    ]


def test_draw_losses_keeps_a_term_that_is_0_at_some_iterations():
    """init="content": L_content is exactly 0 at iteration 0, then grows."""
    history = {
        "total": [4.0, 3.0, 2.0],
        "content": [0.0, 1.0, 0.5],
        "style": [4, 2, 1.5],
    }
    ax = matplotlib.figure.Figure().subplots()
    plotting.draw_losses(ax, history, alpha=1.0, beta=1.0)
    content = ax.lines[1].get_ydata()
    assert np.isnan(content[0]) and list(content[1:]) == [1.0, 0.5]


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
    assert suptitle(fig) == "block1_conv1 " + plotting.RANDOM_WEIGHTS_NOTE
    assert suptitle(plotting.feature_maps(features, title="x")) == "x"
    heatmap = plotting.gram_heatmap(np.eye(3), untrained=True)
    assert suptitle(heatmap) == plotting.RANDOM_WEIGHTS_NOTE
