"""The simulated resident's routine: one believable day at a time, as a plan of where they are.

A :class:`RoutinePlanner` turns a :class:`Profile` (when they usually get up and go to bed, how
often they go out, nap or get up at night) into a :class:`DayPlan` for each calendar day: the
rooms they are in (:class:`Segment`), the appliances they use (:class:`ApplianceUse`) and the
front-door openings. A plan runs from the resident getting up on that day to getting up on the
next, so the night belongs to the day before it.

Every day draws from its own random stream, seeded from ``(household, seed, day)``: the plan of a
day does not depend on which window is being generated, so any window of a long simulation is the
same as that slice of the whole. Turning plans into sensor readings is
:mod:`hardware.simulator`'s job.
"""
from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field

#: The rooms of the simulated flat. The hall joins every room and the front door.
ROOMS = ("bedroom", "bathroom", "kitchen", "living_room", "hall")

#: appliance -> (room, typical watts, switches itself off)
APPLIANCES: dict[str, tuple[str, float, bool]] = {
    "kettle": ("kitchen", 2200.0, True),
    "microwave": ("kitchen", 1100.0, True),
    "stove": ("kitchen", 1600.0, False),
    "tv": ("living_room", 95.0, False),
}

# motion pulses per minute seen by the room's PIR for a kind of activity
SLEEP_RATE = 0.012
SETTLED_RATE = 0.2     # watching TV, reading, eating at the table
POTTER_RATE = 0.7      # tidying, dressing, moving about
BUSY_RATE = 1.5        # cooking, washing, walking through
NAP_RATE = 0.03


@dataclass(frozen=True)
class Profile:
    """How one kind of resident lives; all times are minutes after midnight."""

    name: str
    wake: float
    wake_sd: float
    weekend_shift: float
    late_day_prob: float
    bed: float
    bed_sd: float
    morning_outing_prob: float
    afternoon_outing_prob: float
    outing_minutes: tuple[float, float]
    nap_prob: float
    nap_minutes: tuple[float, float]
    night_toilet_mean: float
    activity: float  # multiplies every awake motion rate


PROFILES: dict[str, Profile] = {
    "busy": Profile("busy", wake=7 * 60, wake_sd=20, weekend_shift=30, late_day_prob=0.04,
                    bed=22 * 60 + 45, bed_sd=25, morning_outing_prob=0.65, afternoon_outing_prob=0.35,
                    outing_minutes=(60, 180), nap_prob=0.2, nap_minutes=(20, 45),
                    night_toilet_mean=0.5, activity=1.0),
    "quiet": Profile("quiet", wake=7 * 60 + 45, wake_sd=30, weekend_shift=20, late_day_prob=0.05,
                     bed=22 * 60, bed_sd=30, morning_outing_prob=0.35, afternoon_outing_prob=0.15,
                     outing_minutes=(45, 120), nap_prob=0.6, nap_minutes=(30, 80),
                     night_toilet_mean=1.0, activity=0.75),
    "frail": Profile("frail", wake=8 * 60 + 30, wake_sd=35, weekend_shift=0, late_day_prob=0.08,
                     bed=21 * 60 + 30, bed_sd=30, morning_outing_prob=0.15, afternoon_outing_prob=0.05,
                     outing_minutes=(30, 90), nap_prob=0.9, nap_minutes=(45, 120),
                     night_toilet_mean=1.8, activity=0.55),
}


@dataclass(slots=True)
class Segment:
    """The resident in one room (``None``: out of the home) from ``start`` to ``end``.

    ``rate`` is motion pulses per minute; ``lit`` whether they want the light on when it is dark;
    ``still`` marks time after an incident where nothing moves and nothing is switched.
    ``group`` ties together the segments of one night-time trip (0: none).
    """

    start: dt.datetime
    end: dt.datetime
    room: str | None
    rate: float
    lit: bool = True
    still: bool = False
    group: int = 0


@dataclass(slots=True)
class ApplianceUse:
    """An appliance switched on at ``start`` and off at ``end`` (``None``: never switched off)."""

    appliance: str
    start: dt.datetime
    end: dt.datetime | None


@dataclass(slots=True)
class DayPlan:
    """Where the resident is from getting up on ``day`` to getting up the day after."""

    day: dt.date
    start: dt.datetime
    end: dt.datetime
    segments: list[Segment] = field(default_factory=list)
    uses: list[ApplianceUse] = field(default_factory=list)
    door: list[tuple[dt.datetime, float]] = field(default_factory=list)  # (time, 1 open / 0 closed)


def day_rng(household: str, seed: int, day: dt.date, stream: str) -> random.Random:
    """A random stream for one day and purpose, independent of every other day's."""
    return random.Random(f"{household}|{seed}|{day.toordinal()}|{stream}")


def minutes(m: float) -> dt.timedelta:
    """A timedelta of ``m`` minutes."""
    return dt.timedelta(minutes=m)


def at_minute(day: dt.date, m: float) -> dt.datetime:
    """``day`` at ``m`` minutes after midnight, to the second."""
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=round(m * 60))


def _needs_hall(a: str | None, b: str | None) -> bool:
    """Whether going from room ``a`` to ``b`` passes the hall PIR (kitchen and lounge are open-plan)."""
    if a == b or a == "hall" or b == "hall":
        return False
    return {a, b} != {"kitchen", "living_room"}


class _DayBuilder:
    """Appends segments at a moving cursor, adding the hall on the way between rooms."""

    def __init__(self, plan: DayPlan, rng: random.Random, profile: Profile) -> None:
        self.plan = plan
        self.rng = rng
        self.profile = profile
        self.t = plan.start
        self.room: str | None = "bedroom"
        self._groups = 0

    def new_group(self) -> int:
        """A fresh id for a trip made of several segments."""
        self._groups += 1
        return self._groups

    def stay(self, room: str | None, mins: float, rate: float, *, lit: bool = True, group: int = 0,
             awake: bool = True) -> None:
        """Go to ``room`` (through the hall if needed) and stay ``mins`` minutes."""
        if _needs_hall(self.room, room):
            self._add("hall", self.rng.uniform(0.15, 0.4), BUSY_RATE, lit=True, group=group)
        self._add(room, mins, rate * (self.profile.activity if awake else 1.0), lit=lit, group=group)

    def _add(self, room: str | None, mins: float, rate: float, *, lit: bool, group: int) -> None:
        end = min(self.t + minutes(mins), self.plan.end)
        if end <= self.t:
            return
        end = end.replace(microsecond=0)
        if end <= self.t:
            return
        segs = self.plan.segments
        if segs and segs[-1].room == room and segs[-1].rate == rate and segs[-1].lit == lit \
                and segs[-1].group == group:
            segs[-1].end = end
        else:
            segs.append(Segment(self.t, end, room, rate, lit, group=group))
        self.t = end
        self.room = room

    def use(self, appliance: str, after: float, mins: float) -> None:
        """Switch ``appliance`` on ``after`` minutes from now for ``mins`` minutes."""
        start = (self.t + minutes(after)).replace(microsecond=0)
        self.plan.uses.append(ApplianceUse(appliance, start, (start + minutes(mins)).replace(microsecond=0)))

    def until(self, when: dt.datetime) -> float:
        """Minutes from the cursor to ``when`` (0 if already past)."""
        return max(0.0, (when - self.t).total_seconds() / 60)

    def potter(self, until: dt.datetime) -> None:
        """Move about the home until ``until``: mostly the living room, short trips elsewhere."""
        rng = self.rng
        while self.until(until) > 0.5:
            left = self.until(until)
            r = rng.random()
            if r < 0.5:
                self.stay("living_room", min(left, rng.uniform(15, 50)), SETTLED_RATE)
            elif r < 0.7:
                stay = min(left, rng.uniform(3, 12))
                self.stay("kitchen", stay, POTTER_RATE)
                if stay > 2 and rng.random() < 0.25:
                    self.use("kettle", -stay + 0.5, rng.uniform(2.5, 4))
            elif r < 0.82:
                self.stay("bathroom", min(left, rng.uniform(3, 10)), POTTER_RATE)
            elif r < 0.94:
                self.stay("bedroom", min(left, rng.uniform(3, 15)), POTTER_RATE)
            else:
                self.stay("hall", min(left, rng.uniform(1, 4)), POTTER_RATE)

    def outing(self, mins: float) -> None:
        """Get ready in the hall, go out through the front door for ``mins`` minutes, come back."""
        rng = self.rng
        self.stay("hall", rng.uniform(1, 3), POTTER_RATE)
        self.plan.door.append((self.t, 1.0))
        self.plan.door.append((self.t + dt.timedelta(seconds=rng.randint(4, 12)), 0.0))
        self._add(None, mins, 0.0, lit=False, group=0)
        self.plan.door.append((self.t, 1.0))
        self.plan.door.append((self.t + dt.timedelta(seconds=rng.randint(4, 15)), 0.0))
        self.t += dt.timedelta(seconds=20)
        self.stay("hall", rng.uniform(1, 3), POTTER_RATE)


class RoutinePlanner:
    """Plans the resident's days for one household, deterministically for a seed."""

    def __init__(self, profile: Profile, household: str, seed: int) -> None:
        self.profile = profile
        self.household = household
        self.seed = seed

    def rng(self, day: dt.date, stream: str) -> random.Random:
        """The random stream for ``day`` and ``stream`` of this household."""
        return day_rng(self.household, self.seed, day, stream)

    def wake_time(self, day: dt.date) -> dt.datetime:
        """When the resident gets up on ``day``."""
        p = self.profile
        rng = self.rng(day, "wake")
        mean = p.wake + (p.weekend_shift if day.weekday() >= 5 else 0)
        m = rng.gauss(mean, p.wake_sd)
        if rng.random() < p.late_day_prob:
            m += rng.uniform(45, 100)
        m = min(max(m, p.wake - 100), p.wake + 200)
        return at_minute(day, m)

    def empty(self, day: dt.date) -> DayPlan:
        """The span of ``day``'s plan with nobody doing anything (after a collapse)."""
        return DayPlan(day, self.wake_time(day), self.wake_time(day + dt.timedelta(days=1)))

    def plan(self, day: dt.date) -> DayPlan:
        """The resident's day from getting up on ``day`` to getting up the next day."""
        p = self.profile
        rng = self.rng(day, "day")
        plan = self.empty(day)
        b = _DayBuilder(plan, rng, p)

        # getting up, washing, breakfast
        b.stay("bedroom", rng.uniform(3, 10), POTTER_RATE)
        b.stay("bathroom", rng.uniform(8, 20), BUSY_RATE)
        breakfast = rng.uniform(15, 35)
        if rng.random() < 0.95:
            b.use("kettle", rng.uniform(0.5, 3), rng.uniform(2.5, 4))
        if rng.random() < 0.3:
            b.use("microwave", rng.uniform(4, 8), rng.uniform(1.5, 3))
        b.stay("kitchen", breakfast, BUSY_RATE)
        b.stay("living_room", rng.uniform(10, 30), SETTLED_RATE)

        lunch = at_minute(day, rng.gauss(12 * 60 + 15, 20))
        if rng.random() < p.morning_outing_prob:
            leave = at_minute(day, rng.uniform(9 * 60 + 15, 10 * 60 + 45))
            b.potter(leave)
            b.outing(min(rng.uniform(*p.outing_minutes), max(20.0, b.until(lunch) - 10)))
        b.potter(lunch)

        # lunch
        cook, after = rng.random(), rng.uniform(1, 5)
        busy_for = 0.0
        if cook < 0.45:
            busy_for = after + rng.uniform(2, 6)
            b.use("microwave", after, busy_for - after)
        elif cook < 0.85:
            busy_for = after + rng.uniform(12, 25)
            b.use("stove", after, busy_for - after)
        b.stay("kitchen", max(busy_for + 3, rng.uniform(20, 35)), BUSY_RATE)
        b.stay("living_room", rng.uniform(10, 25), SETTLED_RATE)

        # afternoon: nap, maybe out, tea
        if rng.random() < p.nap_prob:
            b.potter(at_minute(day, rng.uniform(13 * 60 + 30, 14 * 60 + 30)))
            nap = rng.uniform(*p.nap_minutes)
            if rng.random() < 0.3:
                b.stay("bedroom", nap, NAP_RATE, lit=False, awake=False)
            else:
                b.stay("living_room", nap, NAP_RATE, awake=False)
        dinner = at_minute(day, rng.gauss(17 * 60 + 45, 25))
        if rng.random() < p.afternoon_outing_prob:
            b.potter(at_minute(day, rng.uniform(14 * 60 + 45, 15 * 60 + 30)))
            b.outing(min(rng.uniform(*p.outing_minutes), max(20.0, b.until(dinner) - 20)))
        if rng.random() < 0.6:
            b.potter(at_minute(day, rng.uniform(15 * 60 + 30, 16 * 60 + 15)))
            b.stay("kitchen", rng.uniform(4, 8), POTTER_RATE)
            b.use("kettle", -3.5, rng.uniform(2.5, 4))
        b.potter(dinner)

        # dinner
        if rng.random() < 0.7:
            after, cooking = rng.uniform(3, 8), rng.uniform(15, 35)
            b.use("stove", after, cooking)
            b.stay("kitchen", max(after + cooking + 3, rng.uniform(35, 50)), BUSY_RATE)
        else:
            b.use("microwave", rng.uniform(2, 5), rng.uniform(4, 8))
            b.stay("kitchen", rng.uniform(15, 25), BUSY_RATE)

        # evening in front of the TV, with trips to the kitchen and bathroom
        bed = at_minute(day, rng.gauss(p.bed, p.bed_sd))
        bed = min(bed, plan.end - dt.timedelta(hours=5))
        b.potter(at_minute(day, rng.uniform(18 * 60 + 40, 19 * 60 + 30)))
        tv_on = b.t
        while b.until(bed) > 20:
            b.stay("living_room", min(b.until(bed) - 15, rng.uniform(35, 75)), SETTLED_RATE)
            if b.until(bed) > 20:
                room = "kitchen" if rng.random() < 0.55 else "bathroom"
                b.stay(room, rng.uniform(2, 7), POTTER_RATE)
                if room == "kitchen" and rng.random() < 0.35:
                    b.use("kettle", -3, rng.uniform(2.5, 4))
        if b.t > tv_on + minutes(10):
            plan.uses.append(ApplianceUse("tv", tv_on + dt.timedelta(seconds=rng.randint(20, 120)),
                                          b.t - dt.timedelta(seconds=rng.randint(5, 30))))

        # bed, and the night with toilet visits
        b.stay("bathroom", rng.uniform(6, 14), BUSY_RATE)
        b.stay("bedroom", rng.uniform(5, 20), POTTER_RATE)
        asleep_from = b.t
        visits = _poisson(rng, p.night_toilet_mean)
        latest = plan.end - minutes(40)
        times = sorted(asleep_from + minutes(rng.uniform(60, max(61.0, b.until(latest))))
                       for _ in range(visits))
        for when in times:
            if when <= b.t + minutes(20) or when >= latest:
                continue
            b.stay("bedroom", b.until(when), SLEEP_RATE, lit=False, awake=False)
            group = b.new_group()
            b.stay("bedroom", rng.uniform(0.3, 1), POTTER_RATE, group=group)
            b.stay("bathroom", rng.uniform(3, 7), POTTER_RATE, group=group)
            b.stay("bedroom", rng.uniform(0.5, 2), POTTER_RATE, group=group)
        b.stay("bedroom", b.until(plan.end), SLEEP_RATE, lit=False, awake=False)
        plan.uses.sort(key=lambda u: u.start)
        return plan


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson-distributed count (Knuth's method; the means here are small)."""
    limit, k, prod = math.exp(-mean), 0, rng.random()
    while prod > limit:
        k += 1
        prod *= rng.random()
    return k
