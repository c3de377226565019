"""messages: why a run ended, and an error in one line."""

import pytest

from course_utils.messages import first_line, lbfgs_finished_early, why_stopped
from course_utils.optimise import NonFiniteLoss
from course_utils.progress import StopRequested
from course_utils.settings import StyleTransferSettings


def test_first_line_keeps_the_first_line_and_cuts_it_where_asked():
    assert first_line(ValueError("bad size\nmore detail")) == "bad size"
    assert first_line(KeyError()) == "KeyError"
    assert first_line(OSError("x" * 10), limit=4) == "xxxx ..."
    assert first_line(OSError("x" * 10), limit=10) == "x" * 10


def test_why_stopped_says_what_to_try_after_a_nan():
    adam = StyleTransferSettings(weights=None, learning_rate=0.5)
    said = why_stopped(NonFiniteLoss(7, float("nan")), adam)
    assert said == (
        "The loss became nan at iteration 7, so the run stopped and kept the "
        "image of iteration 6. Try a smaller learning_rate (it was 0.5) or "
        "smaller alpha and beta."
    )
    lbfgs = StyleTransferSettings(weights=None, optimizer="lbfgs")
    said = why_stopped(NonFiniteLoss(0, float("inf"), index=2), lbfgs, batch=3)
    assert said.startswith("Image 2 of the batch: The loss became inf at iteration 0")
    assert "kept the start image. Try smaller alpha and beta." in said


def test_why_stopped_names_ctrl_c_and_a_stop_request_and_nothing_else():
    settings = StyleTransferSettings(weights=None)
    assert why_stopped(KeyboardInterrupt(), settings).startswith("interrupted")
    assert why_stopped(StopRequested(), settings) == "stopped on request"
    with pytest.raises(TypeError, match="ValueError"):
        why_stopped(ValueError("x"), settings)


def test_lbfgs_note_gives_both_counts():
    assert lbfgs_finished_early(12, 50).startswith("L-BFGS finished after 12 of 50")
