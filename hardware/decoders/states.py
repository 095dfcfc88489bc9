"""Held states from device messages, passed on only when they change.

A plug reports its power every few seconds or minutes; the detectors want one ``appliance`` event
when the kettle goes on and one when it goes off. And a device often repeats a state it is
already in: Zigbee2MQTT republishes a device's whole cached state with every report, and devices
report their state at least hourly (its default reporting interval for on/off and occupancy,
an Aqara contact sensor's heartbeat). So a wardrobe left open says "open" again and again, a lamp
left on says "on", a bed mat says "occupied". Stored as readings, those repeats would look like
a resident opening, switching or sitting down every hour, and keep a fallen resident's home
looking busy. A reed switch cannot open twice without closing in between, a lamp or plug cannot
be switched on twice, a mat cannot be sat on twice: for those kinds (``CHANGE_ONLY_KINDS``, and a
light's on/off as opposed to a light level) only a change is a reading. Motion sensors are not
among them: a PIR that reports "occupied" again is re-triggered by someone still moving.

:class:`StateChanges` keeps the last known state per sensor and kind (the ingest owns one
instance; nothing is module state) and is seeded from the store after a restart so a restart
does not invent a change. Battery readings in the same message are kept: they are what shows the
sensor is alive.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

from hub.events import Event

#: Looks up the last stored state of a sensor's kind: (sensor, kind) -> on, or None when it never had one
Seed = Callable[[str, str], "bool | None"]
#: kinds whose repeated state is the device repeating itself, not a new reading
CHANGE_ONLY_KINDS = frozenset({"appliance", "door", "contact", "pressure"})


class StateChanges:
    """Last on/off state per sensor and kind; adds change-only ``appliance`` events for power
    readings and drops repeated states of the ``CHANGE_ONLY_KINDS`` and of light switches (a
    ``light`` sensor reporting 1 and 0; one that has reported a level above 1 measures lux).

    >>> import datetime as dt
    >>> states = StateChanges()
    >>> t = dt.datetime(2024, 3, 4, 8)
    >>> [e.kind for e in states.apply([Event(t, "kettle", "power", 2100.0)], {"kettle": 10})]
    ['power', 'appliance']
    >>> [e.kind for e in states.apply([Event(t, "kettle", "power", 2050.0)], {"kettle": 10})]
    ['power']
    >>> [len(states.apply([Event(t, "wardrobe", "contact", 1.0)], {})) for _ in range(3)]
    [1, 0, 0]
    """

    def __init__(self, seed: Seed | None = None) -> None:
        self._seed = seed
        self._on: dict[tuple[str, str], bool | None] = {}
        self._lux: set[str] = set()

    def apply(self, events: Iterable[Event], on_watts: dict[str, float]) -> list[Event]:
        """The events with an ``appliance`` event added after each power reading that changes
        the state (``on`` when watts >= the sensor's ``on_watts``), and readings of the
        ``CHANGE_ONLY_KINDS`` and of light switches kept only when they change the state."""
        out: list[Event] = []
        for e in events:
            if e.kind == "power":
                out.append(e)
                on = e.value >= on_watts.get(e.sensor, 10.0)
                if self._changed(e.sensor, "appliance", on):
                    # a delivery-based id extends to the switch it causes; without one the
                    # appliance event gets its own natural key
                    sid = f"{e.source_id}/switch" if e.source_id else ""
                    out.append(Event(e.time, e.sensor, "appliance", float(on), e.room, e.household, sid))
            elif e.kind in CHANGE_ONLY_KINDS or (e.kind == "light" and self._switch(e)):
                if self._changed(e.sensor, e.kind, e.value > 0):
                    out.append(e)
            else:
                out.append(e)
        return out

    def forget(self) -> None:
        """Drop what is known (after a failed commit); states are re-read from the seed."""
        self._on.clear()

    def _switch(self, e: Event) -> bool:
        """Whether this light reading is a switch's on/off rather than a light level."""
        if e.value > 1:
            self._lux.add(e.sensor)
        return e.sensor not in self._lux and e.value in (0.0, 1.0)

    def _changed(self, sensor: str, kind: str, on: bool) -> bool:
        key = (sensor, kind)
        if key not in self._on:
            self._on[key] = self._seed(sensor, kind) if self._seed else None
        if self._on[key] == on:
            return False
        self._on[key] = on
        return True
