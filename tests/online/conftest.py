"""The online suite (`pytest -m online`, `make test-online`): the real ImageNet
VGG19 weights.

It runs where the weights can be had: given as a file (--weights PATH or
COURSE_UTILS_VGG19_WEIGHTS), already in the user's Keras cache (the real one,
REAL_KERAS_HOME, not the empty one the other tests get), or downloadable
(COURSE_UTILS_ONLINE=1). Elsewhere every test skips, all with one reason.
The figures the stylization checks measure are printed at the end of the run.
"""

import os

import pytest

from course_utils import weights
from tests.conftest import REAL_KERAS_HOME

NO_WEIGHTS = (
    "no ImageNet VGG19 weights here: set COURSE_UTILS_ONLINE=1 to download them, "
    "or give the file with --weights PATH or COURSE_UTILS_VGG19_WEIGHTS"
)
MEASURED = []
"""Lines for the end of the run: what the stylization checks measured."""


def weights_file(config, file):
    """The path of `file` here (downloaded if COURSE_UTILS_ONLINE=1), or None."""
    found = weights.find(file, config.getoption("--weights"), REAL_KERAS_HOME)
    if found is None and os.environ.get(weights.ONLINE_VAR) == "1":
        found = weights.fetch(file, REAL_KERAS_HOME)
    return found


@pytest.fixture(scope="session")
def no_top_weights(pytestconfig):
    """The path of the no-top weights file; every online test needs it."""
    path = weights_file(pytestconfig, weights.NO_TOP)
    if path is None:
        pytest.skip(NO_WEIGHTS)
    return path


@pytest.fixture(scope="session")
def with_top_weights(pytestconfig, no_top_weights):
    """The path of the weights file with the classifier."""
    path = weights_file(pytestconfig, weights.WITH_TOP)
    if path is None:
        pytest.skip(
            f"no {weights.WITH_TOP.what} here: put {weights.WITH_TOP.name} beside "
            "the no-top file or in the Keras cache, or set COURSE_UTILS_ONLINE=1"
        )
    return path


def pytest_terminal_summary(terminalreporter):
    if MEASURED:
        terminalreporter.section("measured with the real weights")
        for line in MEASURED:
            terminalreporter.write_line(line)
