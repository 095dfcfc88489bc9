"""The office's own tables: what each hub last said about itself and its sensors.

Raw events never reach the office, so it cannot judge a hub or a sensor from events as a hub
does. Instead it keeps (migration component ``office``):

- ``hub_status``: each hub's last state (``online``/``offline``, from its retained heartbeat and
  last will), since when, when anything was last heard from it, and the ``hub_offline`` alert
  raised for the current outage (so an outage alerts once);
- ``office_sensor_health``: the sensor health list each hub last sent;
- ``office_received``: the ids of the uplink messages already applied (at-least-once delivery
  may bring one twice).

This module only reads and judges; :mod:`hub.office` writes. It imports nothing heavy, so the
panel can use it. On a hub's store the tables do not exist and the readers return nothing.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from hub.clock import elapsed, utc
from hub.events import parse_time
from hub.store import Store

OFFICE_MIGRATIONS: tuple[str, ...] = (
    # 1: hubs' status, their sensors' health, and the uplink messages already applied
    """
    CREATE TABLE office_received (
        id TEXT PRIMARY KEY,
        topic TEXT NOT NULL,
        received TEXT NOT NULL
    );
    CREATE INDEX office_received_received ON office_received(received);
    CREATE TABLE office_sensor_health (
        household TEXT NOT NULL,
        sensor TEXT NOT NULL,
        kind TEXT NOT NULL DEFAULT '',
        room TEXT NOT NULL DEFAULT '',
        last_seen TEXT NOT NULL,
        battery REAL,
        online INTEGER,
        updated TEXT NOT NULL,
        PRIMARY KEY (household, sensor)
    );
    CREATE TABLE hub_status (
        household TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        since TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        outage_since TEXT,
        outage_alert INTEGER
    );
    """,
    # 2: since when a hub is in its state, and when it was last heard, also in UTC: by the wall
    # clock, every hub looks an hour silent when the clocks go forward, and one that dies in the
    # hour they go back is missed for an hour
    """
    ALTER TABLE hub_status ADD COLUMN since_utc TEXT;
    ALTER TABLE hub_status ADD COLUMN last_seen_utc TEXT;
    """,
)

#: the default for ``office.hub_offline_after_minutes``
DEFAULT_OFFLINE_AFTER = dt.timedelta(minutes=20)


@dataclass(frozen=True)
class HubStatus:
    """One hub as the office last heard it.

    ``state`` is what the hub last said (``online``, or ``offline`` from its last will or a clean
    stop) and ``since`` when that state began; ``last_seen`` is the last message of any kind.
    ``outage_alert`` is the id of the ``hub_offline`` alert raised for the current outage. The
    ``_utc`` twins are the same times in UTC (``None`` in a row from before office schema 2 until
    the hub is heard again), by which how long a hub has been gone is reckoned.
    """

    household: str
    state: str
    since: dt.datetime
    last_seen: dt.datetime
    outage_since: dt.datetime | None = None
    outage_alert: int | None = None
    since_utc: dt.datetime | None = None
    last_seen_utc: dt.datetime | None = None

    def gone_for(self, now: dt.datetime, zone: dt.tzinfo | None = dt.timezone.utc) -> dt.timedelta:
        """How long the hub has been offline or silent at ``now``, a wall-clock time in ``zone``."""
        went, went_utc = (self.since, self.since_utc) if self.state == "offline" else (self.last_seen,
                                                                                         self.last_seen_utc)
        return utc(now, zone) - went_utc if went_utc is not None else elapsed(went, now, zone)

    def down_since(self, now: dt.datetime, after: dt.timedelta = DEFAULT_OFFLINE_AFTER,
                   zone: dt.tzinfo | None = dt.timezone.utc) -> dt.datetime | None:
        """When the hub went away, if it has been offline or silent for longer than ``after`` at
        ``now`` (in ``zone``, the office clock's); ``None`` while it counts as up. A hub that
        reboots within ``after`` never counts."""
        if self.gone_for(now, zone) <= after:
            return None
        return self.since if self.state == "offline" else self.last_seen


def has_office_tables(store: Store) -> bool:
    """Whether this store is an office's (its ``office`` migration has run)."""
    return bool(store.query("SELECT 1 FROM sqlite_master WHERE type='table' AND name='hub_status'"))


def _status(row) -> HubStatus:
    return HubStatus(row["household"], row["state"], parse_time(row["since"]), parse_time(row["last_seen"]),
                     parse_time(row["outage_since"]), row["outage_alert"], parse_time(row["since_utc"]),
                     parse_time(row["last_seen_utc"]))


def hub_statuses(store: Store) -> list[HubStatus]:
    """Every hub the office has heard from, by household id (none on a hub's store)."""
    if not has_office_tables(store):
        return []
    return [_status(r) for r in store.query("SELECT * FROM hub_status ORDER BY household")]


def hub_status(store: Store, household: str) -> HubStatus | None:
    """The household's hub as last heard; ``None`` when the office never heard it (or this is a hub)."""
    if not has_office_tables(store):
        return None
    rows = store.query("SELECT * FROM hub_status WHERE household=?", (household,))
    return _status(rows[0]) if rows else None


@dataclass(frozen=True)
class ReportedSensor:
    """A sensor as its hub last reported it upstream (``updated`` is the report's time)."""

    household: str
    sensor: str
    kind: str
    room: str
    last_seen: dt.datetime
    battery: float | None
    online: bool | None
    updated: dt.datetime


def reported_sensors(store: Store, household: str) -> list[ReportedSensor]:
    """The sensor health the household's hub last sent, by sensor (none on a hub's store)."""
    if not has_office_tables(store):
        return []
    rows = store.query("SELECT household, sensor, kind, room, last_seen, battery, online, updated "
                       "FROM office_sensor_health WHERE household=? ORDER BY sensor", (household,))
    return [ReportedSensor(r[0], r[1], r[2], r[3], parse_time(r[4]), r[5], None if r[6] is None else bool(r[6]),
                           parse_time(r[7])) for r in rows]
