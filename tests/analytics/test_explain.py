"""Messages fit two GSM SMS segments and read at a glance."""
from __future__ import annotations

import datetime as dt

import pytest

from analytics.explain import MAX_SMS_CHARS, _GSM_BASIC, clock, duration, sms_text, who


@pytest.mark.parametrize("minutes,text", [(0, "0 min"), (42, "42 min"), (95, "1 h 35 min"), (185, "3 h 05 min"),
                                          (1500, "25 h 00 min")])
def test_duration(minutes, text):
    assert duration(minutes) == text


def test_clock_and_who():
    assert clock(dt.datetime(2024, 3, 4, 9, 5)) == "09:05"
    assert clock(7 * 60 + 30) == "07:30"
    assert who("") == "the resident" and who("Mrs Jones") == "Mrs Jones"


def test_sms_text_replaces_non_gsm_and_truncates():
    text = sms_text("Quiet \u2013 since 10:42 \u2019ok\u2019 \u00b0C " + "x" * 400)
    assert len(text) == MAX_SMS_CHARS and text.endswith("...")
    assert set(text) <= _GSM_BASIC
    assert "\u2013" not in text and "'ok'" in text


@pytest.mark.parametrize("incident", ["collapse", "no_wake", "low_activity", "wandering", "kettle_left_on"])
def test_every_alert_message_fits_two_segments(run_day, incident):
    alerts = run_day(incident, until_hours=30)
    assert alerts
    for a in alerts:
        assert 20 < len(a.message) <= MAX_SMS_CHARS
        assert set(a.message) <= _GSM_BASIC
        assert "she" not in a.message.split() and "he" not in a.message.split()
