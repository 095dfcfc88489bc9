"""Helpers shared by the payload decoders: parsing JSON and numbers strictly, and trusting a
device's own timestamp only when it is plausible.

Every helper raises :class:`~hub.errors.DecodeError` with a reason a person can act on; the
ingest quarantines the payload with that reason.
"""
from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

from hub.clock import wall_time
from hub.config import DeviceConfig
from hub.errors import DecodeError
from hub.events import Event

#: A device time later than reception by more than this is a wrong device clock.
MAX_CLOCK_AHEAD = dt.timedelta(minutes=2)
#: A device time older than this is not a queued reading but an unset clock (1970) or a stale one.
MAX_QUEUE_AGE = dt.timedelta(hours=24)


def json_object(payload: bytes) -> dict[str, Any]:
    """The payload as a JSON object, or :class:`DecodeError`."""
    try:
        data = json.loads(payload)
    except (UnicodeDecodeError, ValueError) as err:
        raise DecodeError(f"payload is not JSON: {_preview(payload)}") from err
    if not isinstance(data, dict):
        raise DecodeError(f"expected a JSON object, got {type(data).__name__}: {_preview(payload)}")
    return data


def text(payload: bytes) -> str:
    """The payload as stripped UTF-8 text, or :class:`DecodeError`."""
    try:
        return payload.decode("utf-8").strip()
    except UnicodeDecodeError as err:
        raise DecodeError(f"payload is not UTF-8 text: {_preview(payload)}") from err


def number(value: Any, what: str, low: float = -math.inf, high: float = math.inf) -> float:
    """A finite number within ``[low, high]`` (bools and numeric strings are refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                raise DecodeError(f"{what} is not a number: {value!r}") from None
        else:
            raise DecodeError(f"{what} is not a number: {value!r}")
    value = float(value)
    if not math.isfinite(value) or not low <= value <= high:
        raise DecodeError(f"{what} {value!r} is out of range {low:g}..{high:g}")
    return value


def flag(value: Any, what: str, true: str = "true", false: str = "false") -> bool:
    """A boolean given as JSON true/false or as the words ``true``/``false`` (case-insensitive)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in (true.lower(), false.lower()):
        return value.strip().lower() == true.lower()
    raise DecodeError(f"{what} must be {true}/{false}, got {value!r}")


def payload_time(raw: Any, received: dt.datetime, zone: dt.tzinfo | None = None) -> dt.datetime:
    """The device's own local time if it is trustworthy, else the hub's reception time.

    A device time is used only when it is ISO 8601, not ahead of the hub by more than
    :data:`MAX_CLOCK_AHEAD` and not older than :data:`MAX_QUEUE_AGE` (a reading queued at the
    broker while the hub was down keeps its real time; a Tasmota without NTP says 1970 and is
    ignored). A naive time is the home's wall time; a time with a UTC offset is converted to the
    wall time in ``zone``, the hub clock's (``None``: the machine's), which ``received`` is in.
    """
    if not isinstance(raw, str):
        return received
    try:
        when = dt.datetime.fromisoformat(raw)
    except ValueError:
        return received
    if when.tzinfo is not None:
        when = wall_time(when, zone)
    if received - MAX_QUEUE_AGE <= when <= received + MAX_CLOCK_AHEAD:
        return when
    return received


def event(device: DeviceConfig, kind: str, value: float, when: dt.datetime, household: str,
          sensor: str | None = None, room: str | None = None, source: str = "") -> Event:
    """An event from ``device`` (its sensor name and room unless overridden).

    ``source`` identifies the delivery (the ingest gives each message a unique one); a message
    holds at most one reading per kind, so ``<source>:<kind>`` is unique. Without a source the
    event's natural key is its id.
    """
    return Event(when, sensor or device.sensor, kind, value, device.room if room is None else room, household,
                 f"{source}:{kind}" if source else "")


def _preview(payload: bytes, limit: int = 80) -> str:
    """A short printable form of a payload for error messages."""
    shown = payload[:limit].decode("utf-8", "replace")
    return repr(shown + ("…" if len(payload) > limit else ""))
