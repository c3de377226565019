"""Run a notebook top to bottom on a fresh kernel with overridden parameters.

Like papermill: a cell that sets the new values is inserted right after the
cell tagged `parameters`.
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def with_parameters(notebook, parameters: dict):
    """Return a copy of `notebook` with `parameters` set after its parameters cell."""
    notebook = nbformat.from_dict(notebook)
    index = next(
        i
        for i, cell in enumerate(notebook.cells)
        if "parameters" in cell.metadata.get("tags", [])
    )
    source = "\n".join(f"{name} = {value!r}" for name, value in parameters.items())
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["injected-parameters"]})
    notebook.cells.insert(index + 1, cell)
    return notebook


def execute(name: str, parameters: dict, timeout: int = 600, env: dict | None = None):
    """Execute notebooks/<name>.ipynb in notebooks/ and return the executed notebook.

    Raises nbclient's CellExecutionError, with the failing cell and its
    traceback, if any cell fails.
    """
    notebook = with_parameters(
        nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4), parameters
    )
    old = dict(os.environ)
    os.environ.update(env or {})
    try:
        client = NotebookClient(
            notebook,
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": str(NOTEBOOKS)}},
        )
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(old)
    return notebook
