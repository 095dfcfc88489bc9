"""Detectors: one deviation each, judged against the resident's own learned routine.

A detector is built once from a :class:`~analytics.routine.Routine` (deriving its thresholds) and
then asked, on every event and every clock tick, which of its conditions hold right now. It
returns :class:`Finding` objects; the engine turns a newly holding condition into an ``Alert`` and
forgets it when it stops holding, so the same condition never alerts twice until it clears.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from analytics.history_stats import SLOT_MIN, SLOTS
from analytics.routine import Routine
from analytics.state import HomeState
from hub.clock import later_by
from hub.config import DetectionConfig


@dataclass(frozen=True)
class Finding:
    """A condition that holds now, with what to tell a person about it."""

    condition: str
    kind: str
    severity: str
    message: str
    technical: bool = False
    evidence: dict[str, Any] = field(default_factory=dict)
    #: raise this condition at most once, even if it clears and holds again (per-day conditions)
    once: bool = False
    #: still holding (an alert raised for it stays raised) but no longer true as told: never
    #: raised from now on (a silence broken by a reading or two, not yet clearly over)
    stale: bool = False
    #: when the condition began (``Alert.since``): a new beginning is a new alert downstream
    since: dt.datetime | None = None


@dataclass(frozen=True)
class Context:
    """What a detector looks at: the live state, the time, and who lives here."""

    state: HomeState
    now: dt.datetime
    name: str = ""
    #: conditions raised and not cleared since: told already, whatever the detector was rebuilt from
    raised: AbstractSet[str] = frozenset()

    def minutes_since(self, when: dt.datetime) -> float:
        """Real minutes from ``when`` (a wall-clock time) to now, however the clocks changed between
        (in the zone the state's times are in, ``HomeState.zone``)."""
        return self.state.minutes_between(when, self.now)

    def minutes_from_now(self, minutes: float) -> dt.datetime:
        """The wall-clock time ``minutes`` of real time from now."""
        return later_by(self.now, dt.timedelta(minutes=minutes), self.state.zone)


class Detector(Protocol):
    """Something that says which of its conditions hold now."""

    def check(self, ctx: Context) -> list[Finding]:
        """Return the findings that hold at ``ctx.now`` (empty when all is normal)."""
        ...


def minute_of_day(t: dt.datetime) -> float:
    """Minutes after midnight, with seconds as a fraction."""
    return t.hour * 60 + t.minute + t.second / 60


def slot_of(t: dt.datetime) -> int:
    """The 5-minute slot of the day ``t`` falls in."""
    return int(minute_of_day(t) // SLOT_MIN) % SLOTS


def windowed_max(matrix: np.ndarray, half_width: int) -> np.ndarray:
    """Per row, the max over slots within ``half_width`` of each slot, across midnight too."""
    if matrix.size == 0:
        return matrix
    flat = matrix.ravel()
    out = flat.copy()
    for k in range(1, half_width + 1):
        out[k:] = np.maximum(out[k:], flat[:-k])
        out[:-k] = np.maximum(out[:-k], flat[k:])
    return out.reshape(matrix.shape)


def shrink(n_days: int, full: int = 28, most: float = 1.0) -> float:
    """How much to widen a learned limit when the history is short: 1 at ``full`` days or more,
    up to ``1 + most`` with no history (the maximum of a few days underestimates the true one)."""
    return 1.0 + most * min(1.0, max(0.0, (full - n_days) / full))


def resident_detectors(routine: Routine, config: DetectionConfig | None = None) -> list[Detector]:
    """The detectors about the resident, built from one routine and the care organisation's settings."""
    from analytics.detectors.appliance_on import ApplianceOn
    from analytics.detectors.inactivity import Inactivity
    from analytics.detectors.low_activity import LowActivity
    from analytics.detectors.night_activity import NightActivity
    from analytics.detectors.no_wake import NoWake

    config = config or DetectionConfig()
    return [Inactivity(routine, budget_per_30d=config.inactivity_budget_per_30d), NoWake(routine),
            LowActivity(routine), NightActivity(routine), ApplianceOn(routine)]


def default_detectors(routine: Routine, config: DetectionConfig | None = None) -> list[Detector]:
    """Every detector the hub runs: the resident's, then the equipment's (``SensorHealth``)."""
    from analytics.detectors.sensor_health import SensorHealth

    return [*resident_detectors(routine, config), SensorHealth(routine)]
