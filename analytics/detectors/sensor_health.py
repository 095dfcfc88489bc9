"""``sensor_offline`` and ``battery_low``: alerts about the equipment, never about the resident.

A sensor is offline when it says so (availability 0) or when it has been silent ``factor`` times
longer than its own longest silence in the history, and at least ``floor_hours``. A sensor that
is silent while every other sensor is silent too is a quiet home, not a broken sensor: that is
for the resident's detectors. A battery below ``battery_pct`` is low.
"""
from __future__ import annotations

from analytics.detectors import Context, Finding
from analytics.explain import duration, moment, sms_text
from analytics.routine import Routine


class SensorHealth:
    """Technical findings: a sensor offline or silent far beyond its normal, a low battery."""

    def __init__(self, routine: Routine, *, factor: float = 2.0, floor_hours: float = 24.0,
                 battery_pct: float = 15.0) -> None:
        self.longest = dict(routine.sensor_max_silence)
        self.limit_min = {s: max(factor * m, floor_hours * 60) for s, m in routine.sensor_max_silence.items()}
        self.floor_min = floor_hours * 60
        self.battery_pct = battery_pct

    def check(self, ctx: Context) -> list[Finding]:
        """Findings for each unavailable, long-silent or low-battery sensor."""
        s, now = ctx.state, ctx.now
        found = []
        for sensor, since in s.unavailable.items():
            msg = f"Sensor {sensor} went offline at {moment(since, now)}. Check its power and radio link."
            found.append(Finding(f"sensor_offline:{sensor}", "sensor_offline", "low", sms_text(msg), technical=True,
                                 evidence={"sensor": sensor, "since": since.isoformat(), "reason": "unavailable"}))
        newest = max(s.last_report.values(), default=None)
        for sensor, last in s.last_report.items():
            silent = (now - last).total_seconds() / 60
            limit = self.limit_min.get(sensor, self.floor_min)
            if silent < limit or sensor in s.unavailable:
                continue
            if newest is not None and (now - newest).total_seconds() / 60 >= limit / 2:
                continue  # everything is silent: a quiet home, judged by the resident's detectors
            before = self.longest.get(sensor)
            usual = f" (its longest silence before was {duration(before)})" if before is not None else ""
            msg = f"Sensor {sensor} has sent nothing for {duration(silent)}{usual}. Check its battery and placement."
            found.append(Finding(f"sensor_offline:{sensor}", "sensor_offline", "low", sms_text(msg), technical=True,
                                 evidence={"sensor": sensor, "last_report": last.isoformat(),
                                           "silent_min": round(silent), "limit_min": round(limit)}))
        for sensor, pct in s.battery.items():
            if pct < self.battery_pct:
                msg = f"Battery of sensor {sensor} is at {pct:.0f}%. Replace it soon."
                found.append(Finding(f"battery_low:{sensor}", "battery_low", "low", sms_text(msg), technical=True,
                                     evidence={"sensor": sensor, "battery_pct": pct}))
        return found
