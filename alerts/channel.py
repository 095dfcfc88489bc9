"""The interface every SMS channel implements (Twilio for real, the console in the demo).

A channel sends one message and says what the provider did with it. It raises
:class:`~hub.errors.DeliveryError` telling whether a retry can help (``permanent``) and whether the
provider may have accepted the message anyway (``maybe_sent``); the outbox decides what to do.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class SentMessage:
    """The provider accepted a message: its id (Twilio's ``SM...`` sid) and first status."""

    sid: str
    status: str = "queued"


class Channel(Protocol):
    """Something that can send an SMS."""

    name: str

    def send(self, to: str, body: str, status_callback: str = "") -> SentMessage:
        """Send ``body`` to ``to``; raise :class:`~hub.errors.DeliveryError` when it fails."""
        ...

    def find_sent(self, to: str, body: str, since: dt.datetime) -> str | None:
        """The sid of a message with this body the provider already holds for ``to``, else ``None``.

        Used after a restart to learn whether a send that was under way went out. Raises
        :class:`~hub.errors.DeliveryError` when the provider cannot be asked.
        """
        ...
