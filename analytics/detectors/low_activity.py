"""``low_activity``: a day far quieter than this person's quietest days.

Activity is counted from 06:00 as activations, at most one per sensor per minute (so a flapping
mat does not swamp a day). From ``first_hour`` on, the count so far is compared with the count
every history day had reached by the last full hour: the alert fires when today is below
``ratio`` times the quietest history day and below ``median_ratio`` times the usual day, and the
usual day has enough activity to judge by.
"""
from __future__ import annotations

import numpy as np

from analytics.detectors import Context, Finding
from analytics.explain import clock, sms_text, who
from analytics.routine import DAY_START_HOUR, Routine
from analytics.state import activity_day


class LowActivity:
    """Far less activity since 06:00 than on any day of the history, by this hour."""

    def __init__(self, routine: Routine, *, ratio: float = 0.8, median_ratio: float = 0.4, first_hour: int = 11,
                 min_usual: float = 30.0) -> None:
        a = routine.activity
        self.n_days = a.shape[0]
        self.ok = self.n_days >= 3
        with np.errstate(all="ignore"):
            self.least = np.nan_to_num(np.nanmin(a, axis=0)) if self.ok else np.zeros(24)
            self.median = np.nan_to_num(np.nanmedian(a, axis=0)) if self.ok else np.zeros(24)
        self.ratio = ratio
        self.median_ratio = median_ratio
        self.first_index = (first_hour - DAY_START_HOUR) % 24
        self.min_usual = min_usual

    def check(self, ctx: Context) -> list[Finding]:
        """Raise once per day when the day so far is far below the quietest history day."""
        if not self.ok:
            return []
        now = ctx.now
        idx = int(((now.hour - DAY_START_HOUR) % 24)) - 1  # last full hour since 06:00
        if idx < self.first_index - 1:
            return []
        if ctx.state.out:
            return []  # a day out is not a quiet day at home
        least, usual = float(self.least[idx]), float(self.median[idx])
        count = ctx.state.today_count(now)
        if usual < self.min_usual or count >= self.ratio * least or count >= self.median_ratio * usual:
            return []
        hour = clock(((idx + 1 + DAY_START_HOUR) % 24) * 60)
        msg = (f"A very quiet day for {who(ctx.name)}: {count} activities since 06:00. "
               f"On each of the last {self.n_days} days there were at least {int(least)} by {hour} "
               f"(usually {int(usual)}).")
        return [Finding(f"low_activity:{activity_day(now).isoformat()}", "low_activity", "medium", sms_text(msg),
                        once=True,
                        evidence={"count": count, "least": int(least), "usual": int(usual), "by": hour,
                                  "days": self.n_days})]
