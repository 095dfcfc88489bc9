"""The resident's routine, learned from their own history with numpy: what a normal day looks like.

:func:`learn` turns a history of events into a :class:`Routine`: per-day matrices (how long the
resident had been quiet at each 5-minute slot of the day, how active the day was by each hour,
how many places they moved through at night), each day's get-up time, how long each appliance
stays on, how often each sensor reports, what quiet follows each sensor at each hour, and which
door is the way out (``learn_exits``, for homes whose door sensor is not named "front"),
which appliances run by themselves (``learn_self_running``: a fridge, a meter on the mains;
their readings are then no sign of the resident), and every quiet spell of 20 minutes or more
with the sensor and hour it began (for the false-alert budget of ``analytics/quiet_budget.py``).
Quiet spells that begin at the way out or end with it are outings, not quiet at home.
The statistics themselves, over the history's activations as arrays, are in
``analytics/history_stats.py``; :func:`learn` reads the events once and assembles them. Detectors
derive their thresholds from these per-person figures (see ``analytics/detectors``). Persistence
lives in ``analytics/modelstore.py``.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from analytics import history_stats as stats
from analytics.history_stats import DAY_START_HOUR, SLOT_MIN, SLOTS
from analytics.sensors import HELD_KINDS, ActivationTracker, is_appliance, is_front_door, is_sleep_sensor, on_level
from hub.events import TECHNICAL_KINDS, Event

#: hours from DAY_START_HOUR to midnight
DAY_HOURS = 24 - DAY_START_HOUR
#: how many of the most recent days are kept in the per-day matrices
KEEP_DAYS = 56
#: a sensor is silent far longer than its own normal past this many times its longest silence in
#: the history, and never before a day (``silence_limit``)
SILENCE_FACTOR = 2.0
SILENCE_FLOOR_MIN = 24 * 60.0
#: a sensor never silent for long (a heartbeat, a meter's periodic report) sooner: past this many
#: times its longest silence, and never before an hour
HEARTBEAT_FACTOR = 4.0
HEARTBEAT_FLOOR_MIN = 60.0
#: a day with less activity than this fraction of the median day is an absent day
ABSENT_RATIO = 0.15


@dataclass
class Routine:
    """What is normal for one household, learned from its own history.

    Per-day matrices have one row per full history day (oldest first):
    ``quiet`` (minutes since the last activation at each 5-minute slot, 0 while out),
    ``activity`` (activations counted from 06:00 up to the end of each hour 06..05; NaN for the
    hours after the end of the history),
    ``night`` (most distinct places moved through within 30 minutes, per slot),
    ``night_minutes`` (most minutes with movement within 30 minutes, per slot),
    ``home`` (1 where the resident was at home at the slot, 0 while out).
    Days on which the home was nearly silent all day (away, or the sensors were off) are left
    out: they say nothing about a normal day (``absent_days`` lists them).
    """

    household: str
    origin: dt.datetime
    history_start: dt.datetime
    history_end: dt.datetime
    days: list[str]
    quiet: np.ndarray
    activity: np.ndarray
    night: np.ndarray
    wake_minutes: list[float]
    #: get-up minute of each row of the matrices (-1 where unknown)
    wake_by_day: list[float] = field(default_factory=list)
    home: np.ndarray = field(default_factory=lambda: np.zeros((0, SLOTS), dtype=np.float32))
    absent_days: list[str] = field(default_factory=list)
    front_door_night: list[float] = field(default_factory=list)
    out_durations: list[list[float]] = field(default_factory=list)
    appliance_minutes: dict[str, list[float]] = field(default_factory=dict)
    on_minutes: dict[str, list[float]] = field(default_factory=dict)
    #: per sensor, the quiet that followed its activations by day (07-21) at home:
    #: [times, 90th percentile, longest] in minutes
    follow_minutes: dict[str, list[float]] = field(default_factory=dict)
    sensor_max_silence: dict[str, float] = field(default_factory=dict)
    sensor_kinds: dict[str, str] = field(default_factory=dict)
    #: sensors in the bed or bedroom (by name, kind or room): their activity is not being up
    sleep_sensors: list[str] = field(default_factory=list)
    #: per sensor and hour of day (of the activation), the quiet at home that followed it:
    #: 24 pairs [times, longest minutes]
    follow_by_hour: dict[str, list[list[float]]] = field(default_factory=dict)
    #: per day (06:00 to 06:00), cumulative by the end of each hour 06..05: activations of sensors
    #: not in the bed (every report, not one a minute) and minutes at home; NaN past the history
    moves: np.ndarray = field(default_factory=lambda: np.zeros((0, 24), dtype=np.float32))
    home_minutes: np.ndarray = field(default_factory=lambda: np.zeros((0, 24), dtype=np.float32))
    #: doors learned to be the way out (besides any named front door), see ``history_stats.learn_exits``
    exit_sensors: list[str] = field(default_factory=list)
    #: appliances that switch on by themselves (a fridge, ``history_stats.learn_self_running``) or are on
    #: most of the time (a meter on the mains): neither is the resident's doing, nor left on
    self_running: list[str] = field(default_factory=list)
    night_minutes: np.ndarray = field(default_factory=lambda: np.zeros((0, SLOTS), dtype=np.float32))
    #: quiet spells at home (``analytics/quiet_budget.py``): per sensor, the spells of
    #: ``SPELL_MIN`` or more it began, [minute of day, minutes], and 24 hourly counts of all it began
    quiet_spells: dict[str, list[list[float]]] = field(default_factory=dict)
    spell_counts: dict[str, list[float]] = field(default_factory=dict)
    #: spells in the history when one sensor alone reported activity (``history_stats.learn_lone_spells``):
    #: common in a home with one motion sensor, a fault in a home whose resident sets off several
    lone_spells: int = 0

    @property
    def n_days(self) -> int:
        """How many full days of history the routine was learned from."""
        return len(self.days)

    def to_payload(self) -> dict[str, Any]:
        """Plain JSON-able numbers: what the hub saves and scores with (no pickles)."""
        return {
            "household": self.household,
            "origin": self.origin.isoformat(),
            "history_start": self.history_start.isoformat(),
            "history_end": self.history_end.isoformat(),
            "days": self.days,
            "quiet": np.round(self.quiet, 2).tolist(),
            "activity": self.activity.tolist(),
            "night": self.night.tolist(),
            "night_minutes": self.night_minutes.tolist(),
            "home": self.home.astype(int).tolist(),
            "absent_days": self.absent_days,
            "wake_minutes": self.wake_minutes,
            "wake_by_day": self.wake_by_day,
            "front_door_night": self.front_door_night,
            "out_durations": self.out_durations,
            "appliance_minutes": self.appliance_minutes,
            "on_minutes": self.on_minutes,
            "follow_minutes": self.follow_minutes,
            "sensor_max_silence": self.sensor_max_silence,
            "sensor_kinds": self.sensor_kinds,
            "sleep_sensors": self.sleep_sensors,
            "exit_sensors": self.exit_sensors,
            "self_running": self.self_running,
            "quiet_spells": self.quiet_spells,
            "spell_counts": self.spell_counts,
            "follow_by_hour": self.follow_by_hour,
            "moves": np.round(self.moves, 1).tolist(),
            "home_minutes": np.round(self.home_minutes, 1).tolist(),
            "lone_spells": self.lone_spells,
        }

    @classmethod
    def from_payload(cls, p: dict[str, Any]) -> Routine:
        """Rebuild a routine from :meth:`to_payload` output."""
        n = len(p["days"])
        return cls(
            household=p["household"],
            origin=dt.datetime.fromisoformat(p["origin"]),
            history_start=dt.datetime.fromisoformat(p["history_start"]),
            history_end=dt.datetime.fromisoformat(p["history_end"]),
            days=list(p["days"]),
            quiet=np.asarray(p["quiet"], dtype=np.float32).reshape(n, SLOTS),
            activity=np.asarray(p["activity"], dtype=np.float32).reshape(n, 24),
            night=np.asarray(p["night"], dtype=np.float32).reshape(n, SLOTS),
            night_minutes=np.asarray(p["night_minutes"], dtype=np.float32).reshape(n, SLOTS),
            home=np.asarray(p["home"], dtype=np.float32).reshape(n, SLOTS),
            absent_days=list(p["absent_days"]),
            wake_minutes=[float(x) for x in p["wake_minutes"]],
            wake_by_day=[float(x) for x in p["wake_by_day"]],
            front_door_night=[float(x) for x in p["front_door_night"]],
            out_durations=[[float(a), float(b)] for a, b in p["out_durations"]],
            appliance_minutes={k: [float(x) for x in v] for k, v in p["appliance_minutes"].items()},
            on_minutes={k: [float(x) for x in v] for k, v in p["on_minutes"].items()},
            follow_minutes={k: [float(x) for x in v] for k, v in p["follow_minutes"].items()},
            sensor_max_silence={k: float(v) for k, v in p["sensor_max_silence"].items()},
            sensor_kinds=dict(p["sensor_kinds"]),
            sleep_sensors=[str(x) for x in p["sleep_sensors"]],
            exit_sensors=[str(x) for x in p.get("exit_sensors", [])],
            self_running=[str(x) for x in p.get("self_running", [])],
            quiet_spells={k: [[float(a), float(b)] for a, b in v] for k, v in p.get("quiet_spells", {}).items()},
            spell_counts={k: [float(x) for x in v] for k, v in p.get("spell_counts", {}).items()},
            follow_by_hour={k: [[float(a), float(b)] for a, b in v] for k, v in p.get("follow_by_hour", {}).items()},
            moves=np.asarray(p.get("moves", np.zeros((n, 24))), dtype=np.float32).reshape(n, 24),
            home_minutes=np.asarray(p.get("home_minutes", np.zeros((n, 24))), dtype=np.float32).reshape(n, 24),
            lone_spells=int(p["lone_spells"]),
        )


def _minutes(t: dt.datetime, origin: dt.datetime) -> float:
    return (t - origin).total_seconds() / 60.0


def empty_routine(household: str = "", when: dt.datetime | None = None) -> Routine:
    """A routine with no days: a fresh install; detectors then use cautious population defaults."""
    when = when or dt.datetime(2000, 1, 1)
    return Routine(household=household, origin=when, history_start=when, history_end=when, days=[],
                   quiet=np.zeros((0, SLOTS), dtype=np.float32), activity=np.zeros((0, 24), dtype=np.float32),
                   night=np.zeros((0, SLOTS), dtype=np.float32), wake_minutes=[],
                   home=np.zeros((0, SLOTS), dtype=np.float32))


def silence_limit(longest_min: float | None, factor: float = SILENCE_FACTOR,
                  floor_min: float = SILENCE_FLOOR_MIN) -> float:
    """Minutes of silence after which a sensor whose longest silence was ``longest_min`` (None:
    unknown) counts as offline.

    A motion sensor in a room used once a day is silent for most of a day, so its limit is at
    least ``floor_min``. A sensor that was never silent for long in weeks (a Zigbee device's
    hourly heartbeat, a meter reporting every few minutes) shows that it is dead long before: its
    limit is ``HEARTBEAT_FACTOR`` times its longest silence (at least an hour) when that is
    shorter. The limit grows with the longest silence throughout."""
    if longest_min is None:
        return floor_min
    return max(factor * longest_min, min(floor_min, max(HEARTBEAT_FACTOR * longest_min, HEARTBEAT_FLOOR_MIN)))


def learn(events: Iterable[Event], household: str = "", *, drop_absent: bool = True,
          until: dt.datetime | None = None) -> Routine:
    """Learn the routine from a history of events (any order; technical events are ignored).

    An empty history gives :func:`empty_routine`. ``drop_absent=False`` keeps nearly silent days
    (to describe a day rather than learn what is normal). ``until`` is when the history is
    complete up to (default: the midnight after its last event)."""
    # equipment reports (a battery level, "online") are read too: they show a sensor is alive
    evs = sorted(events, key=lambda e: e.time)
    first = next((e.time for e in evs if e.is_activity), None)
    if first is None:
        return empty_routine(household)
    last = next(e.time for e in reversed(evs) if e.is_activity)
    r = _read(evs, first, last)
    kinds, names, end_m = r.kinds, r.names, r.end_m
    sensor_ids = {s: i for i, s in names.items()}
    sleep = {s for s in kinds if is_sleep_sensor(s, kinds[s], r.rooms[s])}
    bed_ids = np.asarray([names[i] in sleep for i in range(len(names))], dtype=bool)
    front_ids = np.asarray([is_front_door(names[i], kinds[names[i]]) for i in range(len(names))], dtype=bool)
    appliance = {k: [round(x, 2) for x in v] for k, v in r.durations.items() if is_appliance(k, kinds[k])}
    on_minutes = {k: stats.on_time_summary(v) for k, v in r.durations.items() if not is_appliance(k, kinds[k])}
    t, sid = r.t, r.sid
    self_running = sorted(set(stats.learn_self_running(t, sid, names, kinds, bed_ids))
                          | set(stats.learn_mostly_on(r.durations, r.on_since, kinds, r.first_m, end_m,
                                                      stats.uses_per_sensor(t, sid, names))))
    if self_running:  # their cycles are not the resident's doing: learned as the state ignores them
        keep = ~np.isin(sid, [sensor_ids[x] for x in self_running])
        t, sid = t[keep], sid[keep]
    bed = bed_ids[sid]
    named_front = front_ids[sid]
    exits = stats.learn_exits(t, sid, names, kinds, named=named_front)
    front = named_front | np.isin(sid, [sensor_ids[x] for x in exits])

    first_day = 0 if r.first_m < 60 else 1
    last_day = int(end_m // 1440)  # the history is taken to cover the whole of its last day
    day_idx = np.arange(first_day, last_day + 1)[-KEEP_DAYS:]
    days = [(r.origin + dt.timedelta(days=int(d))).date().isoformat() for d in day_idx]
    covered_until = (last_day + 1) * 1440 if until is None else max(_minutes(until, r.origin), end_m)
    quiet, home = _quiet_and_home(t, front, day_idx)
    activity = _activity_by_hour(t, sid, day_idx, covered_until)
    # night: most distinct non-bed places (and most minutes with movement) within the trailing
    # 30 minutes, per slot
    nonbed_t = t[~bed]
    night = stats.night_places(nonbed_t, sid[~bed], day_idx)
    night_minutes = stats.night_minutes(nonbed_t, day_idx)
    moves, home_min = stats.moves_and_home(t, bed, front, day_idx, covered_until)
    for sensor, since in r.on_since.items():
        if is_appliance(sensor, kinds[sensor]):
            # still on when the history ends: on at least this long (a door left open for days
            # must count before it is closed, or it would be news again tomorrow)
            appliance.setdefault(sensor, []).append(round(covered_until - since, 2))

    totals = activity[:, DAY_HOURS - 1]  # 06:00 to midnight: known for every day
    present = totals >= ABSENT_RATIO * (np.median(totals) if len(day_idx) else 0.0)
    if not drop_absent:
        present[:] = True
    absent_days = [d for d, ok in zip(days, present) if not ok]
    days = [d for d, ok in zip(days, present) if ok]
    day_idx = day_idx[present]
    wakes = (stats.wake_minute(nonbed_t, float(d * 1440)) for d in day_idx)
    wake_by_day = [round(w, 1) if w is not None else -1.0 for w in wakes]
    t_front, t_other = t[front], t[~front]
    spells, spell_counts = stats.home_quiet_spells(t, sid, front, names, day_idx)
    window_start = float(day_idx[0] * 1440) if day_idx.size else r.first_m
    in_window = t >= window_start
    return Routine(
        household=household, origin=r.origin, history_start=first, history_end=last, days=days,
        quiet=quiet[present], activity=activity[present], night=night[present],
        night_minutes=night_minutes[present], home=home[present], absent_days=absent_days,
        wake_minutes=[w for w in wake_by_day if w >= 0], wake_by_day=wake_by_day,
        front_door_night=[round(float(m % 1440), 1) for m in t_front if (m % 1440) < 6 * 60 or (m % 1440) >= 23 * 60],
        out_durations=stats.out_durations(t_front, t_other), appliance_minutes=appliance, on_minutes=on_minutes,
        follow_minutes=stats.follow_minutes(t, sid, front, names),
        sensor_max_silence=r.max_silence, sensor_kinds=kinds,
        sleep_sensors=sorted(sleep), exit_sensors=exits, self_running=self_running,
        follow_by_hour=stats.follow_by_hour(t, sid, front, names),
        moves=moves[present], home_minutes=home_min[present],
        quiet_spells=spells, spell_counts=spell_counts,
        lone_spells=stats.learn_lone_spells(t[in_window], sid[in_window], window_start, end_m),
    )


@dataclass
class _Readings:
    """One pass over a history's readings: its activations as arrays, and what each sensor did."""

    origin: dt.datetime  #: midnight before the first reading; times are minutes after it
    first_m: float
    end_m: float
    t: np.ndarray  #: activation times
    sid: np.ndarray  #: the sensor of each activation, as an id of ``names``
    names: dict[int, str]
    kinds: dict[str, str]
    rooms: dict[str, str]
    durations: dict[str, list[float]]  #: on-times of sensors that are held on (doors, mats, appliances)
    on_since: dict[str, float]  #: those still on when the history ends
    max_silence: dict[str, float]  #: each sensor's longest silence


def _read(evs: list[Event], first: dt.datetime, last: dt.datetime) -> _Readings:
    """Read the readings (sorted by time) once: activations, on-times and silences. Each sensor's
    silences are between any of its reports, as the live state counts them; the rest is about the
    resident's readings only, the first and last of which are ``first`` and ``last``."""
    origin = dt.datetime.combine(first.date(), dt.time())
    tracker = ActivationTracker()
    acts: list[float] = []
    act_sensor: list[int] = []
    sensor_ids: dict[str, int] = {}
    on_since: dict[str, float] = {}
    durations: dict[str, list[float]] = defaultdict(list)
    last_report: dict[str, float] = {}
    max_silence: dict[str, float] = {}
    kinds: dict[str, str] = {}
    rooms: dict[str, str] = {}
    first_m = _minutes(first, origin)
    for e in evs:  # every reading of weeks of history: kept lean
        sensor = e.sensor
        m = (e.time - origin).total_seconds() / 60.0
        silence = m - last_report.get(sensor, first_m)
        if silence > max_silence.get(sensor, 0.0):
            max_silence[sensor] = silence
        last_report[sensor] = m
        if e.kind in TECHNICAL_KINDS:
            continue
        if sensor not in kinds:
            kinds[sensor], rooms[sensor] = e.kind, e.room
        on = on_level(e)
        if e.kind in HELD_KINDS:
            if on:
                on_since.setdefault(sensor, m)
            elif sensor in on_since:
                durations[sensor].append(m - on_since.pop(sensor))
        if tracker.activation(e, on):
            acts.append(m)
            act_sensor.append(sensor_ids.setdefault(sensor, len(sensor_ids)))
    end_m = _minutes(last, origin)
    for s, m in last_report.items():
        # the silence still running when the history ends is normal only while within the limit:
        # past it, it may be the sensor's failure, which a nightly retrain must not make normal
        if end_m - m < silence_limit(max_silence.get(s)):
            max_silence[s] = max(max_silence.get(s, 0.0), end_m - m)
    return _Readings(origin, first_m, end_m, np.asarray(acts, dtype=float), np.asarray(act_sensor, dtype=int),
                     {i: s for s, i in sensor_ids.items()}, kinds, rooms, durations, on_since,
                     {s: round(m, 1) for s, m in max_silence.items()})


def _quiet_and_home(t: np.ndarray, front: np.ndarray, day_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per day row and slot: minutes quiet at home at the slot's start (0 while the resident is
    out: the front door then silence), and 1 at home / 0 out."""
    tau = (day_idx[:, None] * 1440 + np.arange(SLOTS)[None, :] * SLOT_MIN).astype(float)
    quiet = tau - stats.last_before(t, tau.ravel()).reshape(tau.shape)
    quiet = np.nan_to_num(quiet, nan=0.0).astype(np.float32)
    home = np.ones(quiet.shape, dtype=np.float32)
    t_front, t_other = t[front], t[~front]
    if t_front.size:
        out = stats.out_at(t_front, t_other, tau.ravel()).reshape(tau.shape)
        # a quiet spell that ended with the door was an outing too (the leaving went unseen)
        nxt = np.searchsorted(t, tau.ravel(), side="right")
        back = np.zeros(nxt.shape, dtype=bool)
        ok = nxt < t.size
        back[ok] = front[nxt[ok]]
        out |= back.reshape(tau.shape)
        quiet[out] = 0.0
        home[out] = 0.0
    return quiet, home


def _activity_by_hour(t: np.ndarray, sid: np.ndarray, day_idx: np.ndarray, covered_until: float) -> np.ndarray:
    """Per day row: activations (at most one per sensor per minute) counted from 06:00, cumulated
    by the end of each hour; NaN for the hours past ``covered_until`` (the night after the
    history's last day is unknown)."""
    activity = np.zeros((len(day_idx), 24), dtype=np.float32)
    if t.size:
        minute_keys = np.unique(np.stack([np.floor(t), sid]), axis=1)[0]
        for i, d in enumerate(day_idx):
            lo_m = d * 1440 + DAY_START_HOUR * 60
            edges = lo_m + 60 * np.arange(25)
            counts = np.searchsorted(minute_keys, edges[1:]).astype(np.float32) - np.searchsorted(minute_keys, lo_m)
            counts[edges[1:] > covered_until] = np.nan
            activity[i] = counts
    return activity
