"""The hub's native JSON format for custom devices (an ESP32, a script, another hub).

Topic: ``eldercare/<household>/sensor/<sensor>`` (QoS 1). ``<sensor>`` is the sensor's name; a
device entry in the config with this topic may set its ``room`` and default ``kind``, but none is
needed: the hub subscribes to ``eldercare/<household>/sensor/+``.

Payload: one JSON object, or a JSON list of them (a device that buffered readings offline)::

    {"kind": "motion", "value": 1, "time": "2024-03-04T08:00:00", "room": "hall", "battery": 87}

- ``kind`` (string): one of motion, door, contact, pressure, flush, appliance, light, power,
  battery, availability. Optional when the device is configured (its ``kind`` is used).
- ``value`` (number or true/false): 1/0 for binary sensors (1 = motion, open, on), watts for
  ``power``, lux for ``light``, percent for ``battery``, 1/0 online/offline for ``availability``.
- ``time`` (optional): the reading's local wall-clock time, ISO 8601 without offset (an offset is
  converted to local time). Used when plausible (not more than 2 min ahead of the hub, not more
  than 24 h old); otherwise, and when absent, the hub's time at reception.
- ``room`` (optional): used when the config does not give the sensor a room.
- ``battery`` (optional, 0-100): also records a ``battery`` reading for the sensor.

Anything else in the object is ignored. A bad object makes the whole message a
:class:`~hub.errors.DecodeError` (quarantined, nothing of it stored).
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

from hardware.decoders.common import event, number, payload_time
from hub.config import DeviceConfig
from hub.errors import DecodeError
from hub.events import KINDS, Event

#: Values allowed per kind (binary kinds take 0..1, levels take 0..limit).
_LIMITS = {"battery": 100.0, "power": 100_000.0, "light": 200_000.0}


def topic_prefix(household: str) -> str:
    """``eldercare/<household>/sensor/``: native sensors publish below it."""
    return f"eldercare/{household}/sensor/"


def subscriptions(household: str) -> list[str]:
    """The one wildcard subscription covering every native sensor of the household."""
    return [topic_prefix(household) + "+"]


def decode(topic: str, payload: bytes, device: DeviceConfig, received: dt.datetime,
           household: str = "", source: str = "", zone: dt.tzinfo | None = None) -> list[Event]:
    """Events from one native message (see the module docstring for the format)."""
    try:
        data = json.loads(payload)
    except (UnicodeDecodeError, ValueError) as err:
        raise DecodeError("native payload is not JSON") from err
    items = data if isinstance(data, list) else [data]
    if not items:
        raise DecodeError("native payload is an empty list")
    events: list[Event] = []
    for i, item in enumerate(items):
        where = f"item {i}: " if isinstance(data, list) else ""
        try:
            events.extend(_decode_item(item, device, received, household, f"{source}.{i}" if source else "", zone))
        except DecodeError as err:
            raise DecodeError(f"{where}{err}") from err
    return events


def _decode_item(item: Any, device: DeviceConfig, received: dt.datetime, household: str,
                 source: str, zone: dt.tzinfo | None) -> list[Event]:
    if not isinstance(item, dict):
        raise DecodeError(f"expected a JSON object, got {type(item).__name__}")
    kind = item.get("kind") or device.kind
    if not kind:
        raise DecodeError("kind is missing (and the sensor is not configured with one)")
    if kind not in KINDS:
        raise DecodeError(f"kind {kind!r} is not one of {', '.join(sorted(KINDS))}")
    if "value" not in item:
        raise DecodeError("value is missing")
    raw = item["value"]
    value = float(raw) if isinstance(raw, bool) else number(raw, "value", 0, _LIMITS.get(kind, 1.0))
    when = payload_time(item.get("time"), received, zone)
    room = device.room or str(item.get("room", "") or "")
    events = [event(device, kind, value, when, household, room=room, source=source)]
    if item.get("battery") is not None:
        battery = number(item["battery"], "battery", 0, 100)
        events.append(event(device, "battery", battery, when, household, room=room, source=source))
    return events
