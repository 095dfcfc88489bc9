"""What a sensor's name and kind say about the resident: front door, bed, appliance, activation.

Only generic words any home may use are recognised ("front", "entrance", "bed" ...), never the
names of one particular installation. An *activation* is the moment a sensor reports that someone
did something: a binary sensor turning on (a light switched on among them), a power level crossing
its on threshold. A light *level* (lux: a motion sensor's illuminance, a light meter) is never one:
it is the room's light, daylight included, and a sensor reporting it every few minutes would
otherwise keep a fallen resident's home looking busy.
"""
from __future__ import annotations

import re

from hub.events import ACTIVITY_KINDS, Event

#: words in a door sensor's name that mark the way in and out of the home (spaces, dashes and
#: dots in a name read as "_": "Main Door" and "main-door" are a main_door)
FRONT_DOOR_WORDS = ("front", "entrance", "entry", "main_door", "maindoor", "foyer", "exit", "outside", "porch")
#: words in a sensor's name that mark a sensor in the bed itself (not "bedroom")
BED_WORDS = ("bed",)
#: words in a sensor's name that mark the room the resident sleeps in
BEDROOM_WORDS = ("bedroom",)
#: kinds whose ``on`` state means a device is running and can be left on
APPLIANCE_KINDS = ("appliance", "power")
#: kinds whose readings start and end an on-time (a door left open, an appliance running, a power
#: meter above its threshold); a light level never does. Learning and the live state both use it
HELD_KINDS = ACTIVITY_KINDS - {"light"}
#: watts above which a ``power`` reading means the device is running
POWER_ON_WATTS = 10.0
#: lux above which a ``light`` level reading means the light is on (1/0 sensors are unaffected)
LIGHT_ON_LUX = 30.0


def is_front_door(sensor: str, kind: str) -> bool:
    """True for a door the resident goes out through (name says front, entrance ...)."""
    name = re.sub(r"[\s.\-]+", "_", sensor.lower())
    return kind in ("door", "contact") and any(w in name for w in FRONT_DOOR_WORDS)


def is_bed(sensor: str, kind: str) -> bool:
    """True for a sensor in the bed itself: a pressure mat, or "bed" in its name (not "bedroom")."""
    name = sensor.lower().replace("bedroom", "")
    return kind == "pressure" or any(w in name for w in BED_WORDS)


def is_sleep_sensor(sensor: str, kind: str, room: str = "") -> bool:
    """True for a sensor that may fire while the resident sleeps: in the bed or in the bedroom (by
    its name or the room it is in). Such activity does not mean the resident is up, nor wandering."""
    return is_bed(sensor, kind) or names_bed(sensor, room)


def names_bed(sensor: str, room: str = "") -> bool:
    """True for a sensor in the bed or bedroom by its name or room: where a resident back from a
    trip at night is back to bed (a seat mat on the couch is a sleep sensor, but not this)."""
    name, room = sensor.lower(), room.lower()
    return any(w in name for w in BED_WORDS + BEDROOM_WORDS) or any(w in room for w in BEDROOM_WORDS)


def is_appliance(sensor: str, kind: str) -> bool:
    """True for a device that can be switched on and left on."""
    return kind in APPLIANCE_KINDS


def on_level(event: Event) -> bool:
    """Whether this reading means on: level sensors compare with their on threshold."""
    if event.kind == "power":
        return event.value > POWER_ON_WATTS
    if event.kind == "light" and event.value > 1:
        return event.value > LIGHT_ON_LUX
    return event.value > 0


class ActivationTracker:
    """Turns readings into activations, remembering each sensor's last on/off level.

    A binary sensor activates on every ``on`` report (a PIR firing twice is two activations);
    a ``power`` sensor only when it crosses from off to on; a light sensor once it has reported a
    level (lux above 1) never: its 0 and 1 are dark and dim, not a switch. A sensor of another kind
    that reports levels rather than 1 and 0 (a thermometer listed as a contact) is read like a
    power meter: it activates only when it crosses from 0 to above, not on every report.
    """

    def __init__(self) -> None:
        self._level: dict[str, bool] = {}
        self._lux: set[str] = set()
        self._levels: set[str] = set()

    def activation(self, event: Event, on: bool | None = None) -> bool:
        """Record the reading and say whether it is an activation by the resident (``on``: its
        :func:`on_level`, when the caller has it already)."""
        kind, sensor, value = event.kind, event.sensor, event.value
        if kind not in ACTIVITY_KINDS:
            return False
        if on is None:
            on = on_level(event)
        if kind == "light" and (value > 1 or sensor in self._lux):
            self._lux.add(sensor)
            return False
        if kind == "power" or sensor in self._levels or (value != 1.0 and value != 0.0):
            if kind != "power":
                self._levels.add(sensor)
            was = self._level.get(sensor, False)
            self._level[sensor] = on
            return on and not was
        self._level[sensor] = on
        return on
