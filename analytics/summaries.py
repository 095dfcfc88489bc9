"""Hourly summaries per (hour, room, kind): what goes upstream instead of raw events.

For every clock hour, room and activity kind:

- ``events``: activations. For binary kinds, readings with a value above 0 (motion seen, door
  opened, appliance switched on); for the level kinds ``power`` and ``light``, the readings that
  turn the level on (power above 0, light at least ``light_on``) after it was off or unknown, so
  a plug reporting 41 W every 30 s counts once, not 120 times an hour;
- ``active_minutes``: distinct minutes of the hour holding an activation, or, for levels, during
  which the level was on;
- ``energy_wh`` (``power`` only): watts integrated over time, step-wise: each reading holds until
  the sensor's next reading, but never longer than ``max_hold`` (a plug that stops reporting is
  not assumed to keep drawing power), split exactly at hour boundaries;
- ``light_on_minutes`` (``light`` only): minutes a light sensor read at least ``light_on`` (1 for
  on/off sensors; lux for level sensors), held step-wise like power but up to ``light_max_hold``
  (on/off light sensors report only changes).

Technical kinds (battery, availability) are not summarised. :func:`hourly_summaries` is a pure
function over events; :func:`write_summaries` computes a time range from the store and upserts it
into the core ``summaries`` table.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from hub.events import ACTIVITY_KINDS, Event, format_time
from hub.store import Store

HOUR = dt.timedelta(hours=1)
DEFAULT_MAX_HOLD = dt.timedelta(hours=1)
DEFAULT_LIGHT_MAX_HOLD = dt.timedelta(hours=12)
_TICK = dt.timedelta(microseconds=1)
#: how much of the store write_summaries reads at a time
WINDOW = dt.timedelta(days=1)


@dataclass(frozen=True)
class HourlySummary:
    """One row of the ``summaries`` table."""

    household: str
    hour: dt.datetime
    room: str
    kind: str
    events: int
    active_minutes: int
    energy_wh: float = 0.0
    light_on_minutes: int = 0

    def to_json(self) -> dict:
        """The summary as sent upstream (hour as ISO text, energy rounded to 0.1 mWh)."""
        data = asdict(self)
        data["hour"] = format_time(self.hour)
        data["energy_wh"] = round(self.energy_wh, 4)
        return data


def floor_hour(when: dt.datetime) -> dt.datetime:
    """The start of the clock hour holding ``when``."""
    return when.replace(minute=0, second=0, microsecond=0)


class _Bucket:
    __slots__ = ("events", "minutes", "energy_ws", "light_s")

    def __init__(self) -> None:
        self.events = 0
        self.minutes: set[int] = set()
        self.energy_ws = 0.0
        self.light_s = 0.0


def hourly_summaries(events: Iterable[Event], *, since: dt.datetime | None = None,
                     until: dt.datetime | None = None, household: str | None = None,
                     max_hold: dt.timedelta = DEFAULT_MAX_HOLD, light_on: float = 1.0,
                     light_max_hold: dt.timedelta = DEFAULT_LIGHT_MAX_HOLD) -> list[HourlySummary]:
    """Summaries of ``events`` (in time order) per hour, room and kind, sorted by hour.

    Events before ``since`` are used only as the starting level of power and light sensors;
    ``until`` ends the last reading's hold. Only hours within [since, until) are returned when the
    bounds are given. ``household`` overrides the events' own household in the result.
    """
    buckets: dict[tuple[dt.datetime, str, str, str], _Bucket] = {}
    # (sensor, kind) -> (time, value, room, household) of the level in force (power and light)
    level: dict[tuple[str, str], tuple[dt.datetime, float, str, str]] = {}
    holds = {"power": max_hold, "light": light_max_hold}

    def is_on(kind: str, value: float) -> bool:
        return value >= light_on if kind == "light" else value > 0

    def bucket(hour: dt.datetime, room: str, kind: str, house: str) -> _Bucket:
        key = (hour, room, kind, house)
        b = buckets.get(key)
        if b is None:
            b = buckets[key] = _Bucket()
        return b

    def close_level(key: tuple[str, str], end: dt.datetime) -> None:
        """Credit the level in force for ``key`` from its reading until ``end`` (capped)."""
        start, value, room, house = level.pop(key)
        kind = key[1]
        if not is_on(kind, value):
            return
        end = min(end, start + holds[kind])
        if since is not None:
            start = max(start, since)
        t = start
        while t < end:
            hour = floor_hour(t)
            stop = min(end, hour + HOUR)
            seconds = (stop - t).total_seconds()
            b = bucket(hour, room, kind, house)
            last = 59 if stop == hour + HOUR else (stop - _TICK).minute  # minute holding the final instant
            b.minutes.update(range(t.minute, last + 1))
            if kind == "power":
                b.energy_ws += value * seconds
            else:
                b.light_s += seconds
            t = stop

    for e in events:
        if e.kind not in ACTIVITY_KINDS:
            continue
        if until is not None and e.time >= until:
            break
        house = household if household is not None else e.household
        if e.kind in holds:
            key = (e.sensor, e.kind)
            was_on = key in level and is_on(e.kind, level[key][1])
            if key in level:
                close_level(key, e.time)
            level[key] = (e.time, e.value, e.room, house)
            if is_on(e.kind, e.value) and not was_on and (since is None or e.time >= since):
                bucket(floor_hour(e.time), e.room, e.kind, house).events += 1
            continue
        if since is not None and e.time < since:
            continue
        if e.value > 0:
            b = bucket(floor_hour(e.time), e.room, e.kind, house)
            b.events += 1
            b.minutes.add(e.time.minute)
    for key in list(level):
        close_level(key, until if until is not None else level[key][0] + holds[key[1]])

    out = []
    for (hour, room, kind, house), b in buckets.items():
        if until is not None and hour >= until:
            continue
        out.append(HourlySummary(house, hour, room, kind, b.events, len(b.minutes),
                                 b.energy_ws / 3600.0, round(b.light_s / 60.0)))
    out.sort(key=lambda s: (s.hour, s.room, s.kind))
    return out


def write_summaries(store: Store, household: str, since: dt.datetime, until: dt.datetime, *,
                    max_hold: dt.timedelta = DEFAULT_MAX_HOLD,
                    light_max_hold: dt.timedelta = DEFAULT_LIGHT_MAX_HOLD) -> list[HourlySummary]:
    """Compute the summaries of the whole hours in [since, until) and upsert them.

    Hours with no activity get no row; rows already stored for those hours are replaced, so the
    job can be re-run (e.g. after late events arrived) without double counting. A long range (the
    first run after importing a year) is read a day at a time, so memory stays small on a Pi.
    """
    since, until = floor_hour(since), floor_hour(until)
    lookback = max(max_hold, light_max_hold)  # a level read before a window still counts in it
    rows: list[HourlySummary] = []
    start = since
    while start < until:
        stop = min(until, start + WINDOW)
        events = store.events(start - lookback, stop, household=household)
        rows += hourly_summaries(events, since=start, until=stop, household=household, max_hold=max_hold,
                                 light_max_hold=light_max_hold)
        start = stop
    with store.transaction() as conn:
        conn.execute("DELETE FROM summaries WHERE household=? AND hour>=? AND hour<?",
                     (household, format_time(since), format_time(until)))
        store.put_summaries([(s.household, format_time(s.hour), s.room, s.kind, s.events, s.active_minutes,
                              s.energy_wh, s.light_on_minutes) for s in rows], conn)
    return rows


class Arrivals:
    """What a summarising job (``job``: ``hourly``, ``daily``) has not taken in yet: the clock hours
    holding the household's events stored since its last run (every hour with events, the first
    time), found by event id, so readings stored late (delivered hours late, an imported history)
    are summarised too. :meth:`taken` records the run once its summaries are written; a run that
    fails leaves them to the next."""

    def __init__(self, store: Store, household: str, job: str) -> None:
        self.store, self.household, self.job = store, household, job
        self.newest = store.newest_event_id()
        self.hours = store.hours_stored_between(household, store.summary_mark(household, job), self.newest)

    def taken(self) -> None:
        """Record that every event up to :attr:`newest` is summarised."""
        self.store.set_summary_mark(self.household, self.job, self.newest)


def _spans(hours: Iterable[dt.datetime], length: dt.timedelta) -> list[tuple[dt.datetime, dt.datetime]]:
    """Time-ordered ``hours`` as the fewest [start, end) spans covering ``length`` from each."""
    spans: list[tuple[dt.datetime, dt.datetime]] = []
    for h in hours:
        if spans and h <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], h + length))
        else:
            spans.append((h, h + length))
    return spans


def write_new_summaries(store: Store, household: str, now: dt.datetime) -> list[HourlySummary]:
    """The hourly job: summarise the finished hours since the last summarised one, and again every
    earlier hour that got readings since the last run (with the hour after it, which a power
    reading held over reaches). Returns the rows written, to send upstream."""
    arrivals = Arrivals(store, household, "hourly")
    last = store.query("SELECT max(hour) FROM summaries WHERE household=?", (household,))[0][0]
    if last:
        start = dt.datetime.fromisoformat(last)  # it may have been summarised part-way through: again
    elif arrivals.hours:
        start = arrivals.hours[0]
    else:
        start = floor_hour(now) - HOUR
    late = _spans((h for h in arrivals.hours if h < start), HOUR + DEFAULT_MAX_HOLD)
    rows: list[HourlySummary] = []
    for since, until in [(a, min(b, start)) for a, b in late] + [(start, now)]:
        rows += write_summaries(store, household, since, until)
    arrivals.taken()
    return rows


def read_summaries(store: Store, household: str, since: dt.datetime, until: dt.datetime) -> list[HourlySummary]:
    """Stored summaries of the hours in [since, until), by hour, room, kind."""
    rows = store.query("SELECT household, hour, room, kind, events, active_minutes, energy_wh, light_on_minutes "
                       "FROM summaries WHERE household=? AND hour>=? AND hour<? ORDER BY hour, room, kind",
                       (household, format_time(since), format_time(until)))
    return [HourlySummary(r[0], dt.datetime.fromisoformat(r[1]), r[2], r[3], r[4], r[5], r[6], r[7]) for r in rows]
