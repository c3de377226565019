"""The late policy: a percentage of the score per day late, the nbgrader way.

nbgrader's `AssignLatePenalties` asks this plugin (set as its `plugin_class`
in `nbgrader_config.py`) for the penalty of each notebook handed in after
the assignment's due date. How late a submission is comes from its
timestamp (`timestamp.txt` beside the notebooks) and the due date kept in
the gradebook (`nbgrader db assignment add style_transfer --duedate=...`).
A Canvas download says only that a file was LATE, not how late: `make
collect` then stamps it `LmsCollector.late_flag_days` after the due date.
"""

from __future__ import annotations

import math

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Float

DAY = 24 * 60 * 60


class PercentPerDay(LateSubmissionPlugin):
    """Take `percent_per_day` of a late notebook's score for every day or
    part of a day it is late, up to `max_percent`."""

    percent_per_day = Float(
        0.0, help="Percent of the score taken per day late (or part of a day)."
    ).tag(config=True)
    max_percent = Float(100.0, help="The most a late penalty takes, in percent.").tag(
        config=True
    )

    def late_submission_penalty(
        self, student_id: str, score: float, total_seconds_late: float
    ) -> float:
        """The points taken from `score`: 0 when on time."""
        return (
            score
            * penalty_percent(
                total_seconds_late, self.percent_per_day, self.max_percent
            )
            / 100
        )


def penalty_percent(seconds_late: float, per_day: float, most: float = 100.0) -> float:
    """Percent of the score a submission `seconds_late` loses: `per_day` for
    every started day, at most `most`.

    >>> penalty_percent(1, 10), penalty_percent(DAY, 10), penalty_percent(DAY + 1, 10)
    (10.0, 10.0, 20.0)
    """
    if seconds_late <= 0:
        return 0.0
    return float(min(most, per_day * math.ceil(seconds_late / DAY)))
