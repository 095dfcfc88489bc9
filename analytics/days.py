"""Per-day facts for the panel: wake time, bed time, active minutes, night activity.

:func:`daily_summary` turns one day's events (midnight to midnight, plus the evening before for
the get-up time) into the row of the core ``daily_summaries`` table; :func:`write_daily_summaries`
stores such rows, replacing any earlier row for the same household and day.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass

import numpy as np

from analytics.history_stats import wake_minute
from analytics.sensors import ActivationTracker, is_sleep_sensor
from hub.events import Event
from hub.store import Store

#: night for ``night_active_minutes``: from midnight to this hour
NIGHT_END_HOUR = 6


@dataclass(frozen=True)
class DailySummary:
    """One row of ``daily_summaries``: times as ``HH:MM`` or None when unknown."""

    household: str
    day: dt.date
    wake_time: str | None
    bed_time: str | None
    active_minutes: int
    night_active_minutes: int
    events: int

    def to_json(self) -> dict:
        """The day as sent upstream (without the household, which the message names)."""
        return {"day": self.day.isoformat(), "wake_time": self.wake_time, "bed_time": self.bed_time,
                "active_minutes": self.active_minutes, "night_active_minutes": self.night_active_minutes,
                "events": self.events}


def _hhmm(minutes: float | None) -> str | None:
    if minutes is None:
        return None
    m = int(round(minutes)) % 1440
    return f"{m // 60:02d}:{m % 60:02d}"


def daily_summary(events_of_day: Iterable[Event], day: dt.date | None = None, household: str = "",
                  self_running: Collection[str] = ()) -> DailySummary:
    """Summarise one day. Events from 22:00 the evening before are used for the get-up time and
    events up to 13:00 the next day for the bed time; they do not count towards the totals. The
    ``self_running`` appliances (``Routine.self_running``: a fridge) are not the resident's activity."""
    evs = sorted(events_of_day, key=lambda e: e.time)
    if day is None:
        if not evs:
            raise ValueError("an empty day needs its date")
        day = evs[len(evs) // 2].time.date()
    midnight = dt.datetime.combine(day, dt.time())
    tracker = ActivationTracker()
    acts, nonbed = [], []
    n_events = 0
    for e in evs:
        is_act = e.sensor not in self_running and tracker.activation(e)
        inside = midnight <= e.time < midnight + dt.timedelta(days=1)
        n_events += inside
        if is_act:
            m = (e.time - midnight).total_seconds() / 60
            acts.append(m)
            if not is_sleep_sensor(e.sensor, e.kind, e.room):
                nonbed.append(m)
    t_all = np.asarray(acts)
    inside = t_all[(t_all >= 0) & (t_all < 1440)] if t_all.size else t_all
    minutes = np.unique(np.floor(inside)) if inside.size else inside
    active = int(minutes.size)
    night = int(np.sum(minutes < NIGHT_END_HOUR * 60)) if minutes.size else 0
    t_nonbed = np.asarray(nonbed)
    wake = wake_minute(t_nonbed, 0.0) if t_nonbed.size else None
    bed = _bed_minute(t_nonbed)
    return DailySummary(household or (evs[0].household if evs else ""), day, _hhmm(wake), _hhmm(bed),
                        active, night, int(n_events))


def _bed_minute(times: np.ndarray) -> float | None:
    """Start of the longest quiet gap between 18:00 and 13:00 the next day (the evening's bed time)."""
    lo, hi = np.searchsorted(times, [18 * 60, 1440 + 13 * 60])
    ts = times[lo:hi]
    if ts.size < 2:
        return None
    return float(ts[int(np.argmax(np.diff(ts)))])


def write_daily_summaries(store: Store, summaries: Iterable[DailySummary]) -> int:
    """Store summaries in ``daily_summaries`` (one row per household and day); return how many."""
    rows = [(s.household, s.day.isoformat(), s.wake_time, s.bed_time, s.active_minutes,
             s.night_active_minutes, s.events) for s in summaries]
    store.put_daily_summaries(rows)
    return len(rows)
