"""stylize_batch: a batch of pairs moves exactly as the separate runs would."""

import threading

import numpy as np
import pytest

from course_utils.batch import stylize_batch
from course_utils.recorder import last_run
from course_utils.transfer import stylize

pytestmark = pytest.mark.filterwarnings("ignore:VGG19 has RANDOM")
SETTINGS = dict(weights=None, size=48, iterations=4, progress=False, snapshot_every=2)


@pytest.fixture(scope="module")
def pairs():
    rng = np.random.default_rng(8)
    contents = [rng.uniform(size=(36, 48, 3)).astype("f4") for _ in range(3)]
    styles = [rng.uniform(size=(40, 40, 3)).astype("f4") for _ in range(3)]
    return contents, styles


@pytest.mark.slow  # two full runs besides the batch
def test_a_batch_equals_separate_adam_runs(pairs):
    contents, styles = pairs
    batch = stylize_batch(contents, styles, alpha=1.0, beta=1e4, **SETTINGS)
    for content, style, together in zip(contents, styles, batch, strict=True):
        alone = stylize(
            content, style, optimizer="adam", stages=1, alpha=1.0, beta=1e4, **SETTINGS
        )
        for name in ("total", "content", "style"):
            np.testing.assert_allclose(
                together.history[name], alone.history[name], rtol=1e-4
            )
        np.testing.assert_allclose(together.image, alone.image, atol=1e-4)
        assert [it.number for it, _ in together.snapshots] == [0, 2, 4]
    # and the images really differ from each other: each has its own targets
    assert not np.allclose(batch[0].image, batch[1].image)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"optimizer": "lbfgs"}, "stylize_batch runs Adam at one size"),
        ({"stages": 2}, "stylize_batch runs Adam at one size"),
    ],
)
def test_batch_settings_it_cannot_run(pairs, change, message):
    with pytest.raises(ValueError, match=message):
        stylize_batch(*pairs, **SETTINGS, **change)


def test_batch_needs_one_style_per_content_and_one_shape(pairs, rng):
    contents, styles = pairs
    with pytest.raises(ValueError, match="got 3 contents and 2 styles"):
        stylize_batch(contents, styles[:2], **SETTINGS)
    tall = rng.uniform(size=(48, 36, 3)).astype("f4")
    with pytest.raises(ValueError, match=r"one shape.*\(36, 48, 3\), \(48, 36, 3\)"):
        stylize_batch([contents[0], tall], styles[:2], **SETTINGS)


def test_a_stopped_batch_keeps_every_image(pairs):
    stop = threading.Event()
    stop.set()
    results = stylize_batch(*pairs, stop=stop, **SETTINGS)
    assert [r.stopped for r in results] == ["stopped on request"] * 3
    assert all(r.iterations_done == 0 and r.image.shape == (36, 48, 3) for r in results)
    kept = last_run()  # after stylize_batch: one result per pair, as it returned
    assert isinstance(kept, list) and len(kept) == 3
    assert all(np.array_equal(a.image, b.image) for a, b in zip(kept, results))


class CtrlC:
    """A stop event whose third look (after iteration 1) meets Ctrl-C."""

    looks = 0

    def is_set(self):
        self.looks += 1
        if self.looks == 3:
            raise KeyboardInterrupt
        return False


def test_ctrl_c_stops_a_batch_and_last_run_keeps_every_image(pairs):
    with pytest.raises(KeyboardInterrupt):
        stylize_batch(*pairs, stop=CtrlC(), **SETTINGS)
    kept = last_run()
    assert len(kept) == 3 and all(r.iterations_done == 1 for r in kept)
    assert all(r.stopped.startswith("interrupted by the user") for r in kept)
    assert all([it.number for it, _ in r.snapshots] == [0, 1] for r in kept)


def test_a_non_finite_loss_stops_the_whole_batch(pairs):
    with pytest.warns(RuntimeWarning, match="Image 0 of the batch"):
        results = stylize_batch(*pairs, alpha=1e38, init="content", **SETTINGS)
    assert all(
        "Image 0 of the batch: The loss became inf" in r.stopped for r in results
    )
    assert all(np.isfinite(r.history["total"]).all() for r in results)
