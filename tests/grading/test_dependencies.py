"""dependencies.needed_cells: grading runs the graded cells and what they read."""

from nbformat.v4 import new_code_cell, new_markdown_cell

from course_utils.grading.dependencies import needed_cells


def solution(source, grade_id="answer"):
    return new_code_cell(
        source,
        metadata={"nbgrader": {"solution": True, "grade": False, "grade_id": grade_id}},
    )


def graded(source, grade_id="check"):
    return new_code_cell(
        source,
        metadata={"nbgrader": {"grade": True, "grade_id": grade_id, "points": 1}},
    )


def cells(*items):
    return [new_code_cell(item) if isinstance(item, str) else item for item in items]


def test_only_what_the_tests_read_is_run():
    notebook = cells(
        "import numpy as np\nimport slow_plotting",  # 0: binds np
        "SIZE = 512",  # 1: read by the demo only
        solution("def f(x):\n    y = np.square(x)\n    return y"),  # 2
        "picture = slow_plotting.draw(f, SIZE)",  # 3: a demo
        graded("assert f(2) == 4"),  # 4
        "more = f(picture)",  # 5: after the last test
    )
    assert needed_cells(notebook) == {0, 2, 4}


def test_a_name_bound_in_a_demo_and_read_by_a_solution_runs_the_demo():
    notebook = cells(
        "scale = 3",
        "unused = 1",
        solution("def f(x):\n    return scale * x"),
        graded("assert f(1) == 3"),
    )
    assert needed_cells(notebook) == {0, 2, 3}


def test_changing_a_name_in_place_counts_as_binding_it():
    notebook = cells(
        "table = {}",
        "table['a'] = 1",
        "table.extra = 2",
        "total = 0\ntotal += 5",
        graded("assert table['a'] == 1"),
    )
    assert needed_cells(notebook) == {0, 1, 2, 4}


def test_names_a_test_binds_before_reading_need_nothing_earlier():
    notebook = cells(
        "F = slow()",
        graded(
            '"""doc"""\nwith checks():\n    F = [1]\n'
            "    for shape in F:\n        assert shape"
        ),
    )
    assert needed_cells(notebook) == {1}


def test_function_locals_and_parameters_are_not_globals():
    notebook = cells(
        "content = big_image()",
        solution(
            "def loss(generated, content):\n"
            "    diff = generated - content\n    return diff"
        ),
        graded("assert loss(1, 1) == 0"),
    )
    assert needed_cells(notebook) == {1, 2}


def test_unparsable_cells_and_star_imports_always_run():
    notebook = cells(
        "def broken(:",
        "from helpers import *",
        "x = 1",
        graded("assert True"),
        new_markdown_cell("text"),
    )
    assert needed_cells(notebook) == {0, 1, 3}


def test_ipython_magics_and_shell_commands_always_run():
    notebook = cells(
        "%matplotlib inline\nimport numpy as np",
        "!echo hi",
        graded("assert np.ones(1)[0] == 1"),
    )
    assert needed_cells(notebook) == {0, 1, 2}


def test_a_notebook_without_graded_cells_needs_nothing():
    assert needed_cells(cells("import numpy", "print(1)")) == set()


def test_a_helper_defined_after_the_solution_still_runs():
    notebook = cells(
        solution("def f(x):\n    return helper(x)"),
        "def helper(x):\n    return 2 * x",
        "demo = f(3)",
        graded("assert f(1) == 2"),
    )
    assert needed_cells(notebook) == {0, 1, 3}


def test_defaults_annotations_and_bases_are_read_when_the_def_runs():
    notebook = cells(
        "WEIGHT = 2",
        "Base = object",
        "unused = 3",
        solution("class Loss(Base):\n    pass\ndef f(x, w=WEIGHT):\n    return w * x"),
        graded("assert f(1) == 2"),
    )
    assert needed_cells(notebook) == {0, 1, 3, 4}


def test_a_method_call_may_change_a_value_but_not_a_module():
    notebook = cells(
        "import numpy as np\nitems = []",
        "items.append(1)",
        "np.random.seed(0)",
        graded("assert items == [1]"),
    )
    assert needed_cells(notebook) == {0, 1, 3}


def test_cells_the_analysis_cannot_follow_always_run():
    notebook = cells(
        "%%capture\nx = 1",
        "exec('y = 2')",
        "globals().update(z=3)",
        "plain = 4",
        graded("assert True"),
    )
    assert needed_cells(notebook) == {0, 1, 2, 4}


def test_a_students_own_builtin_name_is_a_dependency():
    notebook = cells("def sum(values):\n    return 0", graded("assert sum([1]) == 0"))
    assert needed_cells(notebook) == {0, 1}


def test_names_bound_in_except_and_else_branches():
    notebook = cells(
        "try:\n    import fast as lib\nexcept ImportError as error:\n    lib = None\n"
        "else:\n    ok = True",
        graded("assert lib is None or ok"),
    )
    assert needed_cells(notebook) == {0, 1}
