"""The tests judge with the genuine functions: rebinding found in the source
and in a real graded kernel (`genuine`, through `execute.GradingExecute`),
and ordinary code left alone."""

import pytest
from nbformat.v4 import new_code_cell, new_notebook

from course_utils.grading import problems
from course_utils.grading.execute import GradingExecute
from course_utils.grading.genuine import imports_in_source, rebound_in_source

IMPORTS = (
    "import numpy as np\nimport tensorflow as tf\nimport course_utils as cu\n"
    "import matplotlib.pyplot as plt\nfrom course_utils import losses\n"
)


def rebound(source: str) -> list[str]:
    return rebound_in_source(source, imports_in_source(IMPORTS + source))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("np.allclose = lambda *a, **k: True", ["numpy.allclose"]),
        ("setattr(np, 'isclose', f)", ["numpy.isclose"]),
        ("setattr(np, name, f)", ["numpy.<attribute>"]),
        ("del np.isclose", ["numpy.isclose"]),
        ("np.testing.assert_allclose = f", ["numpy.testing.assert_allclose"]),
        ("tf.debugging.assert_near = f", ["tensorflow.debugging.assert_near"]),
        ("cu.losses.gram_matrix = mine", ["course_utils.losses.gram_matrix"]),
        ("losses.content_loss = mine", ["course_utils.losses.content_loss"]),
        ("vars(np)['allclose'] = f", ["numpy[...]"]),
        ("import builtins\nbuiltins.float = int", ["builtins.float"]),
        ("__builtins__.abs = f", ["builtins.abs"]),
        ("def f():\n    import numpy\n    numpy.isclose = g", ["numpy.isclose"]),
        ("np.allclose, np.isclose = f, f", ["numpy.allclose", "numpy.isclose"]),
        ("np = Fake()", ["np"]),
        ("import scipy as np", ["np"]),
        ("from fakes import numpy as np", ["np"]),
        ("def cu():\n    pass", ["cu"]),
        ("from course_utils import losses as exercises", ["exercises"]),
        ("from mine import worked_examples", ["worked_examples"]),
        ("for tf in range(3):\n    pass", ["tf"]),
    ],
)
def test_rebinding_what_the_tests_use_is_found(source, expected):
    assert rebound(source) == expected


@pytest.mark.parametrize(
    "source",
    [
        "import numpy as np",
        "import numpy\nimport numpy.testing as npt",
        "from numpy import allclose\nok = allclose(1.0, 1.0)",
        "allclose = 1\nisclose = np.isclose(1.0, 1.0)",
        "def allclose(a, b):\n    return abs(a - b) < 1e-9",
        "def helper(a, b):\n    allclose = np.allclose(a, b)\n    return allclose",
        "plt.rcParams['figure.dpi'] = 80",
        "np.random.seed(0)\ntf.random.set_seed(0)",
        "class Box:\n    allclose = 1\n\nbox = Box()\nbox.isclose = 2",
        "settings = cu.settings\nmine = dict(cu=1)",
        "%matplotlib inline\nx = np.zeros(3)\nx[0] = 1",
        "def broken(:",
        "from course_utils.grading import exercises, sizes, worked_examples",
        "import course_utils.grading.exercises as exercises",
    ],
)
def test_ordinary_code_is_not_flagged(source):
    assert rebound(source) == []


def _cell(source, grade_id=None, test=False):
    cell = new_code_cell(source)
    if grade_id:
        cell.metadata["nbgrader"] = {
            "grade": test,
            "grade_id": grade_id,
            "locked": test,
            "solution": not test,
            "schema_version": 3,
            **({"points": 1} if test else {}),
        }
    return cell


def test_a_graded_kernel_judges_with_the_genuine_functions(tmp_path):
    """Top-level rebinding, rebinding while a test runs (where no reading of
    the source finds it), a fake `np`, and reaching for the course's files:
    every test judged with numpy's own and each listed; an honest student's
    own `allclose` passes unflagged."""
    course = tmp_path / "course"
    (course / "submitted" / "someone").mkdir(parents=True)
    own = tmp_path / "notebook"
    own.mkdir()
    always = "lambda *args, **kwargs: True"
    nb = new_notebook(
        cells=[
            _cell("import numpy as np"),
            _cell(
                f"def double(x):\n    return 2 * x + 1\n\nnp.allclose = {always}", "a"
            ),
            _cell("assert np.allclose(double(1), 2)", "a_test", test=True),
            _cell(
                "def triple(x):\n"
                f"    setattr(__import__('num' + 'py'), 'is' + 'close', {always})\n"
                "    return 3 * x + 1",
                "b",
            ),
            _cell(
                "value = triple(1)\nassert np.isclose(value, 3)", "b_test", test=True
            ),
            _cell(
                "def allclose(a, b):\n    return abs(a - b) < 1e-9\n\n\n"
                "isclose = 1\n\n\ndef quadruple(x):\n    return 4 * x",
                "c",
            ),
            _cell("assert np.allclose(quadruple(1), 4)", "c_test", test=True),
            _cell(
                f"import os\nlisted = os.listdir({str(course / 'submitted')!r})", "d"
            ),
            _cell(
                f"np = type('Fake', (), {{'isclose': staticmethod({always})}})()", "e"
            ),
            _cell("assert np.isclose(quadruple(1), 5)", "e_test", test=True),
            _cell("print(type(np).__name__)", "f"),  # its own np, after the test
        ]
    )
    resources = {
        "metadata": {"path": str(own)},
        "nbgrader": {"db_url": f"sqlite:///{course / 'gradebook.db'}"},
    }
    GradingExecute(timeout=60).preprocess(nb, resources)

    failed = {
        cell.metadata["nbgrader"]["grade_id"]
        for cell in nb.cells
        if any(output.output_type == "error" for output in cell.outputs)
    }
    assert failed == {"a_test", "b_test", "e_test"}
    listed = {(p.cell, p.reason) for p in problems.recorded(nb)}
    assert listed == {
        ("a", problems.REBINDS),
        ("b_test", problems.REBINDS),
        ("d", problems.REACHES),
        ("e", problems.REBINDS),
        ("e_test", problems.REBINDS),
    }
    details = {p.cell: p.detail for p in problems.recorded(nb)}
    assert "numpy.allclose" in details["a"]
    assert "numpy.isclose" in details["b_test"]
    assert "os.listdir" in details["d"]
    assert nb.cells[-1].outputs[0].text == "Fake\n"


@pytest.mark.slow  # a kernel with TensorFlow; the test above covers the guard
def test_a_worked_example_judges_with_the_genuine_functions_too():
    """The visible tests run the package's worked examples: a content_loss
    that rebinds numpy's comparisons each time it is called (no reading of
    the source finds it) is still judged with numpy's own inside them, and
    listed; an honest one beside it passes."""
    always = "lambda *args, **kwargs: True"
    nb = new_notebook(
        cells=[
            _cell(
                "import numpy as np\n"
                "from course_utils.grading import exercises, worked_examples"
            ),
            _cell(
                "def content_loss(generated, content):\n"
                f"    setattr(__import__('num' + 'py'), 'is' + 'close', {always})\n"
                "    return float(np.sum((np.asarray(generated) - content) ** 2))",
                "content_loss",
            ),
            _cell(
                '"""The worked example."""\n'
                'with exercises.isolated("content_loss", globals()):\n'
                "    worked_examples.content_loss(content_loss)",
                "content_loss_test",
                test=True,
            ),
            _cell(
                "def total_loss(content_loss, style_loss, alpha, beta):\n"
                "    return alpha * content_loss + beta * style_loss",
                "total_loss",
            ),
            _cell(
                '"""The worked example."""\n'
                'with exercises.isolated("total_loss", globals()):\n'
                "    worked_examples.total_loss(total_loss)",
                "total_loss_test",
                test=True,
            ),
        ]
    )
    GradingExecute(timeout=60).preprocess(nb, {"metadata": {"path": "."}})
    failed = {
        cell.metadata["nbgrader"]["grade_id"]
        for cell in nb.cells
        if any(output.output_type == "error" for output in cell.outputs)
    }
    assert failed == {"content_loss_test"}
    assert "Did you forget the 1/2" in str(nb.cells[2].outputs)
    listed = {(p.cell, p.reason, p.detail) for p in problems.recorded(nb)}
    assert {(cell, reason) for cell, reason, _ in listed} == {
        ("content_loss_test", problems.REBINDS)
    }
    assert "numpy.isclose" in next(iter(listed))[2]
