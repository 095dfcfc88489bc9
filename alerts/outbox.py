"""The durable SMS outbox: every message is written down before it is sent, and its fate after.

States of a message::

    pending ──> sending ──> sent ──> delivered
       ^           │  │          └──> undelivered / failed   (Twilio's status callback)
       │           │  └──> failed        permanent error (invalid number 21211, bad credentials 20003)
       └── retry <─┘                     429, unreachable, 5xx: again after a backoff
    sending (found at start-up) ──> unknown ──> sent (Twilio has it) / pending (it does not)
    pending / retry ──> cancelled        the alert was taken before the message went out

``sending`` is committed *before* the HTTP call. Twilio's create is not idempotent, so a row still
``sending`` when the sending process starts (it died during the call) may or may not have gone
out. :meth:`Outbox.recover_interrupted` makes it ``unknown`` and the next :meth:`Outbox.process`
asks the channel whether Twilio holds a message with exactly that body for that number: if so the
row takes its sid (no second SMS), if not it is sent. If Twilio cannot be asked the row stays
``unknown`` and is asked again later. A channel that cannot look up (the console) sends again: a
duplicate beats a silence.

A 5xx on create may mean Twilio queued the SMS anyway. We retry it (a person who may have fallen
matters more than a duplicate text) and mark the row ``possible_duplicate`` so the panel can say so.
429 and connection failures are never processed by Twilio and are retried with exponential backoff.
Retries happen only when :meth:`Outbox.process` is called with a time past ``next_attempt_at``; the
outbox never sleeps. That time is kept in UTC too (``next_attempt_utc``), which is what is compared:
a retry due 30 s after 01:59:45 on the night the clocks go back is due at the second 01:00:15, not
an hour later.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from alerts.channel import Channel
from hub.clock import Clock, from_utc, utc
from hub.errors import DeliveryError, NotFoundError
from hub.events import format_time, parse_time
from hub.store import Store

log = logging.getLogger(__name__)

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        alert_id INTEGER,
        household TEXT NOT NULL DEFAULT '',
        recipient TEXT NOT NULL DEFAULT '',
        phone TEXT NOT NULL,
        body TEXT NOT NULL,
        purpose TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        next_attempt_at TEXT NOT NULL,
        last_attempt_at TEXT,
        sent_at TEXT,
        sid TEXT,
        delivery_status TEXT,
        error_code INTEGER,
        last_error TEXT NOT NULL DEFAULT '',
        possible_duplicate INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX outbox_due ON outbox(state, next_attempt_at);
    CREATE INDEX outbox_alert ON outbox(alert_id);
    CREATE UNIQUE INDEX outbox_sid ON outbox(sid) WHERE sid IS NOT NULL
    """,
    # when it is next due in UTC (filled in for messages already waiting by Outbox._fill_due_utc)
    """
    ALTER TABLE outbox ADD COLUMN next_attempt_utc TEXT;
    DROP INDEX outbox_due;
    CREATE INDEX outbox_due_utc ON outbox(state, next_attempt_utc)
    """,
)

STATES = ("pending", "sending", "retry", "unknown", "sent", "delivered", "undelivered", "failed", "cancelled")
#: states in which a message still waits to go out
WAITING = ("pending", "retry", "unknown")
#: Twilio MessageStatus values that mean the message will not reach the phone
UNDELIVERED = ("undelivered", "failed")
#: states of a message that never reached its phone: dropped before it went, or refused for good
NOT_REACHED = ("cancelled", *UNDELIVERED)
#: an alert's own SMS (not a notice about it) that went out to its phone
_ALERT_REACHED = f"purpose = 'alert' AND state NOT IN ({', '.join(repr(s) for s in NOT_REACHED)})"


@dataclass(frozen=True)
class OutboxMessage:
    """One SMS and what became of it."""

    id: int
    alert_id: int | None
    household: str
    recipient: str
    phone: str
    body: str
    purpose: str
    state: str
    attempts: int
    created_at: dt.datetime
    next_attempt_at: dt.datetime
    last_attempt_at: dt.datetime | None
    sent_at: dt.datetime | None
    sid: str | None
    delivery_status: str | None
    error_code: int | None
    last_error: str
    possible_duplicate: bool


@dataclass
class ProcessReport:
    """What one :meth:`Outbox.process` call did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    recovered: int = 0


#: called with the message and what happened: "sent", "retry", "failed", "delivered", "undelivered"
OutboxListener = Callable[[OutboxMessage, str], None]


class Outbox:
    """Queue SMS in the store and send them through ``channel`` when :meth:`process` is called.

    Backoff after the n-th transient failure is ``base_delay * 2**(n-1)``, at most ``max_delay``.
    One process sends from a store; it calls :meth:`recover_interrupted` once at start-up.
    """

    def __init__(self, store: Store, clock: Clock, channel: Channel, *, status_callback: str = "",
                 base_delay: dt.timedelta = dt.timedelta(seconds=30),
                 max_delay: dt.timedelta = dt.timedelta(minutes=5), batch: int = 50) -> None:
        self._store = store
        self._clock = clock
        self.channel = channel
        self._status_callback = status_callback
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._batch = batch
        self._listeners: list[OutboxListener] = []
        self._sending = threading.Lock()  # one process() at a time: each row is sent by one caller
        store.migrate("outbox", MIGRATIONS)
        self._fill_due_utc()

    def _fill_due_utc(self) -> None:
        """Messages queued before due times were kept in UTC get theirs, read in this clock's zone."""
        with self._store.transaction() as conn:
            rows = conn.execute(f"SELECT id, next_attempt_at FROM outbox WHERE next_attempt_utc IS NULL AND state IN "
                                f"({', '.join('?' * len(WAITING))})", WAITING).fetchall()
            conn.executemany("UPDATE outbox SET next_attempt_utc=? WHERE id=?",
                             [(format_time(self._utc(parse_time(due))), message_id) for message_id, due in rows])

    def _utc(self, now: dt.datetime) -> dt.datetime:
        return utc(now, self._clock.zone)

    def recover_interrupted(self) -> int:
        """At start-up: mark messages a stopped process left ``sending`` as ``unknown``; return how many.

        Call it once, before the first :meth:`process`, from the process that sends (never from a
        tool that only reads the outbox next to a running hub).
        """
        with self._store.transaction() as conn:
            stuck = conn.execute("UPDATE outbox SET state='unknown', last_error=? WHERE state='sending'",
                                 ("process stopped while sending; checking with the provider",)).rowcount
        if stuck:
            log.warning("%d SMS were being sent when the hub stopped; will check whether they went out", stuck)
        return stuck

    def subscribe(self, listener: OutboxListener) -> None:
        """Call ``listener(message, event)`` after each send outcome or delivery report."""
        self._listeners.append(listener)

    def enqueue(self, phone: str, body: str, *, alert_id: int | None = None, household: str = "",
                recipient: str = "", purpose: str = "alert", conn=None) -> int:
        """Write a message to be sent on the next :meth:`process`; return its id. With ``conn`` it is
        written in the caller's transaction (committed or rolled back with the caller's change)."""
        if conn is None:
            with self._store.transaction() as conn:
                return self.enqueue(phone, body, alert_id=alert_id, household=household, recipient=recipient,
                                    purpose=purpose, conn=conn)
        now = self._clock.now()
        cur = conn.execute(
            "INSERT INTO outbox (alert_id, household, recipient, phone, body, purpose, state, created_at, "
            "next_attempt_at, next_attempt_utc) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)",
            (alert_id, household, recipient, phone, body, purpose, format_time(now), format_time(now),
             format_time(self._utc(now))))
        log.debug("queued SMS #%d to %s (%s) for alert %s", cur.lastrowid, recipient, phone, alert_id)
        return cur.lastrowid

    def cancel(self, alert_id: int, purposes: Iterable[str] = ("alert",)) -> int:
        """Stop messages about ``alert_id`` that have not gone out yet; return how many."""
        purposes = list(purposes)
        with self._store.transaction() as conn:
            return conn.execute(
                f"UPDATE outbox SET state='cancelled' WHERE alert_id=? AND state IN ('pending', 'retry') "
                f"AND purpose IN ({', '.join('?' * len(purposes))})", (alert_id, *purposes)).rowcount

    # ------------------------------------------------------------------ sending

    def process(self, now: dt.datetime | None = None) -> ProcessReport:
        """Send every message that is due at ``now`` (default: the clock); never sleeps."""
        now = now or self._clock.now()
        report = ProcessReport()
        with self._sending:
            rows = self._store.query(
                f"SELECT id FROM outbox WHERE state IN ({', '.join('?' * len(WAITING))}) AND next_attempt_utc <= ? "
                "ORDER BY next_attempt_utc, id LIMIT ?", (*WAITING, format_time(self._utc(now)), self._batch))
            for (message_id,) in rows:
                self._attempt(message_id, now, report)
        return report

    def _attempt(self, message_id: int, now: dt.datetime, report: ProcessReport) -> None:
        msg = self.get(message_id)
        if msg.state not in WAITING:
            return  # cancelled (the alert was taken) since this batch was read: never send it
        if msg.state == "unknown":
            if self._recover(msg, now, report):
                return
            msg = self.get(message_id)
        with self._store.transaction() as conn:  # committed before the HTTP call: see the module doc
            # only if still waiting: an acknowledgement on another thread may have just cancelled it
            claimed = conn.execute(
                f"UPDATE outbox SET state='sending', attempts=attempts+1, last_attempt_at=? WHERE id=? "
                f"AND state IN ({', '.join('?' * len(WAITING))})",
                (format_time(now), message_id, *WAITING)).rowcount
        if not claimed:
            return
        try:
            result = self.channel.send(msg.phone, msg.body, self._status_callback)
        except DeliveryError as err:
            self._failed_attempt(msg, now, err, report)
            return
        except Exception as err:  # an unexpected bug must not leave the row stuck in 'sending'
            log.exception("SMS #%d: unexpected error from %s", message_id, self.channel.name)
            self._failed_attempt(msg, now, DeliveryError(repr(err), permanent=False, maybe_sent=True), report)
            return
        with self._store.transaction() as conn:
            conn.execute("UPDATE outbox SET state='sent', sid=?, sent_at=?, delivery_status=?, last_error='' "
                         "WHERE id=?", (result.sid, format_time(now), result.status, message_id))
        report.sent += 1
        log.info("SMS #%d to %s sent as %s (attempt %d)", message_id, msg.phone, result.sid, msg.attempts + 1)
        self._emit(message_id, "sent")

    def _recover(self, msg: OutboxMessage, now: dt.datetime, report: ProcessReport) -> bool:
        """Settle a message left ``sending`` by a stopped process; True when it needs no new send."""
        try:
            sid = self.channel.find_sent(msg.phone, msg.body, msg.created_at)
        except DeliveryError as err:
            with self._store.transaction() as conn:
                conn.execute("UPDATE outbox SET next_attempt_at=?, next_attempt_utc=?, last_error=? WHERE id=?",
                             (*self._next_attempt(now, msg.attempts or 1), f"cannot check whether it went out: {err}",
                              msg.id))
            report.retried += 1
            return True
        if sid is None:
            log.info("SMS #%d did not reach %s before the stop; sending it", msg.id, self.channel.name)
            return False
        with self._store.transaction() as conn:
            conn.execute("UPDATE outbox SET state='sent', sid=?, sent_at=?, delivery_status='queued', last_error='' "
                         "WHERE id=?", (sid, format_time(now), msg.id))
        log.info("SMS #%d had gone out before the stop as %s; not sending it again", msg.id, sid)
        report.recovered += 1
        self._emit(msg.id, "sent")
        return True

    def _failed_attempt(self, msg: OutboxMessage, now: dt.datetime, err: DeliveryError,
                        report: ProcessReport) -> None:
        attempts = msg.attempts + 1
        if err.permanent:
            with self._store.transaction() as conn:
                conn.execute("UPDATE outbox SET state='failed', error_code=?, last_error=? WHERE id=?",
                             (err.code, str(err), msg.id))
            report.failed += 1
            log.error("SMS #%d to %s failed for good: %s", msg.id, msg.phone, err)
            self._emit(msg.id, "failed")
            return
        with self._store.transaction() as conn:
            conn.execute("UPDATE outbox SET state='retry', next_attempt_at=?, next_attempt_utc=?, error_code=?, "
                         "last_error=?, possible_duplicate=possible_duplicate OR ? WHERE id=?",
                         (*self._next_attempt(now, attempts), err.code, str(err), int(err.maybe_sent), msg.id))
        report.retried += 1
        log.warning("SMS #%d to %s: attempt %d failed (%s); next try in %ds", msg.id, msg.phone, attempts, err,
                    self._backoff(attempts).total_seconds())
        self._emit(msg.id, "retry")

    def _backoff(self, attempts: int) -> dt.timedelta:
        return min(self._base_delay * 2 ** max(attempts - 1, 0), self._max_delay)

    def _next_attempt(self, now: dt.datetime, attempts: int) -> tuple[str, str]:
        """When to try again after ``attempts`` failures, as (wall-clock time, UTC) column values."""
        due = self._utc(now) + self._backoff(attempts)
        return format_time(from_utc(due, self._clock.zone)), format_time(due)

    # ------------------------------------------------------------------ delivery reports

    def update_status(self, sid: str, status: str, error_code: int | None = None) -> OutboxMessage | None:
        """Apply Twilio's status callback to the message with ``sid``; ``None`` if we never sent it."""
        rows = self._store.query("SELECT id, state FROM outbox WHERE sid=?", (sid,))
        if not rows:
            log.warning("status %s for unknown message %s", status, sid)
            return None
        message_id, state = rows[0]
        new_state = {"delivered": "delivered", "undelivered": "undelivered", "failed": "undelivered"}.get(status, state)
        if state == "undelivered" and new_state != "undelivered":
            new_state = state  # callbacks can arrive out of order; a failure is final
        with self._store.transaction() as conn:
            conn.execute("UPDATE outbox SET state=?, delivery_status=?, error_code=COALESCE(?, error_code) WHERE id=?",
                         (new_state, status, error_code, message_id))
        if new_state != state and new_state in ("delivered", "undelivered"):
            self._emit(message_id, new_state)
        return self.get(message_id)

    # ------------------------------------------------------------------ reading

    def get(self, message_id: int) -> OutboxMessage:
        """The message with this id."""
        rows = self._store.query("SELECT * FROM outbox WHERE id=?", (message_id,))
        if not rows:
            raise NotFoundError(f"no outbox message {message_id}")
        return _message(rows[0])

    def messages(self, alert_id: int | None = None, states: Iterable[str] | None = None,
                 limit: int = 1000) -> list[OutboxMessage]:
        """Messages (for one alert, in some states), oldest first."""
        clauses, params = [], []
        if alert_id is not None:
            clauses.append("alert_id = ?")
            params.append(alert_id)
        if states is not None:
            states = list(states)
            clauses.append(f"state IN ({', '.join('?' * len(states))})")
            params.extend(states)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        return [_message(r) for r in self._store.query(f"SELECT * FROM outbox {where} ORDER BY id LIMIT ?",
                                                        [*params, limit])]

    def reached(self, alert_id: int) -> dict[str, str]:
        """The phones the alert's SMS went out to (not cancelled or failed), each with its recipient."""
        return {r["phone"]: r["recipient"] for r in self._store.query(
            f"SELECT phone, recipient FROM outbox WHERE alert_id = ? AND {_ALERT_REACHED} ORDER BY id", (alert_id,))}

    def alerts_reaching(self, phone: str) -> set[int]:
        """The alerts whose SMS went out to ``phone`` (not cancelled or failed)."""
        return {r["alert_id"] for r in self._store.query(
            f"SELECT DISTINCT alert_id FROM outbox WHERE phone = ? AND alert_id IS NOT NULL AND {_ALERT_REACHED}",
            (phone,))}

    def _emit(self, message_id: int, event: str) -> None:
        msg = self.get(message_id)
        for listener in list(self._listeners):
            try:
                listener(msg, event)
            except Exception:  # routing reacts to outcomes; a bug there must not stop sending
                log.exception("outbox listener failed on %s of #%d", event, message_id)


def _message(r) -> OutboxMessage:
    return OutboxMessage(
        id=r["id"], alert_id=r["alert_id"], household=r["household"], recipient=r["recipient"], phone=r["phone"],
        body=r["body"], purpose=r["purpose"], state=r["state"], attempts=r["attempts"],
        created_at=parse_time(r["created_at"]), next_attempt_at=parse_time(r["next_attempt_at"]),
        last_attempt_at=parse_time(r["last_attempt_at"]), sent_at=parse_time(r["sent_at"]), sid=r["sid"],
        delivery_status=r["delivery_status"], error_code=r["error_code"], last_error=r["last_error"],
        possible_duplicate=bool(r["possible_duplicate"]))
