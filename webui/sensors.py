"""Each sensor's health as the panel shows it: last seen, battery, availability, and what is wrong.

The readings come from :func:`hub.health.sensor_health` (the same records the hub sends
upstream); on the office, which holds no raw events, from what each hub last reported
(:func:`hub.office_state.reported_sensors`). This module judges them for people: silent too
long, reporting offline, battery low.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from alerts.book import AlertRecord
from hub import health, office_state
from hub.store import Store

#: a sensor not heard from for this long is reported silent even without a detector's alert (an
#: appliance plug or a spare-room sensor is normally silent for days, so the detector, which knows
#: each sensor's own normal silences, decides sooner than this)
SILENT_AFTER = dt.timedelta(days=7)
#: battery percentage below which a sensor needs a new battery
LOW_BATTERY = 20.0


@dataclass(frozen=True)
class SensorHealth:
    """One sensor of a household, its state, and the problem in words ('' when fine)."""

    sensor: str
    room: str
    last_seen: dt.datetime
    battery: float | None
    online: bool | None
    problem: str

    def to_json(self) -> dict:
        """Plain data for the JSON API."""
        return {"sensor": self.sensor, "room": self.room,
                "last_seen": self.last_seen.isoformat(timespec="seconds"), "battery": self.battery,
                "online": self.online, "problem": self.problem}


def sensor_health(store: Store, household: str, now: dt.datetime,
                  open_alerts: Iterable[AlertRecord] = ()) -> list[SensorHealth]:
    """The household's sensors, those with a problem first, then by room and name.

    ``open_alerts`` are the household's unresolved alerts: a sensor the detectors reported offline
    (silent far longer than its own normal) is shown silent at once, and one they reported stuck on
    or alone reporting for a day is shown so.
    """
    reported: dict[str, set] = {}
    for r in open_alerts:
        reported.setdefault(r.alert.kind, set()).add(r.alert.evidence.get("sensor"))
    reported_offline = reported.get("sensor_offline", set())
    result = []
    readings = health.sensor_health(store, household) or office_state.reported_sensors(store, household)
    for s in readings:
        problems = []
        if s.online is False:
            problems.append("reports offline")
        if s.sensor in reported_offline or now - s.last_seen > SILENT_AFTER:
            problems.append(f"silent for {_ago(now - s.last_seen)}")
        if s.battery is not None and s.battery < LOW_BATTERY:
            problems.append(f"battery {s.battery:.0f}%")
        if s.sensor in reported.get("sensor_stuck", ()):
            problems.append("reads on for hours")
        if s.sensor in reported.get("sensor_alone", ()):
            problems.append("the only sensor reporting for a day")
        result.append(SensorHealth(s.sensor, s.room, s.last_seen, s.battery, s.online, "; ".join(problems)))
    return sorted(result, key=lambda s: (not s.problem, s.room, s.sensor))


def _ago(delta: dt.timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.0f} h" if hours < 48 else f"{hours / 24:.0f} days"
