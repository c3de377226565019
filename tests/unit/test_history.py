"""history: the losses and snapshots of a run, counted over its stages."""

import numpy as np

from course_utils.history import History
from course_utils.results import Iteration
from course_utils.settings import StyleTransferSettings


def losses(value, batch=1):
    return {name: np.full(batch, value) for name in ("total", "content", "style", "tv")}


def run_two_stages(history, images):
    """Stage 1: 4 steps at 32 px; stage 2: 4 steps at 64 px, from stage 1's end."""
    for number, size, offset in ((1, 32, 0), (2, 64, 4)):
        history.start_stage(StyleTransferSettings(size=size, weights=None), number, 2)
        for step in range(5):
            it = Iteration(offset + step, step, 4, number, 2, size)
            history.record(it, losses(offset + step), images)


def test_a_later_stage_s_start_is_not_counted_twice():
    history = History(batch=1, snapshot_every=2)
    run_two_stages(history, [np.zeros((2, 2, 3), "f4")])
    assert [it.number for it in history.iterations] == list(range(9))
    assert history.losses[0]["total"] == [float(n) for n in range(9)]
    # every 2nd step of a stage and its last; stage 2's start is stage 1's end
    assert [it.number for it, _ in history.snapshots[0]] == [0, 2, 4, 6, 8]
    assert [s.size for s in history.stages] == [32, 64]


def test_snapshots_are_saved_per_stage_as_they_come(tmp_path):
    history = History(batch=1, snapshot_every=2, snapshots_dir=tmp_path)
    run_two_stages(history, [np.full((40, 40, 3), 0.5, "f4")])
    saved = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.png"))
    assert saved == [
        f"stage{n}_{size}px/iteration_{step:05d}.png"
        for n, size in ((1, 32), (2, 64))
        for step in (0, 2, 4)
    ]


def test_keep_last_adds_the_images_of_an_early_end_once():
    history = History(batch=2, snapshot_every=10)
    images = [np.zeros((2, 2, 3), "f4"), np.ones((2, 2, 3), "f4")]
    for step in range(4):
        history.record(Iteration(step, step, 20), losses(step, batch=2), images)
    history.keep_last(None, images)
    history.keep_last(None, images)
    for k in range(2):
        assert [it.number for it, _ in history.snapshots[k]] == [0, 3]
        np.testing.assert_array_equal(history.snapshots[k][-1][1], images[k])
    results = history.results(images, "settings", 1.5, "stopped on request", None)
    assert [r.iterations_done for r in results] == [3, 3]
    assert results[1].history["total"] == [0.0, 1.0, 2.0, 3.0]
