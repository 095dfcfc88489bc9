"""Tasmota energy plugs: ``tele/<topic>/SENSOR`` and ``tele/<topic>/LWT``.

``SENSOR`` carries ``{"Time": "...", "ENERGY": {"Power": 56, "Total": ..., ...}}`` every
TelePeriod; ``ENERGY.Power`` (W) becomes a ``power`` event (the ingest derives appliance on/off).
``Time`` is the plug's local time and is used when plausible (a plug without NTP says 1970) and
at most :data:`MAX_LAG` behind the hub. An older Time is far more often the plug's time zone
(Tasmota's factory default is a fixed UTC+1, without summer time) than a delay, so the reading
is stamped when it arrived; a TelePeriod reading queued while the hub restarted is a few minutes
off then, where trusting the plug would put every reading an hour or more in the past.
``LWT`` is ``Online``/``Offline`` -> ``availability`` 1/0.

The device's configured topic may be given as ``tele/<topic>`` or just ``<topic>``.
"""
from __future__ import annotations

import datetime as dt

from hardware.decoders.common import event, json_object, number, payload_time, text
from hub.config import DeviceConfig
from hub.errors import DecodeError
from hub.events import Event

#: how far a telemetry Time may trail the hub's clock (network delay, not a time zone)
MAX_LAG = dt.timedelta(minutes=5)


def base(device: DeviceConfig) -> str:
    """``tele/<topic>`` for the device."""
    return device.topic if device.topic.startswith("tele/") else f"tele/{device.topic}"


def subscriptions(device: DeviceConfig) -> list[str]:
    """The topics this device publishes on."""
    return [f"{base(device)}/SENSOR", f"{base(device)}/LWT"]


def decode(topic: str, payload: bytes, device: DeviceConfig, received: dt.datetime,
           household: str = "", source: str = "", zone: dt.tzinfo | None = None) -> list[Event]:
    """Events from one Tasmota telemetry or LWT message."""
    if topic.endswith("/LWT"):
        word = text(payload).lower()
        if word not in ("online", "offline"):
            raise DecodeError(f"LWT must be Online/Offline, got {word[:60]!r}")
        return [event(device, "availability", 1.0 if word == "online" else 0.0, received, household, source=source)]
    data = json_object(payload)
    energy = data.get("ENERGY")
    if not isinstance(energy, dict) or "Power" not in energy:
        raise DecodeError("Tasmota SENSOR payload has no ENERGY.Power")
    power = energy["Power"]
    if isinstance(power, list):  # multi-channel devices report one figure per channel
        watts = sum(number(p, "ENERGY.Power", 0) for p in power)
    else:
        watts = number(power, "ENERGY.Power", 0)
    when = payload_time(data.get("Time"), received, zone)
    if received - when > MAX_LAG:
        when = received
    return [event(device, "power", watts, when, household, source=source)]
