"""Live detection for one or more homes: an engine per household, fed by the event pipeline and
by clock ticks, whose alerts go wherever the composition root says (alert service, uplink, screen).

The engines and the replay command are the same code (``analytics.engine.Engine``); only the
clock differs. This module adds what the live hub needs around them: loading the routine the
hub saved, learning a first one from the stored history, and swapping in the nightly retrained
routine without forgetting what the engine has seen today.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from analytics.engine import AllClearSink, Engine, Relearn
from analytics.jobs import learning_history
from analytics.modelstore import load_routine, routine_path
from analytics.routine import Routine, learn
from analytics.state import PRIME_WINDOW
from hub.alert import Alert, AllClear
from hub.clock import Clock
from hub.config import DetectionConfig
from hub.errors import ModelError
from hub.events import Event
from hub.health import last_readings
from hub.store import Store

log = logging.getLogger(__name__)

AlertSink = Callable[[Alert], None]

#: readings older than the latest activation by more than this are too late for live detection
LATE_TOLERANCE = dt.timedelta(minutes=5)


def routine_for(store: Store, clock: Clock, model_dir: str | Path, household: str) -> Routine:
    """The routine this hub saved for ``household``, else one learned now from the stored history.

    It is learned from what the nightly job would learn from (``jobs.learning_history``), so a hub
    started on an imported history watches as it will after its first night. A fresh install has
    no history: the routine then holds no days and the detectors use their cautious population
    defaults until the nightly job has something to learn from.
    """
    path = routine_path(model_dir, household)
    if path.exists():
        try:
            return load_routine(path, model_dir)
        except ModelError:
            log.exception("ignoring the saved routine for %s; relearning from the store", household)
    return learn(learning_history(store, clock, household), household)


def relearn_for(store: Store, clock: Clock, household: str) -> Relearn:
    """How the engine learns ``household``'s routine without the sensors reported offline: from
    what the nightly job learns from, those sensors left out. It runs when a sensor is reported
    offline or a nightly routine comes in while one is (a second or so on a Pi), not per reading."""
    def relearn(dead: frozenset[str]) -> Routine:
        return learn([e for e in learning_history(store, clock, household) if e.sensor not in dead], household)
    return relearn


def recent_for(store: Store, household: str, now: dt.datetime) -> tuple[list[Event], list[Event]]:
    """What a new engine is primed with (``Engine.prime``): every reading of the prime window (the
    current quiet spell, today's activity), and the last reading of each sensor before it."""
    since = now - PRIME_WINDOW
    return store.events(since=since, household=household), last_readings(store, household, since)


class Detection:
    """One detection engine per household; alerts go to ``on_alert`` as they are raised, and the
    news that an alert's condition is over (the resident moving again) to ``on_all_clear``."""

    def __init__(self, on_alert: AlertSink, on_all_clear: AllClearSink | None = None) -> None:
        self._on_alert = on_alert
        self._on_all_clear = on_all_clear
        self._engines: dict[str, Engine] = {}
        # the pipeline, the scheduler tick and the nightly swap run on different threads
        self._lock = threading.RLock()

    @property
    def households(self) -> list[str]:
        """The households being watched."""
        return list(self._engines)

    def watch(self, household: str, routine: Routine, clock: Clock, *, name: str = "",
              recent: Sequence[Event] = (), last_words: Sequence[Event] = (),
              config: DetectionConfig | None = None, relearn: Relearn | None = None) -> Engine:
        """Start watching ``household``; ``recent`` are its last stored events and ``last_words``
        each sensor's last one before them (:func:`recent_for`), so a restart knows the current
        quiet spell and every sensor; ``relearn`` (:func:`relearn_for`) lets it judge the resident
        without a dead sensor."""
        engine = Engine(routine, clock, household=household, name=name, config=config, relearn=relearn,
                        on_all_clear=self._all_clear if self._on_all_clear is not None else None)
        engine.prime(recent, last_words)
        with self._lock:
            self._engines[household] = engine
        return engine

    def use_routine(self, household: str, routine: Routine) -> None:
        """Swap in a retrained routine; what the engine has seen and raised today is kept."""
        with self._lock:
            self._engines[household].use_routine(routine)

    def engine(self, household: str) -> Engine:
        """The engine watching ``household``."""
        return self._engines[household]

    def on_events(self, events: Sequence[Event]) -> None:
        """Pipeline listener: feed committed events to their household's engine."""
        with self._lock:
            for event in events:
                engine = self._engines.get(event.household)
                if engine is None or self._late(engine, event):
                    continue
                try:
                    alerts = engine.on_event(event)
                except Exception:  # the rest of the batch (and other homes) must still be seen
                    log.exception("detection failed on %s for %s", event.sensor, event.household)
                    continue
                self._emit(alerts)

    @staticmethod
    def _late(engine: Engine, event: Event) -> bool:
        """A reading from well before the engine's present (a device's buffered backlog) is
        stored and learned from tonight, but not replayed into today's live state: it would move
        "last seen" back in time and could raise a false inactivity alert."""
        latest = engine.state.last_activation
        if latest is None or event.time >= latest - LATE_TOLERANCE:
            return False
        log.info("not feeding a late %s reading from %s to live detection (now at %s)", event.sensor,
                 event.time, latest)
        return True

    def tick(self) -> None:
        """Run every engine's time-based checks at its clock's current time."""
        with self._lock:
            for household, engine in self._engines.items():
                try:
                    alerts = engine.tick()
                except Exception:  # one home's failure must not stop the others' checks
                    log.exception("detection tick failed for %s", household)
                    continue
                self._emit(alerts)

    def _all_clear(self, notice: AllClear) -> None:
        try:
            self._on_all_clear(notice)
        except Exception:  # delivery trouble must not stop detection
            log.exception("handing on the all clear for %s failed", notice.condition)

    def _emit(self, alerts: Sequence[Alert]) -> None:
        for alert in alerts:
            try:
                self._on_alert(alert)
            except Exception:  # delivery trouble must not stop detection of the next alert
                log.exception("handing on alert %s failed", alert.condition)
