"""Submitted cells matched to the released ones before grading: `RepairCells`.

Colab ignores nbgrader's cell locks and sometimes its metadata, and students
copy cells. nbgrader then fails the whole notebook (a grade id twice) or grades
nothing (a solution cell without its metadata). `RepairCells` runs first in
nbgrader's sanitize chain (registered in `nbgrader_config.py`) and matches
each released nbgrader cell to a submitted cell:

- by its nbgrader metadata; where a grade id occurs more than once, the last
  copy is the one a top-to-bottom run leaves defined, so it is graded and the
  others become ordinary cells (they still run);
- else by content: a test or other locked cell by its source as released, a
  solution cell by the names its stub defines (`def gram_matrix`), looked for
  between the matched cells around it. The released metadata is put back.

Cells without ids (Colab saves nbformat 4.0) are given ids.

A graded cell whose type a student changed is listed; nbgrader's
OverwriteCells turns it back and runs it. Every repair is recorded as a
problem, shown to the instructor and in the student's feedback; it costs
nothing the code earns.
"""

from __future__ import annotations

import ast

from nbformat.v4.nbbase import random_cell_id
from nbgrader.preprocessors import NbGraderPreprocessor

from course_utils.grading import problems
from course_utils.grading.preprocessors import (
    ReleasedCell,
    normalised,
    released,
    released_cells,
)
from course_utils.grading.problems import UNREADABLE_KEY, Problem


class RepairCells(NbGraderPreprocessor):
    """Match submitted cells to the released ones (see the module docstring)."""

    def preprocess(self, nb, resources):
        if nb.metadata.get(UNREADABLE_KEY):
            return nb, resources
        _give_ids(nb)
        cells = released_cells(resources["nbgrader"])
        _keep_last_copies(nb, {cell.name for cell in cells})
        for order, cell in enumerate(cells):
            if _grade_id(nb.cells, cell.name) is not None:
                continue
            index = self._recognise(nb, cells, order)
            if index is None:
                continue
            found = nb.cells[index]
            found.metadata.update(cell.metadata())
            problems.record(
                nb,
                Problem(
                    cell.name,
                    problems.METADATA_LOST,
                    "Its nbgrader metadata was gone; it was recognised by its "
                    f"{'names' if cell.solution else 'source'} and graded as usual.",
                ),
            )
        for cell in cells:
            index = _grade_id(nb.cells, cell.name)
            if index is not None and nb.cells[index].cell_type != cell.cell_type:
                problems.record(
                    nb,
                    Problem(
                        cell.name,
                        problems.RETYPED,
                        f"It was handed in as a {nb.cells[index].cell_type} cell; "
                        f"it was turned back into {cell.cell_type} and graded.",
                    ),
                )
        return nb, resources

    def _recognise(self, nb, cells: list[ReleasedCell], order: int) -> int | None:
        """The index of the unmarked submitted cell that is `cells[order]`."""
        cell = cells[order]
        start, stop = _window(nb.cells, cells, order)
        candidates = [
            i for i in range(start, stop) if "nbgrader" not in nb.cells[i].metadata
        ]
        if cell.solution:
            wanted = _defined_names(cell.source)
            matches = [
                i
                for i in candidates
                if wanted and wanted <= _defined_names(nb.cells[i].source)
            ]
        else:
            visible = normalised(released(cell.source, self.config))
            matches = [
                i for i in candidates if normalised(nb.cells[i].source) == visible
            ]
        return matches[-1] if matches else None


def _give_ids(nb) -> None:
    """Cell ids (nbformat 4.5) for a notebook saved without them, as Colab
    saves nbformat 4.0: nbgrader checks a retyped cell against 4.5's schema."""
    if nb.nbformat_minor >= 5 and all("id" in cell for cell in nb.cells):
        return
    nb.nbformat_minor = max(nb.nbformat_minor, 5)
    taken = {cell.get("id") for cell in nb.cells}
    for cell in nb.cells:
        if "id" not in cell:
            cell.id = next(i for i in iter(random_cell_id, None) if i not in taken)
            taken.add(cell.id)


def _keep_last_copies(nb, names: set) -> None:
    """Where a released grade id occurs more than once, keep it on the last
    copy only and record the repair."""
    seen = {}
    for index, cell in enumerate(nb.cells):
        name = cell.metadata.get("nbgrader", {}).get("grade_id")
        if name in names:
            seen.setdefault(name, []).append(index)
    for name, indices in seen.items():
        if len(indices) < 2:
            continue
        for index in indices[:-1]:
            metadata = nb.cells[index].metadata
            for key in ("nbgrader", "deletable", "editable"):
                metadata.pop(key, None)
        problems.record(
            nb,
            Problem(
                name,
                problems.DUPLICATED,
                f"{len(indices)} copies of {name}'s cell; graded the last one, "
                "which a run from top to bottom leaves defined.",
            ),
        )


def _grade_id(cells, name: str) -> int | None:
    for index, cell in enumerate(cells):
        if cell.metadata.get("nbgrader", {}).get("grade_id") == name:
            return index
    return None


def _window(cells, released: list[ReleasedCell], order: int) -> tuple[int, int]:
    """The submitted cells between the matched neighbours of `released[order]`."""
    start, stop = 0, len(cells)
    for before in reversed(released[:order]):
        index = _grade_id(cells, before.name)
        if index is not None:
            start = index + 1
            break
    for after in released[order + 1 :]:
        index = _grade_id(cells, after.name)
        if index is not None:
            stop = index
            break
    return start, max(start, stop)


def _defined_names(source: str) -> set:
    """The names a cell binds at its top level: functions, classes,
    assignments and imports (`gram_matrix = ...` answers too)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names
