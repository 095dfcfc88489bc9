"""The nightly jobs of the hub as plain functions (the scheduler only wires them).

``retrain`` learns the routine from the stored history and saves it; ``train_novelty`` fits the
day-level second opinion in a worker process and ``check_yesterday`` scores the day just ended
with it; ``summarise_days`` fills the core ``daily_summaries`` table for the panel. They take the
store, the clock and paths, so tests call them directly with a :class:`~hub.clock.ManualClock`.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection
from pathlib import Path

import numpy as np

from analytics.days import DailySummary, daily_summary, write_daily_summaries
from analytics.explain import sms_text, who_cap
from analytics.modelstore import save_routine
from analytics.history_stats import DAY_START_HOUR
from analytics.routine import KEEP_DAYS, Routine, learn
from analytics.summaries import Arrivals
from hub.alert import Alert
from hub.clock import Clock
from hub.errors import ModelError
from hub.events import Event
from hub.store import Store

log = logging.getLogger(__name__)


def learning_history(store: Store, clock: Clock, household: str, days: int = KEEP_DAYS) -> list[Event]:
    """What a routine is learned from: the stored readings of the last ``days`` days before today's
    midnight (the nightly job's window, and the one ``eldercare replay`` learns from)."""
    today = dt.datetime.combine(clock.now().date(), dt.time())
    return store.events(since=today - dt.timedelta(days=days), until=today, household=household)


def retrain(store: Store, clock: Clock, model_dir: str | Path, household: str,
            days: int = KEEP_DAYS) -> Routine:
    """Learn the routine from the last ``days`` days before today's midnight and save it."""
    events = learning_history(store, clock, household, days)
    if not any(e.is_activity for e in events):
        raise ModelError(f"no stored events for household {household!r} before {clock.now():%Y-%m-%d}: "
                         "nothing to learn")
    routine = learn(events, household)
    path = save_routine(routine, model_dir)
    log.info("retrained routine for %s from %d days (%d events) -> %s", household, routine.n_days, len(events), path)
    return routine


def train_novelty(model_dir: str | Path, household: str) -> Path | None:
    """Fit the day-level novelty model in a short-lived worker from the saved routine (None when
    there are too few days yet); scikit-learn never enters the hub's own process."""
    from analytics.novelty import train_in_worker

    try:
        return train_in_worker(model_dir, household)
    except ModelError as err:
        log.info("novelty model for %s not trained: %s", household, err)
        return None


def check_yesterday(store: Store, clock: Clock, model_dir: str | Path, household: str,
                    name: str = "") -> Alert | None:
    """Second opinion after midnight: an ``unusual_day`` alert (low severity) when the day that
    ended at 06:00 is unlike the household's days under the saved novelty model, else None."""
    from analytics.novelty import FEATURES, day_features, load_novelty

    model = load_novelty(model_dir, household)
    now = clock.now()
    end = dt.datetime.combine(now.date(), dt.time(DAY_START_HOUR))
    if now < end:
        end -= dt.timedelta(days=1)
    day_start = end - dt.timedelta(days=1, hours=DAY_START_HOUR)
    events = store.events(since=day_start - dt.timedelta(days=1), until=end, household=household)
    routine = learn(events, household, drop_absent=False, until=end)
    day = (end - dt.timedelta(days=1)).date()
    if day.isoformat() not in routine.days:
        return None
    x = day_features(routine)[routine.days.index(day.isoformat())][None, :]
    if np.isnan(x).any():
        return None
    if not model.unusual(x)[0]:
        return None
    z = (x[0] - model.center) / model.scale
    worst = [FEATURES[i] for i in np.argsort(-np.abs(z))[:2]]
    msg = sms_text(f"{who_cap(name)}'s day on {day:%d %b} was unlike the last {model.n_train} days "
                   f"(most different: {', '.join(w.replace('_', ' ') for w in worst)}). Worth a call.")
    return Alert(time=now, household=household, kind="unusual_day", severity="low", message=msg,
                 condition=f"unusual_day:{day.isoformat()}",
                 evidence={"score": round(float(model.score(x)[0]), 2), "threshold": round(model.threshold, 2),
                           "z": {f: round(float(v), 2) for f, v in zip(FEATURES, z)}})


def summarise_days(store: Store, clock: Clock, household: str, days: int = 2,
                   self_running: Collection[str] = ()) -> list[DailySummary]:
    """Write ``daily_summaries`` for the last ``days`` finished days, and again for every earlier
    day (with readings of its own) whose summary the readings stored since the last run change:
    delivered late, an imported history. ``self_running`` appliances are not counted as activity.
    Returns the days written."""
    today = clock.now().date()
    last_days = {today - dt.timedelta(days=back) for back in range(1, days + 1)}
    arrivals = Arrivals(store, household, "daily")
    # a day's summary reads from 22:00 the evening before to 13:00 the next day (``daily_summary``)
    touched = {h.date() + dt.timedelta(days=d) for h in arrivals.hours
               for d in (-1 if h.hour < 13 else 0, 0, 1 if h.hour >= 22 else 0)}
    summaries = []
    for day in sorted(d for d in last_days | touched if d < today):
        midnight = dt.datetime.combine(day, dt.time())
        evs = store.events(since=midnight - dt.timedelta(hours=2), until=midnight + dt.timedelta(hours=37),
                           household=household)
        if day in last_days or any(midnight <= e.time < midnight + dt.timedelta(days=1) for e in evs):
            summaries.append(daily_summary(evs, day, household, self_running))
    write_daily_summaries(store, summaries)
    arrivals.taken()
    return summaries
