"""MQTT ingest against a real Mosquitto: ack after commit, exactly once across crashes and broker
restarts, bad payloads quarantined and acknowledged."""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from hub.config import MqttConfig, load_config
from hub.mqtt_ingest import MqttIngest
from hub.store import Store
from tests.mqtt_support import DEVICES, HOUSEHOLD, publish, wait_until

SHELLY = "shellies/shellyplug-s-ABC123/relay/0/power"
BED = "eldercare/h1/sensor/bed"


def make_ingest(broker, store, clock, client_id="ingest-test", **kw) -> MqttIngest:
    ingest = MqttIngest(MqttConfig(port=broker.port, client_id=client_id, devices=DEVICES), HOUSEHOLD,
                        store, clock, **kw)
    ingest.start()
    assert ingest.wait_connected(10), "ingest did not connect"
    return ingest


def native(i: int, base: dt.datetime) -> tuple[str, str]:
    """A native bed reading with its own time, so every message is recognisable in the store."""
    return BED, json.dumps({"kind": "pressure", "value": i % 2, "time": (base + dt.timedelta(seconds=i)).isoformat()})


def test_same_payload_repeated_is_stored_every_time(broker, store, clock):
    """A content hash would drop these: a Shelly reports 0.0 again and again."""
    ingest = make_ingest(broker, store, clock)
    try:
        publish(broker.host, broker.port, [(SHELLY, b"0.0")] * 50)
        wait_until(lambda: ingest.stats.total("messages") == 50, what="50 messages")
    finally:
        ingest.stop()
    rows = store.query("SELECT kind, count(*) FROM events GROUP BY kind ORDER BY kind")
    assert [tuple(r) for r in rows] == [("appliance", 1), ("power", 50)]


def test_a_contact_repeating_its_state_is_one_reading_and_its_batteries_are_all_kept(broker, store, clock):
    """Zigbee2MQTT republishes a contact sensor's state with every battery report and heartbeat:
    the front door left open must not read as the resident opening it again and again, also
    not after a restart (the state the store holds is where the ingest picks up)."""
    door = "zigbee2mqtt/front_door"

    def state(is_open: bool, battery: int) -> tuple[str, str]:
        return door, json.dumps({"contact": not is_open, "battery": battery, "voltage": 3005, "linkquality": 90})

    first = [state(True, 99), state(True, 99), state(True, 98), state(False, 98), state(False, 98), state(True, 97)]
    ingest = make_ingest(broker, store, clock)
    try:
        publish(broker.host, broker.port, first)
        wait_until(lambda: ingest.stats.total("messages") == len(first), what="the door's messages")
    finally:
        ingest.stop()
    restarted = make_ingest(broker, store, clock)
    try:
        publish(broker.host, broker.port, [state(True, 97), state(False, 97)])
        wait_until(lambda: restarted.stats.total("messages") == 2, what="the messages after the restart")
    finally:
        restarted.stop()
    doors = store.query("SELECT value FROM events WHERE sensor='front_door' AND kind='door' ORDER BY id")
    assert [r[0] for r in doors] == [1, 0, 1, 0]
    batteries = store.query("SELECT count(*) FROM events WHERE sensor='front_door' AND kind='battery'")
    assert batteries[0][0] == len(first) + 2


def test_on_stored_gets_committed_events(broker, store, clock):
    seen = []
    ingest = make_ingest(broker, store, clock, on_stored=lambda events: seen.extend(
        (e, store.query("SELECT count(*) FROM events WHERE source_id=?", (e.reading_id,))[0][0]) for e in events))
    try:
        publish(broker.host, broker.port, [native(i, clock.now() - dt.timedelta(hours=1)) for i in range(5)])
        wait_until(lambda: len(seen) == 5, what="five callbacks")
    finally:
        ingest.stop()
    assert [committed for _, committed in seen] == [1] * 5
    assert [e.value for e, _ in seen] == [0, 1, 0, 1, 0]


def test_malformed_payloads_quarantined_counted_logged_once_and_acked(broker, store, clock, caplog):
    caplog.set_level(logging.WARNING, logger="hub.mqtt_ingest")
    ingest = make_ingest(broker, store, clock)
    try:
        publish(broker.host, broker.port, [
            ("zigbee2mqtt/hall_pir", b'{"occupancy":tru'), ("zigbee2mqtt/hall_pir", b'{"occupancy":true}'),
            ("zigbee2mqtt/hall_pir", b"\xff\xfe"), ("zigbee2mqtt/hall_pir", b'{"linkquality":3}'),
            ("eldercare/h1/sensor/stray", b'{"value":1}'), ("zigbee2mqtt/hall_pir", b'{"occupancy":false}'),
        ])
        wait_until(lambda: ingest.stats.total("messages") == 6, what="six messages")
    finally:
        ingest.stop()
    stats = ingest.stats.snapshot()
    assert (stats["hall_pir"].messages, stats["hall_pir"].rejected, stats["hall_pir"].events) == (5, 3, 2)
    assert "no known key" in stats["hall_pir"].last_reason
    assert stats["stray"].rejected == 1
    kept = store.quarantined()
    assert [(r["topic"], bytes(r["payload"])) for r in reversed(kept)] == [
        ("zigbee2mqtt/hall_pir", b'{"occupancy":tru'), ("zigbee2mqtt/hall_pir", b"\xff\xfe"),
        ("zigbee2mqtt/hall_pir", b'{"linkquality":3}'), ("eldercare/h1/sensor/stray", b'{"value":1}')]
    assert all(r["reason"] for r in kept)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert sum("hall_pir" in w for w in warnings) == 1 and sum("stray" in w for w in warnings) == 1
    assert [e.value for e in store.events()] == [1, 0]
    # acknowledged: a new session of the same client gets nothing back
    again = make_ingest(broker, store, clock)
    time.sleep(0.5)  # bounded: nothing is expected to arrive
    again.stop()
    assert again.stats.total("messages") == 0
    assert len(store.quarantined()) == 4


def test_a_payload_that_crashes_a_decoder_is_quarantined_and_ingestion_goes_on(broker, store, clock):
    """A 400-digit battery level overflows float(): one payload lost to quarantine, not the flusher."""
    ingest = make_ingest(broker, store, clock)
    try:
        publish(broker.host, broker.port, [("zigbee2mqtt/hall_pir", '{"battery": %s}' % ("9" * 400))])
        publish(broker.host, broker.port, [("zigbee2mqtt/hall_pir", b'{"occupancy":true}')])
        wait_until(lambda: ingest.stats.total("messages") == 2, what="both messages")
    finally:
        ingest.stop()
    assert [(e.sensor, e.kind, e.value) for e in store.events()] == [("hall_pir", "motion", 1.0)]
    kept = store.quarantined()
    assert len(kept) == 1 and "OverflowError" in kept[0]["reason"]


class CrashBeforeAck(MqttIngest):
    """Commits but never acknowledges: what a power cut between commit and PUBACK leaves."""

    def _ack(self, batch):
        pass


def test_redelivery_after_commit_without_ack_is_not_stored_twice(broker, store, clock):
    crashed = CrashBeforeAck(MqttConfig(port=broker.port, client_id="ingest-test", devices=DEVICES),
                             HOUSEHOLD, store, clock)
    crashed.start()
    assert crashed.wait_connected(10)
    publish(broker.host, broker.port, [(SHELLY, b"0.0")] * 20 + [native(i, clock.now()) for i in range(20)])
    wait_until(lambda: store.count_events() == 20 + 1 + 20, what="first commit")
    crashed.stop()
    clock.advance(dt.timedelta(minutes=5))  # redelivered copies would get a new reception time
    ingest = make_ingest(broker, store, clock)
    try:
        wait_until(lambda: ingest.stats.total("duplicates") == 40, what="40 redeliveries recognised")
    finally:
        ingest.stop()
    assert store.count_events() == 41
    # and they were acknowledged this time
    last = make_ingest(broker, store, clock)
    time.sleep(0.5)  # bounded: nothing is expected to arrive
    last.stop()
    assert last.stats.total("messages") == 0


def test_retained_availability_is_not_stored_again_on_resubscribe(broker, store, clock):
    publish(broker.host, broker.port, [("zigbee2mqtt/hall_pir/availability", b'{"state":"online"}')], retain=True)
    for _ in range(2):
        ingest = make_ingest(broker, store, clock)
        wait_until(lambda: ingest.stats.total("messages") == 1, what="retained message")
        ingest.stop()
    assert [(e.kind, e.value) for e in store.events()] == [("availability", 1)]


def test_a_qos0_door_opening_while_the_hub_restarts_is_not_lost(broker, store, clock):
    """Zigbee2MQTT (per-device ``qos`` unset), Tasmota and Shelly publish at QoS 0; the broker
    queues it for the hub's persistent session only with ``queue_qos0_messages``."""
    deploy = (Path(__file__).resolve().parents[2] / "deploy" / "mosquitto-eldercare.conf").read_text()
    assert "\nqueue_qos0_messages true\n" in deploy, "the broker the README installs queues QoS 0 too"
    make_ingest(broker, store, clock).stop()  # the hub's session exists; now it restarts
    publish(broker.host, broker.port, [("zigbee2mqtt/front_door", b'{"contact":false,"battery":100}')], qos=0)
    ingest = make_ingest(broker, store, clock)
    try:
        wait_until(lambda: store.count_events() >= 2, timeout=5, what="the door opening sent while the hub was down")
    finally:
        ingest.stop()
    assert [(e.sensor, e.kind, e.value) for e in store.events()] == [("front_door", "door", 1.0),
                                                                    ("front_door", "battery", 100.0)]


def test_broker_restart_during_ingestion_loses_nothing(broker, store, clock):
    slow = lambda events: time.sleep(0.01)  # noqa: E731 - keeps ingestion busy while the broker restarts
    ingest = make_ingest(broker, store, clock, on_stored=slow, batch_size=20)
    base = clock.now() - dt.timedelta(hours=2)
    try:
        publish(broker.host, broker.port, [native(i, base) for i in range(1500)])
        wait_until(lambda: store.count_events() >= 100, what="ingestion under way")
        assert store.count_events() < 1500, "ingestion finished before the restart; test proves nothing"
        broker.restart()
        publish(broker.host, broker.port, [native(i, base) for i in range(1500, 2000)])
        wait_until(lambda: store.count_events() >= 2000, timeout=60, what="all 2000 events")
        time.sleep(0.3)  # bounded: a duplicate would show up now
    finally:
        ingest.stop()
    times = [r[0] for r in store.query("SELECT ts FROM events ORDER BY ts")]
    assert times == [(base + dt.timedelta(seconds=i)).isoformat() for i in range(2000)]


# ---------------------------------------------------------------------- crash of the hub process

def _count(path: Path) -> int:
    if not path.exists():
        return 0
    conn = sqlite3.connect(path, timeout=10)
    try:
        return conn.execute("SELECT count(*) FROM events").fetchone()[0]
    except sqlite3.OperationalError:  # the hub has not created its tables yet
        return 0
    finally:
        conn.close()


def _start_hub(config: Path, log: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "hub.mqtt_ingest", "--config", str(config)],
                            stdout=subprocess.DEVNULL, stderr=log.open("ab"),
                            cwd=Path(__file__).resolve().parents[2])
    wait_until(lambda: log.read_text().count("subscribed to") >= _start_hub.starts.get(log, 0) + 1,
               timeout=20, what="hub subscribed")
    _start_hub.starts[log] = _start_hub.starts.get(log, 0) + 1
    return proc


_start_hub.starts = {}


@pytest.mark.slow
def test_sigkill_during_ingestion_then_restart_stores_everything_exactly_once(broker, tmp_path):
    db = tmp_path / "hub.sqlite"
    config = tmp_path / "hub.toml"
    config.write_text(f'[household]\nid = "{HOUSEHOLD}"\n[store]\npath = "{db}"\n'
                      f'[mqtt]\nenabled = true\nport = {broker.port}\nclient_id = "crash-hub"\n')
    log = tmp_path / "hub.log"
    total = 3000
    base = dt.datetime.now().replace(microsecond=0) - dt.timedelta(hours=3)
    hub = _start_hub(config, log)
    publisher = threading.Thread(target=publish, args=(broker.host, broker.port,
                                                       [native(i, base) for i in range(total)]))
    publisher.start()
    try:
        wait_until(lambda: _count(db) >= total // 4, timeout=30, what="a quarter ingested")
        os.kill(hub.pid, signal.SIGKILL)
        hub.wait(10)
        killed_at = _count(db)
        assert killed_at < total, "ingestion finished before the kill; test proves nothing"
        publisher.join(60)
        hub = _start_hub(config, log)
        wait_until(lambda: _count(db) >= total, timeout=60, what=f"all {total} events")
        time.sleep(0.5)  # bounded: a duplicate would show up now
    finally:
        if hub.poll() is None:
            hub.terminate()
            hub.wait(10)
        publisher.join(60)
    with Store(db) as store:
        times = [r[0] for r in store.query("SELECT ts FROM events ORDER BY ts")]
    assert times == [(base + dt.timedelta(seconds=i)).isoformat() for i in range(total)]


def test_device_mapping_comes_from_the_config_file(broker, store, clock, tmp_path):
    path = tmp_path / "hub.toml"
    path.write_text(f"""
[household]
id = "h1"
[mqtt]
enabled = true
port = {broker.port}
client_id = "mapping-test"
[[mqtt.devices]]
topic = "zigbee2mqtt/0x00158d0001a2b3c4"
format = "zigbee2mqtt"
sensor = "bathroom_door"
kind = "contact"
room = "bathroom"
[[mqtt.devices]]
topic = "tele/plug_3"
format = "tasmota"
sensor = "microwave"
room = "kitchen"
on_watts = 400
""")
    cfg = load_config(path)
    ingest = MqttIngest(cfg.mqtt, cfg.household.id, store, clock)
    ingest.start()
    assert ingest.wait_connected(10)
    try:
        publish(broker.host, broker.port, [
            ("zigbee2mqtt/0x00158d0001a2b3c4", b'{"contact":false,"linkquality":80}'),
            ("tele/plug_3/SENSOR", b'{"ENERGY":{"Power":350}}'),
            ("tele/plug_3/SENSOR", b'{"ENERGY":{"Power":900}}')])
        wait_until(lambda: ingest.stats.total("messages") == 3, what="three messages")
    finally:
        ingest.stop()
    got = [(e.sensor, e.kind, e.value, e.room, e.household) for e in store.events()]
    assert got == [("bathroom_door", "contact", 1, "bathroom", "h1"), ("microwave", "power", 350, "kitchen", "h1"),
                   ("microwave", "appliance", 0, "kitchen", "h1"), ("microwave", "power", 900, "kitchen", "h1"),
                   ("microwave", "appliance", 1, "kitchen", "h1")]
