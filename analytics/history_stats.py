"""What a history's activations say, computed with numpy: the statistics a routine is made of.

Every function here takes the activations of a history as arrays: ``t``, their times in minutes
after the history's origin (sorted), and ``sid``, the sensor of each as an id (``names`` maps the
ids back). :func:`analytics.routine.learn` turns events into those arrays and assembles the
results into a :class:`~analytics.routine.Routine`; the live state (``analytics/state.py``) applies
the same rules reading by reading (getting up, going out), so what is learned and what is seen
today are comparable. The constants are the rules' own figures, shared with the live side.
"""
from __future__ import annotations

import numpy as np

from analytics.quiet_budget import spell_table
from analytics.sensors import is_appliance

#: the day is judged in 5-minute slots
SLOT_MIN = 5
SLOTS = 24 * 60 // SLOT_MIN
#: leaving: activations this soon after the front door still belong to going out
OUT_GRACE_MIN = 2.0
#: the day's activity is counted from this hour (the referee and carers think of "the day" so)
DAY_START_HOUR = 6
#: the hours of the day whose activations teach what quiet follows each sensor
FOLLOW_FROM_HOUR, FOLLOW_TO_HOUR = 7, 21
#: the trailing window in which night movement is measured
NIGHT_WINDOW_MIN = 30.0
#: getting up for the day: an activation from this hour on that starts an hour with activity in at
#: least ``WAKE_QUARTERS`` of its four quarters (a toilet trip at night does not count)
WAKE_FROM_HOUR, WAKE_QUARTERS = 3, 3
#: an appliance switching on alone in the small hours on this share of the nights (and at least
#: on ``SELF_RUNNING_MIN_NIGHTS``) runs by itself (``learn_self_running``)
SELF_RUNNING_NIGHT_SHARE = 0.5
SELF_RUNNING_MIN_NIGHTS = 3
SELF_RUNNING_ALONE_MIN = 30.0
#: an appliance on for more than this share of the history runs by itself too (``learn_mostly_on``)
MOSTLY_ON_SHARE = 0.5
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


def last_before(sorted_times: np.ndarray, at: np.ndarray) -> np.ndarray:
    """For each time in ``at``, the latest of ``sorted_times`` at or before it (NaN if none)."""
    idx = np.searchsorted(sorted_times, at, side="right") - 1
    out = np.full(at.shape, np.nan)
    ok = idx >= 0
    out[ok] = sorted_times[idx[ok]]
    return out


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


def uses_per_sensor(t: np.ndarray, sid: np.ndarray, names: dict[int, str]) -> dict[str, int]:
    """Activations per sensor, one a minute (a plug's power and on/off readings are one use)."""
    keys = np.unique(np.floor(t).astype(np.int64) * max(len(names), 1) + sid)
    counts = np.bincount(keys % max(len(names), 1), minlength=len(names))
    return {names[i]: int(n) for i, n in enumerate(counts)}


def learn_mostly_on(durations: dict[str, list[float]], on_since: dict[str, float], kinds: dict[str, str],
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


def on_time_summary(durations: list[float]) -> list[float]:
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


def night_places(t: np.ndarray, sid: np.ndarray, day_idx: np.ndarray) -> np.ndarray:
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


def night_minutes(t: np.ndarray, day_idx: np.ndarray) -> np.ndarray:
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


def follow_minutes(t: np.ndarray, sid: np.ndarray, front: np.ndarray, names: dict[int, str]) -> dict:
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
    other_before = last_before(t_other, t_front).tolist()
    fronts = t_front.tolist()
    coming_home = [False] * len(fronts)
    for k in range(1, len(fronts)):
        grace = 0.0 if coming_home[k - 1] else OUT_GRACE_MIN
        coming_home[k] = not (other_before[k] > fronts[k - 1] + grace)  # NaN (none yet): out
    last_door = np.searchsorted(t_front, at, side="right") - 1
    door = np.maximum(last_door, 0)
    grace = np.where(np.asarray(coming_home)[door], 0.0, OUT_GRACE_MIN)
    lo = last_before(t_other, at)
    return (last_door >= 0) & ~(lo > t_front[door] + grace)  # NaN (nothing since): out


def moves_and_home(t: np.ndarray, bed: np.ndarray, front: np.ndarray, day_idx: np.ndarray,
                    covered_until: float) -> tuple[np.ndarray, np.ndarray]:
    """Per activity day (06:00 to 06:00) and hour: cumulative activations of non-bed sensors, and
    cumulative minutes at home (not after the door with nothing since, as the live state sees it);
    NaN for the hours past ``covered_until``."""
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


def follow_by_hour(t: np.ndarray, sid: np.ndarray, front: np.ndarray, names: dict[int, str]) -> dict:
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


def home_quiet_spells(t: np.ndarray, sid: np.ndarray, front: np.ndarray, names: dict[int, str],
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


def out_durations(t_front: np.ndarray, t_other: np.ndarray) -> list[list[float]]:
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
