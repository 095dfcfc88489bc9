"""``no_wake``: not up well after the usual get-up time.

"Up" is any activation after 03:00 from a sensor that is not in the bed or bedroom, unless it was
only a trip before the usual get-up time (not an hour of activity, the rule get-up times are
learned by) and the bed or bedroom has been all there is for half an hour since: up at five for
the toilet and back to bed. The deadline is the latest of: the latest get-up time seen plus a
margin, the 90th percentile plus a margin, and the time later than which this person's ordinary
mornings are expected less than ``LATE_BUDGET_PER_30D`` times a month (``late_tail``: two or three
weeks of mornings rarely hold the latest there is, and the latest seen plus a margin gave a
regular sleeper a false "not up" every other month). It is never more than ``max_after_p90_min``
after that 90th percentile, so a late sleeper's check still comes in time. Out through the front
door means away, not asleep.
"""
from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import numpy as np

from analytics.detectors import Context, Finding, minute_of_day
from analytics.explain import clock, moment, sms_text, thing, who_cap
from analytics.history_stats import WAKE_FROM_HOUR
from analytics.quiet_budget import SHRINK, TOP_K, excess_for
from analytics.routine import Routine

#: the night ends here: movement from this hour on may be getting up
NIGHT_END_HOUR = WAKE_FROM_HOUR
#: get-up times needed before this person's own are used (else ``prior_min``)
MIN_WAKES = 3
#: give up the morning check at this hour: inactivity covers the rest of the day
LAST_CHECK_HOUR = 21
#: how many ordinary mornings a month may come later than the deadline (before its cap)
LATE_BUDGET_PER_30D = 0.25
#: population prior of how far apart a person's latest get-up times lie (minutes)
PRIOR_LATE_SIGMA_MIN = 30.0
#: a trip out of bed that ended back in the bed or bedroom this long ago was not getting up
BACK_IN_BED_MIN = 30.0


class WakeTimes(NamedTuple):
    """The learned get-up times and the morning check's deadline, minutes after midnight."""

    median: float
    p90: float
    latest: float
    deadline: float


def late_tail(wakes: np.ndarray, budget_per_30d: float = LATE_BUDGET_PER_30D) -> float:
    """The get-up time later than which this person's ordinary mornings are expected less often than
    ``budget_per_30d`` times a month, from the tail of their own get-up times: the latest ``TOP_K``
    are a threshold and excesses, read through the same predictive tail as the quiet budget
    (``analytics.quiet_budget``), so that three weeks of mornings do not pass for proof that the
    latest seen is the latest there is."""
    k = min(TOP_K, wakes.size)
    top = np.sort(wakes)[-k:]
    u = float(top[0])
    alpha = k - 1 + SHRINK
    sigma = (float((top - u).sum()) + SHRINK * PRIOR_LATE_SIGMA_MIN) / alpha
    ratio = (k / wakes.size) / (budget_per_30d / 30.0)
    return u + excess_for(max(ratio, 1.0), sigma, alpha)


def wake_times(routine: Routine, *, after_latest_min: float = 20.0, after_p90_min: float = 45.0,
               max_after_p90_min: float = 100.0, prior_min: float = 9 * 60) -> WakeTimes:
    """When this person gets up, and when not being up yet is alarming."""
    wakes = np.asarray(routine.wake_minutes, dtype=float)
    if wakes.size >= MIN_WAKES:
        p90, latest, median = float(np.quantile(wakes, 0.9)), float(wakes.max()), float(np.median(wakes))
        late = late_tail(wakes)
    else:
        p90 = latest = median = late = prior_min
    deadline = min(max(latest + after_latest_min, p90 + after_p90_min, late), p90 + max_after_p90_min)
    return WakeTimes(median, p90, latest, deadline)


class NoWake:
    """Nothing but bed sensors since 03:00, well after the usual get-up time."""

    def __init__(self, routine: Routine, **limits: float) -> None:
        self.n_days = len(routine.wake_minutes)
        self.median, self.p90, self.latest, self.deadline = wake_times(routine, **limits)

    def check(self, ctx: Context) -> list[Finding]:
        """Raise once a day when past the deadline there is still no sign of getting up."""
        now, s = ctx.now, ctx.state
        m = minute_of_day(now)
        if not (self.deadline <= m < LAST_CHECK_HOUR * 60) or s.out:
            return []
        night_end = dt.datetime.combine(now.date(), dt.time(NIGHT_END_HOUR))
        up = s.last_up is not None and s.last_up >= night_end
        back_in_bed = (up and not s.up_today(now) and minute_of_day(s.last_up) < self.p90
                       and s.last_in_bed is not None and s.last_in_bed > s.last_up
                       and ctx.minutes_since(s.last_up) >= BACK_IN_BED_MIN)
        if up and not back_in_bed:
            return []
        if back_in_bed:
            bed = thing(s.last_in_bed_sensor, s.rooms.get(s.last_in_bed_sensor, ""))
            seen = (f"out of bed only briefly since {clock(night_end)} (last at {clock(s.last_up)}), then back to bed "
                    f"({bed} last at {clock(s.last_in_bed)}).")
        else:
            last = f" Last seen up at {moment(s.last_up, now)}." if s.last_up else ""
            seen = f"no movement since {clock(night_end)}.{last}"
        if self.n_days >= MIN_WAKES:
            usual = (f"Usually up by {clock(self.median)}, on {self.n_days} days never later than "
                     f"{clock(self.latest)}.")
        else:
            usual = f"Get-up time not learned yet: {clock(self.deadline)} is the starting check."
        msg = f"{who_cap(ctx.name)} is not up yet at {clock(now)}: {seen} {usual}"
        return [Finding(f"no_wake:{now.date().isoformat()}", "no_wake", "high", sms_text(msg.strip()), once=True,
                        evidence={"deadline": clock(self.deadline), "usual_wake": clock(self.median),
                                  "latest_wake": clock(self.latest), "days": self.n_days,
                                  "last_up": s.last_up.isoformat() if s.last_up else None,
                                  "back_in_bed": s.last_in_bed.isoformat() if back_in_bed else None})]
