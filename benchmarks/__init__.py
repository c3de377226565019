"""Benchmarks of the course's loop; not part of the package students install.

- `compare`: course_utils' optimisers against the TensorFlow tutorial's loop
  (`python -m benchmarks`, `make bench`);
- `tutorial`: that loop, reproduced as the baseline.

Notebook 05's Table 1 timing stays in the package (`course_utils.timing`);
`python -m benchmarks --devices` prints it for every device here.
"""
