"""`make gallery`: the README's gallery, here offline with bundled styles, random
weights and a tiny size (the GitHub workflow makes the real one)."""

import subprocess

import numpy as np
import pytest
from PIL import Image

from course_utils.captions import RANDOM_WEIGHTS_NOTE, note_in
from tests.conftest import REPO

# Three stylizations through `make gallery`: in `make test-all`.
pytestmark = pytest.mark.slow

SIZE = 64


def bands(filled: np.ndarray, share: float = 0.5) -> list[int]:
    """Lengths of the runs where more than `share` of a line's pixels are filled:
    a band of panels (text is thin and never fills that much)."""
    lines = filled.mean(axis=1) > share
    runs, length = [], 0
    for line in [*lines, False]:
        if line:
            length += 1
        elif length:
            runs.append(length)
            length = 0
    return runs


def test_make_gallery_draws_content_style_and_result_for_three_styles(tmp_path):
    done = subprocess.run(
        [
            "make",
            "-s",
            "gallery",
            f"SITE={tmp_path}",
            "GALLERY_STYLES=brick grass",
            f"GALLERY_SIZE={SIZE}",
            "GALLERY_ITERATIONS=3",
            "GALLERY_WEIGHTS=random",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    out = tmp_path / "gallery.png"
    assert f"Saved {out}: 3 rows of content, style and result" in done.stdout
    assert note_in(out) == RANDOM_WEIGHTS_NOTE
    pixels = np.asarray(Image.open(out).convert("RGB")).astype(int)
    filled = (pixels < 235).any(axis=-1)
    rows, columns = bands(filled), bands(filled.T)
    assert len(rows) == 3 and len(columns) == 3, (rows, columns)
    # a pixel of the file for each pixel of a result, at least
    assert min(columns) >= SIZE and min(rows) >= SIZE * 300 / 451  # chelsea is 3:2
    # the note, in red, above the panels
    first_row = int(np.argmax(filled.mean(axis=1) > 0.5))
    top = pixels[:first_row]
    red = (top[..., 0] > 200) & (top[..., 1] < 80) & (top[..., 2] < 80)
    assert red.sum() > 100
