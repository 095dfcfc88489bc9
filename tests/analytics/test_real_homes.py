"""The detectors on the real development homes (skipped where shared/data is absent)."""
from __future__ import annotations

import datetime as dt

import pytest

from analytics.replay import replay
from analytics.routine import learn
from hub.csvio import read_events
from tests.conftest import SHARED

DATA = SHARED / "data"


def load(name):
    path = DATA / name
    if not path.exists():
        pytest.skip(f"real home {path} is absent (it lives in shared/data, never in the repo)")
    return sorted(read_events(path), key=lambda e: e.time)


def test_stopped_day_in_a_real_home_is_caught():
    events = load("kasteren_c.csv")
    day = dt.datetime(2008, 12, 3)
    history = [e for e in events if e.time < day]
    stop = max(e.time for e in events if day <= e.time < day + dt.timedelta(hours=10)
               and e.value > 0 and "door" not in e.sensor)
    today = [e for e in events if day <= e.time <= stop]
    alerts = [a for a in replay(history, today, stop + dt.timedelta(hours=12)) if not a.technical]
    assert alerts, "everything stopped for 12 h in a real home and nothing was raised"
    assert stop < alerts[0].time <= stop + dt.timedelta(hours=12)
    assert alerts[0].kind in ("inactivity", "low_activity")


def test_real_routine_has_plausible_get_up_times():
    events = load("kasteren_a.csv")
    routine = learn([e for e in events if e.time < dt.datetime(2008, 3, 10)])
    assert routine.n_days >= 10
    assert all(0 <= w < 13 * 60 for w in routine.wake_minutes)
