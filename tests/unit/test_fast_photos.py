"""The training photos (course_utils.fast.photos): the tf.data pipeline and the
download of a photo archive from a real HTTP server on 127.0.0.1."""

import io
import tarfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from course_utils.fast import photos


def _save(path, shape, value, mode="RGB"):
    array = np.full(shape, value, np.uint8)
    Image.fromarray(array).convert(mode).save(path)


def test_crops_are_square_batches_in_0_1(tmp_path):
    _save(tmp_path / "wide.png", (30, 90, 3), 255)  # short side 30 -> 48
    _save(tmp_path / "grey.png", (60, 50), 0, mode="L")  # one channel -> three
    (tmp_path / "sub").mkdir()
    _save(tmp_path / "sub" / "deep.jpg", (100, 100, 3), 128)
    (tmp_path / "LICENSE.txt").write_text("not a photo")
    dataset = photos.photo_dataset(tmp_path, size=48, batch_size=3, seed=1)
    seen = set()
    for batch in dataset.take(4):
        batch = batch.numpy()
        assert batch.shape == (3, 48, 48, 3) and batch.dtype == np.float32
        # every photo is flat, so a crop shows its one value
        seen.update(np.round(batch.reshape(3, -1).mean(axis=1), 2))
    assert seen == {0.0, 0.5, 1.0}


def test_bundled_training_photos_leave_the_default_photo_unseen(tmp_path):
    from course_utils import data

    bundled = [Path(p).stem for p in photos.training_photos("bundled")]
    assert data.DEFAULT_CONTENT not in bundled
    assert sorted(bundled) == sorted(
        n
        for n in data.list_images("content", bundled_only=True)
        if n != data.DEFAULT_CONTENT
    )
    assert photos.training_photos(tmp_path) == tmp_path  # a folder: as it is


def test_files_are_found_recursively_and_checked(tmp_path):
    _save(tmp_path / "b.PNG", (40, 40, 3), 10)
    (tmp_path / "a").mkdir()
    _save(tmp_path / "a" / "c.jpeg", (40, 40, 3), 10)
    (tmp_path / "notes.md").write_text("#")
    assert photos.photo_files(tmp_path) == [
        str(tmp_path / "a" / "c.jpeg"),
        str(tmp_path / "b.PNG"),
    ]
    with pytest.raises(ValueError, match=r"No photos in .*\.jpg, \.jpeg, \.png"):
        photos.photo_files([tmp_path / "notes.md"])
    with pytest.raises(FileNotFoundError, match="No photo folder at .*nowhere"):
        photos.photo_files(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="No such photo: .*gone.png"):
        photos.photo_files([tmp_path / "gone.png"])


def test_the_same_seed_gives_the_same_batches(tmp_path):
    rng = np.random.default_rng(0)
    for k in range(4):
        Image.fromarray(rng.integers(0, 255, (50, 60, 3), np.uint8)).save(
            tmp_path / f"{k}.png"
        )

    def first(seed):
        return [b.numpy() for b in photos.photo_dataset(tmp_path, 32, 2, seed).take(3)]

    a, b, c = first(3), first(3), first(4)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not all(np.array_equal(x, y) for x, y in zip(a, c))


def _archive(folder, names):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name in names:
            image = io.BytesIO()
            Image.new("RGB", (40, 30), "red").save(image, format="PNG")
            info = tarfile.TarInfo(f"set/{name}")
            info.size = image.tell()
            image.seek(0)
            tar.addfile(info, image)
    (folder / "set.tgz").write_bytes(buffer.getvalue())


def test_download_photos_unpacks_once(http_server, tmp_path):
    base_url, served = http_server
    _archive(served, ["daisy/1.png", "rose/2.png"])
    folder = photos.download_photos(f"{base_url}/set.tgz", cache_dir=tmp_path / "c")
    names = [Path(path).relative_to(folder) for path in photos.photo_files(folder)]
    assert names == [Path("set/daisy/1.png"), Path("set/rose/2.png")]
    (served / "set.tgz").unlink()  # a second call needs neither server nor archive
    again = photos.download_photos(f"{base_url}/set.tgz", cache_dir=tmp_path / "c")
    assert again == folder
    assert not list(folder.parent.glob("*.partial"))


def test_download_photos_refuses_what_is_not_an_archive(http_server, tmp_path):
    base_url, served = http_server
    (served / "page.tgz").write_text("<html>not found</html>")
    with pytest.raises(ValueError, match=r"page.tgz \(from http.*\) is not a \.tgz"):
        photos.download_photos(f"{base_url}/page.tgz", cache_dir=tmp_path / "c")
