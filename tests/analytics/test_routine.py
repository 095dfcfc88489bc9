"""Learning the routine from a constructed resident's history."""
from __future__ import annotations

import datetime as dt
import json
import random

import numpy as np
import pytest

from analytics.history_stats import SLOTS, out_at
from analytics.routine import learn
from analytics.state import HomeState
from hub.events import Event
from tests.analytics import homes


def test_learns_get_up_time_not_the_night_toilet_trip(routine):
    wakes = np.asarray(routine.wake_minutes)
    assert len(wakes) == 21
    assert np.all((wakes >= 6 * 60 + 40) & (wakes <= 7 * 60 + 20))


def test_the_learned_night_counts_the_places_the_live_state_sees():
    """Night_activity compares the places, and the minutes with movement, the live state saw in the
    last half hour with the learned ``Routine.night`` and ``night_minutes``: per 5-minute slot, the
    most seen at any activation in it, bed and mats left out."""
    midnight = dt.datetime(2024, 3, 4)
    sensors = [("hall_pir", "motion", "hall"), ("kitchen_pir", "motion", "kitchen"),
               ("bathroom_pir", "motion", "bathroom"), ("living_pir", "motion", "living room"),
               ("study_door", "door", "study"), ("bed_mat", "pressure", "bedroom")]
    for seed in range(5):
        rng = random.Random(seed)
        times = sorted({midnight + dt.timedelta(seconds=rng.randint(0, 86399)) for _ in range(800)} | {midnight})
        events = []
        for when in times:
            sensor, kind, room = rng.choice(sensors)
            events.append(Event(when, sensor, kind, 1.0, room))
        state = HomeState(started=midnight)
        places, minutes = np.zeros(SLOTS, dtype=np.float32), np.zeros(SLOTS, dtype=np.float32)
        for e in events:
            if state.update(e) and e.sensor != "bed_mat":
                slot = (e.time.hour * 60 + e.time.minute) // 5
                places[slot] = max(places[slot], len(state.places_recently(e.time)))
                minutes[slot] = max(minutes[slot], state.minutes_moving_recently(e.time))
        routine = learn(events, drop_absent=False)
        assert routine.days == [midnight.date().isoformat()]
        assert places.max() >= 4 and minutes.max() >= 8, seed  # the windows do fill
        np.testing.assert_array_equal(routine.night[0], places, err_msg=f"seed {seed}")
        np.testing.assert_array_equal(routine.night_minutes[0], minutes, err_msg=f"seed {seed}")


#: a front door (first), two rooms and a bed mat: enough to go out, come home and sleep
_WITH_DOOR = [("front_door", "door", "hall"), ("hall_pir", "motion", "hall"), ("kitchen_pir", "motion", "kitchen"),
              ("bed_mat", "pressure", "bedroom")]


def test_learned_time_out_is_the_time_the_live_state_calls_out():
    """Quiet while out is left out of what is learned, and ``HomeState.out`` is what the detectors
    ask: at every slot both must say the same, going out, coming home through the door or not, and
    moving about within the grace after the door (learning also knows, as the live hub cannot yet,
    when a quiet spell ends with the door: those slots are left out here)."""
    start = dt.datetime(2024, 3, 4)
    for seed in range(20):
        rng = random.Random(seed)
        events, t = [], start
        while t < start + dt.timedelta(days=4):
            sensor, kind, room = rng.choice(_WITH_DOOR)
            events.append(Event(t, sensor, kind, 1.0, room))
            t += dt.timedelta(seconds=rng.choice([rng.randint(5, 200), rng.randint(200, 3 * 3600)]))
        routine = learn(events, drop_absent=False)
        state, i, compared = HomeState(started=start), 0, 0
        for row, day in enumerate(routine.days):
            for slot in range(SLOTS):
                at = dt.datetime.fromisoformat(day) + dt.timedelta(minutes=5 * slot)
                while i < len(events) and events[i].time <= at:
                    state.update(events[i])
                    i += 1
                if i < len(events) and events[i].sensor == "front_door":
                    continue  # a spell ended by the door: an outing only in hindsight
                assert state.out == (routine.home[row, slot] == 0), (seed, at)
                compared += 1
        assert compared > 2 * SLOTS and routine.home.min() == 0, seed
        # and just after every reading (where the quiet spells the budget learns from begin)
        minutes = np.array([(e.time - start).total_seconds() / 60 for e in events])
        door = np.array([e.sensor == "front_door" for e in events])
        state = HomeState(started=start)
        for e, out in zip(events, out_at(minutes[door], minutes[~door], minutes)):
            state.update(e)
            assert state.out == out, (seed, e)


def test_learned_day_figures_are_the_ones_the_live_state_counts():
    """Low_activity judges today's activations and movements against the time at home so far: by
    each hour from 06:00, the learned figures must be what ``HomeState`` counts live, with
    movement just after the door (still leaving) not counting the time since the door twice."""
    start = dt.datetime(2024, 3, 4, 6)
    for seed in range(20):
        rng = random.Random(seed)
        events, t = [], start
        while t < start + dt.timedelta(days=3):
            # whole minutes (learning counts time at home by the minute), some with several readings
            picks = [rng.choice(_WITH_DOOR)]
            if picks[0][0] != "front_door":
                picks += [rng.choice(_WITH_DOOR[1:]) for _ in range(rng.choice([0, 0, 1, 2]))]
            events += [Event(t, sensor, kind, 1.0, room) for sensor, kind, room in picks]
            t += dt.timedelta(minutes=rng.choice([1, 1, 2, 3, rng.randint(4, 60), rng.randint(60, 300)]))
        routine = learn(events, drop_absent=False)
        state, i = HomeState(started=start), 0
        for row, day in enumerate(routine.days):
            for hour in range(24):
                at = dt.datetime.fromisoformat(day) + dt.timedelta(hours=6 + hour + 1)
                while i < len(events) and events[i].time < at:
                    state.update(events[i])
                    i += 1
                if np.isnan(routine.home_minutes[row, hour]):
                    continue
                now = at - dt.timedelta(microseconds=1)
                assert state.home_minutes_today(now) == pytest.approx(routine.home_minutes[row, hour], abs=1e-3), (seed, at)
                assert state.today_count(now) == routine.activity[row, hour], (seed, at)
                assert state.moves_so_far(now) == routine.moves[row, hour], (seed, at)
        assert routine.home_minutes[0, -1] < 24 * 60, seed  # out at some time


def test_quiet_while_out_is_not_counted(routine):
    assert routine.quiet.shape == (21, SLOTS)
    ten_forty = (10 * 60 + 40) // 5
    assert routine.home[:, ten_forty].sum() == 0  # out between about 10:00 and 11:30 every day
    assert routine.quiet[:, ten_forty].max() == 0
    assert len(routine.out_durations) == 21
    assert all(60 <= d <= 120 for _, d in routine.out_durations)


def test_appliance_and_sensor_figures(routine):
    assert len(routine.appliance_minutes["kettle"]) == 63
    assert max(routine.appliance_minutes["kettle"]) == pytest.approx(3.0)
    assert routine.sensor_kinds["bed_mat"] == "pressure"
    assert 0 < routine.sensor_max_silence["kitchen_pir"] < 24 * 60


def test_a_silence_still_running_at_the_end_counts_as_normal_only_within_the_sensors_limit():
    history = homes.history(10)
    end = max(e.time for e in history)
    # the hall sensor quiet for the last 18 h: longer than ever, but within a day (the least limit)
    recent = [e for e in history if not (e.sensor == "hall_pir" and e.time > end - dt.timedelta(hours=18))]
    assert learn(recent).sensor_max_silence["hall_pir"] >= 18 * 60 > learn(history).sensor_max_silence["hall_pir"]
    # the bathroom sensor silent for its last 4 days: past any limit, maybe broken. Counting that
    # as normal would let each nightly retrain raise the limit the dead sensor is past
    dead = [e for e in history if not (e.sensor == "bathroom_pir" and e.time > end - dt.timedelta(days=4))]
    routine = learn(dead)
    assert routine.sensor_max_silence["bathroom_pir"] < 24 * 60
    assert learn(history).sensor_max_silence["bathroom_pir"] == routine.sensor_max_silence["bathroom_pir"]


def test_a_sensors_silences_are_between_any_of_its_reports_battery_included():
    """The live state takes a battery report as a word from the sensor (an Aqara contact sensor's
    hourly heartbeat is its battery, its unchanged "closed" being dropped at the ingest): so does
    learning, and the resident's figures are as without it."""
    history = homes.history(10)
    first = dt.datetime.combine(homes.START, dt.time())
    beats = [Event(first + dt.timedelta(minutes=50 * i), "front_door", "battery", 95.0) for i in range(10 * 1440 // 50 + 1)]
    plain, with_beats = learn(history), learn(sorted(history + beats, key=lambda e: e.time))
    assert plain.sensor_max_silence["front_door"] > 12 * 60
    assert with_beats.sensor_max_silence["front_door"] == pytest.approx(50, abs=0.5)
    assert with_beats.sensor_kinds == plain.sensor_kinds
    def figures(r):  # as saved (NaN for the unknown hours, which equal nothing)
        return json.dumps(r.to_payload() | {"sensor_max_silence": None}, sort_keys=True)

    assert figures(with_beats) == figures(plain)


def test_an_appliance_still_on_when_the_history_ends_counts_as_on_that_long():
    history = homes.history(10)
    end = max(e.time for e in history)
    left_open = end.replace(hour=20, minute=0, second=0) - dt.timedelta(days=1)
    history.append(Event(left_open, "microwave", "appliance", 1.0))  # never closed
    r = learn(history, until=end)
    assert r.appliance_minutes["microwave"] == [pytest.approx((end - left_open).total_seconds() / 60, abs=0.01)]


def test_absent_days_are_left_out():
    history = homes.history(10)
    away = dt.date(2024, 3, 9)
    start = dt.datetime.combine(away, dt.time(6))  # activity days run 06:00 to 06:00
    kept = [e for e in history if not start <= e.time < start + dt.timedelta(days=1)]
    kept.append(Event(dt.datetime.combine(away, dt.time(12)), "hall_pir", "motion", 1.0))
    r = learn(kept)
    assert r.absent_days == [away.isoformat()]
    assert away.isoformat() not in r.days and len(r.days) == 9


def test_empty_history_gives_cautious_defaults(clock):
    from analytics.engine import Engine
    from analytics.replay import drive

    r = learn([], "new-home")
    assert r.n_days == 0 and r.household == "new-home"
    engine = Engine(r, clock)  # 2024-03-04 08:00
    events = [Event(clock.now() + dt.timedelta(minutes=1), "hall_pir", "motion", 1.0)]
    alerts = list(drive(engine, clock, events, clock.now() + dt.timedelta(hours=3)))
    assert alerts == []  # three quiet hours in the morning are no alarm without a history
    alerts = list(drive(engine, clock, [], clock.now() + dt.timedelta(hours=6)))
    assert [a.kind for a in alerts] == ["inactivity"]
    assert "routine yet" in alerts[0].message and "starting limit" in alerts[0].message
    assert "of the last 0 days" not in alerts[0].message


def test_retrained_routine_keeps_live_state(routine, clock):
    from analytics.engine import Engine

    engine = Engine(learn([]), clock)
    engine.on_event(Event(clock.now(), "hall_pir", "motion", 1.0))
    engine.use_routine(routine)
    assert engine.routine is routine and engine.state.last_activation == clock.now()
