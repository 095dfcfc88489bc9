"""Run a long-lived service (the hub, the office) until SIGTERM or Ctrl-C, then stop it cleanly."""
from __future__ import annotations

import logging
import signal
import threading

log = logging.getLogger(__name__)


def serve_until_signalled(service, *, panel: bool, name: str) -> int:
    """Start ``service``, wait for SIGTERM/SIGINT, stop it; return the exit code."""
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    service.start(panel=panel)
    try:
        stopping.wait()
    finally:
        log.info("stopping the %s", name)
        service.stop()
    return 0
