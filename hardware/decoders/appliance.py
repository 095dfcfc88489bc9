"""Appliance on/off from power readings, emitted only when the state changes.

A plug reports its power every few seconds or minutes; the detectors want one ``appliance`` event
when the kettle goes on and one when it goes off. :class:`ApplianceStates` keeps the last known
state per sensor (the ingest owns one instance; nothing is module state) and is seeded from the
store after a restart so a restart does not invent a change.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

from hub.events import Event

#: Looks up the last stored appliance state of a sensor (None when it never had one).
Seed = Callable[[str], "bool | None"]


class ApplianceStates:
    """Last on/off state per sensor; turns readings into change-only ``appliance`` events.

    >>> import datetime as dt
    >>> states = ApplianceStates()
    >>> t = dt.datetime(2024, 3, 4, 8)
    >>> [e.kind for e in states.apply([Event(t, "kettle", "power", 2100.0)], {"kettle": 10})]
    ['power', 'appliance']
    >>> [e.kind for e in states.apply([Event(t, "kettle", "power", 2050.0)], {"kettle": 10})]
    ['power']
    """

    def __init__(self, seed: Seed | None = None) -> None:
        self._seed = seed
        self._on: dict[str, bool | None] = {}

    def apply(self, events: Iterable[Event], on_watts: dict[str, float]) -> list[Event]:
        """The events with an ``appliance`` event added after each power reading that changes
        the state (``on`` when watts >= the sensor's ``on_watts``), and decoder-made ``appliance``
        events kept only when they change the state."""
        out: list[Event] = []
        for e in events:
            if e.kind == "power":
                out.append(e)
                on = e.value >= on_watts.get(e.sensor, 10.0)
                if self._changed(e.sensor, on):
                    # a delivery-based id extends to the switch it causes; without one the
                    # appliance event gets its own natural key
                    sid = f"{e.source_id}/switch" if e.source_id else ""
                    out.append(Event(e.time, e.sensor, "appliance", float(on), e.room, e.household, sid))
            elif e.kind == "appliance":
                if self._changed(e.sensor, e.value > 0):
                    out.append(e)
            else:
                out.append(e)
        return out

    def forget(self) -> None:
        """Drop what is known (after a failed commit); states are re-read from the seed."""
        self._on.clear()

    def _changed(self, sensor: str, on: bool) -> bool:
        if sensor not in self._on:
            self._on[sensor] = self._seed(sensor) if self._seed else None
        if self._on[sensor] == on:
            return False
        self._on[sensor] = on
        return True
