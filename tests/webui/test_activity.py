"""The panel's figures from hand-made summaries: today against usual, daily series, caseload order."""
from __future__ import annotations

import datetime as dt

from alerts.book import AlertBook
from alerts.directory import Household
from hub.alert import Alert
from hub.clock import ManualClock
from webui import activity
from webui.caseload import build_caseload

NOW = dt.datetime(2024, 3, 4, 10, 30)


def put(store, household, when, room, kind, minutes, energy=0.0):
    with store.transaction() as c:
        c.execute("INSERT INTO summaries VALUES (?, ?, ?, ?, ?, ?, ?, 0)",
                  (household, when.isoformat(), room, kind, minutes, minutes, energy))


def test_today_against_usual(store):
    for d in range(1, 11):
        day = NOW.date() - dt.timedelta(days=d)
        for hour, minutes in ((7, 20), (8, 30), (9, 10)):
            put(store, "mary", dt.datetime.combine(day, dt.time(hour)), "kitchen", "motion", minutes)
        # a second room in the same hour adds up, capped at 60; lights and plugs never count as activity
        put(store, "mary", dt.datetime.combine(day, dt.time(8)), "hall", "motion", 45)
        put(store, "mary", dt.datetime.combine(day, dt.time(8)), "kitchen", "light", 60)
        put(store, "mary", dt.datetime.combine(day, dt.time(8)), "kitchen", "appliance", 5, 160.0)
    put(store, "mary", dt.datetime(2024, 3, 4, 7), "kitchen", "motion", 5)
    put(store, "mary", dt.datetime(2024, 3, 4, 10), "kitchen", "motion", 3)  # the hour in progress
    result = activity.today_against_usual(store, "mary", NOW)
    assert result["usual"][7:10] == [20, 60, 10] and result["usual"][11] == 0
    assert result["baseline_days"] == 10
    assert result["today"][7:11] == [5, 0, 0, 3] and result["today"][11] is None
    assert result["so_far"] == 5                  # complete hours only (00:00-09:59)
    assert result["usual_so_far"] == 90           # 20 + 60 + 10


def test_usual_cache_is_kept_for_the_hour(store):
    put(store, "mary", dt.datetime(2024, 3, 3, 8), "kitchen", "motion", 30)
    cache = activity.UsualCache()
    assert cache.get(store, "mary", NOW)["usual"][8] == 30
    put(store, "mary", dt.datetime(2024, 3, 2, 8), "kitchen", "motion", 50)
    assert cache.get(store, "mary", NOW.replace(minute=59))["usual"][8] == 30   # same hour: cached
    assert cache.get(store, "mary", NOW + dt.timedelta(hours=1))["usual"][8] == 40  # next hour: recomputed


def test_daily_trends(store):
    put(store, "mary", dt.datetime(2024, 3, 2, 8), "kitchen", "motion", 30)
    put(store, "mary", dt.datetime(2024, 3, 2, 9), "living", "motion", 20)
    put(store, "mary", dt.datetime(2024, 3, 3, 19), "living", "power", 120, 180.0)
    with store.transaction() as c:
        c.execute("INSERT INTO daily_summaries VALUES ('mary', '2024-03-02', '07:15', '00:30', 50, 4, 40)")
    result = activity.daily_trends(store, "mary", dt.date(2024, 3, 4), 3)
    assert result["days"] == ["2024-03-02", "2024-03-03", "2024-03-04"]
    assert result["active_minutes"] == [50, None, None]     # a day without any summary is a gap, not a zero
    assert result["wake"] == [7.25, None, None]
    assert result["bed"] == [24.5, None, None]            # after midnight reads as late, not early
    assert result["night_active_minutes"] == [4, None, None]
    assert result["heatmap"] == [{"day": "2024-03-02", "hour": 8, "minutes": 30},
                                 {"day": "2024-03-02", "hour": 9, "minutes": 20}]
    assert result["appliances"] == [{"name": "living power", "minutes": [0, 120, 0], "energy_wh": [0.0, 180.0, 0.0]}]


def test_caseload_order(store, clock):
    clock.set(NOW)
    homes = [Household(h, h.title()) for h in ("ann", "bob", "cat", "dot", "eve")]
    for home in homes:
        for d in range(1, 8):
            day = NOW.date() - dt.timedelta(days=d)
            for hour in (7, 8, 9):
                put(store, home.id, dt.datetime.combine(day, dt.time(hour)), "kitchen", "motion", 25)
        if home.id != "bob":  # bob's hub went quiet yesterday
            for hour in (7, 8, 9):
                put(store, home.id, dt.datetime.combine(NOW.date(), dt.time(hour)), "kitchen", "motion",
                    3 if home.id == "cat" else 25)  # cat is very quiet today
    book = AlertBook(store, clock)
    book.raise_alert(Alert(NOW, "eve", "late_wakeup", "medium", "Not up by 09:30"))
    taken = book.raise_alert(Alert(NOW, "dot", "inactivity", "critical", "No movement"))
    book.acknowledge(taken.id, by="Jane", via="sms")
    book.raise_alert(Alert(NOW, "ann", "night_wandering", "high", "Door at 03:00"))
    entries = build_caseload(store, book, homes, NOW, activity.UsualCache())
    assert [(e.household.id, e.level) for e in entries] == [
        ("ann", 1),   # high alert nobody has taken
        ("bob", 2),   # hub silent
        ("dot", 3),   # critical but taken by Jane
        ("eve", 3),   # medium, not taken: as urgent as dot; same alert time, so by name
        ("cat", 4),   # far quieter than usual
    ]
    assert "No data from the hub" in entries[1].reasons[0].text
    assert entries[4].reasons[0].text.startswith("Quieter than usual today: 9 active minutes so far, usually 75")


def test_a_lingering_low_alert_does_not_put_a_new_fall_ahead_of_an_older_one(store):
    clock = ManualClock(NOW - dt.timedelta(days=5))
    book = AlertBook(store, clock)
    homes = [Household("ann", "Ann"), Household("bob", "Bob")]
    book.raise_alert(Alert(clock.now(), "ann", "battery_low", "low", "Hall sensor battery low",
                           technical=True, condition="battery_low:hall_pir"))  # waiting for a visit for 5 days
    clock.set(NOW - dt.timedelta(minutes=90))
    book.raise_alert(Alert(clock.now(), "bob", "inactivity", "critical", "No movement since 08:00"))
    clock.set(NOW - dt.timedelta(minutes=5))
    book.raise_alert(Alert(clock.now(), "ann", "inactivity", "critical", "No movement since 09:00"))
    entries = build_caseload(store, book, homes, NOW, activity.UsualCache())
    assert [(e.household.id, e.level) for e in entries] == [("bob", 0), ("ann", 0)], "Bob's fall has waited longest"
