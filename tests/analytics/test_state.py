"""What a new engine's state is primed with."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from analytics.state import HomeState, last_readings
from hub import health
from hub.events import Event

T = dt.datetime(2024, 3, 4, 8, 0)


def test_last_readings_keeps_each_sensors_last_activity_and_battery_reading_in_time_order():
    m = lambda minutes: T + dt.timedelta(minutes=minutes)  # noqa: E731
    events = [Event(m(0), "hall_pir", "motion", 1), Event(m(1), "hall_pir", "motion", 0),
              Event(m(2), "fridge", "door", 1),  # left open
              Event(m(3), "hall_pir", "battery", 12), Event(m(5), "hall_pir", "motion", 1),
              Event(m(4), "hall_pir", "motion", 0)]  # a late delivery is not the last word
    assert last_readings(events) == [events[2], events[3], events[4]]
    assert last_readings([]) == []
    # a state primed with them knows what the full history would have told it
    full, short = HomeState(started=T), HomeState(started=T)
    for e in sorted(events, key=lambda e: e.time):
        full.update(e)
    for e in last_readings(events):
        short.update(e)
    assert short.last_report == {"hall_pir": m(5), "fridge": m(2)}
    assert short.on_since == full.on_since and short.battery == full.battery == {"hall_pir": 12}


def test_a_replay_recalls_what_a_restarted_hub_recalls_from_its_store(store):
    """A plug reporting both watts and on/off, a motion sensor with its light level: the live hub
    keeps each sensor's last activity reading whatever its kind, and so must a replay."""
    m = lambda minutes: T + dt.timedelta(minutes=minutes)  # noqa: E731
    events = [Event(m(0), "kettle_plug", "appliance", 1, "kitchen", "h1"),
              Event(m(1), "kettle_plug", "power", 2100, "kitchen", "h1"),
              Event(m(2), "hall_pir", "motion", 1, "hall", "h1"), Event(m(3), "hall_pir", "light", 40, "hall", "h1"),
              Event(m(4), "hall_pir", "battery", 30, "hall", "h1"),
              Event(m(5), "kettle_plug", "availability", 1, "kitchen", "h1")]
    store.add_events(events)
    fields = lambda evs: [(e.time, e.sensor, e.kind, e.value, e.room) for e in evs]  # noqa: E731
    recalled = health.last_readings(store, "h1", m(10))
    assert fields(last_readings(events)) == fields(recalled)
    assert [e.kind for e in recalled] == ["power", "light", "battery", "availability"]


def test_days_between_recalled_last_words_are_not_read_as_days_away():
    state = HomeState(started=T)
    day = dt.timedelta(days=1)
    # each sensor's last word from before the primed window: days apart, mostly "off" readings
    state.recall([Event(T, "hall_pir", "motion", 0), Event(T + 3 * day, "kitchen_pir", "motion", 0)])
    state.update(Event(T + 3 * day + dt.timedelta(minutes=5), "hall_pir", "motion", 1))
    assert state.active_since == T
    # a real whole day with nothing at all is: activity resumes after it
    back = T + 4 * day + dt.timedelta(minutes=5)
    state.update(Event(back, "hall_pir", "motion", 1))
    assert state.active_since == back


def test_the_last_half_hour_is_real_time_when_the_clocks_change():
    """Amsterdam. Spring: a trip through three places at 01:50, just before 02:00 became 03:00, is
    15 minutes old at 03:05, not 75. Autumn: a trip at 02:20 summer time is 50 minutes old at the
    second 02:10 (the clocks went back from 03:00 to 02:00), not still "recent"."""
    amsterdam = ZoneInfo("Europe/Amsterdam")
    spring = HomeState(started=dt.datetime(2026, 3, 29), zone=amsterdam)
    for i, sensor in enumerate(("living_pir", "hall_pir", "bathroom_pir")):
        spring.update(Event(dt.datetime(2026, 3, 29, 1, 50 + i), sensor, "motion", 1.0))
    now = dt.datetime(2026, 3, 29, 3, 5)
    assert spring.places_recently(now) == {"living_pir", "hall_pir", "bathroom_pir"}
    assert spring.activations_recently(now) == 3 and spring.minutes_moving_recently(now) == 3
    autumn = HomeState(started=dt.datetime(2026, 10, 25), zone=amsterdam)
    for i, sensor in enumerate(("living_pir", "hall_pir", "bathroom_pir")):
        autumn.update(Event(dt.datetime(2026, 10, 25, 2, 20 + i), sensor, "motion", 1.0))
    autumn.update(Event(dt.datetime(2026, 10, 25, 2, 5, fold=1), "kitchen_pir", "motion", 1.0))
    now = dt.datetime(2026, 10, 25, 2, 10, fold=1)
    assert autumn.places_recently(now) == {"kitchen_pir"}
    assert autumn.activations_recently(now) == 1 and autumn.count_last_day(now) == 4
    # the day (from 06:00) the clocks go back in has 25 hours: at 04:00, 23 of them have passed
    assert autumn.home_minutes_today(dt.datetime(2026, 10, 25, 4, 0)) == 23 * 60
