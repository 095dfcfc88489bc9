"""The ``Alert`` a detector raises: what deviated, how serious it is, and the evidence.

This is the Alert JSON contract (``time``, ``kind``, ``technical``, ``household``, ``severity``,
``message``, ``evidence``) shared by detection, the uplink, routing and the panel. Its lifecycle
(notified, acknowledged, resolved) lives in ``alerts/``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("critical", "high", "medium", "low")


@dataclass(frozen=True)
class Alert:
    """A deviation worth telling a person about.

    ``condition`` names the condition (``inactivity``, ``sensor_offline:hall_pir``) so that the same
    unresolved condition is not raised twice; ``evidence`` holds the figures behind ``message``.
    """

    time: dt.datetime
    household: str
    kind: str
    severity: str
    message: str
    technical: bool = False
    condition: str = ""
    evidence: dict[str, Any] = field(default_factory=dict, compare=False)

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
        )
