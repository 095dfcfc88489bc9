"""A channel that prints each SMS instead of sending it: the demo, and any hub without Twilio
credentials. What it prints is the product's output, so it writes to an injected stream."""
from __future__ import annotations

import datetime as dt
import sys
import uuid
from typing import TextIO

from alerts.channel import SentMessage


class ConsoleChannel:
    """Print ``SMS to <number>: <text>`` on ``stream`` (default standard output)."""

    name = "console"

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream if stream is not None else sys.stdout

    def send(self, to: str, body: str, status_callback: str = "") -> SentMessage:
        """Print the message and call it sent."""
        sid = f"console-{uuid.uuid4().hex[:16]}"  # unique across restarts: the outbox keys on sids
        print(f"SMS to {to}: {body}", file=self._stream, flush=True)
        return SentMessage(sid, "sent")

    def find_sent(self, to: str, body: str, since: dt.datetime) -> str | None:
        """A printed line cannot be looked up after a restart: always ``None`` (print again)."""
        return None
