"""Sensor health from the store: when each sensor was last heard, its battery and availability.

Used by the uplink (``eldercare/<household>/health``) and the panel. It reads stored events only,
so it works the same for MQTT, GPIO and imported sensors.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from hub.events import Event, format_time
from hub.store import Store


@dataclass(frozen=True)
class SensorHealth:
    """What the store knows about one sensor's equipment.

    ``last_seen`` is the last reading of any kind; ``last_activity`` the last activity reading;
    ``battery`` the last battery percent and ``online`` the last availability (None when the sensor
    never reported one).
    """

    sensor: str
    room: str
    last_seen: dt.datetime
    last_activity: dt.datetime | None
    battery: float | None
    battery_time: dt.datetime | None
    online: bool | None
    online_time: dt.datetime | None

    def silent_for(self, now: dt.datetime) -> dt.timedelta:
        """How long the sensor has been silent at ``now``."""
        return now - self.last_seen

    def to_json(self) -> dict:
        """The health record as sent upstream."""
        def iso(t: dt.datetime | None) -> str | None:
            return format_time(t) if t else None
        return {"sensor": self.sensor, "room": self.room, "last_seen": iso(self.last_seen),
                "last_activity": iso(self.last_activity), "battery": self.battery,
                "battery_time": iso(self.battery_time), "online": self.online, "online_time": iso(self.online_time)}


HEALTH_MIGRATIONS: tuple[str, ...] = (
    # 1: battery and availability readings are a small share of the events; these partial indexes
    # find a sensor's last one with one seek instead of a walk back through all its readings
    """
    CREATE INDEX events_battery ON events(sensor, ts) WHERE kind = 'battery';
    CREATE INDEX events_availability ON events(sensor, ts) WHERE kind = 'availability';
    """,
)

# The distinct sensor names by a loose index scan over events_sensor_ts: one index seek per sensor
# instead of a scan of every event (a year of a busy home is millions of rows).
_SENSORS = """
WITH RECURSIVE s(sensor) AS (
    SELECT min(sensor) FROM events
    UNION ALL
    SELECT (SELECT min(sensor) FROM events WHERE sensor > s.sensor) FROM s WHERE s.sensor IS NOT NULL
)
SELECT sensor FROM s WHERE sensor IS NOT NULL
"""
_LAST = ("SELECT ts, value, room, kind, source_id FROM events WHERE sensor=? AND household=? AND ts < ? {kinds} "
         "ORDER BY ts DESC, id DESC LIMIT 1")
#: later than any stored time: "before the end of time"
_NO_END = "9999"
_KINDS = {
    "any": "",
    "activity": "AND kind NOT IN ('battery', 'availability')",
    "battery": "AND kind = 'battery'",
    "availability": "AND kind = 'availability'",
}


def _last(store: Store, sensor: str, household: str, which: str,
          before: str = _NO_END) -> tuple[dt.datetime, float, str, str, str] | None:
    rows = store.query(_LAST.format(kinds=_KINDS[which]), (sensor, household, before))
    return (dt.datetime.fromisoformat(rows[0][0]), *tuple(rows[0])[1:]) if rows else None


def last_readings(store: Store, household: str, before: dt.datetime) -> list[Event]:
    """The household's last activity, battery and availability reading of each sensor before
    ``before``, in time order (what a restarted hub must know of the time before what it reads
    in full: a sensor silent for a week, a door left open)."""
    store.migrate("health", HEALTH_MIGRATIONS)
    cutoff = format_time(before)
    found = []
    for (sensor,) in store.query(_SENSORS):
        for which in ("activity", "battery", "availability"):
            row = _last(store, sensor, household, which, cutoff)
            if row is not None:
                ts, value, room, kind, source_id = row
                found.append(Event(ts, sensor, kind, value, room, household, source_id))
    return sorted(found, key=lambda e: e.time)


def sensor_health(store: Store, household: str) -> list[SensorHealth]:
    """Health of every sensor the household's store has heard from, by sensor name."""
    store.migrate("health", HEALTH_MIGRATIONS)
    result = []
    for (sensor,) in store.query(_SENSORS):
        seen = _last(store, sensor, household, "any")
        if seen is None:  # a sensor of another household in an all-in-one store
            continue
        act = _last(store, sensor, household, "activity")
        bat = _last(store, sensor, household, "battery")
        av = _last(store, sensor, household, "availability")
        result.append(SensorHealth(
            sensor=sensor, room=act[2] if act else seen[2], last_seen=seen[0],
            last_activity=act[0] if act else None,
            battery=bat[1] if bat else None, battery_time=bat[0] if bat else None,
            online=bool(av[1] > 0) if av else None, online_time=av[0] if av else None))
    return result
