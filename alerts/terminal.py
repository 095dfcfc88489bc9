"""Taking alerts from the terminal in the demo: type ``OK 42`` (or ``42``) and press Enter.

The demo prints each SMS it would send (see :mod:`alerts.console_channel`); this is the other half,
so someone watching the demo can answer like a social worker would. It reads an injected line
stream (``sys.stdin`` in the demo) and writes replies to an injected output stream.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import TextIO

from alerts.service import parse_code
from hub.errors import EldercareError

log = logging.getLogger(__name__)


def answer_line(service, line: str, by: str = "terminal") -> str:
    """Act on one typed line and return what to show; blank lines return ``""``."""
    line = line.strip()
    if not line:
        return ""
    try:
        before = service.book.get(parse_code(line))
        record = service.acknowledge_from_terminal(line, by=by) if before.state == "open" else before
    except EldercareError as err:
        return f"{err}"
    if before.state == "open":
        return f"Alert {record.id} ({service.household_name(record.household)}) taken by {by}."
    return f"Alert {record.id} was already taken by {record.acknowledged_by} via {record.acknowledged_via}."


def read_acknowledgements(service, lines: Iterable[str], out: TextIO, by: str = "terminal") -> None:
    """Answer every line until the stream ends."""
    for line in lines:
        reply = answer_line(service, line, by)
        if reply:
            print(reply, file=out, flush=True)


def start_terminal_acknowledgements(service, lines: Iterable[str], out: TextIO,
                                    by: str = "terminal") -> threading.Thread:
    """Read acknowledgements on a daemon thread (the demo's main thread runs the simulation)."""
    thread = threading.Thread(target=read_acknowledgements, args=(service, lines, out, by),
                              name="terminal-acknowledgements", daemon=True)
    thread.start()
    return thread
