"""``sensor_offline``, ``battery_low``, ``sensor_alone``: alerts about the equipment, never about
the resident.

A sensor is offline when it says so (availability 0) or when it has been silent ``factor`` times
longer than its own longest silence in the history, and at least ``floor_hours``; a sensor never
silent for long (a heartbeat, a meter's periodic report: any report counts) sooner, at four times
its longest silence (``routine.silence_limit``). A sensor that falls silent while the resident is
too (no activation anywhere for half its limit) is a quiet home, not a broken sensor: that is for
the resident's detectors, whatever a fridge plug or a battery report says meanwhile; once
reported, it stays reported until it speaks again. Back from days away, a sensor must stay
silent for its limit with the resident at home before it counts as broken. A battery below
``battery_pct`` is low.

A sensor that alone has reported activity for a whole day (at least ``alone_min`` minutes of it) is
suspect the other way round: a person at home sets off more than one sensor a day (the toilet, a
door), so either the others have stopped or something else sets this one off (sunlight on a motion
sensor, a heater, a pet), and its readings may be hiding a silence. That is judged only in a home
with ``alone_home_sensors`` or more of the resident's sensors, whose history of at least
``alone_history_days`` days had such a spell less than once in ``alone_every_days`` (a fortnight):
where one motion sensor sees most of the resident's life, a day when the door and the stove went
unused is normal.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from analytics.detectors import Context, Finding
from analytics.explain import duration, moment, sensor_called, sms_text
from analytics.history_stats import LONE_MIN_ACTIVE
from analytics.routine import SILENCE_FACTOR, SILENCE_FLOOR_MIN, Routine, silence_limit
from hub.events import ACTIVITY_KINDS


#: the condition of a sensor reported offline, before its name
OFFLINE = "sensor_offline:"


class SensorHealth:
    """Technical findings: a sensor offline or silent far beyond its normal, a low battery."""

    def __init__(self, routine: Routine, *, factor: float = SILENCE_FACTOR,
                 floor_hours: float = SILENCE_FLOOR_MIN / 60, battery_pct: float = 15.0,
                 alone_min: int = LONE_MIN_ACTIVE, alone_home_sensors: int = 3,
                 alone_history_days: int = 7, alone_every_days: int = 14) -> None:
        self.longest = dict(routine.sensor_max_silence)
        self.floor_min = floor_hours * 60
        self.limit_min = {s: silence_limit(m, factor, self.floor_min) for s, m in self.longest.items()}
        self.battery_pct = battery_pct
        self.alone_min = alone_min
        # the resident's sensors this home has (a fridge's cycles are not the resident)
        self_running = set(routine.self_running)
        theirs = [s for s, kind in routine.sensor_kinds.items() if kind in ACTIVITY_KINDS and s not in self_running]
        history_days = routine.n_days + len(routine.absent_days)
        self.judge_alone = (routine.n_days >= alone_history_days and len(theirs) >= alone_home_sensors
                            and routine.lone_spells * alone_every_days < history_days)
        #: sensors over their limit at the last rescan, and when the next one can be (``_rescan``)
        self._due: dt.datetime | None = None
        self._overdue: list[str] = []
        #: per condition, the finding last built and what it was built from (``_finding``)
        self._built: dict[str, tuple[object, Finding]] = {}

    def check(self, ctx: Context) -> list[Finding]:
        """Findings for each unavailable, long-silent or low-battery sensor."""
        s, now = ctx.state, ctx.now
        rooms = s.rooms
        found = [self._finding(f"{OFFLINE}{sensor}", since, lambda: _offline(sensor, rooms, since, now))
                 for sensor, since in s.unavailable.items()]
        found.extend(self._silent(ctx))
        found.extend(self._finding(f"battery_low:{sensor}", pct, lambda: _battery_low(sensor, rooms, pct))
                     for sensor, pct in s.battery.items() if pct < self.battery_pct)
        lone = s.lone_sensor(now) if self.judge_alone else None
        if lone is not None and lone[1] >= self.alone_min:
            sensor, minutes = lone
            found.append(self._finding(f"sensor_alone:{sensor}", sensor,
                                       lambda: _alone(sensor, rooms, minutes)))
        if len(self._built) > len(found):  # a condition that cleared is news again when it returns
            holding = {f.condition for f in found}
            self._built = {c: b for c, b in self._built.items() if c in holding}
        return found

    def _finding(self, condition: str, source: object, build: Callable[[], Finding]) -> Finding:
        """The finding for ``condition``, built again only when what it is about changed
        (``source``) or it cleared in between: while a condition holds, the engine only needs to
        know that it does (its message went out when it was first raised), and writing an SMS for
        every dead sensor on every reading of a busy home was most of a replay's time."""
        built = self._built.get(condition)
        if built is None or built[0] != source:
            built = self._built[condition] = (source, build())
        return built[1]

    def _silent(self, ctx: Context) -> list[Finding]:
        """Findings for the sensors silent beyond their limit while the resident is not."""
        s, now = ctx.state, ctx.now
        if self._due is None or ctx.minutes_since(self._due) >= 0:
            self._rescan(ctx)
        if not self._overdue:
            return []
        found = []
        # the resident's last activation, not the last report: a fridge plug or a light meter
        # keeps reporting while the resident is away or lying still
        newest = s.last_activation or now
        # silent while the resident was at home and active: back from days away, every sensor they
        # have not passed yet is not broken
        back = ctx.minutes_since(s.active_since) if s.active_since else 0.0
        for sensor in self._overdue:
            last = s.last_report[sensor]
            silent = ctx.minutes_since(last)
            limit = self.limit_min.get(sensor, self.floor_min)
            if min(silent, back) < limit or sensor in s.unavailable:
                continue
            condition = f"{OFFLINE}{sensor}"
            if ctx.minutes_since(newest) >= limit / 2 and condition not in ctx.raised:
                # the resident is quiet: a quiet home, judged by the resident's detectors (a sensor
                # already reported stays reported: the resident sitting still does not mend it)
                continue
            found.append(self._finding(condition, last,
                                       lambda: self._silent_finding(sensor, s.rooms, last, silent, limit)))
        return found

    def _silent_finding(self, sensor: str, rooms: dict[str, str], last: dt.datetime, silent: float,
                        limit: float) -> Finding:
        before = self.longest.get(sensor)
        usual = f" (its longest silence before was {duration(before)})" if before is not None else ""
        msg = (f"The {sensor_called(sensor, rooms.get(sensor, ''))} has sent nothing for {duration(silent)}{usual}. "
               f"Check its battery and placement.")
        return Finding(f"{OFFLINE}{sensor}", "sensor_offline", "low", sms_text(msg), technical=True, since=last,
                       evidence={"sensor": sensor, "last_report": last.isoformat(),
                                 "silent_min": round(silent), "limit_min": round(limit)})

    def _rescan(self, ctx: Context) -> None:
        """Sort the sensors into those over their limit now and the rest, and note when the first
        of the rest can be over its own; until then only the first kind need looking at (this runs
        on every reading of a busy home). Reports only move a sensor's time later, so the note
        stays a safe lower bound."""
        self._overdue = []
        # a sensor first heard after now is silent at least the floor before it can be due
        soonest = self.floor_min
        for sensor, last in ctx.state.last_report.items():
            left = self.limit_min.get(sensor, self.floor_min) - ctx.minutes_since(last)
            if left <= 0:
                self._overdue.append(sensor)
            else:
                soonest = min(soonest, left)
        self._due = ctx.minutes_from_now(soonest)


def _offline(sensor: str, rooms: dict[str, str], since: dt.datetime, now: dt.datetime) -> Finding:
    msg = (f"The {sensor_called(sensor, rooms.get(sensor, ''))} went offline at {moment(since, now)}. "
           f"Check its power and radio link.")
    return Finding(f"{OFFLINE}{sensor}", "sensor_offline", "low", sms_text(msg), technical=True, since=since,
                   evidence={"sensor": sensor, "since": since.isoformat(), "reason": "unavailable"})


def _alone(sensor: str, rooms: dict[str, str], minutes: int) -> Finding:
    msg = (f"Only the {sensor_called(sensor, rooms.get(sensor, ''))} has reported activity for 24 hours "
           f"({minutes} minutes of it); no other sensor has. A person at home sets off more than one a day: "
           f"check the other sensors, and whether something else sets this one off (sunlight, a heater, a pet).")
    return Finding(f"sensor_alone:{sensor}", "sensor_alone", "low", sms_text(msg), technical=True,
                   evidence={"sensor": sensor, "minutes_last_day": minutes})


def _battery_low(sensor: str, rooms: dict[str, str], pct: float) -> Finding:
    msg = f"The battery of the {sensor_called(sensor, rooms.get(sensor, ''))} is at {pct:.0f}%. Replace it soon."
    return Finding(f"battery_low:{sensor}", "battery_low", "low", sms_text(msg), technical=True,
                   evidence={"sensor": sensor, "battery_pct": pct})
