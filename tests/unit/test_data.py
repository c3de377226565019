"""The sample-image catalog, the bundled files and downloads over real HTTP."""

import re

import numpy as np
import pytest
from PIL import Image

from course_utils import data, download
from tests.conftest import REPO


def test_catalog_entries_are_complete():
    entries = data.catalog()
    assert data.DEFAULT_CONTENT in entries and data.DEFAULT_STYLE in entries
    for name, entry in entries.items():
        assert entry["role"] in ("content", "style"), name
        assert {"title", "credit", "licence"} <= set(entry), name
        assert ("file" in entry) != ("url" in entry), name
    assert len(data.list_images("content", bundled_only=True)) >= 3
    assert len(data.list_images("style", bundled_only=True)) >= 5


@pytest.mark.parametrize("name", data.list_images(bundled_only=True))
def test_bundled_images_load_and_are_documented(name):
    image = data.sample_image(name, max_dim=64)
    assert image.shape[2] == 3 and max(image.shape[:2]) == 64
    readme = (REPO / "data" / "README.md").read_text()
    entry = data.catalog()[name]
    assert entry["file"] in readme and entry["licence"] in readme


def test_readme_lists_every_painting():
    readme = (REPO / "data" / "README.md").read_text()
    for name in data.list_images():
        assert f"`{name}`" in readme, name


def test_catalog_is_the_files_in_data():
    listed = {entry["file"] for entry in data.catalog().values() if "file" in entry}
    present = {path.name for path in (REPO / "data").glob("*.jpg")}
    assert listed == present


def test_unknown_name_lists_known_ones():
    with pytest.raises(KeyError, match="No image called 'mona_lisa'.*astronaut"):
        data.image_path("mona_lisa")


def test_download_fetches_once_into_the_cache(http_server, tmp_path):
    base_url, folder = http_server
    Image.fromarray(np.full((40, 40, 3), 200, np.uint8)).save(folder / "paint.png")
    path = download.download(f"{base_url}/paint.png", cache_dir=tmp_path / "cache")
    assert path == tmp_path / "cache" / download.CACHE_SUBDIR / "paint.png"
    assert path.read_bytes() == (folder / "paint.png").read_bytes()
    (folder / "paint.png").unlink()  # a second call must not need the server
    again = download.download(f"{base_url}/paint.png", cache_dir=tmp_path / "cache")
    assert again == path


def test_catalog_painting_downloads_through_image_path(
    http_server, monkeypatch, tmp_path
):
    base_url, folder = http_server
    Image.fromarray(np.full((50, 40, 3), 10, np.uint8)).save(folder / "wave.jpg")
    name = f"test_wave_{tmp_path.name}"  # a real painting's name would be cached
    entries = {**data.catalog(), name: {"url": f"{base_url}/wave.jpg"}}
    monkeypatch.setattr(data, "catalog", lambda: entries)
    image = data.sample_image(name)
    assert image.shape == (50, 40, 3)
    data.image_path(name).unlink()  # leave the Keras cache as it was


def test_download_offline_explains(closed_port_url, tmp_path):
    with pytest.raises(RuntimeError, match=r"Could not download .*offline"):
        download.download(f"{closed_port_url}/starry.jpg", cache_dir=tmp_path)


def test_catalog_painting_offline_offers_the_bundled_images(
    closed_port_url, monkeypatch, tmp_path
):
    name = f"never_cached_{tmp_path.name}"  # not in the Keras cache from a last run
    entries = {**data.catalog(), name: {"url": f"{closed_port_url}/{name}.jpg"}}
    monkeypatch.setattr(data, "catalog", lambda: entries)
    with pytest.raises(RuntimeError, match=r"Could not download .*offline.*chelsea"):
        data.image_path(name)


def test_download_missing_file_explains(http_server, tmp_path):
    base_url, _ = http_server
    with pytest.raises(RuntimeError, match="404"):
        download.download(f"{base_url}/absent.jpg", cache_dir=tmp_path)


def test_painting_urls_are_https():
    for name in data.list_images():
        entry = data.catalog()[name]
        if "url" in entry:
            assert re.match(r"https://", entry["url"]), name
