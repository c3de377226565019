"""The kernel papermill starts for the notebook tests runs the Python the tests run.

`make test-envs` runs the notebook tests in .venvs/oldest and .venvs/colab. A kernel
that ran another environment's Python (a "python3" kernel registered elsewhere)
would test the wrong versions, and every notebook would still pass.
"""

import os
import sys

import nbformat
import papermill

from tests.conftest import REPO

KERNEL = "python3"  # the kernel tests/notebooks/execute.py runs the notebooks in


def test_the_notebook_kernel_runs_this_python(tmp_path):
    notebook_tests = (REPO / "tests" / "notebooks" / "execute.py").read_text()
    assert f'kernel_name="{KERNEL}"' in notebook_tests
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("import sys\nprint(sys.prefix)")]
    nbformat.write(notebook, tmp_path / "prefix.ipynb")
    ran = papermill.execute_notebook(
        tmp_path / "prefix.ipynb",
        tmp_path / "ran.ipynb",
        kernel_name=KERNEL,
        progress_bar=False,
    )
    kernel_prefix = ran.cells[0].outputs[0]["text"].strip()
    assert os.path.realpath(kernel_prefix) == os.path.realpath(sys.prefix)
