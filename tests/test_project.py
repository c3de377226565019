"""The project's own files agree with each other: set-up, README and CI."""

import re
import tomllib
from importlib.metadata import version

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

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
    actual |= {normalise(d.split("#")[0]) for d in pip if d != "-e ."}  # not on conda
    assert actual == expected
    assert "-e ." in pip


def test_readme_opens_with_the_two_commands():
    readme = (REPO / "README.md").read_text()
    first_block = readme.split("```")[1]
    assert "make lab" in first_block and "make test" in first_block


def test_ci_runs_the_readme_whole_suite_command():
    readme = (REPO / "README.md").read_text()
    first_block = readme.split("```")[1]
    assert re.search(r"^make test-all\b", first_block, re.MULTILINE)
    ci = (REPO / ".ci" / "run").read_text()
    assert re.search(r"^make test-all$", ci, re.MULTILINE)
    makefile = (REPO / "Makefile").read_text()
    lanes = {
        "test": r'-m pytest -m "not slow" \$\(PYTEST_ARGS\)$',
        "test-all": r"-m pytest \$\(PYTEST_ARGS\)$",
    }
    for target, command in lanes.items():
        rule = rf"^{target}: .*\n\t\$\(BIN\)/python {command}"
        assert re.search(rule, makefile, re.MULTILINE), target


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


# The versions pyproject.toml claims are the versions `make test-envs` tests: the
# notebooks run with .ci/oldest.txt (every floor) and .ci/colab.txt (Colab's versions).


def project():
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]


def pins(name: str) -> dict[str, str]:
    """{package: version} of .ci/<name>.txt, a pip constraints file of exact pins."""
    found = {}
    for line in (REPO / ".ci" / f"{name}.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            match = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([0-9][0-9a-z.]*)", line)
            assert match, f".ci/{name}.txt: {line!r} is not package==version"
            found[canonicalize_name(match[1])] = match[2]
    return found


def test_each_floor_is_the_version_the_oldest_environment_runs():
    oldest = pins("oldest")
    floors = {}
    for requirement in map(Requirement, project()["dependencies"]):
        lower = [
            spec.version for spec in requirement.specifier if spec.operator == ">="
        ]
        assert len(lower) == 1, f"{requirement}: give it one floor (>=)"
        floors[canonicalize_name(requirement.name)] = lower[0]
    tested = {name: oldest.get(name, "not pinned") for name in floors}
    assert floors == tested, (
        "pyproject.toml's floors (left) differ from .ci/oldest.txt (right): change "
        "both, then run `make test-envs ENVS=oldest`"
    )


def test_colab_environment_is_colabs_versions_and_pyproject_allows_them():
    colab = pins("colab")
    assert colab["tensorflow"].startswith("2.19.")
    assert colab["numpy"].startswith("2.0.")
    assert colab["ipywidgets"] == "7.7.1"
    assert colab["matplotlib"].startswith("3.10.")
    # installing the package on Colab keeps Colab's versions
    for requirement in map(Requirement, project()["dependencies"]):
        version = colab.get(canonicalize_name(requirement.name))
        assert version is not None, f".ci/colab.txt does not pin {requirement.name}"
        assert requirement.specifier.contains(version), (
            f"{requirement} excludes Colab's {version}"
        )


def test_the_oldest_python_is_the_same_everywhere():
    # the oldest environment's Python is the oldest pyproject.toml allows
    assert project()["requires-python"] == ">=3.11"
    makefile = (REPO / "Makefile").read_text()
    assert re.search(r"^ENV_PYTHON \?= python3\.11$", makefile, re.MULTILINE)
    assert "sys.version_info < (3, 11)" in makefile
    environment = yaml.safe_load((REPO / "environment.yml").read_text())
    assert "python>=3.11" in environment["dependencies"]
    assert "Python 3.11 or newer" in (REPO / "README.md").read_text()


def test_ci_runs_the_notebooks_in_each_environment():
    ci = (REPO / ".ci" / "run").read_text()
    assert re.search(
        r"^make test-all\n(.*\n)*make --keep-going test-envs$", ci, re.MULTILINE
    )
    makefile = (REPO / "Makefile").read_text()
    envs = re.search(r"^ENVS \?= (.*)$", makefile, re.MULTILINE)[1].split()
    assert envs == ["oldest", "colab", "instructor"]
    assert all((REPO / ".ci" / f"{env}.txt").is_file() for env in envs)
    # the instructor environment: the grading tests, over the oldest versions
    assert re.search(r"^ENV_TESTS_instructor := tests/grading$", makefile, re.M)
    assert re.search(r"^ENV_ALSO_instructor := \.ci/oldest\.txt$", makefile, re.M)


def test_each_instructor_floor_is_the_version_the_instructor_environment_runs():
    """The `instructor` extra is a tested range: a floor and a ceiling for
    each, the floor pinned in .ci/instructor.txt, the ceiling above both the
    floor and what `make test-all` runs (.venv's newest versions)."""
    pinned = pins("instructor")
    ranges = {}
    for requirement in map(
        Requirement, project()["optional-dependencies"]["instructor"]
    ):
        operators = sorted(spec.operator for spec in requirement.specifier)
        assert operators == ["<", ">="], f"{requirement}: give a floor and a ceiling"
        floor = next(s.version for s in requirement.specifier if s.operator == ">=")
        ranges[canonicalize_name(requirement.name)] = floor
        assert requirement.specifier.contains(pinned.get(requirement.name, "0"))
        newest = version(requirement.name)  # what `make test-all` runs
        assert requirement.specifier.contains(newest), f"{requirement}: {newest}"
    assert ranges == pinned, (
        "pyproject.toml's instructor floors (left) differ from .ci/instructor.txt "
        "(right): change both, then run `make test-envs ENVS=instructor`"
    )
