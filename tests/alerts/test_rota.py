"""On-duty windows and quiet hours."""
from __future__ import annotations

import datetime as dt

import pytest

from alerts.rota import QuietHours, on_duty, parse_window
from hub.errors import ConfigError

MON = dt.datetime(2024, 3, 4)  # a Monday


def at(day: int, hh: int, mm: int = 0) -> dt.datetime:
    return MON + dt.timedelta(days=day, hours=hh, minutes=mm)


def test_weekday_office_hours():
    w = parse_window("mon-fri 08:00-18:00")
    assert w.contains(at(0, 8)) and w.contains(at(4, 17, 59))
    assert not w.contains(at(0, 7, 59)) and not w.contains(at(0, 18)) and not w.contains(at(5, 12))


def test_whole_weekend_days():
    w = parse_window("sat-sun 00:00-24:00")
    assert w.contains(at(5, 0)) and w.contains(at(6, 23, 59))
    assert not w.contains(at(4, 23, 59)) and not w.contains(at(7, 0))


def test_overnight_window_belongs_to_the_day_it_starts():
    w = parse_window("mon-fri 18:00-08:00")
    assert w.contains(at(0, 18)) and w.contains(at(1, 7, 59))
    assert w.contains(at(5, 7)), "Friday's night shift runs into Saturday morning"
    assert not w.contains(at(6, 7)), "Saturday starts no shift"
    assert not w.contains(at(0, 7)), "Sunday started no shift, so Monday 07:00 is off"
    assert parse_window("mon-sun 18:00-08:00").contains(at(0, 7))


def test_day_lists_and_wrapping_ranges():
    assert parse_window("sat,mon 09:00-10:00").days == frozenset({5, 0})
    assert parse_window("fri-mon 09:00-10:00").days == frozenset({4, 5, 6, 0})
    assert parse_window("daily 00:00-00:00").contains(at(3, 13))


def test_no_windows_means_always_on_duty():
    assert on_duty((), at(6, 3))
    assert on_duty(("mon 08:00-09:00", "sun 02:00-04:00"), at(6, 3))
    assert not on_duty(("mon 08:00-09:00",), at(6, 3))


@pytest.mark.parametrize("bad", ["weekdays 08:00-18:00", "mon-fri 8-18", "mon 25:00-26:00", "mon 08:00-24:30"])
def test_bad_windows_are_config_errors(bad):
    with pytest.raises(ConfigError, match="on_duty"):
        parse_window(bad, "hub.toml")


def test_quiet_hours_overnight_and_when_they_end():
    q = QuietHours.parse("22:00-08:00")
    assert q.contains(at(0, 23)) and q.contains(at(1, 3)) and not q.contains(at(1, 8))
    assert q.ends_after(at(0, 23)) == at(1, 8)
    assert q.ends_after(at(1, 3)) == at(1, 8)
    assert q.ends_after(at(1, 12)) == at(1, 12)
    assert QuietHours.parse("") is None
    with pytest.raises(ConfigError, match="alerts.quiet_hours"):
        QuietHours.parse("late", "hub.toml")
