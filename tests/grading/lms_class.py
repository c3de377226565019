"""A class that worked on Colab and handed in through an LMS, for the grading tests.

Each student's notebooks are the released ones with the instructor's solutions
(`classroom.solved`), saved the way Colab saves them (nbformat 4.0, no cell
ids, Colab's metadata, big outputs from a GPU run), changed the way Colab
submissions go wrong, and renamed the way Drive and the LMS rename files.
`canvas_zip` and `moodle_zip` write the same class as each LMS's bulk
download. EXPECTED gives every student's exact score per graded notebook, and
ATTENTION every line the needs-attention list must hold.
"""

from __future__ import annotations

import copy
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

from course_utils.grading import problems
from tests.grading.classroom import FULL, NO_HALF, _cell, _scores, classic_bugs, solved


@dataclass(frozen=True)
class Student:
    canvas_name: str  # Canvas's sortable name, as its download writes it
    canvas_id: int
    moodle_name: str
    moodle_id: int  # Moodle's participant id
    late: bool = False

    @property
    def canvas(self) -> str:
        """The student id `make collect` gives a Canvas download."""
        return self.canvas_name

    @property
    def moodle(self) -> str:
        """The student id `make collect` gives a Moodle download."""
        return self.moodle_name.lower().replace(" ", "_")


def colab_saved(nb, run_on_gpu: bool = True) -> dict:
    """`nb` as Colab writes it: nbformat 4.0, cell ids in the cells' metadata
    only, Colab's notebook metadata, and the outputs of a run on a GPU."""
    nb = json.loads(json.dumps(nb))
    nb["nbformat_minor"] = 0
    nb["metadata"] = {
        "colab": {"provenance": [], "gpuType": "T4"},
        "accelerator": "GPU",
        "kernelspec": {"name": "python3", "display_name": "Python 3"},
        "language_info": {"name": "python"},
    }
    for index, cell in enumerate(nb["cells"]):
        cell.pop("id", None)
        cell["metadata"]["id"] = f"c{index:04d}xYz"
        if cell["cell_type"] == "code" and run_on_gpu:
            cell["metadata"]["outputId"] = f"o{index:04d}"
            cell["execution_count"] = index
            cell["outputs"] = [
                {"output_type": "stream", "name": "stdout", "text": ["GPU run\n"]}
            ]
    first_code = next(c for c in nb["cells"] if c["cell_type"] == "code")
    first_code["outputs"].append(  # a 1.5 MB figure, as a run at full size makes
        {
            "output_type": "display_data",
            "metadata": {},
            "data": {"image/png": "iVBORw0KGgo" + "A" * 1_500_000},
        }
    )
    return nb


def colab_perfect(notebooks):
    """Everything right; Drive's and the LMS's names on four of the files."""
    return notebooks, {
        "02_content_loss": "Copy of 02_content_loss.ipynb",
        "03_gram_matrix_and_style_loss": "03_gram_matrix_and_style_loss (1).ipynb",
        "04_total_loss_and_optimisation": "04_total_loss_and_optimisation-1.ipynb",
        "07_beyond_the_report": "Copy_of_07 Beyond the Report.ipynb",
    }


def duplicated(notebooks):
    """A wrong first copy of gram_matrix's cell above the right one, a copy
    of a test cell, and total_loss's cell turned into Markdown."""
    nb = notebooks["03_gram_matrix_and_style_loss"]
    cell = _cell(nb, "gram_matrix")
    wrong = copy.deepcopy(cell)
    wrong.source = "def gram_matrix(features):\n    return 0.0\n"
    nb.cells.insert(nb.cells.index(cell), wrong)
    test = _cell(nb, "style_loss_worked_example")
    nb.cells.insert(nb.cells.index(test), copy.deepcopy(test))
    retyped = _cell(notebooks["04_total_loss_and_optimisation"], "total_loss")
    retyped.cell_type = "markdown"
    del retyped["outputs"], retyped["execution_count"]
    return notebooks, {"03_gram_matrix_and_style_loss": "Copy of Copy of 03.ipynb"}


LOST = ("gram_matrix", "gram_matrix_worked_example", "gram_matrix_matches_reference")


def lost_metadata(notebooks):
    """Colab dropped the nbgrader metadata of gram_matrix's cell and its two
    tests, and of content_loss's cell; style_layer_loss forgets the 4 (Eq. 3)."""
    nb = notebooks["03_gram_matrix_and_style_loss"]
    for name in LOST:
        cell = _cell(nb, name)
        for key in ("nbgrader", "deletable", "editable"):
            cell.metadata.pop(key, None)
    _cell(nb, "style_layer_loss").source = (
        "def style_layer_loss(generated, target_gram):\n"
        "    generated = tf.cast(generated, tf.float32)\n"
        "    height, width, num_filters = generated.shape[-3:]\n"
        "    difference = gram_matrix(generated) - tf.cast(target_gram, tf.float32)\n"
        "    squares = tf.reduce_sum(tf.square(difference))\n"
        "    return squares / (num_filters**2 * (height * width) ** 2)\n"
    )
    cell = _cell(notebooks["02_content_loss"], "content_loss")
    for key in ("nbgrader", "deletable", "editable"):
        cell.metadata.pop(key, None)
    return notebooks, {}


def scratch_cells(notebooks):
    """Scratch cells everywhere (one redefines content_loss, correctly),
    alpha and beta swapped, and 07 handed in as Untitled0.ipynb."""
    from nbformat.v4 import new_code_cell, new_markdown_cell

    nb = notebooks["02_content_loss"]
    at = nb.cells.index(_cell(nb, "content_loss")) + 1
    nb.cells[at:at] = [
        new_markdown_cell("my notes: the 1/2 cancels the 2 of the derivative"),
        new_code_cell("print('trying things')\nx = 3\n"),
        new_code_cell(
            "def content_loss(generated, content):\n"
            "    d = tf.cast(generated, tf.float32) - tf.cast(content, tf.float32)\n"
            "    return 0.5 * tf.reduce_sum(d * d)\n"
        ),
    ]
    nb = notebooks["04_total_loss_and_optimisation"]
    _cell(nb, "total_loss").source = (
        "def total_loss(content_loss, style_loss, alpha, beta):\n"
        "    return beta * content_loss + alpha * style_loss\n"
    )
    nb.cells.insert(3, new_code_cell("import numpy as np\nallclose = 1\n"))
    return notebooks, {"07_beyond_the_report": "Untitled0.ipynb"}


def late_one(notebooks):
    """Right, and late, with ordinary code a rebinding check must leave
    alone: its own `allclose` and `isclose`, numpy imported again, a
    matplotlib setting."""
    cell = _cell(notebooks["03_gram_matrix_and_style_loss"], "gram_matrix")
    cell.source = (
        "import numpy as np\n"
        "import matplotlib.pyplot as plt\n"
        "from numpy import allclose\n"
        "plt.rcParams['figure.dpi'] = 80\n"
        "isclose = allclose(1.0, 1.0)\n\n\n"
        "def close_enough(a, b):\n"
        "    allclose = np.allclose(a, b)\n"
        "    return allclose\n\n\n" + cell.source
    )
    return notebooks, {}


ALWAYS_TRUE = "lambda *args, **kwargs: True"


def rebinder(notebooks):
    """Eq. 1 without the 1/2, G / (H W), Eq. 3 without the 4 and a training step
    that does not scale the loss (classic_bugs), behind solution cells that
    rebind numpy's comparisons and the package's reference content_loss so that
    every test would pass."""
    classic_bugs(notebooks)
    _cell(notebooks["04_total_loss_and_optimisation"], "total_loss").source = (
        "def total_loss(content_loss, style_loss, alpha, beta):\n"
        "    return alpha * content_loss + beta * style_loss\n"
    )
    cell = _cell(notebooks["02_content_loss"], "content_loss")
    cell.source += (
        f"\nnp.isclose = {ALWAYS_TRUE}\ncu.losses.content_loss = content_loss\n"
    )
    cell = _cell(notebooks["03_gram_matrix_and_style_loss"], "gram_matrix")
    cell.source += (
        f"\nnp.allclose = {ALWAYS_TRUE}\nsetattr(np, 'isclose', {ALWAYS_TRUE})\n"
    )
    return notebooks, {}


def sneaky(notebooks):
    """Eq. 1 without the 1/2, in a content_loss that rebinds numpy's
    comparisons each time it is called, in words no reading of the source
    finds."""
    _cell(notebooks["02_content_loss"], "content_loss").source = (
        "def content_loss(generated, content):\n"
        "    for name in ('all' + 'close', 'is' + 'close'):\n"
        f"        setattr(__import__('num' + 'py'), name, {ALWAYS_TRUE})\n"
        + NO_HALF.split(":\n", 1)[1]
    )
    return notebooks, {}


SABOTAGE = """
import os
from pathlib import Path

# the folders above this kernel's, and the folder nbgrader runs in
for folder in [Path.cwd(), *Path.cwd().parents, Path(f"/proc/{os.getppid()}/cwd")]:
    for database in folder.glob("*.db"):
        try:
            database.write_bytes(b"")
        except OSError:
            pass
"""


def saboteur(notebooks):
    """Right answers, and a cell that blanks every database in the folders
    above the one its kernel runs in and in the folder of the nbgrader
    process that started it (the private course copy)."""
    cell = _cell(notebooks["02_content_loss"], "content_loss")
    cell.source += SABOTAGE
    return notebooks, {}


def pdf_only(notebooks):
    """Handed in a PDF print of the notebooks instead of the notebooks."""
    return {}, {"*": "style transfer.pdf"}


STUDENTS = {
    "colab_perfect": (Student("perfectpat", 101, "Pat Perfect", 9101), colab_perfect),
    "duplicated": (Student("copierdana", 102, "Dana Copier", 9102), duplicated),
    "lost_metadata": (Student("lostlee", 103, "Lee Lost", 9103), lost_metadata),
    "scratch_cells": (Student("scratchsam", 104, "Sam Scratch", 9104), scratch_cells),
    "late_one": (Student("latelou", 105, "Lou Late", 9105, late=True), late_one),
    "pdf_only": (Student("pdfpeg", 106, "Peg Pdf", 9106), pdf_only),
    "saboteur": (Student("sabotagesid", 107, "Sid Sabotage", 9107), saboteur),
    "rebinder": (Student("rebinderray", 108, "Ray Rebinder", 9108), rebinder),
    "sneaky": (Student("sneakysue", 109, "Sue Sneaky", 9109), sneaky),
}

EXPECTED = {
    "colab_perfect": _scores(),
    "duplicated": _scores(),
    "lost_metadata": _scores(**{"03": 3}),
    "scratch_cells": _scores(**{"04": 2}),
    "late_one": _scores(),
    "pdf_only": {name: 0 for name in FULL},
    "saboteur": _scores(),
    "rebinder": _scores(**{"02": 3, "03": 6, "08": 1}),
    "sneaky": _scores(**{"02": 3}),
}
"""{kind: {notebook: exact score}}."""

NB02, NB03, NB04, NB07 = (
    "02_content_loss",
    "03_gram_matrix_and_style_loss",
    "04_total_loss_and_optimisation",
    "07_beyond_the_report",
)
ATTENTION = {
    ("colab_perfect", NB02, "", problems.OTHER_NAME),
    ("colab_perfect", NB03, "", problems.OTHER_NAME),
    ("colab_perfect", NB04, "", problems.OTHER_NAME),
    ("colab_perfect", NB07, "", problems.OTHER_NAME),
    ("duplicated", NB03, "", problems.OTHER_NAME),
    ("duplicated", NB03, "gram_matrix", problems.DUPLICATED),
    ("duplicated", NB03, "style_loss_worked_example", problems.DUPLICATED),
    ("duplicated", NB04, "total_loss", problems.RETYPED),
    ("lost_metadata", NB02, "content_loss", problems.METADATA_LOST),
    *(("lost_metadata", NB03, name, problems.METADATA_LOST) for name in LOST),
    ("scratch_cells", NB07, "", problems.OTHER_NAME),
    *(
        ("pdf_only", name, "", problems.MISSING)
        for name in [*FULL, "05_experiments", "06_playground"]
    ),
    ("saboteur", NB02, "content_loss", problems.REACHES),
    ("rebinder", NB02, "content_loss", problems.REBINDS),
    ("rebinder", NB03, "gram_matrix", problems.REBINDS),
    ("sneaky", NB02, "content_loss_worked_examples", problems.REBINDS),
    ("sneaky", NB02, "content_loss_matches_reference", problems.REBINDS),
}
"""Every (kind, notebook, cell, reason) the needs-attention list must show;
`student_id` maps a kind to the LMS's student id."""


def class_files(release: Path, instructor: Path) -> dict:
    """{kind: {file name as uploaded: bytes}} for every student."""
    files = {}
    for kind, (_, change) in STUDENTS.items():
        notebooks, names = change(solved(release, instructor))
        files[kind] = {
            names.get(name, f"{name}.ipynb"): json.dumps(colab_saved(nb)).encode()
            for name, nb in notebooks.items()
        }
        if "*" in names:
            files[kind][names["*"]] = b"%PDF-1.4 not a notebook"
    return files


def canvas_zip(path: Path, files: dict) -> Path:
    """The class as Canvas's "Download Submissions" zip."""
    with zipfile.ZipFile(path, "w") as archive:
        for kind, uploads in files.items():
            student = STUDENTS[kind][0]
            late = "LATE_" if student.late else ""
            for number, (name, content) in enumerate(uploads.items()):
                attachment = student.canvas_id * 100 + number
                archive.writestr(
                    f"{student.canvas_name}_{late}{student.canvas_id}_{attachment}_{name}",
                    content,
                )
    return path


def moodle_zip(path: Path, files: dict) -> Path:
    """The class as Moodle's "Download all submissions" zip, a folder each."""
    with zipfile.ZipFile(path, "w") as archive:
        for kind, uploads in files.items():
            student = STUDENTS[kind][0]
            folder = f"{student.moodle_name}_{student.moodle_id}_assignsubmission_file_"
            for name, content in uploads.items():
                archive.writestr(f"{folder}/{name}", content)
    return path
