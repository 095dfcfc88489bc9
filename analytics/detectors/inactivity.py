"""``inactivity``: at home and quiet longer than this person is ever quiet at this time of day.

The limit for each 5-minute slot is the longest quiet spell seen at home within an hour of that
time of day over the history, widened when the history is short, never below ``floor_min`` nor
above ``ceiling_min``. After the front door with nothing since, the resident is out, not
collapsed: then only "not back by the usual time" is raised, when the absence is longer than any
seen before (and at least ``out_floor_min``).
"""
from __future__ import annotations

import numpy as np

from analytics.detectors import Context, Finding, minute_of_day, shrink, slot_of, windowed_max
from analytics.explain import clock, duration, sms_text, who
from analytics.routine import Routine


class Inactivity:
    """Quiet at home for longer than ever at this time of day (or out far longer than usual)."""

    def __init__(self, routine: Routine, *, window_slots: int = 12, factor: float = 1.2,
                 margin_min: float = 20.0, floor_min: float = 60.0, ceiling_min: float = 16 * 60,
                 out_floor_min: float = 12 * 60) -> None:
        self.n_days = routine.n_days
        per_day = windowed_max(routine.quiet, window_slots)
        self.per_day = per_day
        longest = per_day.max(axis=0) if per_day.size else np.full(288, ceiling_min)
        self.longest = longest
        k = factor * shrink(routine.n_days)
        self.limit = np.clip(longest * k + margin_min, floor_min, ceiling_min)
        outs = [d for _, d in routine.out_durations]
        self.longest_out = max(outs, default=0.0)
        self.out_limit = max(out_floor_min, 1.5 * self.longest_out)

    def check(self, ctx: Context) -> list[Finding]:
        """Raise when the current quiet spell has passed this time of day's limit."""
        s = ctx.state
        if s.last_activation is None:
            return []
        quiet = (ctx.now - s.last_activation).total_seconds() / 60
        if s.out:
            if quiet < self.out_limit:
                return []
            msg = (f"{who(ctx.name).capitalize()} went out at {clock(s.last_front)} and is not back after "
                   f"{duration(quiet)}. The longest time away in the last {self.n_days} days was "
                   f"{duration(self.longest_out)}.")
            return [Finding("not_back", "not_back", "medium", sms_text(msg),
                            evidence={"out_since": s.last_front.isoformat(), "away_min": round(quiet),
                                      "longest_away_min": round(self.longest_out)})]
        slot = slot_of(ctx.now)
        limit = float(self.limit[slot])
        if quiet < limit:
            return []
        usual = float(self.longest[slot])
        within = int(np.sum(self.per_day[:, slot] <= usual)) if self.per_day.size else 0
        msg = (f"No movement at home since {clock(s.last_activation)} ({duration(quiet)}). "
               f"On {within} of the last {self.n_days} days {who(ctx.name)} moved within {duration(usual)} "
               f"at this time of day. Last sensor: {s.last_activation_sensor}.")
        severity = "critical" if 7 * 60 <= minute_of_day(s.last_activation) < 22 * 60 else "high"
        return [Finding("inactivity", "inactivity", severity, sms_text(msg),
                        evidence={"last_activity": s.last_activation.isoformat(), "quiet_min": round(quiet),
                                  "limit_min": round(limit), "usual_max_min": round(usual),
                                  "days": self.n_days, "last_sensor": s.last_activation_sensor})]
