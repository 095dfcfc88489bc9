"""Messages fit two GSM SMS segments and read at a glance."""
from __future__ import annotations

import datetime as dt

import pytest

from analytics.explain import (MAX_SMS_CHARS, _GSM_BASIC, clock, day_count, duration, last_seen, moment, place,
                               sensor_called, sensors_called, sms_text, thing, who, who_cap)


@pytest.mark.parametrize("minutes,text", [(0, "0 min"), (42, "42 min"), (95, "1 h 35 min"), (185, "3 h 05 min"),
                                          (1500, "25 h 00 min"), (2879, "47 h 59 min"), (2880, "2 days 0 h"),
                                          (15365, "10 days 16 h")])
def test_duration(minutes, text):
    assert duration(minutes) == text


def test_clock_and_who():
    assert clock(dt.datetime(2024, 3, 4, 9, 5)) == "09:05"
    assert clock(7 * 60 + 30) == "07:30"
    assert who("") == "the resident" and who("Mrs Jones") == "Mrs Jones"
    assert who_cap("") == "The resident"
    assert day_count(1) == "1 day" and day_count(28) == "28 days"
    assert who_cap("Mrs Kim Soon-ja") == "Mrs Kim Soon-ja", "not 'Mrs kim soon-ja', as str.capitalize had it"


def test_a_time_not_today_says_which_day():
    now = dt.datetime(2024, 3, 14, 13, 10)  # a Thursday
    assert moment(dt.datetime(2024, 3, 14, 1, 8), now) == "01:08"
    assert moment(dt.datetime(2024, 3, 13, 22, 40), now) == "yesterday 22:40"
    assert moment(dt.datetime(2024, 3, 11, 9, 34), now) == "Mon 11 Mar 09:34"


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


@pytest.mark.parametrize("sensor,room,text", [
    ("hall_bathroom_door_6", "", "hall bathroom door"), ("microwave_1", "", "microwave"),
    ("sensor_20_20", "", "sensor 20"), ("living_room_pir", "Living room", "living room"),
    ("kitchen-pir-2", "", "kitchen"), ("microwave_reed_21", "", "microwave"), ("pir_keuken_28", "", "keuken"),
    ("pir_3", "", "pir 3"), ("seat_pressure_living", "Living", "living room"),
    ("toaster_electric_kitchen", "", "toaster kitchen"),
])
def test_place_reads_like_a_room_not_a_sensor_id(sensor, room, text):
    assert place(sensor, room) == text


@pytest.mark.parametrize("sensor,room,text", [
    ("fridge_magnetic_kitchen", "Kitchen", "fridge in the kitchen"),
    ("kettle_plug", "kitchen", "kettle plug in the kitchen"),
    ("kitchen_pir", "Kitchen", "kitchen"), ("living_room_door", "Living room", "door in the living room"),
    ("microwave_reed_21", "", "microwave"),
])
def test_thing_names_what_the_sensor_is_on_and_where(sensor, room, text):
    assert thing(sensor, room) == text


def test_sensors_are_called_by_what_they_are_on_and_as_installed_never_a_sensor_sensor():
    assert sensors_called([thing("living_room_pir", "Living room")]) == "living room sensor"
    assert sensors_called([thing("sensor_23_23")]) == "sensor 23"  # not "sensor 23 sensor"
    assert sensors_called([thing("hall_pir"), thing("kitchen_pir")]) == "hall and kitchen sensors"
    many = [thing(s) for s in ("badkamer_pir", "keuken_pir", "sensor_23", "sensor_25", "slaapkamer_pir")]
    assert sensors_called(many) == "badkamer, keuken and 3 other sensors"
    assert sensor_called("pir_keuken_28", "keuken") == "keuken sensor (pir_keuken_28)"
    assert sensor_called("door") == "door sensor"  # the name it was installed under says it all
    assert sensor_called("mains_meter", "Kitchen") == "mains meter sensor in the kitchen (mains_meter)"


def test_last_seen_names_the_room_when_known():
    assert last_seen("living_room_pir", "Living room") == "Last seen in the living room."
    assert last_seen("hall_bathroom_door_6") == "Last activity: hall bathroom door."


def test_collapse_message_names_the_place_not_the_sensor_id(run_day):
    alert = next(a for a in run_day("collapse") if a.kind == "inactivity")
    assert "_pir" not in alert.message and "times" not in alert.message
    assert "Last activity: " in alert.message and alert.evidence["last_sensor"].endswith("_pir")
