"""The event pipeline: listeners see each committed reading once, and a broken one harms nothing."""
from __future__ import annotations

import datetime as dt

from hub.events import Event
from hub.pipeline import EventPipeline

T0 = dt.datetime(2024, 3, 4, 7, 30)


def ev(minute: int) -> Event:
    return Event(T0 + dt.timedelta(minutes=minute), "hall_pir", "motion", 1, "hall", "home-1")


def test_listeners_get_only_new_events_after_commit(store):
    seen = []
    pipeline = EventPipeline(store, [lambda events: seen.append([(e.time.minute, store.count_events()) for e in events])])
    assert pipeline.submit([ev(1), ev(0)]) == 2
    assert pipeline.submit([ev(1), ev(2), ev(2)]) == 1
    assert pipeline.submit([ev(0)]) == 0
    # sorted by time, and the store already held them when the listener ran
    assert seen == [[(30, 2), (31, 2)], [(32, 3)]]


def test_a_failing_listener_does_not_stop_the_others_or_ingestion(store, caplog):
    got = []

    def broken(events):
        raise RuntimeError("detector bug")

    pipeline = EventPipeline(store, [broken, got.extend])
    assert pipeline.submit([ev(0)]) == 1
    assert len(got) == 1 and store.count_events() == 1
    assert "detector bug" in caplog.text
