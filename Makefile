# Two commands for a new user: `make lab` and `make test`.
# Both create .venv on first use and install everything into it.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# Commands run by the tools (nbgrader runs `alembic`) come from the venv too.
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: lab test lint bench release grade bench-grading notebooks-clean clean

# Jupyter refuses to run as root unless told (containers often run as root).
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: $(INSTALLED)  ## open JupyterLab on the notebooks
	$(BIN)/jupyter lab notebooks/ $(ALLOW_ROOT)

test: $(INSTALLED)  ## run the whole test suite
	$(BIN)/python -m pytest

lint: $(INSTALLED)  ## ruff on the package and the tests
	$(BIN)/ruff check course_utils tests
	$(BIN)/ruff format --check course_utils tests
	$(BIN)/python -m tests.notebooks.normalise --check notebooks/*.ipynb

bench: $(INSTALLED)  ## course_utils against the TensorFlow tutorial's loop (random weights)
	$(BIN)/python -m benchmarks --weights random --json outputs/bench.json --plot outputs/bench.png

release: $(INSTALLED)  ## student versions of the notebooks, in release/style_transfer/
	$(BIN)/nbgrader generate_assignment style_transfer --force

# WORKERS=n: local Dask workers (default: one per core); SCHEDULER=tcp://host:8786: a Dask cluster
grade: $(INSTALLED)  ## grade submitted/<student>/style_transfer/: gradebook, feedback, grades.csv, summary
	$(BIN)/python -m course_utils.grading $(if $(WORKERS),--workers $(WORKERS)) $(if $(SCHEDULER),--scheduler $(SCHEDULER))

STUDENTS ?= 50
bench-grading: $(INSTALLED)  ## seconds per student and students per minute with 1 and 2 workers
	$(BIN)/python -m tests.grading.bench --students $(STUDENTS) --workers 1 2

notebooks-clean: $(INSTALLED)  ## strip outputs and normalise the committed notebooks
	$(BIN)/python -m tests.notebooks.normalise notebooks/*.ipynb

$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || \
		{ echo "Python 3.10 or newer is needed; $(PYTHON) is older. Try: make PYTHON=python3.11"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(INSTALLED)

clean:  ## remove the virtual environment and caches
	rm -rf $(VENV) .pytest_cache .ruff_cache outputs
