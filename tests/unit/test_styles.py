"""Several styles with blend weights, style scale and region masks."""

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from course_utils import styles, vgg
from course_utils.losses import gram_matrix, style_layer_loss
from course_utils.objective import Objective
from course_utils.settings import StyleTransferSettings
from course_utils.transfer import stylize

pytestmark = pytest.mark.filterwarnings("ignore:VGG19 has RANDOM")
LAYERS = ["block1_conv1", "block2_conv1"]


@pytest.fixture(scope="module")
def extractor():
    return vgg.feature_extractor(["block4_conv1", *LAYERS], None)


@pytest.fixture(scope="module")
def pictures():
    rng = np.random.default_rng(9)
    return [rng.uniform(size=(48, 64, 3)).astype("f4") for _ in range(3)]


def test_blend_weight_one_zero_reproduces_the_single_style(extractor, pictures):
    content, first, second = pictures
    features = extractor(content)
    single = styles.target_grams(extractor, [first], [1.0], LAYERS, features)
    blended = styles.target_grams(
        extractor, [first, second], styles.blend_weights([1, 0], 2), LAYERS, features
    )
    for name in LAYERS:
        np.testing.assert_array_equal(blended[name], single[name])
        np.testing.assert_array_equal(single[name], gram_matrix(extractor(first)[name]))


def test_blend_is_the_weighted_sum_of_grams(extractor, pictures):
    content, first, second = pictures
    features = extractor(content)
    blended = styles.target_grams(
        extractor, [first, second], [0.25, 0.75], LAYERS, features
    )
    for name in LAYERS:
        expected = 0.25 * gram_matrix(extractor(first)[name]) + 0.75 * gram_matrix(
            extractor(second)[name]
        )
        np.testing.assert_allclose(blended[name], expected, rtol=1e-5)


@pytest.mark.parametrize(
    "weights, message",
    [
        ([1.0], "2 style images but 1 style weights"),
        ([1.0, -1.0], "finite and >= 0"),
        ([0, 0], "all 0"),
    ],
)
def test_blend_weights_bad_input(weights, message):
    with pytest.raises(ValueError, match=message):
        styles.blend_weights(weights, 2)


def test_style_scale_resizes_and_rescales_the_gram(extractor, pictures):
    _, first, _ = pictures
    content = np.zeros((96, 128, 3), "f4")
    half = styles.scale_style(first, content.shape, 0.5)
    assert half.shape == (48, 64, 3)
    features = extractor(content)
    grams = styles.target_grams(extractor, [half], [1.0], LAYERS, features)
    raw = gram_matrix(extractor(half)["block1_conv1"])
    np.testing.assert_allclose(grams["block1_conv1"], raw * 4, rtol=1e-5)  # M / M_s
    with pytest.raises(ValueError, match="under the 32 px"):
        styles.scale_style(first, content.shape, 0.25)


def test_load_mask_checks_its_input(tmp_path):
    mask = np.zeros((24, 32), "f4")
    mask[:, :16] = 1
    loaded = styles.load_mask(mask, (48, 64, 3))
    assert loaded.shape == (48, 64) and loaded[:, :30].min() > 0.99
    assert loaded[:, 34:].max() < 0.01
    path = tmp_path / "mask.png"
    Image.fromarray((mask * 255).astype(np.uint8)).resize((64, 48)).save(path)
    from_file = styles.load_mask(path, (48, 64, 3))
    np.testing.assert_allclose(from_file[:, :28], 1, atol=0.02)
    np.testing.assert_allclose(from_file[:, 36:], 0, atol=0.02)
    with pytest.raises(ValueError, match="needs the content image's aspect ratio"):
        styles.load_mask(np.ones((40, 40), "f4"), (48, 64, 3))
    with pytest.raises(ValueError, match=r"values in \[0, 1\].*spans \[2, 2\]"):
        styles.load_mask(np.full((48, 64), 2.0, "f4"), (48, 64, 3))
    with pytest.raises(ValueError, match="no pixels"):
        styles.load_mask(np.zeros((48, 64), "f4"), (48, 64, 3))


def test_guided_loss_with_a_full_mask_is_the_plain_style_loss(extractor, pictures):
    content, first, _ = pictures
    features = extractor(content)
    targets = styles.target_grams(extractor, [first], [1.0], LAYERS, features)
    guided = styles.guided_style_loss(
        features, [targets], [np.ones((48, 64), "f4")], {name: 0.5 for name in LAYERS}
    )
    plain = sum(
        0.5 * style_layer_loss(features[name], targets[name]) for name in LAYERS
    )
    assert float(guided) == pytest.approx(float(plain), rel=1e-5)


def test_masks_confine_a_style_to_its_region(pictures):
    """After a run, the left region's guided Gram matrix matches the left style
    far better than the right region's does (the right has no style)."""
    content, _, _ = pictures
    stripes = np.zeros((48, 64, 3), "f4")
    stripes[:, ::4] = 1.0  # a strong, simple texture
    left = np.zeros((48, 64), "f4")
    left[:, :32] = 1
    result = stylize(
        content,
        [stripes],
        masks=[left],
        beta=1e6,
        iterations=60,
        optimizer="lbfgs",
        weights=None,
        size=64,
        progress=False,
        style_layers=["block1_conv1"],
        init="content",
    )
    extractor = vgg.feature_extractor(["block1_conv1"], None)
    target = gram_matrix(extractor(stripes)["block1_conv1"])
    features = extractor(result.image)["block1_conv1"]

    def region_error(mask):
        m = tf.reshape(tf.image.resize(mask[..., None], features.shape[1:3]), (1, -1))
        matrix = tf.transpose(tf.reshape(features[0], (-1, features.shape[-1]))) * m
        gram = tf.matmul(matrix, matrix, transpose_b=True)
        expected = target * tf.reduce_mean(tf.square(m))
        return float(tf.norm(gram - expected) / tf.norm(expected))

    assert region_error(left) < 0.5 * region_error(1 - left)


def test_masks_need_one_per_style(pictures):
    content, first, second = pictures
    settings = StyleTransferSettings(weights=None, style_layers=LAYERS)
    extractor = vgg.feature_extractor(["block4_conv1", *LAYERS], None)
    with pytest.raises(ValueError, match="2 masks for 1 style images"):
        Objective(
            content,
            [first],
            settings,
            masks=[np.ones((48, 64), "f4")] * 2,
            extractor=extractor,
        )


def test_load_mask_accepts_uint8_arrays():
    mask = np.zeros((48, 64), np.uint8)
    mask[:, :32] = 255
    loaded = styles.load_mask(mask, (48, 64, 3))
    assert loaded[:, :30].min() > 0.99 and loaded[:, 34:].max() < 0.01
