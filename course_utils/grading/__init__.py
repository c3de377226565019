"""The instructor's layer: graded exercises and grading a class with nbgrader.

The student modules of `course_utils` never import it. It has two halves.

In the notebooks (needs only the package itself):

- `exercises`: what keeps each graded test on its own function (`isolated`),
  and the "Before you hand in" report (`before_you_hand_in`).
- `worked_examples`: each exercise's visible check.
- `sizes`: the one place that reads nbgrader's NBGRADER_EXECUTION; the cell
  after each notebook's parameters cell swaps in the tiny grading sizes
  while nbgrader runs the notebook, and says so.

For the class (needs nbgrader and dask: `pip install course-utils[instructor]`).
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
"""
