"""Fixtures shared by the unit tests of the run: objective and stylize."""

import numpy as np
import pytest


@pytest.fixture(scope="module")
def images():
    """A 48 x 64 content image (a ramp with noise) and a 40 x 40 noise style."""
    rng = np.random.default_rng(42)
    content = np.clip(
        np.linspace(0, 1, 64)[None, :, None] + 0.1 * rng.normal(size=(48, 64, 3)), 0, 1
    ).astype("f4")
    style = rng.uniform(size=(40, 40, 3)).astype("f4")
    return content, style
