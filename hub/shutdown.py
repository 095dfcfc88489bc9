"""Stopping a running service's parts in order, each on its own: one that fails to stop is
logged and the rest still stop (a hub must never be left half running)."""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

log = logging.getLogger(__name__)


def stop_each(stops: Iterable[Callable[[], object] | None]) -> None:
    """Call every stop function given (``None`` entries, parts never started, are skipped)."""
    for stop in filter(None, stops):
        try:
            stop()
        except Exception:  # one part failing to stop must not keep the others running
            log.exception("stopping %r failed", stop)
