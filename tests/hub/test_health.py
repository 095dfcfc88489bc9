"""Sensor health read back from stored events."""
from __future__ import annotations

import datetime as dt

from hub.events import Event
from hub.health import last_readings, sensor_health

T = dt.datetime(2024, 3, 4, 8, 0)


def test_last_seen_battery_and_availability_per_sensor(store):
    m = lambda minutes: T + dt.timedelta(minutes=minutes)  # noqa: E731
    store.add_events([
        Event(m(0), "hall_pir", "motion", 1, "hall", "h1"), Event(m(1), "hall_pir", "battery", 40, "hall", "h1"),
        Event(m(5), "hall_pir", "battery", 38, "hall", "h1"), Event(m(9), "hall_pir", "motion", 0, "hall", "h1"),
        Event(m(2), "tv", "availability", 1, "living", "h1"), Event(m(7), "tv", "availability", 0, "living", "h1"),
        Event(m(3), "tv", "power", 60, "living", "h1"),
        Event(m(8), "hall_pir", "motion", 1, "hall", "other-home"),
        Event(m(4), "only_elsewhere", "motion", 1, "", "other-home"),
    ])
    health = {h.sensor: h for h in sensor_health(store, "h1")}
    assert set(health) == {"hall_pir", "tv"}
    pir, tv = health["hall_pir"], health["tv"]
    assert (pir.last_seen, pir.last_activity, pir.battery, pir.battery_time, pir.online) == (m(9), m(9), 38, m(5), None)
    assert (tv.last_seen, tv.last_activity, tv.online, tv.online_time, tv.battery) == (m(7), m(3), False, m(7), None)
    assert tv.silent_for(m(67)) == dt.timedelta(hours=1)
    assert tv.to_json()["online_time"] == "2024-03-04T08:07:00" and tv.to_json()["room"] == "living"


def test_empty_store_has_no_sensors(store):
    assert sensor_health(store, "h1") == []


def test_last_readings_before_a_time_are_each_sensors_last_word_of_each_kind(store):
    m = lambda minutes: T + dt.timedelta(minutes=minutes)  # noqa: E731
    store.add_events([
        Event(m(0), "hall_pir", "motion", 1, "hall", "h1"), Event(m(1), "hall_pir", "battery", 40, "hall", "h1"),
        Event(m(2), "hall_pir", "motion", 0, "hall", "h1"), Event(m(3), "fridge", "door", 1, "kitchen", "h1"),
        Event(m(4), "tv", "availability", 0, "living", "h1"),
        Event(m(5), "hall_pir", "motion", 1, "hall", "other-home"),
        Event(m(30), "hall_pir", "motion", 1, "hall", "h1"),  # after the cut: read in full elsewhere
    ])
    got = [(e.time, e.sensor, e.kind, e.value, e.room, e.household) for e in last_readings(store, "h1", m(10))]
    assert got == [(m(1), "hall_pir", "battery", 40, "hall", "h1"), (m(2), "hall_pir", "motion", 0, "hall", "h1"),
                   (m(3), "fridge", "door", 1, "kitchen", "h1"), (m(4), "tv", "availability", 0, "living", "h1")]
    assert last_readings(store, "h1", m(0)) == []
