"""nbgrader settings for instructors (see "Grading with nbgrader" in README.md).

The instructor sources are the notebooks in notebooks/, reached as the one
assignment `style_transfer` through the link source/style_transfer.
"""

c = get_config()  # noqa: F821 (nbgrader provides get_config)

c.CourseDirectory.course_id = "style-transfer"
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"
# Generated figures and editor clutter are not part of the assignment.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "outputs"]

# Notebooks run tiny under autograding (they check NBGRADER_EXECUTION), but
# leave room for a slow first TensorFlow import.
c.ExecutePreprocessor.timeout = 300
