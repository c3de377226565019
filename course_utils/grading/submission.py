"""Reading a student's notebook file, even one that is not a notebook.

nbgrader gives up on a student whose notebook it cannot read: it deletes the
student's graded folder, so the other notebooks go ungraded too. With
`SubmissionExporter` (registered in `nbgrader_config.py`), an unreadable file
(truncated JSON, not a notebook, not UTF-8) is graded as a stand-in notebook
holding the assignment's tests, which all score 0 with the reason; the
student's other notebooks are graded as usual.
"""

from __future__ import annotations

import nbformat
from nbconvert.exporters import NotebookExporter
from nbformat.v4 import new_markdown_cell, new_notebook

from course_utils.grading import problems
from course_utils.grading.preprocessors import locked_cell, released_cells
from course_utils.grading.problems import UNREADABLE_KEY
from course_utils.messages import first_line


class SubmissionExporter(NotebookExporter):
    """nbconvert's NotebookExporter, with a stand-in for unreadable files."""

    def from_file(self, file_stream, resources=None, **kw):
        try:
            nb = nbformat.read(file_stream, as_version=4)
        except Exception as error:  # any file a student's editor could leave
            self.log.warning("Unreadable notebook %s: %s", file_stream.name, error)
            nb = stand_in(resources["nbgrader"], first_line(error))
        return self.from_notebook_node(nb, resources, **kw)


def stand_in(info: dict, why: str):
    """A notebook with the assignment's test cells and a note saying why."""
    tests = [locked_cell(cell) for cell in released_cells(info) if cell.is_test]
    detail = (
        f"{info['notebook']}.ipynb could not be read ({why}), so it was graded "
        "as an empty notebook: every test scores 0. Check that the file opens "
        "in JupyterLab, then submit it again."
    )
    nb = new_notebook(cells=[new_markdown_cell(f"**Not graded.** {detail}"), *tests])
    nb.metadata[UNREADABLE_KEY] = True
    nb.metadata.kernelspec = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    problems.record(nb, problems.Problem("", problems.NOT_JSON, detail))
    return nb
