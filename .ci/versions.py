"""Print one line naming the versions an environment runs, for the CI log.

`make test-envs` runs it with each environment's Python before that environment's
tests: `python .ci/versions.py oldest`.
"""

import platform
import sys
from importlib.metadata import PackageNotFoundError, version

PACKAGES = [
    "tensorflow",
    "keras",
    "numpy",
    "matplotlib",
    "ipywidgets",
    "pillow",
    "scipy",
    "tqdm",
    "ipykernel",
]

name = sys.argv[1] if len(sys.argv) > 1 else sys.prefix
INSTRUCTOR = ["nbgrader", "nbclient", "distributed"]  # where they are installed


def installed(package: str) -> str | None:
    try:
        return f"{package} {version(package)}"
    except PackageNotFoundError:
        return None


versions = ", ".join(filter(None, map(installed, PACKAGES + INSTRUCTOR)))
print(f"{name}: python {platform.python_version()}, {versions}", flush=True)
