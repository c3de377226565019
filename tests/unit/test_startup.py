"""A quiet start: TensorFlow's start-up lines are dropped, every other line kept."""

import os
import subprocess
import sys

import pytest

from course_utils.startup import START_UP_NOISE, quiet_start
from tests.conftest import REPO

# Lines as TensorFlow 2.21 prints them on a machine without a GPU.
NOISE = [
    "WARNING: All log messages before absl::InitializeLog() is called are written"
    " to STDERR",
    "I0000 00:00:1795754303.268170   17872 port.cc:153] oneDNN custom operations are"
    " on. You may see slightly different numerical results",
    "I0000 00:00:1795754303.268576   17872 cudart_stub.cc:31] Could not find cuda"
    " drivers on your machine, GPU will not be used.",
    "E0000 00:00:1795754306.341195   17872 cuda_platform.cc:52] failed call to"
    " cuInit: INTERNAL: CUDA error: Failed call to cuInit: UNKNOWN ERROR (303)",
]
REAL = [
    "E0000 00:00:1795754306.341195   17872 op_kernel.cc:1857] OP_REQUIRES failed",
    "Traceback (most recent call last):",
    "UserWarning: VGG19 has RANDOM, UNTRAINED weights",
]


def test_known_start_up_lines_match_and_real_errors_do_not():
    assert all(START_UP_NOISE.search(line) for line in NOISE)
    assert not any(START_UP_NOISE.search(line) for line in REAL)


def test_quiet_start_drops_the_noise_and_passes_the_rest_in_order(capfd):
    with quiet_start():
        for line in [NOISE[0], REAL[0], NOISE[3], REAL[1]]:
            os.write(2, (line + "\n").encode())
    err = capfd.readouterr().err
    assert err == f"{REAL[0]}\n{REAL[1]}\n"


def test_what_the_block_raises_still_comes_out(capfd):
    try:
        with quiet_start():
            os.write(2, b"the last words before the error\n")
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert capfd.readouterr().err == "the last words before the error\n"


def test_more_than_a_pipe_holds_does_not_hang(capfd):
    line = b"x" * 999 + b"\n"
    with quiet_start():
        for _ in range(200):  # 200 kB, more than a pipe's buffer
            os.write(2, line)
    assert capfd.readouterr().err.count("\n") == 200


def run_python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO
    )
    assert done.returncode == 0, done.stderr
    return done.stderr


def test_tensorflow_starts_without_its_log_and_keeps_real_errors():
    start = "import tensorflow as tf\ntf.config.list_physical_devices('GPU')\n"
    quiet = run_python(
        "import os\nfrom course_utils.startup import quiet_start\n"
        "with quiet_start():\n"
        + "".join(f"    {line}\n" for line in start.splitlines())
        + "    os.write(2, b'a real error\\n')\n"
    )
    assert not [line for line in quiet.splitlines() if START_UP_NOISE.search(line)]
    assert "a real error" in quiet


@pytest.mark.slow  # a new Python and TensorFlow
def test_the_command_line_starts_quietly():
    stderr = subprocess.run(
        [sys.executable, "-m", "course_utils", "layers", "--size", "32"],
        capture_output=True,
        text=True,
        cwd=REPO,
    ).stderr
    assert not [line for line in stderr.splitlines() if START_UP_NOISE.search(line)]
    assert "absl" not in stderr and "cuInit" not in stderr
