"""Fixtures of the analytics tests: a learned routine of a constructed resident, and replay."""
from __future__ import annotations

import datetime as dt

import pytest

from analytics.replay import replay
from analytics.routine import Routine, learn
from tests.analytics import homes


@pytest.fixture(scope="session")
def history() -> list:
    """Three weeks of a constructed resident's ordinary days (seeded)."""
    return homes.history(21)


@pytest.fixture(scope="session")
def routine(history) -> Routine:
    """The routine learned from :func:`history`."""
    return learn(history, "test-home")


@pytest.fixture
def run_day(history):
    """Replay one constructed day after the history; returns the alerts raised that day."""
    day = homes.START + dt.timedelta(days=21)

    def run(kind: str, until_hours: float = 24) -> list:
        events = homes.incident_day(kind, day)
        until = dt.datetime.combine(day, dt.time()) + dt.timedelta(hours=until_hours)
        return list(replay(history, events, until, household="test-home"))
    return run
