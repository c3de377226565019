"""The readiness check's parts, offline. The quality checks are run against
random weights: classifying the photos must fail with them (it is what proves
the preprocessing), and each stylization bound fails when its figure crosses
it. `python -m course_utils check` offline says what is missing and how to get it."""

import dataclasses

import numpy as np
import pytest
from keras.src.legacy.saving import legacy_h5_format

from course_utils import check, vgg
from course_utils.images import IMAGENET_MEAN_BGR
from course_utils.weights import NO_TOP
from tests.online.test_stylization import CHECKS

pytestmark = pytest.mark.filterwarnings("ignore:VGG19 has RANDOM")

GOOD = check.StylizationMeasures(
    size=64,
    style_start=100.0,
    style_result=5.0,
    content_start=50.0,
    content_result=20.0,
    content_of_style=80.0,
    colour_gap_content=0.4,
    colour_gap_result=0.1,
    repeat_difference=0.0,
)


@pytest.fixture
def offline(no_internet, monkeypatch, tmp_path):
    """No internet, an empty Keras cache and no weights file given: the case
    of this machine."""
    monkeypatch.delenv("COURSE_UTILS_VGG19_WEIGHTS", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    return tmp_path / "keras" / "models"


@pytest.mark.parametrize("shape", [(4, 8, 3), (8, 4, 3)])
def test_classifier_input_is_the_centre_square(shape):
    image = np.ones(shape, np.float32)  # white at both ends of the long side
    long_axis = int(shape[1] > shape[0])
    middle = [slice(None)] * 3
    middle[long_axis] = slice(2, 6)
    image[tuple(middle)] = 0.0  # black centre square
    batch = np.asarray(check.classifier_input(image))
    assert batch.shape == (1, 224, 224, 3)
    # Black is 0 in RGB, so VGG's input is minus the ImageNet means everywhere.
    np.testing.assert_allclose(
        batch[0], -np.broadcast_to(IMAGENET_MEAN_BGR, (224, 224, 3))
    )


def test_classifying_the_photos_fails_with_random_weights():
    classifier = vgg.vgg19_classifier(None)
    for name in check.EXPECTED_CLASSES:
        result = check.classification_check(classifier, name)
        assert not result.passed, f"random weights classified {name}: {result.detail}"
        assert "expected one of" in result.detail


def test_top5_ranks_by_probability():
    class Fixed:
        def __call__(self, batch, training=False):
            scores = np.zeros((1, 1000), np.float32)
            scores[0, [7, 3, 999, 504, 0, 12]] = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4]
            return scores

    assert check.top5(Fixed(), np.zeros((8, 8, 3), np.float32)) == [7, 3, 999, 504, 0]
    result = check.classification_check(Fixed(), "coffee")
    assert result.passed and result.detail == "top 5 has coffee mug"


def test_the_stylization_checks_are_the_online_suites():
    assert [c.name for c in check.stylization_checks(GOOD)] == CHECKS
    assert all(c.passed for c in check.stylization_checks(GOOD))


@pytest.mark.parametrize(
    "name, change",
    [
        ("style loss falls", {"style_result": 10.5}),  # 89.5 % removed
        ("content is kept", {"content_result": 50.0}),  # no better than the start
        ("content is kept", {"content_start": 90.0, "content_result": 85.0}),
        ("colours move toward the style", {"colour_gap_result": 0.4}),
        ("repeats exactly", {"repeat_difference": 1e-7}),
    ],
)
def test_each_stylization_bound_can_fail(name, change):
    results = check.stylization_checks(dataclasses.replace(GOOD, **change))
    assert [c.name for c in results if not c.passed] == [name]


@pytest.mark.parametrize(
    "repeat_iterations", [None, pytest.param(3, marks=pytest.mark.slow)]
)
def test_measuring_a_run_with_random_weights(repeat_iterations):
    """The measuring runs end to end; with random weights the figures mean
    nothing, but two runs with one seed still give the same pixels."""
    measures = check.measure_stylization(
        None, size=64, iterations=6, repeat_iterations=repeat_iterations
    )
    assert measures.size == 64
    assert measures.repeat_difference == 0
    values = dataclasses.asdict(measures).values()
    assert all(np.isfinite(value) and value >= 0 for value in values)
    assert measures.style_start > 0 and measures.content_of_style > 0


def test_offline_check_says_what_is_missing_and_how_to_get_it(offline):
    lines = []
    ready = check.readiness(timing_size=64, timing_iterations=2, say=lines.append)
    assert ready is False
    text = "\n".join(lines)
    for name in (NO_TOP.name, "vgg19_weights_tf_dim_ordering_tf_kernels.h5"):
        assert (
            f"https://storage.googleapis.com/tensorflow/keras-applications/vgg19/{name}"
            in text
        )
        assert str(offline / name) in text
    assert "--weights PATH" in text
    assert any(line.split()[:2] == ["/CPU:0", "float32"] for line in lines)
    assert lines[-1].startswith("NOT READY: the VGG19 ImageNet weights (no top")
    assert NO_TOP.url in lines[-1] and str(offline) in lines[-1]


def test_a_file_that_is_not_keras_is_not_ready(offline, tmp_path):
    path = tmp_path / NO_TOP.name
    import h5py

    with h5py.File(path, "w") as handle:
        legacy_h5_format.save_weights_to_hdf5_group(handle, vgg.load_vgg19(None))
    vgg.load_vgg19(path)  # loads: a real weights file, just not the published one
    lines = []
    assert not check.readiness(
        path, timing_size=64, timing_iterations=2, say=lines.append
    )
    assert any(
        line.startswith("FAIL  VGG19 ImageNet weights (no top") for line in lines
    )
    assert (
        lines[-1]
        == "NOT READY: failed VGG19 ImageNet weights (no top, 80 MB) (see FAIL above)."
    )


def test_a_missing_given_file_is_not_ready_and_named(offline, tmp_path):
    lines = []
    ready = check.readiness(
        tmp_path / "nope.h5", timing_size=64, timing_iterations=2, say=lines.append
    )
    assert not ready
    assert any(line.startswith("MISSING  No VGG19 weights file at") for line in lines)
    assert lines[-1].startswith("NOT READY: the VGG19 ImageNet weights (no top")


def test_a_broken_download_in_the_cache_is_fetched_again(offline):
    offline.mkdir(parents=True)
    (offline / NO_TOP.name).write_bytes(b"half a download")
    lines = []
    check.weights_files(say=lines.append)
    assert (
        f"{offline / NO_TOP.name} is not the published file, downloading it again"
        in ("\n".join(lines))
    )
    assert sum(line.startswith("MISSING  Could not download") for line in lines) == 2
