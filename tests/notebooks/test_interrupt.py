"""Ctrl-C in a notebook (the kernel's interrupt, JupyterLab's stop button):
it stops the whole cell in the run it is in, and that run's images stay
reachable afterwards through `cu.last_run()`; a training run (notebook 08)
saves its checkpoint first."""

import json

import pytest
from jupyter_client.manager import start_new_kernel

pytestmark = pytest.mark.slow  # a kernel with TensorFlow; test_transfer is quicker

SET_UP = """\
import course_utils as cu
from course_utils import data

content, style = data.sample_image("chelsea", 64), data.sample_image("brick", 64)
seen = []

def note(iteration, losses, image):
    seen.append(iteration)
    if iteration == 3:
        print("RUNNING", flush=True)
"""

TWO_RUNS = """\
run = dict(size=64, iterations=100_000, weights=None, stages=1, progress=False)
first = cu.stylize(content, style, callback=note, **run)
second_started = True
second = cu.stylize(content, style, **run)
"""

AFTERWARDS = """\
import json
kept = cu.last_run()
print(json.dumps({
    "names": [n for n in ("first", "second", "second_started") if n in globals()],
    "done": kept.iterations_done,
    "seen": seen[-1],
    "stopped": kept.stopped,
    "shape": list(kept.image.shape),
    "snapshots": [it.number for it, _ in kept.snapshots],
}))
"""


def _run(client, code: str, timeout: float = 120) -> str:
    """Execute `code`; return what it printed (raise if it failed)."""
    printed = []

    def hook(message):
        if message["msg_type"] == "stream":
            printed.append(message["content"]["text"])

    reply = client.execute_interactive(code, timeout=timeout, output_hook=hook)
    assert reply["content"]["status"] == "ok", reply["content"]
    return "".join(printed)


def _interrupt_once_running(manager, client, code: str) -> None:
    """Execute `code`, interrupt the kernel once it prints RUNNING, and check
    that the cell ended in KeyboardInterrupt."""
    cell = client.execute(code)
    while True:  # until the run has taken a few steps
        message = client.get_iopub_msg(timeout=120)
        if message["parent_header"].get("msg_id") != cell:
            continue
        if "RUNNING" in message["content"].get("text", ""):
            break
    manager.interrupt_kernel()
    reply = client.get_shell_msg(timeout=60)
    assert reply["parent_header"]["msg_id"] == cell
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "KeyboardInterrupt"


def test_ctrl_c_stops_a_cell_of_two_runs_after_the_first_and_keeps_its_images():
    manager, client = start_new_kernel(kernel_name="python3")
    try:
        _run(client, SET_UP)
        _interrupt_once_running(manager, client, TWO_RUNS)

        kept = json.loads(_run(client, AFTERWARDS))
        assert kept["names"] == []  # the second run never started
        assert kept["seen"] >= 3 and kept["done"] in (kept["seen"], kept["seen"] + 1)
        assert kept["stopped"] == "interrupted by the user (KeyboardInterrupt)"
        assert kept["shape"][2] == 3 and max(kept["shape"][:2]) == 64
        assert kept["snapshots"][0] == 0 and kept["snapshots"][-1] == kept["done"]
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


TRAINING = """\
import itertools
import numpy as np
from course_utils import fast

photos = np.random.default_rng(0).random((2, 32, 32, 3), dtype=np.float32)

def batches():
    for number in itertools.count():
        if number == 3:
            print("RUNNING", flush=True)
        yield photos

settings = cu.StyleTransferSettings(size=32, weights=None, precision="float32")
training = fast.TrainingSettings(steps=100_000, batch_size=2, width=4,
                                 residual_blocks=1, checkpoint_every=10_000)
result = fast.train(style, batches(), settings, training, checkpoint=CHECKPOINT)
finished = True
"""

AFTER_TRAINING = """\
kept = fast.last_training()
saved = fast.load_network(CHECKPOINT)
print(json.dumps({
    "names": [n for n in ("result", "finished") if n in globals()],
    "done": kept.steps_done,
    "steps": len(kept.history["total"]),
    "record": fast.record(saved)["steps"],
    "same": bool(np.array_equal(saved(photos), kept.network(photos))),
    "stopped": kept.stopped,
}))
"""


def test_ctrl_c_in_training_saves_the_checkpoint_and_stops_the_cell(tmp_path):
    manager, client = start_new_kernel(kernel_name="python3")
    try:
        _run(client, SET_UP + f"CHECKPOINT = {str(tmp_path / 'net.keras')!r}\n")
        _interrupt_once_running(manager, client, TRAINING)

        kept = json.loads(_run(client, "import json\n" + AFTER_TRAINING))
        assert kept["names"] == []
        assert kept["done"] >= 3 and kept["steps"] == kept["done"]
        assert kept["record"] == kept["done"] and kept["same"]
        assert kept["stopped"] == "interrupted by the user (KeyboardInterrupt)"
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
