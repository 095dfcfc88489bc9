"""The live hub's detection set-up: which routine a starting hub watches with."""
from __future__ import annotations

import datetime as dt
import json

from analytics.jobs import retrain
from analytics.routine import KEEP_DAYS, learn
from hub.clock import ManualClock
from hub.detection import relearn_for, routine_for
from tests.analytics import homes


def _learned(routine) -> str:
    """A routine's content, comparable (its figures hold NaN for hours not yet lived)."""
    return json.dumps(routine.to_payload(), sort_keys=True)


def test_a_hub_started_on_an_imported_history_watches_as_after_its_first_night(store, tmp_path):
    """No saved routine yet (a new hub, or one it refused): the one learned at start-up is the one
    the nightly job will learn, from the same weeks (not a shorter window, not today's half day)."""
    days = KEEP_DAYS + 14
    store.add_events(homes.history(days))
    noon = ManualClock(dt.datetime.combine(homes.START + dt.timedelta(days=days), dt.time(12)))
    store.add_events(homes.incident_day("normal", noon.now().date())[:40])  # this morning so far
    started = routine_for(store, noon, tmp_path / "models", "")
    assert started.n_days == KEEP_DAYS
    assert _learned(started) == _learned(retrain(store, noon, tmp_path / "nightly", ""))
    # once saved, the hub's own file is what a restart uses
    assert _learned(routine_for(store, noon, tmp_path / "nightly", "")) == _learned(started)


def test_a_hub_relearns_from_its_store_without_a_dead_sensor(store):
    """What the engine judges the resident by while a sensor is dead: the nightly job's weeks from
    the store, that sensor left out (``Engine`` calls it when a sensor is reported offline)."""
    store.add_events(homes.history(21))
    clock = ManualClock(dt.datetime.combine(homes.START + dt.timedelta(days=21), dt.time(12)))
    without = relearn_for(store, clock, "")(frozenset({"kitchen_pir"}))
    assert "kitchen_pir" not in without.sensor_kinds and "hall_pir" in without.sensor_kinds
    history = [e for e in homes.history(21) if e.sensor != "kitchen_pir"]
    assert _learned(without) == _learned(learn(history, ""))
