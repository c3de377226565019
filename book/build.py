"""Build the course website: the notebooks, executed, as a Jupyter Book.

`make book` runs it from the repository root:

    python book/build.py [--weights imagenet|random|PATH] [--parameters FILE]
                         [--build DIR] [--executed DIR]

1. Stage the book's sources in DIR/book: README.md (the front page), the files it
   links to, and book/_config.yml and book/_toc.yml.
2. Run every notebook with papermill into DIR/book/notebooks, with the working
   directory notebooks/ as a student runs it (its files go to notebooks/outputs/),
   with the real VGG19 weights where they can be had
   (course_utils.weights.notebook_weights), else with random weights. The
   exercises' solutions and graded tests keep their outputs but not their code.
   With --executed DIR the notebooks already run there (by papermill, as this
   step runs them; the website test passes the notebook tests' runs) are
   taken instead.
3. Build the HTML with Jupyter Book and copy it to DIR/site (index.html first).
"""

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import papermill
import yaml

from course_utils.weights import notebook_weights

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
BOOK = Path(__file__).resolve().parent
# What the README links to, beside it as in the repository.
LINKED = ["data/benchmark"]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--weights",
        help="VGG19 weights for every notebook: imagenet, random or a file path "
        "(default: whatever is available here, else random)",
    )
    parser.add_argument(
        "--parameters",
        type=Path,
        help="YAML file of papermill parameters per notebook, which override "
        "the notebooks' own (tests/notebooks/small.yml: the tests' sizes)",
    )
    parser.add_argument("--build", type=Path, default=REPO / "_build")
    parser.add_argument(
        "--executed",
        type=Path,
        help="a folder holding every notebook already executed: build from "
        "those instead of running the notebooks",
    )
    args = parser.parse_args(argv)

    weights = notebook_weights() if args.weights is None else args.weights
    if weights not in (None, "imagenet", "random"):
        weights = str(Path(weights).resolve())  # the notebooks run in notebooks/
    weights = None if weights == "random" else weights
    parameters = yaml.safe_load(args.parameters.read_text()) if args.parameters else {}
    source, site = args.build / "book", args.build / "site"
    os.environ.pop("MPLBACKEND", None)  # Agg would keep the figures out of the pages
    stage(source)
    for notebook in sorted(NOTEBOOKS.glob("*.ipynb")):
        if args.executed:
            take(args.executed / notebook.name, source / "notebooks")
            continue
        run(
            notebook,
            source / "notebooks",
            {"WEIGHTS": weights, **parameters.get(notebook.stem, {})},
        )
    # A warning (a broken link, a page missing from _toc.yml) fails the build.
    built = subprocess.run(
        ["jupyter-book", "build", str(source), "--warningiserror", "--keep-going"]
    )
    if built.returncode:
        sys.exit(built.returncode)
    shutil.rmtree(site, ignore_errors=True)
    shutil.copytree(source / "_build" / "html", site)
    print(f"The website is in {site}; open {site / 'index.html'}")


def stage(source: Path) -> None:
    """Lay out the book's sources in `source`, as the repository lays them out."""
    shutil.rmtree(source, ignore_errors=True)
    (source / "notebooks").mkdir(parents=True)
    for name in ["_config.yml", "_toc.yml"]:
        shutil.copy(BOOK / name, source / name)
    shutil.copy(REPO / "README.md", source / "README.md")
    for path in LINKED:
        shutil.copytree(REPO / path, source / path)


def run(notebook: Path, folder: Path, parameters: dict) -> None:
    """Run `notebook` with papermill into `folder`; exit if a cell raises."""
    start = time.monotonic()
    print(f"Running {notebook.name} with {parameters}", flush=True)
    try:
        papermill.execute_notebook(
            notebook,
            folder / notebook.name,
            parameters=parameters,
            cwd=NOTEBOOKS,
            kernel_name="python3",
            progress_bar=False,
        )
    except papermill.PapermillExecutionError as error:
        sys.exit(f"{notebook.name} failed; see {folder / notebook.name}\n{error}")
    hide_answers(folder / notebook.name)
    print(f"  {time.monotonic() - start:.0f} s", flush=True)


def take(executed: Path, folder: Path) -> None:
    """Use a notebook executed elsewhere; exit if it is not there."""
    if not executed.is_file():
        sys.exit(f"--executed: {executed} is missing; every notebook must be there")
    print(f"Taking {executed}", flush=True)
    shutil.copy(executed, folder / executed.name)
    hide_answers(folder / executed.name)


def hide_answers(path: Path) -> None:
    """Keep the exercises' solutions and graded tests off the public site.

    Their cells (nbgrader's "solution" and "grade" cells) keep their outputs
    but lose their code, by Jupyter Book's `remove-input` tag.
    """
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        grading = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and (
            grading.get("solution") or grading.get("grade")
        ):
            tags = cell.metadata.setdefault("tags", [])
            if "remove-input" not in tags:
                tags.append("remove-input")
    nbformat.write(notebook, path)


if __name__ == "__main__":
    sys.exit(main())
