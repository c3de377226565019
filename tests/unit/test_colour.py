"""Colour preservation (Gatys et al. 2017): YIQ, luminance-only transfer and
colour-histogram matching."""

import numpy as np
import pytest

from course_utils import colour
from course_utils.transfer import stylize

pytestmark = pytest.mark.filterwarnings("ignore:VGG19 has RANDOM")


def test_yiq_round_trip_and_grey_has_no_chroma(rng):
    image = rng.uniform(size=(5, 6, 3))
    np.testing.assert_allclose(
        colour.yiq_to_rgb(colour.rgb_to_yiq(image)), image, atol=1e-12
    )
    grey = colour.rgb_to_yiq(np.full((2, 2, 3), 0.4))
    np.testing.assert_allclose(grey[..., 0], 0.4)
    np.testing.assert_allclose(grey[..., 1:], 0, atol=1e-12)


def test_combine_luminance_keeps_content_chroma_exactly(rng):
    content = rng.uniform(0.3, 0.7, size=(8, 8, 3))
    stylized = rng.uniform(0.3, 0.7, size=(8, 8, 3))
    combined = colour.combine_luminance(content, stylized)
    actual, expected = colour.rgb_to_yiq(combined), colour.rgb_to_yiq(content)
    np.testing.assert_allclose(actual[..., 1:], expected[..., 1:], atol=1e-6)
    np.testing.assert_allclose(
        actual[..., 0], colour.rgb_to_yiq(stylized)[..., 0], atol=1e-6
    )


def test_match_histogram_gives_the_content_mean_and_covariance(rng):
    content = rng.uniform(0.2, 0.6, size=(30, 30, 3)) * [1.0, 0.5, 0.2] + 0.2
    style = rng.uniform(0.3, 0.7, size=(20, 25, 3))
    matched = colour.match_histogram(style, content).reshape(-1, 3)
    np.testing.assert_allclose(
        matched.mean(0), content.reshape(-1, 3).mean(0), atol=2e-3
    )
    np.testing.assert_allclose(
        np.cov(matched, rowvar=False),
        np.cov(content.reshape(-1, 3), rowvar=False),
        atol=2e-4,
    )


def test_stylize_luminance_mode_keeps_the_content_chroma(rng):
    content = np.clip(rng.uniform(0.3, 0.7, size=(48, 64, 3)) * [1.2, 0.9, 0.6], 0, 1)
    style = rng.uniform(size=(48, 48, 3))
    result = stylize(
        content.astype("f4"),
        style.astype("f4"),
        preserve_colour="luminance",
        iterations=5,
        weights=None,
        size=64,
        progress=False,
    )
    inside = np.all((result.image > 1e-3) & (result.image < 1 - 1e-3), axis=-1)
    assert inside.mean() > 0.5
    actual = colour.rgb_to_yiq(result.image)[inside]
    expected = colour.rgb_to_yiq(content)[inside]
    np.testing.assert_allclose(actual[:, 1:], expected[:, 1:], atol=1e-5)
    for _, snapshot in result.snapshots:  # every frame shows the content's colours
        kept = np.all((snapshot > 1e-3) & (snapshot < 1 - 1e-3), axis=-1)
        np.testing.assert_allclose(
            colour.rgb_to_yiq(snapshot)[kept][:, 1:],
            colour.rgb_to_yiq(content)[kept][:, 1:],
            atol=1e-5,
        )


def test_stylize_histogram_mode_runs_and_rejects_unknown_modes(rng):
    image = rng.uniform(size=(40, 40, 3)).astype("f4")
    result = stylize(
        image,
        image,
        preserve_colour="histogram",
        iterations=2,
        weights=None,
        size=32,
        progress=False,
    )
    assert result.image.shape == (32, 32, 3)
    with pytest.raises(ValueError, match="preserve_colour must be one of"):
        stylize(image, image, preserve_colour="colour", weights=None)


def test_match_histogram_of_a_grey_style_stays_in_range(rng):
    grey = np.repeat(rng.uniform(0.2, 0.8, size=(30, 30, 1)), 3, axis=-1)
    grey += rng.normal(0, 1 / 255, size=grey.shape)  # JPEG-like noise
    content = rng.uniform(0.2, 0.6, size=(30, 30, 3)) * [1.0, 0.7, 0.4] + 0.2
    matched = colour.match_histogram(grey, content)
    clipped = np.mean((matched <= 0) | (matched >= 1))
    assert clipped < 0.01, f"{clipped:.1%} of the values were clipped"
