"""Grading a whole class with nbgrader: the instructor's tools.

`python -m course_utils.grading` (`make grade`) grades every student in
submitted/ in parallel on Dask and prints a summary; `nbgrader_config.py`
registers this package's preprocessors, so nbgrader's own commands and the
formgrader in JupyterLab get the same protections:

- `intake`, `collect`: an LMS's bulk download laid out as submitted/
  (`make collect`).
- `repair`: submitted cells matched to the released ones (copied cells, lost
  metadata, Colab's nbformat 4.0).
- `problems`: what went wrong in a submission, kept in the graded notebook.
- `execute`: running a notebook so that a dead kernel or an endless loop
  costs only its own cells, under limits, and only the cells the tests need
  (`dependencies`).
- `genuine`: the tests judge with the genuine numpy, TensorFlow and package
  functions, whatever a cell rebound; a cell that reaches for the course's
  files is listed.
- `preprocessors`: restored test cells, reference calls found, capped
  outputs, feedback without hidden tests' source.
- `submission`: reads a notebook that is not valid JSON as an empty one.
- `unit`: grades one student in a private course copy (one Dask task).
- `run`: the whole class: Dask, the gradebook, feedback, grades.csv, summary.
- `lms`: grades and feedback in the files Canvas and Moodle take back.
- `late`: the late policy, a percentage per day late.

Needs nbgrader and dask (`pip install course-utils[instructor]`); students'
`import course_utils` does not load it.
"""
