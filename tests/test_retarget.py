"""One address for the repository: pyproject.toml's, in every link to it, and
`make retarget REPO=owner/name` moves them all (.ci/retarget.py)."""

import re
import shutil
import subprocess
import sys
import tomllib

import pytest

from tests.conftest import REPO

FORK = "someone/fork"

# Any link to a GitHub repository: its pages, Colab's view of its notebooks, its
# raw files, its GitHub Pages site. Written independently of .ci/retarget.py.
LINK = re.compile(
    r"(?:github\.com|colab\.research\.google\.com/github|raw\.githubusercontent\.com)"
    r"/([\w-]+)/([\w.-]+)"
    r"|(?<![\w.-])([\w-]+)\.github\.io/([\w.-]+)"
)

PLACES = ["README.md", "notebooks", "book", ".github"]
"""Where links to the repository are (book/: the site's configuration)."""


def repository(root) -> str:
    url = tomllib.loads((root / "pyproject.toml").read_text())["project"]["urls"][
        "Repository"
    ]
    return url.removeprefix("https://github.com/")


def links(root) -> list[tuple[str, str]]:
    """(file, owner/name) of every GitHub link in PLACES under `root`."""
    found = []
    for place in PLACES:
        path = root / place
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            if not file.is_file() or ".ipynb_checkpoints" in file.parts:
                continue
            text = file.read_text(encoding="utf-8", errors="replace")
            for match in LINK.finditer(text):
                owner, name = match[1] or match[3], match[2] or match[4]
                name = name.removesuffix(".git").rstrip(".")
                found.append((str(file.relative_to(root)), f"{owner}/{name}"))
    return found


def wrong_links(root, expected: str) -> list[str]:
    """The links in PLACES that point anywhere but `expected` (owner in any case)."""
    owner, name = expected.split("/")
    return [
        f"{file}: {linked}"
        for file, linked in links(root)
        if linked.split("/")[0].lower() != owner.lower() or linked.split("/")[1] != name
    ]


def test_every_link_to_the_repository_is_pyprojects():
    assert repository(REPO).count("/") == 1
    assert len(links(REPO)) >= 3 * len(list((REPO / "notebooks").glob("*.ipynb")))
    assert wrong_links(REPO, repository(REPO)) == [], (
        "these links differ from pyproject.toml's Repository: run "
        "`make retarget REPO=owner/name`, or correct pyproject.toml first"
    )


def test_the_check_finds_a_link_to_another_repository(tmp_path):
    notebook = tmp_path / "notebooks" / "01.ipynb"
    notebook.parent.mkdir()
    notebook.write_text(
        '"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]'
        "(https://colab.research.google.com/github/old-owner/course/blob/main/"
        'notebooks/01.ipynb)"'
    )
    config = tmp_path / "book" / "_config.yml"
    config.parent.mkdir()
    config.write_text("repository:\n  url: https://github.com/course-owner/other\n")
    (tmp_path / "README.md").write_text(
        "See https://course-owner.github.io/course/gallery.png and "
        '`pip install "git+https://github.com/Course-Owner/course.git"`.\n'
    )
    assert wrong_links(tmp_path, "course-owner/course") == [
        "notebooks/01.ipynb: old-owner/course",
        "book/_config.yml: course-owner/other",
    ]
    assert len(links(tmp_path)) == 4


@pytest.fixture
def clone(tmp_path):
    """A copy of the repository's files (as git lists them) in a new git repository."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    for name in filter(None, listed.stdout.split("\0")):
        if (REPO / name).is_file():
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, tmp_path / name)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    return tmp_path


def retarget(root, repo):
    return subprocess.run(
        ["make", "-s", "retarget", f"REPO={repo}", f"PYTHON={sys.executable}"],
        cwd=root,
        capture_output=True,
        text=True,
    )


def contents(root) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(root).parts
    }


def test_retarget_moves_every_link_and_back(clone):
    home = repository(clone)
    before = contents(clone)
    linked = links(clone)

    done = retarget(clone, FORK)
    assert done.returncode == 0, done.stderr
    assert repository(clone) == FORK
    assert wrong_links(clone, FORK) == []
    assert [file for file, _ in links(clone)] == [file for file, _ in linked]
    assert f"-> {FORK}: " in done.stdout
    still_home = [
        name for name, data in contents(clone).items() if home.encode() in data
    ]
    assert still_home == []
    # the notebooks are still as nbstripout leaves them
    checked = subprocess.run(
        ["make", "-s", "notebooks-check", f"NOTEBOOKS={clone}/notebooks/*.ipynb"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr

    done = retarget(clone, home)
    assert done.returncode == 0, done.stderr
    after = contents(clone)
    assert [name for name in before if after[name] != before[name]] == []


def test_retarget_writes_the_pages_host_in_lower_case(clone):
    readme = clone / "README.md"
    home = repository(clone)
    owner, name = home.split("/")
    readme.write_text(
        readme.read_text() + f"\n![gallery](https://{owner}.github.io/{name}/x.png)\n"
    )
    assert retarget(clone, "Some-One/Fork.js").returncode == 0
    assert "](https://some-one.github.io/Fork.js/x.png)" in readme.read_text()
    assert "git+https://github.com/Some-One/Fork.js.git" in readme.read_text()


@pytest.mark.parametrize("repo", ["foo", "a/b/c", "", "-a/b", "a/b c", "a/.."])
def test_retarget_refuses_what_is_not_owner_slash_name(clone, repo):
    before = contents(clone)
    done = retarget(clone, repo)
    assert done.returncode != 0
    expected = "REPO must be OWNER/NAME as on GitHub, e.g. someone/style-transfer; "
    assert expected in done.stderr
    assert f"got {repo!r}." in done.stderr
    assert contents(clone) == before
