"""``night_activity``: movement at night unlike this person's nights.

Three signs, between ``start_minute`` and ``end_minute`` after midnight:

- moving through more distinct places within half an hour than on any history night around this
  time (plus a margin, and at least ``floor`` places or every place a small home has; where motion
  sensors are dense, at least the places of this person's ordinary night trip plus the margin);
- moving in more minutes of the last half hour than on any history night around this time, plus
  ``minutes_margin``, and in at least ``minutes_floor`` of them: up and about for long, which a
  small home shows even when every place it has is part of the ordinary night trip (a resident
  who comes home late through the front door, the kitchen and the bathroom);
- the front door opening at a time of night it never opened in the history. The opening is judged
  a moment after it (at the door's next report or the next clock tick), so the message can say
  whether the door was shut again or is still open.
"""
from __future__ import annotations

import numpy as np

from analytics.detectors import Context, Finding, minute_of_day, slot_of, windowed_max
from analytics.explain import clock, place, sms_text, who
from analytics.history_stats import SLOT_MIN, SLOTS
from analytics.routine import Routine
from analytics.state import activity_day

#: kinds of sensor a person sets off by walking past or through (not appliances, mats or flushes)
MOVEMENT_KINDS = ("motion", "door", "contact", "light")
#: a front door opened within this many minutes is still news at night
DOOR_RECENT_MIN = 30.0


def _most_around(per_night: np.ndarray, window_slots: int) -> np.ndarray:
    """Per slot, the most any history night showed within ``window_slots`` of it (0 with none)."""
    most = windowed_max(per_night, window_slots)
    return most.max(axis=0) if most.size else np.zeros(SLOTS)


class NightActivity:
    """Wandering at night, or the front door opened when it never is."""

    def __init__(self, routine: Routine, *, start_minute: int = 30, end_minute: int = 6 * 60, window_slots: int = 12,
                 margin: int = 3, floor: int = 7, minutes_margin: int = 5, minutes_floor: int = 15,
                 door_tolerance_min: float = 60.0) -> None:
        self.n_days = routine.n_days
        self.usual = _most_around(routine.night, window_slots)
        self.usual_minutes = _most_around(routine.night_minutes, window_slots)
        self.minutes_limit = np.maximum(self.usual_minutes + minutes_margin, minutes_floor)
        self.start, self.end = start_minute, end_minute
        # where a motion sensor covers every few metres, one trip to the bathroom passes many:
        # the floor is at least this home's ordinary night trip plus the margin
        floor = max(floor, self._usual_trip(routine) + margin)
        # a small home cannot show more places than it has: then the floor is all of them
        sleep = set(routine.sleep_sensors)
        places = sum(1 for sensor, kind in routine.sensor_kinds.items() if kind in MOVEMENT_KINDS and sensor not in sleep)
        self.limit = np.maximum(self.usual + margin, min(floor, places) if places else floor)
        self.door_nights = np.asarray(routine.front_door_night, dtype=float)
        self.door_tolerance = door_tolerance_min

    def _usual_trip(self, routine: Routine) -> int:
        """The most places of a typical night the resident got up (median over such nights)."""
        night_slots = np.array([self._is_night(slot * SLOT_MIN) for slot in range(SLOTS)])
        if not routine.night.size:
            return 0
        per_night = routine.night[:, night_slots].max(axis=1)
        up = per_night[per_night > 0]
        return int(np.ceil(np.median(up))) if up.size else 0

    def _is_night(self, m: float) -> bool:
        if self.start <= self.end:
            return self.start <= m < self.end
        return m >= self.start or m < self.end

    def _door_unusual(self, m: float) -> bool:
        if self.door_nights.size == 0:
            return True
        diff = np.abs(self.door_nights - m)
        return bool(np.min(np.minimum(diff, 1440 - diff)) > self.door_tolerance)

    def check(self, ctx: Context) -> list[Finding]:
        """Raise once a night on wandering or an unusual front door opening."""
        now, s = ctx.now, ctx.state
        if not self._is_night(minute_of_day(now)):
            return []
        cond = f"night_activity:{activity_day(now).isoformat()}"
        door, sensor = next(((t, d) for t, was_out, d in reversed(s.front_door_events)
                             if 0 < ctx.minutes_since(t) <= DOOR_RECENT_MIN and not was_out), (None, ""))
        if door is not None and self._is_night(minute_of_day(door)) and self._door_unusual(minute_of_day(door)):
            still_open = sensor in s.on_since
            state = "It is still open." if still_open else "It was shut again."
            usual = (f"In the last {self.n_days} nights {who(ctx.name)} never opened it around this time."
                     if self.n_days else f"Nothing learned of {who(ctx.name)}'s nights yet.")
            msg = f"Front door opened at {clock(door)} during the night. {state} {usual}"
            return [Finding(cond, "night_activity", "high", sms_text(msg), once=True,
                            evidence={"front_door": door.isoformat(), "still_open": still_open,
                                      "nights": self.n_days})]
        slot = slot_of(now)
        places = s.places_recently(now)
        names = sorted({place(p, s.rooms.get(p, "")) for p in places})
        evidence = {"places": sorted(places), "usual_max": int(self.usual[slot]), "nights": self.n_days}
        if len(places) >= self.limit[slot]:
            # where several sensors share a room, say so rather than count the room's sensors as places
            unit = "places" if len(names) == len(places) else "sensors"
            seen = f"{len(places)} places" if unit == "places" else f"{len(places)} sensors in {len(names)} places"
            msg = (f"Unusual movement at night: {seen} in the last 30 min (up to {clock(now)}): "
                   f"{', '.join(names[:6])}. {self._usual(ctx, self.usual[slot], self.limit[slot], unit)}")
            return [Finding(cond, "night_activity", "high", sms_text(msg), once=True, evidence=evidence)]
        minutes = s.minutes_moving_recently(now)
        if minutes >= self.minutes_limit[slot]:
            msg = (f"Up and about at night: moving in {minutes} of the last 30 minutes (up to {clock(now)}): "
                   f"{', '.join(names[:6])}. "
                   f"{self._usual(ctx, self.usual_minutes[slot], self.minutes_limit[slot], 'minutes')}")
            return [Finding(cond, "night_activity", "high", sms_text(msg), once=True, evidence={
                **evidence, "minutes_moving": minutes, "usual_max_minutes": int(self.usual_minutes[slot])})]
        return []

    def _usual(self, ctx: Context, usual: float, limit: float, unit: str) -> str:
        """The baseline a night sign is compared with."""
        if self.n_days:
            return f"On the last {self.n_days} nights at most {int(usual)} {unit} around this time."
        return f"Nothing learned of {who(ctx.name)}'s nights yet: {int(limit)} {unit} is the starting limit."
