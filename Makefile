# Two commands for a new user: `make lab` and `make test`.
# Both create .venv on first use and install everything into it.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# Commands run by the tools (nbgrader runs `alembic`) come from the venv too.
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: lab test lint bench release grade bench-grading notebooks-clean notebooks-check clean

# Jupyter refuses to run as root unless told (containers often run as root).
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: $(INSTALLED)  ## open JupyterLab on the notebooks
	$(BIN)/jupyter lab notebooks/ $(ALLOW_ROOT)

test: $(INSTALLED)  ## run the whole test suite
	$(BIN)/python -m pytest

lint: $(INSTALLED)  ## ruff on the package, the benchmarks and the tests; clean notebooks
	$(BIN)/ruff check course_utils benchmarks tests
	$(BIN)/ruff format --check course_utils benchmarks tests
	$(MAKE) --no-print-directory notebooks-check

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

# nbstripout keeps what nbgrader needs (cell ids, tags, nbgrader metadata) and drops
# outputs, execution counts and what differs from one machine to the next.
NOTEBOOKS ?= notebooks/*.ipynb
NBSTRIPOUT := $(BIN)/nbstripout --keep-id --drop-empty-cells --extra-keys "\
	metadata.language_info.codemirror_mode metadata.language_info.file_extension \
	metadata.language_info.mimetype metadata.language_info.nbconvert_exporter \
	metadata.language_info.pygments_lexer metadata.language_info.version \
	metadata.papermill cell.metadata.papermill cell.metadata.jupyter"

notebooks-clean: $(INSTALLED)  ## strip outputs and machine-specific metadata from the notebooks
	$(NBSTRIPOUT) $(NOTEBOOKS)

notebooks-check: $(INSTALLED)  ## fail if a notebook is not as notebooks-clean leaves it
	$(NBSTRIPOUT) --verify $(NOTEBOOKS)

$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed; $(PYTHON) is older. Try: make PYTHON=python3.11"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(INSTALLED)

clean:  ## remove the virtual environment and caches
	rm -rf $(VENV) .pytest_cache .ruff_cache outputs
