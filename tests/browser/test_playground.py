"""The playground in a real JupyterLab, driven through Chromium (see conftest.py).

Starts its own JupyterLab on 127.0.0.1 (with a token, news off), opens
notebook 06 with small parameters and random weights, runs all cells, and
checks what a student sees: placeholders, not broken images, before the first
run; no text cut off; alpha set to 0.01 by dragging its slider and with the
arrow keys, beta to 1e4 by typing; the "Running" badge and the iteration count
during a run; "Stopped" after Stop and "Finished" after a short run. Screenshots
of the playground at each of these steps go to test-artifacts/; the last
one is at a small laptop's width, where the columns stack and nothing is cut.
"""

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request

import papermill
import pytest

from tests.conftest import REPO

# Starts JupyterLab and Chromium: in `make test-all`, not the fast lane.
pytestmark = pytest.mark.slow

ARTIFACTS = REPO / "test-artifacts"

playwright_api = pytest.importorskip("playwright.sync_api")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    """A JupyterLab server serving a small copy of notebook 06; yields (url, token)."""
    root = tmp_path_factory.mktemp("lab")
    papermill.execute_notebook(  # parameters set as papermill sets them; not run
        REPO / "notebooks" / "06_playground.ipynb",
        root / "playground.ipynb",
        parameters={
            "SIZE": 64,
            "ITERATIONS": 400,
            "WEIGHTS": None,
            "OUTPUT_DIR": str(root / "saved"),
        },
        prepare_only=True,
    )
    settings = root / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    port, token = free_port(), secrets.token_hex(16)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            "--allow-root",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            f"--LabApp.user_settings_dir={root / 'settings'}",
            f"--LabApp.workspaces_dir={root / 'workspaces'}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=open(root / "server.log", "w"),
        env={**os.environ, "JUPYTER_RUNTIME_DIR": str(root / "runtime")},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(url, token, server)
        yield url, token
    finally:
        request = urllib.request.Request(
            f"{url}/api/shutdown",
            method="POST",
            headers={"Authorization": f"token {token}"},
        )
        try:
            urllib.request.urlopen(request, timeout=10)
            server.wait(timeout=30)
        except Exception:
            server.kill()


def wait_until_ready(url, token, server, seconds=90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, "JupyterLab exited; see server.log"
        try:
            urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError("JupyterLab did not start")


def test_playground_runs_and_stops_in_jupyterlab(chromium, jupyterlab):
    url, token = jupyterlab
    ARTIFACTS.mkdir(exist_ok=True)
    page = chromium.new_page(viewport={"width": 1280, "height": 1500})
    try:
        drive_playground(page, f"{url}/lab/tree/playground.ipynb?token={token}")
    finally:
        page.screenshot(path=str(ARTIFACTS / "playground.png"), full_page=True)
        page.close()


# Widget parts whose text must be whole: ipywidgets cuts labels off with "..."
# and boxes grow scroll bars when what they hold does not fit.
CLIPPED = """() => Array.from(document.querySelectorAll(
    '.jp-OutputArea-output :is(.widget-label, .widget-html, .widget-html-content,'
    + ' .widget-readout, .widget-button, .widget-box)'))
  .filter((e) => e.offsetParent !== null)
  .filter((e) => e.scrollWidth > e.clientWidth + 1
    || e.scrollHeight > e.clientHeight + 1)
  .map((e) => `${e.className} (${e.scrollWidth} x ${e.scrollHeight} in`
    + ` ${e.clientWidth} x ${e.clientHeight}): ${e.textContent.trim().slice(0, 60)}`)"""

BROKEN_IMAGES = """() => Array.from(document.querySelectorAll('img.widget-image'))
  .filter((img) => !(img.complete && img.naturalWidth > 0)).length"""


def drive_playground(page, address):
    expect = playwright_api.expect
    # JupyterLab now and then asks which kernel to start: the notebook's own.
    page.add_locator_handler(
        page.locator(".jp-Dialog", has_text="Select Kernel"),
        lambda dialog: dialog.locator(".jp-mod-accept").click(),
    )
    page.goto(address)
    page.wait_for_selector(".jp-Notebook", timeout=60_000)
    page.locator(".jp-Notebook").click()
    page.locator("li.lm-MenuBar-item", has_text="Run").click()
    page.locator('li.lm-Menu-item[data-command="runmenu:run-all"]').click()

    run = page.locator(".widget-button", has_text=re.compile(r"^\s*Run\s*$"))
    stop = page.locator(".widget-button", has_text=re.compile(r"^\s*Stop\s*$"))
    badge = page.locator(
        ".widget-html",
        has_text=re.compile(r"^(Ready|Running|Finished|Stopped|Failed)$"),
    )
    status = run.locator("xpath=../following-sibling::*[2]")  # below the progress bar
    playground = page.locator(".jp-OutputArea-output", has=run)
    expect(run).to_be_visible(timeout=180_000)
    expect(page.locator(".widget-checkbox", has_text="block3_conv1")).to_be_visible()
    expect(badge).to_have_text("Ready")
    expect(page.locator("img.widget-image")).to_have_count(2)
    page.wait_for_function(f"() => ({BROKEN_IMAGES})() === 0", timeout=10_000)
    assert page.evaluate(CLIPPED) == []
    playground.screenshot(path=str(ARTIFACTS / "playground-1-ready.png"))

    set_alpha_to_0_01_by_dragging_and_keys(page, expect)
    beta = power_of_ten_row(page, "beta (style)")
    beta.locator("input").click()
    page.keyboard.press("Control+A")
    page.keyboard.type("1e4")
    page.keyboard.press("Enter")
    expect(beta.locator(".widget-html")).to_have_text("104 =")  # 10<sup>4</sup>
    expect(page.locator(".widget-html", has_text="alpha / beta")).to_contain_text(
        "1e-06"
    )

    before = page.locator("img.widget-image").nth(1).get_attribute("src")
    run.click()
    expect(badge).to_have_text("Running", timeout=10_000)
    expect(run).to_be_disabled()
    expect(stop).to_be_enabled()
    expect(status).to_contain_text(
        re.compile(r"iteration ([3-9]|\d\d+) of 400"), timeout=120_000
    )
    page.wait_for_function(  # the loss chart replaced its placeholder
        "(old) => document.querySelectorAll('img.widget-image')[1].src !== old",
        arg=before or "",
        timeout=30_000,
    )
    playground.screenshot(path=str(ARTIFACTS / "playground-2-running.png"))
    stop.click()
    expect(badge).to_have_text("Stopped", timeout=10_000)
    expect(status).to_contain_text("stopped after")
    expect(status).to_contain_text("stopped on request")
    expect(run).to_be_enabled()
    expect(stop).to_be_disabled()
    playground.screenshot(path=str(ARTIFACTS / "playground-3-stopped.png"))

    type_into_readout(page, "iterations", "5")
    run.click()
    expect(badge).to_have_text("Finished", timeout=120_000)
    expect(status).to_contain_text("Run 2 finished after 5 iterations")
    gallery = page.locator(".widget-html", has_text="run 2")
    expect(gallery).to_contain_text("α = 0.01, β = 1e+04")
    assert page.evaluate(CLIPPED) == []
    gallery.scroll_into_view_if_needed()
    playground.screenshot(path=str(ARTIFACTS / "playground-4-finished.png"))

    page.set_viewport_size({"width": 1024, "height": 1400})  # a small laptop
    page.wait_for_timeout(500)  # JupyterLab lays the page out again
    assert page.evaluate(CLIPPED) == []
    playground.screenshot(path=str(ARTIFACTS / "playground-5-narrow.png"))


def power_of_ten_row(page, description):
    """The row of a PowerOfTen control: exponent slider, readout, typed value."""
    slider = page.locator(
        ".widget-slider", has=page.locator(".widget-label", has_text=description)
    )
    return slider.locator("xpath=..")


def set_alpha_to_0_01_by_dragging_and_keys(page, expect):
    """Drag the exponent slider from 0 to -2, then step it with the arrow keys."""
    alpha = power_of_ten_row(page, "alpha (content)")
    value, readout = alpha.locator("input"), alpha.locator(".widget-html")
    handle = alpha.locator(".noUi-handle, .ui-slider-handle")
    track = alpha.locator(".noUi-base, .ui-slider").bounding_box()
    start = handle.bounding_box()
    x = track["x"] + track["width"] * (-2 - -5) / (3 - -5)  # exponents -5 ... 3
    y = start["y"] + start["height"] / 2
    page.mouse.move(start["x"] + start["width"] / 2, y)
    page.mouse.down()
    page.mouse.move(x, y, steps=10)
    page.mouse.up()
    expect(value).to_have_value("0.01")
    expect(readout).to_have_text("10−2 =")  # 10<sup>−2</sup>
    handle.focus()
    page.keyboard.press("ArrowRight")
    expect(value).to_have_value("0.1")
    page.keyboard.press("ArrowLeft")
    expect(value).to_have_value("0.01")
    expect(page.locator(".widget-html", has_text="alpha / beta")).to_contain_text(
        "1e-05"
    )


def type_into_readout(page, description, text):
    """Type a value into a slider's readout, as a student can."""
    slider = page.locator(
        ".widget-slider", has=page.locator(".widget-label", has_text=description)
    )
    slider.locator(".widget-readout").click()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    playwright_api.expect(slider.locator(".widget-readout")).to_have_text(text)
