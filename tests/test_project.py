"""The project's own files agree with each other: set-up, README and CI."""

import re
import tomllib

import yaml

from tests.conftest import REPO


def normalise(requirement: str) -> str:
    requirement = requirement.split(";")[0].strip()
    name, spec = re.match(r"([A-Za-z0-9_.\-]+)\s*(.*)", requirement).groups()
    return name.lower().replace("_", "-") + spec.replace(" ", "")


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    expected = {normalise(r) for r in project["dependencies"]}
    extras = project["optional-dependencies"]
    for requirement in extras["dev"] + extras["instructor"] + extras["lab"]:
        # the dev extra names the other extras
        if "course-utils" not in requirement:
            expected.add(normalise(requirement))
    environment = yaml.safe_load((REPO / "environment.yml").read_text())
    conda = [d for d in environment["dependencies"] if isinstance(d, str)]
    pip = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    actual = {normalise(d) for d in conda if not d.startswith(("python", "pip"))}
    assert actual == expected
    assert "-e ." in pip


def test_readme_opens_with_the_two_commands():
    readme = (REPO / "README.md").read_text()
    first_block = readme.split("```")[1]
    assert "make lab" in first_block and "make test" in first_block


def test_ci_runs_the_readme_test_command():
    ci = (REPO / ".ci" / "run").read_text()
    assert re.search(r"^make test$", ci, re.MULTILINE)
    makefile = (REPO / "Makefile").read_text()
    test_rule = r"^test: .*\n\t\$\(BIN\)/python -m pytest$"
    assert re.search(test_rule, makefile, re.MULTILINE)


def test_top_level_layout():
    names = {path.name for path in REPO.iterdir() if not path.name.startswith(".")}
    required = {
        "notebooks",
        "course_utils",
        "data",
        "tests",
        "environment.yml",
        "README.md",
        "pyproject.toml",
        "Makefile",
    }
    assert required <= names
    assert (REPO / ".ci" / "run").exists()
