"""The path every reading takes: commit it to the store, then hand it to whoever watches.

Sources (GPIO sensors, the simulated home, MQTT ingestion) never call detectors directly: they
submit events here. Listeners (the detection engine, the demo's live view) only ever see events
that are already committed, one call at a time, and a failing listener is logged without stopping
ingestion or the other listeners.
"""
from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable, Sequence

from hub.events import Event
from hub.store import Store

log = logging.getLogger(__name__)

Listener = Callable[[Sequence[Event]], None]


class EventPipeline:
    """Stores events and fans the newly stored ones out to listeners."""

    def __init__(self, store: Store, listeners: Sequence[Listener] = ()) -> None:
        self._store = store
        self._listeners: list[Listener] = list(listeners)
        # Detectors keep state; events from the MQTT thread, GPIO threads and the simulator must
        # reach them one batch at a time.
        self._lock = threading.Lock()

    def add_listener(self, listener: Listener) -> None:
        """Also hand newly stored events to ``listener``."""
        self._listeners.append(listener)

    def submit(self, events: Sequence[Event]) -> int:
        """Commit ``events`` (repeats are dropped), notify listeners, return how many were new."""
        # each reading's id is worked out once here, not again by the check and the store
        events = sorted((e if e.source_id else dataclasses.replace(e, source_id=e.natural_key()) for e in events),
                        key=lambda e: e.time)
        with self._store.transaction() as conn:
            seen: set[str] = set()
            for i in range(0, len(events), 500):
                ids = [e.source_id for e in events[i:i + 500]]
                marks = ",".join("?" * len(ids))
                seen.update(r[0] for r in conn.execute(
                    f"SELECT source_id FROM events WHERE source_id IN ({marks})", ids))
            fresh = []
            for e in events:
                if e.source_id not in seen:
                    seen.add(e.source_id)
                    fresh.append(e)
            self._store.add_events(fresh, conn=conn)
        self.notify(fresh)
        return len(fresh)

    def submit_one(self, event: Event) -> None:
        """Convenience for sources that produce one reading at a time (a GPIO edge)."""
        self.submit([event])

    def notify(self, events: Sequence[Event]) -> None:
        """Hand already committed events to every listener (used by MQTT ingest after its commit)."""
        if not events:
            return
        with self._lock:
            for listener in self._listeners:
                try:
                    listener(events)
                except Exception:  # a broken listener must never stop ingestion
                    log.exception("listener %r failed on %d events", listener, len(events))
