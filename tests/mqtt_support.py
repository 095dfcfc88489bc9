"""Helpers for tests that talk to the real Mosquitto broker: publish and wait, both bounded."""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from hub.bench_ingest import example_devices

HOUSEHOLD = "h1"

#: One device of every format, as a household's config would list them.
DEVICES = example_devices(HOUSEHOLD)


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
    """Poll ``predicate`` until true; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


def publish(host: str, port: int, messages: Iterable[tuple[str, bytes | str]], *, qos: int = 1,
            retain: bool = False, timeout: float = 30.0) -> int:
    """Publish messages at ``qos`` and wait until the broker has acknowledged every one."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="", clean_session=True)
    client.max_inflight_messages_set(200)
    client.connect(host, port)
    client.loop_start()
    try:
        infos = [client.publish(topic, payload, qos=qos, retain=retain) for topic, payload in messages]
        deadline = time.monotonic() + timeout
        for info in infos:
            assert info.rc == mqtt.MQTT_ERR_SUCCESS, mqtt.error_string(info.rc)
            info.wait_for_publish(max(0.1, deadline - time.monotonic()))
            assert info.is_published(), "broker did not acknowledge a publish in time"
        return len(infos)
    finally:
        client.disconnect()
        client.loop_stop()
