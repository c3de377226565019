"""A synthetic class for the grading tests and `make bench-grading`.

Each student is the released notebooks with the instructor's solutions filled
in, then changed the way real submissions go wrong. EXPECTED gives every
student's exact score per graded notebook, and ATTENTION every line the
needs-attention list must hold.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

from course_utils.grading import problems

ASSIGNMENT = "style_transfer"
FULL = {
    "01_vgg19_architecture": 2,
    "02_content_loss": 3,
    "03_gram_matrix_and_style_loss": 8,
    "04_total_loss_and_optimisation": 5,
    "07_beyond_the_report": 2,
    "08_real_time_style_transfer": 3,
}


def _solution(notebooks, notebook, grade_id, source):
    _cell(notebooks[notebook], grade_id).source = source


def _cell(nb, grade_id):
    return next(
        cell
        for cell in nb.cells
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id
    )


def _delete(nb, grade_id):
    nb.cells.remove(_cell(nb, grade_id))


def perfect(notebooks):
    return notebooks


def blank(notebooks):
    return None  # the released notebooks as they are


NO_HALF = (
    "def content_loss(generated, content):\n"
    "    difference = tf.cast(generated, tf.float32) - content\n"
    "    return tf.reduce_sum(tf.square(difference))\n"
)
"""Eq. 1 without the 1/2."""


NO_LOSS_SCALING = (
    "def training_step(network, photos, loss_fn, optimizer):\n"
    "    with tf.GradientTape() as tape:\n"
    "        loss = loss_fn(photos, network(photos, training=True))\n"
    "    gradients = tape.gradient(loss, network.trainable_variables)\n"
    "    optimizer.apply_gradients(zip(gradients, network.trainable_variables))\n"
    "    return loss\n"
)
"""Notebook 08's step without optimizer.scale_loss: right in float32, and the
float16 gradients are divided by a loss scale they never got."""


def classic_bugs(notebooks):
    """Eq. 1 without the 1/2, G / (H W), Eq. 3 without the 4, alpha and beta
    swapped, a training step that does not scale the loss."""
    _solution(notebooks, "02_content_loss", "content_loss", NO_HALF)
    _solution(
        notebooks,
        "03_gram_matrix_and_style_loss",
        "gram_matrix",
        "def gram_matrix(features):\n"
        "    features = tf.cast(features, tf.float32)\n"
        "    matrix = tf.reshape(features, (-1, features.shape[-1]))\n"
        "    return tf.matmul(matrix, matrix, transpose_a=True) / matrix.shape[0]\n",
    )
    _solution(
        notebooks,
        "03_gram_matrix_and_style_loss",
        "style_layer_loss",
        "def style_layer_loss(generated, target_gram):\n"
        "    generated = tf.cast(generated, tf.float32)\n"
        "    height, width, num_filters = generated.shape[-3:]\n"
        "    difference = gram_matrix(generated) - tf.cast(target_gram, tf.float32)\n"
        "    squares = tf.reduce_sum(tf.square(difference))\n"
        "    return squares / (num_filters**2 * (height * width) ** 2)\n",
    )
    _solution(
        notebooks,
        "04_total_loss_and_optimisation",
        "total_loss",
        "def total_loss(content_loss, style_loss, alpha, beta):\n"
        "    return beta * content_loss + alpha * style_loss\n",
    )
    _solution(
        notebooks, "08_real_time_style_transfer", "training_step", NO_LOSS_SCALING
    )
    return notebooks


def kernel_killer(notebooks):
    """content_loss's cell kills the kernel; a missing import and a
    SystemExit elsewhere."""
    cell = _cell(notebooks["02_content_loss"], "content_loss")
    cell.source += "\nimport os\nos._exit(1)\n"
    cell = _cell(notebooks["04_total_loss_and_optimisation"], "total_loss")
    cell.source = "import a_module_that_does_not_exist\n" + cell.source
    cell = _cell(notebooks["07_beyond_the_report"], "combine_luminance")
    cell.source = 'raise SystemExit("done for today")\n' + cell.source
    return notebooks


def broken_files(notebooks):
    """03 is cut off half-way (not valid JSON) and 04 was never submitted."""
    notebooks["03_gram_matrix_and_style_loss"] = "truncated"
    del notebooks["04_total_loss_and_optimisation"]
    return notebooks


def endless_loop(notebooks):
    """gram_matrix never returns; combine_luminance never returns and ignores
    interrupts (the kernel must be replaced). Two test cells call each."""
    _solution(
        notebooks,
        "03_gram_matrix_and_style_loss",
        "gram_matrix",
        "def gram_matrix(features):\n    while True:\n        pass\n",
    )
    _solution(
        notebooks,
        "07_beyond_the_report",
        "combine_luminance",
        "import signal\n\n\ndef combine_luminance(content, stylized):\n"
        "    signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "    while True:\n        pass\n",
    )
    return notebooks


def huge_parameters(notebooks):
    """Asks for 1024 px, 5000 iterations and real weights, and runs that in a
    solution cell."""
    nb = notebooks["04_total_loss_and_optimisation"]
    parameters = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    parameters.source += "\nSIZE, ITERATIONS, SNAPSHOT_EVERY = 1024, 5000, 1\n"
    cell = _cell(nb, "optimisation_step")
    cell.source += (
        "\nbig = cu.stylize(data.sample_image('chelsea'), data.sample_image('brick'),"
        " size=SIZE, iterations=ITERATIONS, snapshot_every=SNAPSHOT_EVERY,"
        " weights=WEIGHTS, stages=1, snapshots_dir=f'{OUTPUT_DIR}/frames')\n"
    )
    return notebooks


def tampered(notebooks):
    """Wrong content_loss behind a disarmed test; two test cells deleted."""
    nb = notebooks["02_content_loss"]
    _solution(notebooks, "02_content_loss", "content_loss", NO_HALF)
    _cell(
        nb, "content_loss_worked_examples"
    ).source = '"""Looks fine to me."""\nassert True\n'
    _delete(notebooks["03_gram_matrix_and_style_loss"], "gram_matrix_matches_reference")
    nb = notebooks["07_beyond_the_report"]
    _delete(nb, "combine_luminance")  # the solution cell and its hidden test
    _delete(nb, "combine_luminance_matches_reference")
    return notebooks


def reference_caller(notebooks):
    """Calls the package directly, through aliases, and by importing it."""
    _solution(
        notebooks,
        "02_content_loss",
        "content_loss",
        "def content_loss(generated, content):\n"
        "    return cu.losses.content_loss(generated, content)\n",
    )
    _solution(
        notebooks,
        "03_gram_matrix_and_style_loss",
        "gram_matrix",
        "gram_matrix = cu.gram_matrix\n",
    )
    _solution(
        notebooks,
        "07_beyond_the_report",
        "combine_luminance",
        "from course_utils.colour import combine_luminance\n",
    )
    _solution(
        notebooks,
        "08_real_time_style_transfer",
        "training_step",
        "training_step = cu.fast.training_step\n",
    )
    return notebooks


STUDENTS = {
    "perfect": perfect,
    "blank": blank,
    "classic_bugs": classic_bugs,
    "kernel_killer": kernel_killer,
    "broken_files": broken_files,
    "endless_loop": endless_loop,
    "huge_parameters": huge_parameters,
    "tampered": tampered,
    "reference_caller": reference_caller,
}


def _scores(**lost):
    return {name: FULL[name] - lost.get(name[:2], 0) for name in FULL}


EXPECTED = {
    "perfect": _scores(),
    "blank": {name: 0 for name in FULL},
    "classic_bugs": _scores(**{"02": 3, "03": 6, "04": 2, "08": 1}),
    "kernel_killer": _scores(**{"02": 3, "04": 2, "07": 2}),
    "broken_files": _scores(**{"03": 8, "04": 5}),
    "endless_loop": _scores(**{"03": 3, "07": 2}),
    "huge_parameters": _scores(),
    "tampered": _scores(**{"02": 3, "07": 2}),
    "reference_caller": _scores(**{"02": 3, "03": 3, "07": 2, "08": 3}),
}
"""{student: {notebook: exact score}}."""

ATTENTION = {
    ("kernel_killer", "02_content_loss", "content_loss", problems.KERNEL_DIED),
    ("broken_files", "03_gram_matrix_and_style_loss", "", problems.NOT_JSON),
    ("broken_files", "04_total_loss_and_optimisation", "", problems.MISSING),
    (
        "endless_loop",
        "03_gram_matrix_and_style_loss",
        "gram_matrix_worked_example",
        problems.TIMED_OUT,
    ),
    (
        "endless_loop",
        "03_gram_matrix_and_style_loss",
        "gram_matrix_matches_reference",
        problems.TIMED_OUT,
    ),
    (
        "endless_loop",
        "07_beyond_the_report",
        "combine_luminance_worked_example",
        problems.TIMED_OUT,
    ),
    (
        "endless_loop",
        "07_beyond_the_report",
        "combine_luminance_matches_reference",
        problems.TIMED_OUT,
    ),
    (
        "tampered",
        "02_content_loss",
        "content_loss_worked_examples",
        problems.TEST_CHANGED,
    ),
    (
        "tampered",
        "03_gram_matrix_and_style_loss",
        "gram_matrix_matches_reference",
        problems.TEST_DELETED,
    ),
    (
        "tampered",
        "07_beyond_the_report",
        "combine_luminance_matches_reference",
        problems.TEST_DELETED,
    ),
    ("reference_caller", "02_content_loss", "content_loss", problems.USES_REFERENCE),
    (
        "reference_caller",
        "03_gram_matrix_and_style_loss",
        "gram_matrix",
        problems.USES_REFERENCE,
    ),
    (
        "reference_caller",
        "07_beyond_the_report",
        "combine_luminance",
        problems.USES_REFERENCE,
    ),
    (
        "reference_caller",
        "08_real_time_style_transfer",
        "training_step",
        problems.USES_REFERENCE,
    ),
}
"""Every (student, notebook, cell, reason) the needs-attention list must show."""


def solved(release: Path, instructor: Path) -> dict:
    """The released notebooks with the instructor's solutions, as a student
    who got everything right would submit them (no solution markers)."""
    notebooks = {}
    for path in sorted(release.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        source = nbformat.read(instructor / path.name, as_version=4)
        answers = {
            cell.metadata["nbgrader"]["grade_id"]: cell.source
            for cell in source.cells
            if cell.metadata.get("nbgrader", {}).get("solution")
        }
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in answers:
                cell.source = "\n".join(
                    line
                    for line in answers[grade_id].splitlines()
                    if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")
                )
        notebooks[path.stem] = nb
    return notebooks


def write_student(
    course: Path, student: str, kind: str, release: Path, instructor: Path
):
    """Write submitted/<student>/style_transfer/ as the student `kind` would."""
    folder = course / "submitted" / student / ASSIGNMENT
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    notebooks = STUDENTS[kind](solved(release, instructor))
    if notebooks is None:
        for path in release.glob("*.ipynb"):
            shutil.copy(path, folder)
        return
    for name, nb in notebooks.items():
        if nb == "truncated":
            text = (release / f"{name}.ipynb").read_text()
            (folder / f"{name}.ipynb").write_text(text[: len(text) // 2])
        else:
            nbformat.write(nb, folder / f"{name}.ipynb")
