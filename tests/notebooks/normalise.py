"""Normalise the committed notebooks so that diffs show only real changes.

    python -m tests.notebooks.normalise notebooks/*.ipynb          # rewrite
    python -m tests.notebooks.normalise --check notebooks/*.ipynb  # CI: list offenders

Drops outputs, execution counts and per-user metadata; keeps each cell's
`id`, `tags` and `nbgrader` metadata (nbgrader needs them); sets the kernel to
`python3`; trims blank lines at the edges of cells and drops empty cells;
writes sorted keys with one-space indentation.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

KEPT_CELL_METADATA = ("nbgrader", "tags")
NOTEBOOK_METADATA = {
    "kernelspec": {
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "name": "python3",
    },
    "language_info": {"name": "python"},
}


def normalised(text: str) -> str:
    """Return the normalised JSON text of a notebook."""
    notebook = json.loads(text)
    cells = []
    for cell in notebook["cells"]:
        source = "".join(cell["source"]).strip("\n")
        if not source.strip():
            continue
        clean = {
            "cell_type": cell["cell_type"],
            "id": cell["id"],
            "metadata": {
                key: cell["metadata"][key]
                for key in KEPT_CELL_METADATA
                if key in cell.get("metadata", {})
            },
            "source": source.splitlines(keepends=True),
        }
        if cell["cell_type"] == "code":
            clean.update(execution_count=None, outputs=[])
        cells.append(clean)
    result = {
        "cells": cells,
        "metadata": NOTEBOOK_METADATA,
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(result, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing")
    parser.add_argument("paths", nargs="+", type=Path)
    args = parser.parse_args(argv)
    offenders = []
    for path in args.paths:
        text = path.read_text(encoding="utf-8")
        clean = normalised(text)
        if clean != text:
            offenders.append(path)
            if not args.check:
                path.write_text(clean, encoding="utf-8")
    if args.check and offenders:
        print("Not normalised:", *offenders, sep="\n  ")
        print("Fix with: make notebooks-clean")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
