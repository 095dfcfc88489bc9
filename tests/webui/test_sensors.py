"""Sensor health as the panel judges it: silence is a problem when the detectors say so (they know
each sensor's own normal), or after a week whatever the sensor; low batteries always; a sensor the
detectors found stuck on or alone reporting is shown so."""
from __future__ import annotations

import datetime as dt

from alerts.book import AlertBook
from hub.alert import Alert
from hub.events import Event
from webui.sensors import sensor_health

NOW = dt.datetime(2024, 3, 10, 12, 0)


def test_silence_is_judged_by_the_detectors_then_by_a_week(store, clock):
    store.add_events([
        Event(NOW - dt.timedelta(days=3), "microwave", "appliance", 0, "kitchen", "h1"),
        Event(NOW - dt.timedelta(days=3), "hall_pir", "motion", 1, "hall", "h1"),
        Event(NOW - dt.timedelta(days=8), "spare_pir", "motion", 1, "spare room", "h1"),
        Event(NOW - dt.timedelta(hours=1), "door", "door", 1, "hall", "h1"),
        Event(NOW - dt.timedelta(hours=1), "door", "battery", 12, "hall", "h1"),
        Event(NOW - dt.timedelta(hours=9), "toaster", "appliance", 1, "kitchen", "h1"),
    ])
    book = AlertBook(store, clock)
    book.raise_alert(Alert(NOW, "h1", "sensor_offline", "low", "Sensor hall_pir has sent nothing for 3 days.",
                           technical=True, condition="sensor_offline:hall_pir", evidence={"sensor": "hall_pir"}))
    book.raise_alert(Alert(NOW, "h1", "sensor_stuck", "low", "The toaster sensor has reported on since 03:00.",
                           technical=True, condition="sensor_stuck:toaster", evidence={"sensor": "toaster"}))
    book.raise_alert(Alert(NOW, "h1", "sensor_alone", "low", "Only sensor door has reported activity for 24 hours.",
                           technical=True, condition="sensor_alone:door", evidence={"sensor": "door"}))
    problems = {s.sensor: s.problem for s in sensor_health(store, "h1", NOW, book.list(households=["h1"]))}
    assert problems["microwave"] == ""                      # an unused appliance is not a fault
    assert problems["hall_pir"].startswith("silent for 3 days")
    assert problems["spare_pir"].startswith("silent for 8 days")
    assert problems["door"] == "battery 12%; the only sensor reporting for a day"
    assert problems["toaster"] == "reads on for hours"
