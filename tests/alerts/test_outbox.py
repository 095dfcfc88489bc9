"""The durable outbox against the local Twilio: retries, failures, delivery reports, a killed sender."""
from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap

import pytest

from alerts.outbox import Outbox
from hub.clock import ManualClock
from hub.store import Store

JANE = "+447700900001"


@pytest.fixture
def outbox(store, clock, channel):
    box = Outbox(store, clock, channel, status_callback="https://office.example/twilio/status")
    events = []
    box.subscribe(lambda m, e: events.append((m.id, e)))
    box.events = events
    return box


def test_a_message_is_sent_once(outbox, twilio, clock):
    mid = outbox.enqueue(JANE, "Alert 1", alert_id=1, recipient="Jane")
    assert outbox.get(mid).state == "pending"
    report = outbox.process()
    assert report.sent == 1
    msg = outbox.get(mid)
    assert msg.state == "sent" and msg.sid == twilio.messages[0]["sid"] and msg.attempts == 1
    assert twilio.sent_to(JANE) == ["Alert 1"]
    assert twilio.messages[0]["status_callback"] == "https://office.example/twilio/status"
    assert outbox.process(clock.advance(dt.timedelta(hours=1))).sent == 0
    assert len(twilio.creates) == 1


def test_429_is_retried_with_exponential_backoff_on_the_clock(outbox, twilio, clock):
    twilio.fail_next("429", times=3)
    mid = outbox.enqueue(JANE, "Alert 1")
    start = clock.now()
    outbox.process()
    msg = outbox.get(mid)
    assert msg.state == "retry" and msg.error_code == 20429 and msg.next_attempt_at == start + dt.timedelta(seconds=30)
    assert outbox.process(start + dt.timedelta(seconds=29)).retried == 0, "not due yet: nothing is sent"
    outbox.process(start + dt.timedelta(seconds=30))
    assert outbox.get(mid).next_attempt_at == start + dt.timedelta(seconds=90)   # 30 + 60
    outbox.process(start + dt.timedelta(seconds=90))
    assert outbox.get(mid).next_attempt_at == start + dt.timedelta(seconds=210)  # + 120
    outbox.process(start + dt.timedelta(seconds=210))
    msg = outbox.get(mid)
    assert msg.state == "sent" and msg.attempts == 4 and not msg.possible_duplicate
    assert len(twilio.creates) == 4 and twilio.sent_to(JANE) == ["Alert 1"]


def test_a_retry_due_across_the_clocks_going_back_is_on_time(store, channel, twilio):
    """01:59:45 on the night London's clocks go back: 30 s later the wall clock says 01:00:15."""
    clock = ManualClock(dt.datetime(2026, 10, 25, 1, 59, 45), "Europe/London")
    outbox = Outbox(store, clock, channel)
    twilio.fail_next("429")
    mid = outbox.enqueue(JANE, "Alert 1")
    outbox.process()
    assert outbox.get(mid).next_attempt_at == dt.datetime(2026, 10, 25, 1, 0, 15)  # the second 01:00
    assert outbox.process(clock.advance(dt.timedelta(seconds=29))).sent == 0
    assert outbox.process(clock.advance(dt.timedelta(seconds=1))).sent == 1
    assert twilio.sent_to(JANE) == ["Alert 1"]


def test_a_message_queued_by_the_release_before_is_sent_when_due(store, channel, twilio):
    """Its due time was kept in wall-clock time only: it is read in the clock's zone."""
    from alerts.outbox import MIGRATIONS
    store.migrate("outbox", MIGRATIONS[:1])
    with store.transaction() as conn:
        conn.execute("INSERT INTO outbox (phone, body, purpose, state, created_at, next_attempt_at) VALUES "
                     "(?, 'Alert 1', 'alert', 'retry', '2024-07-04T09:00:00', '2024-07-04T09:05:00')", (JANE,))
    clock = ManualClock(dt.datetime(2024, 7, 4, 9, 4), "Europe/London")  # summer: 08:04 UTC
    outbox = Outbox(store, clock, channel)
    assert outbox.process().sent == 0
    assert outbox.process(clock.advance(dt.timedelta(minutes=1))).sent == 1


def test_unreachable_twilio_is_retried_until_it_is_back(outbox, twilio, clock):
    twilio.stop()
    mid = outbox.enqueue(JANE, "Alert 1")
    for _ in range(10):
        outbox.process(clock.advance(dt.timedelta(minutes=5)))
    msg = outbox.get(mid)
    assert msg.state == "retry" and msg.attempts == 10 and "unreachable" in msg.last_error
    assert msg.next_attempt_at - msg.last_attempt_at == dt.timedelta(minutes=5), "backoff is capped"
    twilio.start()
    outbox.process(clock.advance(dt.timedelta(minutes=5)))
    assert outbox.get(mid).state == "sent" and twilio.sent_to(JANE) == ["Alert 1"]


def test_5xx_is_retried_and_marked_as_a_possible_duplicate(outbox, twilio, clock):
    twilio.fail_next("500")
    mid = outbox.enqueue(JANE, "Alert 1")
    outbox.process()
    assert outbox.get(mid).state == "retry"
    outbox.process(clock.advance(dt.timedelta(seconds=30)))
    msg = outbox.get(mid)
    assert msg.state == "sent" and msg.possible_duplicate and msg.attempts == 2


@pytest.mark.parametrize("failure, code", [("invalid_number", 21211), ("bad_credentials", 20003)])
def test_permanent_errors_fail_at_once_and_are_reported(outbox, twilio, clock, failure, code):
    twilio.fail_next(failure)
    mid = outbox.enqueue(JANE, "Alert 1")
    report = outbox.process()
    msg = outbox.get(mid)
    assert report.failed == 1 and msg.state == "failed" and msg.error_code == code and msg.attempts == 1
    assert outbox.events == [(mid, "failed")]
    outbox.process(clock.advance(dt.timedelta(hours=1)))
    assert len(twilio.creates) == 1, "a permanent error is not retried"


def test_delivery_reports_update_the_message(outbox, twilio):
    a = outbox.enqueue(JANE, "Alert 1")
    b = outbox.enqueue("+447700900002", "Alert 2")
    outbox.process()
    sid_a, sid_b = outbox.get(a).sid, outbox.get(b).sid
    outbox.update_status(sid_a, "sent")
    outbox.update_status(sid_a, "delivered")
    outbox.update_status(sid_b, "undelivered", 30003)
    outbox.update_status(sid_b, "sent")  # late, out of order: the failure stays
    assert outbox.get(a).state == "delivered"
    msg = outbox.get(b)
    assert msg.state == "undelivered" and msg.error_code == 30003
    assert (a, "delivered") in outbox.events and (b, "undelivered") in outbox.events
    assert outbox.update_status("SMnope", "delivered") is None


def test_cancel_drops_only_unsent_alert_messages(outbox, twilio):
    sent = outbox.enqueue(JANE, "Alert 1", alert_id=7)
    outbox.process()
    waiting = outbox.enqueue(JANE, "Alert 1 again", alert_id=7)
    notice = outbox.enqueue(JANE, "passed on", alert_id=7, purpose="escalated_notice")
    assert outbox.cancel(7) == 1
    assert [outbox.get(i).state for i in (sent, waiting, notice)] == ["sent", "cancelled", "pending"]


# ---------------------------------------------------------------------- a sender killed mid-send

SENDER = textwrap.dedent("""
    import datetime as dt, sys
    from alerts.outbox import Outbox
    from alerts.twilio_channel import TwilioChannel
    from hub.clock import ManualClock
    from hub.store import Store
    db, base, sid, token = sys.argv[1:5]
    store = Store(db)
    channel = TwilioChannel(sid, token, "+447700900999", api_base=base, timeout=5)
    print(Outbox(store, ManualClock(dt.datetime(2024, 3, 4, 8)), channel).process(), flush=True)
""")


def _killed_sender(tmp_path, twilio, when: str) -> tuple[str, int]:
    """Queue one SMS, then let a real subprocess send it and SIGKILL it at ``when``."""
    db = tmp_path / "killed.sqlite"
    clock = ManualClock(dt.datetime(2024, 3, 4, 8))
    with Store(db) as s:
        mid = Outbox(s, clock, channel=None).enqueue(JANE, "Alert 42: no movement. Reply OK 42", alert_id=42)
    proc = subprocess.Popen([sys.executable, "-c", SENDER, str(db), twilio.base_url, twilio.account_sid,
                             twilio.auth_token], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    twilio.kill_on_create = (when, proc.pid)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == -9, f"the sender was not killed: {out!r} {err[-500:]!r}"
    with Store(db) as s:
        assert s.query("SELECT state FROM outbox WHERE id=?", (mid,))[0][0] == "sending"
    return str(db), mid


@pytest.mark.parametrize("when", ["after_accept", "before_accept"])
def test_a_sender_killed_mid_send_sends_exactly_once_after_restart(tmp_path, twilio, channel, when):
    db, mid = _killed_sender(tmp_path, twilio, when)
    assert len(twilio.messages) == (1 if when == "after_accept" else 0)
    with Store(db) as s:
        box = Outbox(s, ManualClock(dt.datetime(2024, 3, 4, 8, 1)), channel)
        assert box.get(mid).state == "sending"
        assert box.recover_interrupted() == 1
        assert box.get(mid).state == "unknown"
        report = box.process()
        msg = box.get(mid)
    assert msg.state == "sent"
    assert twilio.sent_to(JANE) == ["Alert 42: no movement. Reply OK 42"], "exactly one SMS reached Twilio"
    assert msg.sid == twilio.messages[0]["sid"]
    if when == "after_accept":
        assert report.recovered == 1 and len(twilio.creates) == 1
    else:
        assert report.sent == 1 and len(twilio.creates) == 2  # the first create never got through


def test_a_stuck_message_waits_while_twilio_cannot_be_asked(tmp_path, twilio, channel):
    db, mid = _killed_sender(tmp_path, twilio, "after_accept")
    twilio.stop()
    clock = ManualClock(dt.datetime(2024, 3, 4, 8, 1))
    with Store(db) as s:
        box = Outbox(s, clock, channel)
        box.recover_interrupted()
        box.process()
        assert box.get(mid).state == "unknown" and "cannot check" in box.get(mid).last_error
        twilio.start()
        box.process(clock.advance(dt.timedelta(minutes=1)))
        assert box.get(mid).state == "sent"
    assert len(twilio.messages) == 1


def test_a_message_cancelled_while_the_batch_is_being_sent_is_not_sent(outbox, twilio):
    # the social worker acknowledges alert 8 while the tick is still sending alert 7's SMS
    first = outbox.enqueue(JANE, "Alert 7", alert_id=7)
    second = outbox.enqueue(JANE, "Alert 8", alert_id=8)
    outbox.subscribe(lambda m, e: outbox.cancel(8) if (m.id, e) == (first, "sent") else None)
    report = outbox.process()
    assert report.sent == 1
    assert twilio.sent_to(JANE) == ["Alert 7"]
    assert [outbox.get(i).state for i in (first, second)] == ["sent", "cancelled"]
