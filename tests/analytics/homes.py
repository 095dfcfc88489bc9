"""Constructed days of one resident, with seeded jitter, for the analytics tests.

A normal day: in bed until about 07:00 (bed mat every 20 min, one toilet trip near 03:00), up
through bedroom, bathroom and kitchen, the kettle on for 3 minutes at breakfast, 12:30 and 16:00,
movement somewhere every 5-15 minutes, out through the front door 10:00-11:30, to bed at 22:30.
Incidents change one day: ``collapse``, ``no_wake``, ``low_activity``, ``wandering``, ``kettle_left_on``.
"""
from __future__ import annotations

import datetime as dt
import random

from hub.events import Event

ROOMS = ("living_pir", "kitchen_pir", "hall_pir", "bathroom_pir")
START = dt.date(2024, 3, 4)


def _pulse(out: list[Event], t: dt.datetime, sensor: str, kind: str = "motion", seconds: int = 30) -> None:
    out.append(Event(t, sensor, kind, 1.0))
    out.append(Event(t + dt.timedelta(seconds=seconds), sensor, kind, 0.0))


def normal_day(day: dt.date, rng: random.Random) -> list[Event]:
    """The readings of one ordinary day."""
    m = dt.datetime.combine(day, dt.time())
    ev: list[Event] = []
    wake = m + dt.timedelta(hours=7, minutes=rng.randint(-15, 15))
    t = m + dt.timedelta(minutes=rng.randint(5, 15))
    while t < wake:
        _pulse(ev, t, "bed_mat", "pressure", 20)
        t += dt.timedelta(minutes=rng.randint(15, 25))
    toilet = m + dt.timedelta(hours=3, minutes=rng.randint(-20, 20))
    for i, s in enumerate(("bedroom_pir", "hall_pir", "bathroom_pir", "hall_pir", "bedroom_pir")):
        _pulse(ev, toilet + dt.timedelta(minutes=2 * i), s)
    for i, s in enumerate(("bedroom_pir", "hall_pir", "bathroom_pir", "kitchen_pir")):
        _pulse(ev, wake + dt.timedelta(minutes=3 * i), s)
    kettle = [wake + dt.timedelta(minutes=15), m + dt.timedelta(hours=12, minutes=30), m + dt.timedelta(hours=16)]
    for k in kettle:
        _pulse(ev, k, "kettle", "appliance", 180)
    out_at = m + dt.timedelta(hours=10, minutes=rng.randint(-10, 10))
    back_at = m + dt.timedelta(hours=11, minutes=30 + rng.randint(-10, 10))
    t = wake + dt.timedelta(minutes=20)
    bed = m + dt.timedelta(hours=22, minutes=30 + rng.randint(-10, 10))
    while t < bed:
        if out_at <= t < back_at:
            t = back_at
            _pulse(ev, back_at, "front_door", "door", 10)
            t += dt.timedelta(minutes=1)
            continue
        _pulse(ev, t, rng.choice(ROOMS))
        t += dt.timedelta(minutes=rng.randint(5, 15))
    _pulse(ev, out_at - dt.timedelta(minutes=1), "hall_pir")
    _pulse(ev, out_at, "front_door", "door", 10)
    _pulse(ev, bed, "bedroom_pir")
    _pulse(ev, bed + dt.timedelta(minutes=5), "bed_mat", "pressure", 20)
    t = bed + dt.timedelta(minutes=25)
    while t < m + dt.timedelta(days=1):
        _pulse(ev, t, "bed_mat", "pressure", 20)
        t += dt.timedelta(minutes=rng.randint(15, 25))
    return sorted((e for e in ev if e.time < m + dt.timedelta(days=1)), key=lambda e: e.time)


def fridge_cycles(day: dt.date, sensor: str = "fridge_plug") -> list[Event]:
    """A fridge on a power plug through one day: its compressor on for 14 min every 47 min."""
    m = dt.datetime.combine(day, dt.time())
    out: list[Event] = []
    t = m + dt.timedelta(minutes=7)
    while t < m + dt.timedelta(days=1):
        out += [Event(t, sensor, "power", 110.0), Event(t + dt.timedelta(minutes=14), sensor, "power", 1.5)]
        t += dt.timedelta(minutes=47)
    return out


def history(days: int = 21, seed: int = 3, start: dt.date = START) -> list[Event]:
    """``days`` ordinary days from ``start``."""
    rng = random.Random(seed)
    out: list[Event] = []
    for i in range(days):
        out += normal_day(start + dt.timedelta(days=i), rng)
    return out


def incident_day(kind: str, day: dt.date, seed: int = 99) -> list[Event]:
    """One day with an incident (or ``normal``)."""
    rng = random.Random(seed)
    ev = normal_day(day, rng)
    m = dt.datetime.combine(day, dt.time())
    if kind == "normal":
        return ev
    if kind == "collapse":  # everything stops after the last movement before 14:00
        return [e for e in ev if e.time < m + dt.timedelta(hours=14)]
    if kind == "no_wake":
        return [e for e in ev if e.time < m + dt.timedelta(hours=3)]
    if kind == "back_to_bed":  # up at 05:00 for the toilet, back to bed and not up again
        extra = []
        for i, s in enumerate(("bedroom_pir", "hall_pir", "bathroom_pir", "hall_pir", "bedroom_pir")):
            _pulse(extra, m + dt.timedelta(hours=5, minutes=2 * i), s)
        t = m + dt.timedelta(hours=5, minutes=15)
        while t < m + dt.timedelta(hours=12):
            _pulse(extra, t, "bed_mat", "pressure", 20)
            t += dt.timedelta(minutes=20)
        return sorted([e for e in ev if e.time < m + dt.timedelta(hours=3)] + extra, key=lambda e: e.time)
    if kind == "low_activity":
        keep = random.Random(seed + 1)
        return [e for e in ev if e.time < m + dt.timedelta(hours=6) or e.value == 0 or keep.random() < 0.2]
    if kind == "wandering":
        t = m + dt.timedelta(hours=2)
        extra: list[Event] = []
        for i in range(20):
            _pulse(extra, t + dt.timedelta(minutes=2 * i), (ROOMS + ("bedroom_pir",))[i % 5])
        _pulse(extra, t + dt.timedelta(minutes=20), "front_door", "door", 30)
        return sorted(ev + extra, key=lambda e: e.time)
    if kind == "kettle_left_on":
        on = m + dt.timedelta(hours=12, minutes=30)
        return [e for e in ev if not (e.sensor == "kettle" and e.time > on)]
    raise ValueError(kind)
