"""VGG19: layer names, the feature extractor, weights loading and layer tables."""

import h5py
import keras
import numpy as np
import pytest
import tensorflow as tf
from keras.src.legacy.saving import legacy_h5_format

from course_utils import vgg
from course_utils.weights import NO_TOP, keras_models_dir

pytestmark = pytest.mark.filterwarnings("ignore:VGG19 has RANDOM")

# The report's Image 1: (layer, output size, filters or units); "-" for none.
REPORT_CIFAR10_TABLE = [
    ("block1_conv1", 32, 64),
    ("block1_conv2", 32, 64),
    ("block1_pool", 16, "-"),
    ("block2_conv1", 16, 128),
    ("block2_conv2", 16, 128),
    ("block2_pool", 8, "-"),
    ("block3_conv1", 8, 256),
    ("block3_conv2", 8, 256),
    ("block3_conv3", 8, 256),
    ("block3_conv4", 8, 256),
    ("block3_pool", 4, "-"),
    ("block4_conv1", 4, 512),
    ("block4_conv2", 4, 512),
    ("block4_conv3", 4, 512),
    ("block4_conv4", 4, 512),
    ("block4_pool", 2, "-"),
    ("block5_conv1", 2, 512),
    ("block5_conv2", 2, 512),
    ("block5_conv3", 2, 512),
    ("block5_conv4", 2, 512),
    ("flatten", 1, 2048),
    ("fc_cifa10", 1, 4096),
    ("dropout_1", 1, 4096),
    ("fc2", 1, 4096),
    ("dropout_2", 1, 4096),
    ("predictions_cifa10", 1, 10),
]


@pytest.mark.parametrize(
    "name, expected",
    [
        ("conv4_2", "block4_conv2"),
        ("conv1_1", "block1_conv1"),
        ("pool3", "block3_pool"),
        ("block5_conv4", "block5_conv4"),
    ],
)
def test_resolve_layer_accepts_paper_names(name, expected):
    assert vgg.resolve_layer(name) == expected


@pytest.mark.parametrize("name", ["block6_conv1", "conv3_5", "Block1_conv1", "fc1"])
def test_resolve_layer_unknown_lists_valid_names(name):
    with pytest.raises(
        ValueError,
        match=f"Unknown VGG19 layer '{name}'.*block1_conv1, block1_conv2, block1_pool",
    ):
        vgg.resolve_layer(name)


def test_resolve_layer_weights_equal_by_default_and_dicts_kept():
    actual = vgg.resolve_layer_weights(["conv1_1", "block2_conv1"], "style layers")
    assert actual == {"block1_conv1": 0.5, "block2_conv1": 0.5}
    assert vgg.resolve_layer_weights({"conv4_2": 2.0}, "content layers") == {
        "block4_conv2": 2.0
    }


@pytest.mark.parametrize(
    "layers, message",
    [
        ([], "style layers are empty"),
        ({"block1_conv1": -1}, "must be a finite number >= 0; got -1"),
        (["nope"], "Unknown VGG19 layer 'nope'"),
    ],
)
def test_resolve_layer_weights_bad_input(layers, message):
    with pytest.raises(ValueError, match=message):
        vgg.resolve_layer_weights(layers, "style layers")


def test_feature_extractor_outputs_named_layers_with_shapes():
    extractor = vgg.feature_extractor(["conv1_1", "block4_conv1"], weights=None)
    features = extractor(np.zeros((2, 64, 48, 3), "f4"))
    assert set(features) == {"block1_conv1", "block4_conv1"}
    assert tuple(features["block1_conv1"].shape) == (2, 64, 48, 64)
    assert tuple(features["block4_conv1"].shape) == (2, 8, 6, 512)
    single = extractor(np.zeros((64, 48, 3), "f4"))
    assert tuple(single["block4_conv1"].shape) == (1, 8, 6, 512)


def test_feature_extractor_stops_at_deepest_layer():
    extractor = vgg.feature_extractor(["block2_conv2"], weights=None)
    names = [layer.name for layer in extractor.model.layers]
    assert names[-1] == "block2_conv2"
    assert not any(name.startswith(("block3", "block4", "block5")) for name in names)


def test_feature_extractor_unknown_layer():
    with pytest.raises(ValueError, match="Unknown VGG19 layer 'block9_conv1'"):
        vgg.feature_extractor(["block9_conv1"], weights=None)


def test_feature_extractor_rejects_non_rgb():
    extractor = vgg.feature_extractor(["block1_conv1"], weights=None)
    with pytest.raises(ValueError, match=r"\(B, H, W, 3\).*\(1, 40, 40, 4\)"):
        extractor(np.zeros((1, 40, 40, 4), "f4"))


def test_random_weights_warn_loudly_and_are_labelled():
    with pytest.warns(UserWarning, match="RANDOM, UNTRAINED weights"):
        extractor = vgg.feature_extractor(["block1_conv1"], weights="random", seed=3)
    assert not extractor.is_trained
    assert extractor.weights_label == "random"


def test_random_weights_are_seeded():
    image = np.random.default_rng(0).uniform(size=(1, 32, 32, 3)).astype("f4")
    first = vgg.feature_extractor(["block1_conv1"], None, seed=5)(image)
    vgg.clear_cache()
    again = vgg.feature_extractor(["block1_conv1"], None, seed=5)(image)
    other = vgg.feature_extractor(["block1_conv1"], None, seed=6)(image)
    np.testing.assert_array_equal(first["block1_conv1"], again["block1_conv1"])
    assert not np.allclose(first["block1_conv1"], other["block1_conv1"])


@pytest.mark.parametrize("filename", ["vgg19.weights.h5", "vgg19_notop.h5"])
def test_weights_file_round_trip(tmp_path, filename):
    """A weights file (Keras 3 format, or the legacy .h5 format of the ImageNet
    file) loads through the same path a downloaded file takes."""
    source = vgg.load_vgg19(None, seed=11)
    path = tmp_path / filename
    if filename.endswith(".weights.h5"):
        source.save_weights(path)
    else:
        with h5py.File(path, "w") as handle:
            legacy_h5_format.save_weights_to_hdf5_group(handle, source)
    extractor = vgg.feature_extractor(["block3_conv1"], weights=path)
    assert extractor.is_trained and extractor.weights_label == str(path)
    image = np.random.default_rng(1).uniform(size=(1, 32, 32, 3)).astype("f4")
    expected = keras.Model(source.inputs, source.get_layer("block3_conv1").output)(
        vgg.vgg_preprocess(image)
    )
    np.testing.assert_allclose(extractor(image)["block3_conv1"], expected, rtol=1e-6)


def test_missing_weights_file_explains(tmp_path):
    with pytest.raises(FileNotFoundError, match="No VGG19 weights file at .*missing"):
        vgg.load_vgg19(tmp_path / "missing.h5")


def test_weights_file_that_is_not_weights(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("not weights")
    with pytest.raises(ValueError, match="Could not load VGG19 weights from"):
        vgg.load_vgg19(path)


def test_imagenet_offline_gives_one_clear_error(no_internet):
    with pytest.raises(RuntimeError) as info:
        vgg.load_vgg19("imagenet")
    message = str(info.value)
    assert "Could not download the ImageNet VGG19 weights" in message
    assert NO_TOP.url in message
    assert str(keras_models_dir() / NO_TOP.name) in message  # where Keras looks
    assert "weights='/path/to" in message


def test_imagenet_layer_table_at_224():
    rows = vgg.layer_table(vgg.vgg19_architecture(224, include_top=True))
    by_name = {row.name: row for row in rows}
    assert by_name["block1_conv1"].output_shape == (224, 224, 64)
    assert by_name["block1_conv1"].num_params == 3 * 3 * 3 * 64 + 64
    assert by_name["block5_pool"].output_shape == (7, 7, 512)
    assert by_name["fc1"].num_params == 7 * 7 * 512 * 4096 + 4096
    assert by_name["predictions"].output_shape == (1000,)
    assert sum(row.num_params for row in rows) == 143_667_240
    conv_params = sum(row.num_params for row in rows if "conv" in row.name)
    assert conv_params == 20_024_384


def test_layer_table_any_size():
    rows = vgg.layer_table(vgg.vgg19_architecture(100))
    assert rows[-1].name == "block5_pool" and rows[-1].output_shape == (3, 3, 512)
    with pytest.raises(ValueError, match="224x224 images only; got size=100"):
        vgg.vgg19_architecture(100, include_top=True)


def test_cifar10_table_matches_the_report():
    rows = vgg.layer_table(vgg.cifar10_vgg19())
    assert [row.name for row in rows] == [name for name, _, _ in REPORT_CIFAR10_TABLE]
    for row, (name, size, units) in zip(rows, REPORT_CIFAR10_TABLE):
        if len(row.output_shape) == 3:
            assert row.output_shape[:2] == (size, size), name
            if units != "-":
                assert row.output_shape[2] == units, name
        else:
            assert row.output_shape == (units,), name
    dense = {row.name: row.num_params for row in rows}
    assert dense["fc_cifa10"] == 2048 * 4096 + 4096
    assert dense["fc2"] == 4096 * 4096 + 4096
    assert dense["predictions_cifa10"] == 4096 * 10 + 10


def test_format_layer_table_has_total():
    text = vgg.format_layer_table(vgg.layer_table(vgg.cifar10_vgg19()))
    assert "fc_cifa10" in text and "2048" in text
    assert text.splitlines()[-1].split()[-1] == "45,239,370"


@pytest.mark.parametrize(
    "name, expected",
    [
        ("block4_conv2", "conv4_2"),
        ("block1_pool", "pool1"),
        ("conv3_1", "conv3_1"),
    ],
)
def test_paper_name_round_trips(name, expected):
    assert vgg.paper_name(name) == expected
    assert vgg.resolve_layer(expected) == vgg.resolve_layer(name)


def test_precision_choices_resolve():
    assert vgg.resolve_precision("float32") == "float32"
    assert vgg.resolve_precision("bfloat16") == "bfloat16"
    expected = "bfloat16" if vgg.fast_bfloat16() else "float32"
    assert vgg.resolve_precision("auto") == expected
    with pytest.raises(ValueError, match="precision must be one of .* got 'fp16'"):
        vgg.resolve_precision("fp16")


def test_bfloat16_features_are_float32_and_close_to_float32_ones(rng):
    image = rng.uniform(size=(48, 48, 3)).astype("f4")
    layers = ["block1_conv1", "block3_conv1"]
    exact = vgg.feature_extractor(layers, None, seed=2, precision="float32")
    rounded = vgg.feature_extractor(layers, None, seed=2, precision="bfloat16")
    assert rounded.precision == "bfloat16"
    assert rounded.model.get_layer("block1_conv1").compute_dtype == "bfloat16"
    for name in layers:
        a, b = exact(image)[name], rounded(image)[name]
        assert b.dtype == tf.float32
        # bfloat16 keeps 8 significant bits: about 0.4% per value
        error = float(tf.norm(a - b) / tf.norm(a))
        assert 0 < error < 2e-2, (name, error)


def test_bfloat16_gradient_reaches_the_image(rng):
    image = tf.constant(rng.uniform(size=(1, 32, 32, 3)).astype("f4"))
    extractor = vgg.feature_extractor(["block2_conv1"], None, precision="bfloat16")
    with tf.GradientTape() as tape:
        tape.watch(image)
        value = tf.reduce_sum(extractor(image)["block2_conv1"] ** 2)
    gradient = tape.gradient(value, image)
    assert gradient.dtype == tf.float32
    assert float(tf.reduce_max(tf.abs(gradient))) > 0
