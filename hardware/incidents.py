"""Incidents the simulated home can be told to stage, and how each one changes a day's plan.

An incident is a frozen value (:class:`Collapse`, :class:`NoWake`, :class:`NightWandering`,
:class:`StoveLeftOn`) handed to :meth:`hardware.simulator.SimulatedHome.events`. Applying one
rewrites the :class:`~hardware.resident.DayPlan` it falls in; the two that stop the resident
(collapse, no wake) also make every later day empty. :func:`make_incident` builds one from its
name, for the demo and the command line.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from hardware.resident import (APPLIANCES, BUSY_RATE, POTTER_RATE, ApplianceUse, DayPlan, Segment,
                               minutes)


@dataclass(frozen=True)
class Collapse:
    """All activity stops at ``at``: the resident stays where they are; lights and the stove stay as they were."""

    at: dt.datetime

    @property
    def stop_time(self) -> dt.datetime:
        """When activity stops."""
        return self.at


@dataclass(frozen=True)
class NoWake:
    """The resident does not get up on ``day``: nothing happens from 03:00 that day on.

    A night-time trip that would have been under way at 03:00 does not happen, so they stay in bed.
    """

    day: dt.date

    @property
    def stop_time(self) -> dt.datetime:
        """03:00 on ``day``."""
        return dt.datetime.combine(self.day, dt.time(3, 0))


@dataclass(frozen=True)
class NightWandering:
    """From ``at``, ``minutes`` of movement through the home, lights on, the front door opened once.

    Then the resident goes back to what they were doing (normally sleeping). The wandering is cut
    short if it would run past the resident's next getting-up time.
    """

    at: dt.datetime
    minutes: float = 40


@dataclass(frozen=True)
class StoveLeftOn:
    """The resident switches the stove on at ``at`` and never switches it off."""

    at: dt.datetime


Incident = Collapse | NoWake | NightWandering | StoveLeftOn
TERMINAL = (Collapse, NoWake)

#: the names :func:`make_incident` accepts
INCIDENT_KINDS = ("collapse", "no_wake", "night_wandering", "stove_left_on")


def make_incident(kind: str, at: dt.datetime) -> Incident:
    """The incident called ``kind`` staged at ``at`` (``no_wake``: the next morning not yet begun)."""
    if kind == "collapse":
        return Collapse(at)
    if kind == "no_wake":
        return NoWake(at.date() if at.hour < 3 else at.date() + dt.timedelta(days=1))
    if kind == "night_wandering":
        return NightWandering(at)
    if kind == "stove_left_on":
        return StoveLeftOn(at)
    raise ValueError(f"unknown incident {kind!r}; expected one of {', '.join(INCIDENT_KINDS)}")


def stop_time(incident: Incident) -> dt.datetime | None:
    """When the incident stops all activity for good, or None if it does not."""
    return incident.stop_time if isinstance(incident, TERMINAL) else None


def event_time(incident: Incident) -> dt.datetime:
    """The moment the incident begins."""
    return incident.stop_time if isinstance(incident, TERMINAL) else incident.at


# --------------------------------------------------------------------------- plan rewriting

def _override(plan: DayPlan, start: dt.datetime, end: dt.datetime, inserted: list[Segment]) -> None:
    """Replace whatever the plan had between ``start`` and ``end`` by ``inserted``, resuming after."""
    kept: list[Segment] = []
    resume: Segment | None = None
    for seg in plan.segments:
        if seg.end <= start or seg.start >= end:
            kept.append(seg)
            continue
        if seg.start < start:
            kept.append(Segment(seg.start, start, seg.room, seg.rate, seg.lit, seg.still, seg.group))
        if seg.end > end:
            resume = Segment(end, seg.end, seg.room, seg.rate, seg.lit, seg.still, seg.group)
    kept.extend(inserted)
    if resume is not None:
        kept.append(resume)
    kept.sort(key=lambda s: s.start)
    plan.segments = kept
    plan.door = [(t, v) for t, v in plan.door if not start <= t < end]
    # a door left open by the cut-out part is closed as the inserted part begins
    if plan.door and sum(1 if v else -1 for t, v in plan.door if t < start) > 0:
        plan.door.append((start, 0.0))
        plan.door.sort()


def apply_wandering(plan: DayPlan, inc: NightWandering) -> None:
    """Insert ``inc.minutes`` of restless movement and one front-door opening at ``inc.at``."""
    rng = random.Random(f"wander|{inc.at.isoformat()}")
    end = min(inc.at + minutes(inc.minutes), plan.end)
    segs: list[Segment] = []
    t = inc.at
    door_at = inc.at + (end - inc.at) * rng.uniform(0.3, 0.6)
    door_done = False
    door: list[tuple[dt.datetime, float]] = []
    rooms = ["hall", "kitchen", "living_room", "hall", "bathroom", "bedroom"]
    i = 0
    while t < end:
        if not door_done and t >= door_at:
            out = min(t + dt.timedelta(seconds=rng.randint(40, 150)), end)
            door += [(t, 1.0), (out, 0.0)]
            segs.append(Segment(t, out, "hall", BUSY_RATE))
            t, door_done = out, True
            continue
        room = rooms[i % len(rooms)] if i < len(rooms) else rng.choice(rooms)
        i += 1
        stop = min(t + minutes(rng.uniform(1, 5)), end).replace(microsecond=0)
        if stop <= t:
            break
        segs.append(Segment(t, stop, room, BUSY_RATE if room == "hall" else POTTER_RATE * 1.5))
        t = stop
    _override(plan, inc.at, end, segs)
    plan.door = sorted(plan.door + door)


def apply_stove(plan: DayPlan, inc: StoveLeftOn) -> None:
    """Put the resident in the kitchen at ``inc.at`` switching the stove on for good."""
    rng = random.Random(f"stove|{inc.at.isoformat()}")
    end = min(inc.at + minutes(rng.uniform(2, 4)), plan.end).replace(microsecond=0)
    _override(plan, inc.at, end, [Segment(inc.at, end, "kitchen", POTTER_RATE)])
    on = inc.at + dt.timedelta(seconds=30)
    plan.uses = [u for u in plan.uses if u.appliance != "stove" or (u.end is not None and u.end < on)]
    plan.uses.append(ApplianceUse("stove", on, None))
    plan.uses.sort(key=lambda u: u.start)


def apply_stop(plan: DayPlan, at: dt.datetime, *, in_bed: bool) -> None:
    """End all activity at ``at``; with ``in_bed``, a night-time trip under way never happens."""
    cut = at
    if in_bed:
        for seg in plan.segments:
            if seg.start <= at < seg.end and seg.group:
                cut = min(s.start for s in plan.segments if s.group == seg.group)
                break
    segs = [s for s in plan.segments if s.start < cut]
    if segs and segs[-1].end > cut:
        last = segs[-1]
        segs[-1] = Segment(last.start, cut, last.room, last.rate, last.lit, last.still, last.group)
    room = segs[-1].room if segs else "bedroom"
    if cut < plan.end:
        segs.append(Segment(cut, plan.end, room, 0.0, lit=True, still=True))
    plan.segments = segs
    uses = []
    for u in plan.uses:
        if u.start >= cut:
            continue
        if u.end is not None and u.end > cut and not APPLIANCES[u.appliance][2]:
            u.end = None  # nobody is there to switch it off; kettles and microwaves stop themselves
        uses.append(u)
    plan.uses = uses
    plan.door = [(t, v) for t, v in plan.door if t < cut]
    if sum(1 if v else -1 for _, v in plan.door) > 0:
        plan.door.append((plan.door[-1][0] + dt.timedelta(seconds=10), 0.0))  # the door swings shut
