"""Each sensor's health as the panel shows it: last seen, battery, availability, and what is wrong.

Read from the raw events a hub keeps (battery and availability are technical events). Lookups go
through the ``events(sensor, ts)`` index one sensor at a time, so this stays fast on a year of events.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from hub.store import Store

#: a sensor not heard from for this long is reported silent
SILENT_AFTER = dt.timedelta(hours=24)
#: battery percentage below which a sensor needs a new battery
LOW_BATTERY = 20.0


@dataclass(frozen=True)
class SensorHealth:
    """One sensor of a household and its state."""

    sensor: str
    kind: str
    room: str
    last_seen: dt.datetime
    battery: float | None
    online: bool | None
    problem: str

    def to_json(self) -> dict:
        """Plain data for the JSON API."""
        return {"sensor": self.sensor, "kind": self.kind, "room": self.room,
                "last_seen": self.last_seen.isoformat(timespec="seconds"), "battery": self.battery,
                "online": self.online, "problem": self.problem}


def sensor_health(store: Store, household: str, now: dt.datetime) -> list[SensorHealth]:
    """The household's sensors, those with a problem first, then by room and name."""
    result = []
    for sensor in _sensors(store, household):
        last = store.query("SELECT ts, kind, room FROM events WHERE sensor = ? AND household = ? "
                           "ORDER BY ts DESC LIMIT 1", (sensor, household))[0]
        activity = store.query("SELECT kind, room FROM events WHERE sensor = ? AND household = ? "
                               "AND kind NOT IN ('battery', 'availability') ORDER BY ts DESC LIMIT 1",
                               (sensor, household))
        battery = _latest(store, household, sensor, "battery")
        availability = _latest(store, household, sensor, "availability")
        last_seen = dt.datetime.fromisoformat(last["ts"])
        online = None if availability is None else availability >= 0.5
        problems = []
        if online is False:
            problems.append("reports offline")
        if now - last_seen > SILENT_AFTER:
            problems.append(f"silent for {_ago(now - last_seen)}")
        if battery is not None and battery < LOW_BATTERY:
            problems.append(f"battery {battery:.0f}%")
        kind, room = (activity[0]["kind"], activity[0]["room"]) if activity else (last["kind"], last["room"])
        result.append(SensorHealth(sensor, kind, room, last_seen, battery, online, "; ".join(problems)))
    return sorted(result, key=lambda s: (not s.problem, s.room, s.sensor))


def _sensors(store: Store, household: str) -> list[str]:
    """Distinct sensor names of the household, hopping through the sensor index (no full scan)."""
    names, current = [], ""
    while True:
        row = store.query("SELECT MIN(sensor) FROM events WHERE sensor > ?", (current,))[0]
        if row[0] is None:
            return names
        current = row[0]
        if store.query("SELECT 1 FROM events WHERE sensor = ? AND household = ? LIMIT 1", (current, household)):
            names.append(current)


def _latest(store: Store, household: str, sensor: str, kind: str) -> float | None:
    rows = store.query("SELECT value FROM events WHERE sensor = ? AND household = ? AND kind = ? "
                       "ORDER BY ts DESC LIMIT 1", (sensor, household, kind))
    return rows[0][0] if rows else None


def _ago(delta: dt.timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.0f} h" if hours < 48 else f"{hours / 24:.0f} days"
