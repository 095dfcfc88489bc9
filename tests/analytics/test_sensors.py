"""What a sensor's name and kind say: front door, bed, bedroom, activations."""
from __future__ import annotations

import datetime as dt

from analytics.sensors import ActivationTracker, is_bed, is_front_door, is_sleep_sensor, names_bed
from hub.events import Event

T = dt.datetime(2024, 3, 4, 8, 0)


def test_names():
    assert is_front_door("front_door_12", "door") and is_front_door("main_entrance", "contact")
    assert all(is_front_door(name, "door") for name in ("Main Door", "main-door", "entry_door", "Front.Door"))
    assert not is_front_door("toilet_door", "door") and not is_front_door("front_room_pir", "motion")
    assert is_bed("bed_mat", "pressure") and is_bed("couch_mat", "pressure") and is_bed("bed_left", "contact")
    assert not is_bed("hall_bedroom_door", "door")  # a bedroom door is not the bed
    assert is_sleep_sensor("hall_bedroom_door", "door") and not is_sleep_sensor("kitchen_pir", "motion")
    # an installer may name a sensor by number and say its room
    assert is_sleep_sensor("pir_2", "motion", "Bedroom") and not is_sleep_sensor("pir_3", "motion", "kitchen")
    assert names_bed("pir_2", "master_bedroom") and not names_bed("couch_mat", "living_room")


def test_a_motion_sensor_in_the_bedroom_by_its_room_is_learned_and_read_as_in_the_bedroom():
    """Its movement at night is not wandering and not getting up, whatever the sensor is called."""
    from analytics.routine import learn
    from analytics.state import HomeState
    from tests.analytics import homes

    def renamed(events):
        return [Event(e.time, "motion_2", e.kind, e.value, "bedroom") if e.sensor == "bedroom_pir" else e
                for e in events]

    routine = learn(renamed(homes.history(8)), "numbered-sensors")
    assert "motion_2" in routine.sleep_sensors and "hall_pir" not in routine.sleep_sensors
    state = HomeState(started=T)
    state.update(Event(T, "motion_2", "motion", 1.0, "bedroom"))
    assert state.last_up is None and state.last_in_bed_sensor == "motion_2"


def test_level_sensors_activate_only_when_crossing_on():
    tracker = ActivationTracker()
    readings = [Event(T + dt.timedelta(seconds=10 * i), "kettle_plug", "power", w)
                for i, w in enumerate([0.5, 1800.0, 1750.0, 2.0, 1900.0])]
    assert [tracker.activation(e) for e in readings] == [False, True, False, False, True]
    assert tracker.activation(Event(T, "hall_pir", "motion", 1.0))
    assert tracker.activation(Event(T, "hall_pir", "motion", 1.0))  # a PIR firing twice: two activations
    assert not tracker.activation(Event(T, "hall_pir", "battery", 80.0))


def test_a_light_level_is_the_rooms_light_not_an_activation():
    tracker = ActivationTracker()
    # a motion sensor's illuminance: daylight rising, dimming, dark; then a motion
    lux = [Event(T + dt.timedelta(minutes=10 * i), "hall_pir", "light", v) for i, v in enumerate([3, 45, 300, 1, 0])]
    assert [tracker.activation(e) for e in lux] == [False] * 5  # its 1 is dim, not a switch turned on
    assert tracker.activation(Event(T, "hall_pir", "motion", 1.0))
    switch = [Event(T, "lamp", "light", 1.0), Event(T, "lamp", "light", 0.0), Event(T, "lamp", "light", 1.0)]
    assert [tracker.activation(e) for e in switch] == [True, False, True]  # a light switched on is


def test_a_sensor_reporting_levels_in_a_binary_kind_activates_only_when_it_crosses_on():
    tracker = ActivationTracker()
    # a thermometer an import listed as a contact: every reading above 0, every few minutes
    temps = [Event(T + dt.timedelta(minutes=10 * i), "T001", "contact", v) for i, v in enumerate([21.5, 21.0, 22.5])]
    assert [tracker.activation(e) for e in temps] == [True, False, False]
    door = [Event(T, "D001", "contact", v) for v in (1.0, 0.0, 1.0, 1.0)]
    assert [tracker.activation(e) for e in door] == [True, False, True, True]  # a true contact: every opening
