"""Chromium for the browser tests: Debian's at /usr/bin/chromium where it exists,
else playwright's own (`python -m playwright install chromium`, as on GitHub's
runners, which have no Debian Chromium)."""

import os

import pytest

CHROMIUM = "/usr/bin/chromium"

playwright_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def chromium():
    """A headless Chromium (playwright Browser) for the module's tests.

    Put it first among a test's fixtures: without a browser the test is skipped
    (failed in CI) before the slower fixtures start.
    """
    with playwright_api.sync_playwright() as playwright:
        debian = os.path.exists(CHROMIUM)
        if not debian and not os.path.exists(playwright.chromium.executable_path):
            if os.environ.get("CI") == "true":
                pytest.fail(
                    f"no Chromium: {CHROMIUM} is missing (.ci/run installs it) and "
                    "so is playwright's own (python -m playwright install chromium)",
                    pytrace=False,
                )
            pytest.skip(
                f"needs Debian's Chromium at {CHROMIUM}: sudo apt-get install "
                "chromium (or playwright's: python -m playwright install chromium)"
            )
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM if debian else None,
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
        try:
            yield browser
        finally:
            browser.close()
