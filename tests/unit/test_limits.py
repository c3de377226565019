"""limits: while nbgrader grades (NBGRADER_EXECUTION is set), every run is tiny
whatever the notebook asks for; otherwise nothing changes."""

import numpy as np
import pytest

from course_utils import images, limits, vgg
from course_utils.settings import StyleTransferSettings


@pytest.fixture
def grading(monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")


def big_image():
    return np.random.default_rng(0).uniform(size=(300, 200, 3)).astype("float32")


def test_outside_grading_nothing_is_capped(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    assert images.load_image(big_image()).shape == (300, 200, 3)
    assert images.load_image(big_image(), 150).shape == (150, 100, 3)
    settings = StyleTransferSettings(size=1024, iterations=5000, weights=None)
    assert (settings.size, settings.iterations) == (1024, 5000)
    assert vgg.weights_label("imagenet") == "imagenet"
    assert vgg.is_trained("imagenet") and not vgg.is_trained(None)


def test_grading_caps_image_sizes_given_or_not(grading):
    assert images.load_image(big_image()).shape == (limits.GRADING_MAX_SIZE, 43, 3)
    assert images.load_image(big_image(), 1024).shape[0] == limits.GRADING_MAX_SIZE
    assert images.load_image(big_image(), 48).shape == (48, 32, 3)  # smaller stays


def test_grading_keeps_a_panorama_tall_enough_for_vgg19(grading):
    panorama = np.zeros((40, 400, 3), "float32")
    assert images.load_image(panorama).shape == (32, 320, 3)


def test_grading_caps_iterations_and_size_of_every_run(grading):
    settings = StyleTransferSettings(size=1024, iterations=5000, weights=None)
    assert settings.size == limits.GRADING_MAX_SIZE
    assert settings.iterations == limits.GRADING_MAX_ITERATIONS
    assert StyleTransferSettings(iterations=1, weights=None).iterations == 1


def test_grading_never_downloads_weights(grading):
    assert vgg.weights_label("imagenet") == "random"
    assert StyleTransferSettings(weights="imagenet").weights == "random"
    assert not vgg.is_trained("imagenet")


def test_bad_values_are_still_refused_while_grading(grading):
    with pytest.raises(ValueError, match="size"):
        StyleTransferSettings(size=8, weights=None)
