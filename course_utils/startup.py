"""A quiet start: TensorFlow without the start-up log lines that look like errors.

Importing TensorFlow, and asking it for a GPU, prints a block of C++ log
lines to the process's standard error (file descriptor 2): absl's notice,
oneDNN, "Could not find cuda drivers" and, on a machine without a GPU, "failed
call to cuInit: ... CUDA error" at error level. Some of them are printed
before TF_CPP_MIN_LOG_LEVEL is read, so no setting hides them. In a notebook
they fill the set-up cell with red text before anything has run.

`quiet_start()` runs a block with descriptor 2 going through a filter that
drops exactly the lines in START_UP_NOISE and passes every other line on
(real errors, Python warnings), in order, when the block ends. The notebooks'
set-up cells and `python -m course_utils` import TensorFlow inside it.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import threading

START_UP_NOISE = re.compile(
    "|".join(
        [
            r"^WARNING: All log messages before absl::InitializeLog\(\) is called",
            r"^[IWE]\d{4} .*port\.cc:\d+\] oneDNN custom operations are on",
            r"^[IWE]\d{4} .*cudart_stub\.cc:\d+\] Could not find cuda drivers",
            r"^[IWE]\d{4} .*cuda_(platform|executor|diagnostics)\.cc:\d+\] "
            r"(failed call to cuInit|retrieving CUDA diagnostic|hostname:|"
            r"libcuda reported version|kernel reported version)",
            r"^[IWE]\d{4} .*cpu_feature_guard\.cc:\d+\] This TensorFlow binary is "
            r"optimized",
            r"^To enable the following instructions: .*rebuild TensorFlow",
            r"^[IWE]\d{4} .*Unable to register cu(DNN|FFT|BLAS) factory",
            r"^[IWE]\d{4} .*computation placer already registered",
            r"^[IWE]\d{4} .*TF-TRT Warning: Could not find TensorRT",
        ]
    )
)
"""TensorFlow's start-up lines that say nothing is wrong (or, on a machine
without a GPU, only that there is none). Matched line by line."""


@contextlib.contextmanager
def quiet_start():
    """Run the block with TensorFlow's start-up lines kept off standard error.

    Everything else the block writes to descriptor 2 is written there
    afterwards, in order.

    >>> with quiet_start():  # doctest: +SKIP
    ...     import tensorflow as tf
    ...     tf.config.list_physical_devices("GPU")
    """
    sys.stderr.flush()
    saved = os.dup(2)
    read_end, write_end = os.pipe()
    os.dup2(write_end, 2)
    os.close(write_end)
    chunks = []
    reader = threading.Thread(target=_drain, args=(read_end, chunks), daemon=True)
    reader.start()  # a thread, so a long block cannot fill the pipe and hang
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)  # the pipe's last writer is gone: the reader sees its end
        os.close(saved)
        reader.join()
        os.close(read_end)
        lines = b"".join(chunks).decode(errors="replace").splitlines(keepends=True)
        kept = "".join(line for line in lines if not START_UP_NOISE.search(line))
        if kept:
            os.write(2, kept.encode())


def _drain(fd: int, chunks: list) -> None:
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
