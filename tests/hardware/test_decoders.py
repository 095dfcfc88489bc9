"""Decoders on real-format device payloads: each one alone, then all through the real broker."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from hardware.decoders import TopicRouter
from hardware.decoders.states import StateChanges
from hub.clock import ManualClock
from hub.config import MqttConfig
from hub.errors import DecodeError
from hub.events import Event
from hub.mqtt_ingest import MqttIngest
from tests.mqtt_support import DEVICES, HOUSEHOLD, publish, wait_until

PAYLOADS = Path(__file__).parent / "payloads"
NOW = dt.datetime(2024, 3, 4, 8, 0)


def payload(name: str) -> bytes:
    return (PAYLOADS / name).read_bytes()


# topic, payload file, expected (sensor, kind, value, room, time) before appliance tracking
GOOD = [
    ("zigbee2mqtt/hall_pir", "z2m_pir_occupied.json",
     [("hall_pir", "motion", 1, "hall"), ("hall_pir", "light", 42, "hall"), ("hall_pir", "battery", 97, "hall")]),
    ("zigbee2mqtt/hall_pir", "z2m_pir_clear_legacy_lux.json",
     [("hall_pir", "motion", 0, "hall"), ("hall_pir", "light", 5, "hall"), ("hall_pir", "battery", 96, "hall")]),
    # Z2M 1.x: the raw reading (10000 log10(lux) + 1) beside the lux; 2.x upgraded from 1.x: a stale lux
    ("zigbee2mqtt/hall_pir", "z2m_pir_1x_raw_and_lux.json",
     [("hall_pir", "motion", 0, "hall"), ("hall_pir", "light", 50, "hall"), ("hall_pir", "battery", 96, "hall")]),
    ("zigbee2mqtt/hall_pir", "z2m_pir_2x_stale_lux.json",
     [("hall_pir", "motion", 1, "hall"), ("hall_pir", "light", 120, "hall"), ("hall_pir", "battery", 96, "hall")]),
    ("zigbee2mqtt/front_door", "z2m_contact_open.json",
     [("front_door", "door", 1, "hall"), ("front_door", "battery", 100, "hall")]),
    ("zigbee2mqtt/front_door", "z2m_contact_closed.json",
     [("front_door", "door", 0, "hall"), ("front_door", "battery", 100, "hall")]),
    ("zigbee2mqtt/kettle_plug", "z2m_plug_on.json", [("kettle", "power", 2150.4, "kitchen")]),
    ("zigbee2mqtt/kettle_plug", "z2m_plug_standby.json", [("kettle", "power", 0.4, "kitchen")]),
    ("zigbee2mqtt/hall_pir/availability", "z2m_availability_online.json", [("hall_pir", "availability", 1, "hall")]),
    ("zigbee2mqtt/front_door/availability", "z2m_availability_legacy_offline.txt",
     [("front_door", "availability", 0, "hall")]),
    ("tele/tv/SENSOR", "tasmota_sensor_on.json", [("tv", "power", 1850, "living")]),
    ("tele/tv/SENSOR", "tasmota_sensor_no_ntp.json", [("tv", "power", 0, "living")]),
    # a plug on Tasmota's factory time zone (a fixed UTC+1) an hour behind the home: stamped on arrival
    ("tele/tv/SENSOR", "tasmota_sensor_factory_timezone.json", [("tv", "power", 0, "living")]),
    ("tele/tv/LWT", "tasmota_lwt_offline.txt", [("tv", "availability", 0, "living")]),
    ("tele/tv/LWT", "tasmota_lwt_online.txt", [("tv", "availability", 1, "living")]),
    ("shellies/shellyplug-s-ABC123/relay/0/power", "shelly1_power.txt", [("lamp", "power", 41.25, "living")]),
    ("shellies/shellyplug-s-ABC123/relay/0/power", "shelly1_power_zero.txt", [("lamp", "power", 0, "living")]),
    ("shellies/shellyplug-s-ABC123/online", "shelly1_online_false.txt", [("lamp", "availability", 0, "living")]),
    ("shellyplus1pm-XYZ/status/switch:0", "shelly2_switch_on.json", [("heater", "power", 41.2, "bedroom")]),
    ("eldercare/h1/sensor/bed", "native_batch.json",
     [("bed", "pressure", 1, "bedroom"), ("bed", "pressure", 0, "bedroom")]),
    ("eldercare/h1/sensor/kitchen_pir", "native_motion.json",
     [("kitchen_pir", "motion", 1, ""), ("kitchen_pir", "battery", 87, "")]),
]

#: readings that carry a plausible time of their own keep it
PAYLOAD_TIMES = {
    "tasmota_sensor_on.json": [dt.datetime(2024, 3, 4, 7, 59, 30)],
    "native_batch.json": [dt.datetime(2024, 3, 4, 7, 0), dt.datetime(2024, 3, 4, 7, 40)],
    "native_motion.json": [dt.datetime(2024, 3, 4, 7, 58)] * 2,
}

BAD = [
    ("zigbee2mqtt/hall_pir", "z2m_truncated.txt", "not JSON"),
    ("shellyplus1pm-XYZ/status/switch:0", "shelly2_switch_no_meter.json", "no apower"),
    ("eldercare/h1/sensor/bed", "native_bad_kind.json", "kind 'teleport'"),
    ("zigbee2mqtt/hall_pir", b'{"linkquality":120}', "no known key"),
    ("zigbee2mqtt/hall_pir", b'{"occupancy":"maybe"}', "occupancy must be true/false"),
    ("zigbee2mqtt/hall_pir/availability", b'{"state":"sleepy"}', "online/offline"),
    ("tele/tv/SENSOR", b'{"Time":"2024-03-04T08:00:00","ENERGY":{"Total":5}}', "no ENERGY.Power"),
    ("tele/tv/SENSOR", b'{"ENERGY":{"Power":-5}}', "out of range"),
    ("shellies/shellyplug-s-ABC123/relay/0/power", b"lots", "not a number"),
    ("eldercare/h1/sensor/bed", b'{"kind":"motion","value":7}', "out of range"),
    ("eldercare/h1/sensor/stray", b'{"value":1}', "kind"),
]


def expected(name: str, rows: list[tuple]) -> list[Event]:
    times = PAYLOAD_TIMES.get(name, [NOW] * len(rows))
    return [Event(t, s, k, float(v), r, HOUSEHOLD) for t, (s, k, v, r) in zip(times, rows)]


@pytest.mark.parametrize("topic,name,rows", GOOD, ids=[g[1] for g in GOOD])
def test_decoder_reads_real_payload(topic, name, rows):
    route = TopicRouter(DEVICES, HOUSEHOLD).route(topic)
    assert route is not None
    assert route(topic, payload(name), NOW, HOUSEHOLD) == expected(name, rows)


@pytest.mark.parametrize("topic,raw,reason", BAD, ids=[str(b[1])[:30] for b in BAD])
def test_decoder_rejects_bad_payload_with_reason(topic, raw, reason):
    route = TopicRouter(DEVICES, HOUSEHOLD).route(topic)
    data = payload(raw) if isinstance(raw, str) else raw
    with pytest.raises(DecodeError, match=reason):
        route(topic, data, NOW, HOUSEHOLD)


def test_a_zigbee_bulb_or_wall_switch_configured_as_a_light_reports_light_not_an_appliance():
    from hardware.decoders import zigbee2mqtt
    from hub.config import DeviceConfig

    bulb = DeviceConfig(topic="zigbee2mqtt/living_lamp", format="zigbee2mqtt", sensor="living_lamp", kind="light")
    plug = DeviceConfig(topic="zigbee2mqtt/heater", format="zigbee2mqtt", sensor="heater", kind="appliance")
    on = b'{"state":"ON","brightness":254,"linkquality":90}'
    assert [(e.kind, e.value) for e in zigbee2mqtt.decode(bulb.topic, on, bulb, NOW, HOUSEHOLD)] == [("light", 1.0)]
    assert [(e.kind, e.value) for e in zigbee2mqtt.decode(plug.topic, b'{"state":"OFF"}', plug, NOW, HOUSEHOLD)] == [
        ("appliance", 0.0)]


def test_router_subscribes_to_every_device_topic_and_native_wildcard():
    topics = TopicRouter(DEVICES, HOUSEHOLD).subscriptions()
    assert "eldercare/h1/sensor/+" in topics
    assert {"tele/tv/SENSOR", "tele/tv/LWT", "shellyplus1pm-XYZ/status/switch:0",
            "shellies/shellyplug-s-ABC123/relay/0/power", "zigbee2mqtt/front_door/availability"} <= set(topics)
    assert TopicRouter(DEVICES, HOUSEHOLD).route("zigbee2mqtt/bridge/state") is None


def test_appliance_events_only_on_state_change_and_seeded_after_restart():
    t = NOW
    watts = [0, 0, 2100, 2050, 3, 0]
    readings = [Event(t + dt.timedelta(minutes=i), "kettle", "power", w) for i, w in enumerate(watts)]
    states = StateChanges()
    out = states.apply(readings, {"kettle": 100})
    assert [(e.time.minute, e.value) for e in out if e.kind == "appliance"] == [(0, 0), (2, 1), (4, 0)]
    assert sum(e.kind == "power" for e in out) == 6
    restarted = StateChanges(seed=lambda sensor, kind: False)
    assert [e.kind for e in restarted.apply(readings[:2], {"kettle": 100})] == ["power", "power"]


def test_a_state_repeated_is_one_reading_a_pir_repeating_is_every_one():
    """Zigbee2MQTT republishes each device's state at least hourly: a door, a bed mat, a plug or a
    lamp saying again what it already said is not the resident doing it again."""
    t = NOW
    states = StateChanges()
    for sensor, kind in (("wardrobe", "contact"), ("front_door", "door"), ("radio", "appliance"),
                         ("bed_mat", "pressure"), ("lamp", "light")):
        values = [1, 1, 1, 0, 0, 1]
        out = states.apply([Event(t + dt.timedelta(minutes=50 * i), sensor, kind, v) for i, v in enumerate(values)], {})
        assert [(e.time.hour, e.value) for e in out] == [(8, 1), (10, 0), (12, 1)], kind
    pir = [Event(t + dt.timedelta(minutes=i), "hall_pir", "motion", 1.0) for i in range(3)]
    assert states.apply(pir, {}) == pir  # re-triggered by someone still moving
    lux = [Event(t + dt.timedelta(minutes=i), "hall_pir", "light", v) for i, v in enumerate([40.0, 1.0, 1.0, 0.0, 0.0])]
    assert states.apply(lux, {}) == lux  # a light level: every reading is kept
    restarted = StateChanges(seed=lambda sensor, kind: (sensor, kind) == ("wardrobe", "contact"))
    assert restarted.apply([Event(t, "wardrobe", "contact", 1.0)], {}) == []


def test_every_format_through_the_real_broker(broker, store, clock):
    ingest = MqttIngest(MqttConfig(port=broker.port, client_id="decoders-test", devices=DEVICES),
                        HOUSEHOLD, store, clock)
    ingest.start()
    try:
        assert ingest.wait_connected(10)
        publish(broker.host, broker.port, [(t, payload(n)) for t, n, _ in GOOD])
        total = sum(len(rows) for _, _, rows in GOOD)
        # appliance changes: kettle on, off; tv on, off; lamp on, off; heater on
        wait_until(lambda: store.count_events() >= total + 7, what="all decoded events")
        stored = store.events()
    finally:
        ingest.stop()
    readings = [e for e in stored if e.kind != "appliance"]
    want = [e for t, n, rows in GOOD for e in expected(n, rows)]
    assert sorted(readings, key=_key) == sorted(want, key=_key)
    switches = sorted(((e.sensor, e.time, e.value, e.room) for e in stored if e.kind == "appliance"),
                      key=lambda s: s[0])  # stable: each sensor keeps stored (time, id) order
    tv_on = dt.datetime(2024, 3, 4, 7, 59, 30)
    assert [(s, v, r) for s, t, v, r in switches] == [
        ("heater", 1, "bedroom"), ("kettle", 1, "kitchen"), ("kettle", 0, "kitchen"),
        ("lamp", 1, "living"), ("lamp", 0, "living"), ("tv", 1, "living"), ("tv", 0, "living")]
    assert ("tv", tv_on, 1.0, "living") in switches  # an appliance event keeps its reading's time
    assert ingest.stats.total("rejected") == 0
    assert ingest.stats.snapshot()["hall_pir"].messages == 5


def _key(e: Event):
    return (e.sensor, e.kind, e.time, e.value)


def test_a_payload_time_with_an_offset_is_told_in_the_homes_zone_not_the_machines(broker, store, machine_zone):
    """A hub in Seoul on a Pi left on another zone: a device that stamps its readings in UTC (or
    with any offset) is stored at the home's wall time, as the hub's clock tells it."""
    machine_zone("America/Sao_Paulo")
    seoul = ManualClock(dt.datetime(2024, 3, 4, 8, 0), "Asia/Seoul")
    ingest = MqttIngest(MqttConfig(port=broker.port, client_id="zone-test", devices=DEVICES), HOUSEHOLD, store, seoul)
    ingest.start()
    try:
        assert ingest.wait_connected(10)
        publish(broker.host, broker.port, [
            ("eldercare/h1/sensor/kitchen_pir", b'{"kind": "motion", "value": 1, "time": "2024-03-03T22:55:00Z"}'),
            ("tele/tv/SENSOR", b'{"Time": "2024-03-04T07:58:30+09:00", "ENERGY": {"Power": 3}}')])
        wait_until(lambda: store.count_events() >= 2, what="both readings")
        stored = {(e.sensor, e.kind): e.time for e in store.events()}
    finally:
        ingest.stop()
    assert stored[("kitchen_pir", "motion")] == dt.datetime(2024, 3, 4, 7, 55)
    assert stored[("tv", "power")] == dt.datetime(2024, 3, 4, 7, 58, 30)
