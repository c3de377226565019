"""Point every link to the repository at another GitHub repository.

    python .ci/retarget.py OWNER/NAME        (or: make retarget REPO=OWNER/NAME)

The repository's address is declared once, as `Repository` under
`[project.urls]` in pyproject.toml. Colab runs a notebook's set-up cell before
the package is installed, so the notebooks' badges and `pip install git+...`
lines, and the README's, carry the address as text. This script rewrites each
of them, and pyproject.toml itself, from the address pyproject.toml gives to
OWNER/NAME: for a fork, or in the GitHub workflow, for the repository that
publishes the site.

It edits text in place and leaves every other byte as it was, so the notebooks
stay as nbstripout leaves them, and retargeting back restores the files
exactly. It looks at the files git knows about (committed or new, not ignored).
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

REPO_FORM = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}")
"""OWNER/NAME as GitHub allows them: an owner of letters, digits and hyphens
(at most 39, not starting with a hyphen), a name of letters, digits, '.', '-'
and '_'."""

FORMS = {
    "github.com/{owner}/{name}": str,
    "colab.research.google.com/github/{owner}/{name}": str,
    "raw.githubusercontent.com/{owner}/{name}": str,
    "{owner}.github.io/{name}": str.lower,  # GitHub Pages: the owner in lower case
}
"""Each form an address of the repository takes, and how it spells the owner."""


def address_pattern(form: str, owner: str, name: str) -> re.Pattern:
    """`form` for OWNER/NAME as a pattern: the owner in any case (GitHub ignores
    it), the name exactly, and the name ending where a character that cannot be
    part of it follows (".git" and a full stop are not part of it)."""
    pattern = re.escape(form)
    pattern = pattern.replace(r"\{owner\}", f"(?i:{re.escape(owner)})")
    pattern = pattern.replace(r"\{name\}", re.escape(name))
    return re.compile(rf"(?<![\w.-]){pattern}(?=\.git(?![\w.-])|\.?(?:[^\w.-]|\Z))")


def current_repository(root: Path) -> str:
    """OWNER/NAME of the address in pyproject.toml."""
    pyproject = root / "pyproject.toml"
    url = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["urls"][
        "Repository"
    ]
    match = re.fullmatch(rf"https://github\.com/({REPO_FORM.pattern})", url)
    if not match:
        raise SystemExit(
            f"error: {pyproject}: Repository = {url!r} is not "
            "https://github.com/OWNER/NAME; correct it by hand, then retarget."
        )
    return match[1]


def checked(repo: str) -> tuple[str, str]:
    """(owner, name) of `repo` ("OWNER/NAME", a trailing ".git" allowed), or a
    clear error."""
    bare = repo.removesuffix(".git")
    if not REPO_FORM.fullmatch(bare) or bare.split("/")[1] in (".", ".."):
        raise SystemExit(
            "error: REPO must be OWNER/NAME as on GitHub, e.g. someone/style-transfer; "
            f"got {repo!r}."
        )
    owner, name = bare.split("/")
    return owner, name


def tracked_files(root: Path) -> list[Path]:
    """The files git knows about under `root`: committed, or new and not ignored."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        text=True,
    )
    if listed.returncode != 0:
        raise SystemExit(
            f"error: {root} is not a git checkout ({listed.stderr.strip()}); "
            "retarget a clone of the repository."
        )
    names = dict.fromkeys(filter(None, listed.stdout.split("\0")))
    return [root / name for name in names if (root / name).is_file()]


def retarget(root: Path, repo: str) -> dict[Path, int]:
    """Rewrite every address of the current repository to `repo`.

    Returns:
        {file: number of addresses rewritten} for each file that changed.
    """
    owner, name = checked(repo)
    old_owner, old_name = current_repository(root).split("/")
    changed = {}
    # pyproject.toml last: until it is rewritten, it says where the others pointed
    files = sorted(tracked_files(root), key=lambda path: path.name == "pyproject.toml")
    for path in files:
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            continue  # images and other binary files hold no links
        count = 0
        for form, spelled in FORMS.items():
            pattern = address_pattern(form, old_owner, old_name)
            address = form.format(owner=spelled(owner), name=name)
            text, found = pattern.subn(address, text)
            count += found
        if count and text.encode("utf-8") != raw:
            path.write_bytes(text.encode("utf-8"))
            changed[path] = count
    return changed


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        raise SystemExit(
            "usage: python .ci/retarget.py OWNER/NAME "
            "(or: make retarget REPO=OWNER/NAME)"
        )
    owner, name = checked(argv[0])
    before = current_repository(ROOT)
    changed = retarget(ROOT, f"{owner}/{name}")
    for path, count in sorted(changed.items()):
        print(f"{path.relative_to(ROOT)}: {count} address(es)")
    print(
        f"{before} -> {owner}/{name}: {sum(changed.values())} address(es) "
        f"in {len(changed)} file(s)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
