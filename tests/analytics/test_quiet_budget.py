"""The false-alert budget for quiet spells: respected on normal days, fires on a collapse, cautious
when the history is short."""
from __future__ import annotations

import datetime as dt
import functools
import math
import random

import numpy as np
import pytest

from analytics.detectors.inactivity import Inactivity
from analytics.engine import Engine
from analytics.modelstore import load_routine, save_routine
from analytics.quiet_budget import QuietBudget, Tail
from analytics.replay import drive
from analytics.routine import Routine, learn
from hub.clock import ManualClock
from tests.analytics import homes

DAY = homes.START + dt.timedelta(days=21)
MIDNIGHT = dt.datetime.combine(DAY, dt.time())

#: learned limits pushed out of the way, so the budget alone decides
BUDGET_ONLY = functools.partial(Inactivity, floor_min=900, ceiling_min=960, follow_min_count=10**6,
                                ctx_min_count=10**6, use_open_sign=False)


def budget_of(routine: Routine, per_30d: float = 2.0) -> QuietBudget:
    return QuietBudget(routine.quiet_spells, routine.spell_counts, routine.n_days, budget_per_30d=per_30d)


def run(routine, history, events, until, **budget):
    clock = ManualClock(history[-1].time)
    engine = Engine(routine, clock, household="test-home", detectors=[BUDGET_ONLY(routine, **budget)])
    engine.prime(history)
    return list(drive(engine, clock, sorted(events, key=lambda e: e.time), until))


def test_limits_spend_the_budget_and_no_more(routine):
    for per_30d in (0.5, 2.0, 6.0):
        budget = budget_of(routine, per_30d)
        assert budget.expected_per_30d() <= per_30d * 1.001
    # a larger budget never gives longer limits
    assert np.all(budget_of(routine, 6.0).limits <= budget_of(routine, 0.5).limits)


def test_budget_respected_on_normal_days_after_the_history(routine, history):
    # 10 further ordinary days (another seed): 2 a month allows well under one; none is raised
    rng = random.Random(17)
    days = [DAY + dt.timedelta(days=i) for i in range(10)]
    events = [e for d in days for e in homes.normal_day(d, rng)]
    alerts = run(routine, history, events, MIDNIGHT + dt.timedelta(days=10))
    assert [a for a in alerts if a.time >= MIDNIGHT] == []
    # the budget is what holds them back: at 1000 a day every limit falls to its context's own
    # long-spell threshold (or the floor), far below the limits a budget of 2 a month allows
    lavish, strict = budget_of(routine, 30000.0), budget_of(routine, 2.0)
    seen = strict.per_day > 0
    assert np.allclose(lavish.limits[seen], np.clip(lavish.u[seen], 45.0, None))
    assert (strict.limits[seen] - lavish.limits[seen]).mean() > 30


def test_budget_limit_fires_on_a_collapse_day(routine, history):
    events = homes.incident_day("collapse", DAY)
    alerts = [a for a in run(routine, history, events, MIDNIGHT + dt.timedelta(hours=24)) if a.time >= MIDNIGHT]
    assert alerts and alerts[0].kind == "inactivity" and alerts[0].evidence["budget"] is True
    stop = max(e.time for e in events)
    assert dt.timedelta(minutes=45) <= alerts[0].time - stop <= dt.timedelta(hours=4)
    assert "is expected less than once a year" in alerts[0].message or "months" in alerts[0].message
    assert alerts[0].evidence["expected_per_30d"] < 2.0


def test_budget_caps_the_learned_limits_only_where_they_are_longer(routine, history):
    detector = Inactivity(routine)
    assert detector.budget is not None
    # the constructed resident's learned context limit (about 75 min) is shorter than the budget's:
    # the collapse is still caught by the learned one
    clock = ManualClock(history[-1].time)
    engine = Engine(routine, clock, household="test-home", detectors=[detector])
    engine.prime(history)
    events = homes.incident_day("collapse", DAY)
    alerts = [a for a in drive(engine, clock, events, MIDNIGHT + dt.timedelta(hours=24)) if a.time >= MIDNIGHT]
    assert alerts and "budget" not in alerts[0].evidence
    assert alerts[0].time - max(e.time for e in events) <= dt.timedelta(minutes=80)
    assert Inactivity(routine, budget_per_30d=None).budget is None


def test_short_history_is_cautious(history):
    short = learn([e for e in history if e.time < dt.datetime.combine(homes.START + dt.timedelta(days=4), dt.time())])
    full = learn(history)
    b_short, b_full = budget_of(short), budget_of(full)
    by_day = range(8, 21)
    for sensor in ("kitchen_pir", "living_pir", "hall_pir"):
        s_lim = np.mean([b_short.limit(sensor, h)[0] for h in by_day])
        f_lim = np.mean([b_full.limit(sensor, h)[0] for h in by_day])
        assert s_lim > f_lim


def test_unseen_context_gets_the_hours_cautious_limit(routine):
    budget = budget_of(routine)
    limit, tail = budget.limit("garage_door_9", 14)
    assert limit >= 45 and tail.per_day == 1.0
    seen_limit, _ = budget.limit("kitchen_pir", 14)
    assert limit >= seen_limit


def test_tail_counts_rarer_spells_for_longer_quiet():
    tail = Tail(per_day=10.0, p=0.1, sigma=30.0, u=40.0, alpha=10.0)
    assert tail.per_30d(40) == 30.0
    assert tail.per_30d(100) < tail.per_30d(70) < tail.per_30d(40)


def test_a_tail_known_from_few_spells_makes_no_strong_claims():
    """The exponential for many excesses; from four, a spell far beyond any seen is still thought
    possible (eight days cannot show that something happens less than once a year)."""
    few, many = (Tail(per_day=10.0, p=0.1, sigma=30.0, u=40.0, alpha=a) for a in (4.0, 10_000.0))
    assert many.per_30d(200) == pytest.approx(30.0 * math.exp(-160 / 30), rel=0.01)
    assert few.per_30d(200) > 5 * many.per_30d(200)
    assert few.per_30d(40) == many.per_30d(40) == 30.0


def test_each_limit_costs_what_its_context_was_given(routine):
    """The limits invert the predictive tail: a context's expected false alerts at its limit are
    its share of the budget, wherever the limit is not held by the floor or ceiling."""
    budget = budget_of(routine)
    free = (budget.limits > 45.0) & (budget.limits < 960.0) & (budget.per_day > 0)
    weight = budget.per_day * budget.sigma
    share_30d = 2.0 * weight / weight.sum()
    assert free.sum() > 10
    for i, h in zip(*np.nonzero(free)):
        sensor = next(s for s, k in budget.sensors.items() if k == i)
        limit, tail = budget.limit(sensor, int(h))
        assert tail.per_30d(limit) == pytest.approx(share_30d[i, h], rel=1e-6)


def test_spells_survive_a_save_and_load(routine, tmp_path):
    path = save_routine(routine, tmp_path)
    back = load_routine(path)
    assert back.quiet_spells == routine.quiet_spells and back.spell_counts == routine.spell_counts
    assert np.array_equal(budget_of(back).limits, budget_of(routine).limits)
