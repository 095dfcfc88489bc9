"""Per-day facts for the panel, and their row in ``daily_summaries``."""
from __future__ import annotations

import dataclasses
import datetime as dt
import random

from analytics.days import daily_summary, write_daily_summaries
from analytics.jobs import retrain, summarise_days
from analytics.modelstore import load_routine, routine_path
from hub.clock import ManualClock
from hub.events import Event
from tests.analytics import homes


def test_daily_summary_of_a_constructed_day():
    day = homes.START
    events = homes.normal_day(day, random.Random(5)) + homes.normal_day(day + dt.timedelta(days=1), random.Random(6))
    s = daily_summary(events, day, "h1")
    h, m = map(int, s.wake_time.split(":"))
    assert 6 * 60 + 40 <= h * 60 + m <= 7 * 60 + 20
    h, m = map(int, s.bed_time.split(":"))
    assert 22 * 60 + 15 <= h * 60 + m <= 22 * 60 + 45
    assert 60 < s.active_minutes < 24 * 60
    assert 0 < s.night_active_minutes < s.active_minutes  # bed mat and the toilet trip
    assert s.events == sum(1 for e in events if e.time.date() == day)


def test_a_fridge_is_not_the_residents_activity_in_the_days_figures():
    day = homes.START
    events = homes.normal_day(day, random.Random(5)) + homes.normal_day(day + dt.timedelta(days=1), random.Random(6))
    plain = daily_summary(events, day, "h1")
    fridge = [e for d in (day, day + dt.timedelta(days=1)) for e in homes.fridge_cycles(d)]
    counted = daily_summary(events + fridge, day, "h1")
    assert counted.night_active_minutes > plain.night_active_minutes  # what the caseworker must not see
    ignored = daily_summary(events + fridge, day, "h1", self_running={"fridge_plug"})
    assert dataclasses.replace(ignored, events=plain.events) == plain  # "events" counts every reading


def test_write_and_replace_rows(store):
    s = daily_summary(homes.normal_day(homes.START, random.Random(1)), homes.START, "h1")
    assert write_daily_summaries(store, [s, s]) == 2
    rows = store.query("SELECT * FROM daily_summaries")
    assert len(rows) == 1 and rows[0]["wake_time"] == s.wake_time and rows[0]["events"] == s.events


def test_nightly_jobs_from_the_store(store, tmp_path):
    history = [e.__class__(e.time, e.sensor, e.kind, e.value, e.room, "h1") for e in homes.history(10)]
    store.add_events(history)
    clock = ManualClock(dt.datetime.combine(homes.START + dt.timedelta(days=10), dt.time(3, 15)))
    routine = retrain(store, clock, tmp_path / "models", "h1")
    assert routine.n_days == 10
    assert load_routine(routine_path(tmp_path / "models", "h1")).days == routine.days
    # the first night: every day of the history imported, not only the last ones
    written = summarise_days(store, clock, "h1", days=3)
    assert [d.day for d in written] == [homes.START + dt.timedelta(days=k) for k in range(10)]
    days = [r["day"] for r in store.query("SELECT day FROM daily_summaries ORDER BY day")]
    assert days == [d.isoformat() for d in sorted({e.time.date() for e in history})]
    # then the last days, and a day that got a reading since (delivered late)
    late_day = homes.START + dt.timedelta(days=2)
    late = dt.datetime.combine(late_day, dt.time(15, 7))
    before = store.query("SELECT events FROM daily_summaries WHERE day=?", (late_day.isoformat(),))[0][0]
    store.add_events([Event(late, "kitchen_pir", "motion", 1.0, "kitchen", "h1")])
    written = summarise_days(store, clock, "h1", days=3)
    assert [d.day.isoformat() for d in written] == [late_day.isoformat(), "2024-03-11", "2024-03-12", "2024-03-13"]
    assert written[0].events == before + 1
    assert store.query("SELECT events FROM daily_summaries WHERE day=?", (late_day.isoformat(),))[0][0] == before + 1


def test_novelty_second_opinion_after_a_silent_day(store, tmp_path):
    from analytics.jobs import check_yesterday, train_novelty

    history = [Event(e.time, e.sensor, e.kind, e.value, e.room, "h1") for e in homes.history(21)]
    store.add_events(history)
    models = tmp_path / "models"
    clock = ManualClock(dt.datetime.combine(homes.START + dt.timedelta(days=21), dt.time(3, 15)))
    retrain(store, clock, models, "h1")
    assert train_novelty(models, "h1") is not None
    day = homes.START + dt.timedelta(days=21)
    store.add_events([Event(e.time, e.sensor, e.kind, e.value, e.room, "h1")
                      for e in homes.incident_day("normal", day) if e.time.hour < 6])
    clock.set(clock.now() + dt.timedelta(hours=4))  # 07:15: the day that ended at 06:00 was ordinary
    assert check_yesterday(store, clock, models, "h1") is None
    # today only the night's events arrive: a silent day, seen the next morning
    store.add_events([Event(e.time, e.sensor, e.kind, e.value, e.room, "h1")
                      for e in homes.incident_day("no_wake", day) if e.time.hour >= 6 or e.time.hour < 3])
    clock.set(clock.now() + dt.timedelta(days=1))
    alert = check_yesterday(store, clock, models, "h1")
    assert alert is not None and alert.kind == "unusual_day" and alert.severity == "low"
    assert alert.evidence["score"] < alert.evidence["threshold"]
