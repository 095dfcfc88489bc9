"""Routing: who is told about an alert, when, and who next if nobody takes it.

Each household has a ladder (social worker, backup, supervisor) with on-duty windows. A new alert
goes to the first person on duty. A *technical* alert (low battery, sensor offline) raised in quiet
hours waits until they end; an alert about the resident never waits. If nobody acknowledges within
``escalate_after_minutes[severity]``, the next person on duty is told and the one before learns
it was passed on. A message that fails for good or comes back undelivered escalates at once.
When the last person has not answered either, an alert about the resident starts again at the top
of the ladder, up to ``ladder_rounds`` times in all (a possible fall must not go quiet because one
shift missed its phones); a technical alert goes up once. After that only the panel shows it.
When the alert's condition is over (:meth:`Router.condition_over`: the resident moving again), it
goes no further, and everyone it reached hears so.

Each alert's routing state is one row of ``alert_routes``; :meth:`Router.check_escalations` is a
plain function of ``now`` run on every tick. Decisions come from an ordered table of rules, each
returning a :class:`Decision` or ``None``, and a table of handlers acts on them. When a route is
next due is kept in UTC (``due_utc``; ``due_at`` is the same in wall-clock time, for people): an
escalation due 15 minutes after 01:50 on the night the clocks go back is due at the second 01:05,
not an hour later.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from alerts import messages
from alerts.book import AlertBook, AlertRecord
from alerts.directory import Contact, Directory
from alerts.outbox import Outbox
from alerts.rota import QuietHours, on_duty
from hub.clock import Clock, from_utc, utc
from hub.errors import NotFoundError
from hub.events import format_time, parse_time
from hub.store import Store

log = logging.getLogger(__name__)

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE alert_routes (
        alert_id INTEGER PRIMARY KEY,
        household TEXT NOT NULL,
        status TEXT NOT NULL,
        position INTEGER NOT NULL DEFAULT 0,
        contact_name TEXT NOT NULL DEFAULT '',
        contact_phone TEXT NOT NULL DEFAULT '',
        notified_at TEXT,
        due_at TEXT,
        reason TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX alert_routes_due ON alert_routes(status, due_at)
    """,
    # how many times the alert has gone up the ladder (``ladder_rounds``)
    "ALTER TABLE alert_routes ADD COLUMN round INTEGER NOT NULL DEFAULT 1",
    # when it is due in UTC (filled in for routes already waiting by Router._fill_due_utc)
    """
    ALTER TABLE alert_routes ADD COLUMN due_utc TEXT;
    DROP INDEX alert_routes_due;
    CREATE INDEX alert_routes_due_utc ON alert_routes(status, due_utc)
    """,
)

#: route statuses: held (technical, quiet hours), waiting (told someone, awaiting an answer),
#: done (taken or resolved), exhausted (nobody left on the ladder in its last round; the alert stays
#: open on the panel)
ACTIVE = ("held", "waiting")
_STOP_ROUTE = ("UPDATE alert_routes SET status='done', due_at=NULL, due_utc=NULL WHERE alert_id=? "
               "AND status IN ('held', 'waiting')")
DEFAULT_ESCALATE_MINUTES = 30


@dataclass(frozen=True)
class Route:
    """Where an alert is on its household's ladder."""

    alert_id: int
    household: str
    status: str
    position: int
    contact_name: str
    contact_phone: str
    notified_at: dt.datetime | None
    due_at: dt.datetime | None
    reason: str
    round: int = 1
    due_utc: dt.datetime | None = None


@dataclass(frozen=True)
class Decision:
    """What to do with an alert now: ``hold``, ``notify``, ``escalate``, ``postpone`` or ``close``."""

    kind: str
    until: dt.datetime | None = None
    why: str = ""


Rule = Callable[["Router", AlertRecord, Route | None, dt.datetime], Decision | None]


# ---------------------------------------------------------------------- rules, in order

def _close_when_taken(router: Router, record: AlertRecord, route: Route | None, now: dt.datetime):
    if record.state != "open":
        return Decision("close", why=f"{record.state} by {record.acknowledged_by or record.resolved_by}")
    return None


def _quiet_for_technical(router: Router, record: AlertRecord, route: Route | None, now: dt.datetime):
    quiet = router.quiet_hours
    if record.alert.technical and quiet is not None and quiet.contains(now):
        until = quiet.ends_after(now)
        return Decision("hold" if route is None or route.status == "held" else "postpone", until=until,
                        why=f"technical alert in quiet hours; waits until {until:%H:%M}")
    return None


def _first_notice(router: Router, record: AlertRecord, route: Route | None, now: dt.datetime):
    if route is None or route.status == "held":
        return Decision("notify")
    return None


def _escalate_when_due(router: Router, record: AlertRecord, route: Route | None, now: dt.datetime):
    if route is not None and route.status == "waiting" and route.due_utc is not None and \
            route.due_utc <= router.utc(now):
        return Decision("escalate", why=route.reason or "not acknowledged in time")
    return None


RULES: tuple[Rule, ...] = (_close_when_taken, _quiet_for_technical, _first_notice, _escalate_when_due)


class Router:
    """Tell the right person about each alert and escalate along the ladder.

    Needs the book (to read alerts and record steps), the directory (ladders), the outbox (to queue
    SMS) and the clock. ``escalate_after`` maps severity to minutes (``AlertsConfig.escalate_after_minutes``);
    ``ladder_rounds`` is how many times an alert about the resident may go up the whole ladder.
    """

    def __init__(self, store: Store, book: AlertBook, directory: Directory, outbox: Outbox, clock: Clock, *,
                 quiet_hours: QuietHours | None = None, escalate_after: Mapping[str, int] | None = None,
                 ladder_rounds: int = 1, all_clear_stops_ladder: bool = True) -> None:
        self._store = store
        self._book = book
        self._directory = directory
        self._outbox = outbox
        self._clock = clock
        self.quiet_hours = quiet_hours
        self._escalate_after = dict(escalate_after or {})
        self._rounds = ladder_rounds
        self._all_clear_stops = all_clear_stops_ladder
        self._handlers: dict[str, Callable[[AlertRecord, Route | None, Decision, dt.datetime], None]] = {
            "hold": self._hold, "postpone": self._postpone, "notify": self._notify,
            "escalate": self._escalate, "close": self._close,
        }
        # decisions about one alert and its acknowledgement (webhook, panel) must not interleave
        self._lock = threading.RLock()
        store.migrate("routing", MIGRATIONS)
        self._fill_due_utc()

    def _fill_due_utc(self) -> None:
        """Routes saved before due times were kept in UTC get theirs, read in this clock's zone."""
        with self._store.transaction() as conn:
            rows = conn.execute("SELECT alert_id, due_at FROM alert_routes WHERE due_utc IS NULL AND due_at IS NOT "
                                "NULL AND status IN ('held', 'waiting')").fetchall()
            conn.executemany("UPDATE alert_routes SET due_utc=? WHERE alert_id=?",
                             [(format_time(self.utc(parse_time(due))), alert_id) for alert_id, due in rows])

    def utc(self, now: dt.datetime) -> dt.datetime:
        """``now``, a wall-clock time of this router's clock, in UTC."""
        return utc(now, self._clock.zone)

    # ------------------------------------------------------------------ entry points

    def route(self, record: AlertRecord, now: dt.datetime | None = None) -> None:
        """Decide who hears about a newly raised alert, and queue the SMS."""
        with self._lock:
            self._decide(self._book.get(record.id), self.route_of(record.id), now or self._clock.now())

    def check_escalations(self, now: dt.datetime | None = None) -> int:
        """Release held alerts and escalate unanswered ones that are due at ``now``; return how many acted on."""
        now = now or self._clock.now()
        self._route_unrouted(now)
        rows = self._store.query("SELECT * FROM alert_routes WHERE status IN ('held', 'waiting') AND due_utc <= ? "
                                 "ORDER BY due_utc, alert_id", (format_time(self.utc(now)),))
        for row in rows:
            with self._lock:  # read fresh under the lock: an acknowledgement may have just come in
                route = self.route_of(row["alert_id"])
                if route is not None and route.status in ACTIVE:
                    self._decide_guarded(self._book.get(route.alert_id), route, now)
        return len(rows)

    def _decide_guarded(self, record: AlertRecord, route: Route | None, now: dt.datetime) -> None:
        """Decide on one alert during a sweep; a failure is logged and the sweep goes on, so one
        broken alert cannot hold up every other alert's escalation and the SMS outbox after it."""
        try:
            self._decide(record, route, now)
        except Exception:
            log.exception("routing alert #%d failed; trying again on the next tick", record.id)

    def _route_unrouted(self, now: dt.datetime) -> None:
        """Route open alerts that were recorded but never routed (routing failed, or the hub stopped in
        between): nobody would ever hear of them, as the detector's repeat is taken as a duplicate."""
        rows = self._store.query(
            "SELECT r.id FROM alert_records r LEFT JOIN alert_routes a ON a.alert_id = r.id "
            "WHERE r.state = 'open' AND a.alert_id IS NULL ORDER BY r.id")
        for (alert_id,) in rows:
            with self._lock:  # route() on another thread may have just done it
                if self.route_of(alert_id) is None:
                    log.warning("alert #%d was never routed; routing it now", alert_id)
                    self._decide_guarded(self._book.get(alert_id), None, now)

    def escalate_now(self, alert_id: int, why: str, now: dt.datetime | None = None) -> None:
        """Pass the alert to the next person at once (the SMS to the current one failed)."""
        now = now or self._clock.now()
        with self._lock:
            route = self.route_of(alert_id)
            if route is None or route.status != "waiting":
                return
            with self._store.transaction() as conn:
                conn.execute("UPDATE alert_routes SET due_at=?, due_utc=?, reason=? WHERE alert_id=?",
                             (*self._due(self.utc(now)), why, alert_id))
            self._decide(self._book.get(alert_id), self.route_of(alert_id), now)

    def taken(self, record: AlertRecord) -> None:
        """The alert was acknowledged or resolved: stop escalating and drop unsent notices."""
        with self._lock, self._store.transaction() as conn:
            conn.execute(_STOP_ROUTE, (record.id,))
        cancelled = self._outbox.cancel(record.id)
        if cancelled:
            log.info("alert #%d taken; %d unsent SMS about it cancelled", record.id, cancelled)

    def condition_over(self, record: AlertRecord, news: str) -> int:
        """The alert's condition is over (``news``: the resident is moving again): stop passing it
        up the ladder (unless ``all_clear_stops_ladder`` is off), drop the SMS about it not sent
        yet, and tell everyone it reached; return how many are told. The alert stays open: whether
        the resident is well is for a person."""
        with self._lock:
            if self._all_clear_stops:
                with self._store.transaction() as conn:
                    conn.execute(_STOP_ROUTE, (record.id,))
                self._outbox.cancel(record.id, purposes=("alert", "escalated_notice"))
            reached = self._outbox.reached(record.id)
            body = messages.all_clear_text(record, self._household_name(record.household), news,
                                           still_passed_on=not self._all_clear_stops)
            for phone, name in reached.items():
                self._outbox.enqueue(phone, body, alert_id=record.id, household=record.household, recipient=name,
                                     purpose="all_clear")
            return len(reached)

    def route_of(self, alert_id: int) -> Route | None:
        """The alert's routing state, or ``None`` if it was never routed."""
        rows = self._store.query("SELECT * FROM alert_routes WHERE alert_id=?", (alert_id,))
        return _route(rows[0]) if rows else None

    # ------------------------------------------------------------------ deciding

    def _decide(self, record: AlertRecord, route: Route | None, now: dt.datetime) -> None:
        for rule in RULES:
            decision = rule(self, record, route, now)
            if decision is not None:
                self._handlers[decision.kind](record, route, decision, now)
                return

    def _hold(self, record: AlertRecord, route: Route | None, decision: Decision, now: dt.datetime) -> None:
        self._save(record, "held", due_utc=self.utc(decision.until))
        if route is None:
            self._book.add_step(record.id, "held", "router", decision.why)

    def _postpone(self, record: AlertRecord, route: Route | None, decision: Decision, now: dt.datetime) -> None:
        with self._store.transaction() as conn:
            conn.execute("UPDATE alert_routes SET due_at=?, due_utc=? WHERE alert_id=?",
                         (*self._due(self.utc(decision.until)), record.id))

    def _close(self, record: AlertRecord, route: Route | None, decision: Decision, now: dt.datetime) -> None:
        if route is None:
            self._save(record, "done")
        else:
            self.taken(record)

    def _notify(self, record: AlertRecord, route: Route | None, decision: Decision, now: dt.datetime) -> None:
        contact = self._next_contact(record, 0, now)
        if contact is None:
            self._save(record, "exhausted")
            self._book.add_step(record.id, "no_contacts", "router",
                                f"household {record.household!r} has nobody on its ladder")
            log.error("alert #%d: household %s has no contacts; only the panel shows it", record.id, record.household)
            return
        body = messages.alert_text(record, self._household_name(record.household), now)
        self._tell(record, contact, body, now, purpose="alert")

    def _escalate(self, record: AlertRecord, route: Route | None, decision: Decision, now: dt.datetime) -> None:
        assert route is not None
        why = decision.why if decision.why != "not acknowledged in time" else (
            f"{route.contact_name} did not answer in {self._minutes(record)} min")
        round_ = route.round
        contact = self._next_contact(record, route.position, now)
        if contact is None and not record.alert.technical and round_ < self._rounds:
            round_ += 1  # back to the top: nobody on the ladder has taken it yet
            contact = self._next_contact(record, 0, now)
            why = f"{why}; nobody has taken it yet"
        label = f"round {round_} of {self._rounds}" if round_ > 1 else ""
        noted = f"{why} ({label})" if label else why
        if contact is None:
            self._save(record, "exhausted", position=route.position, contact=None)
            self._book.add_step(record.id, "escalation_exhausted", "router",
                                f"{noted}; nobody left on the ladder after {route.contact_name}")
            log.error("alert #%d: %s; nobody left on the ladder after %s", record.id, noted, route.contact_name)
            return
        name = self._household_name(record.household)
        # the one before hears that it was passed on when their SMS worked but nobody answered; in a
        # later round they are about to be asked again themselves, and that would be noise
        notice = None
        if round_ == 1 and not route.reason and route.contact_phone != contact.phone:
            notice = (route.contact_phone, route.contact_name,
                      messages.escalated_notice(record, name, contact.name, why))
        self._tell(record, contact, messages.alert_text(record, name, now, escalation=why, round_label=label), now,
                   purpose="alert", round_=round_, notice=notice,
                   escalated=f"from {route.contact_name} to {contact.name}: {noted}")

    # ------------------------------------------------------------------ helpers

    def _tell(self, record: AlertRecord, contact: Contact, body: str, now: dt.datetime, purpose: str,
              round_: int = 1, notice: tuple[str, str, str] | None = None, escalated: str = "") -> None:
        """Queue the SMS to ``contact`` (and the ``notice`` (phone, name, text) to the one before) and
        move the route on, in one transaction: a failure between them must not leave a queued SMS
        behind a route the next tick acts on again (the same person told twice)."""
        due_utc = self.utc(now) + dt.timedelta(minutes=self._minutes(record))
        due = from_utc(due_utc, self._clock.zone)
        with self._store.transaction() as conn:
            if notice is not None:
                self._outbox.enqueue(notice[0], notice[2], alert_id=record.id, household=record.household,
                                     recipient=notice[1], purpose="escalated_notice", conn=conn)
            message_id = self._outbox.enqueue(contact.phone, body, alert_id=record.id, household=record.household,
                                              recipient=contact.name, purpose=purpose, conn=conn)
            self._save(record, "waiting", position=contact.position, contact=contact, notified_at=now,
                       due_utc=due_utc, round_=round_, conn=conn)
        if escalated:
            self._book.add_step(record.id, "escalated", "router", escalated)
        self._book.add_step(record.id, "notified", contact.name,
                            f"SMS #{message_id} to {contact.phone} ({contact.role}); escalates at {due:%H:%M}")

    def _save(self, record: AlertRecord, status: str, *, position: int = 0, contact: Contact | None = None,
              notified_at: dt.datetime | None = None, due_utc: dt.datetime | None = None, round_: int = 1,
              conn=None) -> None:
        if conn is None:
            with self._store.transaction() as conn:
                self._save(record, status, position=position, contact=contact, notified_at=notified_at,
                           due_utc=due_utc, round_=round_, conn=conn)
            return
        conn.execute(
            "INSERT INTO alert_routes (alert_id, household, status, position, contact_name, contact_phone, "
            "notified_at, due_at, due_utc, reason, round) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?) "
            "ON CONFLICT(alert_id) DO UPDATE SET round=MAX(round, excluded.round), "
            "status=excluded.status, position=CASE WHEN excluded.position > 0 THEN excluded.position "
            "ELSE position END, contact_name=CASE WHEN excluded.contact_name != '' THEN excluded.contact_name "
            "ELSE contact_name END, contact_phone=CASE WHEN excluded.contact_phone != '' THEN "
            "excluded.contact_phone ELSE contact_phone END, notified_at=COALESCE(excluded.notified_at, "
            "notified_at), due_at=excluded.due_at, due_utc=excluded.due_utc, reason=''",
            (record.id, record.household, status, position, contact.name if contact else "",
             contact.phone if contact else "", format_time(notified_at) if notified_at else None,
             *self._due(due_utc), round_))

    def _due(self, due_utc: dt.datetime | None) -> tuple[str | None, str | None]:
        """A due time in UTC as the route's (``due_at``, ``due_utc``) column values: the wall-clock
        time people read, and the UTC time that is compared."""
        if due_utc is None:
            return None, None
        return format_time(from_utc(due_utc, self._clock.zone)), format_time(due_utc)

    def _next_contact(self, record: AlertRecord, after: int, now: dt.datetime) -> Contact | None:
        """The next person after ``after`` who is on duty; if none is, the next one at all (never nobody).

        An ``sms_undeliverable`` alert skips the phone it is about: it cannot reach it.
        """
        unreachable = {record.alert.evidence.get("phone")} if record.alert.kind == "sms_undeliverable" else set()
        later = [c for c in self._directory.contacts(record.household)
                 if c.position > after and c.phone not in unreachable]
        return next((c for c in later if on_duty(c.on_duty, now)), later[0] if later else None)

    def _minutes(self, record: AlertRecord) -> int:
        return int(self._escalate_after.get(record.alert.severity, DEFAULT_ESCALATE_MINUTES))

    def _household_name(self, household: str) -> str:
        try:
            return self._directory.household(household).name
        except NotFoundError:
            return household


def _route(row) -> Route:
    return Route(row["alert_id"], row["household"], row["status"], row["position"], row["contact_name"],
                 row["contact_phone"], parse_time(row["notified_at"]), parse_time(row["due_at"]), row["reason"],
                 row["round"], parse_time(row["due_utc"]))
