"""Submissions as an LMS hands them back: one flat zip of renamed files.

Students on Colab have no nbgrader exchange: they download each notebook
(File > Download > .ipynb) and upload it to Canvas or Moodle, whose bulk
download renames every file. `LmsCollector` is nbgrader's file-name collector
plugin for `nbgrader zip_collect` (registered in `nbgrader_config.py`; `make
collect ZIP=...` runs it through `collect`). For each file it reads

- who sent it, from the LMS's prefix:
  Canvas ``smithjane_12345_67890_file.ipynb`` (``smithjane_LATE_12345_...``
  when late; user id, then the file's attachment id) and Moodle
  ``Jane Smith_4321_assignsubmission_file_file.ipynb`` (participant id; also
  as a folder of that name, "download submissions in folders"), or else the
  folder the file sits in;
- which released notebook it is: by name once the LMS prefix, Drive's
  ``Copy of `` and `` (1)``, Canvas's ``-1`` resubmission suffix, spaces,
  underscores and case are set aside (`notebook_for_name`), else by the
  released cells it holds (`notebook_for_content`).

Two files for the same notebook: the later copy is graded (``-2`` after
``-1``, ``(1)`` after none), the other listed. A file that cannot be placed is
listed with the reason, never dropped silently. Everything read is written to
`INTAKE` beside the download, for the summary and the LMS exports.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.plugins import FileNameCollectorPlugin
from traitlets import Float

from course_utils.grading import problems
from course_utils.grading.preprocessors import normalised

INTAKE = "intake.json"
"""The intake record: downloaded/<assignment>/intake.json."""

CANVAS = re.compile(
    r"(?P<name>[a-z0-9\-]+?)_(?P<late>LATE_)?(?P<lms_id>\d+)_(?P<attachment_id>\d+)"
    r"_(?P<file>.+)"
)
MOODLE = re.compile(
    r"(?P<name>.+?)_(?P<lms_id>\d+)_assignsubmission_(?:file|onlinetext)_(?P<file>.*)"
)
_COPY_OF = re.compile(r"^(copy of )+", re.IGNORECASE)
_COPY_NUMBER = re.compile(r"(?: \((?P<drive>\d+)\)|-(?P<canvas>\d+))$")


@dataclass
class Upload:
    """One file of an LMS download and where it goes.

    Attributes:
        path: the file, in the extracted download.
        student: the nbgrader student id it is filed under.
        lms: "canvas", "moodle" or "" (a folder per student).
        name: the student's name as the LMS wrote it.
        lms_id: Canvas's user id or Moodle's participant id ("" otherwise).
        attachment_id: Canvas's id of the uploaded file ("" otherwise).
        late: the LMS marked the submission late (Canvas's LATE).
        original: the file's name as the student uploaded it.
        notebook: the released notebook it is graded as, or "".
        how: "its name" or "its cells": how `notebook` was found.
        copy: Drive's (N) or Canvas's -N on the name: the higher, the later.
    """

    path: Path
    student: str = ""
    lms: str = ""
    name: str = ""
    lms_id: str = ""
    attachment_id: str = ""
    late: bool = False
    original: str = ""
    notebook: str = ""
    how: str = ""
    copy: int = 0


@dataclass
class Intake:
    """What one collect placed, and what it could not."""

    students: dict = field(default_factory=dict)
    """{student: {"lms", "name", "lms_id", "late", "files": {notebook:
    {"file": name uploaded, "attachment_id": Canvas's id of it}}}}."""
    unplaced: list = field(default_factory=list)  # [{file, student, reason}]
    notes: list = field(default_factory=list)  # [{student, notebook, reason, detail}]
    due: str = ""  # the assignment's due date in the gradebook, if any
    late_stamp: str = ""  # the time given to files the LMS marked LATE


def read_upload(path: Path, tops: set) -> Upload:
    """Who sent `path` and under which name, from its LMS prefix or folder.

    Args:
        path: a file of the extracted download.
        tops: the folders that name no student (the download's top folder,
            and the folder each zip was extracted into).
    """
    upload = Upload(path, original=path.name)
    candidates = [path.name]
    in_folder = path.parent not in tops
    if in_folder:  # Moodle's "download submissions in folders"
        candidates.append(f"{path.parent.name}{path.name}")
    for lms, pattern in (("canvas", CANVAS), ("moodle", MOODLE)):
        for text in candidates:
            match = pattern.fullmatch(text)
            if match and match["file"]:
                upload.lms, upload.name = lms, match["name"]
                upload.lms_id = match["lms_id"]
                upload.attachment_id = match.groupdict().get("attachment_id") or ""
                upload.late = bool(match.groupdict().get("late"))
                upload.original = match["file"]
                return upload
    if in_folder:  # a folder per student
        upload.name = path.parent.name
    return upload


def plain_name(file_name: str) -> tuple[str, int]:
    """A file name without extension, Drive's and the LMS's additions, spaces,
    underscores and case: ("02contentloss", copy number).

    >>> plain_name("Copy of 02_content_loss (1).ipynb")
    ('02contentloss', 1)
    """
    stem = re.sub(r"\.ipynb$", "", file_name, flags=re.IGNORECASE)
    stem = re.sub(r"[_+]", " ", stem).strip()
    copy = 0
    while True:
        before = stem
        stem = _COPY_OF.sub("", stem).strip()
        match = _COPY_NUMBER.search(stem)
        if match:
            copy = max(copy, int(match["drive"] or match["canvas"]))
            stem = stem[: match.start()].strip()
        if stem == before:
            return re.sub(r"[\W_]+", "", stem).lower(), copy


def read_release(folder: Path) -> dict:
    """{notebook name: NotebookNode} of the released notebooks in `folder`."""
    return {
        path.stem: nbformat.read(path, as_version=4)
        for path in sorted(Path(folder).glob("*.ipynb"))
    }


def released_notebook(
    file_name: str, path: Path, release: dict, names: list[str] | None = None
) -> tuple[str, str]:
    """Which released notebook a file is: (name, "its name" or "its cells"),
    or ("", "") when neither its name nor its cells tell.

    Args:
        file_name: the name the student gave the file.
        path: the file.
        release: {notebook name: released NotebookNode} (`read_release`).
        names: the notebook names to match by name (default: `release`'s).
    """
    found = notebook_for_name(file_name, list(release) if names is None else names)
    if found:
        return found, "its name"
    found = notebook_for_content(path, release)
    return (found, "its cells") if found else ("", "")


def other_name(file_name: str, notebook: str, how: str) -> str:
    """The detail of an OTHER_NAME problem."""
    return f"{file_name!r} was graded as {notebook} ({how})"


def notebook_for_name(file_name: str, released: list[str]) -> str:
    """The released notebook `file_name` names, or ""."""
    plain, _ = plain_name(file_name)
    by_plain = {plain_name(name)[0]: name for name in released}
    return by_plain.get(plain, "")


def notebook_for_content(path: Path, released: dict) -> str:
    """The released notebook whose cells `path` holds, or "".

    A notebook is recognised by its nbgrader cell ids and its unchanged cells
    (the instructions, the locked tests): the released notebook with the most
    of them found, if that is at least half of its cells and no other ties.

    Args:
        path: a notebook file of any name.
        released: {notebook name: its released NotebookNode}.
    """
    try:
        cells = nbformat.read(path, as_version=4).cells
    except Exception:
        return ""
    found = {normalised(cell.source) for cell in cells} | {
        cell.metadata.get("nbgrader", {}).get("grade_id") for cell in cells
    }
    scores = {}
    for name, nb in released.items():
        keys = [
            cell.metadata.get("nbgrader", {}).get("grade_id") or normalised(cell.source)
            for cell in nb.cells
            if cell.source.strip()
        ]
        if keys:
            scores[name] = sum(key in found for key in keys) / len(keys)
    ranked = sorted(scores.items(), key=lambda item: -item[1])
    if not ranked or ranked[0][1] < 0.5:
        return ""
    if len(ranked) > 1 and ranked[1][1] == ranked[0][1]:
        return ""
    return ranked[0][0]


def plan(
    files: list[Path], root: Path, released: dict, tops: set | None = None
) -> tuple[list, Intake]:
    """Decide where every file of a download goes.

    Args:
        files: every file of the extracted download.
        root: the extracted download's top folder.
        released: {notebook name: released NotebookNode}.
        tops: folders under `root` that name no student (where nbgrader
            extracted each zip); `root` is always one.

    Returns:
        ([Upload] to copy, one per student and notebook; Intake record, which
        lists every student the download names, even one none of whose files
        could be placed).
    """
    intake = Intake()
    tops = {root, *(tops or ())}
    uploads = [read_upload(path, tops) for path in sorted(files)]
    _name_students([upload for upload in uploads if upload.name])
    kept = {}
    for upload in uploads:
        if upload.student:
            record = intake.students.setdefault(upload.student, _record(upload))
            record["late"] = record["late"] or upload.late
        reason = _place(upload, released)
        if reason:
            intake.unplaced.append(
                {
                    "file": str(upload.path.relative_to(root)),
                    "student": upload.student,
                    "reason": reason,
                }
            )
            continue
        key = (upload.student, upload.notebook)
        if key in kept:
            newer, older = sorted([kept[key], upload], key=_lateness, reverse=True)
            kept[key] = newer
            intake.notes.append(
                _note(
                    upload,
                    problems.TWO_FILES,
                    f"graded {newer.original!r}, not {older.original!r}",
                )
            )
        else:
            kept[key] = upload
    for upload in kept.values():
        intake.students[upload.student]["files"][upload.notebook] = {
            "file": upload.original,
            "attachment_id": upload.attachment_id,
        }
        if upload.original != f"{upload.notebook}.ipynb":
            detail = other_name(upload.original, upload.notebook, upload.how)
            intake.notes.append(_note(upload, problems.OTHER_NAME, detail))
    return list(kept.values()), intake


def _place(upload: Upload, released: dict) -> str:
    """Find `upload`'s student and notebook; return why it cannot be placed."""
    if upload.path.suffix.lower() != ".ipynb":
        return "not a notebook"
    if not upload.student:
        return (
            "no student in its name (neither a Canvas nor a Moodle file name) or folder"
        )
    upload.notebook, upload.how = released_notebook(
        upload.original, upload.path, released
    )
    if not upload.notebook:
        return "matches no released notebook by name or by its cells"
    upload.copy = plain_name(upload.original)[1]
    return ""


def _record(upload: Upload) -> dict:
    return {
        "lms": upload.lms,
        "name": upload.name,
        "lms_id": upload.lms_id,
        "late": False,
        "files": {},
    }


def _note(upload: Upload, reason: str, detail: str) -> dict:
    return {
        "student": upload.student,
        "notebook": upload.notebook,
        "reason": reason,
        "detail": detail,
    }


def _lateness(upload: Upload):
    """Sort key: the later of two copies of a notebook sorts higher."""
    exact = upload.original == f"{upload.notebook}.ipynb"
    return (upload.copy, exact, upload.path.stat().st_mtime, str(upload.path))


def _name_students(uploads: list[Upload]) -> None:
    """Give each upload its student id: the LMS's name as a folder name,
    with the LMS id added where two students share a name."""
    ids = {}
    for upload in uploads:
        ids.setdefault(_slug(upload.name), set()).add(upload.lms_id)
    for upload in uploads:
        slug = _slug(upload.name)
        shared = len(ids[slug]) > 1
        upload.student = f"{slug}_{upload.lms_id}" if shared else slug


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "student"


def record_path(course, assignment: str) -> Path:
    """Where `make collect` leaves the intake record of `assignment`."""
    return Path(course) / "downloaded" / assignment / INTAKE


def write_intake(path: Path, intake: Intake) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(intake), indent=1, sort_keys=True) + "\n")


def read_intake(path: Path) -> Intake:
    """The intake record at `path`, or an empty one."""
    if not path.exists():
        return Intake()
    return Intake(**json.loads(path.read_text()))


class LmsCollector(FileNameCollectorPlugin):
    """nbgrader zip_collect's collector for Canvas, Moodle and Drive names.

    nbgrader asks about one file at a time; the first question plans the
    whole download (`plan`), so duplicates and unplaced files are settled
    together and written to the intake record.
    """

    late_flag_days = Float(
        1.0,
        help="When a file the LMS marked LATE counts as handed in, in days after "
        "the due date (Canvas says that a file is late, not how late).",
    ).tag(config=True)

    def collect(self, submitted_file: str):
        if not hasattr(self, "_placed"):
            self._placed, self._late_stamp = self._plan()
        upload = self._placed.get(Path(submitted_file))
        if upload is None:
            return None
        found = {"student_id": upload.student, "file_id": f"{upload.notebook}.ipynb"}
        if upload.late and self._late_stamp:
            found["timestamp"] = self._late_stamp  # zip_collect: timestamp.txt
        return found

    def _plan(self) -> dict:
        app, coursedir = self.parent, self.parent.coursedir
        steps = {
            step: Path(coursedir.root)
            / app.collect_directory_structure.format(
                downloaded=app.downloaded_directory,
                assignment_id=coursedir.assignment_id,
                collect_step=step,
            )
            for step in (app.archive_directory, app.extracted_directory)
        }
        root = steps[app.extracted_directory].resolve()
        # nbgrader extracts archive/NAME.zip into extracted/NAME/
        tops = {root / path.stem for path in steps[app.archive_directory].glob("*.zip")}
        released_folder = Path(
            app.coursedir.format_path(
                app.coursedir.release_directory, ".", app.coursedir.assignment_id
            )
        )
        released = read_release(released_folder)
        files = [path for path in root.rglob("*") if path.is_file()]
        uploads, intake = plan(files, root, released, tops)
        due = _due_date(coursedir.db_url, coursedir.assignment_id)
        if due is not None:
            intake.due = due.isoformat(" ")
            stamp = due + timedelta(days=self.late_flag_days)
            intake.late_stamp = stamp.isoformat(" ")
        write_intake(root.parent / INTAKE, intake)
        return {upload.path: upload for upload in uploads}, intake.late_stamp


def _due_date(db_url: str, assignment: str) -> datetime | None:
    """The assignment's due date in the gradebook, or None."""
    with Gradebook(db_url) as gradebook:
        try:
            return gradebook.find_assignment(assignment).duedate
        except MissingEntry:
            return None
