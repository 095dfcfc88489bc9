"""Clocks: the hub reads time only through one of these, so replay and tests can move time.

All times are the home's local wall-clock time as naive ``datetime`` objects: the routine is about
the hour of day as the resident lives it, and the canonical event CSV carries no offset. Deadlines
(an escalation, an SMS retry) are compared in UTC (:func:`utc`), and how long something lasted (a
silence, a sensor's quiet) is real time (:func:`elapsed`), so the clocks changing cannot put an
alert off, or bring it on, by an hour.
"""
from __future__ import annotations

import datetime as dt
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    """Something that tells the current local wall-clock time.

    ``zone`` is the zone of that wall time (``None``: the machine's own), so a time given with a
    UTC offset (a device's payload) can be told as this clock would tell it, and a deadline kept
    in UTC (:func:`utc`) compared with it.
    """

    zone: dt.tzinfo | None

    def now(self) -> dt.datetime:
        """Return the current local time (naive)."""
        ...


class SystemClock:
    """The real clock of the machine, to the second, as wall-clock time in ``timezone`` (an IANA
    name such as the home's ``household.timezone``; ``None``: the machine's own zone)."""

    def __init__(self, timezone: str | None = None) -> None:
        self.zone: dt.tzinfo | None = ZoneInfo(timezone) if timezone else None

    def now(self) -> dt.datetime:
        """Return the local time without microseconds (naive)."""
        if self.zone is None:
            return dt.datetime.now().replace(microsecond=0)
        return dt.datetime.now(self.zone).replace(tzinfo=None, microsecond=0)


class ManualClock:
    """A clock that only moves when told to: used by replay and tests.

    Its times are wall-clock times in ``timezone``; without one, in UTC (no summer time, the same
    on every machine). In a zone with summer time, :meth:`advance` moves real time, so the wall
    time jumps as a real clock's does when the clocks change.
    """

    def __init__(self, start: dt.datetime, timezone: str | None = None) -> None:
        self._now = start
        self.zone: dt.tzinfo = ZoneInfo(timezone) if timezone else dt.timezone.utc

    def now(self) -> dt.datetime:
        """Return the time the clock was last set or advanced to."""
        return self._now

    def set(self, when: dt.datetime) -> None:
        """Move the clock to ``when``; it never runs backwards."""
        # in UTC the wall time is the real time (and a replay sets the clock for every reading)
        if elapsed(self._now, when, self.zone) < dt.timedelta(0):
            raise ValueError(f"clock cannot go back from {self._now} to {when}")
        self._now = when

    def advance(self, delta: dt.timedelta) -> dt.datetime:
        """Move the clock forward by ``delta`` of real time and return the new wall time."""
        self._now = later_by(self._now, delta, self.zone)
        return self._now


def wall_time(when: dt.datetime, zone: dt.tzinfo | None) -> dt.datetime:
    """The naive wall-clock time in ``zone`` (``None``: the machine's) of ``when``, a time with a
    UTC offset. In the hour a zone's clocks go back the result's ``fold`` says which pass it is."""
    return when.astimezone(zone).replace(tzinfo=None)


def utc(when: dt.datetime, zone: dt.tzinfo | None) -> dt.datetime:
    """The naive UTC time of ``when``, a naive wall-clock time in ``zone`` (``None``: the machine's).

    Deadlines are kept in UTC: a wall-clock deadline set just before the clocks go back would come
    an hour late. In the hour that repeats, ``when.fold`` (set by the clocks here) says which pass.
    """
    if zone is dt.timezone.utc:  # a replay's clock: already UTC, and a busy home's state asks per reading
        return when
    aware = when.replace(tzinfo=zone) if zone is not None else when.astimezone()
    return aware.astimezone(dt.timezone.utc).replace(tzinfo=None)


def from_utc(when: dt.datetime, zone: dt.tzinfo | None) -> dt.datetime:
    """The naive wall-clock time in ``zone`` of ``when``, a naive UTC time (the reverse of :func:`utc`)."""
    return wall_time(when.replace(tzinfo=dt.timezone.utc), zone)


def elapsed(earlier: dt.datetime, later: dt.datetime, zone: dt.tzinfo | None) -> dt.timedelta:
    """The real time from ``earlier`` to ``later``, two naive wall-clock times in ``zone``.

    Subtracting wall-clock times is an hour off across the clocks changing: a night's silence
    would look an hour longer in spring (an alert too soon) and shorter in autumn (too late).
    """
    if zone is dt.timezone.utc:  # a replay's clock: the wall time is the real time, and this is hot
        return later - earlier
    return utc(later, zone) - utc(earlier, zone)


def later_by(when: dt.datetime, delta: dt.timedelta, zone: dt.tzinfo | None) -> dt.datetime:
    """The wall-clock time in ``zone`` ``delta`` of real time after ``when`` (the reverse of :func:`elapsed`)."""
    if zone is dt.timezone.utc:
        return when + delta
    return from_utc(utc(when, zone) + delta, zone)
