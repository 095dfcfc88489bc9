"""A simulated home: the resident's planned days turned into the readings its sensors would send.

The home has a PIR in each room (``bedroom_pir`` ... ``hall_pir``), a reed contact on the front
door (``front_door``), a light sensor per room reporting the room light on/off (``kitchen_light``),
and smart plugs on the kettle, microwave, stove and TV, each reporting ``appliance`` on/off and
``power`` watts under the appliance's name. Battery-powered sensors report their charge once a day.

    home = SimulatedHome(household="home-1", seed=1, profile="busy")
    for event in home.events(start, end, incidents=[Collapse(at)]):
        ...

The stream is time-ordered and the same for the same seed, whatever window is asked for: each day
is planned from its own random stream (:mod:`hardware.resident`). Sensors behave like the cheap
Zigbee ones: a PIR sends motion 1 when it sees movement (again at most once a minute while movement
goes on) and 0 after 90 s without; a smart plug reports watts when switched and every 5 minutes
while on.
"""
from __future__ import annotations

import datetime as dt
import heapq
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from hub.events import Event

from hardware.incidents import (TERMINAL, Incident, NightWandering, NoWake, StoveLeftOn, apply_stop,
                                apply_stove, apply_wandering, event_time, stop_time)
from hardware.resident import APPLIANCES, PROFILES, ROOMS, DayPlan, RoutinePlanner

PIR_RETRIGGER = dt.timedelta(seconds=60)
PIR_HOLD = dt.timedelta(seconds=90)
POWER_REPORT = dt.timedelta(minutes=5)
DOOR_SENSOR = "front_door"


@dataclass(frozen=True)
class SensorSpec:
    """One sensor of the simulated home: its name, main kind and room; ``reports`` lists every kind it sends."""

    name: str
    kind: str
    room: str
    reports: tuple[str, ...]


def _sensor_specs() -> tuple[SensorSpec, ...]:
    specs = [SensorSpec(f"{room}_pir", "motion", room, ("motion", "battery")) for room in ROOMS]
    specs.append(SensorSpec(DOOR_SENSOR, "door", "hall", ("door", "battery")))
    specs += [SensorSpec(f"{room}_light", "light", room, ("light",)) for room in ROOMS]
    specs += [SensorSpec(name, "appliance", room, ("appliance", "power"))
              for name, (room, _watts, _auto) in APPLIANCES.items()]
    return tuple(specs)


SENSORS = _sensor_specs()


def is_dark(when: dt.datetime) -> bool:
    """Whether a room needs its light on at ``when`` (around 52° N, summer time in April-October)."""
    doy = when.timetuple().tm_yday
    day_hours = 12 + 4.4 * math.sin(2 * math.pi * (doy - 80) / 365)
    noon = 13.05 if 4 <= when.month <= 10 else 12.05
    hour = when.hour + when.minute / 60
    # indoors it is dim for a while after sunrise and before sunset
    return hour < noon - day_hours / 2 + 0.4 or hour > noon + day_hours / 2 - 0.4


class _Pir:
    """A PIR's on/off behaviour over motion pulses; carries a pending 'no motion' between days."""

    __slots__ = ("on", "last_sent", "off_at")

    def __init__(self) -> None:
        self.on = False
        self.last_sent = dt.datetime.min
        self.off_at = dt.datetime.min

    def pulse(self, t: dt.datetime, out: list[tuple[dt.datetime, float]]) -> None:
        """Movement seen at ``t``."""
        if self.on and t > self.off_at:
            out.append((self.off_at, 0.0))
            self.on = False
        if not self.on or t - self.last_sent >= PIR_RETRIGGER:
            out.append((t, 1.0))
            self.on, self.last_sent = True, t
        self.off_at = t + PIR_HOLD

    def settle(self, before: dt.datetime, out: list[tuple[dt.datetime, float]]) -> None:
        """Send the pending 'no motion' if it falls before ``before``."""
        if self.on and self.off_at < before:
            out.append((self.off_at, 0.0))
            self.on = False


class _Plug:
    """A smart plug: on/off state and when it next reports watts; carries over between days."""

    __slots__ = ("on", "watts", "next_report", "stuck")

    def __init__(self) -> None:
        self.on = False
        self.watts = 0.0
        self.next_report = dt.datetime.max
        self.stuck = False  # switched on and never off (an incident); later uses change nothing


class _HomeState:
    """Everything that carries from one day's plan to the next while a stream is generated."""

    def __init__(self) -> None:
        self.pirs = {room: _Pir() for room in ROOMS}
        self.lights = {room: False for room in ROOMS}
        self.plugs = {name: _Plug() for name in APPLIANCES}
        self.stopped = False


class SimulatedHome:
    """A home with one resident living a seeded routine; see the module docstring for the sensors.

    ``profile`` is one of :data:`hardware.resident.PROFILES` (``busy``, ``quiet``, ``frail``).
    """

    def __init__(self, household: str = "home-1", seed: int = 1, profile: str = "busy") -> None:
        if profile not in PROFILES:
            raise ValueError(f"unknown profile {profile!r}; expected one of {', '.join(PROFILES)}")
        self.household = household
        self.seed = seed
        self.profile = PROFILES[profile]
        self.planner = RoutinePlanner(self.profile, household, seed)
        self._rooms = {s.name: s.room for s in SENSORS}

    def sensors(self) -> tuple[SensorSpec, ...]:
        """The home's sensors (name, kind, room, kinds reported)."""
        return SENSORS

    def wake_time(self, day: dt.date) -> dt.datetime:
        """When the resident gets up on ``day`` if nothing happens to them."""
        return self.planner.wake_time(day)

    def events(self, start: dt.datetime, end: dt.datetime,
               incidents: Sequence[Incident] = ()) -> Iterator[Event]:
        """The readings from ``start`` (inclusive) to ``end`` (exclusive) in time order."""
        if end <= start:
            return
        state = _HomeState()
        heap: list[tuple[dt.datetime, int, str, str, float]] = []
        seq = 0
        stops = [t for t in map(stop_time, incidents) if t is not None]
        first_stop = min(stops) if stops else None
        # earlier days (and any incident's) are generated too, so sensors are in their real state at ``start``
        day = min([start.date() - dt.timedelta(days=2)]
                  + [event_time(i).date() - dt.timedelta(days=1) for i in incidents])
        while True:
            plan = self._plan(day, state, incidents, first_stop)
            if plan.start >= end:
                break
            for when, sensor, kind, value in self._readings(plan, state):
                heapq.heappush(heap, (when, seq, sensor, kind, value))
                seq += 1
            while heap and heap[0][0] < plan.end:
                when, _, sensor, kind, value = heapq.heappop(heap)
                if start <= when < end:
                    yield self._event(when, sensor, kind, value)
            day += dt.timedelta(days=1)
        tail: list[tuple[dt.datetime, float]] = []
        for room, pir in state.pirs.items():
            tail.clear()
            pir.settle(end, tail)
            for when, value in tail:
                heapq.heappush(heap, (when, seq, f"{room}_pir", "motion", value))
                seq += 1
        while heap:
            when, _, sensor, kind, value = heapq.heappop(heap)
            if start <= when < end:
                yield self._event(when, sensor, kind, value)

    # ----------------------------------------------------------------------- internals

    def _event(self, when: dt.datetime, sensor: str, kind: str, value: float) -> Event:
        return Event(when, sensor, kind, value, self._rooms[sensor], self.household)

    def _plan(self, day: dt.date, state: _HomeState, incidents: Sequence[Incident],
              first_stop: dt.datetime | None) -> DayPlan:
        """The day's plan with the incidents that fall in it applied."""
        if state.stopped:
            return self.planner.empty(day)
        plan = self.planner.plan(day)
        if first_stop is not None and first_stop < plan.start:
            state.stopped = True
            return self.planner.empty(day)
        mine = sorted((i for i in incidents if plan.start <= event_time(i) < plan.end
                       and not isinstance(i, TERMINAL)), key=event_time)
        for inc in mine:
            if first_stop is not None and event_time(inc) >= first_stop:
                continue
            if isinstance(inc, NightWandering):
                apply_wandering(plan, inc)
            elif isinstance(inc, StoveLeftOn):
                apply_stove(plan, inc)
        if first_stop is not None and first_stop < plan.end:
            in_bed = any(isinstance(i, NoWake) and i.stop_time == first_stop for i in incidents)
            apply_stop(plan, first_stop, in_bed=in_bed)
            state.stopped = True
        return plan

    def _readings(self, plan: DayPlan, state: _HomeState) -> list[tuple[dt.datetime, str, str, float]]:
        """Every reading the plan causes, unordered: (time, sensor, kind, value)."""
        out: list[tuple[dt.datetime, str, str, float]] = []
        self._motion(plan, state, out)
        self._lights(plan, state, out)
        self._plugs(plan, state, out)
        out.extend((t, DOOR_SENSOR, "door", v) for t, v in plan.door)
        self._batteries(plan, out)
        return out

    def _rng(self, what: str, when: dt.datetime) -> random.Random:
        """A random stream for one segment or appliance use: an incident elsewhere leaves it unchanged."""
        return random.Random(f"{self.household}|{self.seed}|{what}|{when.isoformat()}")

    def _motion(self, plan: DayPlan, state: _HomeState, out: list) -> None:
        pulses: dict[str, list[dt.datetime]] = {room: [] for room in ROOMS}
        for seg in plan.segments:
            if seg.room is None or seg.still:
                continue
            rng = self._rng(seg.room, seg.start)
            times = pulses[seg.room]
            times.append(seg.start + dt.timedelta(seconds=rng.randint(0, 3)))
            if seg.rate <= 0:
                continue
            per_second = seg.rate / 60
            t = seg.start + dt.timedelta(seconds=rng.expovariate(per_second))
            while t < seg.end:
                times.append(t.replace(microsecond=0))
                t += dt.timedelta(seconds=rng.expovariate(per_second))
        for room, times in pulses.items():
            pir = state.pirs[room]
            found: list[tuple[dt.datetime, float]] = []
            for t in sorted(times):
                pir.pulse(t, found)
            pir.settle(plan.end, found)
            sensor = f"{room}_pir"
            out.extend((t, sensor, "motion", v) for t, v in found)

    def _lights(self, plan: DayPlan, state: _HomeState, out: list) -> None:
        lights = state.lights

        def switch(room: str, on: bool, when: dt.datetime) -> None:
            if lights[room] != on:
                lights[room] = on
                out.append((when, f"{room}_light", "light", 1.0 if on else 0.0))

        for seg in plan.segments:
            if seg.still:
                continue
            for room, on in lights.items():
                if on and room != seg.room:
                    switch(room, False, seg.start)
            if seg.room is None:
                continue
            rng = self._rng(f"{seg.room}_light", seg.start)
            if not seg.lit:
                switch(seg.room, False, seg.start)
            elif is_dark(seg.start):
                switch(seg.room, True, seg.start + dt.timedelta(seconds=rng.randint(1, 4)))
            elif not lights[seg.room]:
                # stay long enough for dusk to fall: the light goes on a little after it does
                t = seg.start + dt.timedelta(minutes=15)
                while t < seg.end and not is_dark(t):
                    t += dt.timedelta(minutes=15)
                if t < seg.end:
                    switch(seg.room, True, t + dt.timedelta(seconds=rng.randint(0, 600)))

    def _plugs(self, plan: DayPlan, state: _HomeState, out: list) -> None:
        for u in plan.uses:
            plug = state.plugs[u.appliance]
            if plug.stuck:
                continue
            rng = self._rng(u.appliance, u.start)
            _room, watts, _auto = APPLIANCES[u.appliance]
            watts = round(watts * rng.uniform(0.93, 1.07), 1)
            out.append((u.start, u.appliance, "appliance", 1.0))
            out.append((u.start, u.appliance, "power", watts))
            if u.end is None:
                plug.on, plug.stuck, plug.watts = True, True, watts
                plug.next_report = u.start + POWER_REPORT
                continue
            t = u.start + POWER_REPORT
            while t < u.end:
                out.append((t, u.appliance, "power", round(watts * rng.uniform(0.97, 1.03), 1)))
                t += POWER_REPORT
            out.append((u.end, u.appliance, "appliance", 0.0))
            out.append((u.end, u.appliance, "power", 0.0))
        for name, plug in state.plugs.items():
            rng = self._rng(name, plan.start)
            while plug.stuck and plug.next_report < plan.end:
                out.append((plug.next_report, name, "power", round(plug.watts * rng.uniform(0.97, 1.03), 1)))
                plug.next_report += POWER_REPORT

    def _batteries(self, plan: DayPlan, out: list) -> None:
        """Each battery sensor reports once a day; a battery runs from 100 % to 20 % in 1-2 years, then is replaced."""
        noon = dt.datetime.combine(plan.day, dt.time(12, 0))
        for i, spec in enumerate(SENSORS):
            if "battery" not in spec.reports:
                continue
            life = 400 + (i * 53 + self.seed * 31) % 300
            age = (plan.day.toordinal() + i * 97 + self.seed * 13) % life
            level = round(100 - 80 * age / life)
            when = noon + dt.timedelta(minutes=(i * 41 + self.seed * 7) % 360)
            if plan.start <= when < plan.end:
                out.append((when, spec.name, "battery", float(level)))
