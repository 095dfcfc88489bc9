"""Shelly plugs and relays, first generation and Gen2/Plus.

- **Gen1**: ``shellies/<model>-<id>/relay/0/power`` carries plain watts (``41.25``) -> ``power``;
  ``shellies/<model>-<id>/online`` ``true``/``false`` -> ``availability``.
- **Gen2/Plus** (``status_ntf`` on): ``<prefix>/status/switch:0`` carries the switch's full status
  JSON; ``apower`` (W) -> ``power``; ``<prefix>/online`` ``true``/``false`` -> ``availability``.

The ingest derives appliance on/off from power with the device's ``on_watts``.
"""
from __future__ import annotations

import datetime as dt

from hardware.decoders.common import event, flag, json_object, number, text
from hub.config import DeviceConfig
from hub.errors import DecodeError
from hub.events import Event


def gen1_subscriptions(device: DeviceConfig) -> list[str]:
    """The topics a Gen1 device publishes on."""
    return [f"{device.topic}/relay/0/power", f"{device.topic}/online"]


def gen2_subscriptions(device: DeviceConfig) -> list[str]:
    """The topics a Gen2/Plus device publishes on."""
    return [f"{device.topic}/status/switch:0", f"{device.topic}/online"]


def decode_gen1(topic: str, payload: bytes, device: DeviceConfig, received: dt.datetime,
                household: str = "", source: str = "", zone: dt.tzinfo | None = None) -> list[Event]:
    """Events from one Shelly Gen1 message."""
    if topic.endswith("/online"):
        return [_online(payload, device, received, household, source)]
    return [event(device, "power", number(text(payload), "relay power", 0), received, household, source=source)]


def decode_gen2(topic: str, payload: bytes, device: DeviceConfig, received: dt.datetime,
                household: str = "", source: str = "", zone: dt.tzinfo | None = None) -> list[Event]:
    """Events from one Shelly Gen2/Plus message."""
    if topic.endswith("/online"):
        return [_online(payload, device, received, household, source)]
    data = json_object(payload)
    if "apower" not in data:
        raise DecodeError("Shelly switch status has no apower (is this a metering switch?)")
    return [event(device, "power", number(data["apower"], "apower", 0), received, household, source=source)]


def _online(payload: bytes, device: DeviceConfig, received: dt.datetime, household: str, source: str) -> Event:
    online = flag(text(payload), "online")
    return event(device, "availability", float(online), received, household, source=source)
