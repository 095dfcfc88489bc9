"""``appliance_on``: an appliance on far longer than it usually stays on.

The limit is ``factor`` times this appliance's usual long use (its 75th percentile on-time),
never below ``floor_min`` nor above ``ceiling_min``; an appliance with no history gets
``prior_min``. An appliance that is often on past that limit in normal life (``often_uses``
times or more in its history: typically a reed switch on an appliance door that is left open)
cannot tell a left-on appliance from a door left open, so alerting on it would mean false alarms:
past the longest on-time ever seen it is reported as a technical ``sensor_stuck`` for the
equipment to be checked, not as an emergency. With nobody moving for
``still_min`` the limit is halved, but not below ``still_floor_min`` (an hour) nor below the
longest on-time seen in normal life (under ``stuck_hours``; a long film watched without moving is
no alarm): a cooker left on by someone who has stopped moving is the dangerous case, and may be
the first sign of a fall.

A new hub that has learned nothing yet does not judge an appliance that was on from the first
reading it heard (a current clamp on the mains at installation: how long it has been on is
unknown); the first nightly retrain learns such a meter as running by itself.

No cooking or washing appliance runs for ``stuck_hours``: an appliance whose limit is that long
(it is on for days in normal life) reports a stuck sensor (``sensor_stuck``, technical) instead,
so the carers are not woken for what is the equipment's fault.
"""
from __future__ import annotations

import datetime as dt

import numpy as np

from analytics.detectors import Context, Finding
from analytics.explain import duration, moment, sensor_called, sms_text, thing, who
from analytics.routine import Routine


class ApplianceOn:
    """An appliance switched on and not switched off for far longer than usual."""

    def __init__(self, routine: Routine, *, factor: float = 4.0, floor_min: float = 120.0,
                 ceiling_min: float = 5 * 60, prior_min: float = 120.0, still_min: float = 30.0,
                 often_uses: int = 2, stuck_hours: float = 12.0, still_floor_min: float = 60.0) -> None:
        self.limits: dict[str, float] = {}
        #: appliances often on past their limit in normal life: (times, uses)
        self.often_long: dict[str, tuple[int, int]] = {}
        self.usual: dict[str, float] = {}
        self.longest: dict[str, float] = {}
        self.stuck_min = stuck_hours * 60
        for sensor, mins in routine.appliance_minutes.items():
            if len(mins) >= 3:
                a = np.asarray(mins)
                usual = float(np.quantile(a, 0.75))
                self.usual[sensor] = usual
                # on for longer than any appliance runs is a fault or a door left open, not a use
                self.longest[sensor] = float(a[a < self.stuck_min].max(initial=0.0))
                limit = float(np.clip(usual * factor, floor_min, ceiling_min))
                longer = int(np.sum(a > limit))
                if longer >= often_uses:
                    # often "on" for hours in normal life (a door reed left open): past the limit
                    # this says nothing about the resident; report the sensor, not an emergency.
                    # Once is not often: one fault or one door left open must not silence a stove
                    # left on for good
                    self.often_long[sensor] = (longer, int(a.size))
                    limit = max(limit, float(a.max()) * 1.2)
                self.limits[sensor] = limit
        self.prior, self.still, self.still_floor = prior_min, still_min, still_floor_min
        #: a fridge's cycles are not the resident's use (``Routine.self_running``)
        self.self_running = frozenset(routine.self_running)
        self.learned = routine.n_days > 0
        self._raised: dict[str, tuple[dt.datetime, Finding]] = {}

    def check(self, ctx: Context) -> list[Finding]:
        """One finding per appliance that is past its limit."""
        s, now = ctx.state, ctx.now
        found = []
        for sensor, since in s.appliances_on.items():
            if sensor in self.self_running:
                continue
            if not self.learned and sensor not in self.limits and since <= s.first_heard.get(sensor, since):
                continue  # a new hub, on since it first heard it (a clamp on the mains): on since when?
            held = self._raised.get(sensor)
            if held is not None and held[0] == since:
                found.append(held[1])  # still on since the alert: the same condition holds
                continue
            on_min = ctx.minutes_since(since)
            limit = self.limits.get(sensor, self.prior)
            other = s.last_activation if s.last_activation_sensor != sensor else since
            still = other is not None and ctx.minutes_since(other) >= self.still
            if still:  # but an on-time seen before in normal life is no sign of trouble (a long film)
                limit = max(self.still_floor, limit / 2, self.longest.get(sensor, 0.0))
            if on_min < limit:
                continue
            on_for = f"since {moment(since, now)} ({duration(on_min)})"
            if sensor in self.often_long or limit >= self.stuck_min:
                if sensor in self.often_long:
                    times, uses = self.often_long[sensor]
                    msg = (f"The {sensor_called(sensor, s.rooms.get(sensor, ''))} has reported on {on_for}. "
                           f"It often stays on for hours ({times} of {uses} uses), so it may be left open "
                           f"rather than running. Check the sensor or the appliance.")
                else:
                    msg = (f"The {sensor_called(sensor, s.rooms.get(sensor, ''))} has reported on {on_for}, "
                           f"longer than it ever did. Check the sensor.")
                finding = Finding(f"sensor_stuck:{sensor}", "sensor_stuck", "low", sms_text(msg), technical=True,
                                  since=since,
                                  evidence={"sensor": sensor, "on_since": since.isoformat(),
                                            "on_min": round(on_min), "limit_min": round(limit)})
            else:
                usual = self.usual.get(sensor)
                usual_txt = "" if usual is None else (
                    f"It is usually off within {'a minute' if usual < 1 else duration(usual)}.")
                nobody = " No movement since then." if still and other <= since else ""
                what = thing(sensor, s.rooms.get(sensor, ""))
                msg = f"The {what} has been on {on_for} at {who(ctx.name)}'s home. {usual_txt}{nobody}"
                finding = Finding(f"appliance_on:{sensor}", "appliance_on", "high" if still else "medium",
                                  sms_text(msg.strip()), since=since,
                                  evidence={"sensor": sensor, "on_since": since.isoformat(), "on_min": round(on_min),
                                            "limit_min": round(limit), "usual_min": usual, "nobody_moving": still})
            self._raised[sensor] = (since, finding)
            found.append(finding)
        for sensor in [x for x in self._raised if x not in s.appliances_on]:
            del self._raised[sensor]
        return found
