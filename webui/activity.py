"""Queries over the hourly and daily summaries that the panel's charts and caseload need.

The office holds only summaries (raw events stay on the hubs), so every trend here is computed
from ``summaries`` and ``daily_summaries``. An hour's *activity* is the resident's own movement:
the active minutes of presence sensors (motion, doors, contacts, bed/chair pressure, flush),
summed over rooms and capped at 60. Appliances and power plugs are shown separately.

All functions take the store and plain dates/times and return plain data ready for JSON.
"""
from __future__ import annotations

import datetime as dt
import statistics
import threading
from collections import defaultdict

from hub.events import PRESENCE_KINDS
from hub.store import Store

APPLIANCE_KINDS = ("appliance", "power")
#: how many earlier days make "a usual day"
BASELINE_DAYS = 28
#: the night, as counted by the daily summaries (for labels only)
NIGHT_LABEL = "22:00-06:00"

_IN_PRESENCE = f"kind IN ({', '.join(repr(k) for k in sorted(PRESENCE_KINDS))})"
_IN_APPLIANCE = f"kind IN ({', '.join(repr(k) for k in APPLIANCE_KINDS)})"


def _day_start(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00"


def hourly_activity(store: Store, household: str, first: dt.date, last: dt.date) -> dict[tuple[str, int], int]:
    """Active minutes per (ISO day, hour of day) for days ``first`` .. ``last`` inclusive; missing hours absent."""
    rows = store.query(
        f"SELECT substr(hour, 1, 10) AS day, CAST(substr(hour, 12, 2) AS INTEGER) AS h, "
        f"MIN(60, SUM(active_minutes)) AS m FROM summaries "
        f"WHERE household = ? AND hour >= ? AND hour < ? AND {_IN_PRESENCE} GROUP BY day, h",
        (household, _day_start(first), _day_start(last + dt.timedelta(days=1))))
    return {(r["day"], r["h"]): r["m"] for r in rows}


def usual_day(store: Store, household: str, now: dt.datetime, baseline_days: int = BASELINE_DAYS) -> dict:
    """The usual day before ``now``'s date: median active minutes per hour over the previous days, and the
    median total over the hours before ``now``'s hour (``usual_so_far``); None where there is no history."""
    today = now.date()
    first = today - dt.timedelta(days=baseline_days)
    hours = hourly_activity(store, household, first, today - dt.timedelta(days=1))
    days = [(first + dt.timedelta(days=i)).isoformat() for i in range(baseline_days)]
    seen_days = [d for d in days if any((d, h) in hours for h in range(24))]
    usual = [round(statistics.median([hours.get((d, h), 0) for d in seen_days]), 1) if seen_days else None
             for h in range(24)]
    usual_so_far = (statistics.median([sum(hours.get((d, h), 0) for h in range(now.hour)) for d in seen_days])
                    if seen_days else None)
    return {"usual": usual, "usual_so_far": usual_so_far, "baseline_days": len(seen_days)}


class UsualCache:
    """Remembers each household's usual day for the current hour.

    The usual is computed from earlier days only, so it changes at most once an hour; the caseload
    asks for dozens of households on every load, and this keeps that to one query for today each.
    """

    def __init__(self, baseline_days: int = BASELINE_DAYS) -> None:
        self.baseline_days = baseline_days
        self._hour: tuple[dt.date, int] | None = None
        self._usual: dict[str, dict] = {}
        self._lock = threading.Lock()  # the panel serves from several threads

    def get(self, store: Store, household: str, now: dt.datetime) -> dict:
        """The usual day for ``household`` as :func:`usual_day` returns it, cached for ``now``'s hour."""
        key = (now.date(), now.hour)
        with self._lock:
            if key != self._hour:
                self._hour, self._usual = key, {}
            cached = self._usual.get(household)
        if cached is None:
            cached = usual_day(store, household, now, self.baseline_days)
            with self._lock:
                if self._hour == key:
                    self._usual[household] = cached
        return cached


def today_against_usual(store: Store, household: str, now: dt.datetime, cache: UsualCache | None = None) -> dict:
    """Today's activity hour by hour beside the median of the same hour over the previous days.

    ``so_far`` and ``usual_so_far`` compare the hours already complete (before ``now``'s hour);
    ``usual_so_far`` is the median over baseline days of their total over those hours.
    """
    usual = cache.get(store, household, now) if cache else usual_day(store, household, now)
    today = now.date()
    hours = hourly_activity(store, household, today, today)
    today_iso = today.isoformat()
    today_series = [hours.get((today_iso, h), 0) if h <= now.hour else None for h in range(24)]
    so_far = sum(hours.get((today_iso, h), 0) for h in range(now.hour))
    return {"date": today_iso, "hour": now.hour, "hours": list(range(24)), "today": today_series, **usual,
            "so_far": so_far}


def daily_trends(store: Store, household: str, last: dt.date, days: int) -> dict:
    """Per-day series for the ``days`` days ending ``last``: activity, night activity, wake and bed times,
    appliance use, and the hour-by-day heatmap."""
    first = last - dt.timedelta(days=days - 1)
    day_list = [(first + dt.timedelta(days=i)).isoformat() for i in range(days)]
    hours = hourly_activity(store, household, first, last)
    active = defaultdict(int)
    for (day, _h), minutes in hours.items():
        active[day] += minutes
    daily = {r["day"]: r for r in store.query(
        "SELECT day, wake_time, bed_time, night_active_minutes, events FROM daily_summaries "
        "WHERE household = ? AND day >= ? AND day <= ?", (household, first.isoformat(), last.isoformat()))}
    appliances = appliance_use(store, household, first, last)
    return {
        "days": day_list,
        "active_minutes": [active[d] if _has_day(d, hours, daily) else None for d in day_list],
        "night_active_minutes": [daily[d]["night_active_minutes"] if d in daily else None for d in day_list],
        "wake": [_clock_hours(daily[d]["wake_time"], bed=False) if d in daily else None for d in day_list],
        "bed": [_clock_hours(daily[d]["bed_time"], bed=True) if d in daily else None for d in day_list],
        "heatmap": [{"day": d, "hour": h, "minutes": m} for (d, h), m in sorted(hours.items())],
        "appliances": appliances,
        "appliance_days": day_list,
    }


def appliance_use(store: Store, household: str, first: dt.date, last: dt.date) -> list[dict]:
    """Per appliance (room and kind): minutes on and energy per day (lists aligned with the days ``first`` .. ``last``)."""
    rows = store.query(
        f"SELECT room, kind, substr(hour, 1, 10) AS day, SUM(active_minutes) AS m, SUM(energy_wh) AS wh "
        f"FROM summaries WHERE household = ? AND hour >= ? AND hour < ? AND {_IN_APPLIANCE} GROUP BY room, kind, day",
        (household, _day_start(first), _day_start(last + dt.timedelta(days=1))))
    n = (last - first).days + 1
    index = {(first + dt.timedelta(days=i)).isoformat(): i for i in range(n)}
    by_room: dict[str, dict] = {}
    for r in rows:
        name = f"{r['room']} {r['kind']}".strip()
        entry = by_room.setdefault(name, {"name": name,
                                                              "minutes": [0] * n, "energy_wh": [0.0] * n})
        entry["minutes"][index[r["day"]]] = r["m"]
        entry["energy_wh"][index[r["day"]]] = round(r["wh"], 1)
    return sorted(by_room.values(), key=lambda e: e["name"])


def last_data_time(store: Store, household: str) -> dt.datetime | None:
    """When the household's hub last sent anything: the newest raw event or the end of the newest summary hour."""
    candidates = []
    row = store.query("SELECT MAX(hour) FROM summaries WHERE household = ?", (household,))[0]
    if row[0]:
        candidates.append(dt.datetime.fromisoformat(row[0]) + dt.timedelta(hours=1))
    row = store.query("SELECT MAX(ts) FROM events WHERE household = ?", (household,))[0]
    if row[0]:
        candidates.append(dt.datetime.fromisoformat(row[0]))
    return max(candidates) if candidates else None


def _has_day(day: str, hours: dict, daily: dict) -> bool:
    return day in daily or any((day, h) in hours for h in range(24))


def _clock_hours(text: str | None, *, bed: bool) -> float | None:
    """'07:12' (or an ISO datetime) as hours after midnight; bed times after midnight count past 24."""
    if not text:
        return None
    clock = text.split("T")[-1].split(" ")[-1]
    parts = clock.split(":")
    try:
        value = int(parts[0]) + int(parts[1]) / 60
    except (ValueError, IndexError):
        return None
    if bed and value < 12:
        value += 24
    return round(value, 2)
