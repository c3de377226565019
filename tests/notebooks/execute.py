"""Running a notebook as the tests do: papermill, on a fresh kernel, with every
figure it draws checked inside that kernel.

The kernel draws inline, as in JupyterLab, so the executed notebook holds its
figures and the website is built from the same run (`SmallRuns`, shared by
tests/notebooks and tests/browser/test_book.py: each notebook runs once per
test session). Two cells are added, tagged CHECK_TAG: a first one that starts
the figure check (`tests.figures.watch`) before anything is drawn, and a last
one that prints the reports. `Run.as_published` leaves them out.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path

import nbformat
import papermill
import yaml

from tests.conftest import REPO

NOTEBOOKS = REPO / "notebooks"

SMALL = yaml.safe_load((REPO / "tests" / "notebooks" / "small.yml").read_text())
"""Each notebook's small papermill parameters (tests/notebooks/small.yml)."""

CHECK_TAG = "test-figure-check"

# Registered before `%matplotlib inline` registers its own post_execute
# callback, so each figure is measured before the backend shows and closes it.
WATCH_FIGURES = f"""\
import sys
sys.path.insert(0, {str(REPO)!r})
from tests import figures as _figures
_figures.watch(get_ipython())
%matplotlib inline"""

REPORT_FIGURES = 'import json\nprint("FIGURES", json.dumps(_figures.reports()))'


@dataclass
class Run:
    """One notebook run: the executed notebook, the text of all its outputs,
    the reports of the figures it drew (`tests.figures.report`), and the
    folder it wrote its files to (OUTPUT_DIR)."""

    notebook: nbformat.NotebookNode
    text: str
    drawn: list[dict]
    folder: Path

    def as_published(self) -> nbformat.NotebookNode:
        """The executed notebook without the cells the tests added."""
        published = copy.deepcopy(self.notebook)
        published.cells = [
            cell
            for cell in published.cells
            if CHECK_TAG not in cell.metadata.get("tags", [])
        ]
        return published


def run(name: str, parameters: dict, folder: Path, timeout: int) -> Run:
    """Run notebook `name` with papermill into `folder`, its files written there.

    Raises:
        papermill.PapermillExecutionError: a cell raised.
    """
    source = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    first = nbformat.v4.new_code_cell(WATCH_FIGURES, metadata={"tags": [CHECK_TAG]})
    last = nbformat.v4.new_code_cell(REPORT_FIGURES, metadata={"tags": [CHECK_TAG]})
    source.cells = [first, *source.cells, last]
    notebook = papermill.execute_notebook(
        source,
        folder / f"{name}.ipynb",
        parameters={**parameters, "OUTPUT_DIR": str(folder)},
        cwd=NOTEBOOKS,
        kernel_name="python3",
        execution_timeout=timeout,
        progress_bar=False,
    )
    text = "".join(
        output.get("text", "")
        for cell in notebook.cells
        for output in cell.get("outputs", [])
    )
    drawn = json.loads(text.rsplit("FIGURES ", 1)[1].splitlines()[0])
    return Run(notebook, text, drawn, folder)


class SmallRuns:
    """Each notebook run at most once, at its small sizes, on first request.

    `runs(name)` gives the Run (or raises what the run raised, every time).
    """

    def __init__(self, root: Path, timeout: int = 300):
        self.root = root
        self.timeout = timeout
        self._done = {}

    def __call__(self, name: str) -> Run:
        if name not in self._done:
            folder = self.root / name
            folder.mkdir(parents=True)
            try:
                self._done[name] = run(name, SMALL[name], folder, self.timeout)
            except Exception as error:  # noqa: BLE001 (kept for the next caller)
                self._done[name] = error
        done = self._done[name]
        if isinstance(done, Exception):
            raise done
        return done
