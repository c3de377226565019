"""The real-time network (course_utils.fast.network): shapes, instance
normalisation, the residual block, mixed precision, save and load."""

import keras
import numpy as np
import pytest

from course_utils.fast import network as nets


@pytest.fixture(scope="module")
def small_net():
    return nets.transform_net(width=4, residual_blocks=1)


@pytest.mark.parametrize(
    "shape", [(1, 32, 32, 3), (2, 67, 45, 3), (1, 5, 7, 3), (3, 36, 130, 3)]
)
def test_output_has_the_input_shape_for_any_size(small_net, shape):
    photos = np.random.default_rng(0).random(shape, dtype=np.float32)
    painted = np.asarray(small_net(photos))
    assert painted.shape == shape
    assert painted.dtype == np.float32
    assert 0.0 <= painted.min() and painted.max() <= 1.0


def test_johnsons_network_has_the_published_layers():
    net = nets.transform_net()
    convs = [layer for layer in net.layers if isinstance(layer, keras.layers.Conv2D)]
    # 3 down, 2 per residual block, 2 up, 1 out; Johnson et al.'s filters and strides
    assert len(convs) == 3 + 2 * 5 + 2 + 1
    assert [c.filters for c in convs[:3]] == [32, 64, 128]
    assert [c.kernel_size for c in (convs[0], convs[-1])] == [(9, 9), (9, 9)]
    assert [c.strides for c in convs[:3]] == [(1, 1), (2, 2), (2, 2)]
    norms = [
        layer for layer in net.layers if isinstance(layer, nets.InstanceNormalization)
    ]
    assert len(norms) == len(convs) - 1  # after every convolution but the last


def test_instance_normalisation_uses_each_images_own_statistics():
    rng = np.random.default_rng(1)
    # image 0 dim, image 1 bright and contrasty: each comes out the same
    base = rng.random((1, 6, 5, 2)).astype(np.float32)
    batch = np.concatenate([base, 100.0 * base + 40.0])
    norm = nets.InstanceNormalization(epsilon=0.0)
    out = np.asarray(norm(batch))
    by_hand = (base - base.mean(axis=(1, 2), keepdims=True)) / base.std(
        axis=(1, 2), keepdims=True
    )
    np.testing.assert_allclose(out[0], by_hand[0], atol=1e-5)
    np.testing.assert_allclose(out[1], by_hand[0], atol=1e-4)
    norm.gamma.assign([2.0, 3.0])
    norm.beta.assign([0.5, -1.0])
    np.testing.assert_allclose(
        np.asarray(norm(batch))[0], by_hand[0] * [2.0, 3.0] + [0.5, -1.0], atol=1e-4
    )


def test_instance_normalisation_keeps_float32_statistics_under_float16():
    # values near 1e3 have a variance near 1e6, beyond float16's 65504
    x = np.linspace(-1000, 1000, 2 * 4 * 4 * 3, dtype=np.float32).reshape(2, 4, 4, 3)
    norm = nets.InstanceNormalization(dtype="mixed_float16")
    out = norm(x)
    assert norm.gamma.dtype == "float32"
    assert str(out.dtype) in ("float16", "<dtype: 'float16'>")
    out = np.asarray(out, dtype=np.float32)
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out.std(axis=(1, 2)), 1.0, atol=1e-2)


def test_residual_block_adds_a_normalised_branch_to_its_input():
    x = keras.Input((8, 8, 6))
    block = keras.Model(x, nets.residual_block(x, 6))
    photos = np.random.default_rng(2).normal(size=(2, 8, 8, 6)).astype(np.float32)
    branch = np.asarray(block(photos)) - photos
    # the branch ends in instance normalisation: mean 0, std 1 per image and channel
    np.testing.assert_allclose(branch.mean(axis=(1, 2)), 0.0, atol=1e-4)
    np.testing.assert_allclose(branch.std(axis=(1, 2)), 1.0, atol=1e-2)
    convs = [layer for layer in block.layers if isinstance(layer, keras.layers.Conv2D)]
    assert [c.kernel_size for c in convs] == [(3, 3), (3, 3)]


def test_the_block_passed_in_is_the_block_used():
    used = []

    def block(x, filters, dtype=None):
        used.append(filters)
        return nets.residual_block(x, filters, dtype=dtype)

    nets.transform_net(width=2, residual_blocks=3, block=block)
    assert used == [8, 8, 8]


def test_mixed_precision_computes_in_low_precision_and_returns_float32():
    net = nets.transform_net(width=4, residual_blocks=1, dtype="mixed_float16")
    convs = [layer for layer in net.layers if isinstance(layer, keras.layers.Conv2D)]
    assert {c.compute_dtype for c in convs} == {"float16"}
    painted = np.asarray(net(np.full((1, 16, 16, 3), 0.5, np.float32)))
    assert painted.dtype == np.float32 and np.all(np.isfinite(painted))


@pytest.mark.parametrize("dtype", [None, "mixed_float16"])
def test_save_and_load_give_identical_pixels_and_the_record(tmp_path, dtype):
    net = nets.transform_net(width=4, residual_blocks=2, dtype=dtype, seed=3)
    # not the initial weights: move every weight, as training would
    rng = np.random.default_rng(3)
    net.set_weights([w + 0.01 * rng.normal(size=w.shape) for w in net.get_weights()])
    nets.set_record(net, vgg_weights="random", style="wave", steps=7, size=64)
    nets.save_network(net, tmp_path / "net.keras")
    back = nets.load_network(tmp_path / "net.keras")
    photos = rng.random((2, 30, 41, 3), dtype=np.float32)
    np.testing.assert_array_equal(np.asarray(back(photos)), np.asarray(net(photos)))
    assert nets.record(back) == {
        "vgg_weights": "random",
        "style": "wave",
        "steps": 7,
        "size": 64,
    }


def test_save_and_load_say_what_is_wrong(tmp_path, small_net):
    with pytest.raises(ValueError, match=r"\.keras file; got '.*net\.h5'"):
        nets.save_network(small_net, tmp_path / "net.h5")
    with pytest.raises(FileNotFoundError, match="No trained network at .*missing"):
        nets.load_network(tmp_path / "missing.keras")


def test_stylize_photos_takes_one_photo_or_a_batch(small_net):
    photo = np.random.default_rng(4).random((20, 24, 3), dtype=np.float32)
    one = nets.stylize_photos(small_net, photo)
    assert one.shape == (20, 24, 3)
    np.testing.assert_array_equal(one, nets.stylize_photos(small_net, photo[None])[0])
    with pytest.raises(ValueError, match=r"\(H, W, 3\).*\(20, 24\)"):
        nets.stylize_photos(small_net, photo[..., 0])


def test_network_sizes_are_checked():
    with pytest.raises(ValueError, match="width must be a whole number >= 1; got 0"):
        nets.transform_net(width=0)
