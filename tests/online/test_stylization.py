"""A 256 px stylization with the defaults and the real weights passes the sanity
bounds of `course_utils.check`: the style loss falls by at least 90 %, the
content is kept, the colours move toward the style image's, and a second run
with the same seed on the CPU gives the same pixels. The measured figures are
printed at the end of the run."""

import dataclasses

import pytest

from course_utils.check import measure_stylization, stylization_checks
from tests.online.conftest import MEASURED

pytestmark = pytest.mark.online

SIZE = 256
CHECKS = [
    "style loss falls",
    "content is kept",
    "colours move toward the style",
    "repeats exactly",
]


@pytest.fixture(scope="module")
def checks(no_top_weights):
    measures = measure_stylization(str(no_top_weights), SIZE)
    MEASURED.append(
        "stylization at 256 px: "
        + ", ".join(f"{k} {v:.4g}" for k, v in dataclasses.asdict(measures).items())
        + f", style drop {measures.style_drop:.2%}"
    )
    return {check.name: check for check in stylization_checks(measures)}


@pytest.mark.parametrize("name", CHECKS)
def test_stylization(checks, name):
    assert checks[name].passed, checks[name].detail
