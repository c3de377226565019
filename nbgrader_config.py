"""nbgrader settings for instructors (see "Grading with nbgrader" in README.md).

The instructor sources are the notebooks in notebooks/, reached as the one
assignment `style_transfer` through the link source/style_transfer. The
preprocessors of `course_utils.grading` make grading safe for a whole class:
they apply to `make grade`, to nbgrader's own commands and to the formgrader.
"""

import os

c = get_config()  # noqa: F821 (nbgrader provides get_config)
HERE = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.course_id = "style-transfer"
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"
# Generated figures and editor clutter are not part of the assignment.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "outputs"]

# The exchange, where release, fetch, submit, collect and release_feedback
# move files: a folder of the course by default, so the formgrader's Release
# and Collect buttons work on one machine. On JupyterHub, point it at a folder
# every user can write to (e.g. /srv/nbgrader/exchange).
c.Exchange.root = os.path.join(HERE, "exchange")
os.makedirs(c.Exchange.root, exist_ok=True)

GRADING = "course_utils.grading"
# A notebook that is not valid JSON is graded as empty, with the reason.
c.Autograde.exporter_class = f"{GRADING}.submission.SubmissionExporter"
c.Autograde.sanitize_preprocessors = [
    "nbgrader.preprocessors.ClearOutput",
    # Colab and LMS submissions: copied cells, lost metadata, retyped cells
    f"{GRADING}.repair.RepairCells",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    f"{GRADING}.preprocessors.CheckTestCells",  # changed or deleted test cells
    "nbgrader.preprocessors.OverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.Autograde.autograde_preprocessors = [
    # a dead kernel or endless cell costs only that cell; time, memory and
    # file-size limits (GradingExecute.timeout etc.); ungraded notebooks skipped
    f"{GRADING}.execute.GradingExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbgrader.preprocessors.LimitOutput",
    f"{GRADING}.preprocessors.LimitImages",
    f"{GRADING}.preprocessors.ReportProblems",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
# Feedback shows a hidden test's failure message, not its source.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    f"{GRADING}.preprocessors.HideHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
# make collect: an LMS's bulk download (Canvas, Moodle, Drive names) into submitted/.
c.ZipCollectApp.collector_plugin = f"{GRADING}.intake.LmsCollector"
# grades.csv: a column per notebook, and each student's problems.
c.ExportApp.plugin_class = f"{GRADING}.export.GradesCsv"
# For a class collected from Canvas or Moodle, make grade also writes
# canvas_grades.csv or moodle_grades.csv and a zip of feedback pages
# (course_utils.grading.lms). Canvas: name the column as Canvas's own
# gradebook export titles the assignment, e.g. "Style transfer (123456)".
c.CanvasExport.column = ""

# The late policy: percent of the score taken per day late (0: none). How
# late comes from timestamp.txt and the due date in the gradebook
# (nbgrader db assignment add style_transfer --duedate="2026-12-01 17:00:00");
# a file Canvas marked LATE counts as late_flag_days after the due date.
c.AssignLatePenalties.plugin_class = f"{GRADING}.late.PercentPerDay"
c.PercentPerDay.percent_per_day = 0.0
c.LmsCollector.late_flag_days = 1.0
