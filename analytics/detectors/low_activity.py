"""``low_activity``: a day far quieter at home than this person's days, judged as it goes.

Activity is counted from 06:00 as activations of sensors that are not in the bed (every report:
a quiet day has fewer of them, a flapping bed mat does not count), per minute spent at home (the
time out through the front door is left out, so a day out is not a quiet day). The usual pace is
the median over the history days of that rate by the end of each hour. It includes an ordinary
morning's time in bed after 06:00; on a morning the resident got up later than the usual (median)
time, the minutes in bed after it are left out of the time at home, today and on the history days
the threshold is calibrated on, so a lie-in followed by an ordinary day is not a quiet day.

The threshold is calibrated on the household's own day-to-day spread: for every history day, the
lowest ratio of its rate to the usual pace over the hours that are checked (from ``first_hour``,
once at least ``min_home_min`` at home and ``min_expected`` activations are expected); the alert
fires below ``spread_factor`` times the ``spread_q`` quantile of those lows, kept between
``floor`` and ``ceiling`` of the usual pace. A household whose ordinary days vary widely thus
gets a lower threshold than a regular one, and checking every hour costs no more false alerts
than the history days themselves would have raised.

A day is judged from an hour after the resident got up (by the rule get-up times are learned
with), or from an hour after the morning deadline (``no_wake``'s) when not up by then: a late
morning is the morning check's to report, and a day counted from 06:00 is far behind in the first
hour after a late get-up without being quiet. The threshold is calibrated on the same hours, so a
late riser's lie-ins, which the check never judges, do not teach it that a near-empty day is
ordinary.
"""
from __future__ import annotations

import datetime as dt

import numpy as np

from analytics.detectors import Context, Finding, minute_of_day
from analytics.detectors.no_wake import wake_times
from analytics.explain import clock, day_count, duration, moment, sms_text, who
from analytics.history_stats import DAY_START_HOUR
from analytics.routine import Routine
from analytics.state import HomeState, activity_day

#: a day is judged from this long after getting up (or after the morning deadline, if not up)
UP_FOR_MIN = 60.0
#: the last hour judged: counts by 05:00 the next morning (from 06:00 the next day is counted)
_LAST_COLUMN = 22


class LowActivity:
    """Far fewer movements per hour at home since 06:00 than on this person's usual days."""

    def __init__(self, routine: Routine, *, first_hour: int = 11, min_home_min: float = 180.0,
                 min_expected: float = 20.0, spread_q: float = 0.1, spread_factor: float = 0.75,
                 floor: float = 0.1, ceiling: float = 0.4, min_days: int = 5) -> None:
        moves = routine.moves.astype(float)
        wake = wake_times(routine)
        self.wake_deadline = wake.deadline
        #: the usual get-up time (the morning check's median), never before the day is counted
        self.usual_up = max(wake.median, DAY_START_HOUR * 60.0)
        all_home = routine.home_minutes.astype(float)
        home = np.maximum(all_home - self._lie_ins(routine), 0.0)  # as ``check`` counts today
        self.n_days = moves.shape[0]
        #: the first hour judged: counts by ``first_hour`` (column h holds the count by 06:00 + h + 1)
        self.first_column = (first_hour - DAY_START_HOUR - 1) % 24
        self.min_home, self.min_expected = min_home_min, min_expected
        self.usual = np.zeros(24)
        self.threshold = floor
        self.ok = self.n_days >= min_days
        if not self.ok:
            return
        with np.errstate(all="ignore"):
            rate = moves / np.maximum(all_home, 60.0)
            self.usual = np.nan_to_num(np.nanmedian(rate, axis=0))
            expected = self.usual[None, :] * home
            checked = (home >= min_home_min) & (expected >= min_expected)
            checked[:, : self.first_column] = False  # calibrated on exactly the hours judged
            checked[:, _LAST_COLUMN + 1:] = False
            checked &= ~self._waiting(routine)
            ratio = np.where(checked, moves / np.maximum(expected, 1e-9), np.nan)
            lows = np.nanmin(np.where(np.isnan(ratio), np.inf, ratio), axis=1)
        lows = lows[np.isfinite(lows)]
        if lows.size < min_days:
            self.ok = False
            return
        self.threshold = float(np.clip(spread_factor * np.quantile(lows, spread_q), floor, ceiling))

    def _waiting(self, routine: Routine) -> np.ndarray:
        """Per history day and hour column: whether the live check would still have been waiting
        for the day to say something when that hour ended (``_waiting_for_the_day``)."""
        wake = np.asarray(routine.wake_by_day, dtype=float).reshape(-1, 1)  # -1: not known to be up
        ends = (DAY_START_HOUR + 1 + np.arange(24, dtype=float))[None, :] * 60  # column h counts by its end
        judged_from = np.minimum(np.where(wake >= 0, wake, np.inf), self.wake_deadline) + UP_FOR_MIN
        return ends < judged_from

    def _lie_ins(self, routine: Routine) -> np.ndarray:
        """Per history day and hour column: minutes in bed after the usual get-up time by the
        column's end (0 on days not known to have got up)."""
        wake = np.asarray(routine.wake_by_day, dtype=float).reshape(-1, 1)
        ends = (DAY_START_HOUR + 1 + np.arange(24, dtype=float))[None, :] * 60
        return np.where(wake >= 0, np.clip(np.minimum(wake, ends) - self.usual_up, 0.0, None), 0.0)

    def _lie_in_today(self, s: HomeState, now: dt.datetime) -> float:
        """Minutes in bed after the usual get-up time this morning (0 when not up yet: a day not
        begun is judged whole, once the morning deadline has passed)."""
        if s.up_for_day is None or s.up_for_day.date() != activity_day(now):
            return 0.0
        return max(0.0, minute_of_day(s.up_for_day) - self.usual_up)

    def _waiting_for_the_day(self, s: HomeState, now: dt.datetime) -> bool:
        """Whether today's pace says nothing yet (an hour after getting up, or after the morning
        deadline, has not come). From 06:00 only: the hours after midnight close the day before."""
        minute = minute_of_day(now)
        if minute < DAY_START_HOUR * 60:
            return False
        up = minute_of_day(s.up_for_day) if s.up_today(now) else float("inf")
        return minute < min(up, self.wake_deadline) + UP_FOR_MIN

    def check(self, ctx: Context) -> list[Finding]:
        """Raise once per day when the pace at home so far is far below the usual pace."""
        if not self.ok:
            return []
        now, s = ctx.now, ctx.state
        hour = int((now.hour - DAY_START_HOUR - 1) % 24)  # the last hour that has ended, since 06:00
        if not self.first_column <= hour <= _LAST_COLUMN or s.out:
            return []  # too early to judge; a day out is not a quiet day at home
        if self._waiting_for_the_day(s, now):
            return []
        lie_in = self._lie_in_today(s, now)
        home = max(0.0, s.home_minutes_today(now) - lie_in)
        expected = float(self.usual[hour]) * home
        if home < self.min_home or expected < self.min_expected:
            return []
        count = s.moves_so_far(now)
        if count >= self.threshold * expected:
            return []
        day = activity_day(now)
        start = moment(dt.datetime.combine(day, dt.time(DAY_START_HOUR)), now)  # after midnight: yesterday 06:00
        moves = "1 movement" if count == 1 else f"{count} movements"
        late = f" (a lie-in to {clock(s.up_for_day)} not counted)" if lie_in else ""
        msg = (f"A very quiet day for {who(ctx.name)}: {moves} since {start} in {duration(home)} at home{late}, "
               f"where {int(round(expected))} would be usual by {clock(now)} (last {day_count(self.n_days)}).")
        return [Finding(f"low_activity:{day.isoformat()}", "low_activity", "medium", sms_text(msg),
                        once=True,
                        evidence={"count": count, "expected": round(expected, 1), "home_min": round(home),
                                  "lie_in_min": round(lie_in),
                                  "ratio": round(count / expected, 2), "threshold": round(self.threshold, 2),
                                  "days": self.n_days})]
