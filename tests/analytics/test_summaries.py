"""Hourly summaries: counts, active minutes, step-wise energy and light-on minutes, and the
store helpers that upsert them."""
from __future__ import annotations

import datetime as dt
import pytest

from analytics.summaries import HourlySummary, hourly_summaries, read_summaries, write_summaries
from hub.events import Event

T0 = dt.datetime(2024, 3, 4, 7, 0)


def at(minutes: float, sensor: str, kind: str, value: float, room: str = "kitchen") -> Event:
    return Event(T0 + dt.timedelta(minutes=minutes), sensor, kind, value, room, "h1")


def test_counts_and_active_minutes_per_room_and_kind():
    events = [at(1, "pir", "motion", 1), at(1.5, "pir", "motion", 0), at(1.7, "pir", "motion", 1),
              at(5, "pir", "motion", 1), at(59.9, "pir", "motion", 1), at(61, "pir", "motion", 1),
              at(10, "hall_pir", "motion", 1, "hall"), at(11, "door", "door", 1, "hall"),
              at(12, "door", "battery", 90, "hall")]
    rows = hourly_summaries(events)
    assert rows == [
        HourlySummary("h1", T0, "hall", "door", 1, 1),
        HourlySummary("h1", T0, "hall", "motion", 1, 1),
        HourlySummary("h1", T0, "kitchen", "motion", 4, 3),
        HourlySummary("h1", T0 + dt.timedelta(hours=1), "kitchen", "motion", 1, 1),
    ]


def test_energy_is_integrated_step_wise_and_split_at_the_hour():
    # 2000 W from 07:45 to 08:15 = 500 Wh in each hour; then 100 W for 30 min
    events = [at(45, "kettle", "power", 2000), at(75, "kettle", "power", 100), at(105, "kettle", "power", 0)]
    rows = {(r.hour.hour, r.kind): r for r in hourly_summaries(events)}
    assert rows[(7, "power")].energy_wh == pytest.approx(500)
    assert rows[(8, "power")].energy_wh == pytest.approx(500 + 50)
    assert rows[(7, "power")].events == 1 and rows[(8, "power")].events == 0  # one switch-on, not per reading
    assert rows[(7, "power")].active_minutes == 15 and rows[(8, "power")].active_minutes == 45


def test_a_silent_plug_is_not_assumed_to_draw_power_forever():
    rows = hourly_summaries([at(0, "heater", "power", 1000)], until=T0 + dt.timedelta(hours=5),
                            max_hold=dt.timedelta(minutes=30))
    assert [(r.hour.hour, r.energy_wh) for r in rows] == [(7, pytest.approx(500))]


def test_light_on_minutes_binary_and_lux():
    events = [at(10, "lamp", "light", 1, "living"), at(40, "lamp", "light", 0, "living"),
              at(0, "lux", "light", 120, "hall"), at(20, "lux", "light", 0.3, "hall")]
    rows = {r.room: r for r in hourly_summaries(sorted(events, key=lambda e: e.time))}
    assert rows["living"].light_on_minutes == 30 and rows["living"].events == 1
    assert rows["hall"].light_on_minutes == 20


def test_readings_before_since_set_the_starting_level_only():
    events = [at(-30, "kettle", "power", 1200), at(-20, "pir", "motion", 1), at(30, "kettle", "power", 0)]
    rows = hourly_summaries(events, since=T0, until=T0 + dt.timedelta(hours=1))
    assert [(r.kind, r.events, r.energy_wh) for r in rows] == [("power", 0, pytest.approx(600))]


def test_write_summaries_upserts_and_is_rerunnable(store):
    store.add_events([at(5, "pir", "motion", 1), at(65, "pir", "motion", 1), at(70, "tv", "power", 60, "living")])
    first = write_summaries(store, "h1", T0, T0 + dt.timedelta(hours=3))
    store.add_events([at(66, "pir", "motion", 1)])  # a late event
    again = write_summaries(store, "h1", T0, T0 + dt.timedelta(hours=3))
    assert len(first) == len(again) == 4
    stored = read_summaries(store, "h1", T0, T0 + dt.timedelta(hours=3))
    assert stored == again
    motion8 = next(r for r in stored if r.hour.hour == 8 and r.kind == "motion")
    assert (motion8.events, motion8.active_minutes) == (2, 2)
    # 60 W read at 08:10 and never again: held for the 1 h cap, 50 min in one hour, 10 in the next
    assert [(r.hour.hour, r.energy_wh) for r in stored if r.kind == "power"] == [(8, pytest.approx(50)),
                                                                                  (9, pytest.approx(10))]
    assert store.query("SELECT count(*) FROM summaries")[0][0] == 4


def test_a_year_of_events_gives_every_hour():
    events, t = [], dt.datetime(2023, 1, 1)
    while t < dt.datetime(2024, 1, 1):  # ~ one event every 2 minutes for a year: 262,800 events
        events.append(Event(t, "pir", "motion", 1, "hall", "h1"))
        t += dt.timedelta(minutes=2)
    rows = hourly_summaries(events)
    assert len(rows) == 8760 and sum(r.events for r in rows) == len(events)
    assert {r.active_minutes for r in rows} == {30}


def test_long_ranges_are_read_in_windows_with_the_same_result(store):
    # a light on at 23:00 the day before and a heater on across midnight: levels cross windows
    events = [Event(dt.datetime(2024, 3, 3, 23, 0), "lamp", "light", 1, "living", "h1"),
              Event(dt.datetime(2024, 3, 4, 23, 30), "heater", "power", 1000, "bedroom", "h1"),
              Event(dt.datetime(2024, 3, 5, 0, 10), "heater", "power", 0, "bedroom", "h1"),
              Event(dt.datetime(2024, 3, 5, 6, 0), "lamp", "light", 0, "living", "h1")]
    events += [Event(dt.datetime(2024, 3, 3, 20) + dt.timedelta(minutes=7 * i), "pir", "motion", i % 2, "hall", "h1")
               for i in range(900)]
    events.sort(key=lambda e: e.time)
    store.add_events(events)
    since, until = dt.datetime(2024, 3, 4), dt.datetime(2024, 3, 7)
    windowed = write_summaries(store, "h1", since, until)
    assert windowed == hourly_summaries(events, since=since, until=until)
    heater = {r.hour: r.energy_wh for r in windowed if r.kind == "power"}
    assert heater == {dt.datetime(2024, 3, 4, 23): pytest.approx(500),
                      dt.datetime(2024, 3, 5, 0): pytest.approx(1000 / 6)}
    lamp = [r for r in windowed if r.kind == "light"]
    assert sum(r.light_on_minutes for r in lamp) == 11 * 60  # on from 23:00 (the day before) for the 12 h cap


def test_the_hourly_job_summarises_readings_stored_late_and_an_imported_history(store):
    """Each run summarises the hours since the last one, and again any earlier hour that got
    readings since (a device's buffered readings, an import into a running hub): the office
    and the panel see the hour as it was, not as the readings that happened to be there."""
    from analytics.summaries import write_new_summaries

    def ev(when: dt.datetime, sensor: str, room: str = "kitchen") -> Event:
        return Event(when, sensor, "motion", 1.0, room, "h")

    day = dt.datetime(2024, 3, 4)
    store.add_events([ev(day + dt.timedelta(hours=7, minutes=m), "kitchen_pir") for m in (5, 20)])
    rows = write_new_summaries(store, "h", day + dt.timedelta(hours=8, minutes=1))
    assert [(r.hour.hour, r.events) for r in rows] == [(7, 2)]
    store.add_events([ev(day + dt.timedelta(hours=8, minutes=30), "kitchen_pir")])
    rows = write_new_summaries(store, "h", day + dt.timedelta(hours=9, minutes=1))
    assert [(r.hour.hour, r.events) for r in rows] == [(7, 2), (8, 1)]  # the last one again, as below
    # two readings of 07:00-08:00 arrive late, after that hour and the next were summarised
    store.add_events([ev(day + dt.timedelta(hours=7, minutes=40), "kitchen_pir"),
                      ev(day + dt.timedelta(hours=7, minutes=50), "hall_pir", room="hall")])
    rows = write_new_summaries(store, "h", day + dt.timedelta(hours=10, minutes=1))
    assert {(r.hour.hour, r.room, r.events) for r in rows} == {(7, "kitchen", 3), (7, "hall", 1), (8, "kitchen", 1)}
    # nothing new: only the last hour with readings again (it may have been summarised part-way through)
    rows = write_new_summaries(store, "h", day + dt.timedelta(hours=11, minutes=1))
    assert {(r.hour.hour, r.events) for r in rows} == {(8, 1)}
    # last week's history imported into the running hub
    store.add_events([ev(day - dt.timedelta(days=7) + dt.timedelta(hours=h), "kitchen_pir") for h in (9, 10, 15)])
    rows = write_new_summaries(store, "h", day + dt.timedelta(hours=12, minutes=1))
    week_ago = {r.hour.isoformat() for r in rows if r.hour < day}
    assert week_ago == {"2024-02-26T09:00:00", "2024-02-26T10:00:00", "2024-02-26T15:00:00"}
    stored = read_summaries(store, "h", day - dt.timedelta(days=7), day + dt.timedelta(days=1))
    assert [(s.hour.day, s.hour.hour, s.room, s.events) for s in stored] == [
        (26, 9, "kitchen", 1), (26, 10, "kitchen", 1), (26, 15, "kitchen", 1),
        (4, 7, "hall", 1), (4, 7, "kitchen", 3), (4, 8, "kitchen", 1)]
