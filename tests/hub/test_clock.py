"""The clocks: wall-clock time in a zone, and real time across the clocks changing."""
from __future__ import annotations

import datetime as dt

import pytest

from hub.clock import ManualClock, from_utc, utc


def test_a_manual_clock_in_a_zone_with_summer_time_moves_as_a_real_clock_does():
    spring = ManualClock(dt.datetime(2026, 3, 29, 0, 50), "Europe/London")
    assert spring.advance(dt.timedelta(minutes=15)) == dt.datetime(2026, 3, 29, 2, 5)  # 01:00 never came
    autumn = ManualClock(dt.datetime(2026, 10, 25, 1, 50), "Europe/London")
    second = autumn.advance(dt.timedelta(minutes=15))
    assert (second, second.fold) == (dt.datetime(2026, 10, 25, 1, 5), 1)  # 01:00 to 02:00 again
    autumn.set(dt.datetime(2026, 10, 25, 1, 30, fold=1))  # later, though the wall clock's figure went down
    with pytest.raises(ValueError, match="cannot go back"):
        autumn.set(dt.datetime(2026, 10, 25, 1, 40))  # the first 01:40 is before the second 01:30


def test_utc_and_back_keep_which_pass_of_the_repeated_hour():
    london = ManualClock(dt.datetime(2026, 1, 1), "Europe/London").zone
    first, second = dt.datetime(2026, 10, 25, 1, 30), dt.datetime(2026, 10, 25, 1, 30, fold=1)
    assert utc(first, london) == dt.datetime(2026, 10, 25, 0, 30)  # summer time: UTC+1
    assert utc(second, london) == dt.datetime(2026, 10, 25, 1, 30)
    assert from_utc(utc(second, london), london).fold == 1
    assert ManualClock(dt.datetime(2026, 10, 25, 1, 30)).zone is dt.timezone.utc  # no zone: the same everywhere
