"""The ``Alert`` a detector raises: what deviated, how serious it is, and the evidence.

This is the Alert JSON contract (``time``, ``kind``, ``technical``, ``household``, ``severity``,
``message``, ``evidence``, and ``since`` when the condition has a beginning) shared by detection,
the uplink, routing and the panel. Its lifecycle (notified, acknowledged, resolved) lives in
``alerts/``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from hub.events import parse_time

SEVERITIES = ("critical", "high", "medium", "low")


def _iso(when: dt.datetime | None) -> str | None:
    return when.isoformat(timespec="seconds") if when else None


@dataclass(frozen=True)
class Alert:
    """A deviation worth telling a person about.

    ``condition`` names the condition (``inactivity``, ``sensor_offline:hall_pir``) so that the same
    unresolved condition is not raised twice; ``evidence`` holds the figures behind ``message``.
    ``since`` is when the condition began (the last movement before a silence, an appliance's
    switch-on): raised again by a restarted hub it is the same alert, but a condition begun after
    the last alert about it was raised is a new one, however that alert was left.
    """

    time: dt.datetime
    household: str
    kind: str
    severity: str
    message: str
    technical: bool = False
    condition: str = ""
    evidence: dict[str, Any] = field(default_factory=dict, compare=False)
    since: dt.datetime | None = None

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity {self.severity!r} is not one of {SEVERITIES}")
        if not self.condition:
            object.__setattr__(self, "condition", self.kind)

    def to_json(self) -> dict[str, Any]:
        """The Alert JSON object (as written by replay and sent upstream)."""
        return {
            "time": self.time.isoformat(timespec="seconds"),
            "household": self.household,
            "kind": self.kind,
            "technical": self.technical,
            "severity": self.severity,
            "message": self.message,
            "condition": self.condition,
            "evidence": self.evidence,
            "since": _iso(self.since),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Alert:
        """Rebuild an alert from its JSON object."""
        return cls(
            time=dt.datetime.fromisoformat(data["time"]),
            household=data.get("household", ""),
            kind=data["kind"],
            severity=data.get("severity", "medium"),
            message=data.get("message", ""),
            technical=bool(data.get("technical", False)),
            condition=data.get("condition", ""),
            evidence=dict(data.get("evidence", {})),
            since=parse_time(data.get("since")),
        )


@dataclass(frozen=True)
class AllClear:
    """A condition an alert told of is over: the resident moving again, up, back home, the
    appliance switched off. Nobody knows yet whether the resident is hurt, so the alert stays open
    for a person to close; it is no longer passed up the ladder, and whoever heard of it hears this.

    On the uplink it travels on the alert topic, marked ``"all_clear": true``.
    """

    time: dt.datetime
    household: str
    condition: str
    message: str
    #: when the condition began (``Alert.since``): which alert of that condition this ends
    since: dt.datetime | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON object sent upstream."""
        return {"all_clear": True, "time": _iso(self.time), "household": self.household,
                "condition": self.condition, "message": self.message, "since": _iso(self.since)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AllClear:
        """Rebuild the notice from its JSON object."""
        return cls(time=dt.datetime.fromisoformat(data["time"]), household=data.get("household", ""),
                   condition=data["condition"], message=data.get("message", ""),
                   since=parse_time(data.get("since")))
