"""Every call grading makes into nbclient's and jupyter_client's internals,
and into what only some platforms have.

Grading uses the public API of nbgrader, nbclient and jupyter_client wherever
there is one. Where there is none, the call is here and nowhere else, and
tests/grading/test_internals.py fails, naming it, when a release changes it
(the tested versions are the `instructor` extra's range in pyproject.toml):

- `sync_entry_points`: nbclient's NotebookClient binds its synchronous
  `start_new_kernel` and `execute_cell` to its own coroutines in its class
  body, and nbconvert's ExecutePreprocessor calls the synchronous ones; a
  subclass that overrides the coroutines must bind them again.
- `kernel_pid`: the kernel's process id, which jupyter_client's local
  provisioner keeps (`provisioner.pid`), to put limits on the kernel.
- `limit_kernel`: those limits, with `resource.prlimit`, which only Linux
  has; elsewhere grading goes on without them and says so once.
"""

from __future__ import annotations

import logging

from nbclient.util import run_sync

try:
    import resource
except ImportError:  # Windows
    resource = None

NO_LIMITS = (
    "This platform cannot limit a kernel's memory and file size "
    "(resource.prlimit is Linux only): students' kernels run without "
    "GradingExecute.max_memory_mb and max_file_mb. The time limit still applies."
)

_said = False


def sync_entry_points(cls):
    """Class decorator: bind `cls`'s synchronous `start_new_kernel` and
    `execute_cell` to its own `async_` coroutines, as nbclient does for its own."""
    cls.start_new_kernel = run_sync(cls.async_start_new_kernel)
    cls.execute_cell = run_sync(cls.async_execute_cell)
    return cls


def kernel_pid(kernel_manager) -> int:
    """The process id of a kernel that jupyter_client started on this machine.

    Raises:
        RuntimeError: the provisioner keeps no pid (a jupyter_client release
            changed it, or the kernel is remote).
    """
    pid = getattr(getattr(kernel_manager, "provisioner", None), "pid", None)
    if not isinstance(pid, int):
        raise RuntimeError(
            "jupyter_client's kernel provisioner has no process id "
            f"(provisioner.pid is {pid!r}); course_utils.grading.internals must "
            "follow this jupyter_client release."
        )
    return pid


def limit_kernel(pid: int, file_mb: int, memory_mb: int) -> bool:
    """Limit process `pid`'s file size and address space, hard limits included,
    so the kernel cannot lift them. Returns False (and logs NO_LIMITS once)
    where the platform cannot."""
    global _said
    if resource is None or not hasattr(resource, "prlimit"):
        if not _said:
            logging.getLogger("course_utils.grading").warning(NO_LIMITS)
            _said = True
        return False
    for limit, megabytes in (
        (resource.RLIMIT_FSIZE, file_mb),
        (resource.RLIMIT_AS, memory_mb),
    ):
        size = megabytes * 2**20
        resource.prlimit(pid, limit, (size, size))
    return True
