"""Zigbee2MQTT payloads: ``zigbee2mqtt/<friendly_name>`` (JSON state) and
``zigbee2mqtt/<friendly_name>/availability``.

State keys understood (others, such as ``linkquality`` and ``voltage``, are ignored):

- ``occupancy`` (PIR, presence, bed mats) -> ``motion`` 1/0 (or the device's kind when it is
  ``pressure``);
- ``contact`` -> ``door`` (or ``contact`` when so configured) with value 1 when **open**:
  Zigbee2MQTT's ``contact: true`` means the magnet is present, i.e. closed;
- ``illuminance`` (Z2M 2.x) or ``illuminance_lux`` (1.x, where ``illuminance`` is the raw
  reading) -> ``light`` level in lux;
- ``power`` (W) -> ``power``; without ``power``, ``state`` ON/OFF -> ``appliance`` 1/0
  (the ingest turns power into appliance on/off with the device's ``on_watts``), or ``light``
  1/0 for a device configured as a ``light`` (a bulb or a wall switch: a lamp switched on is the
  resident's doing, and a lamp on all evening is no appliance left on);
- ``battery`` (%) -> ``battery``.

Availability: ``{"state":"online"}`` (Z2M 2.x) or the legacy plain ``online``/``offline``.
A state payload with none of the keys above is a :class:`~hub.errors.DecodeError` (it would
otherwise vanish silently).
"""
from __future__ import annotations

import datetime as dt
import math

from hardware.decoders.common import event, flag, json_object, number, text
from hub.config import DeviceConfig
from hub.errors import DecodeError
from hub.events import Event

AVAILABILITY_SUFFIX = "/availability"


def subscriptions(device: DeviceConfig) -> list[str]:
    """The topics this device publishes on."""
    return [device.topic, device.topic + AVAILABILITY_SUFFIX]


def decode(topic: str, payload: bytes, device: DeviceConfig, received: dt.datetime,
           household: str = "", source: str = "", zone: dt.tzinfo | None = None) -> list[Event]:
    """Events from one Zigbee2MQTT message."""
    if topic.endswith(AVAILABILITY_SUFFIX):
        return [event(device, "availability", _availability(payload), received, household, source=source)]
    data = json_object(payload)
    events: list[Event] = []
    if "occupancy" in data:
        kind = device.kind if device.kind in ("motion", "pressure") else "motion"
        occupied = flag(data["occupancy"], "occupancy")
        events.append(event(device, kind, float(occupied), received, household, source=source))
    if "contact" in data:
        kind = device.kind if device.kind in ("door", "contact") else "door"
        closed = flag(data["contact"], "contact")
        events.append(event(device, kind, 0.0 if closed else 1.0, received, household, source=source))
    lux = _lux(data)
    if lux is not None:
        events.append(event(device, "light", lux, received, household, source=source))
    if data.get("power") is not None:
        watts = number(data["power"], "power", 0)
        events.append(event(device, "power", watts, received, household, source=source))
    elif "state" in data:
        on = flag(data["state"], "state", "ON", "OFF")
        kind = "light" if device.kind == "light" else "appliance"
        events.append(event(device, kind, float(on), received, household, source=source))
    if data.get("battery") is not None:
        battery = number(data["battery"], "battery", 0, 100)
        events.append(event(device, "battery", battery, received, household, source=source))
    if not events:
        raise DecodeError(f"no known key in Zigbee2MQTT payload (keys: {', '.join(sorted(data)) or 'none'})")
    return events


def _availability(payload: bytes) -> float:
    """1 online / 0 offline from a 2.x JSON or legacy plain availability payload."""
    raw = text(payload)
    state = raw
    if raw.startswith("{"):
        state = json_object(payload).get("state")
    if isinstance(state, str) and state.lower() in ("online", "offline"):
        return 1.0 if state.lower() == "online" else 0.0
    raise DecodeError(f"availability must be online/offline, got {raw[:60]!r}")


def _lux(data: dict) -> float | None:
    """The light level in lux. Zigbee2MQTT 2.x sends lux as ``illuminance``; 1.x sent the raw
    reading there (10000 log10(lux) + 1) beside ``illuminance_lux``. A 2.x bridge upgraded from 1.x
    can keep a stale ``illuminance_lux`` in its state, so that key wins only when ``illuminance``
    is its raw reading."""
    raw = data.get("illuminance")
    lux = data.get("illuminance_lux")
    if lux is not None:
        lux = number(lux, "illuminance_lux", 0)
    if raw is None:
        return lux
    raw = number(raw, "illuminance", 0)
    if lux is not None and abs(raw - (10_000 * math.log10(lux) + 1 if lux > 0 else 0)) <= 10:
        return lux
    return raw
