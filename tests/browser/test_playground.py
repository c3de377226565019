"""The playground in a real JupyterLab, driven through Debian's Chromium.

Starts its own JupyterLab on 127.0.0.1 (with a token, news off), opens
notebook 06 with small parameters and random weights, runs all cells, sets
alpha, presses Run, waits for the live image and the iteration count to move,
presses Stop, and saves a screenshot to test-artifacts/playground.png.
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

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = REPO / "test-artifacts"

playwright_api = pytest.importorskip("playwright.sync_api")
if not os.path.exists(CHROMIUM):
    if os.environ.get("CI") == "true":
        pytest.fail(f"{CHROMIUM} is missing; .ci/run installs it", pytrace=False)
    pytest.skip(
        f"needs Debian's Chromium at {CHROMIUM}: sudo apt-get install chromium",
        allow_module_level=True,
    )


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


def test_playground_runs_and_stops_in_jupyterlab(jupyterlab):
    url, token = jupyterlab
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 1500})
        try:
            drive_playground(page, f"{url}/lab/tree/playground.ipynb?token={token}")
        finally:
            page.screenshot(path=str(ARTIFACTS / "playground.png"), full_page=True)
            browser.close()


def drive_playground(page, address):
    expect = playwright_api.expect
    page.goto(address)
    page.wait_for_selector(".jp-Notebook", timeout=60_000)
    page.locator(".jp-Notebook").click()
    page.locator("li.lm-MenuBar-item", has_text="Run").click()
    page.locator('li.lm-Menu-item[data-command="runmenu:run-all"]').click()

    run = page.locator(".widget-button", has_text=re.compile(r"^\s*Run\s*$"))
    stop = page.locator(".widget-button", has_text=re.compile(r"^\s*Stop\s*$"))
    expect(run).to_be_visible(timeout=180_000)
    expect(page.locator(".widget-label", has_text="alpha (content)")).to_be_visible()
    expect(page.locator(".widget-checkbox", has_text="block3_conv1")).to_be_visible()

    alpha = page.locator(
        ".widget-slider", has=page.locator(".widget-label", has_text="alpha (content)")
    )
    readout = alpha.locator(".widget-readout")
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("0.01")
    page.keyboard.press("Enter")
    expect(page.locator(".widget-html", has_text="alpha / beta")).to_contain_text(
        "1e-05"
    )

    image = page.locator("img.widget-image").first
    before = image.get_attribute("src")
    run.click()
    status = page.locator("div.widget-label", has_text="iteration")
    expect(status).to_contain_text(
        re.compile(r"iteration ([3-9]|\d\d+) /"), timeout=120_000
    )
    page.wait_for_function(
        "(old) => document.querySelector('img.widget-image').src !== old",
        arg=before or "",
        timeout=30_000,
    )
    stop.click()
    expect(page.locator("div.widget-label", has_text="stopped after")).to_be_visible(
        timeout=10_000
    )
    expect(run).to_be_enabled()
    expect(stop).to_be_disabled()
    assert (
        "stopped on request"
        in page.locator("div.widget-label", has_text="stopped after").inner_text()
    )
    page.locator(".widget-html", has_text="gallery").scroll_into_view_if_needed()
