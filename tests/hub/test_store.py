"""The SQLite store: idempotent events, migrations per component, retention."""
from __future__ import annotations

import datetime as dt
import multiprocessing

import pytest

from hub.errors import StoreError
from hub.events import Event
from hub.store import Store

T0 = dt.datetime(2024, 3, 4, 7, 30)


def ev(minutes: int, sensor: str = "hall_pir", value: float = 1, source_id: str = "") -> Event:
    return Event(T0 + dt.timedelta(minutes=minutes), sensor, "motion", value, "hall", "home-1", source_id)


def test_the_same_event_is_stored_once(store):
    assert store.add_events([ev(0), ev(1)]) == 2
    assert store.add_events([ev(0), ev(1), ev(2)]) == 1
    assert [e.time.minute for e in store.events()] == [30, 31, 32]


def test_source_id_decides_identity(store):
    assert store.add_events([ev(0, source_id="mqtt:1"), ev(0, source_id="mqtt:2")]) == 2
    assert store.add_events([ev(5, source_id="mqtt:1")]) == 0


def test_events_filter_by_time_and_household(store):
    store.add_events([ev(m) for m in range(10)])
    store.add_events([Event(T0, "pir", "motion", 1, "", "other")])
    got = store.events(since=T0 + dt.timedelta(minutes=3), until=T0 + dt.timedelta(minutes=6), household="home-1")
    assert [e.time.minute for e in got] == [33, 34, 35]


def test_events_survive_reopening(tmp_path):
    with Store(tmp_path / "a.sqlite") as s:
        s.add_events([ev(0)])
    with Store(tmp_path / "a.sqlite") as s:
        assert s.count_events() == 1
        assert s.query("PRAGMA journal_mode")[0][0] == "wal"


def test_component_migrations_apply_once_and_in_order(store):
    steps = ("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)",
             "ALTER TABLE notes ADD COLUMN author TEXT")
    assert store.migrate("notes", steps[:1]) == 1
    assert store.migrate("notes", steps) == 2
    assert store.migrate("notes", steps) == 2
    cols = [r[1] for r in store.query("PRAGMA table_info(notes)")]
    assert cols == ["id", "text", "author"]


def _open_and_report(path: str, go, errors) -> None:
    go.wait(30)
    try:
        Store(path).close()
    except StoreError as err:
        errors.put(str(err))


def test_processes_opening_a_new_file_at_once_migrate_it_once(tmp_path):
    # the hub, the panel and the CLI may all open a fresh install's store in the same instant
    ctx = multiprocessing.get_context("fork")
    errors, go = ctx.Queue(), ctx.Event()
    paths = [str(tmp_path / f"fresh{attempt}.sqlite") for attempt in range(16)]
    openers = [ctx.Process(target=_open_and_report, args=(path, go, errors)) for path in paths for _ in range(3)]
    for p in openers:
        p.start()
    go.set()  # every process started: all open at once
    for p in openers:
        p.join(30)
        assert p.exitcode == 0
    for path in paths:
        with Store(path) as s:
            assert s.query("SELECT version FROM schema_versions WHERE component='core'")[0][0] >= 1
    assert errors.empty(), errors.get()


def test_a_newer_schema_than_the_program_is_refused(store):
    store.migrate("notes", ("CREATE TABLE notes (id INTEGER)", "ALTER TABLE notes ADD COLUMN x"))
    with pytest.raises(StoreError, match="newer than this program"):
        store.migrate("notes", ("CREATE TABLE notes (id INTEGER)",))


def test_a_failed_migration_leaves_nothing_half_done(store):
    with pytest.raises(StoreError, match="migration broken v1"):
        store.migrate("broken", ("CREATE TABLE t (id INTEGER); CREATE TABLE t (id INTEGER)",))
    assert store.query("SELECT name FROM sqlite_master WHERE name='t'") == []


def test_retention_drops_old_raw_events_only(store):
    store.add_events([ev(0), ev(60 * 24 * 100)])
    assert store.delete_events_before(T0 + dt.timedelta(days=90)) == 1
    assert store.count_events() == 1


def test_events_stored_after_retention_dropped_the_newest_ids_are_still_new_to_the_summaries(store):
    """An old history imported last holds the newest ids; once retention drops it, SQLite gives
    those ids to the next events, which a summary mark left above them would take as summarised."""
    store.add_events([ev(60 * 24 * 100)])  # the live hub's reading
    store.add_events([ev(m, "kitchen_pir") for m in (0, 1, 2)])  # then a history, from long before
    store.set_summary_mark("home-1", "hourly", store.newest_event_id())
    store.delete_events_before(T0 + dt.timedelta(days=90))
    store.add_events([ev(60 * 24 * 101)])
    mark = store.summary_mark("home-1", "hourly")
    assert store.hours_stored_between("home-1", mark, store.newest_event_id()) == [
        (T0 + dt.timedelta(days=101)).replace(minute=0)]


def test_retention_drops_old_quarantined_payloads_too(store):
    # a device whose every message is refused adds a row per message: it must not fill the SD card
    for days in (0, 100):
        store.quarantine("shellyplus1-XYZ/status/switch:0", b'{"id":0,"output":true}', "no apower",
                         T0 + dt.timedelta(days=days))
    store.delete_events_before(T0 + dt.timedelta(days=90))
    assert [r["received"] for r in store.quarantined()] == [(T0 + dt.timedelta(days=100)).isoformat()]


def test_a_commit_is_synced_before_it_returns(store):
    # the MQTT PUBACK, an uplink send or an SMS follows a commit at once: a power cut must not undo it
    assert store.query("PRAGMA journal_mode")[0][0] == "wal"
    assert store.query("PRAGMA synchronous")[0][0] == 2  # FULL


def test_quarantine_keeps_payload_and_reason(store):
    store.quarantine("zigbee2mqtt/x", b"{not json", "not JSON", T0)
    row = store.quarantined()[0]
    assert (row["topic"], bytes(row["payload"]), row["reason"]) == ("zigbee2mqtt/x", b"{not json", "not JSON")
