"""The alert book: lifecycle, deduplication, history that is never lost."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from alerts.book import OUTCOMES, AlertBook
from hub.alert import Alert
from hub.errors import AlertStateError, NotFoundError
from hub.store import Store


def fall(clock, household="smith", condition="") -> Alert:
    return Alert(clock.now(), household, "inactivity", "critical", "No movement since 07:10", condition=condition)


def test_lifecycle_is_recorded_step_by_step(store, clock):
    book = AlertBook(store, clock)
    rec = book.raise_alert(fall(clock))
    assert rec.state == "open" and rec.raised_at == clock.now() and rec.alert.message.startswith("No movement")
    clock.advance(dt.timedelta(minutes=4))
    rec = book.acknowledge(rec.id, by="Jane", via="sms")
    assert (rec.state, rec.acknowledged_by, rec.acknowledged_via) == ("acknowledged", "Jane", "sms")
    assert rec.acknowledged_at == dt.datetime(2024, 3, 4, 8, 4)
    clock.advance(dt.timedelta(minutes=30))
    rec = book.resolve(rec.id, "fine", by="Jane", note="asleep in the chair")
    assert (rec.state, rec.outcome, rec.resolved_by, rec.note) == ("resolved", "fine", "Jane", "asleep in the chair")
    steps = book.history(rec.id)
    assert [s.action for s in steps] == ["raised", "acknowledged", "resolved"]
    assert [s.time.minute for s in steps] == [0, 4, 34]
    assert steps[2].detail == "Resident fine: asleep in the chair"


def test_same_open_condition_is_raised_once_per_household(store, clock):
    book = AlertBook(store, clock)
    first = book.raise_alert(fall(clock))
    assert book.raise_alert(fall(clock)) is None
    assert book.raise_alert(fall(clock, household="jones")) is not None
    book.acknowledge(first.id, "Jane", "panel")
    assert book.raise_alert(fall(clock)) is None, "acknowledged but unresolved is still the same condition"
    book.resolve(first.id, "helped", "Jane")
    again = book.raise_alert(fall(clock))
    assert again is not None and again.id != first.id


def test_a_condition_begun_after_its_unresolved_alert_is_a_new_alert(store, clock):
    book = AlertBook(store, clock)
    morning = dt.datetime(2024, 3, 4, 7, 10)
    first = book.raise_alert(dataclasses.replace(fall(clock), since=morning))  # raised 08:00
    book.acknowledge(first.id, "Jane", "sms")  # taken, visited, never closed on the panel
    clock.advance(dt.timedelta(minutes=40))
    assert book.raise_alert(dataclasses.replace(fall(clock), since=morning)) is None, \
        "the same silence raised again (a restarted hub) is the alert already taken"
    clock.set(dt.datetime(2024, 3, 4, 15, 30))
    second = book.raise_alert(dataclasses.replace(fall(clock), since=dt.datetime(2024, 3, 4, 14, 5)))
    assert second is not None and second.id != first.id, "a new silence after she was up again"
    assert book.raise_alert(dataclasses.replace(fall(clock), since=dt.datetime(2024, 3, 4, 14, 5))) is None


def test_resolve_acknowledges_first_and_checks_outcome(store, clock):
    book = AlertBook(store, clock)
    rec = book.raise_alert(fall(clock))
    with pytest.raises(AlertStateError, match="outcome 'cured'"):
        book.resolve(rec.id, "cured", "Jane")
    rec = book.resolve(rec.id, "visitor", "Bob")
    assert rec.acknowledged_by == "Bob" and rec.state == "resolved"
    assert [s.action for s in book.history(rec.id)] == ["raised", "acknowledged", "resolved"]
    with pytest.raises(AlertStateError, match="already resolved by Bob"):
        book.resolve(rec.id, "fine", "Jane")
    assert set(OUTCOMES) == {"helped", "fine", "visitor", "away", "sensor_fault", "false_alarm"}


def test_second_acknowledgement_keeps_the_first(store, clock):
    book = AlertBook(store, clock)
    rec = book.raise_alert(fall(clock))
    book.acknowledge(rec.id, "Jane", "sms")
    again = book.acknowledge(rec.id, "Bob", "panel")
    assert again.acknowledged_by == "Jane"
    assert [s.action for s in book.history(rec.id)] == ["raised", "acknowledged"]
    with pytest.raises(AlertStateError, match="via 'pigeon'"):
        book.acknowledge(rec.id, "Bob", "pigeon")


def test_unknown_alert_is_not_found(store, clock):
    book = AlertBook(store, clock)
    with pytest.raises(NotFoundError) as err:
        book.get(99)
    assert isinstance(err.value, LookupError)
    with pytest.raises(NotFoundError):
        book.acknowledge(99, "Jane", "sms")


def test_list_filters_and_orders_newest_first(store, clock):
    book = AlertBook(store, clock)
    a = book.raise_alert(fall(clock, condition="a"))
    clock.advance(dt.timedelta(hours=1))
    b = book.raise_alert(fall(clock, household="jones", condition="b"))
    clock.advance(dt.timedelta(hours=1))
    c = book.raise_alert(fall(clock, condition="c"))
    book.acknowledge(c.id, "Jane", "panel")
    assert [r.id for r in book.list()] == [c.id, b.id, a.id]
    assert [r.id for r in book.list(households=["smith"])] == [c.id, a.id]
    assert [r.id for r in book.list(states=["open"])] == [b.id, a.id]
    assert [r.id for r in book.list(since=dt.datetime(2024, 3, 4, 9))] == [c.id, b.id]
    assert [r.id for r in book.list(limit=1)] == [c.id]
    assert book.list(households=[]) == []


def test_listeners_hear_each_change_and_a_broken_one_changes_nothing(store, clock):
    book = AlertBook(store, clock)
    heard = []
    book.subscribe(lambda rec, action: heard.append((rec.id, rec.state, action)))
    book.subscribe(lambda rec, action: 1 / 0)
    rec = book.raise_alert(fall(clock))
    book.resolve(rec.id, "fine", "Jane")
    assert heard == [(rec.id, "open", "raised"), (rec.id, "resolved", "acknowledged"),
                     (rec.id, "resolved", "resolved")]
    assert book.get(rec.id).state == "resolved"


def test_alerts_survive_a_restart_with_evidence(tmp_path, clock):
    path = tmp_path / "hub.sqlite"
    with Store(path) as s:
        alert = Alert(clock.now(), "smith", "inactivity", "high", "quiet", evidence={"last_motion": "07:10", "days": 27})
        rid = AlertBook(s, clock).raise_alert(alert).id
    with Store(path) as s:
        rec = AlertBook(s, clock).get(rid)
    assert rec.alert == alert and rec.alert.evidence == {"last_motion": "07:10", "days": 27}
