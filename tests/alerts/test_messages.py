"""SMS wording: at most two segments, the household named, the way to answer always kept."""
from __future__ import annotations

import datetime as dt

from alerts import messages
from alerts.book import AlertRecord
from hub.alert import Alert

NOW = dt.datetime(2024, 3, 4, 11, 5)


def record(message: str, id: int = 42) -> AlertRecord:
    alert = Alert(dt.datetime(2024, 3, 4, 10, 57), "smith", "inactivity", "critical", message)
    return AlertRecord(id, alert, "open", NOW)


def test_short_alert_is_one_segment_with_everything():
    text = messages.alert_text(record("No movement since 10:42."), "Mrs Smith", NOW)
    assert text == "CRITICAL Mrs Smith, 10:57: No movement since 10:42. Reply OK 42 to take this alert."
    assert messages.segments(text) == 1


def test_long_evidence_is_cut_to_two_segments_keeping_the_reply_code():
    long = "No movement since 10:42; on 27 of the last 28 days there was movement within 95 minutes. " * 8
    text = messages.alert_text(record(long), "Mrs Smith", NOW, escalation="Jane did not answer in 15 min")
    assert messages.segments(text) == 2 and messages.septets(text) <= 306
    assert text.startswith("ESCALATED (Jane did not answer in 15 min). CRITICAL Mrs Smith, 10:57: No movement")
    assert text.endswith("... Reply OK 42 to take this alert.")


def test_non_gsm_characters_do_not_turn_the_message_into_ucs2():
    text = messages.alert_text(record("Zoë’s kettle left on — 2 h…"), "Mrs Brontë", NOW)
    assert text == "CRITICAL Mrs Bronte, 10:57: Zoe's kettle left on - 2 h... Reply OK 42 to take this alert."
    assert all(ch in messages._GSM_BASIC for ch in text)


def test_ascii_characters_outside_gsm7_are_replaced_too():
    assert messages.to_gsm("Mrs O`Brien\tflat 2, \x0bhall") == "Mrs O'Brien flat 2, ?hall"


def test_alert_from_another_day_shows_the_date():
    rec = record("Not up by usual time")
    text = messages.alert_text(rec, "Mrs Smith", NOW + dt.timedelta(days=1))
    assert "Mon 04 Mar 10:57" in text


def test_segment_counting():
    assert messages.segments("a" * 160) == 1
    assert messages.segments("a" * 161) == 2
    assert messages.segments("a" * 306) == 2
    assert messages.segments("€" * 80) == 1 and messages.segments("€" * 81) == 2
