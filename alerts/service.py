"""The alert service: one object that takes detector alerts to a person and back.

It builds and wires the book, the directory, the outbox and the router, and reacts to what the
outbox reports: a message that fails for good or comes back undelivered escalates the alert at
once and raises a technical ``sms_undeliverable`` alert, so the failure is visible on the panel.
The detectors' news that an alert's condition is over comes in through :meth:`AlertService.all_clear`.

The composition root creates one ``AlertService`` and calls :meth:`AlertService.tick` on every
scheduler tick; the panel and the Twilio webhooks reach it through
``app.extensions["eldercare.alerts"]``.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass

from alerts import messages
from alerts.book import AlertBook, AlertRecord
from alerts.channel import Channel
from alerts.directory import Contact, Directory
from alerts.outbox import Outbox, OutboxMessage, ProcessReport
from alerts.router import Router
from alerts.rota import QuietHours
from hub.alert import Alert, AllClear
from hub.clock import Clock
from hub.config import Config, secret
from hub.errors import AlertStateError, NotFoundError
from hub.store import Store

log = logging.getLogger(__name__)

#: "OK 42", "ok42", "Ok #42", "ACK 42": take alert 42
#: (at most 18 digits: a longer number is no alert and would overflow SQLite's integer)
_ACK = re.compile(r"^\s*(?:ok|ack)\s*#?\s*(\d{1,18})\s*[.!]?\s*$", re.IGNORECASE)
#: "OK" with no number: the one open alert this person was sent, if only one
_BARE_OK = re.compile(r"^\s*(?:ok|ack)\s*[.!]?\s*$", re.IGNORECASE)


def parse_code(text: str | int) -> int:
    """The alert number in ``"OK 42"``, ``"ok42"`` or ``"42"``; :class:`AlertStateError` otherwise."""
    m = _ACK.match(str(text)) or re.match(r"^\s*#?(\d{1,18})\s*$", str(text))
    if not m:
        raise AlertStateError(f"{text!r} is not an alert code; type e.g. OK 42")
    return int(m.group(1))


@dataclass(frozen=True)
class TickReport:
    """What one tick did: alerts escalated or released, and the outbox's sends."""

    routed: int
    outbox: ProcessReport


def make_channel(config: Config, *, http_client=None, stream=None) -> Channel:
    """Twilio when the account sid, sender and token are set; otherwise the console (the demo)."""
    alerts = config.alerts
    token = secret(alerts.twilio_token_env)
    if alerts.twilio_account_sid and alerts.twilio_from and token:
        from alerts.twilio_channel import TwilioChannel  # twilio is only imported when it is used
        return TwilioChannel(alerts.twilio_account_sid, token, alerts.twilio_from, api_base=alerts.api_base,
                             http_client=http_client)
    from alerts.console_channel import ConsoleChannel
    log.warning("no Twilio credentials (alerts.twilio_account_sid, alerts.twilio_from, $%s): SMS are printed",
                alerts.twilio_token_env)
    return ConsoleChannel(stream)


class AlertService:
    """Raise, route, send, escalate and acknowledge alerts for every household in the directory.

    ``channel`` sends the SMS (see :func:`make_channel`). When the config lists contacts
    (``[[alerts.contacts]]``) they become the ladder of ``[household]`` on start-up.
    """

    def __init__(self, config: Config, store: Store, clock: Clock, channel: Channel,
                 directory: Directory | None = None) -> None:
        self.config = config
        self.clock = clock
        self.book = AlertBook(store, clock)
        self.directory = directory or Directory(store)
        if config.alerts.contacts:
            self.directory.load_from_config(config)
        self.outbox = Outbox(store, clock, channel, status_callback=config.alerts.status_callback_url)
        self.outbox.recover_interrupted()
        self.router = Router(store, self.book, self.directory, self.outbox, clock,
                             quiet_hours=QuietHours.parse(config.alerts.quiet_hours, config.source),
                             escalate_after=config.alerts.escalate_after_minutes,
                             ladder_rounds=config.alerts.ladder_rounds,
                             all_clear_stops_ladder=config.alerts.all_clear_stops_ladder)
        self.book.subscribe(self._on_alert_change)
        self.outbox.subscribe(self._on_outbox)

    # ------------------------------------------------------------------ detectors in

    def handle(self, alert: Alert) -> AlertRecord | None:
        """Record a detector's alert and queue the SMS; ``None`` when that condition is already open."""
        record = self.book.raise_alert(alert)
        if record is not None:
            self.router.route(record)
        return record

    def all_clear(self, notice: AllClear) -> AlertRecord | None:
        """An alert's condition is over (the resident moving again, the appliance off): note it on
        the alert, stop passing it up the ladder and tell everyone who was sent it. The alert
        stays open for a person to close. ``None`` when no unresolved alert is about it."""
        record = self.book.unresolved(notice.household, notice.condition, notice.since)
        if record is None:
            return None
        if record.over:  # told already (the office applying a hub's message again after a crash)
            return record
        record = self.book.condition_over(record.id, notice.message)
        told = self.router.condition_over(record, notice.message)
        log.info("alert #%d: condition over (%s); %d told", record.id, notice.message, told)
        return record

    def tick(self, now: dt.datetime | None = None) -> TickReport:
        """Escalate what is due and send what the outbox holds (run on every scheduler tick)."""
        now = now or self.clock.now()
        routed = self.router.check_escalations(now)
        report = self.outbox.process(now)
        # a send that failed for good during this tick escalated: send that next message now
        if report.failed:
            more = self.outbox.process(now)
            report.sent += more.sent
            report.retried += more.retried
            report.failed += more.failed
        return TickReport(routed, report)

    def check_escalations(self, now: dt.datetime | None = None) -> int:
        """Release held alerts and escalate unanswered ones due at ``now`` (part of :meth:`tick`)."""
        return self.router.check_escalations(now or self.clock.now())

    # ------------------------------------------------------------------ people in

    def acknowledge_from_terminal(self, code: str | int, by: str = "terminal") -> AlertRecord:
        """The demo's way to take an alert: its code (``42`` or ``OK 42``)."""
        return self.book.acknowledge(parse_code(code), by=by, via="terminal")

    def reply_to_sms(self, phone: str, text: str) -> str | None:
        """Handle an SMS from ``phone``; return the reply text, or ``None`` for a number we do not know."""
        places = self.directory.contact_by_phone(phone)
        if not places:
            log.warning("SMS from unknown number %s ignored", phone)
            return None
        m = _ACK.match(text or "")
        if m:
            alert_id = int(m.group(1))
        elif _BARE_OK.match(text or ""):
            sent = self.outbox.alerts_reaching(phone)
            waiting = [r for r in self.book.list(households={c.household for c in places}, states=["open"])
                       if r.id in sent]
            if len(waiting) != 1:  # none, or which one? Never guess between two people's alerts
                return messages.which_alert(
                    [(r.id, self.household_name(r.household)) for r in waiting])
            alert_id = waiting[0].id
        else:
            return messages.USAGE
        try:
            record = self.book.get(alert_id)
        except NotFoundError:
            record = None
        contact = next((c for c in places if record is not None and c.household == record.household), None)
        if record is None or contact is None:
            log.warning("%s answered OK %d: no such alert for their households", phone, alert_id)
            return f"No alert {alert_id} for you. " + messages.USAGE
        name = self.household_name(record.household)
        if record.state != "open":
            return messages.already_taken_reply(record, name)
        record = self.book.acknowledge(alert_id, by=contact.name, via="sms")
        if record.acknowledged_by != contact.name or record.acknowledged_via != "sms":
            return messages.already_taken_reply(record, name)  # someone else took it a moment before
        return messages.acknowledged_reply(record, name, contact.name)

    def delivery_status(self, sid: str, status: str, error_code: int | None = None) -> OutboxMessage | None:
        """Apply a Twilio status callback; an undelivered alert SMS escalates at once."""
        return self.outbox.update_status(sid, status, error_code)

    # ------------------------------------------------------------------ reactions

    def _on_alert_change(self, record: AlertRecord, action: str) -> None:
        if action in ("acknowledged", "resolved"):
            self.router.taken(record)

    def _on_outbox(self, msg: OutboxMessage, event: str) -> None:
        if msg.alert_id is None:
            return
        detail = f"SMS #{msg.id} to {msg.recipient} ({msg.phone})"
        if event == "sent":
            self.book.add_step(msg.alert_id, "sms_sent", "outbox",
                               f"{detail} as {msg.sid}" + (" (may be a duplicate)" if msg.possible_duplicate else ""))
        elif event == "retry" and msg.attempts == 1:  # once per message: the panel shows it is late
            self.book.add_step(msg.alert_id, "sms_retrying", "outbox", f"{detail}: {msg.last_error}")
        elif event == "delivered":
            self.book.add_step(msg.alert_id, "sms_delivered", "twilio", detail)
        elif event in ("failed", "undelivered"):
            why = f"SMS to {msg.recipient} {event}" + (f" (error {msg.error_code})" if msg.error_code else "")
            self.book.add_step(msg.alert_id, f"sms_{event}", "twilio" if event == "undelivered" else "outbox",
                               f"{detail}: {msg.last_error or msg.delivery_status}")
            if msg.purpose == "alert":  # the next person first: the alert matters more than the fault
                route = self.router.route_of(msg.alert_id)
                if route is not None and route.contact_phone == msg.phone:
                    self.router.escalate_now(msg.alert_id, why)
            self._raise_undeliverable(msg, why)

    def _raise_undeliverable(self, msg: OutboxMessage, why: str) -> None:
        """A visible technical alert: someone's number or our Twilio account needs fixing."""
        try:
            about = self.book.get(msg.alert_id)
        except NotFoundError:
            return
        if about.alert.kind == "sms_undeliverable":
            return  # do not alert about failing to send an alert about failing to send
        alert = Alert(time=self.clock.now(), household=about.household, kind="sms_undeliverable", severity="high",
                      message=f"{why} about alert {msg.alert_id}. Check {msg.recipient}'s number "
                              f"{msg.phone} and the Twilio account." + (f" {msg.last_error}" if msg.last_error else ""),
                      technical=True, condition=f"sms_undeliverable:{msg.phone}",
                      evidence={"outbox_id": msg.id, "alert_id": msg.alert_id, "phone": msg.phone,
                                "error_code": msg.error_code})
        self.handle(alert)

    def household_name(self, household: str) -> str:
        try:
            return self.directory.household(household).name
        except NotFoundError:
            return household

    def contact_for(self, phone: str, household: str) -> Contact | None:
        """The ladder place ``phone`` holds in ``household``, if any."""
        return next((c for c in self.directory.contact_by_phone(phone) if c.household == household), None)
