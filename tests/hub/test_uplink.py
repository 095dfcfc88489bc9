"""The uplink against a real Mosquitto playing the office broker."""
from __future__ import annotations

import datetime as dt
import json
import threading

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from hub.alert import Alert
from hub.config import UplinkConfig
from hub.events import Event
from hub.health import sensor_health
from hub.uplink import Uplink
from tests.mqtt_support import wait_until


class Office:
    """A subscriber on the office side that records every message under eldercare/#."""

    def __init__(self, broker) -> None:
        self.messages: list[tuple[str, dict, bool]] = []
        self._lock = threading.Lock()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="office", clean_session=False)
        self.client.on_connect = lambda c, *_: c.subscribe("eldercare/#", qos=1)
        self.client.on_message = self._on_message
        self.client.connect(broker.host, broker.port)
        self.client.loop_start()

    def _on_message(self, client, userdata, msg) -> None:
        with self._lock:
            self.messages.append((msg.topic, json.loads(msg.payload), msg.retain))

    def on(self, suffix: str) -> list[dict]:
        with self._lock:
            return [p for t, p, _ in self.messages if t.endswith("/" + suffix)]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def office(broker):
    o = Office(broker)
    wait_until(lambda: o.client.is_connected(), what="office subscriber")
    yield o
    o.close()


def alert(i: int) -> Alert:
    return Alert(dt.datetime(2024, 3, 4, 10, i), "h1", "inactivity", "high", f"no movement #{i}",
                 evidence={"since": "08:42"})


class Row:
    def __init__(self, i: int) -> None:
        self.i = i

    def to_json(self) -> dict:
        return {"hour": f"2024-03-04T{self.i:02d}:00:00", "room": "hall", "kind": "motion", "events": self.i}


def test_alerts_summaries_health_and_heartbeat_reach_the_office(broker, office, store, clock):
    store.add_events([Event(clock.now(), "hall_pir", "battery", 31, "hall", "h1")])
    uplink = Uplink(UplinkConfig(enabled=True, port=broker.port), "h1", store, clock)
    uplink.start()
    try:
        assert uplink.wait_connected(10)
        uplink.publish_alert(alert(1))
        uplink.publish_summaries([Row(7), Row(8)])
        uplink.publish_health(sensor_health(store, "h1"))
        wait_until(lambda: uplink.pending() == 0 and office.on("health"), what="delivery")
        assert uplink.heartbeat()
        wait_until(lambda: len(office.on("status")) >= 2, what="heartbeat")
    finally:
        uplink.stop()
    wait_until(lambda: office.on("status")[-1]["state"] == "offline", what="offline status")
    got = office.on("alert")[0]
    assert Alert.from_json(got) == alert(1) and got["evidence"] == {"since": "08:42"} and got["id"]
    assert [r["events"] for r in office.on("summary")[0]["rows"]] == [7, 8]
    assert office.on("health")[0]["sensors"][0]["battery"] == 31
    assert {t.rsplit("/", 1)[1] for t, _, _ in office.messages} == {"alert", "summary", "health", "status"}


def test_office_down_messages_wait_in_the_outbox_and_go_when_it_is_back(broker, office, store, clock):
    broker.stop()
    uplink = Uplink(UplinkConfig(enabled=True, port=broker.port, max_inflight=5), "h1", store, clock)
    uplink.start()
    try:
        for i in range(40):
            uplink.publish_alert(alert(i))
        assert uplink.pending() == 40 and uplink.in_flight == 0 and not uplink.heartbeat()
        broker.start()
        assert uplink.wait_connected(15)
        wait_until(lambda: len(office.on("alert")) >= 40, timeout=20, what="40 alerts at the office")
        wait_until(lambda: uplink.pending() == 0, what="outbox empty")
    finally:
        uplink.stop()
    assert sorted(a["message"] for a in office.on("alert")) == sorted(f"no movement #{i}" for i in range(40))
    assert uplink.peak_in_flight <= 5


def test_outbox_survives_a_hub_restart(broker, office, store, clock):
    broker.stop()
    first = Uplink(UplinkConfig(enabled=True, port=broker.port), "h1", store, clock)
    first.publish_alert(alert(3))  # never started: the hub died before it could connect
    broker.start()
    second = Uplink(UplinkConfig(enabled=True, port=broker.port), "h1", store, clock)
    second.start()
    try:
        wait_until(lambda: office.on("alert"), what="alert from the previous run")
        wait_until(lambda: second.pending() == 0, what="outbox empty")
    finally:
        second.stop()
    assert office.on("alert")[0]["message"] == "no movement #3"


def test_full_outbox_drops_oldest_summaries_before_alerts(broker, store, clock, caplog):
    broker.stop()
    uplink = Uplink(UplinkConfig(enabled=True, port=broker.port), "h1", store, clock, max_outbox=5)
    uplink.publish_alert(alert(0))
    for i in range(6):
        uplink.publish_summaries([Row(i)])
    uplink.publish_alert(alert(1))
    rows = [(t.rsplit("/", 1)[1], json.loads(p)) for t, p in
            store.query("SELECT topic, payload FROM uplink_outbox ORDER BY id")]
    assert [k for k, _ in rows] == ["alert", "summary", "summary", "summary", "alert"]
    assert [p["rows"][0]["events"] for k, p in rows if k == "summary"] == [3, 4, 5]
    assert "outbox full" in caplog.text


def test_last_will_says_offline_when_the_hub_drops(broker, office, store, clock):
    uplink = Uplink(UplinkConfig(enabled=True, port=broker.port), "h1", store, clock)
    uplink.start()
    try:
        assert uplink.wait_connected(10)
        wait_until(lambda: office.on("status"), what="online status")
        uplink._client.socket().close()  # an abrupt drop: no DISCONNECT packet, as in a power cut
        wait_until(lambda: any(s["state"] == "offline" for s in office.on("status")), what="last will")
        wait_until(lambda: office.on("status")[-1]["state"] == "online", timeout=15, what="back online")
    finally:
        uplink.stop()
    retained = []
    late = mqtt.Client(CallbackAPIVersion.VERSION2)
    late.on_message = lambda c, u, m: retained.append((json.loads(m.payload)["state"], m.retain))
    late.connect(broker.host, broker.port)
    late.subscribe("eldercare/h1/status", qos=1)
    late.loop_start()
    try:
        wait_until(lambda: retained, what="retained status")
    finally:
        late.disconnect()
        late.loop_stop()
    assert retained == [("offline", True)]


def test_the_sender_survives_a_failure_and_sends_on(broker, office, store, clock, monkeypatch):
    from hub.errors import StoreError

    uplink = Uplink(UplinkConfig(enabled=True, port=broker.port), "h1", store, clock)
    drain, failures = uplink._drain, []

    def drain_failing_once():
        if not failures:
            failures.append(1)
            raise StoreError("query failed: database is locked")
        drain()

    monkeypatch.setattr(uplink, "_drain", drain_failing_once)
    uplink.start()
    try:
        assert uplink.wait_connected(10)
        uplink.publish_alert(alert(1))
        wait_until(lambda: office.on("alert"), what="the alert at the office after the failure")
    finally:
        uplink.stop()
    assert failures and office.on("alert")[0]["message"] == "no movement #1"
