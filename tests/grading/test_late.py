"""The late policy: a percentage per started day late, at most max_percent."""

import pytest

from course_utils.grading.late import DAY, PercentPerDay, penalty_percent


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(-5, 0.0), (0, 0.0), (1, 10.0), (DAY, 10.0), (DAY + 1, 20.0), (3.5 * DAY, 40.0)],
)
def test_every_started_day_costs_the_percentage(seconds, expected):
    assert penalty_percent(seconds, 10) == expected


def test_the_penalty_stops_at_its_maximum():
    assert penalty_percent(30 * DAY, 10, most=50) == 50


def test_the_plugin_takes_its_share_of_the_notebooks_score():
    plugin = PercentPerDay(percent_per_day=25)
    assert plugin.late_submission_penalty("student", 8.0, 2 * DAY - 1) == 4.0
    assert plugin.late_submission_penalty("student", 8.0, 0) == 0.0
    assert PercentPerDay().late_submission_penalty("student", 8.0, DAY) == 0.0
