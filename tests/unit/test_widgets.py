"""The playground driven without a browser: set controls, press Run and Stop."""

import dataclasses
import datetime
import io
import re
import time

import ipywidgets
import numpy as np
import pytest
from PIL import Image

from course_utils import vgg
from course_utils.captions import RANDOM_WEIGHTS_NOTE, note_in
from course_utils.controls import CONTROLLED, LEFT_OUT, PowerOfTen
from course_utils.images import png_bytes
from course_utils.settings import StyleTransferSettings
from course_utils.views import VIEW_PX, loss_chart, png
from course_utils.widgets import UPLOAD, Playground, _uploaded_bytes

pytestmark = pytest.mark.filterwarnings("ignore:VGG19 has RANDOM")


@pytest.fixture
def playground(tmp_path):
    playground = Playground(
        weights=None,
        size=64,
        iterations=6,
        output_dir=tmp_path / "saved",
        update_seconds=0,
    )
    yield playground
    playground.stop()
    playground.wait(30)


def wait_for(condition, seconds=60):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_default_controls_are_the_report_settings(playground):
    settings = playground.settings()
    assert settings["alpha"] == 1.0 and settings["beta"] == 1e3
    assert settings["content_layers"] == ["block4_conv1"]
    assert settings["style_layers"] == {name: 0.2 for name in vgg.STYLE_LAYERS}
    assert settings["init"] == "mixed" and settings["noise_ratio"] == 0.7


def test_controls_map_to_settings_and_ratio(playground):
    playground.controls["alpha"].value = 1e-2
    playground.controls["beta"].value = 10.0
    assert "<b>0.001</b>" in playground.ratio.value
    playground.controls["style_layers"].boxes["block5_conv1"].value = False
    playground.controls["style_layers"].weights["block1_conv1"].value = 2.0
    playground.controls["content_layers"].value = "block2_conv2"
    settings = playground.settings()
    assert settings["style_layers"] == {
        "block1_conv1": 0.4,
        "block2_conv1": 0.2,
        "block3_conv1": 0.2,
        "block4_conv1": 0.2,
    }
    assert settings["content_layers"] == ["block2_conv2"]


def test_run_updates_image_progress_history_and_gallery(playground):
    before = playground.image_view.value
    playground.run_button.click()
    assert playground.stop_button.disabled is False
    assert playground.wait(120)
    result = playground.results[-1]
    assert result.iterations_done == 6 and result.stopped is None
    assert playground.image_view.value != before
    assert playground.image_view.value == png_bytes(result.image)
    assert playground.progress.value == 6 and len(playground.loss_view.value) > 0
    assert len(playground.gallery.children) == 1
    assert playground.status.value.startswith("Run 1 finished after 6 iterations")
    assert playground.run_button.disabled is False and playground.stop_button.disabled
    assert playground.state == "finished" and ">Finished<" in playground.badge.value


def test_stop_ends_a_run_quickly_and_keeps_the_image(playground):
    playground.controls["iterations"].value = 2000
    playground.run_button.click()
    wait_for(lambda: playground.progress.value >= 3)
    at_press = playground.progress.value
    playground.stop_button.click()
    assert playground.wait(30), "the run did not stop"
    result = playground.results[-1]
    assert result.stopped == "stopped on request"
    # the iteration in progress ends (one more may have begun as it was read)
    assert at_press <= result.iterations_done <= at_press + 2
    assert playground.image_view.value == png_bytes(result.image)
    assert "stopped after" in playground.status.value
    assert playground.state == "stopped" and ">Stopped<" in playground.badge.value


@pytest.mark.slow  # a whole 30-iteration run
def test_changing_controls_during_a_run_changes_only_the_next(playground):
    playground.controls["iterations"].value = 30
    playground.run_button.click()
    playground.controls["alpha"].value = 5.0
    playground.controls["size"].value = 96
    playground.run_button.click()  # ignored while running
    assert playground.wait(120)
    assert len(playground.results) == 1
    first = playground.results[0]
    assert first.settings.alpha == 1.0 and first.image.shape[:2] == (43, 64)


def test_bad_settings_are_reported_not_run(playground):
    for box in playground.controls["style_layers"].boxes.values():
        box.value = False
    playground.run_button.click()
    assert not playground.is_running
    assert playground.status.value.startswith(
        "Cannot start: The style layers are empty"
    )


def test_upload_becomes_the_content_image(playground, rng):
    pixels = rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    content = buffer.getvalue()
    if int(ipywidgets.__version__.split(".")[0]) >= 8:
        value = (
            {
                "name": "mine.png",
                "type": "image/png",
                "size": len(content),
                "content": memoryview(content),
                "last_modified": datetime.datetime.now(),
            },
        )
    else:  # ipywidgets 7: {name: {"content": bytes, "metadata": {...}}}
        value = {"mine.png": {"content": content, "metadata": {"name": "mine.png"}}}
    playground.uploads["content"].set_trait("value", value)  # read-only in 7
    assert playground.content_picker.value == UPLOAD
    np.testing.assert_allclose(playground._image("content"), pixels / 255.0, atol=1e-7)


def test_uploaded_bytes_reads_ipywidgets_7_and_8():
    class Upload:  # the two shapes FileUpload.value takes
        def __init__(self, value):
            self.value = value

    assert _uploaded_bytes(Upload({"a.png": {"content": b"v7"}})) == b"v7"
    assert _uploaded_bytes(Upload(({"content": memoryview(b"v8")},))) == b"v8"
    assert _uploaded_bytes(Upload(())) is None


def test_save_writes_the_latest_image(playground, tmp_path):
    assert playground.save() is None and "press Run" in playground.status.value
    playground.run()
    playground.wait(120)
    path = playground.save()
    assert path == tmp_path / "saved" / "run_01.png" and path.is_file()
    assert note_in(path) == RANDOM_WEIGHTS_NOTE


def test_random_weights_banner(playground):
    banner = playground.widget.children[0]
    assert "random weights" in banner.value
    trained = Playground(weights="imagenet")  # builds controls only, loads nothing
    assert "random weights" not in getattr(trained.widget.children[0], "value", "")


def test_foreground_mode_runs_in_the_calling_thread(tmp_path):
    playground = Playground(
        weights=None, size=64, iterations=3, background=False, output_dir=tmp_path
    )
    playground.run_button.click()  # returns when the run is over
    assert not playground.is_running and len(playground.results) == 1
    assert playground.status.value.startswith("Run 1 finished after 3 iterations")


def test_a_failing_run_is_reported_in_the_status(playground, monkeypatch):
    monkeypatch.setattr(playground, "_image", lambda role: np.zeros((40, 40, 3), "f4"))

    def broken(*args, **kwargs):
        raise RuntimeError("OOM when allocating tensor\n" + "details " * 200)

    monkeypatch.setattr("course_utils.widgets.stylize", broken)
    playground.run()
    assert playground.wait(10)
    assert playground.status.value == "The run failed: OOM when allocating tensor"
    assert playground.run_button.disabled is False
    assert playground.state == "failed" and ">Failed<" in playground.badge.value


def test_stop_during_set_up_ends_before_the_first_iteration(playground):
    playground.controls["iterations"].value = 2000
    playground.run_button.click()
    playground.stop_button.click()  # at once, while VGG19 is being built
    assert playground.wait(60)
    result = playground.results[-1]
    assert result.stopped == "stopped on request" and result.iterations_done <= 1


def test_every_setting_is_a_control_or_left_out_with_a_reason(playground):
    fields = {f.name: f for f in dataclasses.fields(StyleTransferSettings)}
    assert set(CONTROLLED) | set(LEFT_OUT) == set(fields)
    assert not set(CONTROLLED) & set(LEFT_OUT)
    assert all(len(reason) > 10 for reason in LEFT_OUT.values())
    assert set(playground.settings()) >= set(CONTROLLED)


def test_controls_stay_within_each_setting_s_valid_values(playground):
    fields = {f.name: f.metadata for f in dataclasses.fields(StyleTransferSettings)}
    for name in CONTROLLED:
        meta, control = fields[name], playground.controls[name]
        if isinstance(control, PowerOfTen):  # alpha, beta: slider and typed value
            low, high = 10.0**control.exponent.min, 10.0**control.exponent.max
            assert control.text.min == meta["low"], name
        elif isinstance(control, ipywidgets.FloatLogSlider):
            low, high = control.base**control.min, control.base**control.max
        elif isinstance(control, (ipywidgets.FloatSlider, ipywidgets.IntSlider)):
            low, high = control.min, control.max
        elif isinstance(control, ipywidgets.SelectionSlider):
            low, high = min(control.options), max(control.options)
        elif isinstance(control, ipywidgets.Dropdown):  # every option is accepted
            for option in control.options:
                control.value = option
                StyleTransferSettings(**playground.settings())
            assert set(control.options) <= set(meta.get("choices", control.options))
            continue
        else:  # the layer controls: checked by test_default_controls_...
            continue
        assert meta["low"] is None or low >= meta["low"], (name, low)
        assert meta["high"] is None or high <= meta["high"], (name, high)
        assert not meta["strict"] or low > meta["low"], (name, low)


def test_controls_start_at_the_settings_defaults(playground):
    chosen = StyleTransferSettings(**playground.settings())
    default = StyleTransferSettings(weights=None)
    for name in CONTROLLED:
        if name not in ("iterations", "size"):  # the playground's are smaller
            assert getattr(chosen, name) == getattr(default, name), name


def test_dragging_the_alpha_exponent_to_minus_2_sets_alpha_to_0_01(playground):
    playground.controls[
        "alpha"
    ].exponent.value = -2  # what a drag (or two left arrows) does
    assert playground.settings()["alpha"] == 0.01
    assert playground.controls["alpha"].text.value == 0.01
    assert playground.controls["alpha"].readout.value == "10<sup>&minus;2</sup> ="
    assert "<b>1e-05</b>" in playground.ratio.value  # 0.01 / 1000


def test_typing_1e3_moves_the_slider_to_3(playground):
    playground.controls["alpha"].text.value = 1e3  # the box reads "1e3" as 1000
    assert playground.controls["alpha"].exponent.value == 3
    assert playground.settings()["alpha"] == 1000.0


def test_a_typed_value_between_powers_is_kept_exactly(playground):
    playground.controls["beta"].text.value = 3000.0
    assert playground.settings()["beta"] == 3000.0
    assert playground.controls["beta"].exponent.value == 3  # the nearest power, 10^3.48
    assert playground.controls["beta"].readout.value == "10<sup>3.48</sup> ="


def test_beta_0_is_allowed_and_the_ratio_says_so(playground):
    playground.controls["beta"].text.value = 0.0
    assert playground.settings()["beta"] == 0.0
    assert "no style term" in playground.ratio.value
    assert StyleTransferSettings(**playground.settings()).beta == 0.0


def test_views_show_placeholder_pngs_before_the_first_run(playground):
    views = {"image": playground.image_view, "loss": playground.loss_view}
    for name, view in views.items():
        picture = Image.open(io.BytesIO(view.value))
        picture.load()  # raises on broken bytes
        assert picture.format == "PNG" and picture.width == VIEW_PX, name
        grey = np.asarray(picture.convert("L"))
        assert 0 < np.mean(grey < 128) < 0.2, f"{name}: no text on the grey"
    assert playground.image_view.value != playground.loss_view.value
    assert playground.state == "ready" and ">Ready<" in playground.badge.value


def test_loss_placeholder_is_the_size_of_the_chart_that_replaces_it(playground):
    history = {name: [3.0, 2.0] for name in ("total", "content", "style", "tv")}
    chart = png(loss_chart(history, playground.settings(), is_trained=False))
    placeholder = playground.loss_view.value
    assert (
        Image.open(io.BytesIO(chart)).size == Image.open(io.BytesIO(placeholder)).size
    )


def test_status_says_running_with_the_iteration_then_finished(playground):
    seen = []  # (state, status line) at every change of the status line
    playground.status.observe(
        lambda change: seen.append((playground.state, change["new"])), names="value"
    )
    playground.run_button.click()
    assert playground.state == "running" and ">Running<" in playground.badge.value
    assert playground.run_button.disabled and not playground.stop_button.disabled
    assert playground.wait(120)
    during = [text for state, text in seen if state == "running"]
    assert during[0] == "building VGG19 and the targets ..."
    lines = [
        re.match(r"iteration (\d+) of 6 · [\d.]+ s · L_total = ", t) for t in during[1:]
    ]
    numbers = [int(line.group(1)) for line in lines]
    assert numbers == sorted(numbers) and set(numbers) == set(range(7)), numbers
    assert seen[-1][0] == "finished" and playground.state == "finished"


def test_a_run_gets_exactly_the_alpha_and_beta_the_student_set(playground):
    playground.controls["alpha"].exponent.value = -2  # dragged
    playground.controls["beta"].text.value = 2.5e4  # typed
    playground.controls["tv_weight"].value = 1.0
    playground.run()
    assert playground.wait(120)
    result = playground.results[-1]
    assert (result.settings.alpha, result.settings.beta) == (0.01, 2.5e4)
    # What the loss chart draws adds up: L_total = alpha L_content + beta L_style
    # + tv_weight L_TV, with the history's "tv" unweighted.
    history = {name: np.array(values) for name, values in result.history.items()}
    terms = 0.01 * history["content"] + 2.5e4 * history["style"] + 1.0 * history["tv"]
    np.testing.assert_allclose(terms, history["total"], rtol=1e-5)
    caption = playground.gallery.children[-1].children[1].value
    assert "α = 0.01, β = 2.5e+04" in caption
