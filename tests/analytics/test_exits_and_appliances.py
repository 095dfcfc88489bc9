"""The way out learned when the door is not named "front"; appliances often "on" for hours in
normal life reported as equipment, not as an emergency; one quiet day reported once."""
from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest

from analytics.detectors import Context, Finding
from analytics.detectors.appliance_on import ApplianceOn
from analytics.detectors.inactivity import Inactivity
from analytics.detectors.low_activity import LowActivity
from analytics.engine import Engine
from analytics.replay import drive, replay
from analytics.routine import empty_routine, learn
from analytics.state import HomeState, last_readings
from hub.clock import ManualClock
from hub.events import Event
from tests.analytics import homes

DOOR = "door_3"  # the way out, named like any other door
AWAY = dt.timedelta(hours=3)


def _day_out(day: dt.date, seed: int) -> list[Event]:
    """An ordinary day, the front door renamed, out for 3 hours from the morning door."""
    ev = [Event(e.time, DOOR if e.sensor == "front_door" else e.sensor, e.kind, e.value)
          for e in homes.normal_day(day, random.Random(seed))]
    out_at = min(e.time for e in ev if e.sensor == DOOR)
    back = out_at + AWAY
    kept = [e for e in ev if not (out_at + dt.timedelta(seconds=30) < e.time < back + dt.timedelta(minutes=1))]
    kept += [Event(back, DOOR, "door", 1.0), Event(back + dt.timedelta(seconds=10), DOOR, "door", 0.0)]
    return sorted(kept, key=lambda e: e.time)


def _history(days: int = 21) -> list[Event]:
    return [e for i in range(days) for e in _day_out(homes.START + dt.timedelta(days=i), 100 + i)]


def test_exit_is_learned_from_what_borders_long_daytime_silences():
    routine = learn(_history(), "h")
    assert routine.exit_sensors == [DOOR]
    # inner rooms fire next to outings too, but far too often to be the way out
    assert learn(homes.history(21), "h").exit_sensors == []  # front_door is named: not listed again


def test_learned_exit_means_out_not_collapsed():
    history = _history()
    routine = learn(history, "h")
    day = homes.START + dt.timedelta(days=21)
    events = _day_out(day, 7)
    midnight = dt.datetime.combine(day, dt.time())

    def inactivity_alerts(r):
        clock = ManualClock(history[-1].time)
        engine = Engine(r, clock, household="h", detectors=[Inactivity(r)])
        engine.prime(history)
        return [a for a in drive(engine, clock, events, midnight + dt.timedelta(hours=20))
                if a.kind == "inactivity"]

    assert inactivity_alerts(routine) == []  # the usual 3 h out
    blind = learn(history, "h")
    blind.exit_sensors = []
    blind.quiet = routine.quiet * 0  # a routine that never saw a long quiet at home: the outing looks like one
    assert inactivity_alerts(blind)  # without knowing the way out the same day alarms


def _with_fridge(events: list[Event], days: list[dt.date]) -> list[Event]:
    return sorted(events + [e for d in days for e in homes.fridge_cycles(d)], key=lambda e: e.time)


def test_an_appliance_that_switches_itself_on_at_night_is_learned_as_self_running():
    days = [homes.START + dt.timedelta(days=i) for i in range(21)]
    routine = learn(_with_fridge(homes.history(21), days), "h")
    assert routine.self_running == ["fridge_plug"]  # the kettle is used by the resident
    assert learn(homes.history(21), "h").self_running == []


def test_a_fridge_cycling_on_does_not_hide_a_fall_nor_a_morning_not_up():
    history = _with_fridge(homes.history(21), [homes.START + dt.timedelta(days=i) for i in range(21)])
    day = homes.START + dt.timedelta(days=21)
    midnight = dt.datetime.combine(day, dt.time())

    def alerts(kind: str) -> tuple[dt.datetime, list]:
        events = homes.incident_day(kind, day)
        found = replay(history, _with_fridge(events, [day]), midnight + dt.timedelta(hours=23))
        return max(e.time for e in events), [a for a in found if a.time >= midnight]

    assert alerts("normal")[1] == []  # nor an "appliance left on" for its cycles
    stop, fall = alerts("collapse")
    assert fall and fall[0].kind == "inactivity" and fall[0].time - stop <= dt.timedelta(hours=2)
    _, not_up = alerts("no_wake")
    assert not_up and not_up[0].time <= midnight + dt.timedelta(hours=10)
    # the resident lying still is no reason to call the motion sensors broken, fridge or not
    assert not [a for a in not_up if a.technical]


@pytest.mark.parametrize("says_on", [True, False], ids=["on-and-watts", "watts-only"])
def test_a_meter_on_the_mains_is_never_an_appliance_left_on_even_after_a_restart(says_on):
    # a current clamp on the mains: the home's base load keeps it above its threshold for weeks
    history = homes.history(21)
    start = dt.datetime.combine(homes.START, dt.time())
    history += [Event(start, "mains", "appliance", 1.0)] if says_on else []
    mains = [Event(start + dt.timedelta(minutes=m, seconds=3), "mains", "power", 80.0 + m % 300)
             for m in range(0, 22 * 1440, 5)]
    history += mains[: 21 * 288]
    history.sort(key=lambda e: e.time)
    routine = learn(history, "h")
    assert routine.self_running == ["mains"]
    # a toaster door reed seldom shut is still the resident's: opened again every day
    toaster = [Event(start + dt.timedelta(days=d, hours=8), "toaster", "appliance", v)
               for d in range(21) for v in (0.0, 1.0)]
    assert learn(sorted(homes.history(21) + toaster, key=lambda e: e.time), "h").self_running == []
    # nor is a microwave whose recording only says when it was used, never when it stopped
    used = [Event(start + dt.timedelta(days=d, hours=12), "microwave", "appliance", 1.0) for d in range(21)]
    assert learn(sorted(homes.history(21) + used, key=lambda e: e.time), "h").self_running == []
    # the hub restarts: primed on two days and each sensor's last word (the mains' "on" of weeks ago)
    day = homes.START + dt.timedelta(days=21)
    midnight = dt.datetime.combine(day, dt.time())
    clock = ManualClock(midnight)
    engine = Engine(routine, clock, household="h")
    window = midnight - dt.timedelta(days=2)
    engine.prime([e for e in history if e.time >= window], last_readings([e for e in history if e.time < window]))
    events = sorted(homes.incident_day("normal", day) + mains[21 * 288:], key=lambda e: e.time)
    assert list(drive(engine, clock, events, midnight + dt.timedelta(hours=23))) == []


def _television(day: dt.date, minutes: int, watts_only: bool = True) -> list[Event]:
    """A TV on a plug from 19:00 for ``minutes``: watts every 5 minutes, standby after (and, from a
    plug that says so, "on" and "off" as well)."""
    on = dt.datetime.combine(day, dt.time(19))
    off = on + dt.timedelta(minutes=minutes)
    events = [Event(on + dt.timedelta(minutes=m), "tv", "power", 80.0) for m in range(0, minutes, 5)]
    events.append(Event(off, "tv", "power", 0.5))
    if not watts_only:
        events += [Event(on, "tv", "appliance", 1.0), Event(off, "tv", "appliance", 0.0)]
    return events


def test_a_plug_that_reports_only_watts_is_learned_like_one_that_says_on_and_off():
    """Three hours of television every evening, from a plug that reports watts only: learned as
    the on-times they are, so an ordinary evening raises nothing (it was raised at 2 h every
    evening) and one left on all night still does."""
    days = [homes.START + dt.timedelta(days=i) for i in range(21)]

    def learned(watts_only: bool):
        tv = [e for day in days for e in _television(day, 180, watts_only)]
        return learn(sorted(homes.history(21) + tv, key=lambda e: e.time), "h")

    routine = learned(watts_only=True)
    assert routine.appliance_minutes["tv"] == [180.0] * 21
    assert learned(watts_only=False).appliance_minutes == routine.appliance_minutes

    def appliance_alerts(tv_minutes: int) -> list:
        day = homes.START + dt.timedelta(days=21)
        midnight = dt.datetime.combine(day, dt.time())
        clock = ManualClock(midnight)
        engine = Engine(routine, clock, household="h")
        engine.prime([e for e in homes.history(21) if e.time >= midnight - dt.timedelta(days=2)])
        events = sorted(homes.incident_day("normal", day) + _television(day, tv_minutes), key=lambda e: e.time)
        return [a for a in drive(engine, clock, events, midnight + dt.timedelta(hours=30)) if a.kind == "appliance_on"]

    assert appliance_alerts(170) == []
    left_on = appliance_alerts(9 * 60)
    assert len(left_on) == 1 and left_on[0].time.hour == 0  # 5 h: four times its usual evening, at most


def test_a_thermometer_listed_as_a_contact_does_not_hide_a_fall():
    def thermometer(day: dt.date) -> list[Event]:
        midnight = dt.datetime.combine(day, dt.time())
        return [Event(midnight + dt.timedelta(minutes=m + 3), "T001", "contact", 19.0 + (m % 70) / 20)
                for m in range(0, 1440, 10)]

    days = [homes.START + dt.timedelta(days=i) for i in range(22)]
    history = sorted(homes.history(21) + [e for d in days[:-1] for e in thermometer(d)], key=lambda e: e.time)
    events = homes.incident_day("collapse", days[-1])
    stop = max(e.time for e in events)
    alerts = list(replay(history, sorted(events + thermometer(days[-1]), key=lambda e: e.time),
                         dt.datetime.combine(days[-1], dt.time(23))))
    assert alerts and alerts[0].kind == "inactivity" and alerts[0].time - stop <= dt.timedelta(hours=2)


def test_a_new_hub_does_not_call_the_mains_left_on_and_learns_it_overnight():
    installed = dt.datetime(2024, 5, 1, 10, 0)
    clamp = [Event(installed, "mains", "appliance", 1.0)] + [
        Event(installed + dt.timedelta(minutes=m), "mains", "power", 90.0 + m % 200) for m in range(0, 17 * 60, 5)]
    kettle = [Event(installed, "kettle", "appliance", 0.0), Event(installed + dt.timedelta(hours=1), "kettle", "appliance", 1.0)]
    state = HomeState(started=installed)
    for e in sorted(clamp + kettle, key=lambda e: e.time):
        state.update(e)
    # nothing learned yet: the clamp was on from its first reading (since when?), the kettle was
    # switched on under the hub's eyes and never off
    found = ApplianceOn(empty_routine("h")).check(Context(state, installed + dt.timedelta(hours=4)))
    assert [f.condition for f in found] == ["appliance_on:kettle"]
    # the first nightly retrain (17 hours after installation) knows the clamp runs by itself
    assert learn(clamp + kettle[:1], "h").self_running == ["mains"]


def _state_with(sensor: str, since: dt.datetime, zone: dt.tzinfo = dt.timezone.utc) -> HomeState:
    s = HomeState(started=since, zone=zone)
    s.update(Event(since, sensor, "appliance", 1.0))
    return s


def test_appliance_often_on_for_hours_is_reported_as_equipment():
    t0 = dt.datetime(2024, 5, 1, 12, 0)
    routine = empty_routine("h")
    routine.appliance_minutes = {"microwave": [1.0] * 17 + [600.0, 3000.0], "stove": [20.0] * 19}
    detector = ApplianceOn(routine)
    assert "microwave" in detector.often_long and "stove" not in detector.often_long
    s = _state_with("microwave", t0)
    assert detector.check(Context(s, t0 + dt.timedelta(hours=3))) == []  # the usual "left open"
    late = detector.check(Context(s, t0 + dt.timedelta(hours=61)))
    assert [f.kind for f in late] == ["sensor_stuck"] and late[0].technical
    assert "2 of 19 uses" in late[0].message and len(late[0].message) <= 306
    stove = ApplianceOn(routine).check(Context(_state_with("stove", t0), t0 + dt.timedelta(hours=2, minutes=1)))
    assert [(f.kind, f.technical) for f in stove] == [("appliance_on", False)]


def test_an_appliance_on_for_days_once_is_still_watched():
    """Once is not often: one door left open (or one fault) must not silence a stove left on for good."""
    t0 = dt.datetime(2024, 5, 1, 12, 0)
    routine = empty_routine("h")
    routine.appliance_minutes = {"stove": [1.0] * 11 + [3000.0]}  # 1 in 12 uses, for two days
    detector = ApplianceOn(routine)
    assert "stove" not in detector.often_long
    s = _state_with("stove", t0)  # and nobody moved since: an hour is the wait
    assert detector.check(Context(s, t0 + dt.timedelta(minutes=59))) == []
    found = detector.check(Context(s, t0 + dt.timedelta(minutes=61)))
    assert [(f.kind, f.technical) for f in found] == [("appliance_on", False)]


def test_a_stove_left_on_with_nobody_moving_is_reported_after_an_hour_with_someone_about_after_two():
    t0 = dt.datetime(2024, 5, 1, 12, 0)
    routine = empty_routine("h")
    routine.appliance_minutes = {"stove": [8.0] * 12}
    still = _state_with("stove", t0)
    assert ApplianceOn(routine).check(Context(still, t0 + dt.timedelta(minutes=59))) == []
    found = ApplianceOn(routine).check(Context(still, t0 + dt.timedelta(minutes=61)))
    assert [(f.kind, f.severity) for f in found] == [("appliance_on", "high")]
    assert found[0].message.endswith("No movement since then.")
    about = _state_with("stove", t0)
    about.update(Event(t0 + dt.timedelta(minutes=100), "living_pir", "motion", 1.0))
    assert ApplianceOn(routine).check(Context(about, t0 + dt.timedelta(minutes=119))) == []
    found = ApplianceOn(routine).check(Context(about, t0 + dt.timedelta(minutes=121)))
    assert [(f.kind, f.severity) for f in found] == [("appliance_on", "medium")]


def test_a_stove_on_across_the_clocks_going_forward_is_judged_by_the_real_time_on():
    """Switched on at 01:30 on the night of summer time, nobody moving: at 03:29 by the clock it has
    been on 59 minutes, not two hours, and the hour's wait is not over."""
    amsterdam = ZoneInfo("Europe/Amsterdam")
    t0 = dt.datetime(2026, 3, 29, 1, 30)
    routine = empty_routine("h")
    routine.appliance_minutes = {"stove": [8.0] * 12}
    detector = ApplianceOn(routine)
    assert detector.check(Context(_state_with("stove", t0, amsterdam), dt.datetime(2026, 3, 29, 3, 29))) == []
    found = detector.check(Context(_state_with("stove", t0, amsterdam), dt.datetime(2026, 3, 29, 3, 31)))
    assert [(f.kind, f.evidence["on_min"]) for f in found] == [("appliance_on", 61)]
    assert "since 01:30 (1 h 01 min)" in found[0].message


def test_nobody_moving_shortens_the_wait_but_not_below_the_longest_normal_use():
    """A film watched without moving is no alarm; a TV on longer than ever, with nobody moving, is."""
    t0 = dt.datetime(2024, 5, 1, 19, 0)
    routine = empty_routine("h")
    routine.appliance_minutes = {"tv": [90.0] * 15 + [200.0, 220.0, 240.0]}
    detector = ApplianceOn(routine)
    assert detector.limits["tv"] == 300  # 4 x its usual 90 min, at most 5 h
    s = _state_with("tv", t0)  # switched on, then nothing moved
    assert detector.check(Context(s, t0 + dt.timedelta(hours=3))) == []  # half the limit, but seen before
    late = detector.check(Context(s, t0 + dt.timedelta(hours=4, minutes=1)))
    assert [(f.kind, f.severity) for f in late] == [("appliance_on", "high")]
    assert late[0].evidence["nobody_moving"] is True and late[0].evidence["limit_min"] == 240
    # a kettle once reported "on" for a day and a half (a fault) has still never boiled for hours
    routine.appliance_minutes = {"kettle": [3.0] * 30 + [2000.0]}
    kettle = ApplianceOn(routine).check(Context(_state_with("kettle", t0), t0 + dt.timedelta(hours=1, minutes=1)))
    assert [(f.kind, f.evidence["limit_min"]) for f in kettle] == [("appliance_on", 60)]


class _Says:
    """A test detector that reports one finding from a given time on."""

    def __init__(self, finding: Finding, start: dt.datetime) -> None:
        self.finding, self.start = finding, start

    def check(self, ctx):
        return [self.finding] if ctx.now >= self.start else []


def test_quiet_day_already_reported_as_silence_is_not_reported_again():
    t0 = dt.datetime(2024, 5, 1, 10, 0)
    clock = ManualClock(t0)
    silent = Finding("inactivity", "inactivity", "critical", "No movement")
    quiet = Finding("low_activity:2024-05-01", "low_activity", "medium", "Quiet day", once=True)
    engine = Engine(empty_routine("h"), clock, household="h",
                    detectors=[_Says(silent, t0), _Says(quiet, t0 + dt.timedelta(hours=6))])
    raised = engine.tick()
    clock.set(t0 + dt.timedelta(hours=6))
    raised += engine.tick()
    assert [a.kind for a in raised] == ["inactivity"]
    # on a day without a silence the quiet day is reported
    other = Engine(empty_routine("h"), clock, household="h", detectors=[_Says(quiet, t0)])
    assert [a.kind for a in other.tick()] == ["low_activity"]


def test_low_activity_is_judged_per_hour_at_home():
    history = homes.history(21)
    routine = learn(history, "h")
    detector = LowActivity(routine)
    assert 0.1 <= detector.threshold <= 0.4  # calibrated on this resident's own spread
    day = homes.START + dt.timedelta(days=21)
    midnight = dt.datetime.combine(day, dt.time())
    ev = homes.normal_day(day, random.Random(5))
    out_at = min(e.time for e in ev if e.sensor == "front_door" and e.time.hour >= 9)
    # out from the morning door until 19:00: few movements, but a day out is not a quiet day
    away = [e for e in ev if not (out_at < e.time < midnight + dt.timedelta(hours=19))]
    away += [Event(midnight + dt.timedelta(hours=19), "front_door", "door", 1.0),
             Event(midnight + dt.timedelta(hours=19, seconds=10), "front_door", "door", 0.0)]
    quiet = [e for e in ev if e.time < midnight + dt.timedelta(hours=6) or e.value == 0
             or random.Random(e.time.minute).random() < 0.2]

    def low(events):
        clock = ManualClock(history[-1].time)
        engine = Engine(routine, clock, household="h", detectors=[LowActivity(routine)])
        engine.prime(history)
        return [a for a in drive(engine, clock, sorted(events, key=lambda e: e.time), midnight + dt.timedelta(hours=23))
                if a.time >= midnight]

    assert low(away) == []
    found = low(quiet)
    assert [a.kind for a in found] == ["low_activity"]
    assert found[0].evidence["ratio"] < detector.threshold and "at home" in found[0].message


def _paced(start: dt.datetime, hours: float, per_hour: float) -> list[Event]:
    """Motion evenly spread over ``hours`` from ``start``, ``per_hour`` a hour, round the rooms."""
    n = int(per_hour * hours)
    step = dt.timedelta(hours=hours) / max(n, 1)
    return [Event(start + i * step, ("kitchen_pir", "living_pir", "hall_pir")[i % 3], "motion", 1.0)
            for i in range(n)]


def _quiet_days(history: list[Event], today: dt.date):
    """A function replaying a day's events after ``history`` through the quiet-day detector alone,
    returning its alerts up to 23:30 of ``today``."""
    routine = learn(history, "h")

    def low(events: list[Event]) -> list:
        clock = ManualClock(history[-1].time)
        engine = Engine(routine, clock, household="h", detectors=[LowActivity(routine)])
        engine.prime(history)
        return list(drive(engine, clock, events, dt.datetime.combine(today, dt.time(23, 30))))
    return low


def test_low_activity_is_calibrated_on_the_first_hour_it_judges():
    """On a third of her days the resident potters slowly until 11:00: such a morning, judged at
    11:00, is no alarm; a day far slower still, all day long, is."""
    def day(d: dt.date, morning_pace: float, pace: float = 12.0) -> list[Event]:
        six = dt.datetime.combine(d, dt.time(6))
        return _paced(six, 5, morning_pace) + _paced(six + dt.timedelta(hours=5), 12, pace)

    start = dt.date(2024, 3, 1)
    history = [e for i in range(20) for e in day(start + dt.timedelta(days=i), 2.5 if i % 3 == 1 else 12.0)]
    today = start + dt.timedelta(days=20)
    low = _quiet_days(history, today)

    assert low(day(today, 2.5)) == []
    found = low(day(today, 1.0, pace=1.0))
    assert [a.kind for a in found] == ["low_activity"] and found[0].time.hour >= 11


def _up_at(d: dt.date, up_at: float, pace: float = 30.0) -> list[Event]:
    """A day the resident gets up at ``up_at`` o'clock and moves at ``pace`` a hour until 22:00."""
    rising = dt.datetime.combine(d, dt.time()) + dt.timedelta(hours=up_at)
    return _paced(rising, 22 - up_at, pace)


@pytest.mark.parametrize("usual_up, up_today, quiet_pace, said", [
    # a late riser (09:00-11:00) up at 11:00: her day counted from 06:00 is far behind for its first
    # hour; the pace is judged from an hour after she got up (no_wake judges a late morning)
    ([9, 9.5, 10, 10.5, 11], 11, 2.0, ""),
    # an early riser (07:00-07:30) up at 09:45: far behind all morning; the time in bed after her
    # usual get-up time is not counted as time at home
    ([7, 7.25, 7.5], 9.75, 4.0, "(a lie-in to 09:45 not counted)"),
])
def test_a_resident_up_later_than_usual_is_not_a_quiet_day(usual_up, up_today, quiet_pace, said):
    """Up late and as busy as ever after is no quiet day; up as late and barely moving still is."""
    start = dt.date(2024, 3, 1)
    history = [e for i in range(20) for e in _up_at(start + dt.timedelta(days=i), usual_up[i % len(usual_up)])]
    today = start + dt.timedelta(days=20)
    low = _quiet_days(history, today)

    assert low(_up_at(today, up_today)) == []
    found = low(_up_at(today, up_today, pace=quiet_pace))
    assert [a.kind for a in found] == ["low_activity"]
    assert said in found[0].message
    assert (found[0].evidence["lie_in_min"] > 0) == bool(said)


def test_a_late_risers_lie_ins_do_not_blunt_the_quiet_day_check():
    """She gets up between 09:00 and 10:00, and at noon one day in four. Those lie-ins are no_wake's
    to judge (its deadline is after noon), so their empty mornings do not teach the quiet-day check
    that a near-empty day is ordinary: up at 09:30 and moving at under a seventh of it is a quiet day,
    while another lie-in, or getting up just before the deadline, is not."""
    start = dt.date(2024, 3, 1)
    history = [e for i in range(20)
               for e in _up_at(start + dt.timedelta(days=i), 12 if i % 4 == 3 else 9 + (i % 3) / 2)]
    today = start + dt.timedelta(days=20)
    low = _quiet_days(history, today)

    found = low(_up_at(today, 9.5, pace=4.0))
    assert [a.kind for a in found] == ["low_activity"]
    assert low(_up_at(today, 12)) == [] and low(_up_at(today, 12.6)) == []


class _Breaks:
    """A test detector with a bug: it raises from a given time on."""

    def __init__(self, start: dt.datetime) -> None:
        self.start = start

    def check(self, ctx):
        if ctx.now >= self.start:
            raise ZeroDivisionError("a bug in one detector")
        return []


def test_a_failing_detector_does_not_stop_the_others_nor_re_raise_their_alerts():
    t0 = dt.datetime(2024, 5, 1, 10, 0)
    clock = ManualClock(t0)
    silent = Finding("inactivity", "inactivity", "critical", "No movement")
    engine = Engine(empty_routine("h"), clock, household="h",
                    detectors=[_Breaks(t0), _Says(silent, t0)])
    assert [a.kind for a in engine.tick()] == ["inactivity"]
    clock.advance(dt.timedelta(minutes=1))
    assert engine.tick() == [] and "inactivity" in engine.active
    # a condition of the broken detector is neither cleared nor raised again while it fails
    battery = Finding("battery:hall", "battery", "low", "Low battery", technical=True)
    flaky = _Says(battery, t0)
    engine = Engine(empty_routine("h"), clock, household="h", detectors=[flaky])
    assert [a.kind for a in engine.tick()] == ["battery"]
    engine.detectors = [_Breaks(t0), _Says(silent, t0)]
    clock.advance(dt.timedelta(minutes=1))
    assert [a.kind for a in engine.tick()] == ["inactivity"] and "battery:hall" in engine.active
    engine.detectors = [flaky, _Says(silent, t0)]
    assert engine.tick() == []


class _During:
    """A test detector that reports one finding within given (start, end) windows."""

    def __init__(self, finding: Finding, *windows: tuple[dt.datetime, dt.datetime]) -> None:
        self.finding, self.windows = finding, windows

    def check(self, ctx):
        return [self.finding] if any(a <= ctx.now < b for a, b in self.windows) else []


def test_a_new_silence_after_coming_home_is_reported_though_the_home_was_empty():
    """A home silent for a day is reported once, not again each time the silence is noticed; but
    once the resident is clearly back (moving through several places), a new silence is a new
    incident and is reported, while that day's low count is not reported on top."""
    routine = learn(homes.history(21), "h")
    t0 = dt.datetime.combine(homes.START + dt.timedelta(days=22), dt.time(9))
    hour = dt.timedelta(hours=1)
    clock = ManualClock(t0)
    silence = Finding("inactivity", "inactivity", "critical", "No movement")
    quiet = Finding("low_activity:day", "low_activity", "medium", "Quiet day", once=True)
    engine = Engine(routine, clock, household="h", detectors=[
        _During(silence, (t0, t0 + hour), (t0 + 3 * hour, t0 + 4 * hour), (t0 + 7 * hour, t0 + 8 * hour)),
        _During(quiet, (t0 + 7 * hour, t0 + 8 * hour))])
    raised = []
    for h in range(5):
        clock.set(t0 + h * hour)
        raised += engine.tick()
    assert [a.kind for a in raised] == ["inactivity"]  # the empty home's second notice is held back
    back = t0 + 5 * hour
    for i, sensor in enumerate(("front_door", "hall_pir", "kitchen_pir", "living_pir")):
        clock.set(back + dt.timedelta(minutes=i))
        raised += engine.on_event(Event(clock.now(), sensor, "door" if i == 0 else "motion", 1.0))
    clock.set(t0 + 7 * hour)
    raised += engine.tick()
    assert [a.kind for a in raised] == ["inactivity", "inactivity"]
    assert raised[1].time == t0 + 7 * hour


def test_not_up_after_being_up_in_two_places_since_a_quiet_day_was_reported_is_reported():
    """A quiet day reported at noon, the resident seen in the kitchen and the bathroom that evening,
    then not up the next morning: a new incident (the evening showed her up and about), not the
    same silence again. A home where only one sensor has stirred since (the kitchen, as readings
    while away can) stays the silence already reported."""
    routine = learn(homes.history(21), "h")
    noon = dt.datetime.combine(homes.START + dt.timedelta(days=22), dt.time(12))
    morning = noon + dt.timedelta(hours=22)  # 10:00 the next day
    quiet = Finding("low_activity:day", "low_activity", "medium", "Quiet day", once=True)
    not_up = Finding("no_wake:next", "no_wake", "high", "Not up", once=True)

    def run(evening: list[tuple[int, str]]) -> list[str]:
        clock = ManualClock(noon)
        engine = Engine(routine, clock, household="h", detectors=[
            _During(quiet, (noon, noon + dt.timedelta(minutes=1))),
            _During(not_up, (morning, morning + dt.timedelta(hours=1)))])
        raised = engine.tick()
        for hour, sensor in evening:
            clock.set(noon + dt.timedelta(hours=hour))
            raised += engine.on_event(Event(clock.now(), sensor, "motion", 1.0))
        clock.set(morning)
        raised += engine.tick()
        return [a.kind for a in raised]

    assert run([(9, "kitchen_pir"), (10, "bathroom_pir")]) == ["low_activity", "no_wake"]
    assert run([(9, "kitchen_pir"), (10, "kitchen_pir")]) == ["low_activity"]


def test_an_empty_home_reported_not_up_is_not_reported_again_two_days_on():
    """'Not up' reported, then nothing in the home for two days: the silence was told when it began
    (and the alert escalates until someone takes it), it is not news again 36 hours later. Once the
    resident is back, a new silence is (test above)."""
    routine = learn(homes.history(21), "h")
    t0 = dt.datetime.combine(homes.START + dt.timedelta(days=22), dt.time(10))
    clock = ManualClock(t0)
    not_up = Finding("no_wake:day", "no_wake", "high", "Not up", once=True)
    silence = Finding("inactivity", "inactivity", "critical", "No movement")
    engine = Engine(routine, clock, household="h", detectors=[
        _During(not_up, (t0, t0 + dt.timedelta(hours=11))),
        _During(silence, (t0 + dt.timedelta(hours=11), t0 + dt.timedelta(hours=60)))])
    raised = []
    for h in range(0, 60, 1):
        clock.set(t0 + dt.timedelta(hours=h))
        raised += engine.tick()
    assert [a.kind for a in raised] == ["no_wake"]
