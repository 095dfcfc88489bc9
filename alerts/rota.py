"""On-duty windows and quiet hours: when a person may be told, and when a technical alert waits.

A window is ``"<days> <HH:MM>-<HH:MM>"``: days are ``mon-fri``, ``sat-sun``, ``mon,wed,fri``, ``daily``
or one day; ``24:00`` ends at midnight. A window whose end is not after its start runs overnight
and belongs to the day it starts on: ``"fri 18:00-08:00"`` covers Friday evening to Saturday 08:00.
Times are the home's local wall-clock time, like every time in the hub.

>>> w = parse_window("mon-fri 18:00-08:00")
>>> w.contains(dt.datetime(2024, 3, 9, 7, 0))   # Saturday 07:00, still Friday's night shift
True
>>> w.contains(dt.datetime(2024, 3, 10, 7, 0))  # Sunday 07:00: Saturday starts no shift
False
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from hub.errors import ConfigError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WINDOW = re.compile(r"^\s*(?P<days>[a-z,\-]+)\s+(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})\s*$")


@dataclass(frozen=True)
class Window:
    """Minutes ``start``..``end`` after midnight on each of ``days`` (0=Monday); overnight when end <= start."""

    days: frozenset[int]
    start: int
    end: int
    text: str

    def contains(self, when: dt.datetime) -> bool:
        """Whether ``when`` falls inside this window."""
        minute = when.hour * 60 + when.minute
        today, yesterday = when.weekday(), (when.weekday() - 1) % 7
        if self.end > self.start:
            return today in self.days and self.start <= minute < self.end
        # overnight: the evening part today, or the morning part of a shift that began yesterday
        return (today in self.days and minute >= self.start) or (yesterday in self.days and minute < self.end)


def _minutes(text: str, source: str) -> int:
    hours, minutes = (int(p) for p in text.split(":"))
    if not (0 <= hours <= 24 and 0 <= minutes < 60) or (hours == 24 and minutes):
        raise ConfigError(source, "on_duty", f"bad time {text!r} (expected HH:MM, 00:00-24:00)")
    return hours * 60 + minutes


def _days(text: str, source: str) -> frozenset[int]:
    if text in ("daily", "all", "every"):
        return frozenset(range(7))
    days: set[int] = set()
    for part in text.split(","):
        first, _, last = part.partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise ConfigError(source, "on_duty", f"bad days {text!r} (expected e.g. mon-fri, sat,sun, daily)")
        a, b = DAYS.index(first), DAYS.index(last or first)
        days.update((a + i) % 7 for i in range((b - a) % 7 + 1))
    return frozenset(days)


def parse_window(text: str, source: str = "<rota>") -> Window:
    """Parse ``"mon-fri 08:00-18:00"``; a bad window is a :class:`~hub.errors.ConfigError`."""
    m = _WINDOW.match(text.lower())
    if not m:
        raise ConfigError(source, "on_duty", f"bad on-duty window {text!r} (expected e.g. 'mon-fri 08:00-18:00')")
    start, end = _minutes(m["start"], source), _minutes(m["end"], source)
    if start == end:
        end = start + 24 * 60 if start == 0 else end  # "00:00-00:00": the whole day
    return Window(_days(m["days"], source), start, end, text)


def on_duty(windows: Iterable[str], when: dt.datetime) -> bool:
    """Whether a person with these windows is on duty at ``when`` (no windows: always)."""
    windows = list(windows)
    return not windows or any(parse_window(w).contains(when) for w in windows)


@dataclass(frozen=True)
class QuietHours:
    """Hours when technical alerts (low battery, sensor offline) wait for morning; ``"22:00-08:00"``."""

    start: int
    end: int

    @classmethod
    def parse(cls, text: str, source: str = "<config>") -> QuietHours | None:
        """``None`` for an empty setting (no quiet hours)."""
        if not text.strip():
            return None
        m = re.match(r"^\s*(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*$", text)
        if not m:
            raise ConfigError(source, "alerts.quiet_hours", f"got {text!r}, expected HH:MM-HH:MM like 22:00-08:00")
        try:
            return cls(_minutes(m[1], source), _minutes(m[2], source))
        except ConfigError as err:
            raise ConfigError(source, "alerts.quiet_hours", err.problem) from err

    def contains(self, when: dt.datetime) -> bool:
        """Whether ``when`` is inside the quiet hours."""
        minute = when.hour * 60 + when.minute
        if self.start < self.end:
            return self.start <= minute < self.end
        return minute >= self.start or minute < self.end

    def ends_after(self, when: dt.datetime) -> dt.datetime:
        """When the quiet hours holding ``when`` end (``when`` itself if it is not quiet)."""
        if not self.contains(when):
            return when
        end = when.replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(minutes=self.end)
        return end if end > when else end + dt.timedelta(days=1)
