"""``inactivity``: at home and quiet longer than this person is ever quiet at this time of day.

The limit for each 5-minute slot is the longest quiet spell seen at home within an hour of that
time of day over the history, widened when the history is short, never below ``floor_min`` nor
above ``ceiling_min``. Where the resident was seldom at home at that time of day, the limit is
shrunk towards their all-day figure, since a few days say little.

What the resident did last also says how long the quiet should last: after the fridge or the
toilet something always follows soon, after sitting down on the couch maybe not for hours. For
each sensor seen at least ``follow_min_count`` times by day (07-21), the longest quiet that ever
followed it, times ``follow_factor`` (widened for a short history) plus the margin and at least
``follow_floor_min``, is used when it is shorter than the time-of-day limit.

Sharper still, by day (07-21): what followed this sensor at this hour of day (within an hour
either side), when that was seen at least ``ctx_min_count`` times. Its longest quiet, times
``ctx_factor`` (widened for a short history) plus the margin, at least ``ctx_floor_min``, is the
limit, longer (after sitting down on the couch in the evening) or shorter (after the kettle at
noon) than the time-of-day one. Mats count too: how long this person stays put after sitting
down on the couch at this hour is exactly what this measures.

A further sign shortens the wait: the last thing used was left open or on (a door, a cupboard, a
motion sensor still reporting) far longer than it ever stays so, and nothing has moved since:
someone stopped in the middle of what they were doing. This only applies to sensors that are
hardly ever left on (``open_rare``) and never raises sooner than ``open_floor_min``.

Finally a false-alert budget caps all of these (``analytics/quiet_budget.py``): from this person's
own quiet spells in each context (the sensor used last and the hour), the limit beyond which
quiet spells are expected less often than ``budget_per_30d`` false alerts a month over the whole
home. Where the learned limits above are longer than that (a long evening on the couch that has
never lasted quite so long, a context with plenty of history), the budget's limit decides, and
the message says how rare such quiet is for this person. The budget is one product setting, the
same for every home (``detection.inactivity_budget_per_30d``), not a per-home knob.

A quiet spell begun late in the evening or in the night (22:00-03:00) is the night's sleep: it
is not judged before the resident's usual get-up time (then by the limits above, and by
``no_wake``); a night slept through without the usual visit to the bathroom wakes nobody at 4 a.m.

After the front door (named so, or learned as the way out: ``Routine.exit_sensors``) with
nothing since, the resident is out, not collapsed: then only "not back
by the usual time" is raised, when the absence is longer than any seen before (and at least
``out_floor_min``). Once raised, the alert holds until the home is clearly active again (a
stray reading from one sensor does not re-arm it).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np

from analytics.detectors import Context, Finding, minute_of_day, shrink, slot_of, windowed_max
from analytics.detectors.no_wake import NIGHT_END_HOUR, wake_times
from analytics.explain import day_count, duration, how_rare, last_seen, moment, sms_text, thing, who, who_cap
from analytics.quiet_budget import QuietBudget, Tail
from analytics.history_stats import FOLLOW_FROM_HOUR, FOLLOW_TO_HOUR
from analytics.routine import Routine
from analytics.sensors import is_bed
from analytics.state import HomeState
from hub.config import INACTIVITY_BUDGET_PER_30D

#: with no history: the longest quiet assumed by day (08-22) and at night
PRIOR_DAY_MIN, PRIOR_NIGHT_MIN = 240.0, 600.0
#: kinds of sensor that someone opens by hand and normally closes again
OPENED_BY_HAND = ("door", "contact")
#: activations within 30 minutes that show the home is active again after an alert
RESUMED_ACTIVATIONS = 3
#: a quiet spell begun from this hour until no_wake's night end is the night's sleep
NIGHT_FROM_HOUR = 22


def _since(when: dt.datetime, now: dt.datetime, minutes: float) -> str:
    """``since 10:42 (3 h 05 min)``."""
    return f"since {moment(when, now)} ({duration(minutes)})"


class Inactivity:
    """Quiet at home for longer than ever at this time of day (or out far longer than usual)."""

    def __init__(self, routine: Routine, *, window_slots: int = 12, factor: float = 1.2,
                 margin_min: float = 20.0, floor_min: float = 60.0, ceiling_min: float = 16 * 60,
                 prior_days: float = 3.0, out_floor_min: float = 12 * 60, open_factor: float = 3.0,
                 open_floor_min: float = 30.0, open_rare: float = 0.02, use_open_sign: bool = True,
                 follow_factor: float = 1.2, follow_floor_min: float = 60.0, follow_min_count: int = 20,
                 ctx_min_count: int = 20, ctx_factor: float = 1.2, ctx_floor_min: float = 75.0,
                 budget_per_30d: float | None = INACTIVITY_BUDGET_PER_30D, budget_floor_min: float = 45.0) -> None:
        self.n_days = routine.n_days
        # no history, or switched off (None): the learned limits alone
        self.budget = (QuietBudget(routine.quiet_spells, routine.spell_counts, routine.n_days,
                                   budget_per_30d=budget_per_30d, floor_min=budget_floor_min, ceiling_min=ceiling_min)
                       if budget_per_30d is not None and routine.n_days > 0 else None)
        k = factor * shrink(routine.n_days)
        per_day = windowed_max(routine.quiet, window_slots)
        home = windowed_max(routine.home, window_slots)
        self.longest, self.limit, self.per_day = self._limits(per_day, home, k, margin_min, floor_min,
                                                              ceiling_min, prior_days)
        outs = [d for _, d in routine.out_durations]
        self.longest_out = max(outs, default=0.0)
        self.out_limit = max(out_floor_min, 1.5 * self.longest_out)
        # sensors hardly ever left on: [uses, p50, p95, p99, max]
        self.open_limit: dict[str, float] = {}
        if use_open_sign:
            for sensor, (uses, _p50, _p95, p99, _mx) in routine.on_minutes.items():
                kind = routine.sensor_kinds.get(sensor, "")
                if kind not in OPENED_BY_HAND or is_bed(sensor, kind):
                    continue  # a mat or motion sensor held on means someone is there
                if uses >= 10 and p99 * open_factor < open_floor_min:
                    self.open_limit[sensor] = open_floor_min
        # what usually follows each sensor by day: after the fridge something always happens soon,
        # after the couch mat not; only sensors seen often enough, and only a shortening
        self.after_limit: dict[str, float] = {}
        self.after_usual: dict[str, tuple[int, float]] = {}
        for sensor, (count, _p90, longest) in routine.follow_minutes.items():
            kind = routine.sensor_kinds.get(sensor, "")
            if count >= follow_min_count and not is_bed(sensor, kind):
                limit = max(follow_floor_min, longest * follow_factor * shrink(routine.n_days) + margin_min)
                self.after_limit[sensor] = limit
                self.after_usual[sensor] = (int(count), longest)
        # what followed each sensor at this hour of day (+-1 h): the sharpest context when it was
        # seen often enough; it may lengthen the limit (after the couch) as well as shorten it
        self.ctx_min_count, self.ctx_factor = ctx_min_count, ctx_factor * shrink(routine.n_days)
        self.ctx_margin, self.ctx_floor, self.ceiling = margin_min, ctx_floor_min, ceiling_min
        self.by_hour: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for sensor, rows in routine.follow_by_hour.items():
            a = np.asarray(rows, dtype=float).reshape(24, 2)
            self.by_hour[sensor] = (a[:, 0], a[:, 1])
        self.usual_wake_min = wake_times(routine).median
        #: the last activity before the silence already raised
        self._raised_for: dt.datetime | None = None
        #: the "since 10:42 (3 h 05 min)" told when it was raised, brought up to date while it holds
        self._raised_since = ""

    @staticmethod
    def _limits(per_day, home, k, margin_min, floor_min, ceiling_min, prior_days):
        """(longest quiet at home per slot, shrunk where seldom home; limit per slot; days used)."""
        if per_day.size == 0:  # no history yet: a cautious population prior
            minutes = np.arange(per_day.shape[1] if per_day.ndim == 2 else 288) * 5
            longest = np.where((minutes >= 8 * 60) & (minutes < 22 * 60), PRIOR_DAY_MIN, PRIOR_NIGHT_MIN)
            return longest, np.clip(longest + margin_min, floor_min, ceiling_min), per_day
        longest = per_day.max(axis=0)
        home_days = home.sum(axis=0)
        overall = float(np.quantile(longest, 0.75))
        w = home_days / (home_days + prior_days)
        longest = np.maximum(longest, w * longest + (1 - w) * overall)
        return longest, np.clip(longest * k + margin_min, floor_min, ceiling_min), per_day

    def _context(self, sensor: str, when: dt.datetime) -> tuple[float, int, float] | None:
        """(limit, times seen, longest quiet) after ``sensor`` within an hour of ``when``'s hour of
        day, when seen at least ``ctx_min_count`` times; None otherwise."""
        if sensor not in self.by_hour or not FOLLOW_FROM_HOUR <= when.hour < FOLLOW_TO_HOUR:
            return None  # by day only: at night a quiet spell is sleep, judged by time of day
        hours = [(when.hour + d) % 24 for d in (-1, 0, 1)]
        rows = self.by_hour[sensor]
        n = float(rows[0][hours].sum())
        if n < self.ctx_min_count:
            return None
        longest = float(rows[1][hours].max())
        limit = float(np.clip(longest * self.ctx_factor + self.ctx_margin, self.ctx_floor, self.ceiling))
        return limit, int(n), longest

    def _check_budget(self, ctx: Context, quiet: float, last: str, limit: float, tail: Tail) -> list[Finding]:
        """Raise when the quiet spell is longer than the false-alert budget allows in its context."""
        if quiet < limit:
            return []
        s = ctx.state
        rare = how_rare(tail.per_30d(quiet))
        detail = (f" {last_seen(last, s.last_activation_room)} For {who(ctx.name)}, quiet this long after that at "
                  f"this time of day is expected {rare} (from the last {day_count(self.n_days)}).")
        return self._raise(ctx, quiet, limit, detail, budget=True, budget_per_30d=self.budget.budget,
                           expected_per_30d=round(tail.per_30d(quiet), 4), spells_per_day=round(tail.per_day, 2),
                           tail_scale_min=round(tail.sigma, 1))

    def _raise(self, ctx: Context, quiet: float, limit: float, detail: str, **evidence) -> list[Finding]:
        """Raise the silence ("No movement at home since ...", then ``detail``) and hold it until the
        home is active again."""
        s = ctx.state
        since = _since(s.last_activation, ctx.now, quiet)
        msg = f"No movement at home {since}.{detail}"
        severity = "critical" if 7 * 60 <= minute_of_day(s.last_activation) < 22 * 60 else "high"
        self._raised = Finding("inactivity", "inactivity", severity, sms_text(msg), evidence={
            "last_activity": s.last_activation.isoformat(), "quiet_min": round(quiet), "limit_min": round(limit),
            "days": self.n_days, "last_sensor": s.last_activation_sensor, "last_room": s.last_activation_room,
            **evidence}, since=s.last_activation)
        self._raised_for, self._raised_since = s.last_activation, since
        return [self._raised]

    def _still_raised(self, ctx: Context) -> Finding:
        """The finding already raised, its time and duration brought up to ``now``: the engine
        hands it on late when another silence alert held it back (no_wake until evening), unless
        the resident has moved since (then it is only held, not to be told)."""
        f, since = self._raised, self._raised_for
        quiet = ctx.minutes_since(since)
        message = sms_text(f.message.replace(self._raised_since, _since(since, ctx.now, quiet), 1))
        return replace(f, message=message, evidence={**f.evidence, "quiet_min": round(quiet)},
                       stale=ctx.state.last_activation != since)

    def _asleep(self, since: dt.datetime, now: dt.datetime) -> bool:
        """Whether a quiet spell begun at ``since`` is the night's sleep and the resident is not
        usually up yet."""
        if NIGHT_END_HOUR <= since.hour < NIGHT_FROM_HOUR:
            return False
        morning = since.date() + dt.timedelta(days=1 if since.hour >= NIGHT_FROM_HOUR else 0)
        up = dt.datetime.combine(morning, dt.time()) + dt.timedelta(minutes=self.usual_wake_min)
        return now < up

    def _resumed(self, s: HomeState, now: dt.datetime) -> bool:
        return s.activations_recently(now) >= RESUMED_ACTIVATIONS

    def check(self, ctx: Context) -> list[Finding]:
        """Raise when the current quiet spell has passed this time of day's limit."""
        s, now = ctx.state, ctx.now
        if s.last_activation is None:
            return []
        if self._raised_for is not None and not self._resumed(s, now):
            return [self._still_raised(ctx)]
        self._raised_for = None
        quiet = ctx.minutes_since(s.last_activation)
        if s.out:
            if quiet < self.out_limit:
                return []
            usual = (f"The longest time away in the last {day_count(self.n_days)} was {duration(self.longest_out)}."
                     if self.n_days else f"Nothing learned of {who(ctx.name)}'s outings yet.")
            msg = (f"{who_cap(ctx.name)} went out at {moment(s.last_front, now)} and is not back after "
                   f"{duration(quiet)}. {usual}")
            return [Finding("not_back", "not_back", "medium", sms_text(msg), since=s.last_front,
                            evidence={"out_since": s.last_front.isoformat(), "away_min": round(quiet),
                                      "longest_away_min": round(self.longest_out)})]
        if self._asleep(s.last_activation, now):
            return []
        slot = slot_of(now)
        longest, limits, days = self.longest, self.limit, self.per_day
        limit = float(limits[slot])
        last = s.last_activation_sensor
        left_open = last in self.open_limit and last in s.on_since
        if left_open:
            limit = min(limit, self.open_limit[last])
        after = (last in self.after_limit and not left_open
                 and FOLLOW_FROM_HOUR * 60 <= minute_of_day(s.last_activation) < FOLLOW_TO_HOUR * 60
                 and self.after_limit[last] < limit)
        if after:
            limit = self.after_limit[last]
        seen = None if left_open else self._context(last, s.last_activation)
        if seen is not None:
            limit, after = seen[0], False
        if self.budget is not None and not left_open:
            capped, tail = self.budget.limit(last, s.last_activation.hour)
            if capped < limit:
                return self._check_budget(ctx, quiet, last, capped, tail)
        if quiet < limit:
            return []
        usual = float(longest[slot])
        within = int(np.sum(days[:, slot] <= usual)) if days.size else 0
        n = days.shape[0] if days.ndim == 2 else 0
        where = thing(last, s.last_activation_room)
        opened = f" The {where} was left open at {moment(s.on_since[last], now)}." if left_open else ""
        seen_at = last_seen(last, s.last_activation_room)
        if seen is not None:
            context = (f"{seen_at} After that at this time of day {who(ctx.name)} always moved again within "
                       f"{duration(seen[2])} (last {day_count(self.n_days)}).")
        elif after:
            _count, longest_after = self.after_usual[last]
            context = (f"{seen_at} After that by day {who(ctx.name)} always moved again within "
                       f"{duration(longest_after)} (last {day_count(self.n_days)}).")
        elif n == 0:  # a new install: nothing learned yet to compare with
            context = (f"{seen_at} Nothing learned of {who(ctx.name)}'s routine yet: {duration(limit)} "
                       f"without movement at this time of day is the starting limit.")
        else:
            context = (f"{seen_at} On {within} of the last {day_count(n)} {who(ctx.name)} moved within "
                       f"{duration(usual)} at this time of day.")
        return self._raise(ctx, quiet, limit, f"{opened} {context}", usual_max_min=round(usual), left_open=left_open,
                           after_last_sensor=after or seen is not None)
