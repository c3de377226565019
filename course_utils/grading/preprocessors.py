"""nbgrader preprocessors that make a class's grading safe and fair.

`nbgrader_config.py` registers them, so `nbgrader autograde`,
`nbgrader generate_feedback`, `make grade` and the formgrader all use them:

- `CheckTestCells` (before nbgrader's OverwriteCells): reports test cells a
  student changed or deleted, and puts deleted ones back as the instructor
  wrote them (OverwriteCells restores changed ones).
- `GradingExecute` (nbgrader's Execute): a cell that kills the kernel, or
  runs past `timeout` and cannot be interrupted, is skipped in a fresh run
  of the notebook, so it costs only the tests that need it; the kernel runs
  under file-size and memory limits; files a graded run writes are deleted;
  only the cells the tests depend on run (`dependencies`), so notebooks
  without graded cells are not run at all.
- `ReportProblems`: finds solutions that call the reference implementation
  and writes every recorded problem into the cell it concerns.
- `LimitImages`: caps the images and HTML a graded notebook keeps.
- `HideHiddenTests` (feedback): shows a hidden test's failure message, not
  its source.
"""

from __future__ import annotations

import asyncio
import resource
import shutil
from pathlib import Path

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import run_sync
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_output
from nbgrader import utils
from nbgrader.api import Gradebook
from nbgrader.preprocessors import ClearHiddenTests, Execute, NbGraderPreprocessor
from traitlets import Bool, Integer, Unicode

from course_utils.grading import problems
from course_utils.grading.dependencies import needed_cells
from course_utils.grading.problems import Problem

NOT_RUN = "Not run while grading: no graded test depends on this cell.\n"
UNREADABLE_KEY = "grading_unreadable"
"""Notebook metadata set on the stand-in for a notebook that could not be read."""


class CheckTestCells(NbGraderPreprocessor):
    """Report changed and deleted test cells; put deleted ones back.

    nbgrader's own `OverwriteCells.add_missing_cells` fails when the cell
    before a deleted test (its solution cell) was deleted too; this puts the
    test after the nearest nbgrader cell still there.
    """

    def preprocess(self, nb, resources):
        if nb.metadata.get(UNREADABLE_KEY):
            return nb, resources
        cells, tests = gradebook_cells(resources["nbgrader"])
        names = [name for name, _ in cells]
        positions = _positions(nb)
        for order, (name, source) in enumerate(cells):
            if name not in tests:
                continue
            if name in positions:
                submitted = nb.cells[positions[name]].source
                if _normalised(submitted) != _normalised(released(source, self.config)):
                    problems.record(nb, Problem(name, problems.TEST_CHANGED, RESTORED))
                continue
            problems.record(nb, Problem(name, problems.TEST_DELETED, RESTORED))
            at = _insertion_point(names, order, positions, nb)
            nb.cells.insert(at, test_cell(name, source, tests[name]))
            positions = _positions(nb)
        return nb, resources


RESTORED = "It was restored and graded as the instructor wrote it."


def gradebook_cells(info: dict):
    """The notebook's nbgrader cells as the gradebook holds them.

    Returns:
        ([(grade_id, source)] in the gradebook's order, {test grade_id:
        points}); tests are the locked graded code cells, with their hidden
        tests.
    """
    with Gradebook(info["db_url"]) as gradebook:
        source = gradebook.find_notebook(info["notebook"], info["assignment"])
        points = {cell.name: cell.max_score for cell in source.grade_cells}
        cells = [(cell.name, cell.source) for cell in source.source_cells]
        tests = {
            cell.name: points[cell.name]
            for cell in source.source_cells
            if cell.name in points and cell.locked and cell.cell_type == "code"
        }
    return cells, tests


def _positions(nb) -> dict:
    return {problems.cell_label(cell): i for i, cell in enumerate(nb.cells)}


def test_cell(name: str, source: str, points: float) -> NotebookNode:
    """A locked test cell exactly as nbgrader's gradebook holds it (its
    checksum then matches, so OverwriteCells accepts it)."""
    return new_code_cell(
        source,
        metadata={
            "deletable": False,
            "editable": False,
            "nbgrader": {
                "grade": True,
                "grade_id": name,
                "locked": True,
                "points": points,
                "schema_version": 3,
                "solution": False,
                "task": False,
            },
        },
    )


def released(source: str, config=None) -> str:
    """A test cell's source as students received it: hidden tests removed
    (with the hidden-test markers configured for nbgrader)."""
    cell = NotebookNode(cell_type="code", source=source, metadata={})
    ClearHiddenTests(config=config, enforce_metadata=False)._remove_hidden_test_region(
        cell
    )
    return cell.source


def _normalised(source: str) -> str:
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def _insertion_point(names, order, positions, nb) -> int:
    """Where a deleted cell goes: after the nearest earlier nbgrader cell still
    there, else before the nearest later one, else at the end."""
    for name in reversed(names[:order]):
        if name in positions:
            return positions[name] + 1
    for name in names[order + 1 :]:
        if name in positions:
            return positions[name]
    return len(nb.cells)


class GradingExecute(Execute):
    """nbgrader's Execute, made safe for a whole class (see the module docstring)."""

    timeout = Integer(
        30,
        help="Seconds a cell may run while grading (runs are tiny: 64 px, 2 steps).",
    ).tag(config=True)
    grace = Integer(
        10,
        help="Seconds an interrupted cell gets to stop before the kernel is replaced.",
    ).tag(config=True)
    max_file_mb = Integer(
        20, help="Largest file the kernel may write, in MB (RLIMIT_FSIZE)."
    ).tag(config=True)
    # A graded kernel has nothing to save: stop it at once (saves about 1 s each).
    shutdown_kernel = Unicode("immediate").tag(config=True)
    # nbgrader's True fails the whole notebook when a busy machine delivers a
    # cell's last output late; a stuck cell is caught by `grace` instead.
    raise_on_iopub_timeout = Bool(False).tag(config=True)
    max_memory_mb = Integer(
        8192, help="Address space the kernel may use, in MB (RLIMIT_AS)."
    ).tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        if nb.metadata.get(UNREADABLE_KEY):
            _fail_tests(nb, "The notebook could not be read, so nothing was run.")
            return nb, resources
        if not any(utils.is_grade(cell) for cell in nb.cells):
            self.log.info("No graded cells: not executed")
            return nb, resources
        self._needed = needed_cells(nb.cells)
        self._skip, self._running = {}, None
        path = resources.get("metadata", {}).get("path")
        before = set(Path(path).rglob("*")) if path else None
        try:
            while True:
                try:
                    return super().preprocess(nb, resources, km)
                except (DeadKernelError, _KernelStuck) as error:
                    index = self._running
                    if index is None or index in self._skip:
                        raise
                    self._skip[index] = _skip_reason(error, self.timeout)
                    problem = problems.KERNEL_DIED
                    if isinstance(error, _KernelStuck):
                        problem = problems.TIMED_OUT
                    label = problems.cell_label(nb.cells[index], index)
                    problems.record(nb, Problem(label, problem, self._skip[index]))
                    self.log.warning(
                        "Cell %s: %s; running again without it", index, error
                    )
                    for cell in nb.cells:
                        if cell.cell_type == "code":
                            cell.outputs, cell.execution_count = [], None
        finally:
            if path:
                _delete_new_files(Path(path), before)

    async def async_start_new_kernel(self, **kwargs):
        await super().async_start_new_kernel(**kwargs)
        pid = self.km.provisioner.pid
        for limit, megabytes in (
            (resource.RLIMIT_FSIZE, self.max_file_mb),
            (resource.RLIMIT_AS, self.max_memory_mb),
        ):
            size = megabytes * 2**20
            resource.prlimit(pid, limit, (size, size))

    async def async_execute_cell(self, cell, cell_index, execution_count=None, **kw):
        if cell_index in self._skip:
            cell.outputs = [_error("SkippedWhileGrading", self._skip[cell_index])]
            return cell
        if cell.cell_type == "code" and cell_index not in self._needed:
            cell.outputs = [new_output("stream", name="stdout", text=NOT_RUN)]
            return cell
        self._running = cell_index
        try:
            cell = await super().async_execute_cell(
                cell, cell_index, execution_count, **kw
            )
        except CellTimeoutError as error:  # interrupted, but its output never ended
            raise _KernelStuck(f"cell {cell_index} ignored the interrupt") from error
        timed_out = [
            output
            for output in cell.get("outputs", [])
            if output.output_type == "error" and output.ename == "CellTimeoutError"
        ]
        if timed_out:
            if not await self._answers():
                raise _KernelStuck(f"cell {cell_index} ignored the interrupt")
            detail = (
                f"This cell ran longer than {self.timeout} s, the limit while "
                "grading (images are 64 px, runs 2 iterations), and was stopped. "
                "Look for a loop that never ends."
            )
            timed_out[0].update(
                evalue=detail, traceback=[f"CellTimeoutError: {detail}"]
            )
            label = problems.cell_label(cell, cell_index)
            problems.record(self.nb, Problem(label, problems.TIMED_OUT, detail))
        return cell

    # nbclient binds its synchronous entry points to its own coroutines.
    start_new_kernel = run_sync(async_start_new_kernel)
    execute_cell = run_sync(async_execute_cell)

    async def _answers(self) -> bool:
        """True once the kernel answers again after an interrupt."""
        try:
            await asyncio.wait_for(self.kc.kernel_info(reply=True), self.grace)
        except (asyncio.TimeoutError, TimeoutError, RuntimeError):
            return False
        return True


class _KernelStuck(RuntimeError):
    """The kernel did not stop a timed-out cell when interrupted."""


def _skip_reason(error, timeout: int) -> str:
    if isinstance(error, _KernelStuck):
        return (
            f"This cell ran longer than {timeout} s and did not stop when "
            "interrupted. The notebook was graded again without it; the tests "
            "that need it fail."
        )
    return (
        "The kernel died while this cell ran (os._exit, exit(), a crash or too "
        "much memory). The notebook was graded again in a fresh kernel without "
        "this cell; the tests that need it fail."
    )


def _error(name: str, detail: str) -> NotebookNode:
    return new_output(
        "error", ename=name, evalue=detail, traceback=[f"{name}: {detail}"]
    )


def _fail_tests(nb, detail: str) -> None:
    for cell in nb.cells:
        if utils.is_grade(cell) and cell.cell_type == "code":
            cell.outputs = [_error("NotGraded", detail)]


def _delete_new_files(folder: Path, before: set) -> None:
    """Delete what a graded run wrote beside the notebook (frames, figures)."""
    for path in sorted(set(folder.rglob("*")) - before, reverse=True):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        elif path.exists() or path.is_symlink():
            path.unlink()


class ReportProblems(NbGraderPreprocessor):
    """Record solutions that call the reference; show each problem in its cell."""

    def preprocess(self, nb, resources):
        exercise = ""
        for index, cell in enumerate(nb.cells):
            if utils.is_solution(cell):
                exercise = problems.cell_label(cell, index)
            for output in cell.get("outputs", []):
                if output.get("ename") == "ReferenceImplementationUsed":
                    problems.record(
                        nb,
                        Problem(exercise, problems.USES_REFERENCE, output.evalue),
                    )
        cells = {problems.cell_label(cell, i): cell for i, cell in enumerate(nb.cells)}
        for problem in problems.recorded(nb):
            cell = cells.get(problem.cell)
            if cell is None or cell.cell_type != "code":
                continue
            if any(problem.detail in str(output) for output in cell.outputs):
                continue
            cell.outputs.append(
                new_output(
                    "stream",
                    name="stdout",  # nbgrader fails a test cell that writes to stderr
                    text=f"Grading: {problem.reason}. {problem.detail}\n",
                )
            )
        return nb, resources


class LimitImages(NbGraderPreprocessor):
    """Drop images and HTML beyond a size budget (nbgrader's LimitOutput caps
    only text), so a graded notebook and its feedback stay small."""

    max_output_kb = Integer(300, help="Largest single image or HTML output, KB.").tag(
        config=True
    )
    max_total_kb = Integer(2000, help="Images and HTML kept per notebook, KB.").tag(
        config=True
    )

    def preprocess(self, nb, resources):
        total = 0
        for cell in nb.cells:
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                for mime in [
                    m for m in data if m.startswith("image/") or m == "text/html"
                ]:
                    size = len(str(data[mime])) // 1024
                    if size > self.max_output_kb or total + size > self.max_total_kb:
                        del data[mime]
                        data["text/plain"] = (
                            f"[{mime} output of {size} KB removed: graded notebooks "
                            f"keep at most {self.max_output_kb} KB per output and "
                            f"{self.max_total_kb} KB in all]"
                        )
                    else:
                        total += size
        return nb, resources


class HideHiddenTests(NbGraderPreprocessor):
    """In feedback, replace hidden tests by a note and their tracebacks by the
    failing assertion's message (a traceback quotes the source)."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        visible = released(cell.source, self.config)
        if visible == cell.source:
            return cell, resources
        cell.source = visible.rstrip() + "\n# (hidden tests: not shown)"
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                output.traceback = [f"{output.ename}: {output.evalue}"]
        return cell, resources
