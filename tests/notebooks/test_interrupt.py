"""Ctrl-C in a notebook (the kernel's interrupt, JupyterLab's stop button):
it stops the whole cell in the run it is in, and that run's images stay
reachable afterwards through `cu.last_run()`."""

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


def test_ctrl_c_stops_a_cell_of_two_runs_after_the_first_and_keeps_its_images():
    manager, client = start_new_kernel(kernel_name="python3")
    try:
        _run(client, SET_UP)
        cell = client.execute(TWO_RUNS)
        while True:  # until the first run has taken a few steps
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

        kept = json.loads(_run(client, AFTERWARDS))
        assert kept["names"] == []  # the second run never started
        assert kept["seen"] >= 3 and kept["done"] in (kept["seen"], kept["seen"] + 1)
        assert kept["stopped"] == "interrupted by the user (KeyboardInterrupt)"
        assert kept["shape"][2] == 3 and max(kept["shape"][:2]) == 64
        assert kept["snapshots"][0] == 0 and kept["snapshots"][-1] == kept["done"]
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
