"""The resident's routine, learned from their own history with numpy: what a normal day looks like.

:func:`learn` turns a history of events into a :class:`Routine`: per-day matrices (how long the
resident had been quiet at each 5-minute slot of the day, how active the day was by each hour,
how many places they moved through at night), each day's get-up time, how long each appliance
stays on, how often each sensor reports, what quiet follows each sensor at each hour, and which
door is the way out (:func:`learn_exits`, for homes whose door sensor is not named "front"),
which appliances run by themselves (:func:`learn_self_running`: a fridge, a meter on the mains;
their readings are then no sign of the resident), and every quiet spell of 20 minutes or more
with the sensor and hour it began (for the false-alert budget of ``analytics/quiet_budget.py``).
Quiet spells that begin at the way out or end with it are outings, not quiet at home.
Detectors derive their thresholds from these per-person figures (see ``analytics/detectors``).
Persistence lives in ``analytics/modelstore.py``.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from analytics.quiet_budget import spell_table
from analytics.sensors import HELD_KINDS, ActivationTracker, is_appliance, is_front_door, is_sleep_sensor, on_level
from hub.events import Event

SLOT_MIN = 5
SLOTS = 24 * 60 // SLOT_MIN
#: leaving: activations this soon after the front door still belong to going out
OUT_GRACE_MIN = 2.0
#: the day's activity is counted from this hour (the referee and carers think of "the day" so)
DAY_START_HOUR = 6
#: the hours of the day whose activations teach what quiet follows each sensor
FOLLOW_FROM_HOUR, FOLLOW_TO_HOUR = 7, 21
#: hours from DAY_START_HOUR to midnight
DAY_HOURS = 24 - DAY_START_HOUR
#: the trailing window in which night movement is measured
NIGHT_WINDOW_MIN = 30.0
#: getting up for the day: an activation from this hour on that starts an hour with activity in at
#: least ``WAKE_QUARTERS`` of its four quarters (a toilet trip at night does not count)
WAKE_FROM_HOUR, WAKE_QUARTERS = 3, 3
#: how many of the most recent days are kept in the per-day matrices
KEEP_DAYS = 56
#: a sensor is silent far longer than its own normal past this many times its longest silence in
#: the history, and never before a day (``silence_limit``)
SILENCE_FACTOR = 2.0
SILENCE_FLOOR_MIN = 24 * 60.0
#: an appliance switching on alone in the small hours on this share of the nights (and at least
#: on ``SELF_RUNNING_MIN_NIGHTS``) runs by itself (``learn_self_running``)
SELF_RUNNING_NIGHT_SHARE = 0.5
SELF_RUNNING_MIN_NIGHTS = 3
SELF_RUNNING_ALONE_MIN = 30.0
#: an appliance on for more than this share of the history runs by itself too (``_mostly_on``)
MOSTLY_ON_SHARE = 0.5
#: a day with less activity than this fraction of the median day is an absent day
ABSENT_RATIO = 0.15
#: one sensor alone made every activation for longer than this, with activity in at least
#: ``LONE_MIN_ACTIVE`` minutes of it: the spell ``learn_lone_spells`` counts and the technical
#: ``sensor_alone`` check reports
LONE_SPAN_MIN, LONE_MIN_ACTIVE = 24 * 60.0, 30
#: learning the way out: a daytime quiet spell this long (minutes) is probably an outing
EXIT_GAP_MIN = 120.0
#: a door or contact is an exit when it borders (last before / first after) at least this many such
#: spells and this share of its activations does: a named front door scores 0.1-0.35 on real and
#: simulated homes, inner doors and cupboards below 0.04
EXIT_MIN_SPELLS, EXIT_MIN_SHARE = 4, 0.08
#: kinds of sensor that can be the way out
EXIT_KINDS = ("door", "contact")


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
    #: doors learned to be the way out (besides any named front door), see :func:`learn_exits`
    exit_sensors: list[str] = field(default_factory=list)
    #: appliances that switch on by themselves (a fridge, :func:`learn_self_running`) or are on
    #: most of the time (a meter on the mains): neither is the resident's doing, nor left on
    self_running: list[str] = field(default_factory=list)
    night_minutes: np.ndarray = field(default_factory=lambda: np.zeros((0, SLOTS), dtype=np.float32))
    #: quiet spells at home (``analytics/quiet_budget.py``): per sensor, the spells of
    #: ``SPELL_MIN`` or more it began, [minute of day, minutes], and 24 hourly counts of all it began
    quiet_spells: dict[str, list[list[float]]] = field(default_factory=dict)
    spell_counts: dict[str, list[float]] = field(default_factory=dict)
    #: spells in the history when one sensor alone reported activity (:func:`learn_lone_spells`):
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


def _last_before(sorted_times: np.ndarray, at: np.ndarray) -> np.ndarray:
    """For each time in ``at``, the latest of ``sorted_times`` at or before it (NaN if none)."""
    idx = np.searchsorted(sorted_times, at, side="right") - 1
    out = np.full(at.shape, np.nan)
    ok = idx >= 0
    out[ok] = sorted_times[idx[ok]]
    return out


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
    unknown) counts as offline."""
    return max(factor * (longest_min or 0.0), floor_min)


def learn(events: Iterable[Event], household: str = "", *, drop_absent: bool = True,
          until: dt.datetime | None = None) -> Routine:
    """Learn the routine from a history of events (any order; technical events are ignored).

    An empty history gives :func:`empty_routine`. ``drop_absent=False`` keeps nearly silent days
    (to describe a day rather than learn what is normal). ``until`` is when the history is
    complete up to (default: the midnight after its last event)."""
    evs = sorted((e for e in events if e.is_activity), key=lambda e: e.time)
    if not evs:
        return empty_routine(household)
    first, last = evs[0].time, evs[-1].time
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
        if sensor not in kinds:
            kinds[sensor], rooms[sensor] = e.kind, e.room
        silence = m - last_report.get(sensor, first_m)
        if silence > max_silence.get(sensor, 0.0):
            max_silence[sensor] = silence
        last_report[sensor] = m
        on = on_level(e)
        if e.kind in HELD_KINDS:
            if on:
                on_since.setdefault(sensor, m)
            elif sensor in on_since:
                durations[sensor].append(m - on_since.pop(sensor))
        if tracker.activation(e, on):
            acts.append(m)
            act_sensor.append(sensor_ids.setdefault(sensor, len(sensor_ids)))
    sleep = {s for s in kinds if is_sleep_sensor(s, kinds[s], rooms[s])}
    bed_ids = [s in sleep for s in sensor_ids]
    front_ids = [is_front_door(s, kinds[s]) for s in sensor_ids]
    end_m = _minutes(last, origin)
    appliance = {k: [round(x, 2) for x in v] for k, v in durations.items() if is_appliance(k, kinds[k])}
    on_minutes = {k: _summary(v) for k, v in durations.items() if not is_appliance(k, kinds[k])}
    for s, m in last_report.items():
        # the silence still running when the history ends is normal only while within the limit:
        # past it, it may be the sensor's failure, which a nightly retrain must not make normal
        if end_m - m < silence_limit(max_silence.get(s)):
            max_silence[s] = max(max_silence.get(s, 0.0), end_m - m)
    max_silence = {s: round(m, 1) for s, m in max_silence.items()}
    t = np.asarray(acts, dtype=float)
    sid = np.asarray(act_sensor, dtype=int)
    names = {i: s for s, i in sensor_ids.items()}
    self_running = sorted(set(learn_self_running(t, sid, names, kinds, np.asarray(bed_ids, dtype=bool)))
                          | set(_mostly_on(durations, on_since, kinds, first_m, end_m, _uses(t, sid, names))))
    if self_running:  # their cycles are not the resident's doing: learned as the state ignores them
        keep = ~np.isin(sid, [sensor_ids[x] for x in self_running])
        t, sid = t[keep], sid[keep]
    bed = np.asarray(bed_ids, dtype=bool)[sid] if sid.size else np.zeros(0, dtype=bool)
    named_front = np.asarray(front_ids, dtype=bool)[sid] if sid.size else np.zeros(0, dtype=bool)
    exits = learn_exits(t, sid, names, kinds, named=named_front)
    front = named_front | np.isin(sid, [sensor_ids[x] for x in exits])

    first_day = 0 if (first - origin) < dt.timedelta(hours=1) else 1
    last_day = int(end_m // 1440)  # the history is taken to cover the whole of its last day
    day_idx = np.arange(first_day, last_day + 1)[-KEEP_DAYS:]
    days = [(origin + dt.timedelta(days=int(d))).date().isoformat() for d in day_idx]
    n = len(day_idx)

    # quiet at home at each slot start; zero while the resident is out (front door then silence)
    tau = (day_idx[:, None] * 1440 + np.arange(SLOTS)[None, :] * SLOT_MIN).astype(float)
    quiet = tau - _last_before(t, tau.ravel()).reshape(tau.shape)
    quiet = np.nan_to_num(quiet, nan=0.0)
    home = np.ones(quiet.shape, dtype=np.float32)
    t_front, t_other = t[front], t[~front]
    if t_front.size:
        out = out_at(t_front, t_other, tau.ravel()).reshape(tau.shape)
        # a quiet spell that ended with the door was an outing too (the leaving went unseen)
        nxt = np.searchsorted(t, tau.ravel(), side="right")
        back = np.zeros(nxt.shape, dtype=bool)
        ok = nxt < t.size
        back[ok] = front[nxt[ok]]
        out |= back.reshape(tau.shape)
        quiet[out] = 0.0
        home[out] = 0.0

    # activations (at most one per sensor per minute) counted from 06:00, cumulated per hour
    activity = np.zeros((n, 24), dtype=np.float32)
    covered_until = (last_day + 1) * 1440 if until is None else max(_minutes(until, origin), end_m)
    if t.size:
        minute_keys = np.unique(np.stack([np.floor(t), sid]), axis=1)[0]
        for i, d in enumerate(day_idx):
            lo_m = d * 1440 + DAY_START_HOUR * 60
            edges = lo_m + 60 * np.arange(25)
            counts = np.searchsorted(minute_keys, edges[1:]).astype(np.float32) - np.searchsorted(minute_keys, lo_m)
            counts[edges[1:] > covered_until] = np.nan  # the night after the history's last day is unknown
            activity[i] = counts

    # night: most distinct non-bed places within the trailing 30 minutes, per slot
    night = _night_places(t[~bed], sid[~bed], day_idx)
    night_minutes = _night_minutes(t[~bed], day_idx)

    moves, home_min = _moves_and_home(t, bed, front, day_idx, covered_until)
    for sensor, since in on_since.items():
        if is_appliance(sensor, kinds[sensor]):
            # still on when the history ends: on at least this long (a door left open for days
            # must count before it is closed, or it would be news again tomorrow)
            appliance.setdefault(sensor, []).append(round(covered_until - since, 2))

    totals = activity[:, DAY_HOURS - 1]  # 06:00 to midnight: known for every day
    present = totals >= ABSENT_RATIO * (np.median(totals) if n else 0.0)
    if not drop_absent:
        present[:] = True
    absent_days = [d for d, ok in zip(days, present) if not ok]
    days = [d for d, ok in zip(days, present) if ok]
    quiet, activity, night, home = quiet[present], activity[present], night[present], home[present]
    night_minutes = night_minutes[present]
    moves, home_min = moves[present], home_min[present]
    day_idx = day_idx[present]
    nonbed_t = t[~bed]
    wake_by_day = [w if w is not None else -1.0 for w in (wake_minute(nonbed_t, float(d * 1440)) for d in day_idx)]
    wake_by_day = [round(w, 1) for w in wake_by_day]
    wake = [w for w in wake_by_day if w >= 0]
    follow = _follow_minutes(t, sid, front, names)
    front_night = [round(float(m % 1440), 1) for m in t_front if (m % 1440) < 6 * 60 or (m % 1440) >= 23 * 60]
    outs = _out_durations(t_front, t_other)
    spells, spell_counts = _spells(t, sid, front, names, day_idx)
    window_start = float(day_idx[0] * 1440) if day_idx.size else first_m
    in_window = t >= window_start
    lone = learn_lone_spells(t[in_window], sid[in_window], window_start, end_m)
    return Routine(
        household=household, origin=origin, history_start=first, history_end=last, days=days,
        quiet=quiet.astype(np.float32), activity=activity, night=night, night_minutes=night_minutes, home=home,
        absent_days=absent_days,
        wake_minutes=wake, wake_by_day=wake_by_day,
        front_door_night=front_night, out_durations=outs, appliance_minutes=appliance, on_minutes=on_minutes,
        follow_minutes=follow,
        sensor_max_silence=max_silence, sensor_kinds=kinds,
        sleep_sensors=sorted(sleep), exit_sensors=exits, self_running=self_running,
        follow_by_hour=_follow_by_hour(t, sid, front, names), moves=moves, home_minutes=home_min,
        quiet_spells=spells, spell_counts=spell_counts, lone_spells=lone,
    )


def learn_lone_spells(t: np.ndarray, sid: np.ndarray, start_m: float, end_m: float) -> int:
    """How many times in the history (from ``start_m`` to ``end_m``) one sensor alone made every
    activation for over ``LONE_SPAN_MIN``, active in at least ``LONE_MIN_ACTIVE`` minutes of it.

    A run of one sensor's activations is alone from the last activation of another sensor before
    it (or the history's start) to the first after it (or the history's end)."""
    if t.size == 0:
        return 0
    starts = np.r_[0, np.flatnonzero(np.diff(sid)) + 1]
    ends = np.r_[starts[1:], t.size]
    before = np.r_[start_m, t[starts[1:] - 1]]
    after = np.r_[t[ends[:-1]], end_m]
    long = np.flatnonzero(after - before > LONE_SPAN_MIN)
    return sum(1 for i in long if np.unique(np.floor(t[starts[i]:ends[i]])).size >= LONE_MIN_ACTIVE)


def learn_exits(t: np.ndarray, sid: np.ndarray, names: dict[int, str], kinds: dict[str, str],
                named: np.ndarray | None = None) -> list[str]:
    """Doors the resident goes out through, learned from what borders long daytime silences.

    A door to the outside is the last thing before an outing and the first thing after it, so a
    large share of its activations border a quiet spell of ``EXIT_GAP_MIN`` or more that starts
    between 07:00 and 22:00; an inner door or a cupboard seldom does. This finds the way out in a
    home whose door sensor is not named "front" (the rule recovers the named front doors of the
    development homes). Named front doors are not listed (they are recognised by name)."""
    if t.size < 2:
        return []
    gaps = np.diff(t)
    tod = t[:-1] % 1440
    long = (gaps >= EXIT_GAP_MIN) & (tod >= 7 * 60) & (tod < 22 * 60)
    before, after = sid[:-1][long], sid[1:][long]
    spells = np.bincount(before, minlength=len(names)) + np.bincount(after[after != before], minlength=len(names))
    uses = np.bincount(sid, minlength=len(names))
    is_named = np.zeros(len(names), dtype=bool)
    if named is not None and named.size:
        is_named[np.unique(sid[named])] = True
    out = []
    for i in np.argsort(-spells / np.maximum(uses, 1)):
        name = names[int(i)]
        if is_named[i] or kinds.get(name) not in EXIT_KINDS:
            continue
        if spells[i] >= EXIT_MIN_SPELLS and spells[i] >= EXIT_MIN_SHARE * uses[i]:
            out.append(name)
    return out[:2]


def learn_self_running(t: np.ndarray, sid: np.ndarray, names: dict[int, str], kinds: dict[str, str],
                       sleep: np.ndarray) -> list[str]:
    """Appliances that switch on by themselves: a fridge, a freezer or a boiler on a power plug.

    On at least ``SELF_RUNNING_NIGHT_SHARE`` of the nights such a device switched on in the small
    hours (01:00-05:00) with no sensor of the resident (neither an appliance nor in the bed) within
    ``SELF_RUNNING_ALONE_MIN``; nobody uses a kettle or a stove alone in the dark night after night.
    Their cycles say nothing of the resident, and taken as activity they would keep the home of
    someone who has fallen looking busy. ``sleep`` flags the sensors (by id) in the bed or bedroom."""
    if not t.size:
        return []
    appliance = np.array([is_appliance(names[i], kinds[names[i]]) for i in range(len(names))], dtype=bool)
    resident = ~appliance & ~sleep
    if not appliance.any():
        return []
    people = t[resident[sid]]
    nights = np.unique(t // 1440).size
    out = []
    for i in np.flatnonzero(appliance):
        on = t[sid == i]
        small = on[(on % 1440 >= 60) & (on % 1440 < 300)]
        if not small.size:
            continue
        alone = small
        if people.size:
            pos = np.searchsorted(people, small)
            before = np.where(pos > 0, small - people[np.maximum(pos - 1, 0)], np.inf)
            after = np.where(pos < people.size, people[np.minimum(pos, people.size - 1)] - small, np.inf)
            alone = small[np.minimum(before, after) > SELF_RUNNING_ALONE_MIN]
        if np.unique(alone // 1440).size >= max(SELF_RUNNING_MIN_NIGHTS, SELF_RUNNING_NIGHT_SHARE * nights):
            out.append(names[int(i)])
    return sorted(out)


def _uses(t: np.ndarray, sid: np.ndarray, names: dict[int, str]) -> dict[str, int]:
    """Activations per sensor, one a minute (a plug's power and on/off readings are one use)."""
    keys = np.unique(np.floor(t).astype(np.int64) * max(len(names), 1) + sid)
    counts = np.bincount(keys % max(len(names), 1), minlength=len(names))
    return {names[i]: int(n) for i, n in enumerate(counts)}


def _mostly_on(durations: dict[str, list[float]], on_since: dict[str, float], kinds: dict[str, str],
               first_m: float, end_m: float, uses: dict[str, int]) -> list[str]:
    """Appliances on for more than ``MOSTLY_ON_SHARE`` of a history of half a day or more and used
    (switched on, ``uses``) at most once a week (once, in a short history): a meter on the mains
    above its threshold with the home's base load, a router. Nobody left them on. (A toaster whose
    door reed is often left open is opened every day: that one is the resident's, reported as a
    stuck sensor when it is; so is a microwave whose recording only says when it was used, never
    when it stopped.)"""
    span = end_m - first_m
    if span < 720:  # the first nightly retrain of a new hub knows its day of installation
        return []
    on = {s: sum(d) for s, d in durations.items()}
    for s, since in on_since.items():
        on[s] = on.get(s, 0.0) + end_m - since
    return [s for s, minutes in on.items() if is_appliance(s, kinds[s]) and minutes > MOSTLY_ON_SHARE * span
            and uses.get(s, 0) <= span / (7 * 1440) + 1]


def _summary(durations: list[float]) -> list[float]:
    """[uses, 50th, 95th, 99th percentile, longest] of a sensor's on-times in minutes."""
    a = np.asarray(durations, dtype=float)
    q = np.quantile(a, [0.5, 0.95, 0.99])
    return [float(a.size)] + [round(float(x), 2) for x in q] + [round(float(a.max()), 2)]


def wake_minute(times: np.ndarray, day_start: float) -> float | None:
    """Get-up time of one day (minutes after its midnight), from non-bed activation times.

    A minute from 03:00 starts the day when the hour from it has activity in at least 3 of its
    four quarters (a toilet trip at night does not count as getting up); the day started at the
    one whose third quarter came first (the earliest of those). Without one before 13:00, the first
    activation after the longest quiet gap between 22:00 the evening before and 13:00.
    Activations count by the whole minute they fall in and the day starts when the live rule
    (``HomeState.up_for_day``) would say so, so a learned get-up time and today's are comparable.
    """
    lo, hi = np.searchsorted(times, [day_start + WAKE_FROM_HOUR * 60, day_start + 780])
    # the starts up to 13:00, and the hour after the last of them
    minutes = np.floor(times[lo:np.searchsorted(times, day_start + 780 + 60)])
    up = seen = None  # the start chosen, and the minute its hour was seen to be enough
    for i in np.flatnonzero(np.diff(minutes[: hi - lo], prepend=-1.0) > 0):
        t = minutes[i]
        if seen is not None and t + 15 * (WAKE_QUARTERS - 1) > seen:
            break  # a later start cannot be seen sooner
        b = np.searchsorted(minutes, t + 60)
        new_quarter = np.flatnonzero(np.diff((minutes[i:b] - t) // 15) > 0)
        if new_quarter.size >= WAKE_QUARTERS - 1:
            when = minutes[i + new_quarter[WAKE_QUARTERS - 2] + 1]
            if seen is None or when < seen:
                up, seen = t, when
    if up is not None:
        return float(up - day_start)
    lo, hi = np.searchsorted(times, [day_start - 120, day_start + 780])
    ts = times[lo:hi]
    if ts.size < 2:
        return None
    gaps = np.diff(ts)
    return float(ts[int(np.argmax(gaps)) + 1] - day_start)


def _night_places(t: np.ndarray, sid: np.ndarray, day_idx: np.ndarray) -> np.ndarray:
    """Per day row and slot, the most distinct places (sensors) with an activation within the
    trailing 30 minutes of an activation in that slot (``t``: sorted activation times)."""
    times, sensors = t.tolist(), sid.tolist()
    places: list[int] = []
    in_window: dict[int, int] = {}  # activations per sensor in the window: its keys are the places
    oldest = 0
    for m, s in zip(times, sensors):  # every activation of weeks of history: kept lean
        in_window[s] = in_window.get(s, 0) + 1
        edge = m - NIGHT_WINDOW_MIN
        while times[oldest] <= edge:
            gone = sensors[oldest]
            left = in_window[gone] - 1
            if left:
                in_window[gone] = left
            else:
                del in_window[gone]
            oldest += 1
        places.append(len(in_window))
    return _most_per_slot(t, np.asarray(places, dtype=np.float32), day_idx)


def _night_minutes(t: np.ndarray, day_idx: np.ndarray) -> np.ndarray:
    """Per day row and slot, the most minutes with an activation within the trailing 30 minutes of
    an activation in that slot (``t``: sorted activation times, minutes after the origin)."""
    minute = np.floor(t)
    keys = np.unique(minute)
    latest = t[np.searchsorted(t, keys + 1.0) - 1]  # each minute's last activation
    # minutes up to this activation's own whose last activation is within the window
    counts = np.searchsorted(keys, minute, side="right") - np.searchsorted(latest, t - NIGHT_WINDOW_MIN, side="right")
    return _most_per_slot(t, counts.astype(np.float32), day_idx)


def _most_per_slot(t: np.ndarray, values: np.ndarray, day_idx: np.ndarray) -> np.ndarray:
    """Per day row (``day_idx``) and 5-minute slot, the largest of ``values`` whose activation
    time in ``t`` falls in it (0 where none does)."""
    out = np.zeros((len(day_idx), SLOTS), dtype=np.float32)
    if t.size == 0 or len(day_idx) == 0:
        return out
    day = t // 1440
    rows = np.searchsorted(day_idx, day)
    ok = (rows < len(day_idx)) & (day_idx[np.minimum(rows, len(day_idx) - 1)] == day)
    slots = ((t % 1440) // SLOT_MIN).astype(int)
    np.maximum.at(out, (rows[ok], slots[ok]), values[ok])
    return out


def _follow_minutes(t: np.ndarray, sid: np.ndarray, front: np.ndarray, names: dict[int, str]) -> dict:
    """For each sensor: [count, 90th percentile, longest] of the quiet after its activations that
    happened between 07:00 and 21:00, the resident at home (not after the front door)."""
    if t.size < 2:
        return {}
    gaps = np.diff(t)
    tod = t[:-1] % 1440
    # after the door, or ended by the door (coming home): an outing, not quiet at home
    keep = (tod >= FOLLOW_FROM_HOUR * 60) & (tod < FOLLOW_TO_HOUR * 60) & ~front[:-1] & ~front[1:]
    out = {}
    for i in np.unique(sid[:-1][keep]):
        g = gaps[keep & (sid[:-1] == i)]
        out[names[int(i)]] = [float(g.size), round(float(np.quantile(g, 0.9)), 1), round(float(g.max()), 1)]
    return out


def out_at(t_front: np.ndarray, t_other: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Whether the resident was out at each of the times ``at``, by the rule ``HomeState.out``
    applies reading by reading: the front door (or a learned exit) was the last activation, or
    movement came only within ``OUT_GRACE_MIN`` after it, which belongs to leaving. A door opened
    while out is coming home: any movement after it means home. ``t_front``, ``t_other``: sorted
    activation times of the doors and of every other sensor."""
    if t_front.size == 0:
        return np.zeros(at.shape, dtype=bool)
    # each door, in turn: was the resident out just before it (so it is the door of coming home)?
    other_before = _last_before(t_other, t_front).tolist()
    fronts = t_front.tolist()
    coming_home = [False] * len(fronts)
    for k in range(1, len(fronts)):
        grace = 0.0 if coming_home[k - 1] else OUT_GRACE_MIN
        coming_home[k] = not (other_before[k] > fronts[k - 1] + grace)  # NaN (none yet): out
    last_door = np.searchsorted(t_front, at, side="right") - 1
    door = np.maximum(last_door, 0)
    grace = np.where(np.asarray(coming_home)[door], 0.0, OUT_GRACE_MIN)
    lo = _last_before(t_other, at)
    return (last_door >= 0) & ~(lo > t_front[door] + grace)  # NaN (nothing since): out


def _moves_and_home(t: np.ndarray, bed: np.ndarray, front: np.ndarray, day_idx: np.ndarray,
                    covered_until: float) -> tuple[np.ndarray, np.ndarray]:
    """Per activity day (06:00 to 06:00) and hour: cumulative activations of non-bed sensors, and
    cumulative minutes at home (not after the door with nothing since, as the live state sees it). NaN for hours past ``covered_until``."""
    n = len(day_idx)
    moves = np.zeros((n, 24), dtype=np.float32)
    home_min = np.zeros((n, 24), dtype=np.float32)
    if t.size == 0 or n == 0:
        return moves, home_min
    starts = day_idx * 1440.0 + DAY_START_HOUR * 60
    edges = starts[:, None] + 60.0 * np.arange(1, 25)[None, :]
    moving = np.sort(t[~bed])
    moves[:] = np.searchsorted(moving, edges.ravel()).reshape(edges.shape) - np.searchsorted(moving, starts)[:, None]
    minutes = starts[:, None] + np.arange(24 * 60)[None, :] + 0.5
    flat = minutes.ravel()
    # as the live state sees it (it cannot know yet that a spell will end with the door)
    out = out_at(t[front], t[~front], flat)
    at_home = (~out).reshape(minutes.shape).astype(np.float32)
    home_min[:] = at_home.reshape(n, 24, 60).sum(axis=2).cumsum(axis=1)
    unknown = edges > covered_until
    moves[unknown] = np.nan
    home_min[unknown] = np.nan
    return moves, home_min


def _follow_by_hour(t: np.ndarray, sid: np.ndarray, front: np.ndarray, names: dict[int, str]) -> dict:
    """Per sensor, per hour of day of its activation: [times, longest quiet that followed] at
    home (not after the door, nor ended by it)."""
    if t.size < 2:
        return {}
    gaps = np.diff(t)
    hour = ((t[:-1] % 1440) // 60).astype(int)
    keep = ~front[:-1] & ~front[1:]
    out = {}
    for i in np.unique(sid[:-1][keep]):
        sel = keep & (sid[:-1] == i)
        counts = np.bincount(hour[sel], minlength=24)
        longest = np.zeros(24)
        np.maximum.at(longest, hour[sel], gaps[sel])
        out[names[int(i)]] = [[float(c), round(float(m), 1)] for c, m in zip(counts, longest)]
    return out


def _spells(t: np.ndarray, sid: np.ndarray, front: np.ndarray, names: dict[int, str],
            present_days: np.ndarray) -> tuple[dict, dict]:
    """Quiet spells at home as the live state sees them: not begun at the door or just after it
    (out), begun on days at home (``present_days``). A spell that ended with the door is kept: the
    live state cannot know the resident had slipped out unseen, so it costs alerts all the same.
    See :func:`analytics.quiet_budget.spell_table`."""
    if t.size < 2:
        return {}, {}
    out_start = out_at(t[front], t[~front], t)
    keep_start = np.isin((t // 1440).astype(int), present_days)
    return spell_table(t, sid, names, out_start, np.zeros(t.size - 1, dtype=bool), keep_start)


def _out_durations(t_front: np.ndarray, t_other: np.ndarray) -> list[list[float]]:
    """[minute of day of leaving, minutes away] for each time the resident went out: the front
    door, then nothing for more than 5 minutes until the door or another sensor fires again.
    A front door opened after such an absence is the return, not another going out."""
    outs = []
    away_until = -np.inf
    for f in t_front:
        if f <= away_until:
            continue  # the door of coming back
        j = np.searchsorted(t_other, f + OUT_GRACE_MIN, side="right")
        k = np.searchsorted(t_front, f + OUT_GRACE_MIN, side="right")
        back = min(t_other[j] if j < t_other.size else np.inf, t_front[k] if k < t_front.size else np.inf)
        if np.isfinite(back) and back - f > 5:
            outs.append([round(float(f % 1440), 1), round(float(back - f), 1)])
            away_until = back
    return outs
