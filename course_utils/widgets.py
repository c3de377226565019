"""The playground: sliders and buttons that drive `stylize` live (notebook 06).

`Playground` only lays out controls and reacts to them; every formula lives in
`losses`, the run in `transfer.stylize`. A run happens on a background
thread, so the notebook stays responsive: the image, loss curves and progress
update while it runs, Stop ends it after the current iteration and keeps the
image so far, and controls changed during a run apply to the next one.
JupyterLab's kernel indicator cannot see that thread (it shows "Idle"), so the
playground shows its own state next to the buttons: Ready, Running, Finished,
Stopped or Failed. Works with ipywidgets 7.7 and 8, core widgets only.
"""

from __future__ import annotations

import io
import sys
import threading
import time
from pathlib import Path

import ipywidgets as w
import numpy as np
import tensorflow as tf
from PIL import Image

from course_utils import data, plotting, vgg
from course_utils.controls import CONTROLS, wide
from course_utils.images import load_image, png_bytes, save_image
from course_utils.messages import first_line
from course_utils.results import describe_stages
from course_utils.settings import StyleTransferSettings
from course_utils.transfer import stylize
from course_utils.views import VIEW_PX, loss_chart, placeholder_png, png

UPLOAD = "(your upload)"
STATES = {  # state: (badge text, badge colour)
    "ready": ("Ready", "#616161"),
    "running": ("Running", "#1565c0"),
    "finished": ("Finished", "#2e7d32"),
    "stopped": ("Stopped", "#e65100"),
    "failed": ("Failed", "#c62828"),
}
"""What the badge next to the buttons says, and in which colour."""


class Playground:
    """Controls for alpha, beta, layers and the run, with a live view.

    Args:
        weights: VGG19 weights, as for `stylize` (None: random, a code test).
        size, iterations: starting values of those sliders.
        style_layer_choices: layers offered as style layers (checkbox and
            weight each); the report's five are ticked.
        output_dir: where Save writes PNG files.
        update_seconds: how often the live image and curves redraw.
        background: run on a background thread, so Stop works (default: yes,
            except on Colab, where runs happen in the foreground and the
            cell's stop button ends them).
    """

    def __init__(
        self,
        weights="imagenet",
        size=256,
        iterations=300,
        style_layer_choices=vgg.STYLE_LAYERS,
        output_dir="outputs/playground",
        update_seconds=0.5,
        background=None,
    ):
        self.weights = weights
        self.is_trained = vgg.is_trained(vgg.weights_label(weights))
        # Colab does not show widget updates made from a background thread, so
        # there a run happens in the foreground: stop it with the cell's stop
        # button (the run keeps its image, as with Ctrl-C).
        self.background = (
            "google.colab" not in sys.modules if background is None else background
        )
        self.output_dir = Path(output_dir)
        self.update_seconds = update_seconds
        self.results = []  # finished (or stopped) runs, oldest first
        self._uploads = {}
        self._stop = threading.Event()
        self._thread = None
        self._history = {}  # losses of the run in progress
        self._run_settings = {}  # its settings, as read when Run was pressed
        self._started = 0.0  # when it started (time.perf_counter)
        self._last_draw = 0.0
        self._make_controls(size, iterations, style_layer_choices)
        self._make_views()
        self.widget = self._layout()
        self._set_state("ready", "Set the controls and press Run.")

    # -- what the buttons do -------------------------------------------------

    def run(self, *_):
        """Start a run with the current settings (ignored while one is running)."""
        if self.is_running:
            return
        try:
            settings = self.settings()
            StyleTransferSettings(**settings)  # check now, report in the status line
            content, style = self._image("content"), self._image("style")
        except (ValueError, TypeError, KeyError, RuntimeError, OSError) as err:
            self._set_state("failed", f"Cannot start: {err}")
            return
        self._stop.clear()
        self._started = time.perf_counter()
        self._run_settings = settings
        self.progress.max, self.progress.value = settings["iterations"], 0
        self._set_state("running", "building VGG19 and the targets ...")
        if not self.background:
            self._work(content, style, settings)
            return
        self._thread = threading.Thread(
            target=self._work, args=(content, style, settings), daemon=True
        )
        self._thread.start()

    def stop(self, *_):
        """Ask the run to end after its current iteration; it keeps its image."""
        self._stop.set()
        if self.state == "running":
            self.status.value = "Stopping after the current iteration ..."

    def wait(self, timeout=None) -> bool:
        """Block until the run ends; return True if none is running any more."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.is_running

    def save(self, *_):
        """Write the latest run's image to `output_dir` (and download it on Colab)."""
        if not self.results:
            self.status.value = "Nothing to save yet: press Run first."
            return None
        path = save_image(
            self.results[-1].image,
            self.output_dir / f"run_{len(self.results):02d}.png",
            untrained=not self.is_trained,
        )
        self.status.value = f"Saved {path}"
        if "google.colab" in sys.modules:
            from google.colab import files

            files.download(str(path))
        return path

    @property
    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def settings(self) -> dict:
        """The `stylize` settings the controls show now."""
        controlled = {
            name: CONTROLS[name].read(control)
            for name, control in self.controls.items()
        }
        return {
            **controlled,
            "weights": self.weights,
            "stages": 1,
            "snapshot_every": max(1, controlled["iterations"] // 10),
        }

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    # -- the run, on its own thread ------------------------------------------

    def _work(self, content, style, settings):
        try:
            result = stylize(
                content,
                style,
                callback=self._on_iteration,
                progress=False,
                stop=self._stop,
                **settings,
            )
            self.results.append(result)
            self._show(result.image, result.history, result.iterations_done, force=True)
            self._add_to_gallery(result)
            ending = "stopped" if result.stopped else "finished"
            self._set_state(ending, _summary(len(self.results), result))
        except Exception as err:  # shown to the student instead of lost in a thread
            self._set_state("failed", f"The run failed: {first_line(err, 300)}")
        finally:
            if self.state == "running":  # e.g. Ctrl-C on a run in the foreground
                self._set_state("stopped", "The run was interrupted.")

    def _on_iteration(self, iteration, losses, image):
        if iteration == 0:
            self._history = {name: [] for name in losses}
        for name, value in losses.items():
            self._history[name].append(value)
        self.progress.value = iteration
        self._show(image, self._history, iteration)

    def _show(self, image, history, iteration, force=False):
        if not history.get("total"):  # stopped before the first iteration
            self.image_view.value = png_bytes(image)
            return
        now = time.perf_counter()
        if not force and now - self._last_draw < self.update_seconds:
            return
        self._last_draw = now
        self.image_view.value = png_bytes(image)
        chart = loss_chart(history, self._run_settings, self.is_trained)
        self.loss_view.value = png(chart)
        elapsed = now - self._started
        self.status.value = (
            f"iteration {iteration} of {self.progress.max} · "
            f"{elapsed:.1f} s · L_total = {history['total'][-1]:.4g}"
        )

    def _set_state(self, state: str, text: str):
        """Show the state in the badge and `text` in the status line; while a
        run goes on, only Stop can be pressed."""
        self.state = state
        label, colour = STATES[state]
        self.badge.value = (
            f"<span style='background:{colour}; color:white; font-weight:bold; "
            f"padding:3px 10px; border-radius:10px'>{label}</span>"
        )
        self.status.value = text
        self.run_button.disabled = state == "running"
        self.stop_button.disabled = state != "running"

    def _add_to_gallery(self, result):
        s = result.settings
        caption = (
            f"<b>run {len(self.results)}</b><br>α = {s.alpha:.3g}, β = {s.beta:.3g}"
            f"<br>content {', '.join(s.content_layers)}"
            f"<br>{len(s.style_layers)} style layers, {result.iterations_done} it."
        )
        thumbnail = w.Image(
            value=png_bytes(result.image), format="png", layout=w.Layout(width="160px")
        )
        self.gallery.children = (
            *self.gallery.children,
            w.VBox([thumbnail, w.HTML(caption)]),
        )

    # -- images --------------------------------------------------------------

    def _image(self, role: str) -> np.ndarray:
        picker = self.content_picker if role == "content" else self.style_picker
        if picker.value == UPLOAD:
            return load_image(Image.open(io.BytesIO(self._uploads[role])))
        return data.sample_image(picker.value)

    def _on_upload(self, role, change):
        content = _uploaded_bytes(change["owner"])
        if content is None:
            return
        self._uploads[role] = content
        picker = self.content_picker if role == "content" else self.style_picker
        if UPLOAD not in picker.options:
            picker.options = (*picker.options, UPLOAD)
        picker.value = UPLOAD

    # -- building the widgets ------------------------------------------------

    def _make_controls(self, size, iterations, style_layer_choices):
        largest = 1024 if tf.config.list_physical_devices("GPU") else 512
        start = {
            "size": size,
            "largest": largest,
            "iterations": iterations,
            "style_layer_choices": style_layer_choices,
        }
        self.controls = {
            name: control.make(start) for name, control in CONTROLS.items()
        }
        self.ratio = w.HTML()
        for name in ("alpha", "beta"):
            self.controls[name].observe(lambda _: self._show_ratio(), names="value")
        self._show_ratio()
        self.content_picker = wide(
            w.Dropdown,
            "content",
            options=data.list_images("content"),
            value=data.DEFAULT_CONTENT,
        )
        self.style_picker = wide(
            w.Dropdown,
            "style",
            options=data.list_images("style"),
            value=data.DEFAULT_STYLE,
        )
        self.uploads = {
            role: w.FileUpload(
                accept="image/*",
                multiple=False,
                description=f"upload {role}",
                layout=w.Layout(width="200px"),
            )
            for role in ("content", "style")
        }
        for role, upload in self.uploads.items():
            upload.observe(
                lambda change, role=role: self._on_upload(role, change), names="value"
            )
        self.run_button = w.Button(
            description="Run", button_style="success", icon="play"
        )
        self.stop_button = w.Button(
            description="Stop", button_style="danger", icon="stop", disabled=True
        )
        self.save_button = w.Button(description="Save", icon="download")
        self.run_button.on_click(self.run)
        self.stop_button.on_click(self.stop)
        self.save_button.on_click(self.save)

    def _make_views(self):
        # Before the first run the views show what will appear there: an
        # ipywidgets Image without a value shows a broken-image icon.
        self.image_view = w.Image(
            value=placeholder_png("The image appears here.\nPress Run."),
            format="png",
            layout=w.Layout(width=f"{VIEW_PX}px"),
        )
        self.loss_view = w.Image(
            value=placeholder_png("The loss curves appear here.\nPress Run.", 0.9),
            format="png",
            layout=w.Layout(width=f"{VIEW_PX}px"),
        )
        both_views = {"width": "auto", "max_width": f"{2 * VIEW_PX + 4}px"}
        self.progress = w.IntProgress(
            value=0, min=0, max=1, layout=w.Layout(**both_views)
        )
        self.badge = w.HTML()
        self.status = w.Label(layout=w.Layout(**both_views))
        self.gallery = w.HBox(layout=_wrap())

    def _layout(self):
        column = {name: [] for name in ("weights", "layers", "run")}
        for name, control in self.controls.items():
            column[CONTROLS[name].column].append(control)
        weights = column["weights"]
        weights.insert(weights.index(self.controls["beta"]) + 1, self.ratio)
        images = [self.content_picker, self.uploads["content"], self.style_picker]
        images += [self.uploads["style"]]
        buttons = [self.run_button, self.stop_button, self.save_button, self.badge]
        banner = []
        if not self.is_trained:
            banner = [
                w.HTML(f"<b style='color:red'>{plotting.RANDOM_WEIGHTS_NOTE}</b>")
            ]
        return w.VBox(
            banner
            + [
                _columns(weights, column["layers"]),
                _columns(column["run"], images),
                w.HBox(buttons, layout=_wrap()),
                self.progress,
                self.status,
                w.HBox([self.image_view, self.loss_view], layout=_wrap()),
                w.HTML("<b>gallery</b>"),
                self.gallery,
            ]
        )

    def _show_ratio(self):
        alpha, beta = self.controls["alpha"].value, self.controls["beta"].value
        ratio = f"{alpha / beta:.3g}" if beta else "no style term (beta = 0)"
        self.ratio.value = f"&nbsp;alpha / beta = <b>{ratio}</b>"


def _wrap() -> w.Layout:
    """The layout of a row whose parts move to a new line when the page is narrow."""
    return w.Layout(flex_flow="row wrap")


def _columns(*columns) -> w.HBox:
    """Columns of controls side by side; on a narrow page they stack instead of
    being squeezed or cut off."""
    return w.HBox(
        [w.VBox(column, layout=w.Layout(flex="0 0 auto")) for column in columns],
        layout=_wrap(),
    )


def _summary(number: int, result) -> str:
    """One status line for a finished or stopped run."""
    ending = "stopped" if result.stopped else "finished"
    text = (
        f"Run {number} {ending} after {describe_stages(result.iterations)} in "
        f"{result.wall_time:.1f} s"
    )
    reason = result.stopped or result.note
    return text + (f" ({reason})" if reason else "")


def _uploaded_bytes(upload) -> bytes | None:
    """The last uploaded file's bytes, for ipywidgets 7 (a dict) and 8 (a tuple)."""
    value = upload.value
    items = list(value.values()) if isinstance(value, dict) else list(value)
    if not items:
        return None
    return bytes(items[-1]["content"])
