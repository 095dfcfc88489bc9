"""The alert book: every alert's lifecycle (raised, notified, acknowledged, resolved), in SQLite.

An alert is raised once per unresolved condition of a household; each later change is a new
:class:`AlertStep` with its time and actor. A condition that began after the unresolved alert
about it was raised (``Alert.since``: a second silence after the resident was up and about again)
is a new alert, though the first was taken and never closed: a second fall must not be swallowed
because nobody closed the first on the panel. Nothing is ever deleted: the book is the record a
caseworker, a supervisor or an inquiry reads afterwards.

>>> from hub.clock import ManualClock
>>> from hub.store import Store
>>> book = AlertBook(Store(":memory:"), ManualClock(dt.datetime(2024, 3, 4, 9)))
>>> rec = book.raise_alert(Alert(dt.datetime(2024, 3, 4, 9), "home", "inactivity", "critical", "No movement"))
>>> book.acknowledge(rec.id, by="Jane", via="sms").state
'acknowledged'
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from hub.alert import Alert
from hub.clock import Clock
from hub.errors import AlertStateError, NotFoundError
from hub.events import format_time, parse_time
from hub.store import Store

log = logging.getLogger(__name__)

#: how an alert ended -> the words the panel shows
OUTCOMES: dict[str, str] = {
    "helped": "Resident needed help",
    "fine": "Resident fine",
    "visitor": "Visitor",
    "away": "Away",
    "sensor_fault": "Sensor fault",
    "false_alarm": "False alarm",
}
STATES = ("open", "acknowledged", "resolved")
#: the states of an alert not yet resolved: still to be seen to
UNRESOLVED = STATES[:2]
#: how someone can take (acknowledge) an alert
ACK_CHANNELS = ("sms", "panel", "terminal")

MIGRATIONS: tuple[str, ...] = (
    # 1: alerts and their steps; steps are append-only
    """
    CREATE TABLE alert_records (
        id INTEGER PRIMARY KEY,
        household TEXT NOT NULL,
        kind TEXT NOT NULL,
        severity TEXT NOT NULL,
        message TEXT NOT NULL,
        technical INTEGER NOT NULL,
        condition TEXT NOT NULL,
        evidence TEXT NOT NULL,
        alert_time TEXT NOT NULL,
        raised_at TEXT NOT NULL,
        state TEXT NOT NULL,
        acknowledged_by TEXT,
        acknowledged_at TEXT,
        acknowledged_via TEXT,
        resolved_by TEXT,
        resolved_at TEXT,
        outcome TEXT,
        note TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX alert_records_household_state ON alert_records(household, state);
    CREATE INDEX alert_records_raised ON alert_records(raised_at);
    CREATE TABLE alert_steps (
        id INTEGER PRIMARY KEY,
        alert_id INTEGER NOT NULL REFERENCES alert_records(id),
        time TEXT NOT NULL,
        action TEXT NOT NULL,
        actor TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX alert_steps_alert ON alert_steps(alert_id, id)
    """,
    # 2: the news that the alert's condition is over (the resident moving again), if it is
    "ALTER TABLE alert_records ADD COLUMN over TEXT NOT NULL DEFAULT ''",
)


@dataclass(frozen=True)
class AlertRecord:
    """An alert as the book holds it: the alert itself, where it is in its lifecycle, and by whom.

    ``id`` is also the code a contact replies with ("OK 42").
    """

    id: int
    alert: Alert
    state: str
    raised_at: dt.datetime
    acknowledged_by: str | None = None
    acknowledged_at: dt.datetime | None = None
    acknowledged_via: str | None = None  # "sms" | "panel" | "terminal"
    resolved_by: str | None = None
    resolved_at: dt.datetime | None = None
    outcome: str | None = None
    note: str = ""
    #: the news that the condition is over ("Mrs Kim is moving again (kitchen, 10:41)."), or ""
    over: str = ""

    @property
    def household(self) -> str:
        """The household the alert is about."""
        return self.alert.household


@dataclass(frozen=True)
class AlertStep:
    """One thing that happened to an alert: ``raised``, ``notified``, ``escalated``, ``acknowledged``,
    ``resolved``, ``sms_failed``, ``delivered`` ... ``actor`` is a person or a component."""

    alert_id: int
    time: dt.datetime
    action: str
    actor: str
    detail: str = ""


Listener = Callable[[AlertRecord, str], None]


class AlertBook:
    """The alerts of every household this process knows, and what happened to each.

    Thread-safe through the store. ``subscribe`` listeners are called after each committed change
    with the record and the action name; a failing listener is logged and never undoes the change.
    """

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._listeners: list[Listener] = []
        store.migrate("alerts", MIGRATIONS)

    # ------------------------------------------------------------------ changes

    def raise_alert(self, alert: Alert) -> AlertRecord | None:
        """Record a new alert; ``None`` when the same condition is still unresolved for that household
        and did not begin after that alert was raised."""
        now = self._clock.now()
        with self._store.transaction() as conn:
            same = self._unresolved(conn, alert.household, alert.condition, alert.since)
            if same is not None:
                log.debug("alert %s for %s already open as #%d", alert.condition, alert.household, same["id"])
                return None
            cur = conn.execute(
                "INSERT INTO alert_records (household, kind, severity, message, technical, condition, evidence, "
                "alert_time, raised_at, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open')",
                (alert.household, alert.kind, alert.severity, alert.message, int(alert.technical),
                 alert.condition, json.dumps(alert.evidence, default=str), format_time(alert.time),
                 format_time(now)))
            alert_id = cur.lastrowid
            self._step(conn, alert_id, now, "raised", "detector", f"{alert.severity} {alert.kind}")
        record = self.get(alert_id)
        log.info("alert #%d raised: %s %s %s", alert_id, alert.household, alert.severity, alert.kind)
        self._notify(record, "raised")
        return record

    def unresolved(self, household: str, condition: str, since: dt.datetime | None = None) -> AlertRecord | None:
        """The newest unresolved alert about ``household``'s ``condition``, raised after the
        condition began at ``since`` when that is known; ``None`` when there is none."""
        with self._store.transaction() as conn:
            row = self._unresolved(conn, household, condition, since)
        return _record(row) if row is not None else None

    @staticmethod
    def _unresolved(conn: sqlite3.Connection, household: str, condition: str,
                    since: dt.datetime | None) -> sqlite3.Row | None:
        """:meth:`unresolved`'s row: the alert a condition begun at ``since`` is already told by."""
        for row in conn.execute("SELECT * FROM alert_records WHERE household=? AND condition=? AND "
                                "state!='resolved' ORDER BY id DESC", (household, condition)).fetchall():
            if since is None or dt.datetime.fromisoformat(row["alert_time"]) >= since:
                return row
        return None

    def acknowledge(self, alert_id: int, by: str, via: str) -> AlertRecord:
        """Mark the alert taken by ``by`` through ``via`` (sms, panel, terminal).

        Acknowledging an alert someone already took changes nothing and returns it as it is, so
        the caller can tell the person who has it.
        """
        if via not in ACK_CHANNELS:
            raise AlertStateError(f"acknowledged via {via!r}: expected one of {', '.join(ACK_CHANNELS)}")
        now = self._clock.now()
        with self._store.transaction() as conn:
            row = self._row(conn, alert_id)
            if row["state"] != "open":
                return _record(row)
            conn.execute("UPDATE alert_records SET state='acknowledged', acknowledged_by=?, acknowledged_at=?, "
                         "acknowledged_via=? WHERE id=?", (by, format_time(now), via, alert_id))
            self._step(conn, alert_id, now, "acknowledged", by, f"via {via}")
        record = self.get(alert_id)
        self._notify(record, "acknowledged")
        return record

    def resolve(self, alert_id: int, outcome: str, by: str, note: str = "") -> AlertRecord:
        """Close the alert with an outcome (a key of :data:`OUTCOMES`); acknowledges it first if needed."""
        if outcome not in OUTCOMES:
            raise AlertStateError(f"outcome {outcome!r}: expected one of {', '.join(OUTCOMES)}")
        now = self._clock.now()
        acknowledged_now = False
        with self._store.transaction() as conn:
            row = self._row(conn, alert_id)
            if row["state"] == "resolved":
                raise AlertStateError(f"alert {alert_id} was already resolved by {row['resolved_by']} "
                                      f"at {row['resolved_at']}")
            if row["state"] == "open":
                conn.execute("UPDATE alert_records SET state='acknowledged', acknowledged_by=?, acknowledged_at=?, "
                             "acknowledged_via='panel' WHERE id=?", (by, format_time(now), alert_id))
                self._step(conn, alert_id, now, "acknowledged", by, "via panel (on resolving)")
                acknowledged_now = True
            conn.execute("UPDATE alert_records SET state='resolved', resolved_by=?, resolved_at=?, outcome=?, note=? "
                         "WHERE id=?", (by, format_time(now), outcome, note, alert_id))
            self._step(conn, alert_id, now, "resolved", by, OUTCOMES[outcome] + (f": {note}" if note else ""))
        record = self.get(alert_id)
        if acknowledged_now:
            self._notify(record, "acknowledged")
        self._notify(record, "resolved")
        return record

    def condition_over(self, alert_id: int, news: str) -> AlertRecord:
        """Note that the alert's condition is over (``news``, from the detector); it stays in its
        state until a person takes or closes it."""
        now = self._clock.now()
        with self._store.transaction() as conn:
            self._row(conn, alert_id)
            conn.execute("UPDATE alert_records SET over=? WHERE id=?", (news, alert_id))
            self._step(conn, alert_id, now, "condition_over", "detector", news)
        record = self.get(alert_id)
        self._notify(record, "condition_over")
        return record

    def add_step(self, alert_id: int, action: str, actor: str, detail: str = "") -> AlertStep:
        """Record something that happened to an alert (notified, escalated, sms_failed ...)."""
        now = self._clock.now()
        with self._store.transaction() as conn:
            self._row(conn, alert_id)
            self._step(conn, alert_id, now, action, actor, detail)
        self._notify(self.get(alert_id), action)
        return AlertStep(alert_id, now, action, actor, detail)

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener(record, action)`` after each change to any alert."""
        self._listeners.append(listener)

    # ------------------------------------------------------------------ reading

    def get(self, alert_id: int) -> AlertRecord:
        """The alert with this id; :class:`~hub.errors.NotFoundError` if there is none."""
        rows = self._store.query("SELECT * FROM alert_records WHERE id=?", (alert_id,))
        if not rows:
            raise NotFoundError(f"no alert {alert_id}")
        return _record(rows[0])

    def list(self, households: Iterable[str] | None = None, states: Iterable[str] | None = None,
             since: dt.datetime | None = None, limit: int = 500) -> list[AlertRecord]:
        """Alerts raised at or after ``since`` in these households and states, newest first."""
        clauses: list[str] = []
        params: list = []
        for column, values in (("household", households), ("state", states)):
            if values is not None:
                values = list(values)
                if not values:
                    return []
                clauses.append(f"{column} IN ({', '.join('?' * len(values))})")
                params.extend(values)
        if since is not None:
            clauses.append("raised_at >= ?")
            params.append(format_time(since))
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._store.query(f"SELECT * FROM alert_records {where} ORDER BY raised_at DESC, id DESC LIMIT ?",
                                 [*params, limit])
        return [_record(r) for r in rows]

    def history(self, alert_id: int) -> list[AlertStep]:
        """Every step of the alert in the order they happened."""
        self.get(alert_id)
        rows = self._store.query("SELECT alert_id, time, action, actor, detail FROM alert_steps WHERE alert_id=? "
                                 "ORDER BY id", (alert_id,))
        return [AlertStep(r[0], dt.datetime.fromisoformat(r[1]), r[2], r[3], r[4]) for r in rows]

    # ------------------------------------------------------------------ internals

    @staticmethod
    def _row(conn: sqlite3.Connection, alert_id: int) -> sqlite3.Row:
        row = conn.execute("SELECT * FROM alert_records WHERE id=?", (alert_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no alert {alert_id}")
        return row

    @staticmethod
    def _step(conn: sqlite3.Connection, alert_id: int, when: dt.datetime, action: str, actor: str,
              detail: str) -> None:
        conn.execute("INSERT INTO alert_steps (alert_id, time, action, actor, detail) VALUES (?, ?, ?, ?, ?)",
                     (alert_id, format_time(when), action, actor, detail))

    def _notify(self, record: AlertRecord, action: str) -> None:
        for listener in list(self._listeners):
            try:
                listener(record, action)
            except Exception:  # a broken listener (panel push, uplink) must not stop alerting
                log.exception("alert listener %r failed on %s of #%d", listener, action, record.id)


def _record(row: sqlite3.Row) -> AlertRecord:
    alert = Alert(time=dt.datetime.fromisoformat(row["alert_time"]), household=row["household"], kind=row["kind"],
                  severity=row["severity"], message=row["message"], technical=bool(row["technical"]),
                  condition=row["condition"], evidence=json.loads(row["evidence"]))
    return AlertRecord(id=row["id"], alert=alert, state=row["state"], raised_at=parse_time(row["raised_at"]),
                       acknowledged_by=row["acknowledged_by"], acknowledged_at=parse_time(row["acknowledged_at"]),
                       acknowledged_via=row["acknowledged_via"], resolved_by=row["resolved_by"],
                       resolved_at=parse_time(row["resolved_at"]), outcome=row["outcome"], note=row["note"],
                       over=row["over"])
