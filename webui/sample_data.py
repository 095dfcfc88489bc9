"""Synthetic but realistically shaped summaries for one household: the panel's benchmark and its
browser tests load these straight into a store (as the office receives them from a hub).

A day: up around 07:00 (± 40 min), busy mornings and early evenings, a quieter afternoon, the
kettle in the morning and afternoon, the television in the evening, bed around 22:30, and the
odd trip to the bathroom at night. Seeded, so the same arguments give the same rows.
"""
from __future__ import annotations

import datetime as dt
import random

from hub.store import Store

#: (room, kind) pairs of a typical flat with their share of the hour's activity
PRESENCE = (("bedroom", "motion", 0.25), ("kitchen", "motion", 0.3), ("living", "motion", 0.3),
            ("bathroom", "motion", 0.1), ("hall", "door", 0.05))
APPLIANCES = (("kitchen", "appliance", 2000.0), ("living", "power", 90.0))


def write_household(store: Store, household: str, last_day: dt.date, days: int, *, seed: int = 1,
                    activity_scale: float = 1.0, until: dt.datetime | None = None) -> int:
    """Write ``days`` days of hourly and daily summaries ending ``last_day``; return the hourly rows written.

    ``until`` stops the last day at that time (as a hub would have sent it so far today);
    ``activity_scale`` makes the household quieter (< 1) or busier.
    """
    rng = random.Random(f"{household}:{seed}")
    hourly, daily = [], []
    for i in range(days):
        day = last_day - dt.timedelta(days=days - 1 - i)
        wake = 7 + rng.gauss(0, 0.6)
        bed = 22.5 + rng.gauss(0, 0.5)
        active_total = night = events_total = 0
        for hour in range(24):
            start = dt.datetime.combine(day, dt.time(hour))
            if until is not None and start >= until.replace(minute=0, second=0, microsecond=0):
                break
            awake = wake <= hour + 0.5 <= bed
            base = (_profile(hour) if awake else 1.5) * activity_scale
            minutes = max(0, min(60, round(rng.gauss(base, base * 0.25))))
            if not awake and rng.random() < 0.12:  # a trip to the bathroom
                minutes += rng.randint(3, 9)
            active_total += minutes
            if hour >= 22 or hour < 6:
                night += minutes
            for room, kind, share in PRESENCE:
                m = round(minutes * share)
                if m:
                    events = m * 2 + rng.randint(0, 3)
                    events_total += events
                    hourly.append((household, start.isoformat(), room, kind, events, m, 0.0, 0))
            for room, kind, watts in APPLIANCES:
                on = _appliance_minutes(kind, hour, rng) if awake else 0
                if on:
                    hourly.append((household, start.isoformat(), room, kind, 2, on, round(watts * on / 60, 1), 0))
        if until is None or day < until.date():
            daily.append((household, day.isoformat(), _hhmm(wake), _hhmm(bed % 24), active_total, night, events_total))
    with store.transaction() as c:
        store.put_summaries(hourly, c)
        store.put_daily_summaries(daily, c)
    return len(hourly)


def _profile(hour: int) -> float:
    """Typical active minutes in an hour of an awake resident."""
    if hour < 10:
        return 32
    if hour < 13:
        return 24
    if hour < 17:
        return 14
    if hour < 20:
        return 26
    return 16


def _appliance_minutes(kind: str, hour: int, rng: random.Random) -> int:
    if kind == "appliance":  # kettle
        return rng.randint(3, 6) if hour in (7, 8, 11, 15, 18) and rng.random() < 0.8 else 0
    return rng.randint(30, 60) if 18 <= hour <= 22 and rng.random() < 0.7 else 0  # television


def _hhmm(hours: float) -> str:
    minutes = int(round(hours * 60)) % (24 * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
