"""Reading an LMS's bulk download: who sent each file and which notebook it is
(`course_utils.grading.intake`), on files named as Canvas, Moodle and Drive
name them."""

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from course_utils.grading import intake, problems

RELEASED = ["02_content_loss", "03_gram_matrix_and_style_loss"]


@pytest.mark.parametrize(
    "uploaded, plain, copy",
    [
        ("02_content_loss.ipynb", "02contentloss", 0),
        ("Copy of 02_content_loss.ipynb", "02contentloss", 0),
        ("Copy of Copy of 02_content_loss (2).ipynb", "02contentloss", 2),
        ("Copy_of_02_content_loss.ipynb", "02contentloss", 0),
        ("02_content_loss-1.ipynb", "02contentloss", 1),
        ("02 Content Loss (1).IPYNB", "02contentloss", 1),
        ("02+content+loss.ipynb", "02contentloss", 0),
    ],
)
def test_plain_name_sets_aside_drive_and_lms_additions(uploaded, plain, copy):
    assert intake.plain_name(uploaded) == (plain, copy)


def test_a_name_matches_only_its_own_notebook():
    assert intake.notebook_for_name("Copy of 02_content_loss.ipynb", RELEASED) == (
        "02_content_loss"
    )
    for other in ("02_content.ipynb", "content_loss.ipynb", "Untitled0.ipynb"):
        assert intake.notebook_for_name(other, RELEASED) == ""


def test_canvas_moodle_and_folder_names_say_who_sent_a_file(tmp_path):
    top = {tmp_path}
    canvas = intake.read_upload(
        tmp_path / "doejane_LATE_4242_777001_Copy of 02_content_loss-1.ipynb", top
    )
    assert (canvas.lms, canvas.name, canvas.lms_id, canvas.attachment_id) == (
        "canvas",
        "doejane",
        "4242",
        "777001",
    )
    assert canvas.late and canvas.original == "Copy of 02_content_loss-1.ipynb"
    moodle = intake.read_upload(
        tmp_path / "Jane Doe_315_assignsubmission_file_02_content_loss.ipynb", top
    )
    assert (moodle.lms, moodle.name, moodle.lms_id, moodle.late) == (
        "moodle",
        "Jane Doe",
        "315",
        False,
    )
    in_folder = intake.read_upload(
        tmp_path / "Jane Doe_315_assignsubmission_file_" / "a (1).ipynb", top
    )
    assert (in_folder.lms, in_folder.lms_id, in_folder.original) == (
        "moodle",
        "315",
        "a (1).ipynb",
    )
    plain = intake.read_upload(tmp_path / "jdoe" / "02_content_loss.ipynb", top)
    assert (plain.lms, plain.name) == ("", "jdoe")
    assert intake.read_upload(tmp_path / "x.ipynb", top).name == ""


def _released():
    return {
        "02_content_loss": new_notebook(
            cells=[
                new_markdown_cell("# 02 · Content loss"),
                new_code_cell(
                    "raise NotImplementedError()",
                    metadata={"nbgrader": {"grade_id": "content_loss"}},
                ),
                new_code_cell("assert content_loss(1, 1) == 0"),
            ]
        ),
        "03_gram_matrix_and_style_loss": new_notebook(
            cells=[
                new_markdown_cell("# 03 · Gram matrix"),
                new_code_cell("G = gram_matrix(x)"),
            ]
        ),
    }


def test_a_renamed_notebook_is_recognised_by_its_cells(tmp_path):
    released = _released()
    answer = released["02_content_loss"]
    answer.cells[1].source = "def content_loss(a, b):\n    return 0"
    answer.cells.append(new_code_cell("print('scratch')"))
    nbformat.write(answer, tmp_path / "Untitled0.ipynb")
    assert intake.notebook_for_content(tmp_path / "Untitled0.ipynb", released) == (
        "02_content_loss"
    )
    nbformat.write(new_notebook(cells=[new_code_cell("1")]), tmp_path / "other.ipynb")
    assert intake.notebook_for_content(tmp_path / "other.ipynb", released) == ""
    (tmp_path / "broken.ipynb").write_text("{ not json")
    assert intake.notebook_for_content(tmp_path / "broken.ipynb", released) == ""


def _files(root: Path, names: list[str]) -> list[Path]:
    paths = []
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(_released()["02_content_loss"], path)
        paths.append(path)
    (root / "a_1_2_notes.txt").write_text("not a notebook")
    paths.append(root / "a_1_2_notes.txt")
    return paths


def test_plan_keeps_the_later_copy_and_lists_every_file_it_cannot_place(tmp_path):
    files = _files(
        tmp_path,
        [
            "smithjo_11_100_02_content_loss.ipynb",
            "smithjo_11_101_02_content_loss-1.ipynb",
            "smithjo_22_102_Copy of 02_content_loss.ipynb",  # another Jo Smith
            "lonely.ipynb",
        ],
    )
    uploads, record = intake.plan(files, tmp_path, _released())
    placed = {(u.student, u.notebook): u.original for u in uploads}
    assert placed == {
        ("smithjo_11", "02_content_loss"): "02_content_loss-1.ipynb",
        ("smithjo_22", "02_content_loss"): "Copy of 02_content_loss.ipynb",
    }
    reasons = {entry["file"]: entry["reason"] for entry in record.unplaced}
    assert reasons["a_1_2_notes.txt"] == "not a notebook"
    assert reasons["lonely.ipynb"].startswith("no student")
    assert set(record.students) == {"a", "smithjo_11", "smithjo_22"}  # a: notes only
    assert (
        record.students["smithjo_11"]["files"]["02_content_loss"]["attachment_id"]
        == "101"
    )
    notes = {(n["student"], n["reason"]) for n in record.notes}
    assert notes == {
        ("smithjo_11", problems.TWO_FILES),
        ("smithjo_11", problems.OTHER_NAME),
        ("smithjo_22", problems.OTHER_NAME),
    }


def test_a_student_whose_files_all_fail_to_place_is_still_on_record(tmp_path):
    (tmp_path / "pegpdf_5_6_print.pdf").write_text("%PDF")
    _, record = intake.plan([tmp_path / "pegpdf_5_6_print.pdf"], tmp_path, _released())
    assert record.students["pegpdf"]["files"] == {}
    assert record.unplaced == [
        {
            "file": "pegpdf_5_6_print.pdf",
            "student": "pegpdf",
            "reason": "not a notebook",
        }
    ]


def test_the_intake_record_round_trips(tmp_path):
    files = _files(tmp_path, ["smithjo_11_100_02_content_loss.ipynb"])
    _, record = intake.plan(files, tmp_path, _released())
    path = intake.record_path(tmp_path, "a1")
    intake.write_intake(path, record)
    assert intake.read_intake(path) == record
    assert intake.read_intake(tmp_path / "none.json") == intake.Intake()
