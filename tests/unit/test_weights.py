"""Finding, fetching and checking the VGG19 weights files, offline: downloads
come from a real HTTP server on 127.0.0.1."""

import hashlib
import inspect

import keras
import pytest

from course_utils import weights
from course_utils.weights import NO_TOP, WITH_TOP, WeightsFile


@pytest.fixture(autouse=True)
def no_weights_variable(monkeypatch):
    monkeypatch.delenv(weights.ENV_VAR, raising=False)
    monkeypatch.delenv(weights.ONLINE_VAR, raising=False)


def test_the_files_and_hashes_are_the_ones_keras_publishes():
    source = inspect.getsource(keras.applications.VGG19)
    for file in (NO_TOP, WITH_TOP):
        assert file.name in source and f'file_hash="{file.md5}"' in source


def test_md5_reads_the_whole_file(tmp_path):
    path = tmp_path / "w.h5"
    content = bytes(range(256)) * 9000  # more than one 1 MB block
    path.write_bytes(content)
    assert weights.md5(path) == hashlib.md5(content).hexdigest()


def test_verify_names_both_hashes_and_where_to_get_the_file(tmp_path):
    path = tmp_path / NO_TOP.name
    path.write_bytes(b"not the weights")
    with pytest.raises(ValueError) as info:
        weights.verify(path, NO_TOP)
    message = str(info.value)
    assert hashlib.md5(b"not the weights").hexdigest() in message
    assert NO_TOP.md5 in message and NO_TOP.url in message
    same = WeightsFile("w.h5", weights.md5(path), 1, include_top=False)
    weights.verify(path, same)  # no error


def test_find_looks_at_the_path_then_the_variable_then_the_cache(tmp_path, monkeypatch):
    home = tmp_path / "keras"
    assert weights.find(NO_TOP, keras_home=home) is None
    cached = home / "models" / NO_TOP.name
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"x")
    assert weights.find(NO_TOP, keras_home=home) == cached
    assert weights.find(WITH_TOP, keras_home=home) is None
    copy = tmp_path / "copy" / "mine.h5"
    copy.parent.mkdir()
    copy.write_bytes(b"y")
    monkeypatch.setenv(weights.ENV_VAR, str(copy))
    assert weights.find(NO_TOP, keras_home=home) == copy
    given = tmp_path / "given.h5"
    given.write_bytes(b"z")
    assert weights.find(NO_TOP, given, keras_home=home) == given
    # The file with the classifier is looked for beside the given no-top file.
    assert weights.find(WITH_TOP, keras_home=home) is None
    (copy.parent / WITH_TOP.name).write_bytes(b"top")
    assert weights.find(WITH_TOP, keras_home=home) == copy.parent / WITH_TOP.name


def test_a_missing_given_file_is_an_error_naming_it(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match="No VGG19 weights file at .*nope.h5"):
        weights.find(NO_TOP, tmp_path / "nope.h5")
    monkeypatch.setenv(weights.ENV_VAR, str(tmp_path / "gone.h5"))
    with pytest.raises(
        FileNotFoundError, match=f"gone.h5 \\(from {weights.ENV_VAR}\\)"
    ):
        weights.find(NO_TOP)


def test_fetch_downloads_once_and_checks_the_hash(http_server, tmp_path):
    base_url, folder = http_server
    (folder / "w.h5").write_bytes(b"weights")
    file = WeightsFile("w.h5", weights.md5(folder / "w.h5"), 1, False, base_url + "/")
    home = tmp_path / "keras"
    path = weights.fetch(file, home)
    assert path == home / "models" / "w.h5" and path.read_bytes() == b"weights"
    (folder / "w.h5").unlink()  # a second fetch reads the cache
    assert weights.fetch(file, home) == path
    assert weights.find(file, keras_home=home) == path


def test_fetch_offline_says_how_to_get_the_file(closed_port_url, tmp_path):
    file = WeightsFile("w.h5", "0" * 32, 1, False, closed_port_url + "/")
    with pytest.raises(RuntimeError) as info:
        weights.fetch(file, tmp_path / "keras")
    message = str(info.value)
    assert f"Could not download the {file.what}" in message
    assert file.url in message
    assert str(tmp_path / "keras" / "models" / "w.h5") in message
    assert "--weights PATH" in message


def test_notebook_weights_are_real_where_they_can_be_had(tmp_path, monkeypatch):
    home = tmp_path / "keras"
    assert weights.notebook_weights(home) is None
    monkeypatch.setenv(weights.ONLINE_VAR, "1")
    assert weights.notebook_weights(home) == "imagenet"
    cached = home / "models" / NO_TOP.name
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"x")
    assert weights.notebook_weights(home) == str(cached)
