"""The graded tests judge with the genuine functions, and reach no course files.

A solution cell could make every test pass by rebinding what the tests judge
with (`np.allclose = lambda *a, **k: True`), or try to damage the gradebook.
Two guards, both reported as needs-attention lines:

- Reading the source (`rebound_in_source`): a cell that assigns, sets or
  deletes an attribute of an imported module (`np.allclose = ...`,
  `setattr(np, "isclose", ...)`, `tf.debugging.assert_near = ...`), or binds
  one of the names the tests use for a module (`np`, `tf`, `cu`) to
  something else. Ordinary code is not flagged: `import numpy as np`,
  helper functions, a variable of its own called `allclose`.
- In the graded kernel (`start`, run before any student code by
  `execute.GradingExecute`): the functions of builtins, math, numpy,
  TensorFlow and `course_utils` are noted at start-up. After every cell
  (`check`) whatever was rebound is put back and reported; while a test cell
  runs (`guard`) they are put back before each of its lines, and of the
  worked examples it runs, and after each call these make, so a function
  under test that rebinds one while it runs is judged with the genuine one
  too. An audit hook reports a cell that lists, opens or changes the
  course's gradebook or submissions.

These guards stop a rebinding, not a student set on defeating them from
inside the same Python process; the README's grading section says what such
a student can still do.
"""

from __future__ import annotations

import ast
import builtins
import functools
import os
import sys
import types

from course_utils.startup import quiet_start

MODULE_ALIASES = {
    "np": "numpy",
    "tf": "tensorflow",
    "cu": "course_utils",
    "exercises": "course_utils.grading.exercises",
    "worked_examples": "course_utils.grading.worked_examples",
}
"""The names the test cells use for modules, and the modules they mean."""

WATCHED = (
    "builtins",
    "math",
    "numpy",
    "numpy.testing",
    "numpy.linalg",
    "tensorflow",
    "tensorflow.math",
    "tensorflow.debugging",
)
"""Modules whose functions the tests judge with; with them, `course_utils`'s
reference functions (`grading.exercises` and every module loaded with it) and the
classes of a TensorFlow tensor."""

# IPython and ipykernel add and replace these builtins themselves (ipykernel
# binds `input` to the front end's for each cell).
_KERNEL_BUILTINS = {"exit", "quit", "get_ipython", "display", "help", "_", "input"}
_AUDITED = {
    "open",
    "os.listdir",
    "os.scandir",
    "glob.glob",
    "os.remove",
    "os.rename",
    "os.replace",
    "os.truncate",
    "os.rmdir",
    "shutil.rmtree",
    "shutil.copyfile",
    "os.chmod",
    "os.symlink",
    "os.link",
}


# ---------------------------------------------------------------- the source


def rebound_in_source(source: str, imported: dict[str, str]) -> list[str]:
    """What a cell's code rebinds, as dotted names ("numpy.allclose").

    Args:
        source: a code cell's source (IPython magics allowed).
        imported: {name: module} for the names the notebook binds by import
            (`imports_in_source`), e.g. {"np": "numpy"}.

    Returns:
        Sorted dotted names within the watched modules (WATCHED and
        `course_utils`); [] for ordinary code or a cell that does not parse.
    """
    tree = _tree(source)
    if tree is None:
        return []
    modules = {**MODULE_ALIASES, **imported, "builtins": "builtins"}
    found = set()
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        elif isinstance(node, ast.Delete):
            targets = node.targets
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("setattr", "delattr")
            and node.args
        ):
            owner = _dotted(node.args[0], modules)
            if owner:
                name = node.args[1] if len(node.args) > 1 else None
                if isinstance(name, ast.Constant) and isinstance(name.value, str):
                    found.add(f"{owner}.{name.value}")
                else:
                    found.add(f"{owner}.<attribute>")
        for target in targets:
            for part in _unpacked(target):
                if isinstance(part, (ast.Attribute, ast.Subscript)):
                    owner = _dotted(part.value, modules)
                    if owner and isinstance(part, ast.Attribute):
                        found.add(f"{owner}.{part.attr}")
                    elif owner:
                        found.add(f"{owner}[...]")
        found.update(_aliases_rebound(node))
    return sorted(n for n in found if n.split(".")[0].split("[")[0] in _WATCHED_TOPS)


_WATCHED_TOPS = {*(m.split(".")[0] for m in WATCHED), "course_utils", *MODULE_ALIASES}


def imports_in_source(source: str) -> dict[str, str]:
    """{name: module} for the modules a cell binds by `import` statements."""
    tree = _tree(source)
    if tree is None:
        return {}
    bound = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    bound[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    bound[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                # `from course_utils import losses`: a module, or a function
                # whose attributes are then not the module's to rebind
                bound[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return bound


@functools.lru_cache(maxsize=256)
def _tree(source: str) -> ast.Module | None:
    """A cell's syntax tree, or None; parsed once for both readings above."""
    from course_utils.grading.dependencies import parsed  # host side only

    try:
        return parsed(source)
    except (SyntaxError, ValueError):
        return None


def _aliases_rebound(node) -> set[str]:
    """The test cells' module names (np, tf, cu) bound to anything but their
    module."""
    found = set()
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        for alias in node.names:
            name = alias.asname or alias.name.split(".")[0]
            if isinstance(node, ast.ImportFrom):  # the module, if it is one
                module = f"{node.module}.{alias.name}" if not node.level else None
            else:
                module = alias.name if alias.asname else name
            if name in MODULE_ALIASES and module != MODULE_ALIASES[name]:
                found.add(name)
        return found
    bound = []
    if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.For)):
        targets = getattr(node, "targets", None) or [node.target]
        bound = [p.id for t in targets for p in _unpacked(t) if isinstance(p, ast.Name)]
    elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        bound = [node.name]
    elif isinstance(node, ast.withitem) and node.optional_vars is not None:
        bound = [p.id for p in _unpacked(node.optional_vars) if isinstance(p, ast.Name)]
    elif isinstance(node, ast.NamedExpr):
        bound = [node.target.id]
    return {name for name in bound if name in MODULE_ALIASES}


def _unpacked(target):
    if isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _unpacked(element)
    elif isinstance(target, ast.Starred):
        yield from _unpacked(target.value)
    else:
        yield target


def _dotted(node, modules: dict[str, str]) -> str | None:
    """ "numpy.testing" for `np.testing` when `np` is imported numpy, else None."""
    if isinstance(node, ast.Name):
        if node.id == "__builtins__":
            return "builtins"
        return modules.get(node.id)
    if isinstance(node, ast.Attribute):
        owner = _dotted(node.value, modules)
        if owner:
            return f"{owner}.{node.attr}" if node.attr != "__dict__" else owner
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        if node.func.id == "vars" and node.args:
            return _dotted(node.args[0], modules)
    return None


# ---------------------------------------------------------------- the kernel


class _State:
    """What the graded kernel noted at start-up, and what it found since."""

    def __init__(self):
        self.functions = []  # [(owner's dict, owner, name, dotted name, value, code)]
        self.namespace = {}  # the notebook's globals
        self.folders, self.roots = (), ()
        self.builtins = set()  # the builtins noted at start-up
        self.found = []  # [(kind, what)]
        self.stashed = {}  # names a test reads, bound to something else
        self.test_file = None
        self.judges = set()  # files of the package's checks the tests run
        self.in_hook = False


_state = _State()


def start(folders: list[str], roots: list[str]) -> None:
    """Note the genuine functions and start the audit hook; run once, before
    any student code, in the graded kernel.

    Args:
        folders: folders no cell may list, open or change (submissions,
            graded notebooks, feedback, release, source).
        roots: course folders; a cell may not list them or touch a file
            directly in them (the gradebook).
    """
    import IPython

    _state.namespace = IPython.get_ipython().user_ns
    _state.folders = tuple(os.path.realpath(f) for f in folders)
    _state.roots = tuple(os.path.realpath(r) for r in roots)
    with quiet_start():  # TensorFlow's start-up lines
        _note_functions()
    _state.judges = {sys.modules["course_utils.grading.worked_examples"].__file__}
    sys.addaudithook(_audit)


def guard(names: list[str]) -> list[tuple[str, str]]:
    """Before a test cell: put back what was rebound, make the notebook's
    names the test reads (`names`) mean their modules and builtins, and keep
    the functions genuine while the test runs: put back before each line of
    it and of the worked examples it runs, and after each call these make
    (sys.settrace; it costs about 5 % of a graded notebook's time).
    Returns what was found."""
    found = check()
    for name in names:
        genuine = _genuine_name(name)
        if genuine is _MISSING or name not in _state.namespace:
            continue
        value = _state.namespace[name]
        if value is genuine:
            continue
        _state.stashed[name] = value
        if name in MODULE_ALIASES:
            _state.namespace[name] = genuine
        else:
            del _state.namespace[name]  # the builtin shows through
        found.append(("rebinds", name))
    _state.test_file = None
    sys.settrace(_on_call)
    return found


def check() -> list[tuple[str, str]]:
    """After a cell: stop guarding a test, give the notebook back its own
    names, put back what was rebound. Returns what was found since the last
    call, as [(kind, what)]: ("rebinds", "numpy.allclose") or
    ("reaches", "os.scandir")."""
    sys.settrace(None)
    _state.namespace.update(_state.stashed)
    _state.stashed = {}
    _restore()
    found, _state.found = _state.found, []
    return sorted(set(found))


_MISSING = object()


def _genuine_name(name: str):
    if name in MODULE_ALIASES:
        return sys.modules.get(MODULE_ALIASES[name], _MISSING)
    return vars(builtins).get(name, _MISSING) if name in _state.builtins else _MISSING


def _note_functions() -> None:
    import importlib

    owners = []
    for dotted in WATCHED:
        root, *rest = dotted.split(".")
        try:
            owner = importlib.import_module(root)
            for part in rest:
                owner = getattr(owner, part)
        except (ImportError, AttributeError):
            continue
        owners.append((owner, dotted))
    importlib.import_module("course_utils.grading.exercises")  # and the references
    owners += [
        (module, name)
        for name, module in list(sys.modules.items())
        if (name == "course_utils" or name.startswith("course_utils."))
        and name != __name__
    ]
    if "tensorflow" in sys.modules:
        tensor = type(sys.modules["tensorflow"].constant(0.0))
        owners += [(cls, cls.__qualname__) for cls in tensor.__mro__[:-1]]
    for owner, label in owners:
        is_class = isinstance(owner, type)
        mapping = vars(owner)
        for name, value in list(mapping.items()):
            if isinstance(value, types.ModuleType) or not (
                callable(value) or isinstance(value, _DESCRIPTORS)
            ):
                continue
            if owner is builtins and name in _KERNEL_BUILTINS:
                continue
            if not is_class and name.startswith("_") and owner is not builtins:
                continue
            code = value.__code__ if isinstance(value, types.FunctionType) else None
            _state.functions.append(
                (mapping, owner, name, f"{label}.{name}", value, code)
            )
            if owner is builtins:
                _state.builtins.add(name)


_DESCRIPTORS = (property, classmethod, staticmethod)


def _restore() -> None:
    """Put back every noted function that was rebound, deleted or given
    other code. Subscripts only on the way, no calls: this runs before every
    line of a test, under `exercises.isolated`'s profile hook."""
    for mapping, owner, name, dotted, value, code in _state.functions:
        try:
            now = mapping[name]
        except KeyError:
            now = _MISSING
        if now is not value:
            setattr(owner, name, value)
            _state.found.append(("rebinds", dotted))
        elif code is not None and value.__code__ is not code:
            value.__code__ = code
            _state.found.append(("rebinds", dotted))


def _on_call(frame, event, arg):
    """sys.settrace's hook while a test cell runs: trace the test's own
    frames and those of the worked examples it runs (`course_utils.grading.
    worked_examples`) line by line, and the calls they make until they return."""
    code = frame.f_code
    if (
        _state.test_file is None
        and frame.f_globals is _state.namespace
        and code.co_name == "<module>"
    ):
        _state.test_file = code.co_filename
    if _judging(code):
        return _in_test
    caller = frame.f_back
    if caller is not None and _judging(caller.f_code):
        frame.f_trace_lines = False
        return _called_by_test
    return None


def _judging(code) -> bool:
    """Is this the test cell's code, or a worked example it runs?"""
    return code.co_filename == _state.test_file or code.co_filename in _state.judges


def _in_test(frame, event, arg):
    if event == "line":
        _restore()
    return _in_test


def _called_by_test(frame, event, arg):
    if event == "return":
        _restore()
    return _called_by_test


def _audit(event: str, args: tuple) -> None:
    """sys.addaudithook's hook: note a cell that reaches the course's files."""
    if event not in _AUDITED or _state.in_hook or not args:
        return
    _state.in_hook = True
    try:
        paths = [a for a in args[:2] if isinstance(a, (str, bytes, os.PathLike))]
        for path in paths:
            if _protected(os.fsdecode(path), event):
                _state.found.append(("reaches", event))
    except (OSError, ValueError, TypeError):
        pass
    finally:
        _state.in_hook = False


def _protected(path: str, event: str) -> bool:
    if event == "glob.glob":
        path = os.path.dirname(path) or "."
    real = os.path.realpath(path)
    if real in _state.roots:
        return True  # listing a course folder
    if os.path.dirname(real) in _state.roots:
        return True  # a file in a course folder: the gradebook, its config
    return any(real == f or real.startswith(f + os.sep) for f in _state.folders)
