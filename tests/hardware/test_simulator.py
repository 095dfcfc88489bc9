"""The simulated home: a believable, deterministic routine, incidents that show, and the real-time runner."""
from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter

import pytest

from hardware.incidents import Collapse, NightWandering, NoWake, StoveLeftOn, make_incident
from hardware.resident import ROOMS
from hardware.sim_runner import SimulatorRunner
from hardware.simulator import SimulatedHome, is_dark
from hub.clock import ManualClock
from hub.events import KINDS

START = dt.datetime(2024, 3, 4)  # a Monday
DAYS = 42


@pytest.fixture(scope="module")
def busy_weeks():
    """Six weeks of the busy resident (generated once for the module: it is read-only)."""
    return list(SimulatedHome("home-1", seed=1, profile="busy").events(START, START + dt.timedelta(days=DAYS)))


def day_window(day: int, frm: float = 0, to: float = 24) -> tuple[dt.datetime, dt.datetime]:
    """The window from hour ``frm`` to hour ``to`` of the ``day``-th day after START."""
    base = START + dt.timedelta(days=day)
    return base + dt.timedelta(hours=frm), base + dt.timedelta(hours=to)


def between(events, start, end, *, kind=None, sensor=None, value=None):
    """The events in [start, end) matching the filters."""
    return [e for e in events if start <= e.time < end and (kind is None or e.kind == kind)
            and (sensor is None or e.sensor == sensor) and (value is None or e.value == value)]


# --------------------------------------------------------------------------- stream contract

def test_same_seed_same_stream_and_other_seeds_differ():
    end = START + dt.timedelta(days=3)
    a = list(SimulatedHome("home-1", seed=7).events(START, end))
    b = list(SimulatedHome("home-1", seed=7).events(START, end))
    c = list(SimulatedHome("home-1", seed=8).events(START, end))
    assert a == b
    assert [e.reading_id for e in a] == [e.reading_id for e in b]
    assert a != c


def test_a_window_is_the_same_slice_of_a_longer_run(busy_weeks):
    start, end = START + dt.timedelta(days=10, hours=13, minutes=7), START + dt.timedelta(days=12, hours=2)
    window = list(SimulatedHome("home-1", seed=1, profile="busy").events(start, end))
    assert window == [e for e in busy_weeks if start <= e.time < end]
    assert len(window) > 100


def test_events_are_ordered_valid_and_from_listed_sensors(busy_weeks):
    home = SimulatedHome("home-1", seed=1)
    specs = {s.name: s for s in home.sensors()}
    assert {s.room for s in specs.values() if s.kind == "motion"} == set(ROOMS)
    assert any("front" in name and s.kind == "door" for name, s in specs.items())
    assert {"kettle", "microwave", "stove", "tv"} <= {n for n, s in specs.items() if s.kind == "appliance"}
    assert all(a.time <= b.time for a, b in zip(busy_weeks, busy_weeks[1:]))
    for e in busy_weeks:
        assert e.kind in KINDS and e.household == "home-1"
        assert e.kind in specs[e.sensor].reports and e.room == specs[e.sensor].room
    kinds = Counter(e.kind for e in busy_weeks)
    assert {"motion", "door", "appliance", "power", "light", "battery"} <= set(kinds)


def test_unknown_profile_is_refused():
    with pytest.raises(ValueError, match="profile"):
        SimulatedHome(profile="sporty")


# --------------------------------------------------------------------------- a believable routine

def first_motion_outside_bedroom(events, day):
    """The first motion after 05:00 that is not the bedroom or a night-time trip to the bathroom."""
    start, end = day_window(day, 5, 14)
    for e in between(events, start, end, kind="motion", value=1):
        if e.sensor == "kitchen_pir":
            return e.time
    return None


def test_gets_up_within_a_plausible_window_with_day_to_day_variation(busy_weeks):
    wakes = [first_motion_outside_bedroom(busy_weeks, d) for d in range(DAYS)]
    minutes = [w.hour * 60 + w.minute for w in wakes if w is not None]
    inside = [m for m in minutes if 6 * 60 <= m <= 9 * 60 + 30]
    assert len(inside) >= 0.9 * DAYS
    assert max(minutes) - min(minutes) >= 40, "every day the same: no day-to-day variation"


def test_kettle_in_the_morning_and_meals_cooked(busy_weeks):
    mornings = sum(bool(between(busy_weeks, *day_window(d, 5, 11), sensor="kettle", kind="appliance", value=1))
                   for d in range(DAYS))
    assert mornings >= 0.85 * DAYS
    cooked = sum(bool(between(busy_weeks, *day_window(d, 16, 20.5), kind="appliance", value=1)
                      and any(e.sensor in ("stove", "microwave")
                              for e in between(busy_weeks, *day_window(d, 16, 20.5), kind="appliance", value=1)))
                 for d in range(DAYS))
    assert cooked >= 0.9 * DAYS
    tv_evenings = sum(bool(between(busy_weeks, *day_window(d, 18, 23.5), sensor="tv", kind="appliance", value=1))
                      for d in range(DAYS))
    assert tv_evenings >= 0.9 * DAYS


def test_appliances_switch_off_and_draw_power_while_on(busy_weeks):
    for name, watts in (("kettle", 1500), ("microwave", 800), ("stove", 1000), ("tv", 50)):
        state = None
        for e in (e for e in busy_weeks if e.sensor == name):
            if e.kind == "appliance":
                assert e.value != state, f"{name} switched to {e.value} twice at {e.time}"
                state = e.value
            elif e.kind == "power":
                assert (e.value > watts) == bool(state), f"{name} reads {e.value} W while {state} at {e.time}"
        assert state == 0


def test_nights_are_mostly_quiet(busy_weeks):
    night = [len(between(busy_weeks, *day_window(d, 1, 5), kind="motion", value=1)) for d in range(DAYS)]
    day = [len(between(busy_weeks, *day_window(d, 10, 14), kind="motion", value=1)) for d in range(DAYS)]
    assert sum(n <= 15 for n in night) >= 0.9 * DAYS
    assert sum(night) * 5 < sum(day)


def test_outings_have_door_events_and_no_motion_while_out(busy_weeks):
    doors = [e for e in busy_weeks if e.sensor == "front_door" and e.kind == "door"]
    opens = [e.time for e in doors if e.value == 1]
    assert [e.value for e in doors] == [1.0, 0.0] * (len(doors) // 2), "door must alternate open/closed"
    outings = [(a, b) for a, b in zip(opens[::2], opens[1::2]) if b - a > dt.timedelta(minutes=20)]
    assert len(outings) >= DAYS // 2
    for left, back in outings:
        seen = between(busy_weeks, left + dt.timedelta(seconds=30), back, kind="motion", value=1)
        assert seen == [], f"motion while out between {left} and {back}: {seen[:3]}"
        assert not between(busy_weeks, left + dt.timedelta(seconds=100), back, kind="appliance", value=1)


def test_lights_go_on_only_when_dark_and_off_at_night(busy_weeks):
    switched_on = between(busy_weeks, busy_weeks[0].time, busy_weeks[-1].time, kind="light", value=1)
    assert len(switched_on) > DAYS
    assert all(is_dark(e.time) or is_dark(e.time - dt.timedelta(minutes=25)) for e in switched_on)
    june = list(SimulatedHome("home-1", seed=1).events(dt.datetime(2024, 6, 10, 11), dt.datetime(2024, 6, 10, 15)))
    assert not [e for e in june if e.kind == "light" and e.value == 1]


def test_batteries_report_daily_as_percent(busy_weeks):
    readings = [e for e in busy_weeks if e.kind == "battery"]
    assert len(readings) == 6 * DAYS
    assert all(20 <= e.value <= 100 for e in readings)


def test_profiles_differ_quiet_resident_goes_out_less_and_naps_more():
    end = START + dt.timedelta(days=28)
    busy = list(SimulatedHome("h", seed=3, profile="busy").events(START, end))
    quiet = list(SimulatedHome("h", seed=3, profile="quiet").events(START, end))

    def door_opens(events):
        return sum(1 for e in events if e.kind == "door" and e.value == 1)
    assert door_opens(quiet) < door_opens(busy)
    assert sum(e.kind == "motion" for e in quiet) < sum(e.kind == "motion" for e in busy)


def test_a_year_generates_in_bounded_time():
    t0 = time.perf_counter()
    count = sum(1 for _ in SimulatedHome("home-1", seed=2).events(dt.datetime(2024, 1, 1), dt.datetime(2025, 1, 1)))
    elapsed = time.perf_counter() - t0
    assert count > 100_000
    assert elapsed < 30, f"a year took {elapsed:.1f} s"  # ~1-2 s here; the bound only catches a blow-up


# --------------------------------------------------------------------------- incidents

ACTIVITY_STARTS = {"motion", "door", "light"}


def resident_actions(events):
    """Readings that only happen when the resident does something: motion/door/light changes, switch-ons."""
    return [e for e in events if (e.kind in ACTIVITY_STARTS and e.value == 1)
            or (e.kind == "appliance" and e.value == 1) or e.kind in ("door",)]


def test_collapse_stops_all_activity_and_leaves_the_rest_as_it_was(busy_weeks):
    at = START + dt.timedelta(days=20, hours=12, minutes=40)
    end = START + dt.timedelta(days=22)
    home = SimulatedHome("home-1", seed=1, profile="busy")
    events = list(home.events(START + dt.timedelta(days=19), end, [Collapse(at)]))
    normal = [e for e in busy_weeks if START + dt.timedelta(days=19) <= e.time < end]
    assert [e for e in events if e.time < at] == [e for e in normal if e.time < at]
    assert resident_actions(e for e in events if e.time >= at) == []
    assert resident_actions(e for e in normal if e.time >= at)
    # the sensors still work: a PIR clears and batteries keep reporting
    after = [e for e in events if e.time >= at]
    assert {e.kind for e in after} >= {"battery"}
    assert all(e.kind != "motion" or e.value == 0 for e in after)


def test_collapse_with_the_stove_on_leaves_it_on(busy_weeks):
    on = next(e for e in busy_weeks if e.sensor == "stove" and e.kind == "appliance" and e.value == 1
              and e.time > START + dt.timedelta(days=5))
    at = on.time + dt.timedelta(minutes=2)
    events = list(SimulatedHome("home-1", seed=1).events(on.time, on.time + dt.timedelta(hours=3), [Collapse(at)]))
    stove = [e for e in events if e.sensor == "stove"]
    assert [e.value for e in stove if e.kind == "appliance"] == [1.0]
    assert len([e for e in stove if e.kind == "power" and e.value > 1000]) >= 3 * 12


def test_no_wake_means_nothing_from_three_in_the_morning(busy_weeks):
    day = (START + dt.timedelta(days=15)).date()
    home = SimulatedHome("home-1", seed=1, profile="busy")
    start, end = START + dt.timedelta(days=14), START + dt.timedelta(days=17)
    events = list(home.events(start, end, [NoWake(day)]))
    three = dt.datetime.combine(day, dt.time(3))
    assert resident_actions(e for e in events if e.time >= three) == []
    normal = [e for e in busy_weeks if start <= e.time < end]
    assert len(resident_actions(e for e in normal if e.time >= three)) > 50
    assert [e for e in events if e.time < three - dt.timedelta(hours=2)] == \
        [e for e in normal if e.time < three - dt.timedelta(hours=2)]


def test_night_wandering_moves_through_the_home_and_opens_the_front_door(busy_weeks):
    at = START + dt.timedelta(days=9, hours=2, minutes=10)
    window = (at, at + dt.timedelta(minutes=40))
    events = list(SimulatedHome("home-1", seed=1).events(START + dt.timedelta(days=8), START + dt.timedelta(days=11),
                                                          [NightWandering(at)]))
    moving = between(events, *window, kind="motion", value=1)
    assert len({e.room for e in moving}) >= 4
    assert len(moving) >= 20
    assert between(events, *window, sensor="front_door", value=1)
    assert between(events, *window, kind="light", value=1)
    assert not between(busy_weeks, *window, sensor="front_door")
    assert len(between(busy_weeks, *window, kind="motion", value=1)) < 10
    # back to bed afterwards, and the next day is the usual one
    later = START + dt.timedelta(days=9, hours=12)
    assert [e for e in events if e.time >= later] == \
        [e for e in busy_weeks if later <= e.time < START + dt.timedelta(days=11)]


def test_stove_left_on_is_never_switched_off(busy_weeks):
    at = START + dt.timedelta(days=12, hours=10, minutes=5)
    end = START + dt.timedelta(days=14)
    events = list(SimulatedHome("home-1", seed=1).events(START + dt.timedelta(days=12), end, [StoveLeftOn(at)]))
    stove = [e for e in events if e.sensor == "stove" and e.time >= at]
    assert [e.value for e in stove if e.kind == "appliance"] == [1.0]
    power = [e for e in stove if e.kind == "power"]
    assert all(e.value > 1000 for e in power)
    assert power[-1].time > end - dt.timedelta(minutes=10)
    # the resident carries on: there is motion later that day
    assert between(events, at + dt.timedelta(hours=2), at + dt.timedelta(hours=8), kind="motion", value=1)


def test_make_incident_by_name():
    at = dt.datetime(2024, 3, 5, 22, 0)
    assert make_incident("collapse", at) == Collapse(at)
    assert make_incident("no_wake", at) == NoWake(dt.date(2024, 3, 6))
    assert make_incident("night_wandering", at) == NightWandering(at)
    assert make_incident("stove_left_on", at) == StoveLeftOn(at)
    with pytest.raises(ValueError, match="flood"):
        make_incident("flood", at)


# --------------------------------------------------------------------------- the real-time runner

def test_runner_steps_deliver_events_in_order_with_the_clock_at_each_event(busy_weeks):
    clock = ManualClock(START + dt.timedelta(days=3))
    seen = []
    runner = SimulatorRunner(SimulatedHome("home-1", seed=1, profile="busy"),
                             lambda e: seen.append((clock.now(), e)), clock)
    stop = START + dt.timedelta(days=4)
    total = 0
    t = clock.now()
    while t < stop:
        t += dt.timedelta(minutes=37)
        total += runner.step(min(t, stop))
    assert clock.now() == stop
    expected = [e for e in busy_weeks if START + dt.timedelta(days=3) <= e.time < stop]
    assert [e for _, e in seen] == expected and total == len(expected) == runner.delivered
    assert all(now == e.time for now, e in seen)


def test_runner_keeps_an_event_the_sink_refused(busy_weeks):
    clock = ManualClock(START + dt.timedelta(days=3, hours=8))
    seen, fail = [], [True]

    def sink(e):
        if fail[0]:
            fail[0] = False
            raise RuntimeError("store is busy")
        seen.append(e)

    runner = SimulatorRunner(SimulatedHome("home-1", seed=1, profile="busy"), sink, clock)
    with pytest.raises(RuntimeError):
        runner.step(START + dt.timedelta(days=3, hours=12))
    runner.step(START + dt.timedelta(days=3, hours=12))
    expected = [e for e in busy_weeks if START + dt.timedelta(days=3, hours=8) <= e.time < START
                + dt.timedelta(days=3, hours=12)]
    assert seen == expected


def test_runner_injects_an_incident_now():
    clock = ManualClock(START + dt.timedelta(days=2, hours=11))
    seen = []
    runner = SimulatorRunner(SimulatedHome("home-1", seed=1), seen.append, clock)
    runner.step(START + dt.timedelta(days=2, hours=11, minutes=30))
    incident = runner.inject("collapse")
    assert incident == Collapse(START + dt.timedelta(days=2, hours=11, minutes=30))
    runner.step(START + dt.timedelta(days=3, hours=12))
    assert resident_actions(e for e in seen if e.time >= incident.at) == []
    with pytest.raises(ValueError, match="past"):
        runner.inject(StoveLeftOn(START))


def test_runner_thread_runs_at_speed_and_stops():
    start = START + dt.timedelta(days=2, hours=7)
    clock = ManualClock(start)
    got = threading.Event()
    seen = []

    def sink(e):
        seen.append(e)
        got.set()

    runner = SimulatorRunner(SimulatedHome("home-1", seed=1), sink, clock, speed=3600 * 4, tick=0.02)
    runner.start()
    try:
        assert got.wait(5), "no simulated event within 5 s at 4 simulated hours per second"
        assert runner.running
    finally:
        runner.stop(timeout=5)
    assert not runner.running
    stopped_at = clock.now()
    assert stopped_at > start
    assert seen and all(e.time < stopped_at for e in seen)
    assert all(a.time <= b.time for a, b in zip(seen, seen[1:]))


# --------------------------------------------------------------------------- the command line

def test_simulate_command_writes_a_canonical_csv_with_incidents(tmp_path):
    from hub.cli import main
    from hub.csvio import read_events

    out = tmp_path / "home.csv"
    assert main(["simulate", "--start", "2024-03-04", "--days", "3", "--seed", "1",
                 "--incident", "collapse@2024-03-05T10:30", "--out", str(out)]) == 0
    events = list(read_events(out))
    expected = list(SimulatedHome("home-1", seed=1).events(START, START + dt.timedelta(days=3),
                                                           [Collapse(dt.datetime(2024, 3, 5, 10, 30))]))
    assert [e.csv_row() for e in events] == [e.csv_row() for e in expected]
    assert resident_actions(e for e in events if e.time >= dt.datetime(2024, 3, 5, 10, 30)) == []
    with pytest.raises(SystemExit):
        main(["simulate", "--incident", "flood@2024-03-05T10:30"])
