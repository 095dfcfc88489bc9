"""A running service's parts, each on its own: one that fails (to stop, or in a periodic job) is
logged and the rest still go on. A hub must never be left half running, and one failing check
must not hold up the others (an SMS escalation waiting on a broken hub check)."""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

log = logging.getLogger(__name__)


def guarded(what: str, job: Callable[..., object], *args: object) -> None:
    """Run one part of a job; a failure is logged and the job's other parts still run."""
    try:
        job(*args)
    except Exception:
        log.exception("%s failed", what)


def stop_each(stops: Iterable[Callable[[], object] | None]) -> None:
    """Call every stop function given (``None`` entries, parts never started, are skipped)."""
    for stop in filter(None, stops):
        try:
            stop()
        except Exception:  # one part failing to stop must not keep the others running
            log.exception("stopping %r failed", stop)
