"""Which cells of a notebook the grades depend on.

Grading runs a notebook's graded test cells and every cell they depend on,
and skips the rest (the figures, the long demonstrations): importing
TensorFlow and starting a kernel already cost about 5 s a notebook, and the
demonstrations cost 10 to 35 s more each at grading size, for a score they
cannot change. A cell is needed when it is a graded or solution cell, or when
it binds a name that a needed cell later reads (an assignment, def, import,
for or with target), or changes such a name in place (`x[i] = ...`,
`x.attribute = ...`, `x += ...`). A cell whose source cannot be parsed is
always run.
"""

from __future__ import annotations

import ast
import builtins

from IPython.core.inputtransformer2 import TransformerManager
from nbgrader import utils

_IPYTHON = TransformerManager()


def needed_cells(cells) -> set[int]:
    """Return the indices of the code cells that grading must run."""
    analysed = [_names(cell) if cell.cell_type == "code" else None for cell in cells]
    needed, wanted = set(), set()
    for index in range(len(cells) - 1, -1, -1):  # backwards: later cells read
        names = analysed[index]
        if names is None:
            continue
        binds, reads = names
        cell = cells[index]
        if (
            binds is _UNKNOWN
            or utils.is_grade(cell)
            or utils.is_solution(cell)
            or binds & wanted
        ):
            needed.add(index)
            wanted |= reads if reads is not _UNKNOWN else set()
    return needed


_UNKNOWN = frozenset({"<unparsable>"})


def _names(cell):
    """(names the cell binds or changes, names it reads first) of one code cell.

    Statements are taken in order, into the bodies of `with`, `for`, `if`,
    `while` and `try`: a name read after the same cell bound it is not read
    from an earlier cell. A function reads the globals its body loads that
    are neither its parameters nor its local variables.
    """
    try:
        tree = ast.parse(_IPYTHON.transform_cell(cell.source))
    except (SyntaxError, ValueError):
        return _UNKNOWN, _UNKNOWN
    binds, reads = set(), set()
    try:
        _block(tree.body, binds, reads)
    except _StarImport:
        return _UNKNOWN, _UNKNOWN
    return binds, reads - set(dir(builtins))


class _StarImport(Exception):
    """`from module import *` binds names nobody can list."""


_COMPOUND = (ast.With, ast.AsyncWith, ast.For, ast.AsyncFor, ast.If, ast.While, ast.Try)


def _block(statements, binds: set, reads: set) -> None:
    for statement in statements:
        if isinstance(statement, _COMPOUND):
            bodies = [
                getattr(statement, field)
                for field in ("body", "orelse", "finalbody")
                if getattr(statement, field, None)
            ]
            bodies += [handler.body for handler in getattr(statement, "handlers", [])]
            header = [
                node
                for field, node in ast.iter_fields(statement)
                if field not in ("body", "orelse", "finalbody", "handlers")
            ]
            stored, loaded = _expression_names(header)
            reads |= loaded - binds
            binds |= stored
            for body in bodies:
                _block(body, binds, reads)
        elif isinstance(
            statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
        ):
            stored, loaded = _expression_names(statement.body)
            arguments = {a.arg for a in ast.walk(statement) if isinstance(a, ast.arg)}
            decorators = _expression_names(statement.decorator_list)[1]
            reads |= (loaded - stored - arguments - binds) | (decorators - binds)
            binds.add(statement.name)
        else:
            stored, loaded = _expression_names([statement])
            reads |= loaded - binds
            binds |= stored


def _expression_names(nodes):
    """(names stored or changed, names loaded) anywhere under `nodes`."""
    stored, loaded = set(), set()
    for root in nodes:
        for node in ast.walk(root) if isinstance(root, ast.AST) else _walk_all(root):
            if isinstance(node, ast.Name):
                (loaded if isinstance(node.ctx, ast.Load) else stored).add(node.id)
            elif isinstance(
                node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
            ):
                stored.add(node.name)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    if alias.name == "*":
                        raise _StarImport
                    stored.add((alias.asname or alias.name).split(".")[0])
            elif isinstance(node, (ast.Attribute, ast.Subscript)) and isinstance(
                node.ctx, (ast.Store, ast.Del)
            ):
                base = node
                while isinstance(base, (ast.Attribute, ast.Subscript)):
                    base = base.value
                if isinstance(base, ast.Name):
                    stored.add(base.id)
            elif isinstance(node, ast.Global):
                stored.update(node.names)
    return stored, loaded


def _walk_all(items):
    for item in items if isinstance(items, list) else [items]:
        if isinstance(item, ast.AST):
            yield from ast.walk(item)
