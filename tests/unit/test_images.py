"""Loading, converting, resizing, saving and VGG (de)processing of images."""

import functools

import numpy as np
import pytest
from PIL import Image

from course_utils import captions, images
from course_utils.captions import RANDOM_WEIGHTS_NOTE, note_in
from course_utils.images import (
    load_image,
    resize_image,
    save_image,
    vgg_deprocess,
    vgg_preprocess,
)
from course_utils.results import Iteration


def write(tmp_path, pil, name="image.png", **kwargs):
    path = tmp_path / name
    pil.save(path, **kwargs)
    return path


def test_load_image_rgb_png_is_float_in_unit_range(tmp_path, rng):
    pixels = rng.integers(0, 256, size=(40, 50, 3), dtype=np.uint8)
    actual = load_image(write(tmp_path, Image.fromarray(pixels)))
    assert actual.dtype == np.float32 and actual.shape == (40, 50, 3)
    np.testing.assert_allclose(actual, pixels / 255.0, atol=1e-7)


def test_load_image_grayscale_becomes_three_equal_channels(tmp_path):
    gray = Image.fromarray(np.full((40, 40), 51, np.uint8), mode="L")
    actual = load_image(write(tmp_path, gray))
    assert actual.shape == (40, 40, 3)
    np.testing.assert_allclose(actual, 0.2)


def test_load_image_rgba_is_composited_on_white(tmp_path):
    rgba = np.zeros((40, 40, 4), np.uint8)
    rgba[..., 0] = 255  # red, but fully transparent on the left half
    rgba[:, 20:, 3] = 255
    actual = load_image(write(tmp_path, Image.fromarray(rgba, mode="RGBA")))
    np.testing.assert_allclose(actual[0, 0], [1, 1, 1])
    np.testing.assert_allclose(actual[0, 30], [1, 0, 0])


def test_load_image_palette_and_cmyk(tmp_path):
    rgb = Image.fromarray(np.full((40, 40, 3), (255, 0, 0), np.uint8))
    palette = load_image(write(tmp_path, rgb.convert("P"), "p.png"))
    np.testing.assert_allclose(palette[5, 5], [1, 0, 0], atol=1 / 255)
    cmyk = load_image(write(tmp_path, rgb.convert("CMYK"), "c.jpg", quality=100))
    np.testing.assert_allclose(cmyk[5, 5], [1, 0, 0], atol=0.03)


def test_load_image_16_bit_keeps_its_range(tmp_path):
    values = np.zeros((40, 40), np.uint16)
    values[:, 20:] = 32768
    values[0, 0] = 65535
    pil = Image.fromarray(values)
    assert pil.mode.startswith("I;16")
    path = write(tmp_path, pil)
    actual = load_image(path)
    assert actual[0, 0, 0] == pytest.approx(1.0)
    assert actual[5, 30, 1] == pytest.approx(32768 / 65535)
    assert actual[5, 5, 2] == 0.0


def test_load_image_applies_exif_orientation(tmp_path):
    pixels = np.zeros((40, 60, 3), np.uint8)
    pixels[:, :30] = 255  # left half white
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    path = write(tmp_path, Image.fromarray(pixels), "photo.jpg", exif=exif, quality=95)
    actual = load_image(path)
    assert actual.shape == (60, 40, 3)
    assert actual[5, 20].mean() > 0.9 and actual[55, 20].mean() < 0.1


def test_load_image_resizes_long_side_keeping_aspect(tmp_path):
    pil = Image.fromarray(np.zeros((50, 100, 3), np.uint8))
    assert load_image(write(tmp_path, pil), max_dim=64).shape == (32, 64, 3)
    assert resize_image(np.zeros((100, 40, 3), "f4"), 200).shape == (200, 80, 3)


def test_load_image_from_array_and_pil(rng):
    pixels = rng.integers(0, 256, size=(33, 34, 3), dtype=np.uint8)
    np.testing.assert_allclose(load_image(pixels), pixels / 255.0, atol=1e-7)
    np.testing.assert_allclose(
        load_image(Image.fromarray(pixels)), pixels / 255.0, atol=1e-7
    )
    floats = rng.uniform(size=(1, 40, 40, 3)).astype("f4")
    np.testing.assert_array_equal(load_image(floats), floats[0])


def test_load_image_from_url(http_server, rng):
    base_url, folder = http_server
    pixels = rng.integers(0, 256, size=(36, 48, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(folder / "served.png")
    actual = load_image(f"{base_url}/served.png")
    np.testing.assert_allclose(actual, pixels / 255.0, atol=1e-7)


def test_load_image_missing_file_names_it(tmp_path):
    missing = tmp_path / "nope.jpg"
    with pytest.raises(FileNotFoundError, match="nope.jpg"):
        load_image(missing)


def test_load_image_not_an_image(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("these are lecture notes, not a picture")
    with pytest.raises(ValueError, match="not an image file"):
        load_image(path)


def test_load_image_truncated_file(tmp_path, rng):
    pixels = rng.integers(0, 256, size=(64, 64, 3), dtype=np.uint8)
    full = write(tmp_path, Image.fromarray(pixels), "full.png")
    cut = tmp_path / "cut.png"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    with pytest.raises(ValueError, match="truncated"):
        load_image(cut)


def test_load_image_too_small(tmp_path):
    path = write(tmp_path, Image.fromarray(np.zeros((20, 100, 3), np.uint8)))
    with pytest.raises(ValueError, match=r"100x20 pixels.*at least 32"):
        load_image(path)


def test_load_image_refuses_decompression_bombs(tmp_path, monkeypatch):
    assert images.MAX_PIXELS < Image.MAX_IMAGE_PIXELS  # ours triggers first
    monkeypatch.setattr(images, "MAX_PIXELS", 100 * 100)
    path = write(tmp_path, Image.new("1", (200, 200)))  # tiny file, 40,000 px
    with pytest.raises(ValueError, match=r"200x200 = 40,000 pixels.*decompression"):
        load_image(path)


@pytest.mark.parametrize(
    "bad, message",
    [
        (np.zeros((40, 40, 2), "f4"), r"\(40, 40, 2\)"),
        (np.full((40, 40, 3), 2.0, "f4"), r"\[2, 2\]"),
        (np.zeros((40, 40, 3), np.int64), "int64"),
    ],
)
def test_load_image_bad_arrays_explained(bad, message):
    with pytest.raises(ValueError, match=message):
        load_image(bad)


@pytest.mark.parametrize("max_dim", [0, 16, -5])
def test_load_image_bad_max_dim(max_dim):
    with pytest.raises(ValueError, match=f"at least 32 pixels.*got {max_dim}"):
        load_image(np.zeros((40, 40, 3), "f4"), max_dim=max_dim)


def test_vgg_preprocess_known_pixel():
    red = np.array([[[1.0, 0.0, 0.0]]], "f4")
    expected = [0 - 103.939, 0 - 116.779, 255 - 123.68]  # BGR minus the means
    np.testing.assert_allclose(vgg_preprocess(red).numpy()[0, 0], expected, rtol=1e-6)


def test_vgg_preprocess_is_keras_own(rng):
    """The same input as keras.applications.vgg19.preprocess_input, which the
    ImageNet weights were converted with, gives for 0-255 RGB."""
    import keras

    image = rng.uniform(size=(2, 8, 9, 3)).astype("f4")
    keras_input = keras.applications.vgg19.preprocess_input(255.0 * image)
    np.testing.assert_allclose(vgg_preprocess(image).numpy(), keras_input, atol=1e-4)


def test_vgg_deprocess_inverts_preprocess(rng):
    image = rng.uniform(size=(2, 8, 9, 3)).astype("f4")
    round_trip = vgg_deprocess(vgg_preprocess(image)).numpy()
    np.testing.assert_allclose(round_trip, image, atol=1e-6)


def test_save_image_round_trip(tmp_path, rng):
    image = rng.uniform(size=(40, 41, 3)).astype("f4")
    path = save_image(image, tmp_path / "sub" / "out.png")
    np.testing.assert_allclose(load_image(path), image, atol=0.5 / 255 + 1e-6)
    with pytest.raises(FileExistsError, match="out.png already exists"):
        save_image(image, path, overwrite=False)


def test_load_image_too_thin_after_resizing(tmp_path):
    panorama = Image.fromarray(np.zeros((100, 1000, 3), np.uint8))
    with pytest.raises(ValueError, match=r"64x6 pixels.*max_dim >= 320"):
        load_image(write(tmp_path, panorama), max_dim=64)
    assert load_image(write(tmp_path, panorama), max_dim=320).shape == (32, 320, 3)


def test_save_gif_writes_frames_of_one_size_labelled_below_the_picture(tmp_path, rng):
    stage = functools.partial(Iteration, steps=10, stages=2, size=80)
    snapshots = [
        (stage(0, 0, stage=1), rng.uniform(size=(32, 40, 3))),
        (stage(12, 10, stage=2), rng.uniform(size=(64, 80, 3))),
        (stage(17, 15, stage=2, steps=15), np.zeros((64, 80, 3))),
    ]
    path = images.save_gif(snapshots, tmp_path / "run.gif", frame_ms=120)
    with Image.open(path) as gif:
        assert gif.n_frames == 3
        width, height = gif.size
        assert width == images.GIF_MIN_SIDE  # 80 px frames enlarged to 256 px
        gif.seek(2)
        last = np.asarray(gif.convert("RGB")).astype(int)
        assert gif.info["duration"] == 360
    picture = round(64 * images.GIF_MIN_SIDE / 80)  # the frame's own rows
    assert height > picture  # the label is in a strip below
    assert last[:picture].max() == 0  # nothing drawn over the black frame
    assert last[picture:].min() == 0 and last[picture:].max() == 255  # text on white
    assert note_in(path) is None
    with pytest.raises(ValueError, match="No snapshots"):
        images.save_gif([], tmp_path / "empty.gif")


def test_gif_frames_keep_one_size_and_the_whole_note_when_labels_wrap(tmp_path):
    """A label that wraps onto more lines than the first frame's must not make
    a later frame taller (Pillow would crop it to the first one's size)."""
    snapshots = [
        (0, np.zeros((64, 43, 3))),  # "iteration 0": one line
        (Iteration(123456, 123456, 123456, 10, 10, 256), np.zeros((256, 171, 3))),
    ]
    path = images.save_gif(snapshots, tmp_path / "portrait.gif", untrained=True)
    long_label = captions._wrap(str(snapshots[1][0]), captions.MIN_WIDTH)
    assert len(long_label) == 2  # the case that cropped frames
    note_lines = len(captions._wrap(RANDOM_WEIGHTS_NOTE, captions.MIN_WIDTH))
    with Image.open(path) as gif:
        sizes = set()
        for k in range(gif.n_frames):
            gif.seek(k)
            frame = gif.convert("RGB")
            sizes.add(frame.size)
            assert red_text_lines(frame) == note_lines  # the whole note, not cut
    assert len(sizes) == 1


def red_text_lines(picture) -> int:
    """How many separate bands of rows hold red text."""
    rows = np.asarray(picture.convert("RGB")).astype(int)
    red = ((rows[..., 0] > 150) & (rows[..., 1] < 100) & (rows[..., 2] < 100)).any(
        axis=1
    )
    return int(np.sum(red[1:] & ~red[:-1]) + red[0])


def test_captions_break_labels_at_the_dot_first():
    label = "stage 1 of 3 · iteration 125 of 250"
    assert captions._wrap(label, 2000) == [label]
    assert captions._wrap(label, 150) == ["stage 1 of 3", "iteration 125 of 250"]


def test_a_narrow_image_sits_on_a_card_wide_enough_for_the_note(tmp_path, rng):
    image = rng.uniform(size=(32, 32, 3)).astype(np.float32)
    path = images.save_image(image, tmp_path / "tiny.png", untrained=True)
    written = np.asarray(Image.open(path).convert("RGB"))
    assert written.shape[1] == captions.MIN_WIDTH
    left = (captions.MIN_WIDTH - 32) // 2
    np.testing.assert_array_equal(
        written[:32, left : left + 32], images.to_uint8(image)
    )
    assert len(captions._wrap(RANDOM_WEIGHTS_NOTE, captions.MIN_WIDTH)) <= 3


def test_a_random_weights_image_file_carries_the_note(tmp_path, rng):
    image = rng.uniform(size=(48, 200, 3)).astype(np.float32)
    plain = images.save_image(image, tmp_path / "plain.png")
    noted = images.save_image(image, tmp_path / "noted.png", untrained=True)
    assert note_in(plain) is None and note_in(noted) == RANDOM_WEIGHTS_NOTE
    np.testing.assert_array_equal(np.asarray(Image.open(plain)), images.to_uint8(image))
    written = np.asarray(Image.open(noted).convert("RGB")).astype(int)
    np.testing.assert_array_equal(written[:48], images.to_uint8(image))  # untouched
    strip = written[48:]
    red = (strip[..., 0] > 150) & (strip[..., 1] < 100) & (strip[..., 2] < 100)
    assert strip.shape[0] >= 10 and red.sum() > 50  # the note, in red, below it
    gif = images.save_gif(
        [(Iteration(0, 0, 1), image)], tmp_path / "r.gif", untrained=True
    )
    assert note_in(gif) == RANDOM_WEIGHTS_NOTE


def test_captions_wrap_to_the_picture_width():
    font_pixels = captions._font_pixels(64)
    lines = captions._wrap(RANDOM_WEIGHTS_NOTE, 64)
    font = captions._font(font_pixels)
    assert len(lines) > 1 and " ".join(lines) == RANDOM_WEIGHTS_NOTE
    assert all(font.getlength(line) <= 64 for line in lines)
    assert captions._wrap(RANDOM_WEIGHTS_NOTE, 2000) == [RANDOM_WEIGHTS_NOTE]
