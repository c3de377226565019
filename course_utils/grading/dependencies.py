"""Which cells of a notebook the grades depend on.

Grading runs a notebook's graded test cells and every cell they depend on,
and skips the rest (the figures, the long demonstrations): starting a kernel
and importing TensorFlow already cost about 5 s a notebook, and the
demonstrations cost 10 to 35 s more each at grading size, for a score they
cannot change (measured on 2 cores; see the README's grading figures).

A code cell is needed when it is a graded or solution cell, or when it comes
before the last needed cell and binds a name a needed cell reads: an
assignment, def, class, import, for or with target, an in-place change
(`x[i] = ...`, `x.attribute = ...`, `x += ...`), or a method call on a
name that is not a module (`x.append(...)`, `v.assign(...)`). Reads include
the globals a function body uses when it is called, and its defaults,
annotations and decorators. Cells the analysis cannot follow always run:
ones that do not parse, use IPython magics or shell commands, `exec`,
`eval`, `vars()` or `from ... import *`, or change `globals()` or `locals()`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from IPython.core.inputtransformer2 import TransformerManager
from nbgrader import utils

_IPYTHON = TransformerManager()
_OPAQUE = {"get_ipython", "exec", "eval", "vars", "__import__"}
_NAMESPACES = {"globals", "locals"}  # opaque when changed: globals().update(...)


@dataclass
class _Names:
    binds: set = field(default_factory=set)
    reads: set = field(default_factory=set)
    imports: set = field(default_factory=set)
    called_on: set = field(default_factory=set)  # x in x.method(...)


class _Opaque(Exception):
    """The cell does something the analysis cannot follow."""


def needed_cells(cells) -> set[int]:
    """Return the indices of the code cells that grading must run."""
    if not any(utils.is_grade(cell) for cell in cells):
        return set()
    analysed = {
        index: _names(cell)
        for index, cell in enumerate(cells)
        if cell.cell_type == "code"
    }
    modules = set().union(*(n.imports for n in analysed.values() if n is not None))
    needed = {
        index
        for index, names in analysed.items()
        if names is None
        or utils.is_grade(cells[index])
        or utils.is_solution(cells[index])
    }
    wanted = set().union(
        *(analysed[i].reads for i in needed if analysed[i] is not None)
    )
    changed = True
    while changed:  # until no more cells bind what the needed ones read
        changed, last = False, max(needed)
        for index, names in analysed.items():
            if index in needed or index > last or names is None:
                continue
            if (names.binds | (names.called_on - modules)) & wanted:
                needed.add(index)
                wanted |= names.reads
                changed = True
    return needed


def parsed(source: str) -> ast.Module:
    """A code cell's source as Python, IPython magics and shell commands
    turned into calls. Raises SyntaxError (or ValueError) if it is not."""
    return ast.parse(_IPYTHON.transform_cell(source))


def _names(cell) -> _Names | None:
    """What one code cell binds and reads first; None if it cannot be followed.

    Statements are taken in order, into the bodies of `with`, `for`, `if`,
    `while` and `try`: a name read after the same cell bound it is not read
    from an earlier cell.
    """
    try:
        names = _Names()
        _block(parsed(cell.source).body, names)
    except (SyntaxError, ValueError, _Opaque):
        return None
    for found in (names.binds, names.reads, names.called_on):
        found.discard(None)
    return names


_COMPOUND = (ast.With, ast.AsyncWith, ast.For, ast.AsyncFor, ast.If, ast.While, ast.Try)
_BODIES = ("body", "orelse", "finalbody", "handlers")


def _block(statements, names: _Names) -> None:
    for statement in statements:
        if isinstance(statement, _COMPOUND):
            header = [
                node for key, node in ast.iter_fields(statement) if key not in _BODIES
            ]
            _add(_collect(header), names)
            for key in ("body", "orelse", "finalbody"):
                _block(getattr(statement, key, None) or [], names)
            for handler in getattr(statement, "handlers", []):
                _add(_collect([handler.type]), names)
                names.binds.add(handler.name)
                _block(handler.body, names)
        elif isinstance(
            statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
        ):
            header = [node for key, node in ast.iter_fields(statement) if key != "body"]
            at_definition = _collect(header)  # decorators, defaults, annotations, bases
            body = _collect(statement.body)
            arguments = {a.arg for a in ast.walk(statement) if isinstance(a, ast.arg)}
            names.reads |= (at_definition.reads - names.binds) | (
                body.reads - body.binds - arguments - names.binds
            )
            names.imports |= body.imports
            names.called_on |= body.called_on - body.binds - arguments
            names.binds.add(statement.name)
        else:
            _add(_collect([statement]), names)


def _add(found: _Names, names: _Names) -> None:
    names.reads |= found.reads - names.binds
    names.binds |= found.binds
    names.imports |= found.imports
    names.called_on |= found.called_on


def _collect(nodes) -> _Names:
    """Every name stored, changed, loaded or imported anywhere under `nodes`."""
    found = _Names()
    for root in nodes:
        for item in root if isinstance(root, list) else [root]:
            if isinstance(item, ast.AST):
                for node in ast.walk(item):
                    _visit(node, found)
    return found


def _visit(node, found: _Names) -> None:
    if isinstance(node, ast.Name):
        if node.id in _OPAQUE:
            raise _Opaque(node.id)
        (found.reads if isinstance(node.ctx, ast.Load) else found.binds).add(node.id)
    elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        found.binds.add(node.name)
    elif isinstance(node, (ast.Import, ast.ImportFrom)):
        for alias in node.names:
            if alias.name == "*":
                raise _Opaque("import *")
            name = (alias.asname or alias.name).split(".")[0]
            found.binds.add(name)
            found.imports.add(name)
    elif isinstance(node, (ast.Attribute, ast.Subscript)):
        value = node.value
        if (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Name)
            and value.func.id in _NAMESPACES
        ):
            raise _Opaque(value.func.id)
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            found.binds.add(_base(node))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        found.called_on.add(_base(node.func.value, through_calls=False))
    elif isinstance(node, ast.Global):
        found.binds.update(node.names)


def _base(node, through_calls: bool = True) -> str | None:
    """x in x.a.b[c] (and in x.f().b when `through_calls`), or None."""
    kinds = (
        (ast.Attribute, ast.Subscript, ast.Call)
        if through_calls
        else (
            ast.Attribute,
            ast.Subscript,
        )
    )
    while isinstance(node, kinds):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None
