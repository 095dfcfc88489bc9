"""The Event type and the canonical event CSV."""
from __future__ import annotations

import dataclasses
import datetime as dt
import io

import pytest

from hub.csvio import dump_events, parse_events
from hub.errors import ImportFormatError
from hub.events import Event

CSV = """timestamp,sensor,kind,value,room
2009-07-21T13:30:12,toilet_door_1,door,1,
2009-07-21T13:30:13,toilet_door_1,door,0,
2009-07-21T13:31:00,kettle,power,2150.5,kitchen
"""


def test_event_rejects_unknown_kind_and_empty_sensor():
    with pytest.raises(ValueError, match="unknown event kind"):
        Event(dt.datetime(2024, 1, 1), "x", "smell", 1)
    with pytest.raises(ValueError, match="sensor"):
        Event(dt.datetime(2024, 1, 1), "", "motion", 1)


def test_an_event_is_a_frozen_value_built_by_position_or_by_name():
    a = Event(dt.datetime(2024, 1, 1, 7), "pir", "motion", 1, "hall", "h1", "mqtt:7")
    b = Event(time=a.time, sensor="pir", kind="motion", value=1, room="hall", household="h1")
    assert a == b and hash(a) == hash(b)  # where a reading came from is not what it is
    assert (b.room, b.household, b.source_id) == ("hall", "h1", "")
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.value = 0  # type: ignore[misc]
    moved = dataclasses.replace(a, sensor="kitchen_pir")
    assert (moved.sensor, moved.time, moved.source_id) == ("kitchen_pir", a.time, "mqtt:7")
    with pytest.raises(ValueError, match="unknown event kind"):
        dataclasses.replace(a, kind="smell")
    with pytest.raises(TypeError, match="Event.__init__"):
        Event(a.time, "pir", "motion")  # type: ignore[call-arg]


def test_natural_key_is_stable_and_distinguishes_readings():
    a = Event(dt.datetime(2024, 1, 1, 7), "pir", "motion", 1)
    assert a.reading_id == Event(dt.datetime(2024, 1, 1, 7), "pir", "motion", 1).reading_id
    assert a.reading_id != Event(dt.datetime(2024, 1, 1, 7), "pir", "motion", 0).reading_id
    assert Event(a.time, "pir", "motion", 1, source_id="mqtt:7").reading_id == "mqtt:7"


def test_csv_round_trip_is_exact():
    events = list(parse_events(io.StringIO(CSV), "h.csv"))
    assert events[2].value == 2150.5 and events[2].room == "kitchen"
    out = io.StringIO()
    assert dump_events(out, events) == 3
    assert out.getvalue() == CSV


@pytest.mark.parametrize(("row", "problem"), [
    ("yesterday,pir,motion,1,", "not ISO 8601"),
    ("2009-07-21T13:30:12,pir,smell,1,", "kind 'smell'"),
    ("2009-07-21T13:30:12,pir,motion,lots,", "not a number"),
    ("2009-07-21T13:30:12,,motion,1,", "sensor is empty"),
    ("2009-07-21T13:30:12+02:00,pir,motion,1,", "without an offset"),
])
def test_bad_row_names_file_and_line(row, problem):
    text = CSV + row + "\n"
    with pytest.raises(ImportFormatError) as info:
        list(parse_events(io.StringIO(text), "h.csv"))
    assert info.value.line == 5
    assert problem in str(info.value) and "h.csv, line 5" in str(info.value)
