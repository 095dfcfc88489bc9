"""The hub's SQLite store: raw events, quarantined payloads, hourly summaries, and each
component's own tables.

One file per process, WAL mode. The schema is versioned per component with forward-only
migrations: a component (``core``, ``alerts``, ``panel``, ...) owns an ordered list of SQL scripts
and :meth:`Store.migrate` applies the ones this file has not seen yet, so packages can add tables
without a shared version counter.

All access goes through one connection guarded by a lock: MQTT callbacks, GPIO threads, the
scheduler and the panel may call in from different threads.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import logging
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from hub.errors import StoreError
from hub.events import Event, format_time

log = logging.getLogger(__name__)

#: how long a statement waits for another process's lock before failing
BUSY_TIMEOUT_S = 30.0


def _use_wal(conn: sqlite3.Connection) -> None:
    """Put the file in WAL mode (readers never wait for the writer).

    WAL is a property of the file, so usually there is nothing to do. Converting a new file needs
    it to itself, and SQLite does not wait on a busy lock for that as it does for other
    statements: when processes open a new file at once, the conversion is retried here within
    the same budget, until one of them has done it."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    delay = 0.01
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode=WAL")  # (":memory:" stays in memory mode)
            return
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) and "busy" not in str(err):
                raise
        if time.monotonic() >= deadline:
            raise sqlite3.OperationalError("database is locked: could not switch it to WAL mode")
        time.sleep(delay)
        delay = min(delay * 2, 0.5)

CORE_MIGRATIONS: tuple[str, ...] = (
    # 1: raw events, idempotent by source id
    """
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        ts TEXT NOT NULL,
        household TEXT NOT NULL,
        sensor TEXT NOT NULL,
        kind TEXT NOT NULL,
        value REAL NOT NULL,
        room TEXT NOT NULL DEFAULT '',
        source_id TEXT NOT NULL UNIQUE
    );
    CREATE INDEX events_household_ts ON events(household, ts);
    CREATE INDEX events_sensor_ts ON events(sensor, ts);
    CREATE TABLE quarantine (
        id INTEGER PRIMARY KEY,
        received TEXT NOT NULL,
        topic TEXT NOT NULL,
        payload BLOB NOT NULL,
        reason TEXT NOT NULL
    );
    CREATE TABLE summaries (
        household TEXT NOT NULL,
        hour TEXT NOT NULL,
        room TEXT NOT NULL,
        kind TEXT NOT NULL,
        events INTEGER NOT NULL,
        active_minutes INTEGER NOT NULL,
        energy_wh REAL NOT NULL DEFAULT 0,
        light_on_minutes INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (household, hour, room, kind)
    );
    CREATE TABLE daily_summaries (
        household TEXT NOT NULL,
        day TEXT NOT NULL,
        wake_time TEXT,
        bed_time TEXT,
        active_minutes INTEGER NOT NULL,
        night_active_minutes INTEGER NOT NULL,
        events INTEGER NOT NULL,
        PRIMARY KEY (household, day)
    );
    """,
    # 2: how far each summarising job has taken in the events stored (by event id), so that
    # readings stored late (delivered late, imported) are summarised too
    """
    CREATE TABLE summary_marks (
        household TEXT NOT NULL,
        job TEXT NOT NULL,
        event_id INTEGER NOT NULL,
        PRIMARY KEY (household, job)
    );
    """,
)


class Store:
    """A SQLite database file holding this process's data.

    >>> store = Store(":memory:")
    >>> store.add_events([Event(dt.datetime(2024, 1, 1, 7), "hall_pir", "motion", 1)])
    1
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None,
                                         timeout=BUSY_TIMEOUT_S)
            _use_wal(self._conn)
            # FULL: a WAL commit is synced before it returns. Callers act on a commit at once (the MQTT
            # PUBACK, an uplink or SMS send), and with NORMAL a power cut can roll it back afterwards.
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.execute("PRAGMA foreign_keys=ON")
        except sqlite3.Error as err:
            raise StoreError(f"cannot open store {self.path}: {err}") from err
        self._conn.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        self.migrate("core", CORE_MIGRATIONS)

    # ------------------------------------------------------------------ plumbing

    def close(self) -> None:
        """Close the database file."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run statements atomically: committed on success, rolled back on any error."""
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise

    def query(self, sql: str, params: Sequence | dict = ()) -> list[sqlite3.Row]:
        """Run a read-only statement and return all rows."""
        with self._lock:
            try:
                return self._conn.execute(sql, params).fetchall()
            except sqlite3.Error as err:
                raise StoreError(f"query failed: {err}") from err

    def migrate(self, component: str, migrations: Sequence[str]) -> int:
        """Apply ``component``'s migrations this file has not seen yet; return its version.

        Each step reads the file's version and applies the next migration in one write
        transaction, so processes opening a new file at once (the hub and the panel at first
        start) never apply the same migration twice."""
        with self._lock:
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_versions (component TEXT PRIMARY KEY, version INTEGER NOT NULL)")
            current = 0
            while True:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    row = self._conn.execute("SELECT version FROM schema_versions WHERE component=?",
                                             (component,)).fetchone()
                    current = row[0] if row else 0
                    if current >= len(migrations):
                        self._conn.execute("COMMIT")
                        break
                    for statement in _statements(migrations[current]):
                        self._conn.execute(statement)
                    self._conn.execute("INSERT OR REPLACE INTO schema_versions VALUES (?, ?)", (component, current + 1))
                    self._conn.execute("COMMIT")
                except sqlite3.Error as err:
                    self._conn.execute("ROLLBACK")
                    raise StoreError(f"{self.path}: migration {component} v{current + 1} failed: {err}") from err
                log.info("migrated %s schema to v%d", component, current + 1)
            if current > len(migrations):
                raise StoreError(f"{self.path}: {component} schema version {current} is newer than this "
                                 f"program knows ({len(migrations)}); upgrade eldercare")
            return len(migrations)

    # ------------------------------------------------------------------ events

    def add_events(self, events: Iterable[Event], conn: sqlite3.Connection | None = None) -> int:
        """Store events in one transaction; return how many were new (repeats are ignored).

        Pass ``conn`` to take part in a transaction the caller already holds.
        """
        rows = [(format_time(e.time), e.household, e.sensor, e.kind, e.value, e.room, e.reading_id) for e in events]
        sql = ("INSERT OR IGNORE INTO events (ts, household, sensor, kind, value, room, source_id) "
               "VALUES (?, ?, ?, ?, ?, ?, ?)")
        if conn is not None:
            before = conn.total_changes
            conn.executemany(sql, rows)
            return conn.total_changes - before
        try:
            with self.transaction() as c:
                before = c.total_changes
                c.executemany(sql, rows)
                return c.total_changes - before
        except sqlite3.Error as err:
            raise StoreError(f"cannot store {len(rows)} events: {err}") from err

    def events(self, since: dt.datetime | None = None, until: dt.datetime | None = None,
               household: str | None = None) -> list[Event]:
        """Events in time order with ``since <= time < until`` (either bound optional)."""
        clauses, params = [], []
        if since is not None:
            clauses.append("ts >= ?")
            params.append(format_time(since))
        if until is not None:
            clauses.append("ts < ?")
            params.append(format_time(until))
        if household is not None:
            clauses.append("household = ?")
            params.append(household)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self.query(f"SELECT ts, household, sensor, kind, value, room, source_id FROM events {where} "
                          "ORDER BY ts, id", params)
        return [Event(dt.datetime.fromisoformat(r[0]), r[2], r[3], r[4], r[5], r[1], r[6]) for r in rows]

    def count_events(self) -> int:
        """How many events the store holds."""
        return self.query("SELECT count(*) FROM events")[0][0]

    def delete_events_before(self, cutoff: dt.datetime) -> int:
        """Retention: drop raw events (and quarantined payloads) older than ``cutoff``; summaries
        and alerts stay. Returns how many events were dropped."""
        with self.transaction() as c:
            c.execute("DELETE FROM quarantine WHERE received < ?", (format_time(cutoff),))
            dropped = c.execute("DELETE FROM events WHERE ts < ?", (format_time(cutoff),)).rowcount
            # the newest ids may have gone (an old history imported last), and SQLite then gives
            # theirs to the next events: no summary mark may stay above the ids that are left
            c.execute("UPDATE summary_marks SET event_id = (SELECT coalesce(max(id), 0) FROM events) "
                      "WHERE event_id > (SELECT coalesce(max(id), 0) FROM events)")
            return dropped

    def newest_event_id(self) -> int:
        """The id of the event stored last (ids grow with every event stored), 0 when none is."""
        return self.query("SELECT coalesce(max(id), 0) FROM events")[0][0]

    def hours_stored_between(self, household: str, after_id: int, upto_id: int) -> list[dt.datetime]:
        """The clock hours holding ``household``'s events stored after event ``after_id`` up to
        ``upto_id``, in time order."""
        rows = self.query("SELECT DISTINCT substr(ts, 1, 13) FROM events WHERE id > ? AND id <= ? AND household = ? "
                          "ORDER BY 1", (after_id, upto_id, household))
        return [dt.datetime.fromisoformat(r[0] + ":00") for r in rows]

    def summary_mark(self, household: str, job: str) -> int:
        """The newest event id ``job`` has summarised for ``household`` (0: never run, every event
        stored is new to it; ids start at 1)."""
        rows = self.query("SELECT event_id FROM summary_marks WHERE household=? AND job=?", (household, job))
        return rows[0][0] if rows else 0

    def set_summary_mark(self, household: str, job: str, event_id: int) -> None:
        """Note that ``job`` has summarised ``household``'s events up to ``event_id``."""
        with self.transaction() as c:
            c.execute("INSERT OR REPLACE INTO summary_marks VALUES (?, ?, ?)", (household, job, event_id))

    # ------------------------------------------------------------------ summaries

    def put_summaries(self, rows: Iterable[Sequence], conn: sqlite3.Connection | None = None) -> None:
        """Insert or replace hourly summary rows: (household, hour, room, kind, events,
        active_minutes, energy_wh, light_on_minutes)."""
        self._put(_PUT_SUMMARY, rows, conn)

    def put_daily_summaries(self, rows: Iterable[Sequence], conn: sqlite3.Connection | None = None) -> None:
        """Insert or replace daily summary rows: (household, day, wake_time, bed_time,
        active_minutes, night_active_minutes, events)."""
        self._put(_PUT_DAILY, rows, conn)

    def _put(self, sql: str, rows: Iterable[Sequence], conn: sqlite3.Connection | None) -> None:
        if conn is not None:
            conn.executemany(sql, rows)
            return
        with self.transaction() as c:
            c.executemany(sql, rows)

    # ------------------------------------------------------------------ quarantine

    def quarantine(self, topic: str, payload: bytes, reason: str, received: dt.datetime,
                   conn: sqlite3.Connection | None = None) -> None:
        """Keep a payload that could not be decoded, with the reason, for inspection."""
        sql = "INSERT INTO quarantine (received, topic, payload, reason) VALUES (?, ?, ?, ?)"
        params = (format_time(received), topic, bytes(payload), reason)
        if conn is not None:
            conn.execute(sql, params)
            return
        with self.transaction() as c:
            c.execute(sql, params)

    def quarantined(self, limit: int = 100) -> list[sqlite3.Row]:
        """The most recently quarantined payloads, newest first."""
        return self.query("SELECT received, topic, payload, reason FROM quarantine ORDER BY id DESC LIMIT ?",
                          (limit,))


_PUT_SUMMARY = ("INSERT OR REPLACE INTO summaries (household, hour, room, kind, events, active_minutes, "
                "energy_wh, light_on_minutes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
_PUT_DAILY = ("INSERT OR REPLACE INTO daily_summaries (household, day, wake_time, bed_time, active_minutes, "
              "night_active_minutes, events) VALUES (?, ?, ?, ?, ?, ?, ?)")


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (our scripts hold no ';' inside literals)."""
    return [s.strip() for s in script.split(";") if s.strip()]
