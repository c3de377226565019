"""The weights files are the ones Keras publishes (by their MD5)."""

import pytest

from course_utils.check import weights_check
from course_utils.weights import NO_TOP, WITH_TOP

pytestmark = pytest.mark.online


def test_no_top_file_is_the_published_one(no_top_weights):
    check = weights_check(no_top_weights, NO_TOP)
    assert check.passed, check.detail


def test_file_with_the_classifier_is_the_published_one(with_top_weights):
    check = weights_check(with_top_weights, WITH_TOP)
    assert check.passed, check.detail
