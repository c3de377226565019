"""Running a student's notebook while grading: `GradingExecute`.

nbgrader's Execute, made safe for a whole class (registered in
`nbgrader_config.py`):

- a cell that kills the kernel, or runs past `timeout` and ignores the
  interrupt, is skipped in a fresh run of the notebook, so it costs only the
  tests that need it (nbgrader would drop the student's whole assignment);
- only the cells the tests depend on run (`dependencies`); a notebook without
  graded cells does not run at all;
- the kernel runs under file-size and memory limits it cannot lift, in a
  folder of its own outside the course (a copy of the notebook's folder,
  deleted afterwards), so walking up from where it runs reaches no gradebook
  and no other student's work;
- with `hold_gradebook` (set by `make grade` in each student's private course
  copy) the gradebook file is held in this process's memory while the kernel
  runs: there is no file for a student's cell to damage;
- the tests judge with the genuine numpy, TensorFlow and `course_utils`
  functions, whatever a cell rebound, and a cell that rebinds them or
  reaches for the course's files is listed (`genuine`).
"""

from __future__ import annotations

import ast
import asyncio
import builtins
import contextlib
import shutil
import tempfile
from pathlib import Path

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader import utils
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import Execute
from traitlets import Bool, Integer, List, Unicode

from course_utils.grading import genuine, problems
from course_utils.grading.dependencies import needed_cells
from course_utils.grading.internals import kernel_pid, limit_kernel, sync_entry_points
from course_utils.grading.problems import UNREADABLE_KEY, Problem

NOT_RUN = "Not run while grading: no graded test depends on this cell.\n"


@sync_entry_points
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
    hold_gradebook = Bool(
        False,
        help="Hold the gradebook file in memory while the kernel runs (only where "
        "nothing else writes it meanwhile: `make grade`'s private course copies).",
    ).tag(config=True)
    protected_courses = List(
        Unicode(),
        help="Course folders besides the one being graded whose gradebook and "
        "submissions a kernel must not reach (`make grade`: the real course).",
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
        _rebound_in_source(nb)
        metadata = resources.setdefault("metadata", {})
        path = metadata.get("path")
        self._preamble = _preamble(
            resources.get("nbgrader", {}).get("db_url"),
            self.protected_courses,
            CourseDirectory(config=self.config),
        )
        try:
            with (
                _own_folder(path) as metadata["path"],
                _held(resources.get("nbgrader", {}).get("db_url"), self.hold_gradebook),
            ):
                return self._run(nb, resources, km)
        finally:
            metadata["path"] = path

    def _run(self, nb, resources, km):
        """Run the notebook; run it again without a cell that killed the kernel."""
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
                self.log.warning("Cell %s: %s; running again without it", index, error)
                for cell in nb.cells:
                    if cell.cell_type == "code":
                        cell.outputs, cell.execution_count = [], None

    async def async_start_new_kernel(self, **kwargs):
        arguments = [a for a in self.extra_arguments if not a.startswith(_EXEC_LINES)]
        self.extra_arguments = [*arguments, self._preamble]
        await super().async_start_new_kernel(**kwargs)
        limit_kernel(kernel_pid(self.km), self.max_file_mb, self.max_memory_mb)

    async def async_execute_cell(self, cell, cell_index, execution_count=None, **kw):
        if cell_index in self._skip:
            cell.outputs = [_error("SkippedWhileGrading", self._skip[cell_index])]
            return cell
        if cell.cell_type == "code" and cell_index not in self._needed:
            cell.outputs = [new_output("stream", name="stdout", text=NOT_RUN)]
            return cell
        self._running = cell_index
        is_code = cell.cell_type == "code"
        is_test = is_code and utils.is_grade(cell) and not utils.is_solution(cell)
        found = []
        if is_test:
            found += await self._ask_genuine(f"guard({_names_read(cell.source)!r})")
        try:
            cell = await super().async_execute_cell(
                cell, cell_index, execution_count, **kw
            )
        except CellTimeoutError as error:  # interrupted, but its output never ended
            raise _KernelStuck(f"cell {cell_index} ignored the interrupt") from error
        if is_code:
            found += await self._ask_genuine("check()")
        _record_found(self.nb, cell, cell_index, found, is_test)
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
                evalue=detail,
                traceback=[problems.error_line("CellTimeoutError", detail)],
            )
            label = problems.cell_label(cell, cell_index)
            problems.record(self.nb, Problem(label, problems.TIMED_OUT, detail))
        return cell

    async def _ask_genuine(self, call: str) -> list[tuple[str, str]]:
        """Call `genuine.<call>` in the kernel, without a trace in the
        notebook; its answer, or ("unchecked", why) when it could not run."""
        expression = f"{_GENUINE}.{call}"
        try:
            reply = await self.kc.execute(
                "",
                silent=True,
                store_history=False,
                user_expressions={"found": expression},
                reply=True,
                timeout=self.grace,
            )
        except (TimeoutError, RuntimeError):
            return []  # the kernel is gone or busy: the cell's own outcome tells
        answer = reply["content"].get("user_expressions", {}).get("found", {})
        if answer.get("status") != "ok":
            return [("unchecked", answer.get("ename", "no answer"))]
        return ast.literal_eval(answer["data"]["text/plain"])

    async def _answers(self) -> bool:
        """True once the kernel answers again after an interrupt."""
        try:
            await asyncio.wait_for(self.kc.kernel_info(reply=True), self.grace)
        except (TimeoutError, RuntimeError):
            return False
        return True


class _KernelStuck(RuntimeError):
    """The kernel did not stop a timed-out cell when interrupted."""


_EXEC_LINES = "--IPKernelApp.exec_lines="
_GENUINE = f"__import__({genuine.__name__!r}, fromlist=['_'])"
"""An expression for `genuine` in the kernel that binds no name there."""


def _preamble(db_url: str | None, others: list[str], names: CourseDirectory) -> str:
    """The kernel argument that starts `genuine` before any student code,
    protecting the course being graded (the gradebook's folder) and `others`."""
    roots = list(others)
    gradebook = _sqlite_file(db_url)
    if gradebook is not None:
        roots.append(str(gradebook.resolve().parent))
    folders = [
        str(Path(root) / getattr(names, f"{kind}_directory"))
        for root in roots
        for kind in ("source", "release", "submitted", "autograded", "feedback")
    ]
    return f"{_EXEC_LINES}{_GENUINE}.start({folders!r}, {roots!r})"


def _rebound_in_source(nb) -> None:
    """Record the cells whose source rebinds what the tests judge with."""
    code = [
        (index, cell) for index, cell in enumerate(nb.cells) if cell.cell_type == "code"
    ]
    imported = {}
    for _, cell in code:
        imported.update(genuine.imports_in_source(cell.source))
    for index, cell in code:
        if utils.is_grade(cell) and not utils.is_solution(cell):
            continue  # a test cell is restored from the release anyway
        rebound = genuine.rebound_in_source(cell.source, imported)
        if rebound:
            detail = (
                f"It rebinds {', '.join(rebound)}. The tests ran with the genuine ones."
            )
            label = problems.cell_label(cell, index)
            problems.record(nb, Problem(label, problems.REBINDS, detail))


def _names_read(source: str) -> list[str]:
    """The names a test cell reads that mean a module (np) or a builtin."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    read = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    return sorted(read & {*genuine.MODULE_ALIASES, *dir(builtins)})


_FOUND = {
    # kind: (reason, detail for the names found, "{when}" filled in)
    "rebinds": (
        problems.REBINDS,
        "{names} rebound {when}. The tests ran with the genuine ones.",
    ),
    "reaches": (
        problems.REACHES,
        "It tried to list, read or change the course's "
        "gradebook or submissions ({names}), outside its own folder.",
    ),
    "unchecked": (
        problems.REBINDS,
        "The check that the tests judge with the "
        "genuine functions could not run in this kernel ({names}).",
    ),
}


def _record_found(nb, cell, index: int, found, is_test: bool) -> None:
    """Record what `genuine` found in the kernel around one cell."""
    when = "while this test ran" if is_test else "by this cell"
    for kind, (reason, detail) in _FOUND.items():
        names = sorted({what for found_kind, what in found if found_kind == kind})
        if names:
            text = detail.format(names=", ".join(names), when=when)
            label = problems.cell_label(cell, index)
            problems.record(nb, Problem(label, reason, text))


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
        "error",
        ename=name,
        evalue=detail,
        traceback=[problems.error_line(name, detail)],
    )


def _fail_tests(nb, detail: str) -> None:
    for cell in nb.cells:
        if utils.is_grade(cell) and cell.cell_type == "code":
            cell.outputs = [_error("NotGraded", detail)]


@contextlib.contextmanager
def _own_folder(path: str | None):
    """Yield a new folder outside the course holding a copy of `path`'s files;
    delete it afterwards with whatever the kernel wrote there."""
    folder = tempfile.mkdtemp(prefix="graded-notebook-")
    try:
        if path:
            shutil.copytree(path, folder, dirs_exist_ok=True, symlinks=True)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def _held(db_url: str | None, hold: bool):
    """With `hold`, keep the SQLite file of `db_url` in memory only, and
    write it back afterwards (over whatever a kernel put in its place)."""
    path = _sqlite_file(db_url)
    if not (hold and path is not None):
        yield
        return
    content = path.read_bytes()
    path.unlink()
    try:
        yield
    finally:
        path.unlink(missing_ok=True)
        path.write_bytes(content)


def _sqlite_file(db_url: str | None) -> Path | None:
    """The file of an `sqlite:///...` gradebook url; None for other urls."""
    prefix = "sqlite:///"
    if db_url and db_url.startswith(prefix):
        return Path(db_url[len(prefix) :])
    return None
