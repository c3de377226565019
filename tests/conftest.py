"""Shared fixtures. Tests never download anything: Keras gets an empty cache of
its own, and download code is tested against a real HTTP server on 127.0.0.1.
The exception is the online suite (tests/online, `pytest -m online`), which
reads the user's real Keras cache, REAL_KERAS_HOME."""

import contextlib
import functools
import http.server
import os
import tempfile
import threading
from pathlib import Path

from course_utils.weights import ENV_VAR, keras_models_dir  # noqa: E402 (no Keras)

# Before Keras is imported: a private, empty Keras home for the whole session,
# and no weights file named by the environment, so a user's ImageNet weights
# never change what the tests see. The online suite takes both from here.
REAL_KERAS_HOME = keras_models_dir().parent
REAL_WEIGHTS_FILE = os.environ.pop(ENV_VAR, None)
os.environ["KERAS_HOME"] = tempfile.mkdtemp(prefix="course-utils-keras-")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

# On Ampere and newer GPUs TensorFlow multiplies float32 matrices in TF32
# (about 1e-3 relative error); the tests compare with NumPy much tighter.
tf.config.experimental.enable_tensor_float_32_execution(False)

REPO = Path(__file__).resolve().parents[1]


def pytest_addoption(parser):
    parser.addoption(
        "--weights",
        metavar="PATH",
        help="the online suite's no-top VGG19 weights file (else "
        "$COURSE_UTILS_VGG19_WEIGHTS, then the Keras cache)",
    )


@pytest.fixture(scope="session")
def small_runs(tmp_path_factory):
    """Each notebook run once per session at the tests' small sizes, on first
    request: small_runs(name) gives its `tests.notebooks.execute.Run`."""
    from tests.notebooks.execute import SmallRuns

    return SmallRuns(tmp_path_factory.mktemp("notebooks"))


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def http_server(tmp_path):
    """Serve tmp_path/'served' on a free 127.0.0.1 port; yields (base_url, folder)."""
    folder = tmp_path / "served"
    folder.mkdir()
    with serve(folder) as url:
        yield url, folder


@contextlib.contextmanager
def serve(folder):
    """Serve `folder` over HTTP on a free 127.0.0.1 port; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def closed_port_url():
    """A URL on 127.0.0.1 where nothing listens, like being offline."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def no_internet(monkeypatch, closed_port_url):
    """Every download goes through a proxy that is not there: the real offline
    case, for downloads to any address."""
    import urllib.request

    for variable in ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY"):
        monkeypatch.setenv(variable, closed_port_url)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    # urllib keeps the opener (and its proxies) of its first download: start and
    # end with none, so later tests' downloads see their own environment.
    urllib.request.install_opener(None)
    yield
    urllib.request.install_opener(None)
