"""The calls grading makes into nbclient's and jupyter_client's internals
(`course_utils.grading.internals`): each test fails, naming the call, when a
release of those packages changes what it relies on."""

import logging
import resource
from pathlib import Path

import pytest
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from course_utils.grading import internals
from course_utils.grading.execute import GradingExecute


@pytest.fixture(scope="module")
def kernel():
    """A plain Python kernel (no TensorFlow), started as grading starts one."""
    manager = KernelManager(kernel_name="python3")
    manager.start_kernel()
    yield manager
    manager.shutdown_kernel(now=True)


def test_kernel_pid_is_the_kernels_own_process(kernel):
    pid = internals.kernel_pid(kernel)
    command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    assert b"ipykernel_launcher" in command, command


def test_kernel_pid_says_what_changed_when_the_provisioner_has_none():
    class Remote:
        provisioner = None

    with pytest.raises(RuntimeError, match="provisioner has no process id"):
        internals.kernel_pid(Remote())


@pytest.mark.skipif(not hasattr(resource, "prlimit"), reason="Linux only")
def test_limits_reach_the_kernel_hard_limits_included(kernel):
    pid = internals.kernel_pid(kernel)
    assert internals.limit_kernel(pid, file_mb=3, memory_mb=6000)
    assert resource.prlimit(pid, resource.RLIMIT_FSIZE) == (3 * 2**20, 3 * 2**20)
    assert resource.prlimit(pid, resource.RLIMIT_AS) == (6000 * 2**20,) * 2


def test_without_prlimit_grading_says_once_that_kernels_run_unlimited(
    monkeypatch, caplog
):
    monkeypatch.delattr(resource, "prlimit", raising=False)
    monkeypatch.setattr(internals, "_said", False)
    with caplog.at_level(logging.WARNING, logger="course_utils.grading"):
        assert internals.limit_kernel(1, file_mb=3, memory_mb=100) is False
        assert internals.limit_kernel(1, file_mb=3, memory_mb=100) is False
    said = [record.getMessage() for record in caplog.records]
    assert said == [internals.NO_LIMITS]
    assert "Linux only" in said[0] and "time limit still applies" in said[0]


def test_nbclient_still_binds_its_sync_entry_points_in_its_class_body():
    """What `sync_entry_points` is for: a subclass's coroutines are reached
    from the synchronous entry points only when bound again."""

    class Plain(NotebookClient):
        async def async_execute_cell(self, cell, cell_index, **kw):
            return "mine"

        async def async_start_new_kernel(self, **kw):
            return "mine"

    bound = internals.sync_entry_points(type("Bound", (Plain,), {}))
    nb = new_notebook(cells=[new_code_cell("1")])
    assert bound(nb).execute_cell(nb.cells[0], 0) == "mine"
    assert bound(nb).start_new_kernel() == "mine"
    try:
        plain = Plain(nb).execute_cell(nb.cells[0], 0)
    except Exception:  # nbclient's own coroutine, without a kernel
        plain = "nbclient's own"
    assert plain != "mine", (
        "nbclient's execute_cell now reaches a subclass's coroutine by itself: "
        "internals.sync_entry_points is no longer needed"
    )
    assert GradingExecute.execute_cell is not NotebookClient.execute_cell
