"""Other courses' normalisations are the report's losses times a constant."""

import pytest

from course_utils import conventions
from course_utils.losses import gram_matrix, style_layer_loss


@pytest.fixture
def features(rng):
    return rng.normal(size=(2, 1, 6, 5, 4))  # generated, other; N = 4, M = 30


def test_tf_tutorial_style_is_four_times_eq3(features):
    generated, style = features
    report = style_layer_loss(generated, gram_matrix(style)).numpy()
    actual = conventions.tf_tutorial_style_layer_loss(generated, style).numpy()
    assert actual == pytest.approx(4 * report, rel=1e-10)


def test_pytorch_tutorial_style_is_four_over_n_squared(features):
    generated, style = features
    report = style_layer_loss(generated, gram_matrix(style)).numpy()
    actual = conventions.pytorch_tutorial_style_layer_loss(generated, style).numpy()
    assert actual == pytest.approx(4 * report / 4**2, rel=1e-10)


def test_keras_example_style_uses_image_pixels(features):
    generated, style = features
    report = style_layer_loss(generated, gram_matrix(style)).numpy()
    actual = conventions.keras_example_style_layer_loss(generated, style, 120).numpy()
    # N = 4 filters, M = 30 positions, S = 120 pixels, and the example's 3 channels
    assert actual == pytest.approx(report * 4**2 * 30**2 / (9 * 120**2), rel=1e-10)
