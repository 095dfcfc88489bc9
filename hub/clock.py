"""Clocks: the hub reads time only through one of these, so replay and tests can move time.

All times are the home's local wall-clock time as naive ``datetime`` objects: the routine is about
the hour of day as the resident lives it, and the canonical event CSV carries no offset.
"""
from __future__ import annotations

import datetime as dt
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current local wall-clock time."""

    def now(self) -> dt.datetime:
        """Return the current local time (naive)."""
        ...


class SystemClock:
    """The real clock of the machine, in local time, to the second."""

    def now(self) -> dt.datetime:
        """Return the machine's local time without microseconds."""
        return dt.datetime.now().replace(microsecond=0)


class ManualClock:
    """A clock that only moves when told to: used by replay and tests."""

    def __init__(self, start: dt.datetime) -> None:
        self._now = start

    def now(self) -> dt.datetime:
        """Return the time the clock was last set or advanced to."""
        return self._now

    def set(self, when: dt.datetime) -> None:
        """Move the clock to ``when``; it never runs backwards."""
        if when < self._now:
            raise ValueError(f"clock cannot go back from {self._now} to {when}")
        self._now = when

    def advance(self, delta: dt.timedelta) -> dt.datetime:
        """Move the clock forward by ``delta`` and return the new time."""
        self._now += delta
        return self._now
