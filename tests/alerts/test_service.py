"""Routing, rota, quiet hours, escalation and acknowledgement, end to end through the local Twilio.

Time only moves when the test moves the ManualClock (Monday 2024-03-04 08:00 at the start).
"""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from alerts.console_channel import ConsoleChannel
from alerts.service import AlertService, make_channel
from hub.alert import Alert
from hub.clock import ManualClock
from hub.errors import AlertStateError, StoreError
from tests.alerts.conftest import BOB, JANE, SUE


@pytest.fixture
def service(config, store, clock, channel):
    return AlertService(config, store, clock, channel)


def fall(clock, severity="critical") -> Alert:
    return Alert(clock.now(), "smith", "inactivity", severity, "No movement since 07:10; usually up by 07:30.")


def battery(clock) -> Alert:
    return Alert(clock.now(), "smith", "battery_low", "low", "Hall motion sensor battery at 8%.", technical=True,
                 condition="battery_low:hall_pir")


def actions(service, alert_id):
    return [(s.action, s.actor) for s in service.book.history(alert_id)]


def test_an_alert_reaches_the_first_person_on_duty_once(service, twilio, clock):
    rec = service.handle(fall(clock))
    service.tick()
    assert twilio.sent_to(JANE) == [
        f"CRITICAL Mrs Smith, 08:00: No movement since 07:10; usually up by 07:30. Reply OK {rec.id} to take "
        "this alert."]
    assert service.handle(fall(clock)) is None, "same unresolved condition"
    service.tick(clock.advance(dt.timedelta(minutes=5)))
    assert len(twilio.messages) == 1
    assert actions(service, rec.id) == [("raised", "detector"), ("notified", "Jane"), ("sms_sent", "outbox")]


def test_unacknowledged_alert_escalates_and_the_one_before_is_told(service, twilio, clock):
    rec = service.handle(fall(clock))
    service.tick()
    service.tick(clock.advance(dt.timedelta(minutes=14)))
    assert twilio.sent_to(BOB) == []
    service.tick(clock.advance(dt.timedelta(minutes=1)))  # critical: 15 minutes
    assert twilio.sent_to(BOB)[0].startswith("ESCALATED (Jane did not answer in 15 min). CRITICAL Mrs Smith")
    assert twilio.sent_to(JANE)[1] == (f"Alert {rec.id} (Mrs Smith) has been passed to Bob: Jane did not answer "
                                       "in 15 min. No action needed.")
    service.tick(clock.advance(dt.timedelta(minutes=15)))
    assert len(twilio.sent_to(SUE)) == 1 and len(twilio.sent_to(BOB)) == 2  # Bob hears it went on to Sue


def test_a_fall_nobody_takes_goes_up_the_ladder_again_then_only_the_panel_shows_it(service, twilio, clock):
    rec = service.handle(fall(clock))
    service.tick()
    for _ in range(3):  # Jane, Bob, Sue: 15 min each
        service.tick(clock.advance(dt.timedelta(minutes=15)))
    assert twilio.sent_to(JANE)[-1].startswith(
        "ESCALATED, round 2 of 3 (Sue did not answer in 15 min; nobody has taken it yet). CRITICAL Mrs Smith, 08:00:")
    for _ in range(6):  # rounds 2 and 3
        service.tick(clock.advance(dt.timedelta(minutes=15)))
    alerts_sent = [m for m in twilio.messages if "Reply OK" in m["body"]]
    assert [m["to"] for m in alerts_sent] == [JANE, BOB, SUE] * 3
    passed_on = [m["to"] for m in twilio.messages if "has been passed to" in m["body"]]
    assert passed_on == [JANE, BOB], "in later rounds the one before is about to be asked again: no notice"
    assert twilio.sent_to(JANE)[-1].startswith("ESCALATED, round 3 of 3 (Sue did not answer in 15 min; nobody has "
                                                "taken it yet).")
    told = len(twilio.messages)
    service.tick(clock.advance(dt.timedelta(hours=3)))
    assert len(twilio.messages) == told, "after the last round nobody is told again"
    steps = service.book.history(rec.id)
    assert steps[-1].action == "escalation_exhausted" and "(round 3 of 3)" in steps[-1].detail
    assert twilio.sent_to(SUE)[-1].startswith("ESCALATED, round 3 of 3 (Bob did not answer in 15 min).")
    assert service.book.get(rec.id).state == "open", "still open on the panel"


def test_a_fall_taken_in_the_second_round_stops_there(service, twilio, clock):
    rec = service.handle(fall(clock))
    service.tick()
    for _ in range(4):  # into round 2: Jane again, then Bob
        service.tick(clock.advance(dt.timedelta(minutes=15)))
    assert service.reply_to_sms(BOB, f"OK {rec.id}").startswith(f"Thanks Bob, alert {rec.id}")
    told = len(twilio.messages)
    service.tick(clock.advance(dt.timedelta(hours=2)))
    assert len(twilio.messages) == told
    assert service.book.get(rec.id).acknowledged_by == "Bob"


def test_a_technical_alert_goes_up_the_ladder_once(service, twilio, clock):
    service.handle(dataclasses.replace(battery(clock), severity="critical"))
    service.tick()
    service.tick(clock.advance(dt.timedelta(minutes=15)))
    service.tick(clock.advance(dt.timedelta(minutes=15)))
    service.tick(clock.advance(dt.timedelta(hours=3)))
    assert [m["to"] for m in twilio.messages if "Reply OK" in m["body"]] == [JANE, BOB, SUE]


def test_a_ladder_of_one_is_asked_again_without_being_told_it_was_passed_on(config, store, clock, channel, twilio):
    one = dataclasses.replace(config, alerts=dataclasses.replace(
        config.alerts, ladder_rounds=2, contacts=config.alerts.contacts[1:2]))  # Bob alone
    service = AlertService(one, store, clock, channel)
    rec = service.handle(fall(clock))
    service.tick()
    service.tick(clock.advance(dt.timedelta(minutes=15)))
    service.tick(clock.advance(dt.timedelta(minutes=15)))
    assert [m[:40] for m in twilio.sent_to(BOB)] == [
        "CRITICAL Mrs Smith, 08:00: No movement s",
        "ESCALATED, round 2 of 2 (Bob did not ans"]
    assert service.book.history(rec.id)[-1].action == "escalation_exhausted"


def test_escalation_time_depends_on_severity(service, twilio, clock):
    service.handle(dataclasses.replace(fall(clock, "medium"), condition="quiet_day"))
    service.tick()
    service.tick(clock.advance(dt.timedelta(minutes=119)))
    assert twilio.sent_to(BOB) == []
    service.tick(clock.advance(dt.timedelta(minutes=1)))
    assert len(twilio.sent_to(BOB)) == 1


def test_acknowledged_alert_stops_escalating(service, twilio, clock):
    rec = service.handle(fall(clock))
    service.tick()
    clock.advance(dt.timedelta(minutes=3))
    assert service.reply_to_sms(JANE, f"ok{rec.id}").startswith(f"Thanks Jane, alert {rec.id} (Mrs Smith) is yours")
    service.tick(clock.advance(dt.timedelta(hours=3)))
    assert twilio.sent_to(BOB) == [] and len(twilio.messages) == 1
    rec = service.book.get(rec.id)
    assert (rec.state, rec.acknowledged_by, rec.acknowledged_via) == ("acknowledged", "Jane", "sms")


def test_off_duty_worker_is_skipped(service, twilio, clock):
    clock.set(dt.datetime(2024, 3, 9, 11, 0))  # Saturday: Jane works mon-fri
    service.handle(fall(clock))
    service.tick()
    assert twilio.sent_to(JANE) == [] and len(twilio.sent_to(BOB)) == 1
    service.tick(clock.advance(dt.timedelta(minutes=15)))
    assert len(twilio.sent_to(SUE)) == 1 and twilio.sent_to(JANE) == []


def test_technical_alert_waits_for_morning_but_a_fall_never_waits(service, twilio, clock):
    clock.set(dt.datetime(2024, 3, 5, 3, 0))  # Tuesday 03:00, quiet hours 22:00-08:00; Jane is off duty
    low = service.handle(battery(clock))
    fell = service.handle(fall(clock))
    service.tick()
    assert [m["to"] for m in twilio.messages] == [BOB], "only the fall goes out at 03:00, to the on-duty backup"
    assert ("held", "router") in actions(service, low.id)
    service.tick(clock.set(dt.datetime(2024, 3, 5, 7, 59)) or clock.now())
    assert all("battery" not in m["body"] for m in twilio.messages)
    service.tick(clock.set(dt.datetime(2024, 3, 5, 8, 0)) or clock.now())
    assert twilio.sent_to(JANE)[-1].startswith("LOW Mrs Smith, 03:00: Hall motion sensor battery at 8%.")
    assert service.book.get(fell.id).state == "open"


def test_technical_escalation_does_not_wake_people_at_night(service, twilio, clock):
    clock.set(dt.datetime(2024, 3, 4, 21, 50))
    service.handle(dataclasses.replace(battery(clock), severity="critical"))
    service.tick()
    assert len(twilio.sent_to(BOB)) == 1  # 21:50: not quiet yet; Jane is off duty
    service.tick(clock.advance(dt.timedelta(minutes=20)))  # 22:10, due but quiet
    assert twilio.sent_to(SUE) == []
    service.tick(clock.set(dt.datetime(2024, 3, 5, 8, 0)) or clock.now())
    assert len(twilio.sent_to(SUE)) == 1


def test_invalid_number_moves_straight_to_the_next_person_and_is_visible(service, twilio, clock):
    twilio.invalid_numbers.add(JANE)
    rec = service.handle(fall(clock))
    service.tick()
    assert twilio.sent_to(JANE) == []
    escalated = [b for b in twilio.sent_to(BOB) if b.startswith("ESCALATED (SMS to Jane failed (error 21211))")]
    assert len(escalated) == 1 and f"Reply OK {rec.id} " in escalated[0]
    assert [m.state for m in service.outbox.messages(alert_id=rec.id)] == ["failed", "sent"]
    assert ("sms_failed", "outbox") in actions(service, rec.id)
    undeliverable = service.book.list(states=["open"], households=["smith"])[0]
    assert undeliverable.alert.kind == "sms_undeliverable" and undeliverable.alert.technical
    assert f"Check Jane's number {JANE}" in undeliverable.alert.message
    # Bob is told about the broken number too (never Jane: her number is the problem)
    assert twilio.sent_to(BOB)[0] == escalated[0], "the alert goes out before the fault report"
    assert [b for b in twilio.sent_to(BOB) if f"OK {undeliverable.id} " in b][0].startswith(
        "HIGH Mrs Smith, 08:00: SMS to Jane failed (error 21211) about alert 1.")
    assert len(twilio.messages) == 2


def test_undelivered_report_escalates_at_once(service, twilio, clock):
    rec = service.handle(fall(clock))
    service.tick()
    sid = twilio.messages[0]["sid"]
    service.delivery_status(sid, "undelivered", 30003)
    service.tick()
    assert twilio.sent_to(BOB)[0].startswith("ESCALATED (SMS to Jane undelivered (error 30003)). CRITICAL")
    assert twilio.sent_to(BOB)[1].startswith("HIGH Mrs Smith, 08:00: SMS to Jane undelivered (error 30003)")
    assert len(twilio.sent_to(JANE)) == 1, "no 'passed on' notice to a phone that did not get the alert"
    assert ("sms_undelivered", "twilio") in actions(service, rec.id)
    assert ("escalated", "router") in actions(service, rec.id)


def test_terminal_acknowledgement_for_the_demo(config, store, clock, console_stream):
    service = AlertService(config, store, clock, ConsoleChannel(console_stream))
    rec = service.handle(fall(clock))
    service.tick()
    assert console_stream.getvalue() == (
        f"SMS to {JANE}: CRITICAL Mrs Smith, 08:00: No movement since 07:10; usually up by 07:30. "
        f"Reply OK {rec.id} to take this alert.\n")
    taken = service.acknowledge_from_terminal(f"OK {rec.id}")
    assert (taken.state, taken.acknowledged_via) == ("acknowledged", "terminal")
    with pytest.raises(AlertStateError):
        service.acknowledge_from_terminal("help")


def test_replies_from_contacts_and_strangers(service, twilio, clock, directory):
    rec = service.handle(fall(clock))
    assert service.reply_to_sms("+15005550006", f"OK {rec.id}") is None
    assert service.reply_to_sms(JANE, "yes I'll go").startswith("eldercare: to take an alert, reply OK")
    assert service.reply_to_sms(JANE, "OK 999").startswith("No alert 999 for you.")
    assert service.reply_to_sms(JANE, "OK 99999999999999999999").startswith("eldercare: to take an alert, reply OK"), \
        "a number no alert has is the usage help, not a server error"
    assert service.book.get(rec.id).state == "open"
    assert service.reply_to_sms(BOB, f"Ok #{rec.id}").startswith(f"Thanks Bob, alert {rec.id}")
    assert service.reply_to_sms(JANE, f"OK {rec.id}") == f"Alert {rec.id} (Mrs Smith) was already taken by Bob at 08:00."


def test_a_store_error_between_queueing_the_sms_and_saving_the_route_does_not_send_it_twice(
        service, twilio, clock, monkeypatch):
    from alerts.router import Router
    save, failed = Router._save, []

    def locked_once(self, record, status, **kw):  # "database is locked" (the panel, a power cut)
        if status == "waiting" and not failed:
            failed.append(status)
            raise StoreError("database is locked")
        return save(self, record, status, **kw)

    monkeypatch.setattr(Router, "_save", locked_once)
    with pytest.raises(StoreError):
        service.handle(fall(clock))  # in the book, not routed: the next tick routes it
    service.tick(clock.advance(dt.timedelta(minutes=1)))
    service.tick(clock.advance(dt.timedelta(minutes=1)))
    assert len(twilio.sent_to(JANE)) == 1


def test_without_twilio_credentials_the_console_is_used(config, monkeypatch):
    monkeypatch.delenv("TWILIO_AUTH_TOKEN", raising=False)
    assert isinstance(make_channel(config), ConsoleChannel)
    cfg = dataclasses.replace(config, alerts=dataclasses.replace(
        config.alerts, twilio_account_sid="AC" + "0" * 32, twilio_from="+447700900999", api_base="http://127.0.0.1:9"))
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "t")
    channel = make_channel(cfg)
    assert channel.name == "twilio"
    channel.close()


def test_an_answer_between_escalating_and_sending_stops_the_escalation_sms(service, twilio, clock):
    rec = service.handle(fall(clock))
    service.tick()
    service.check_escalations(clock.advance(dt.timedelta(minutes=15)))  # Bob's SMS queued, not sent yet
    service.reply_to_sms(JANE, f"OK {rec.id}")
    service.outbox.process()
    assert twilio.sent_to(BOB) == []
    assert [m.state for m in service.outbox.messages(alert_id=rec.id) if m.phone == BOB] == ["cancelled"]


def test_escalation_survives_a_restart(config, tmp_path, clock, channel, twilio):
    from hub.store import Store
    with Store(tmp_path / "hub.sqlite") as store:
        AlertService(config, store, clock, channel).handle(fall(clock))
    with Store(tmp_path / "hub.sqlite") as store:
        service = AlertService(config, store, clock, channel)
        service.tick()
        service.tick(clock.advance(dt.timedelta(minutes=15)))
    assert len(twilio.sent_to(JANE)) == 2 and len(twilio.sent_to(BOB)) == 1


def test_start_up_settles_an_sms_the_last_process_was_sending(config, tmp_path, clock, channel, twilio):
    """The real SIGKILL is in test_outbox; here the service's start-up must run that recovery."""
    from hub.store import Store
    with Store(tmp_path / "hub.sqlite") as store:
        service = AlertService(config, store, clock, channel)
        rec = service.handle(fall(clock))
        [msg] = service.outbox.messages(alert_id=rec.id)
        sid = channel.send(msg.phone, msg.body).sid  # Twilio took it ...
        with store.transaction() as conn:  # ... and the process died before recording it
            conn.execute("UPDATE outbox SET state='sending', attempts=1 WHERE id=?", (msg.id,))
    with Store(tmp_path / "hub.sqlite") as store:
        service = AlertService(config, store, clock, channel)
        service.tick()
        assert service.outbox.get(msg.id).sid == sid and service.outbox.get(msg.id).state == "sent"
    assert len(twilio.sent_to(JANE)) == 1


def test_an_alert_recorded_but_never_routed_is_routed_on_the_next_tick(service, twilio, clock):
    # the hub stopped (or routing failed) between recording the alert and queueing its SMS
    rec = service.book.raise_alert(fall(clock))
    assert service.handle(fall(clock)) is None, "the detector's repeat is a duplicate"
    service.tick()
    assert len(twilio.sent_to(JANE)) == 1 and f"Reply OK {rec.id}" in twilio.sent_to(JANE)[0]
    service.tick(clock.advance(dt.timedelta(minutes=1)))
    assert len(twilio.messages) == 1


def test_one_alert_failing_to_escalate_does_not_hold_up_the_others(service, twilio, clock, monkeypatch):
    from alerts import messages

    first = service.handle(fall(clock))
    second = service.handle(Alert(clock.now(), "smith", "night_wandering", "critical", "Front door open at night.",
                                  condition="night_wandering"))
    service.tick()
    assert len(twilio.sent_to(JANE)) == 2
    text = messages.alert_text

    def broken_for_the_first(record, *args, **kw):
        if record.id == first.id:
            raise ValueError("a bug formatting one alert")
        return text(record, *args, **kw)

    monkeypatch.setattr(messages, "alert_text", broken_for_the_first)
    service.tick(clock.advance(dt.timedelta(minutes=15)))
    assert [m for m in twilio.sent_to(BOB) if f"Reply OK {second.id}" in m], "the second alert still escalates"
    assert not [m for m in twilio.sent_to(BOB) if f"Reply OK {first.id}" in m]


def test_a_route_stored_before_ladder_rounds_existed_is_in_its_first_round(config, store, clock, channel):
    from alerts.router import MIGRATIONS
    store.migrate("routing", MIGRATIONS[:1])  # the store as the release before left it
    with store.transaction() as conn:
        conn.execute("INSERT INTO alert_routes (alert_id, household, status, position, due_at) "
                     "VALUES (7, 'smith', 'waiting', 2, '2024-03-04T08:15:00')")
    service = AlertService(config, store, clock, channel)
    assert service.router.route_of(7).round == 1
    assert service.router.route_of(7).due_utc == dt.datetime(2024, 3, 4, 8, 15)  # read in the clock's zone


def test_a_route_stored_before_due_times_were_kept_in_utc_escalates_when_due(config, store, channel, twilio):
    from alerts.book import AlertBook
    from alerts.router import MIGRATIONS
    clock = ManualClock(dt.datetime(2024, 7, 4, 8, 0), "Europe/London")  # summer: 07:00 UTC
    store.migrate("routing", MIGRATIONS[:2])  # the store as the release before left it
    rec = AlertBook(store, clock).raise_alert(fall(clock))
    with store.transaction() as conn:  # Jane was told at 08:00 and has until 08:15
        conn.execute("INSERT INTO alert_routes (alert_id, household, status, position, contact_name, contact_phone, "
                     "due_at) VALUES (?, 'smith', 'waiting', 1, 'Jane', ?, '2024-07-04T08:15:00')", (rec.id, JANE))
    service = AlertService(config, store, clock, channel)
    service.tick(clock.advance(dt.timedelta(minutes=14)))
    assert twilio.sent_to(BOB) == []
    service.tick(clock.advance(dt.timedelta(minutes=1)))
    assert twilio.sent_to(BOB), "due at 08:15 London time, not 08:15 UTC"


def test_an_escalation_due_across_the_clocks_going_back_is_on_time(config, store, channel, twilio):
    """A fall reported at 01:50 on the night London's clocks go back: 15 minutes later the wall
    clock says 01:05, and nobody has answered."""
    clock = ManualClock(dt.datetime(2026, 10, 25, 1, 50), "Europe/London")  # a Sunday: Bob is first
    service = AlertService(config, store, clock, channel)
    rec = service.handle(fall(clock))
    service.tick()
    assert len(twilio.sent_to(BOB)) == 1
    assert "escalates at 01:05" in service.book.history(rec.id)[-2].detail
    service.tick(clock.advance(dt.timedelta(minutes=14)))
    assert twilio.sent_to(SUE) == []
    service.tick(clock.advance(dt.timedelta(minutes=1)))
    assert clock.now() == dt.datetime(2026, 10, 25, 1, 5)
    assert twilio.sent_to(SUE)[0].startswith("ESCALATED (Bob did not answer in 15 min). CRITICAL Mrs Smith")


def test_an_all_clear_stops_the_ladder_and_tells_everyone_who_heard(service, twilio, clock):
    from hub.alert import AllClear
    alert = dataclasses.replace(fall(clock), since=dt.datetime(2024, 3, 4, 7, 10))
    rec = service.handle(alert)
    service.tick()
    service.tick(clock.advance(dt.timedelta(minutes=15)))  # Jane did not answer: Bob has it
    clock.advance(dt.timedelta(minutes=5))
    told = service.all_clear(AllClear(clock.now(), "smith", "inactivity", "Mrs Smith is moving again (kitchen, 08:19).",
                                      since=alert.since))
    assert told.id == rec.id
    service.tick()
    update = f"UPDATE on alert {rec.id} (Mrs Smith): Mrs Smith is moving again (kitchen, 08:19). It is no longer " \
             "passed on. Close it on the panel once checked."
    assert twilio.sent_to(JANE)[-1] == update and twilio.sent_to(BOB)[-1] == update
    again = service.all_clear(AllClear(clock.now(), "smith", "inactivity", "Mrs Smith is moving again (kitchen, "
                                       "08:19).", since=alert.since))  # the office applying it twice
    service.tick()
    assert again.id == rec.id and [m for m in twilio.sent_to(JANE) if m == update] == [update], "told once"
    service.tick(clock.advance(dt.timedelta(hours=3)))
    assert twilio.sent_to(SUE) == [], "nobody else is woken"
    assert service.book.get(rec.id).state == "open", "whether she is well is for a person to say"
    assert ("condition_over", "detector") in actions(service, rec.id)


def test_with_the_all_clear_not_stopping_the_ladder_the_next_one_is_asked_and_told_it_is_over(
        config, store, clock, channel, twilio):
    from hub.alert import AllClear
    config = dataclasses.replace(config, alerts=dataclasses.replace(config.alerts, all_clear_stops_ladder=False))
    service = AlertService(config, store, clock, channel)
    alert = dataclasses.replace(fall(clock), since=dt.datetime(2024, 3, 4, 7, 10))
    rec = service.handle(alert)
    service.tick()
    service.tick(clock.advance(dt.timedelta(minutes=15)))  # Jane did not answer: Bob has it
    service.all_clear(AllClear(clock.advance(dt.timedelta(minutes=5)), "smith", "inactivity",
                               "Mrs Smith is moving again (kitchen, 08:19).", since=alert.since))
    service.tick()
    assert twilio.sent_to(BOB)[-1] == (f"UPDATE on alert {rec.id} (Mrs Smith): Mrs Smith is moving again (kitchen, "
                                       f"08:19). It is still passed on until someone takes it: reply OK {rec.id}.")
    service.tick(clock.advance(dt.timedelta(minutes=10)))  # Bob did not answer either
    assert twilio.sent_to(SUE) == [
        f"ESCALATED (Bob did not answer in 15 min). CRITICAL Mrs Smith, 08:00: No movement since 07:10; usually up "
        f"by 07:30. Since: Mrs Smith is moving again (kitchen, 08:19). Reply OK {rec.id} to take this alert."]


def test_an_all_clear_about_no_open_alert_of_that_silence_changes_nothing(service, twilio, clock):
    from hub.alert import AllClear
    rec = service.handle(dataclasses.replace(fall(clock), since=dt.datetime(2024, 3, 4, 7, 10)))
    service.tick()
    later = AllClear(clock.now(), "smith", "inactivity", "moving again", since=dt.datetime(2024, 3, 4, 9, 0))
    assert service.all_clear(later) is None, "another silence's end"
    service.book.resolve(rec.id, "fine", "Jane")
    assert service.all_clear(dataclasses.replace(later, since=dt.datetime(2024, 3, 4, 7, 10))) is None, "closed"
    service.tick(clock.advance(dt.timedelta(minutes=1)))
    assert len(twilio.messages) == 1


def test_a_sensor_back_before_morning_wakes_nobody_and_its_alert_is_never_sent(service, twilio, clock):
    from hub.alert import AllClear
    clock.set(dt.datetime(2024, 3, 5, 2, 0))  # quiet hours: the technical alert waits for 08:00
    offline = Alert(clock.now(), "smith", "sensor_offline", "low", "Sensor hall_pir went offline at 01:58.",
                    technical=True, condition="sensor_offline:hall_pir", since=dt.datetime(2024, 3, 5, 1, 58))
    rec = service.handle(offline)
    service.tick(clock.advance(dt.timedelta(minutes=30)))
    service.all_clear(AllClear(clock.now(), "smith", "sensor_offline:hall_pir",
                               "Sensor hall_pir is reporting again (02:29).", since=offline.since))
    service.tick(clock.set(dt.datetime(2024, 3, 5, 9, 0)) or clock.now())
    assert twilio.messages == []
    record = service.book.get(rec.id)
    assert record.state == "open" and record.over == "Sensor hall_pir is reporting again (02:29)."


def test_a_bare_ok_takes_the_one_open_alert_sent_to_that_person_and_asks_which_of_several(service, twilio, clock):
    fell = service.handle(fall(clock))
    service.tick()
    assert service.reply_to_sms(SUE, "OK") == "eldercare: to take an alert, reply OK and its number, e.g. OK 42.", \
        "Sue was sent nothing"
    kettle = service.handle(Alert(clock.now(), "smith", "appliance_on", "medium", "Kettle on for 2 hours"))
    service.tick()
    assert service.reply_to_sms(JANE, "ok") == (
        f"eldercare: which alert? Reply OK {kettle.id} (Mrs Smith), OK {fell.id} (Mrs Smith).")
    assert service.book.get(fell.id).state == service.book.get(kettle.id).state == "open", "never a guess"
    service.reply_to_sms(JANE, f"OK {kettle.id}")
    assert service.reply_to_sms(JANE, "Ok!").startswith(f"Thanks Jane, alert {fell.id} (Mrs Smith) is yours")
