"""nbgrader preprocessors that make a class's grading safe and fair.

`nbgrader_config.py` registers them (and `execute.GradingExecute`), so
`nbgrader autograde`, `nbgrader generate_feedback`, `make grade` and the
formgrader all use them:

- `CheckTestCells` (before nbgrader's OverwriteCells): reports test cells and
  other read-only code cells (the grading-sizes cell) a student changed or
  deleted, and puts deleted ones back as the instructor wrote them
  (OverwriteCells restores changed ones).
- `ReportProblems`: finds solutions that call the reference implementation
  and writes every recorded problem into the cell it concerns.
- `LimitImages`: caps the images and HTML a graded notebook keeps.
- `HideHiddenTests` (feedback): shows a hidden test's failure message, not
  its source.
"""

from __future__ import annotations

from dataclasses import dataclass

from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_output
from nbgrader import utils
from nbgrader.api import Gradebook
from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor
from traitlets import Integer

from course_utils.grading import problems
from course_utils.grading.problems import UNREADABLE_KEY, Problem


class CheckTestCells(NbGraderPreprocessor):
    """Report changed and deleted read-only code cells (tests and the
    grading-sizes cell); put deleted ones back.

    nbgrader's own `OverwriteCells.add_missing_cells` fails when the cell
    before a deleted test (its solution cell) was deleted too; this puts the
    test after the nearest nbgrader cell still there.
    """

    def preprocess(self, nb, resources):
        if nb.metadata.get(UNREADABLE_KEY):
            return nb, resources
        cells = released_cells(resources["nbgrader"])
        names = [cell.name for cell in cells]
        positions = _positions(nb)
        for order, cell in enumerate(cells):
            if not (cell.locked and cell.cell_type == "code"):
                continue
            changed, deleted = (
                (problems.TEST_CHANGED, problems.TEST_DELETED)
                if cell.is_test
                else (problems.LOCKED_CHANGED, problems.LOCKED_DELETED)
            )
            if cell.name in positions:
                submitted = nb.cells[positions[cell.name]].source
                if normalised(submitted) != normalised(
                    released(cell.source, self.config)
                ):
                    problems.record(nb, Problem(cell.name, changed, RESTORED))
                continue
            problems.record(nb, Problem(cell.name, deleted, RESTORED))
            at = _insertion_point(names, order, positions, nb)
            nb.cells.insert(at, locked_cell(cell))
            positions = _positions(nb)
        return nb, resources


RESTORED = "It was restored and graded as the instructor wrote it."


@dataclass(frozen=True)
class ReleasedCell:
    """One nbgrader cell of a notebook, as the gradebook holds it.

    Attributes:
        name: its grade_id.
        cell_type: "code" or "markdown".
        source: as the instructor wrote it: tests with their hidden tests,
            solution cells as the students' stub.
        locked: students may not change it.
        solution: students write their answer in it.
        points: a graded cell's points; None for cells that are not graded.
    """

    name: str
    cell_type: str
    source: str
    locked: bool
    solution: bool
    points: float | None

    @property
    def is_test(self) -> bool:
        """A locked graded code cell: an autograded test."""
        return self.points is not None and self.locked and self.cell_type == "code"

    def metadata(self) -> dict:
        """The nbgrader metadata of this cell in the released notebook."""
        nbgrader = {
            "grade": self.points is not None,
            "grade_id": self.name,
            "locked": self.locked,
            "schema_version": 3,
            "solution": self.solution,
            "task": False,
        }
        if self.points is not None:
            nbgrader["points"] = self.points
        locks = {"deletable": False, "editable": False} if self.locked else {}
        return {**locks, "nbgrader": nbgrader}


def released_cells(info: dict) -> list[ReleasedCell]:
    """The notebook's nbgrader cells as the gradebook holds them, in order.

    Args:
        info: nbgrader's resources["nbgrader"] (db_url, notebook, assignment).
    """
    with Gradebook(info["db_url"]) as gradebook:
        source = gradebook.find_notebook(info["notebook"], info["assignment"])
        points = {cell.name: cell.max_score for cell in source.grade_cells}
        solutions = {cell.name for cell in source.solution_cells}
        return [
            ReleasedCell(
                cell.name,
                cell.cell_type,
                cell.source,
                cell.locked,
                cell.name in solutions,
                points.get(cell.name),
            )
            for cell in source.source_cells
        ]


def _positions(nb) -> dict:
    return {problems.cell_label(cell): i for i, cell in enumerate(nb.cells)}


def locked_cell(cell: ReleasedCell) -> NotebookNode:
    """A read-only code cell exactly as nbgrader's gradebook holds it (its
    checksum then matches, so OverwriteCells accepts it)."""
    return new_code_cell(cell.source, metadata=cell.metadata())


def released(source: str, config=None) -> str:
    """A test cell's source as students received it: hidden tests removed
    (with the hidden-test markers configured for nbgrader)."""
    cell = NotebookNode(cell_type="code", source=source, metadata={})
    hide = ClearHiddenTests(config=config, enforce_metadata=False)
    return hide.preprocess_cell(cell, {}, 0)[0].source


def normalised(source: str) -> str:
    """`source` without trailing spaces and surrounding blank lines."""
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
                output.traceback = [problems.error_line(output.ename, output.evalue)]
        return cell, resources
