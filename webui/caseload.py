"""The caseload: a user's households ordered by who needs attention first, and why.

Need is judged from open alerts (by severity, unacknowledged first), a hub that has gone quiet
(on the office: its status is "offline", or it sent nothing, for longer than
``office.hub_offline_after_minutes``; elsewhere: no data for :data:`HUB_SILENT_AFTER`), sensor
faults, and today's activity against the person's usual by this hour. Each household gets a
:class:`CaseloadEntry` with a need level (lower is more urgent) and the reasons in words.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from alerts.book import UNRESOLVED, AlertBook, AlertRecord
from alerts.directory import Household
from hub import office_state
from hub.alert import SEVERITIES
from hub.store import Store
from webui import activity, sensors

#: a hub with no data for this long is reported offline (where the office has no status for it)
HUB_SILENT_AFTER = dt.timedelta(hours=6)
#: today's activity below this share of the usual (by this hour) is worth a look...
LOW_ACTIVITY_SHARE = 0.5
#: ...once the usual by this hour is at least this many minutes (early morning says little)
MIN_USUAL_MINUTES = 30

LEVELS = {
    0: ("now", "Needs attention now"),
    1: ("now", "Needs attention now"),
    2: ("today", "Check today"),
    3: ("today", "Check today"),
    4: ("watch", "Keep an eye on"),
    5: ("watch", "Keep an eye on"),
    6: ("ok", "As usual"),
}


@dataclass(frozen=True)
class Reason:
    """Why a household is where it is in the list; ``level`` as in :data:`LEVELS`."""

    level: int
    text: str
    severity: str = ""


@dataclass(frozen=True)
class CaseloadEntry:
    """One household on the caseload with everything the list shows about it."""

    household: Household
    open_alerts: list[AlertRecord]
    last_data: dt.datetime | None
    hub_offline: bool
    sensor_problems: list[sensors.SensorHealth]
    active_so_far: int
    usual_so_far: float | None
    reasons: list[Reason] = field(default_factory=list)
    #: when the hub went offline or silent, when the office knows it (``hub_status``)
    hub_offline_since: dt.datetime | None = None

    @property
    def level(self) -> int:
        """How urgent, 0 (now) .. 6 (as usual)."""
        return min((r.level for r in self.reasons), default=6)

    @property
    def level_class(self) -> str:
        """A short word for styling: now, today, watch, ok."""
        return LEVELS[self.level][0]

    @property
    def level_label(self) -> str:
        """The urgency in words."""
        return LEVELS[self.level][1]

    @property
    def oldest_open(self) -> dt.datetime | None:
        """When the oldest unresolved alert as urgent as the household's level was raised (a lingering
        low battery alert must not put a new fall ahead of another household's older one)."""
        return min((a.raised_at for a in self.open_alerts if _alert_reason(a).level == self.level), default=None)

    def to_json(self) -> dict:
        """Plain data for the JSON API."""
        return {
            "household": self.household.id, "name": self.household.name, "level": self.level,
            "level_label": self.level_label,
            "reasons": [r.text for r in self.reasons],
            "open_alerts": [{"id": a.id, "severity": a.alert.severity, "kind": a.alert.kind, "state": a.state,
                             "message": a.alert.message} for a in self.open_alerts],
            "last_data": self.last_data.isoformat(timespec="seconds") if self.last_data else None,
            "hub_offline": self.hub_offline,
            "hub_offline_since": self.hub_offline_since.isoformat(timespec="seconds")
            if self.hub_offline_since else None,
            "sensor_problems": [s.to_json() for s in self.sensor_problems],
            "active_so_far": self.active_so_far, "usual_so_far": self.usual_so_far,
        }


def build_caseload(store: Store, book: AlertBook, households: Iterable[Household], now: dt.datetime,
                   usual: activity.UsualCache | None = None,
                   hub_offline_after: dt.timedelta = office_state.DEFAULT_OFFLINE_AFTER,
                   zone: dt.tzinfo | None = dt.timezone.utc) -> list[CaseloadEntry]:
    """The households ordered by need: most urgent first, then longest-waiting alert, then name.

    Pass a long-lived ``usual`` cache so each household's usual day is computed once an hour.
    ``hub_offline_after`` is how long an office waits before calling a hub that said "offline", or
    went silent, offline; ``zone`` is that of ``now`` (the panel clock's), to reckon it in real time.
    """
    households = list(households)
    open_alerts: dict[str, list[AlertRecord]] = {h.id: [] for h in households}
    for record in book.list(households=open_alerts, states=UNRESOLVED, limit=10_000):
        open_alerts[record.household].append(record)
    entries = [_entry(store, h, open_alerts[h.id], now, usual, hub_offline_after, zone) for h in households]
    far_future = dt.datetime.max
    return sorted(entries, key=lambda e: (e.level, e.oldest_open or far_future, e.household.name.lower()))


def _entry(store: Store, household: Household, alerts: list[AlertRecord], now: dt.datetime,
           usual: activity.UsualCache | None, hub_offline_after: dt.timedelta,
           zone: dt.tzinfo | None) -> CaseloadEntry:
    alerts = sorted(alerts, key=lambda a: (a.state != "open", SEVERITIES.index(a.alert.severity), a.raised_at))
    last = activity.last_data_time(store, household.id)
    status = office_state.hub_status(store, household.id)
    down_since = status.down_since(now, hub_offline_after, zone) if status is not None else None
    offline = down_since is not None if status is not None else (last is None or now - last > HUB_SILENT_AFTER)
    problems = [s for s in sensors.sensor_health(store, household.id, now, alerts) if s.problem]
    today = activity.today_against_usual(store, household.id, now, usual)
    reasons = [_alert_reason(a) for a in alerts]
    if down_since is not None:
        reasons.append(Reason(2, f"Hub offline since {_clock(down_since, now)}"))
    elif offline:
        reasons.append(Reason(2, "No data from the hub yet" if last is None
                              else f"No data from the hub for {_hours(now - last)}"))
    usual = today["usual_so_far"]
    if not offline and usual is not None and usual >= MIN_USUAL_MINUTES and \
            today["so_far"] < LOW_ACTIVITY_SHARE * usual:
        reasons.append(Reason(4, f"Quieter than usual today: {today['so_far']} active minutes so far, "
                                 f"usually {usual:.0f} by {now.hour:02d}:00"))
    for s in problems:
        reasons.append(Reason(5, f"Sensor {s.sensor}: {s.problem}"))
    return CaseloadEntry(household, alerts, last, offline, problems, today["so_far"], usual, reasons, down_since)


def _alert_reason(record: AlertRecord) -> Reason:
    severity = record.alert.severity
    rank = SEVERITIES.index(severity)  # critical 0 .. low 3
    if record.state == "open" and record.over:  # the resident was seen again: checking can wait a little
        level = (3, 3, 5, 5)[rank]
        text = f"Not yet taken: {record.alert.message} Since: {record.over}"
    elif record.state == "open":
        level = (0, 1, 3, 5)[rank]
        text = f"Not yet taken: {record.alert.message}"
    else:
        level = (3, 3, 5, 5)[rank]
        text = f"Taken by {record.acknowledged_by}: {record.alert.message}"
    return Reason(level, text, severity)


def _clock(when: dt.datetime, now: dt.datetime) -> str:
    """'09:12' today, '3 Mar 09:12' on another day."""
    return f"{when:%H:%M}" if when.date() == now.date() else f"{when.day} {when:%b %H:%M}"


def _hours(delta: dt.timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.0f} hours" if hours < 48 else f"{hours / 24:.0f} days"
