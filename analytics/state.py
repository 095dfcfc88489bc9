"""What the detectors know about the home right now, updated on every event.

One :class:`HomeState` per household: when the resident last did anything (a self-running
appliance's readings are not them) and since when they have been home and active, whether they
went out through the front door, how active today has been, where they moved in the last half
hour, which appliances are on, and when each sensor last reported. A new state is primed with the
last two days read in full, after each sensor's last reading from before (:meth:`HomeState.recall`).
"""
from __future__ import annotations

import datetime as dt
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from analytics.history_stats import DAY_START_HOUR, NIGHT_WINDOW_MIN, OUT_GRACE_MIN, WAKE_FROM_HOUR, WAKE_QUARTERS
from analytics.sensors import (HELD_KINDS, ActivationTracker, is_appliance, is_front_door, is_sleep_sensor, names_bed,
                               on_level)
from hub.clock import elapsed, utc
from hub.events import TECHNICAL_KINDS, Event

#: how much recent history a new :class:`HomeState` takes in reading by reading (its windows span
#: at most a day); of the time before, the last reading of each sensor is enough (``last_readings``)
PRIME_WINDOW = dt.timedelta(days=2)
_GRACE = dt.timedelta(minutes=OUT_GRACE_MIN)
_NIGHT_WINDOW = dt.timedelta(minutes=NIGHT_WINDOW_MIN)
_DAY = dt.timedelta(days=1)
_AWAY_GAP = dt.timedelta(hours=24)
_HOUR, _QUARTER = dt.timedelta(hours=1), dt.timedelta(minutes=15)


def activity_day(when: dt.datetime) -> dt.date:
    """The day an activity counts towards: days run from 06:00 to 06:00."""
    return (when - dt.timedelta(hours=DAY_START_HOUR)).date()


def last_readings(events: Iterable[Event]) -> list[Event]:
    """Each sensor's last activity, battery and availability reading, in time order: what a new
    :class:`HomeState` needs of the time before its prime window: when each sensor last spoke (a
    sensor dead for a week is still known after a restart), a door left open, a battery already
    low. The same readings the live hub recalls from its store (``hub.health.last_readings``), so
    a replay starts from what a restarted hub would know."""
    last: dict[tuple[str, str], Event] = {}
    for e in events:
        key = (e.sensor, e.kind if e.kind in TECHNICAL_KINDS else "activity")
        if key not in last or e.time >= last[key].time:
            last[key] = e
    return sorted(last.values(), key=lambda e: e.time)


@dataclass
class HomeState:
    """Live facts about one home, derived from the events seen so far."""

    started: dt.datetime
    #: doors learned to be the way out, besides any named front door (``Routine.exit_sensors``)
    exits: frozenset = frozenset()
    #: appliances that switch on by themselves (``Routine.self_running``): no sign of the resident
    self_running: frozenset = frozenset()
    #: the zone of the readings' wall-clock times (``Clock.zone``): "the last 30 minutes" and "the
    #: last 24 hours" are real time, however the clocks changed
    zone: dt.tzinfo | None = dt.timezone.utc
    last_activation: dt.datetime | None = None
    #: when activity resumed after the last whole day (``_AWAY_GAP``) with none, however long the
    #: nights of a home without a bedroom sensor: a sensor silent through days away is not broken
    active_since: dt.datetime | None = None
    last_activation_sensor: str = ""
    #: the last activation of a sensor that is no sleep sensor (bed, bedroom, any pressure mat), and
    #: of one in the bed or bedroom (which and when)
    last_up: dt.datetime | None = None
    last_in_bed: dt.datetime | None = None
    last_in_bed_sensor: str = ""
    #: when the resident got up for the day, by the rule the routine learns get-up times with
    #: (``history_stats.wake_minute``): the first minute from 03:00 seen to start an hour of activity
    up_for_day: dt.datetime | None = None
    last_front: dt.datetime | None = None
    last_other: dt.datetime | None = None
    day: dt.date | None = None
    day_count: int = 0
    #: non-bed activations of the last 30 minutes, (when in UTC, sensor); ``recent_all``: any
    recent: deque = field(default_factory=deque)
    appliances_on: dict[str, dt.datetime] = field(default_factory=dict)
    #: when each appliance was first heard: one on since then was on before the hub knew it
    first_heard: dict[str, dt.datetime] = field(default_factory=dict)
    on_since: dict[str, dt.datetime] = field(default_factory=dict)
    recent_all: deque = field(default_factory=deque)
    #: activations (one per sensor per minute) of the last 24 hours, (when in UTC, sensor), and how many
    #: of them each sensor made
    counted: deque = field(default_factory=deque)
    counted_by_sensor: Counter = field(default_factory=Counter)
    last_report: dict[str, dt.datetime] = field(default_factory=dict)
    unavailable: dict[str, dt.datetime] = field(default_factory=dict)
    battery: dict[str, float] = field(default_factory=dict)
    #: the room of each sensor that names one
    rooms: dict[str, str] = field(default_factory=dict)
    #: (time, whether the resident was out just before, door): coming home vs. going out
    front_door_events: list[tuple[dt.datetime, bool, str]] = field(default_factory=list)
    #: activations of sensors not in the bed since 06:00 (every report), and minutes out since 06:00
    #: up to the last return home
    moves_today: int = 0
    out_minutes_today: float = 0.0
    _tracker: ActivationTracker = field(default_factory=ActivationTracker)
    #: (appliance, sleep sensor, named after the bed or bedroom, named front door) per (sensor, kind):
    #: names never change
    _roles: dict[tuple[str, str], tuple[bool, bool, bool, bool]] = field(default_factory=dict)
    _last_minute: dict[str, dt.datetime] = field(default_factory=dict)
    #: [time, quarters of the hour after it with activity (bits)] of this morning's recent
    #: activations, until one starts the day (``up_for_day``)
    _rising: list[list] = field(default_factory=list)
    #: when getting up can next happen: 03:00 of the day after the last one the resident got up
    _rising_from: dt.datetime = dt.datetime.min
    _door_was_out: bool = False
    #: time out up to here is in ``out_minutes_today`` already (movement within the grace after
    #: the door is still going out, and must not count the time since the door twice)
    _out_counted_to: dt.datetime = dt.datetime.min
    #: the last activation, or the last recalled reading (``recall``): where a gap is measured from
    _lively: dt.datetime | None = None


    @property
    def last_activation_room(self) -> str:
        """The room of the sensor that fired last, when it names one."""
        return self.rooms.get(self.last_activation_sensor, "")

    @property
    def out(self) -> bool:
        """True when the front door was the last thing to happen: the resident went out.

        Movement just after the door belongs to leaving; after coming back (the door opened
        while out), any movement means home again. Learning marks time out by the same rule
        (``history_stats.out_at``)."""
        if self.last_front is None:
            return False
        grace = dt.timedelta(0) if self._door_was_out else _GRACE
        return self.last_other is None or self.last_other <= self.last_front + grace

    def today_count(self, now: dt.datetime) -> int:
        """Activations (one per sensor per minute) since 06:00 of the current activity day."""
        return self.day_count if self.day == activity_day(now) else 0

    def moves_so_far(self, now: dt.datetime) -> int:
        """Activations of sensors not in the bed since 06:00 of the current activity day."""
        return self.moves_today if self.day == activity_day(now) else 0

    def home_minutes_today(self, now: dt.datetime) -> float:
        """Minutes at home since 06:00 of the current activity day (out: the front door with
        nothing since)."""
        start = dt.datetime.combine(activity_day(now), dt.time(DAY_START_HOUR))
        gone = self.out_minutes_today if self.day == activity_day(now) else 0.0
        if self.out and self.last_front is not None:
            gone += self.minutes_between(max(self.last_front, start, self._out_counted_to), now)
        return max(0.0, self.minutes_between(start, now) - gone)

    def minutes_between(self, earlier: dt.datetime, later: dt.datetime) -> float:
        """Real minutes between two wall-clock times (a day the clocks change has 23 or 25 hours)."""
        return elapsed(earlier, later, self.zone).total_seconds() / 60

    def count_last_day(self, now: dt.datetime) -> int:
        """Activations (one per sensor per minute) in the 24 hours before ``now``."""
        since = utc(now, self.zone) - _DAY
        return sum(1 for t, _ in self.counted if t > since)

    def lone_sensor(self, now: dt.datetime) -> tuple[str, int] | None:
        """The sensor that alone made every activation of the last 24 hours, and how many (one a
        minute), or None when more than one did."""
        if len(self.counted_by_sensor) != 1:
            return None
        return next(iter(self.counted_by_sensor)), self.count_last_day(now)

    def activations_recently(self, now: dt.datetime) -> int:
        """How many activations (any sensor) in the last 30 minutes."""
        since = utc(now, self.zone) - _NIGHT_WINDOW
        return sum(1 for t in self.recent_all if t > since)

    def places_recently(self, now: dt.datetime) -> set[str]:
        """Distinct non-bed sensors activated in the last 30 minutes."""
        since = utc(now, self.zone) - _NIGHT_WINDOW
        return {s for t, s in self.recent if t > since}

    def minutes_moving_recently(self, now: dt.datetime) -> int:
        """Minutes with a non-bed activation in the last 30 minutes."""
        since = utc(now, self.zone) - _NIGHT_WINDOW
        return len({t.replace(second=0, microsecond=0) for t, _ in self.recent if t > since})

    def recall(self, last_words: Iterable[Event]) -> None:
        """Take in each sensor's last reading from before what is read in full (``last_readings``,
        in time order): when it last spoke and what it said. The time between them is unknown, not
        an absence: the resident counts as active since the first of them."""
        words = list(last_words)
        for e in words:
            self.update(e)
        if words:
            self.active_since, self._lively = words[0].time, words[-1].time

    def update(self, e: Event) -> bool:
        """Take in one event; return True when it was an activation by the resident."""
        # runs for every reading of a weeks-long history on a Pi: attribute lookups are kept few
        sensor, kind, when = e.sensor, e.kind, e.time
        self.last_report[sensor] = when
        if kind == "availability":
            if e.value > 0:
                self.unavailable.pop(sensor, None)
            else:
                self.unavailable.setdefault(sensor, when)
            return False
        if kind == "battery":
            self.battery[sensor] = e.value
            return False
        if self.unavailable:
            self.unavailable.pop(sensor, None)
        appliance, bed, bedroom, named = self._role(e)
        on = on_level(e)
        if appliance and sensor not in self.first_heard:
            self.first_heard[sensor] = when
        if kind in HELD_KINDS:
            held = self.appliances_on if appliance else self.on_since
            if on:
                held.setdefault(sensor, when)
            else:
                held.pop(sensor, None)
        if sensor in self.self_running or not self._tracker.activation(e, on):
            return False
        was_out, left = self.out, self.last_front
        day = activity_day(when)
        if day != self.day:
            self.day, self.day_count, self.moves_today, self.out_minutes_today = day, 0, 0, 0.0
        if was_out and left is not None:
            start = dt.datetime.combine(day, dt.time(DAY_START_HOUR))
            self.out_minutes_today += max(0.0, self.minutes_between(max(left, start, self._out_counted_to), when))
            self._out_counted_to = when
        if self._lively is None or when - self._lively >= _AWAY_GAP:
            self.active_since = when
        self.last_activation = self._lively = when
        self.last_activation_sensor = sensor
        if e.room:
            self.rooms[sensor] = e.room
        real = utc(when, self.zone)  # the windows span real time, not the wall clock's
        window_start = real - _NIGHT_WINDOW
        recent_all = self.recent_all
        recent_all.append(real)
        while recent_all[0] <= window_start:
            recent_all.popleft()
        if named or sensor in self.exits:
            self._door_was_out = self.out
            if named:  # a learned exit is a statistical guess: not enough to call a night opening odd
                self.front_door_events.append((when, self._door_was_out, sensor))
            self.last_front = when
            del self.front_door_events[:-50]
        else:
            self.last_other = when
        if bedroom:
            self.last_in_bed, self.last_in_bed_sensor = when, sensor
        if not bed:
            self.moves_today += 1
            self.last_up = when
            if when >= self._rising_from:
                self._note_rising(when)
            recent = self.recent
            recent.append((real, sensor))
            while recent[0][0] <= window_start:
                recent.popleft()
        minute = when.replace(second=0, microsecond=0)
        if self._last_minute.get(sensor) != minute:
            self._last_minute[sensor] = minute
            self.day_count += 1
            counted, by_sensor = self.counted, self.counted_by_sensor
            counted.append((real, sensor))
            by_sensor[sensor] += 1
            day_ago = real - _DAY
            while counted[0][0] <= day_ago:
                gone = counted.popleft()[1]
                by_sensor[gone] -= 1
                if not by_sensor[gone]:
                    del by_sensor[gone]
        return True

    def up_today(self, now: dt.datetime) -> bool:
        """Whether the resident has got up for the day (not just a trip at night) since 03:00."""
        return self.up_for_day is not None and self.up_for_day.date() == now.date()

    def _note_rising(self, when: dt.datetime) -> None:
        """Count a morning activation towards getting up: the first minute seen to start an hour
        with activity in enough of its quarters is when the resident got up (to the minute: a busy
        home's many readings a minute are one)."""
        if when.hour < WAKE_FROM_HOUR:
            return
        minute = when.replace(second=0, microsecond=0)
        rising = self._rising
        if rising and minute <= rising[-1][0]:  # this minute is counted already
            return
        while rising and (minute - rising[0][0] >= _HOUR or rising[0][0].date() != minute.date()):
            rising.pop(0)
        for entry in rising:
            entry[1] |= 1 << int((minute - entry[0]) / _QUARTER)
            if entry[1].bit_count() >= WAKE_QUARTERS:
                self.up_for_day = entry[0]
                self._rising_from = dt.datetime.combine(minute.date() + _DAY, dt.time(WAKE_FROM_HOUR))
                rising.clear()
                return
        rising.append([minute, 1])

    def _role(self, e: Event) -> tuple[bool, bool, bool, bool]:
        """(appliance, sleep sensor, bed or bedroom, named front door) for the reading's sensor,
        worked out once."""
        key = (e.sensor, e.kind)
        role = self._roles.get(key)
        if role is None:
            role = self._roles[key] = (is_appliance(e.sensor, e.kind), is_sleep_sensor(e.sensor, e.kind, e.room),
                                       names_bed(e.sensor, e.room),
                                       is_front_door(e.sensor, e.kind))
        return role
