"""Each detector fires on its incident day and stays silent on an ordinary day."""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import math
import random

import numpy as np
import pytest

from analytics.detectors import slot_of
from analytics.detectors.appliance_on import ApplianceOn
from analytics.detectors.inactivity import Inactivity
from analytics.detectors.low_activity import LowActivity
from analytics.detectors.night_activity import NightActivity
from analytics.detectors.no_wake import NoWake
from analytics.detectors.sensor_health import SensorHealth
from analytics.engine import Engine
from analytics.explain import duration
from analytics.replay import drive, replay
from analytics.routine import learn
from hardware.decoders import zigbee2mqtt
from hardware.simulator import SimulatedHome
from hub.clock import ManualClock
from hub.config import DeviceConfig
from hub.errors import ModelError
from hub.events import Event
from tests.analytics import homes

DAY = homes.START + dt.timedelta(days=21)
MIDNIGHT = dt.datetime.combine(DAY, dt.time())


def run_detector(detector_cls, routine, history, kind, until_hours=24.0, extra=()):
    """Replay one constructed day through an engine that runs only ``detector_cls``."""
    clock = ManualClock(history[-1].time)
    engine = Engine(routine, clock, household="test-home", detectors=[detector_cls(routine)])
    engine.prime(history)
    events = sorted(list(homes.incident_day(kind, DAY)) + list(extra), key=lambda e: e.time)
    return list(drive(engine, clock, events, MIDNIGHT + dt.timedelta(hours=until_hours)))


@pytest.mark.parametrize("detector_cls,incident,kind,by_hour", [
    (Inactivity, "collapse", "inactivity", 16),
    (NoWake, "no_wake", "no_wake", 10),
    (LowActivity, "low_activity", "low_activity", 24),
    (NightActivity, "wandering", "night_activity", 3),
    (ApplianceOn, "kettle_left_on", "appliance_on", 18),
])
def test_detector_fires_on_incident_and_not_on_normal_day(routine, history, detector_cls, incident, kind, by_hour):
    normal = run_detector(detector_cls, routine, history, "normal")
    assert [a for a in normal if a.time >= MIDNIGHT] == []
    alerts = [a for a in run_detector(detector_cls, routine, history, incident) if a.time >= MIDNIGHT]
    assert alerts, f"{detector_cls.__name__} raised nothing on a {incident} day"
    first = alerts[0]
    assert first.kind == kind and not first.technical
    assert first.time <= MIDNIGHT + dt.timedelta(hours=by_hour)
    assert first.evidence


def test_collapse_is_caught_within_two_hours(routine, history):
    alerts = [a for a in run_detector(Inactivity, routine, history, "collapse") if a.time >= MIDNIGHT]
    last = max(e.time for e in homes.incident_day("collapse", DAY))
    assert alerts[0].time - last <= dt.timedelta(hours=2)
    assert alerts[0].severity == "critical"
    assert len([a for a in alerts if a.kind == "inactivity"]) == 1  # one condition, one alert


@pytest.mark.parametrize("day,clock_change_min", [(dt.date(2026, 3, 29), 60), (dt.date(2026, 10, 25), -60)])
def test_a_silence_across_the_clocks_changing_is_told_in_real_time(day, clock_change_min):
    """Down in the bathroom at 01:30 on the night the clocks change, found at the usual get-up
    time: the silence is an hour shorter than the wall clock says in spring, an hour longer in autumn."""
    history = homes.history(21, start=day - dt.timedelta(days=21))
    routine = learn(history, "test-home")
    midnight = dt.datetime.combine(day, dt.time())
    clock = ManualClock(midnight, "Europe/Amsterdam")
    engine = Engine(routine, clock, household="test-home", detectors=[Inactivity(routine)])
    engine.prime(history + [e for e in homes.normal_day(day, random.Random(5)) if e.time < midnight.replace(hour=1)])
    fall = midnight.replace(hour=1, minute=30)
    assert engine.on_event(Event(fall, "bathroom_pir", "motion", 1.0)) == []
    alerts = []
    for _ in range(12 * 60):  # every minute until noon, as the hub's scheduler ticks
        clock.advance(dt.timedelta(minutes=1))
        alerts += engine.tick()
        if alerts:
            break
    assert [a.kind for a in alerts] == ["inactivity"]
    on_the_wall = (alerts[0].time - fall).total_seconds() / 60
    real = on_the_wall - clock_change_min
    assert alerts[0].evidence["quiet_min"] == round(real)
    assert f"since 01:30 ({duration(real)})" in alerts[0].message


def test_no_wake_deadline_follows_the_learned_get_up_time(routine):
    detector = NoWake(routine)
    assert 6 * 60 + 45 <= detector.median <= 7 * 60 + 15
    assert detector.latest + 10 <= detector.deadline <= detector.p90 + 100


def test_a_short_history_of_mornings_does_not_pass_for_the_latest_there_is():
    """A resident up about 08:00, one morning in twelve an hour or so later (a bad night). From a
    week to eight weeks of history, ordinary mornings later than the deadline stay within the
    budget; "the latest seen plus 20 minutes" was up to three times over it from two weeks of
    history. With eight weeks, the deadline is about where that rule put it."""
    from analytics.detectors.no_wake import LATE_BUDGET_PER_30D, late_tail

    rng = np.random.default_rng(7)

    def mornings(n):
        return rng.normal(480, 25, n) + (rng.random(n) < 1 / 12) * rng.uniform(45, 100, n)

    for days in (7, 14, 28, 56):
        late_new, late_old, later_by = [], [], []
        for _ in range(150):
            seen = mornings(days)
            p90, latest = np.quantile(seen, 0.9), seen.max()
            old = min(max(latest + 20, p90 + 45), p90 + 100)
            new = min(max(old, late_tail(seen)), p90 + 100)
            future = mornings(1000)
            late_new.append(np.mean(future > new))
            late_old.append(np.mean(future > old))
            later_by.append(new - old)
        assert 30 * np.mean(late_new) <= 1.5 * LATE_BUDGET_PER_30D, days
        if days == 14:
            assert 30 * np.mean(late_old) > 2 * LATE_BUDGET_PER_30D
        if days == 56:
            assert np.mean(later_by) < 15


def test_back_to_bed_after_a_trip_before_the_usual_get_up_time_is_not_being_up(routine, history):
    """Up at 05:00 for the toilet, then nothing but the bed mat: not up, said by the usual deadline.
    The ordinary day's trip before its get-up at 07:00 raises nothing (the parametrised test)."""
    alerts = [a for a in run_detector(NoWake, routine, history, "back_to_bed", until_hours=12) if a.time >= MIDNIGHT]
    assert [a.kind for a in alerts] == ["no_wake"]
    detector = NoWake(routine)
    assert alerts[0].time == MIDNIGHT + dt.timedelta(minutes=math.ceil(detector.deadline))
    assert "out of bed only briefly since 03:00 (last at 05:06), then back to bed (bed mat last at" in alerts[0].message
    assert alerts[0].evidence["back_in_bed"]


def test_getting_up_for_the_day_is_an_hour_of_activity_not_a_trip():
    """The live rule is the one get-up times are learned by (``history_stats.wake_minute``)."""
    from analytics.state import HomeState

    five = MIDNIGHT + dt.timedelta(hours=5)
    state = HomeState(started=MIDNIGHT)
    for i, sensor in enumerate(("bedroom_pir", "hall_pir", "bathroom_pir", "hall_pir")):
        state.update(Event(five + dt.timedelta(minutes=2 * i), sensor, "motion", 1.0))
    state.update(Event(five + dt.timedelta(minutes=10), "bed_mat", "pressure", 1.0))
    assert not state.up_today(five + dt.timedelta(minutes=10))
    assert state.last_in_bed_sensor == "bed_mat"
    seven = MIDNIGHT + dt.timedelta(hours=7)
    for minutes in (0, 16, 31):  # activity in three quarters of the hour from 07:00
        state.update(Event(seven + dt.timedelta(minutes=minutes), "kitchen_pir", "motion", 1.0))
    assert state.up_today(seven + dt.timedelta(minutes=31)) and state.up_for_day == seven
    assert not state.up_today(seven + dt.timedelta(days=1))
    # a seat mat on the couch is not the bed
    state.update(Event(seven + dt.timedelta(hours=1), "couch_mat", "pressure", 1.0))
    assert state.last_in_bed_sensor == "bed_mat"


def test_a_new_install_says_it_has_nothing_learned_to_compare_with():
    """No "on 0 of the last 0 days": with no history the messages say the limit is a starting one."""
    from analytics.detectors import Context
    from analytics.routine import empty_routine
    from analytics.state import HomeState

    new_home = empty_routine("new-home")
    evening = MIDNIGHT - dt.timedelta(hours=2)
    state = HomeState(started=evening)
    state.update(Event(evening, "hall_pir", "motion", 1.0))
    found = NoWake(new_home).check(Context(state, MIDNIGHT + dt.timedelta(hours=10)))
    assert [f.kind for f in found] == ["no_wake"]
    assert "not learned yet" in found[0].message and "on 0 days" not in found[0].message

    clock = ManualClock(MIDNIGHT + dt.timedelta(hours=1))
    out_at = MIDNIGHT + dt.timedelta(hours=2)
    events = [Event(out_at - dt.timedelta(minutes=1), "hall_pir", "motion", 1.0),
              Event(out_at, "front_door", "door", 1.0),
              Event(out_at + dt.timedelta(seconds=20), "front_door", "door", 0.0)]
    alerts = list(drive(Engine(new_home, clock, household="new-home"), clock, events, out_at + dt.timedelta(hours=20)))
    assert [a.kind for a in alerts] == ["night_activity", "not_back"]
    assert all("Nothing learned" in a.message and "last 0" not in a.message for a in alerts)


def test_a_silence_alert_handed_on_late_tells_the_silence_as_it_is_then(routine):
    """The engine holds inactivity back while another silence alert stands (no_wake until the
    evening): when it goes out, its duration is the one at that time, not when first found."""
    from analytics.detectors import Context
    from analytics.state import HomeState

    last = MIDNIGHT + dt.timedelta(hours=10)
    state = HomeState(started=last)
    state.update(Event(last, "kitchen_pir", "motion", 1.0))
    detector = Inactivity(routine)
    first = next(f for m in range(1, 24 * 60) for f in detector.check(Context(state, last + dt.timedelta(minutes=m))))
    assert f"since 10:00 ({first.evidence['quiet_min'] // 60} h" in first.message
    later = detector.check(Context(state, MIDNIGHT + dt.timedelta(hours=21)))
    assert [f.condition for f in later] == [first.condition]
    assert "since 10:00 (11 h 00 min)" in later[0].message and later[0].evidence["quiet_min"] == 660
    next_day = detector.check(Context(state, MIDNIGHT + dt.timedelta(days=1, hours=9)))
    assert "since yesterday 10:00 (23 h 00 min)" in next_day[0].message


def test_a_silence_held_back_is_not_told_once_the_resident_has_moved(routine, history):
    """The hub is back after a power cut through the night, past her morning deadline: not up and
    the silence since last evening hold at once, and "not up" is told (the silence waits behind
    it, as the same incident). She gets up half an hour later, her first readings a few minutes
    apart: "No movement at home since yesterday ..." would be false from then on, so it is never
    told, though the silence is over for the engine only once she is clearly about again."""
    evening = [e for e in history if e.time < MIDNIGHT]
    back = MIDNIGHT + dt.timedelta(minutes=math.ceil(NoWake(routine).deadline))
    clock = ManualClock(back)
    engine = Engine(routine, clock, detectors=[NoWake(routine), Inactivity(routine)])
    engine.prime(evening)
    assert [a.kind for a in engine.tick()] == ["no_wake"]
    up = [Event(back + dt.timedelta(minutes=30 + 6 * i), s, "motion", 1.0)
          for i, s in enumerate(("kitchen_pir", "kitchen_pir", "living_pir"))]
    assert list(drive(engine, clock, up, back + dt.timedelta(hours=1))) == []


def test_a_quiet_day_judged_after_midnight_says_since_yesterday_06_00(routine):
    from analytics.detectors import Context
    from analytics.state import HomeState

    morning = MIDNIGHT + dt.timedelta(hours=6, minutes=30)
    state = HomeState(started=MIDNIGHT)
    state.update(Event(morning, "kitchen_pir", "motion", 1.0))
    late = LowActivity(routine).check(Context(state, MIDNIGHT + dt.timedelta(days=1, hours=1)))
    assert [f.kind for f in late] == ["low_activity"]
    assert "1 movement since yesterday 06:00" in late[0].message
    same_day = LowActivity(routine).check(Context(state, MIDNIGHT + dt.timedelta(hours=12)))
    assert "since 06:00 in" in same_day[0].message


def test_front_door_then_silence_is_out_not_collapsed(routine, history):
    gone = [e for e in homes.incident_day("normal", DAY) if e.time < MIDNIGHT + dt.timedelta(hours=10)]
    last = max(e.time for e in gone)
    leave = [Event(last + dt.timedelta(minutes=1), "hall_pir", "motion", 1.0),
             Event(last + dt.timedelta(minutes=2), "front_door", "door", 1.0),
             Event(last + dt.timedelta(minutes=2, seconds=10), "front_door", "door", 0.0)]
    clock = ManualClock(history[-1].time)
    engine = Engine(routine, clock, household="test-home", detectors=[Inactivity(routine)])
    engine.prime(history)
    alerts = list(drive(engine, clock, sorted(gone + leave, key=lambda e: e.time), MIDNIGHT + dt.timedelta(hours=20)))
    assert [a for a in alerts if a.kind == "inactivity"] == []
    # away far longer than ever before is reported as "not back", not as a fall
    alerts = list(drive(engine, clock, [], MIDNIGHT + dt.timedelta(hours=30)))
    assert [a.kind for a in alerts] == ["not_back"]


def test_sensor_offline_and_battery_are_technical(routine, history):
    extra = [Event(MIDNIGHT + dt.timedelta(hours=9), "kitchen_pir", "availability", 0.0),
             Event(MIDNIGHT + dt.timedelta(hours=9, minutes=5), "hall_pir", "battery", 9.0)]
    alerts = run_detector(SensorHealth, routine, history, "normal", extra=extra)
    kinds = sorted(a.kind for a in alerts)
    assert kinds == ["battery_low", "sensor_offline"]
    assert all(a.technical for a in alerts)
    assert run_detector(SensorHealth, routine, history, "normal") == []


def test_silent_sensor_is_offline_only_while_others_still_report(routine, history):
    events = [e for e in homes.incident_day("normal", DAY) if e.sensor != "kettle"]
    clock = ManualClock(history[-1].time)
    engine = Engine(routine, clock, detectors=[SensorHealth(routine, floor_hours=6, factor=1.0)])
    engine.prime(history)
    alerts = list(drive(engine, clock, events, MIDNIGHT + dt.timedelta(hours=23)))
    assert [a.condition for a in alerts] == ["sensor_offline:kettle"]
    assert alerts[0].technical


def test_a_sensor_dead_as_the_clocks_go_back_is_reported_an_hour_after_not_two():
    """A motion sensor with a 15-minute heartbeat (an hour's limit) dies at 02:50 summer time, the
    night the clocks go back from 03:00 to 02:00: reported at the second 02:50, an hour later, not
    at 03:50, two hours later."""
    day = dt.date(2026, 10, 25)
    history = homes.history(21, start=day - dt.timedelta(days=21))
    first, midnight = history[0].time, dt.datetime.combine(day, dt.time())
    history = sorted(history + [Event(first + dt.timedelta(minutes=15 * i), "hall_pir", "battery", 80.0)
                                for i in range((midnight - first) // dt.timedelta(minutes=15))], key=lambda e: e.time)
    routine = learn(history, "test-home")
    death = midnight.replace(hour=2, minute=50)
    clock = ManualClock(death, "Europe/Amsterdam")
    engine = Engine(routine, clock, detectors=[SensorHealth(routine)])
    engine.prime(history)
    assert engine.on_event(Event(death, "hall_pir", "battery", 80.0)) == []
    alerts = []
    for minute in range(3 * 60):  # the resident turns in bed every 10 minutes; the hub ticks every minute
        now = clock.advance(dt.timedelta(minutes=1))
        alerts += engine.on_event(Event(now, "bed_mat", "pressure", 1.0)) if minute % 10 == 0 else engine.tick()
        if alerts:
            break
    assert [a.condition for a in alerts] == ["sensor_offline:hall_pir"]
    assert (alerts[0].time, alerts[0].time.fold) == (death, 1)


def _days_without(engine, clock, first, n, drop):
    """Drive ``n`` ordinary days from ``first`` leaving out the readings ``drop(day index, event)``
    says; return the alerts raised and the readings fed."""
    alerts, fed = [], []
    for i in range(n):
        day = first + dt.timedelta(days=i)
        events = [e for e in homes.normal_day(day, random.Random(i)) if not drop(i, e)]
        alerts += drive(engine, clock, events, dt.datetime.combine(day, dt.time(23, 59)))
        fed += events
    return alerts, fed


def test_a_sensor_back_and_silent_again_is_reported_again(routine, history):
    clock = ManualClock(history[-1].time)
    engine = Engine(routine, clock, detectors=[SensorHealth(routine)])
    engine.prime(history)
    # the bathroom sensor dead for two days, back on the third, dead again on the fourth and fifth
    alerts, _ = _days_without(engine, clock, DAY, 5, lambda i, e: e.sensor == "bathroom_pir" and i != 2)
    # a day after its last word each time (the evening before each dead spell)
    assert [(a.condition, a.time.date()) for a in alerts] == [
        ("sensor_offline:bathroom_pir", DAY), ("sensor_offline:bathroom_pir", DAY + dt.timedelta(days=3))]


def test_days_away_make_no_sensor_offline_and_a_dead_one_is_told_again_a_day_after_the_return(routine, history):
    clock = ManualClock(history[-1].time)
    engine = Engine(routine, clock, detectors=[SensorHealth(routine)])
    engine.prime(history)
    # the bathroom sensor dies; from the second day the resident is away for three days. Back home,
    # every other sensor is silent for days until the resident passes it: none of them is broken
    alerts, _ = _days_without(engine, clock, DAY, 6, lambda i, e: e.sensor == "bathroom_pir" or i in (1, 2, 3))
    assert [(a.condition, a.time.date()) for a in alerts] == [
        ("sensor_offline:bathroom_pir", DAY), ("sensor_offline:bathroom_pir", DAY + dt.timedelta(days=5))]
    assert "sent nothing for 24 h" in alerts[0].message and "sent nothing for 5 days 2 h" in alerts[1].message


def test_a_sensor_with_a_heartbeat_is_reported_hours_after_it_dies_not_a_day():
    """A Zigbee motion sensor that also reports its battery every 50 minutes (an Aqara's
    heartbeat), through the real Zigbee2MQTT decoder: in three weeks it was never silent for
    longer, so when it dies at 09:00 while the resident goes on about the rest of the home, it is
    reported within four times that silence (a sensor without a heartbeat waits a day)."""
    device = DeviceConfig(topic="zigbee2mqtt/hall_pir", format="zigbee2mqtt", sensor="hall_pir", kind="motion")
    heartbeat = json.dumps({"battery": 90, "voltage": 3005, "occupancy": False}).encode()

    def heartbeats(start: dt.datetime, end: dt.datetime) -> list[Event]:
        n = math.ceil((end - start) / dt.timedelta(minutes=50))
        return [e for i in range(n) for e in zigbee2mqtt.decode(device.topic, heartbeat, device,
                                                                  start + dt.timedelta(minutes=50 * i), "")]

    first = dt.datetime.combine(homes.START, dt.time())
    history = sorted(homes.history(21) + heartbeats(first, MIDNIGHT), key=lambda e: e.time)
    routine = learn(history, "h")
    assert routine.sensor_max_silence["hall_pir"] == pytest.approx(50, abs=0.5)
    assert learn(homes.history(21), "h").sensor_max_silence["hall_pir"] > 6 * 60  # the nights, without it

    def day_alerts(events: list[Event]) -> list:
        clock = ManualClock(history[-1].time)
        engine = Engine(routine, clock, detectors=[SensorHealth(routine)])
        engine.prime(history)
        return list(drive(engine, clock, sorted(events, key=lambda e: e.time), MIDNIGHT + dt.timedelta(hours=23)))

    dies = MIDNIGHT + dt.timedelta(hours=9)
    ordinary = homes.incident_day("normal", DAY)
    assert day_alerts(ordinary + heartbeats(MIDNIGHT, MIDNIGHT + dt.timedelta(days=1))) == []
    dead = [e for e in ordinary if not (e.sensor == "hall_pir" and e.time > dies)] + heartbeats(MIDNIGHT, dies)
    alerts = day_alerts(dead)
    last_word = max(e.time for e in dead if e.sensor == "hall_pir")
    assert [a.condition for a in alerts] == ["sensor_offline:hall_pir"]
    assert alerts[0].technical and "its longest silence before was 50 min" in alerts[0].message
    assert dt.timedelta(minutes=200) <= alerts[0].time - last_word <= dt.timedelta(minutes=215)
    # reported once: the resident then sitting still for two hours and moving again does not mend it
    still = [e for e in dead if not MIDNIGHT + dt.timedelta(hours=13) <= e.time < MIDNIGHT + dt.timedelta(hours=15)]
    assert [a.condition for a in day_alerts(still)] == ["sensor_offline:hall_pir"]


def _busy_home_with_a_heartbeat(days: int, beating=("living_room_pir",)) -> tuple[list[Event], dt.datetime]:
    """A simulated busy home whose ``beating`` motion sensors also report their battery every 50
    minutes: its readings for ``days`` days and a day more, and the midnight that day begins."""
    start = dt.datetime.combine(homes.START, dt.time())
    day = start + dt.timedelta(days=days)
    home = SimulatedHome(household="h", seed=2, profile="busy")
    events = [e for e in home.events(start, day + dt.timedelta(days=1)) if e.kind != "battery"]
    beats = [Event(start + dt.timedelta(minutes=50 * i + 7 * k), sensor, "battery", 90.0, sensor.rsplit("_", 1)[0])
             for k, sensor in enumerate(beating) for i in range((days + 1) * 1440 // 50)]
    return sorted(events + beats, key=lambda e: e.time), day


def test_a_silence_alert_says_when_a_sensor_has_missed_its_check_ins():
    """The living-room and hall sensors report every 50 minutes. The living-room one dies at 09:00;
    at 10:06 the resident falls in the kitchen, before that sensor is known dead: the alert goes
    out, and says the living-room sensor has missed its check-ins (the hall's still come, so the
    hub hears). With every sensor alive the same fall's alert says nothing of the sort."""
    readings, day = _busy_home_with_a_heartbeat(21, beating=("living_room_pir", "hall_pir"))
    history = [e for e in readings if e.time < day]
    dies, fall = day + dt.timedelta(hours=9), day + dt.timedelta(hours=10, minutes=6)
    beats_on = [e for e in readings if e.time >= fall and e.kind == "battery"]
    alive = [e for e in readings if day <= e.time < fall] + beats_on
    dead = [e for e in alive if not (e.sensor == "living_room_pir" and e.time >= dies)]
    until = day + dt.timedelta(hours=13)
    told = [a for a in replay(history, dead, until) if a.time >= day]
    assert [a.kind for a in told] == ["inactivity"]
    last_word = max(e.time for e in dead if e.sensor == "living_room_pir")
    assert told[0].message.endswith(f"The living room sensor has sent nothing since {last_word:%H:%M}, longer "
                                    f"than ever (50 min): it may have failed.")
    assert told[0].evidence["sensors_overdue"] == ["living_room_pir"]
    plain = [a for a in replay(history, alive, until) if a.time >= day]
    assert [a.kind for a in plain] == ["inactivity"] and "may have failed" not in plain[0].message


def test_while_a_sensor_is_dead_the_resident_is_judged_without_it():
    """The living-room sensor dies at 09:00 and is reported offline hours later. Sitting in the
    living room then looks like silence: judged with it, two false silence alerts followed that
    afternoon and evening. Judged by the routine learned without it, none; a fall in the kitchen
    at 17:50 is still reported, later (a home without that sensor cannot tell sitting in the
    living room from lying in the kitchen), saying so. The sensor back, it counts again."""
    readings, day = _busy_home_with_a_heartbeat(21)
    history = [e for e in readings if e.time < day]
    dies, fall = day + dt.timedelta(hours=9), day + dt.timedelta(hours=17, minutes=50)
    today = [e for e in readings if e.time >= day and not (e.sensor == "living_room_pir" and e.time >= dies)]
    until = day + dt.timedelta(hours=23)
    alerts = [a for a in replay(history, today, until) if a.time >= day]
    assert [a.kind for a in alerts] == ["sensor_offline"]
    assert dies < alerts[0].time < dies + dt.timedelta(hours=4)
    assert alerts[0].message.endswith("Until it reports again, the resident's alerts are judged without it: "
                                      "a fall may be noticed later.")
    fell = [a for a in replay(history, [e for e in today if e.time < fall], until) if a.time >= fall]
    assert [a.kind for a in fell] == ["inactivity"]
    assert fell[0].message.endswith("The living room sensor is offline: judged without it.")
    assert fell[0].evidence["judged_without"] == ["living_room_pir"]
    assert fell[0].time - fall < dt.timedelta(hours=3)
    # back at 15:00 (new batteries): the fall is judged with every sensor again, and found sooner
    back = sorted([e for e in today if e.time < fall] + [e for e in readings if e.sensor == "living_room_pir"
                                                          and day + dt.timedelta(hours=15) <= e.time < fall],
                  key=lambda e: e.time)
    mended = [a for a in replay(history, back, until) if a.time >= fall]
    assert [a.kind for a in mended] == ["inactivity"] and "offline" not in mended[0].message
    assert mended[0].time < fell[0].time


def test_a_dead_heartbeat_sensor_is_reported_once_through_a_nightly_retrain_while_she_sleeps():
    """The nightly routine comes in at 02:30, the resident asleep: the new detectors do not know
    the sensor was reported, and "the resident is quiet" would have dropped it, to be reported
    again in the morning. The engine's record of what it raised keeps it reported."""
    readings, day = _busy_home_with_a_heartbeat(21)
    history = [e for e in readings if e.time < day]
    dies = day + dt.timedelta(hours=9)
    gone = [e for e in readings if e.time >= day and not (e.sensor == "living_room_pir" and e.time >= dies)]
    clock = ManualClock(history[-1].time)
    engine = Engine(learn(history, "h"), clock, household="h",
                    relearn=lambda dead: learn([e for e in history if e.sensor not in dead], "h"))
    engine.prime(history)
    night = day + dt.timedelta(days=1, hours=2, minutes=30)
    alerts = list(drive(engine, clock, gone, night))
    engine.use_routine(learn(history + gone, "h", until=night))
    tomorrow = [dataclasses.replace(e, time=e.time + dt.timedelta(days=1)) for e in gone
                if e.sensor != "living_room_pir" and e.time >= day + dt.timedelta(hours=2, minutes=30)]
    alerts += drive(engine, clock, tomorrow, night + dt.timedelta(hours=20))
    assert [a.condition for a in alerts if a.technical] == ["sensor_offline:living_room_pir"]
    assert "sensor_offline:living_room_pir" in engine.active


def test_a_dead_sensor_the_routine_cannot_be_relearned_without_is_judged_with_every_sensor(caplog):
    """Relearning fails (the store unreadable, say): the resident is still watched, by the full
    routine, and no alert claims to be judged without the dead sensor."""
    readings, day = _busy_home_with_a_heartbeat(21)
    history = [e for e in readings if e.time < day]

    def relearn(dead: frozenset[str]):
        raise ModelError("the store is unreadable")

    clock = ManualClock(history[-1].time)
    engine = Engine(learn(history, "h"), clock, household="h", relearn=relearn)
    engine.prime(history)
    dies = day + dt.timedelta(hours=9)
    today = [e for e in readings if e.time >= day and not (e.sensor == "living_room_pir" and e.time >= dies)]
    alerts = list(drive(engine, clock, today, day + dt.timedelta(hours=23)))
    assert [a.kind for a in alerts] == ["sensor_offline", "inactivity", "inactivity"]
    assert not any("judged" in a.message for a in alerts)
    assert "could not learn h's routine without ['living_room_pir']" in caplog.text


def test_a_sensor_never_heard_before_is_offline_a_day_after_its_only_word(routine, history):
    clock = ManualClock(history[-1].time)
    # every known sensor's limit is days long here: the newcomer still gets the one-day floor
    engine = Engine(routine, clock, detectors=[SensorHealth(routine, factor=10)])
    engine.prime(history)
    assert engine.tick() == []  # it has looked at the sensors it knows
    garage = Event(MIDNIGHT + dt.timedelta(hours=8), "garage_door", "door", 1.0)
    engine.on_event(garage)
    alerts, _ = _days_without(engine, clock, DAY, 2, lambda i, e: False)
    assert [a.condition for a in alerts] == ["sensor_offline:garage_door"]
    assert dt.timedelta(hours=24) <= alerts[0].time - garage.time <= dt.timedelta(hours=24, minutes=1)


def test_a_sensor_that_alone_reports_for_a_whole_day_is_suspect(routine, history):
    """Only the hall motion sensor, every ten minutes for a day and a half (sunlight, a pet): no
    person at home passes one sensor alone for a day. Reported once, a day after anything else
    was heard; cleared when another sensor reports."""
    clock = ManualClock(history[-1].time)
    engine = Engine(routine, clock, detectors=[SensorHealth(routine)])
    engine.prime(history)
    last_other = max(e.time for e in history if e.value > 0)
    ghost = [Event(MIDNIGHT + dt.timedelta(minutes=10 * i), "hall_pir", "motion", v)
             for i in range(1, 6 * 36) for v in (1.0, 0.0)]
    alerts = [a for a in drive(engine, clock, ghost, MIDNIGHT + dt.timedelta(hours=36)) if a.kind == "sensor_alone"]
    assert [a.condition for a in alerts] == ["sensor_alone:hall_pir"]
    assert alerts[0].technical and "Only the hall sensor (hall_pir) has reported activity for 24 hours" in alerts[0].message
    assert last_other + dt.timedelta(hours=24) <= alerts[0].time <= last_other + dt.timedelta(hours=24, minutes=10)
    list(drive(engine, clock, [Event(clock.now() + dt.timedelta(minutes=1), "kitchen_pir", "motion", 1.0)],
               clock.now() + dt.timedelta(minutes=2)))
    assert "sensor_alone:hall_pir" not in engine.active


def _one_motion_sensor_home(days: int, quiet_days: set[int]) -> list[Event]:
    """The constructed resident in a home with one motion sensor (every motion and bed reading
    comes from it), the kettle and the front door; on ``quiet_days`` the kettle and the door
    went unused and only the motion sensor reported."""
    out = []
    for e in homes.history(days + 2):
        i = (e.time.date() - homes.START).days
        if e.sensor in ("kettle", "front_door"):
            if i not in quiet_days:
                out.append(e)
        else:
            out.append(dataclasses.replace(e, sensor="living_pir", kind="motion"))
    return out


@pytest.mark.parametrize("spell_every", [None, 4])
def test_a_lone_sensor_is_judged_by_how_often_the_home_had_one_before(spell_every):
    """In a home with one motion sensor, two days in which only it reported are news only where the
    history had no such spell; where it had one every few days, that is how this resident lives."""
    quiet = set() if spell_every is None else {d for d in range(21) if d % spell_every in (1, 2)}
    events = _one_motion_sensor_home(21, quiet | {21, 22})
    history = [e for e in events if e.time < MIDNIGHT]
    routine = learn(history, "test-home")
    assert routine.lone_spells == (0 if spell_every is None else len(quiet) // 2)
    clock = ManualClock(history[-1].time)
    engine = Engine(routine, clock, detectors=[SensorHealth(routine)])
    engine.prime(history)
    alerts = list(drive(engine, clock, [e for e in events if e.time >= MIDNIGHT], MIDNIGHT + dt.timedelta(days=2)))
    expected = ["sensor_alone:living_pir"] if spell_every is None else []
    assert [a.condition for a in alerts if a.kind == "sensor_alone"] == expected


def test_a_dead_sensor_is_reported_once_through_the_nightly_retrains(history):
    clock = ManualClock(history[-1].time)
    engine = Engine(learn(history, "test-home"), clock, household="test-home")
    engine.prime(history)
    seen, alerts = list(history), []
    for i in range(6):  # the bathroom sensor dies; the hub retrains every night as it does live
        day_alerts, fed = _days_without(engine, clock, DAY + dt.timedelta(days=i), 1,
                                        lambda _, e: e.sensor == "bathroom_pir")
        alerts += day_alerts
        seen += fed
        engine.use_routine(learn(seen, "test-home", until=clock.now()))
    assert [a.condition for a in alerts if a.technical] == ["sensor_offline:bathroom_pir"]
    assert "sensor_offline:bathroom_pir" in engine.active  # still reported: not cleared by a retrain


def test_engine_reports_each_condition_once_until_it_clears(routine, history, run_day):
    alerts = [a for a in run_day("collapse", until_hours=30) if a.kind == "inactivity"]
    assert len(alerts) == 1


def test_normal_day_raises_nothing_with_all_detectors(run_day):
    assert [a for a in run_day("normal") if a.time.date() == DAY] == []


def test_what_follows_the_last_sensor_shortens_the_wait(routine, history):
    detector = Inactivity(routine)
    assert set(detector.after_limit) >= {"kitchen_pir", "hall_pir"}
    assert "bed_mat" not in detector.after_limit  # lying in bed says nothing about what follows
    assert all(limit >= 60 for limit in detector.after_limit.values())
    # with a long time-of-day limit (3 h), the last sensor's own record decides: about 1 h
    slow = functools.partial(Inactivity, floor_min=180, ctx_min_count=10**6)
    alerts = [a for a in run_detector(slow, routine, history, "collapse") if a.time >= MIDNIGHT]
    stop = max(e.time for e in homes.incident_day("collapse", DAY))
    assert alerts[0].evidence["after_last_sensor"] is True
    assert dt.timedelta(minutes=55) <= alerts[0].time - stop <= dt.timedelta(minutes=65)
    assert "always moved again within" in alerts[0].message and "Last activity: " in alerts[0].message


def test_what_follows_the_last_sensor_at_this_hour_decides_by_day(routine, history):
    # the last sensor at this time of day was seen often: its own record (x1.2 + 20 min, at least
    # the 75 min floor) decides, even over a long time-of-day limit
    slow = functools.partial(Inactivity, floor_min=180)
    alerts = [a for a in run_detector(slow, routine, history, "collapse") if a.time >= MIDNIGHT]
    stop = max(e.time for e in homes.incident_day("collapse", DAY))
    assert dt.timedelta(minutes=74) <= alerts[0].time - stop <= dt.timedelta(minutes=80)
    assert "at this time of day" in alerts[0].message and alerts[0].evidence["after_last_sensor"]
    # a normal day under the same limits raises nothing
    assert [a for a in run_detector(slow, routine, history, "normal") if a.time >= MIDNIGHT] == []


def test_a_motion_sensors_daylight_reports_do_not_hide_a_collapse():
    # a Zigbee motion sensor sends its illuminance with every message and on its own every few
    # minutes as the daylight changes, through the real Zigbee2MQTT decoder, before and after the fall
    device = DeviceConfig(topic="zigbee2mqtt/hall_pir", format="zigbee2mqtt", sensor="hall_pir", kind="motion")

    def daylight(day: dt.date) -> list[Event]:
        out = []
        for i in range(7 * 6, 19 * 6):
            t = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=10 * i)
            payload = json.dumps({"occupancy": False, "illuminance": 40 + i * 3}).encode()
            out += zigbee2mqtt.decode(device.topic, payload, device, t, "")
        return out

    history = sorted(homes.history(21) + [e for i in range(21) for e in daylight(homes.START + dt.timedelta(days=i))],
                     key=lambda e: e.time)
    stop = max(e.time for e in homes.incident_day("collapse", DAY))
    day = sorted(homes.incident_day("collapse", DAY) + [e for e in daylight(DAY) if e.time > stop],
                 key=lambda e: e.time)
    alerts = [a for a in replay(history, day, MIDNIGHT + dt.timedelta(hours=20)) if a.time >= MIDNIGHT]
    assert alerts and alerts[0].kind == "inactivity"
    assert alerts[0].time - stop <= dt.timedelta(hours=2)


def test_collapse_message_says_the_room_when_the_sensor_has_one(routine, history):
    import dataclasses

    rooms = {"kitchen_pir": "Kitchen", "living_pir": "Living room", "hall_pir": "Hall", "bathroom_pir": "Bathroom"}
    events = [dataclasses.replace(e, room=rooms.get(e.sensor, "")) for e in homes.incident_day("collapse", DAY)]
    clock = ManualClock(history[-1].time)
    engine = Engine(routine, clock, household="test-home", detectors=[Inactivity(routine)])
    engine.prime(history)
    alerts = [a for a in drive(engine, clock, sorted(events, key=lambda e: e.time), MIDNIGHT + dt.timedelta(hours=24))
              if a.time >= MIDNIGHT]
    last = max((e for e in events if e.value > 0), key=lambda e: e.time)
    assert alerts and f"Last seen in the {last.room.lower()}." in alerts[0].message
    assert alerts[0].evidence["last_room"] == last.room


def test_a_night_slept_through_waits_for_the_usual_get_up_time(routine, history):
    """No bed mat and no toilet trip after 22:30: far quieter than this person's nights, but a
    night's sleep is not judged before they are usually up; by then it is reported."""
    yesterday = MIDNIGHT - dt.timedelta(days=1)
    before = [e for e in history if e.time < yesterday]
    evening = [e for e in history if yesterday <= e.time < MIDNIGHT - dt.timedelta(minutes=90)]
    clock = ManualClock(before[-1].time)
    engine = Engine(routine, clock, household="test-home", detectors=[Inactivity(routine)])
    engine.prime(before)
    usual_wake = MIDNIGHT + dt.timedelta(minutes=NoWake(routine).median)
    alerts = list(drive(engine, clock, evening, MIDNIGHT + dt.timedelta(hours=12)))
    assert alerts, "a night and morning without any movement must be reported"
    assert all(a.time >= usual_wake for a in alerts), [a.time for a in alerts]
    assert alerts[0].time <= usual_wake + dt.timedelta(hours=2)
    # the same quiet begun by day (before 22:00) is judged at once, by its own limits
    by_day = Inactivity(routine)
    assert not by_day._asleep(MIDNIGHT - dt.timedelta(hours=3), MIDNIGHT)
    assert by_day._asleep(MIDNIGHT - dt.timedelta(hours=1), MIDNIGHT + dt.timedelta(hours=4))


def test_the_inactivity_budget_is_a_product_setting(routine):
    from hub.config import DetectionConfig

    strict = Engine(routine, ManualClock(MIDNIGHT), config=DetectionConfig(inactivity_budget_per_30d=0.5))
    lax = Engine(routine, ManualClock(MIDNIGHT), config=DetectionConfig(inactivity_budget_per_30d=8.0))
    strict_limits, lax_limits = (next(d for d in e.detectors if isinstance(d, Inactivity)).budget for e in (strict, lax))
    assert strict_limits.budget == 0.5 and lax_limits.budget == 8.0
    # fewer false alerts allowed means longer waits, never shorter ones
    assert (strict_limits.limits >= lax_limits.limits).all() and (strict_limits.limits > lax_limits.limits).any()
    strict.use_routine(routine)  # a nightly retrain keeps the setting
    assert next(d for d in strict.detectors if isinstance(d, Inactivity)).budget.budget == 0.5


@pytest.mark.parametrize("shut_after_s,state", [(5, "It was shut again."), (None, "It is still open.")])
def test_front_door_at_night_is_reported_a_moment_later_saying_whether_it_was_shut(routine, history,
                                                                                   shut_after_s, state):
    """Only the front door, at 02:30, a time it never opens: judged once the opening is over (its
    next report or the next clock tick), never at the very instant, and the message says how it was left."""
    night = [e for e in homes.incident_day("normal", DAY) if e.time < MIDNIGHT + dt.timedelta(hours=2)]
    opened = MIDNIGHT + dt.timedelta(hours=2, minutes=30, seconds=20)
    door = [Event(opened, "front_door", "door", 1.0)]
    if shut_after_s is not None:
        door.append(Event(opened + dt.timedelta(seconds=shut_after_s), "front_door", "door", 0.0))
    clock = ManualClock(history[-1].time)
    engine = Engine(routine, clock, household="test-home", detectors=[NightActivity(routine)])
    engine.prime(history)
    alerts = list(drive(engine, clock, night + door, MIDNIGHT + dt.timedelta(hours=4)))
    assert [a.kind for a in alerts] == ["night_activity"]
    assert opened < alerts[0].time <= opened + dt.timedelta(minutes=1)
    assert "Front door opened at 02:30" in alerts[0].message and state in alerts[0].message
    assert alerts[0].evidence["still_open"] is (shut_after_s is None)


@pytest.mark.parametrize("living_room,text", [
    ("Living room", "5 places in the last 30 min (up to 02:20): bathroom, front door, hall, kitchen, living room."),
    ("Hall", "5 sensors in 4 places in the last 30 min (up to 02:20): bathroom, front door, hall, kitchen. "
             "On the last 21 nights at most 2 sensors around this time."),
])
def test_night_wandering_names_the_rooms_where_sensors_have_them(routine, history, living_room, text):
    rooms = {"hall_pir": "Hall", "kitchen_pir": "Kitchen", "living_pir": living_room, "bathroom_pir": "Bathroom"}
    night = [Event(e.time, e.sensor, e.kind, e.value, rooms.get(e.sensor, ""))
             for e in homes.incident_day("wandering", DAY) if e.time < MIDNIGHT + dt.timedelta(hours=6)]
    clock = ManualClock(history[-1].time)
    engine = Engine(routine, clock, household="test-home", detectors=[NightActivity(routine)])
    engine.prime(history)
    alerts = list(drive(engine, clock, night, MIDNIGHT + dt.timedelta(hours=6)))
    assert [a.kind for a in alerts] == ["night_activity"]
    assert text in alerts[0].message


def test_wandering_through_every_place_of_a_small_home_is_reported():
    """Five places to walk through (four rooms and an unnamed outside door): a night through all
    of them is wandering, though the home has fewer places than the usual floor of seven."""
    def unnamed(events):
        return [Event(e.time, "door_3" if e.sensor == "front_door" else e.sensor, e.kind, e.value) for e in events]

    history = unnamed(homes.history(21))
    routine = learn(history, "small-home")
    detector = NightActivity(routine)
    assert detector.limit[slot_of(MIDNIGHT + dt.timedelta(hours=2))] == 5
    clock = ManualClock(history[-1].time)
    engine = Engine(routine, clock, household="small-home", detectors=[detector])
    engine.prime(history)
    night = unnamed(e for e in homes.incident_day("wandering", DAY) if e.time < MIDNIGHT + dt.timedelta(hours=6))
    alerts = list(drive(engine, clock, night, MIDNIGHT + dt.timedelta(hours=6)))
    assert [a.kind for a in alerts] == ["night_activity"]
    assert "5 places in the last 30 min" in alerts[0].message
    assert "door 3, hall, kitchen" in alerts[0].message  # read as names, not sensor ids
    assert MIDNIGHT + dt.timedelta(hours=2) < alerts[0].time <= MIDNIGHT + dt.timedelta(hours=2, minutes=30)
    # an ordinary night in the same home raises nothing
    clock = ManualClock(history[-1].time)
    engine = Engine(routine, clock, household="small-home", detectors=[NightActivity(routine)])
    engine.prime(history)
    calm = unnamed(e for e in homes.incident_day("normal", DAY) if e.time < MIDNIGHT + dt.timedelta(hours=6))
    assert list(drive(engine, clock, calm, MIDNIGHT + dt.timedelta(hours=6))) == []


def test_a_bathroom_trip_past_many_motion_sensors_is_not_wandering_but_wandering_still_is():
    """Four motion sensors in every room (as in homes with a sensor every few metres): the usual
    night trip to the bathroom passes eight of them, which is no sign of wandering even at an hour
    the resident was never up before; walking through the whole home is."""
    def dense(events):
        out = []
        for e in events:
            sensor = "door_3" if e.sensor == "front_door" else e.sensor
            copies = 4 if e.kind == "motion" else 1
            out += [Event(e.time + dt.timedelta(seconds=2 * k), f"{sensor}_{k}" if k else sensor, e.kind, e.value)
                    for k in range(copies)]
        return sorted(out, key=lambda e: e.time)

    history = dense(homes.history(21))
    routine = learn(history, "dense-home")

    def night_alerts(night):
        clock = ManualClock(history[-1].time)
        engine = Engine(routine, clock, household="dense-home", detectors=[NightActivity(routine)])
        engine.prime(history)
        return list(drive(engine, clock, night, MIDNIGHT + dt.timedelta(hours=6)))

    calm = [e for e in homes.incident_day("normal", DAY) if e.time < MIDNIGHT + dt.timedelta(hours=6)]
    toilet = [e for e in calm if e.kind == "motion"]
    early = MIDNIGHT + dt.timedelta(hours=1) - toilet[0].time  # the same trip at 01:00, never seen then
    moved = dense([e for e in calm if e.kind != "motion"] + [Event(e.time + early, e.sensor, e.kind, e.value)
                                                            for e in toilet])
    assert len({e.sensor for e in moved if e.kind == "motion" and "bedroom" not in e.sensor}) == 8
    assert night_alerts(moved) == []
    wandering = dense(e for e in homes.incident_day("wandering", DAY) if e.time < MIDNIGHT + dt.timedelta(hours=6))
    alerts = night_alerts(wandering)
    assert [a.kind for a in alerts] == ["night_activity"]
    assert MIDNIGHT + dt.timedelta(hours=2) < alerts[0].time <= MIDNIGHT + dt.timedelta(hours=2, minutes=30)


def _late_return(day: dt.date, rng: random.Random, minutes: int) -> list[Event]:
    """Home at about 01:00 through the front door, ``minutes`` about the home, then to bed."""
    t = dt.datetime.combine(day, dt.time(1)) + dt.timedelta(minutes=rng.randint(-20, 20))
    ev = [Event(t, "front_door", "door", 1.0), Event(t + dt.timedelta(seconds=10), "front_door", "door", 0.0)]
    end = t + dt.timedelta(minutes=minutes)
    while t < end:
        t += dt.timedelta(seconds=rng.randint(60, 120))
        sensor = rng.choice(homes.ROOMS)
        ev += [Event(t, sensor, "motion", 1.0), Event(t + dt.timedelta(seconds=30), sensor, "motion", 0.0)]
    return ev + [Event(t + dt.timedelta(minutes=2), "bed_mat", "pressure", 1.0)]


def test_up_and_about_for_long_at_night_is_reported_where_every_place_is_on_the_usual_night_trip():
    """A resident who comes home at about 01:00 and spends a quarter of an hour in the kitchen,
    hall, bathroom and living room: every place of the home is on an ordinary night, and the front
    door opens at that time every night. Up and about for most of the next hour is still unusual."""
    rng = random.Random(5)
    nights = [e for e in homes.history(21) if not 0 <= e.time.hour < 3]
    for d in range(1, 21):
        nights += _late_return(homes.START + dt.timedelta(days=d), rng, minutes=15)
    history = sorted(nights, key=lambda e: e.time)
    routine = learn(history, "late-home")
    detector = NightActivity(routine)
    slot = slot_of(MIDNIGHT + dt.timedelta(hours=1, minutes=30))
    assert detector.limit[slot] > 6  # more places than the home has: that sign cannot fire
    assert 8 <= detector.usual_minutes[slot] < detector.minutes_limit[slot] == detector.usual_minutes[slot] + 5

    def night_alerts(minutes: int) -> list:
        clock = ManualClock(history[-1].time)
        engine = Engine(routine, clock, household="late-home", detectors=[NightActivity(routine)])
        engine.prime(history)
        return list(drive(engine, clock, _late_return(DAY, random.Random(8), minutes),
                          MIDNIGHT + dt.timedelta(hours=6)))

    assert night_alerts(15) == []
    alerts = night_alerts(60)
    assert [a.kind for a in alerts] == ["night_activity"]
    assert alerts[0].message.startswith("Up and about at night: moving in ")
    assert "On the last 20 nights at most" in alerts[0].message
    assert alerts[0].evidence["minutes_moving"] >= detector.minutes_limit[slot_of(alerts[0].time)]
    assert alerts[0].time < MIDNIGHT + dt.timedelta(hours=2)


def _engine_with_all_clears(routine, history, *detectors):
    cleared = []
    clock = ManualClock(history[-1].time)
    engine = Engine(routine, clock, household="test-home", name="Mrs Jones", detectors=list(detectors),
                    on_all_clear=cleared.append)
    engine.prime(history)
    return engine, clock, cleared


def test_the_resident_moving_again_after_a_silence_alert_is_an_all_clear(routine, history):
    engine, clock, cleared = _engine_with_all_clears(routine, history, Inactivity(routine))
    day = homes.incident_day("collapse", DAY)
    alerts = list(drive(engine, clock, day, MIDNIGHT + dt.timedelta(hours=17)))
    assert [a.kind for a in alerts] == ["inactivity"] and cleared == []
    stirring = [Event(MIDNIGHT + dt.timedelta(hours=17, minutes=5), "living_pir", "motion", 1.0)]
    drive_to = MIDNIGHT + dt.timedelta(hours=17, minutes=40)
    assert list(drive(engine, clock, stirring, drive_to)) == [] and cleared == [], "one reading is not her up again"
    up = [Event(MIDNIGHT + dt.timedelta(hours=17, minutes=41 + 3 * i), s, "motion", 1.0)
          for i, s in enumerate(("kitchen_pir", "hall_pir", "living_pir"))]
    list(drive(engine, clock, up, MIDNIGHT + dt.timedelta(hours=18)))
    assert [(c.condition, c.since) for c in cleared] == [("inactivity", alerts[0].since)]
    assert cleared[0].message == "Mrs Jones is moving again (living, 17:47)."
    assert alerts[0].since == max(e.time for e in day if e.value > 0)


def test_a_morning_check_given_up_at_night_is_no_all_clear_but_getting_up_is(routine, history):
    engine, clock, cleared = _engine_with_all_clears(routine, history, NoWake(routine))
    alerts = list(drive(engine, clock, homes.incident_day("no_wake", DAY), MIDNIGHT + dt.timedelta(hours=22)))
    assert [a.kind for a in alerts] == ["no_wake"]
    assert cleared == [], "the check ends at 21:00 with nobody seen: that is no news"
    engine, clock, cleared = _engine_with_all_clears(routine, history, NoWake(routine))
    asleep = homes.incident_day("no_wake", DAY)
    list(drive(engine, clock, asleep, MIDNIGHT + dt.timedelta(hours=11)))
    list(drive(engine, clock, [Event(MIDNIGHT + dt.timedelta(hours=11, minutes=2), "kitchen_pir", "motion", 1.0)],
               MIDNIGHT + dt.timedelta(hours=11, minutes=5)))
    assert [c.message for c in cleared] == ["Mrs Jones is up (kitchen, 11:02)."]


def test_an_appliance_switched_off_after_its_alert_is_an_all_clear(routine, history):
    engine, clock, cleared = _engine_with_all_clears(routine, history, ApplianceOn(routine))
    until = MIDNIGHT + dt.timedelta(hours=16)
    day = [e for e in homes.incident_day("kettle_left_on", DAY) if e.time < until]
    alerts = list(drive(engine, clock, day, until))
    assert [a.kind for a in alerts] == ["appliance_on"] and cleared == []
    off = [Event(until + dt.timedelta(minutes=10), "kettle", "appliance", 0.0)]
    list(drive(engine, clock, off, until + dt.timedelta(minutes=15)))
    assert [(c.condition, c.message) for c in cleared] == [
        ("appliance_on:kettle", "The kettle has been switched off (16:10).")]


def test_a_sensor_heard_again_after_its_offline_alert_is_an_all_clear(routine, history):
    engine, clock, cleared = _engine_with_all_clears(routine, history, SensorHealth(routine))
    gone = [Event(MIDNIGHT + dt.timedelta(hours=9), "kitchen_pir", "availability", 0.0)]
    alerts = list(drive(engine, clock, gone, MIDNIGHT + dt.timedelta(hours=9, minutes=5)))
    assert [a.condition for a in alerts] == ["sensor_offline:kitchen_pir"] and cleared == []
    # named by what it is on, for the carer, and as installed, for whoever mends it
    assert alerts[0].message.startswith("The kitchen sensor (kitchen_pir) went offline at 09:00.")
    back = [Event(MIDNIGHT + dt.timedelta(hours=9, minutes=40), "kitchen_pir", "availability", 1.0)]
    list(drive(engine, clock, back, MIDNIGHT + dt.timedelta(hours=9, minutes=45)))
    assert [c.message for c in cleared] == ["The kitchen sensor (kitchen_pir) is reporting again (09:40)."]


def test_the_resident_seen_going_out_after_a_silence_alert_is_an_all_clear(routine, history):
    """Up again and straight out of the door: the home then reads as out, but she was seen moving."""
    engine, clock, cleared = _engine_with_all_clears(routine, history, Inactivity(routine))
    alerts = list(drive(engine, clock, homes.incident_day("collapse", DAY), MIDNIGHT + dt.timedelta(hours=17)))
    assert [a.kind for a in alerts] == ["inactivity"]
    out = [Event(MIDNIGHT + dt.timedelta(hours=17, minutes=m, seconds=s), sensor, kind, v)
           for m, s, sensor, kind, v in ((30, 0, "hall_pir", "motion", 1.0), (31, 0, "front_door", "door", 1.0),
                                         (31, 20, "front_door", "door", 0.0), (33, 0, "front_door", "door", 1.0),
                                         (33, 20, "front_door", "door", 0.0))]
    list(drive(engine, clock, out, MIDNIGHT + dt.timedelta(hours=17, minutes=40)))
    assert engine.state.out
    assert [c.message for c in cleared] == ["Mrs Jones is moving again (front door, 17:33)."]
