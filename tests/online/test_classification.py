"""VGG19 with its ImageNet classifier names the bundled photos: the proof that
`vgg_preprocess` (RGB to BGR, 0-255, ImageNet means) matches the weights.
With random weights this fails (tests/unit/test_check.py)."""

import pytest

from course_utils import vgg
from course_utils.check import EXPECTED_CLASSES, classification_check

pytestmark = pytest.mark.online


@pytest.fixture(scope="module")
def classifier(with_top_weights):
    return vgg.vgg19_classifier(with_top_weights)


@pytest.mark.parametrize("photo", sorted(EXPECTED_CLASSES))
def test_the_photo_is_in_the_top_5(classifier, photo):
    check = classification_check(classifier, photo)
    assert check.passed, check.detail
