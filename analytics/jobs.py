"""The nightly jobs of the hub as plain functions (the scheduler only wires them).

``retrain`` learns the routine from the stored history and saves it; ``summarise_days`` fills the
core ``daily_summaries`` table for the panel. Both take the store, the clock and paths, so tests
call them directly with a :class:`~hub.clock.ManualClock`.
"""
from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from analytics.days import daily_summary, write_daily_summaries
from analytics.modelstore import save_routine
from analytics.routine import KEEP_DAYS, Routine, learn
from hub.clock import Clock
from hub.errors import ModelError
from hub.store import Store

log = logging.getLogger(__name__)


def retrain(store: Store, clock: Clock, model_dir: str | Path, household: str,
            days: int = KEEP_DAYS) -> Routine:
    """Learn the routine from the last ``days`` days before today's midnight and save it."""
    today = dt.datetime.combine(clock.now().date(), dt.time())
    events = [e for e in store.events(since=today - dt.timedelta(days=days), until=today, household=household)
              if e.is_activity or e.kind in ("battery", "availability")]
    if not any(e.is_activity for e in events):
        raise ModelError(f"no stored events for household {household!r} before {today:%Y-%m-%d}: nothing to learn")
    routine = learn(events, household)
    path = save_routine(routine, model_dir)
    log.info("retrained routine for %s from %d days (%d events) -> %s", household, routine.n_days, len(events), path)
    return routine


def summarise_days(store: Store, clock: Clock, household: str, days: int = 2) -> int:
    """Write ``daily_summaries`` for the last ``days`` finished days; return rows written."""
    today = clock.now().date()
    summaries = []
    for back in range(days, 0, -1):
        day = today - dt.timedelta(days=back)
        midnight = dt.datetime.combine(day, dt.time())
        evs = store.events(since=midnight - dt.timedelta(hours=2), until=midnight + dt.timedelta(hours=37),
                           household=household)
        summaries.append(daily_summary(evs, day, household))
    return write_daily_summaries(store, summaries)
