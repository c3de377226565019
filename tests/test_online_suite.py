"""The online suite and the weights' Make targets, run here, offline, the way a
user runs them: the suite skips with its one reason, it runs (and fails as it
should) when it is given a weights file that is not Keras' own, and `make
check` and `make weights` say what is missing and how to get it."""

import os
import re
import subprocess
import sys

import h5py
import pytest
from keras.src.legacy.saving import legacy_h5_format

from course_utils import vgg
from course_utils.weights import NO_TOP, WITH_TOP
from tests.conftest import REPO
from tests.online.conftest import NO_WEIGHTS

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore:VGG19 has RANDOM")]


@pytest.fixture
def offline_env(closed_port_url, tmp_path):
    """The environment of a machine without internet and without the weights."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name.lower()
        not in ("no_proxy", "course_utils_vgg19_weights", "course_utils_online")
    }
    for name in ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY"):
        env[name] = closed_port_url
    env["KERAS_HOME"] = str(tmp_path / "keras")
    return env


def run(command, env):
    return subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=900
    )


def test_the_online_suite_skips_offline_with_one_reason(offline_env):
    collected = run(
        [sys.executable, "-m", "pytest", "-m", "online", "--co", "-q", "tests/online"],
        offline_env,
    )
    count = int(re.search(r"(\d+) tests? collected", collected.stdout).group(1))
    assert count >= 10, collected.stdout
    done = run(["make", "--no-print-directory", "test-online"], offline_env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    summary = done.stdout.strip().splitlines()[-1]
    assert re.search(rf"\b{count} skipped\b", summary), summary
    assert not re.search(r"passed|failed|error", summary), summary
    reasons = [line for line in done.stdout.splitlines() if line.startswith("SKIPPED")]
    assert reasons and all(line.endswith(NO_WEIGHTS) for line in reasons), reasons


def test_given_a_file_it_runs_and_random_weights_fail(offline_env, tmp_path):
    path = tmp_path / "random" / NO_TOP.name
    path.parent.mkdir()
    with h5py.File(path, "w") as handle:
        legacy_h5_format.save_weights_to_hdf5_group(handle, vgg.load_vgg19(None))
    done = run(
        [
            "make",
            "--no-print-directory",
            "test-online",
            f"WEIGHTS={path}",
            "PYTEST_ARGS=-k published -rfs",
        ],
        offline_env,
    )
    assert done.returncode != 0, done.stdout[-3000:]
    assert f"{path} is not Keras' {NO_TOP.what}" in done.stdout
    assert "1 failed" in done.stdout and "1 skipped" in done.stdout
    assert f"no {WITH_TOP.what} here" in done.stdout


def test_make_check_offline_says_what_is_missing(offline_env):
    done = run(["make", "--no-print-directory", "check"], offline_env)
    assert done.returncode != 0
    lines = done.stdout.strip().splitlines()
    assert lines[-1].startswith("NOT READY: the VGG19 ImageNet weights (no top")
    assert NO_TOP.url in done.stdout and WITH_TOP.url in done.stdout
    assert "--weights PATH" in done.stdout


def test_make_weights_offline_says_how_to_get_them(offline_env):
    done = run(["make", "--no-print-directory", "weights"], offline_env)
    assert done.returncode != 0
    assert done.stdout.count("MISSING") == 2
    models = os.path.join(offline_env["KERAS_HOME"], "models")
    assert os.path.join(models, NO_TOP.name) in done.stdout
    assert os.path.join(models, WITH_TOP.name) in done.stdout
