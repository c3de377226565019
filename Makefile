# Two commands for a new user: `make lab` and `make test`.
# Both create .venv on first use and install everything into it.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# Commands run by the tools (nbgrader runs `alembic`) come from the venv too.
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: lab test test-all test-online check weights test-envs lint bench book release collect grade \
	bench-grading notebooks-clean notebooks-check clean

# Jupyter refuses to run as root unless told (containers often run as root).
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: $(INSTALLED)  ## open JupyterLab on the notebooks
	$(BIN)/jupyter lab notebooks/ $(ALLOW_ROOT)

# Two lanes, chosen by the `slow` marker (pyproject.toml): `make test` after a change
# (every module and one notebook, a few minutes), `make test-all` before a merge
# (every notebook, the website and the playground in Chromium, the grading classes;
# CI runs it). PYTEST_ARGS passes more options to pytest.
test: $(INSTALLED)  ## the fast lane: every module, one notebook
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

test-all: $(INSTALLED)  ## the whole suite: every notebook, the browser tests, the grading classes
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The real ImageNet VGG19 weights. tests/online runs where they can be had: given
# with VGG19_WEIGHTS=PATH (or $COURSE_UTILS_VGG19_WEIGHTS), in the Keras cache (~/.keras/models),
# or downloadable (COURSE_UTILS_ONLINE=1); elsewhere it skips with one reason.
# PYTEST_ARGS="-k classif" passes more options to pytest.
test-online: $(INSTALLED)  ## the online suite: real weights, classification, stylization, notebooks
	$(BIN)/python -m pytest -m online -rs tests/online $(if $(VGG19_WEIGHTS),--weights "$(VGG19_WEIGHTS)") $(PYTEST_ARGS)

check: $(INSTALLED)  ## is this machine ready for the course? (weights, quality checks, speed)
	$(BIN)/python -m course_utils check $(if $(VGG19_WEIGHTS),--weights "$(VGG19_WEIGHTS)")

weights: $(INSTALLED)  ## download both VGG19 weights files into the Keras cache, check their hashes
	$(BIN)/python -m course_utils weights $(if $(VGG19_WEIGHTS),--weights "$(VGG19_WEIGHTS)")

# The tests in more environments than .venv's newest versions: each name in ENVS
# has its exact versions in .ci/NAME.txt (pip constraints) and its own virtual
# environment, .venvs/NAME, made with Python 3.11. CI runs `make test-envs`.
#   oldest:     the floors in pyproject.toml (tests/test_project.py keeps them equal)
#   colab:      Google Colab's current versions
#   instructor: the `instructor` extra's floors (.ci/instructor.txt) over the oldest
#               environment's versions; it runs the grading tests (tests/grading)
# Each environment holds the package (editable: it runs this checkout's code) and
# only what its tests need. It is rebuilt only when pyproject.toml or its
# .ci/NAME.txt changes. Downloads are kept in ENV_WHEELS and reused by every later
# build, here or in another clone (pip's own cache misses them where a proxy drops
# PyPI's caching headers). The notebooks run at test sizes with random weights, as
# in `make test`; the figure check (text layout changes with matplotlib) and the
# playground's widget tests (ipywidgets 7.7 against 8) run too.
# papermill asks for the kernel "python3": `ipykernel install --sys-prefix` registers
# the environment's own Python under that name inside the environment, where Jupyter
# looks first, and tests/notebooks/test_kernel.py checks that the kernel is that Python.
ENVS ?= oldest colab instructor
ENV_PYTHON ?= python3.11
VENVS := .venvs
ENV_WHEELS ?= $(HOME)/.cache/course-utils/wheels
ENV_TOOLS := pytest papermill nbformat ipykernel
ENV_TESTS := tests/notebooks/test_kernel.py tests/notebooks/test_notebooks.py \
	tests/unit/test_figures.py tests/unit/test_controls.py tests/unit/test_widgets.py
# An environment's own extra, constraints and tests, where they differ
ENV_EXTRA_instructor := [instructor]
ENV_ALSO_instructor := .ci/oldest.txt
ENV_TESTS_instructor := tests/grading

test-envs: $(ENVS:%=test-env-%)  ## the notebooks in the oldest versions allowed and in Colab's; grading in the oldest instructor tools

# PATH as if the environment were activated (the recipes' PATH starts with .venv/bin)
test-env-%: $(VENVS)/%/.installed
	@$(VENVS)/$*/bin/python .ci/versions.py $*
	PATH=$(abspath $(VENVS)/$*/bin):$$PATH $(VENVS)/$*/bin/python -m pytest \
		-p no:cacheprovider $(or $(ENV_TESTS_$*),$(ENV_TESTS))

# (.PRECIOUS: make would otherwise delete the stamps as intermediate files)
.PRECIOUS: $(VENVS)/%/.installed
$(VENVS)/instructor/.installed: $(ENV_ALSO_instructor)
$(VENVS)/%/.installed: pyproject.toml .ci/%.txt
	rm -rf $(VENVS)/$*
	$(ENV_PYTHON) -m venv $(VENVS)/$*
	$(VENVS)/$*/bin/python -m pip install --quiet --upgrade pip
	$(VENVS)/$*/bin/python -m pip download --quiet --dest $(ENV_WHEELS) \
		$(addprefix --constraint ,.ci/$*.txt $(ENV_ALSO_$*)) .$(ENV_EXTRA_$*) $(ENV_TOOLS)
	$(VENVS)/$*/bin/python -m pip install --quiet --find-links $(ENV_WHEELS) \
		$(addprefix --constraint ,.ci/$*.txt $(ENV_ALSO_$*)) --editable .$(ENV_EXTRA_$*) \
		$(ENV_TOOLS)
	$(VENVS)/$*/bin/python -m ipykernel install --sys-prefix
	touch $@

lint: $(INSTALLED)  ## ruff on the package, the benchmarks, the tests, .ci and book/; clean notebooks
	$(BIN)/ruff check course_utils benchmarks tests .ci book
	$(BIN)/ruff format --check course_utils benchmarks tests .ci book
	$(MAKE) --no-print-directory notebooks-check

bench: $(INSTALLED)  ## course_utils against the TensorFlow tutorial's loop (random weights)
	$(BIN)/python -m benchmarks --weights random --json outputs/bench.json --plot outputs/bench.png

# The course as a website (Jupyter Book 1, built offline): the README as the front
# page, then every notebook executed, with its figures; book/build.py does the work.
# The notebooks get the real weights where they can be had (VGG19_WEIGHTS=PATH,
# $COURSE_UTILS_VGG19_WEIGHTS, the Keras cache, or COURSE_UTILS_ONLINE=1 to download
# them), else random weights, and then every figure says so; VGG19_WEIGHTS=random forces
# those. BOOK_PARAMETERS: a YAML file of papermill parameters per notebook; empty: the
# notebooks' own sizes (about 10 minutes on a 2-core CPU);
# tests/notebooks/small.yml: the tests' small sizes. BOOK_BUILD: the build folder;
# the site is $(BOOK_BUILD)/site, made afresh. BOOK_EXECUTED: a folder of notebooks
# already executed, taken instead of running them (the website test's way).
BOOK_BUILD ?= _build
book: $(INSTALLED)  ## the notebooks, executed, as a website in _build/site/
	$(BIN)/python book/build.py --build $(BOOK_BUILD)$(if $(VGG19_WEIGHTS), --weights \
		"$(VGG19_WEIGHTS)")$(if $(BOOK_PARAMETERS), --parameters $(BOOK_PARAMETERS))$(if \
		$(BOOK_EXECUTED), --executed $(BOOK_EXECUTED))

release: $(INSTALLED)  ## student versions of the notebooks, in release/style_transfer/
	$(BIN)/nbgrader generate_assignment style_transfer --force

# ZIP: the LMS's bulk download (Canvas or Moodle), or a folder of files
collect: $(INSTALLED)  ## lay an LMS download out as submitted/<student>/style_transfer/
	$(BIN)/python -m course_utils.grading.collect "$(ZIP)"

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

# For maintainers; the GitHub workflow (.github/workflows/course.yml) runs these too.
.PHONY: retarget gallery browser

# The repository's address is declared once, in pyproject.toml ([project.urls]).
# Colab runs a notebook's set-up cell before the package exists, so the notebooks'
# badges and install lines, and the README's, carry the address as text: retarget
# rewrites all of them, pyproject.toml too, for a fork or the course's new home.
retarget:  ## point the Colab badges, install lines and site links at github.com/REPO
	$(PYTHON) .ci/retarget.py "$(REPO)"

# The published site: `make book` fills SITE and the workflow publishes it to GitHub
# Pages. The gallery is content | style | result for the default pair and for each of
# GALLERY_STYLES (empty: the command's two paintings, downloaded from catalog.json).
# Empty GALLERY_ITERATIONS and GALLERY_WEIGHTS leave stylize's defaults (1000
# iterations, the ImageNet weights). At 256 px each run takes about 10 minutes on
# two CPU cores.
SITE ?= _build/site
GALLERY_SIZE ?= 256
GALLERY_ITERATIONS ?=
GALLERY_WEIGHTS ?=
GALLERY_STYLES ?=
GALLERY_OPTIONS = --size $(GALLERY_SIZE) \
	$(if $(GALLERY_ITERATIONS),--iterations $(GALLERY_ITERATIONS)) \
	$(if $(GALLERY_WEIGHTS),--weights $(GALLERY_WEIGHTS)) \
	$(if $(GALLERY_STYLES),--styles $(GALLERY_STYLES))

gallery: $(INSTALLED)  ## the README's gallery image, $(SITE)/gallery.png
	$(BIN)/python -m course_utils gallery --force --out $(SITE)/gallery.png \
		$(strip $(GALLERY_OPTIONS))

# The browser tests drive Debian's Chromium where it is installed (as .ci/run does);
# elsewhere, e.g. on GitHub's runners, playwright's own Chromium and its libraries.
CHROMIUM ?= /usr/bin/chromium

browser: $(INSTALLED)  ## a Chromium for the browser tests
	$(if $(wildcard $(CHROMIUM)),@echo "Using $(CHROMIUM)",\
		$(BIN)/python -m playwright install --with-deps chromium)

clean:  ## remove the virtual environments, caches and the built site
	rm -rf $(VENV) $(VENVS) .pytest_cache .ruff_cache outputs _build
