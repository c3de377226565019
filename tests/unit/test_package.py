"""The package's shape: imports go one way, students import no benchmark, and
no student module imports the instructor's layer (`course_utils.grading`)."""

import ast
import subprocess
import sys

from tests.conftest import REPO

PACKAGE = REPO / "course_utils"


def module_name(path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path, modules) -> set:
    """The course_utils modules that `path` imports, anywhere in the file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name in modules}


def import_graph() -> dict:
    paths = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(path) for path in paths}
    return {
        module_name(path): imports_of(path, modules) - {module_name(path)}
        for path in paths
    }


def find_cycle(graph):
    """A list of modules that import each other in a circle, or None."""
    state = {}

    def visit(node, trail):
        state[node] = "open"
        for neighbour in sorted(graph.get(node, ())):
            if state.get(neighbour) == "open":
                return [*trail[trail.index(neighbour) :], neighbour]
            if neighbour not in state:
                cycle = visit(neighbour, [*trail, neighbour])
                if cycle:
                    return cycle
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node, [node])
            if cycle:
                return cycle
    return None


def test_find_cycle_finds_a_circle_and_only_a_circle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_no_module_imports_one_that_imports_it_back():
    graph = import_graph()
    graph["course_utils"] = set()  # __init__ loads modules on first use only
    assert "course_utils.images" in graph and "course_utils.download" in graph
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph))


def test_no_student_module_imports_the_instructors_layer():
    graph = import_graph()
    student = {name for name in graph if not name.startswith("course_utils.grading")}
    assert "course_utils.settings" in student and "course_utils.grading.sizes" in graph
    reaching = {
        name: sorted(i for i in graph[name] if i.startswith("course_utils.grading"))
        for name in student
    }
    reaching = {name: found for name, found in reaching.items() if found}
    assert not reaching, f"student modules import the instructor layer: {reaching}"


def test_importing_the_package_loads_no_benchmark_and_no_grading():
    modules = sorted(
        module_name(path)
        for path in PACKAGE.rglob("*.py")
        if "grading" not in path.parts and path.name != "__main__.py"
    )
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules\n"
        "             if m.startswith(('benchmarks', 'course_utils.grading'))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    assert not list(PACKAGE.glob("bench*.py")) and not list(PACKAGE.glob("baseline*"))


MAX_MODULE_LINES, MAX_FUNCTION_LINES = 450, 80


def test_modules_and_functions_stay_small_enough_to_read():
    """A teaching assistant reads a module in one sitting: none over 450
    lines, no function over 80 (split by job instead)."""
    too_long = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = path.read_text()
        name = path.relative_to(REPO).as_posix()
        if len(source.splitlines()) > MAX_MODULE_LINES:
            too_long.append(f"{name}: {len(source.splitlines())} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    too_long.append(f"{name}: {node.name} is {lines} lines")
    assert not too_long, "\n".join(too_long)
