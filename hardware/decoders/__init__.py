"""Decoders that turn device MQTT messages into :class:`~hub.events.Event` objects.

One module per device family (``zigbee2mqtt``, ``tasmota``, ``shelly``, ``native``), each with a
``decode(topic, payload, device, received, household, source="", zone=None) -> list[Event]``
function that raises :class:`~hub.errors.DecodeError` with a human reason. ``received`` is the
hub's clock at reception (used unless the payload carries a trustworthy time) and ``zone`` that
clock's time zone (a payload time with a UTC offset is told in it); ``source``, when given, makes
the events' ids unique per delivery (see ``common.event``). :class:`TopicRouter` maps the configured
devices to the topics they publish on and picks the decoder for an incoming topic; it is the
only place that knows which format lives where.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from hardware.decoders import native, shelly, tasmota, zigbee2mqtt
from hardware.decoders.states import StateChanges
from hub.config import DeviceConfig
from hub.errors import DecodeError
from hub.events import Event

Decode = Callable[..., list[Event]]

#: format name -> (topics a device publishes on, decoder)
FORMATS: dict[str, tuple[Callable[[DeviceConfig], list[str]], Decode]] = {
    "zigbee2mqtt": (zigbee2mqtt.subscriptions, zigbee2mqtt.decode),
    "tasmota": (tasmota.subscriptions, tasmota.decode),
    "shelly_gen1": (shelly.gen1_subscriptions, shelly.decode_gen1),
    "shelly_gen2": (shelly.gen2_subscriptions, shelly.decode_gen2),
    "native": (lambda device: [device.topic], native.decode),
}

__all__ = ["DecodeError", "FORMATS", "Route", "StateChanges", "TopicRouter"]


@dataclass(frozen=True)
class Route:
    """Where an incoming topic goes: the device it belongs to and the decoder for its format."""

    device: DeviceConfig
    decode: Decode
    zone: dt.tzinfo | None = None

    def __call__(self, topic: str, payload: bytes, received: dt.datetime, household: str,
                 source: str = "") -> list[Event]:
        """Decode one message from this device."""
        return self.decode(topic, payload, self.device, received, household, source, self.zone)


class TopicRouter:
    """Maps topics to configured devices (plus every native sensor of the household). ``zone`` is
    the hub clock's time zone (``None``: the machine's), for payload times given with a UTC offset.

    >>> router = TopicRouter([DeviceConfig("zigbee2mqtt/hall_pir", "zigbee2mqtt", "hall_pir", room="hall")], "h1")
    >>> router.subscriptions()
    ['eldercare/h1/sensor/+', 'zigbee2mqtt/hall_pir', 'zigbee2mqtt/hall_pir/availability']
    >>> router.route("zigbee2mqtt/hall_pir/availability").device.sensor
    'hall_pir'
    """

    def __init__(self, devices: Sequence[DeviceConfig], household: str, zone: dt.tzinfo | None = None) -> None:
        self.household = household
        self.zone = zone
        self._routes: dict[str, Route] = {}
        for device in devices:
            topics, decode = FORMATS[device.format]
            for topic in topics(device):
                self._routes[topic] = Route(device, decode, zone)
        self._native_prefix = native.topic_prefix(household)
        #: sensor name -> watts at or above which its appliance counts as on
        self.on_watts = {d.sensor: d.on_watts for d in devices}

    def subscriptions(self) -> list[str]:
        """Every topic filter to subscribe to (sorted; wildcards cover native sensors)."""
        topics = set(native.subscriptions(self.household))
        topics.update(t for t in self._routes if not t.startswith(self._native_prefix))
        return sorted(topics)

    def route(self, topic: str) -> Route | None:
        """The route for ``topic``, or None when no device publishes there."""
        found = self._routes.get(topic)
        if found is not None:
            return found
        if topic.startswith(self._native_prefix):
            name = topic[len(self._native_prefix):]
            if name and "/" not in name:
                return Route(DeviceConfig(topic, "native", name, kind=""), native.decode, self.zone)
        return None

    def device_key(self, topic: str) -> str:
        """The name statistics are kept under: the sensor for known topics, else the topic."""
        found = self.route(topic)
        return found.device.sensor if found else topic
