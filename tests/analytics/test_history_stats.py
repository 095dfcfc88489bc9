"""The statistics of a history's activations, checked against the live state's own rules."""
from __future__ import annotations

import datetime as dt
import random

import numpy as np

from analytics.history_stats import wake_minute
from analytics.state import HomeState
from hub.events import Event


def test_the_learned_get_up_time_is_the_one_the_live_rule_sees():
    """No_wake compares today's live get-up time with learned ones: both rules must give the same
    minute on the same morning, whatever the seconds and however the quarters of the hour fill."""
    midnight = dt.datetime(2024, 3, 4)
    for seed in range(150):
        rng = random.Random(seed)
        times = []
        t = midnight + dt.timedelta(hours=3, seconds=rng.randint(0, 3 * 3600))
        while t < midnight + dt.timedelta(hours=13):
            times.append(t)
            t += dt.timedelta(seconds=rng.choice([rng.randint(20, 600), rng.randint(600, 2400)]))
        state = HomeState(started=midnight)
        for when in times:
            state.update(Event(when, "kitchen_pir", "motion", 1.0))
            state.update(Event(when + dt.timedelta(seconds=5), "kitchen_pir", "motion", 0.0))
        learned = wake_minute(np.array([(x - midnight).total_seconds() / 60 for x in times]), 0.0)
        assert state.up_for_day is not None, seed
        assert learned == (state.up_for_day - midnight).total_seconds() / 60, seed
