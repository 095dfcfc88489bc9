"""Hub -> office publisher: alerts, hourly summaries, sensor health and a retained heartbeat.

Topics (QoS 1, persistent session, per-hub credentials)::

    eldercare/<household>/alert     one Alert JSON (hub.alert.Alert.to_json) per message
    eldercare/<household>/summary   {"household", "rows": [hourly summary JSON, ...]}
    eldercare/<household>/health    {"household", "time", "sensors": [sensor health JSON, ...]}
    eldercare/<household>/status    retained {"state": "online", "household", "time"};
                                    last will (retained, QoS 1) {"state": "offline", "household"}

Every alert, summary and health message carries ``"id"`` (unique per message) so the office can
drop the repeats that at-least-once delivery allows. Raw events never go upstream: this module
has no way to send one.

**Nothing is lost when the office is away.** A message is first written to the ``uplink_outbox``
table (migration component ``uplink``), then handed to paho; its row is deleted only when the
office broker acknowledges it (``on_publish``). At most ``max_inflight`` messages are handed to
paho at a time (paho refuses QoS 1 publishes beyond 65,535 unacknowledged, REFERENCE §8); the
rest wait in the outbox, which holds at most ``max_outbox`` rows (the oldest non-alert rows go
first when it is full, with a warning). Every publish's return code is checked. Rows still in the
outbox when the hub restarts are sent again.
"""
from __future__ import annotations

import json
import logging
import queue
import threading
import uuid
from collections.abc import Iterable
from typing import Any, Protocol

import paho.mqtt.client as mqtt

from hub.alert import Alert, AllClear
from hub.clock import Clock
from hub.config import UplinkConfig
from hub.mqtt_auth import persistent_client
from hub.events import format_time
from hub.store import Store

log = logging.getLogger(__name__)

UPLINK_MIGRATIONS: tuple[str, ...] = (
    # 1: messages waiting for the office broker's acknowledgement
    """
    CREATE TABLE uplink_outbox (
        id INTEGER PRIMARY KEY,
        topic TEXT NOT NULL,
        payload TEXT NOT NULL,
        created TEXT NOT NULL
    );
    """,
)


#: hourly summary rows per message (a day of a busy home is ~200 rows, ~25 kB of JSON)
SUMMARY_ROWS = 500


class Jsonable(Protocol):
    """Anything with a ``to_json()`` dict: an hourly summary, a sensor health record."""

    def to_json(self) -> dict[str, Any]:
        ...


class Uplink:
    """Publishes this hub's alerts, summaries, health and heartbeat to the office broker::

        uplink = Uplink(cfg.uplink, cfg.household.id, store, SystemClock())
        uplink.start()
        uplink.publish_alert(alert)      # durable at once; sent when the office is reachable
        uplink.heartbeat()               # from the scheduler, e.g. every minute
        uplink.stop()                    # publishes status "offline"
    """

    def __init__(self, config: UplinkConfig, household: str, store: Store, clock: Clock, *,
                 max_outbox: int = 10_000) -> None:
        self.config = config
        self.household = household
        self.store = store
        self.clock = clock
        self.max_outbox = max_outbox
        self.max_inflight = max(1, config.max_inflight)
        self.base = f"eldercare/{household}"
        self.connected = threading.Event()
        #: the most messages ever handed to paho and not yet acknowledged (for monitoring)
        self.peak_in_flight = 0
        store.migrate("uplink", UPLINK_MIGRATIONS)
        # Only the sender thread publishes outbox rows and owns the mid -> row map. paho calls
        # on_publish while holding its own outgoing-message lock, so that callback only queues the
        # mid: taking any lock there that is also held around publish() would deadlock.
        self._in_flight: dict[int, int] = {}  # paho mid -> outbox row id
        self._in_flight_lock = threading.Lock()  # never held while calling paho
        self._acked: queue.SimpleQueue[int] = queue.SimpleQueue()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._sender: threading.Thread | None = None
        self._client = self._make_client()

    def _make_client(self) -> mqtt.Client:
        client = persistent_client(self.config.client_id or f"eldercare-uplink-{self.household}", self.config,
                                   max_reconnect_delay=60)
        client.will_set(f"{self.base}/status", json.dumps({"state": "offline", "household": self.household}),
                        qos=1, retain=True)
        client.max_inflight_messages_set(self.max_inflight)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_publish = self._on_publish
        return client

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Connect in the background; reconnects by itself while the office is unreachable."""
        self._stopping.clear()
        self._sender = threading.Thread(target=self._send_loop, name="uplink-sender", daemon=True)
        self._sender.start()
        self._client.connect_async(self.config.host, self.config.port, keepalive=60)
        self._client.loop_start()

    def wait_connected(self, timeout: float) -> bool:
        """Block until connected to the office broker (or ``timeout`` seconds)."""
        return self.connected.wait(timeout)

    def stop(self, timeout: float = 5.0) -> None:
        """Say "offline" (retained), wait briefly for in-flight messages, and disconnect."""
        self._stopping.set()
        self._wake.set()
        if self._sender is not None:
            self._sender.join(timeout)
            self._sender = None
        if self.connected.is_set():
            info = self._client.publish(f"{self.base}/status", self._status("offline"), qos=1, retain=True)
            if info.rc == mqtt.MQTT_ERR_SUCCESS:
                try:
                    info.wait_for_publish(timeout)
                except RuntimeError:  # connection lost meanwhile; the will says offline anyway
                    pass
        self._client.disconnect()
        self._client.loop_stop()

    # ------------------------------------------------------------------ what goes upstream

    def publish_alert(self, alert: Alert) -> None:
        """Queue an alert for the office (``.../alert``)."""
        self._enqueue("alert", alert.to_json())

    def publish_all_clear(self, notice: AllClear) -> None:
        """Queue the news that an alert's condition is over for the office (``.../alert``, marked
        ``all_clear``), kept as an alert is when the outbox must shed messages."""
        self._enqueue("alert", notice.to_json())

    def publish_summaries(self, rows: Iterable[Jsonable]) -> None:
        """Queue hourly summaries for the office (``.../summary``), up to ``SUMMARY_ROWS`` rows per
        message (a catch-up after downtime or an import can be thousands of rows)."""
        rows = [r.to_json() for r in rows]
        for i in range(0, len(rows), SUMMARY_ROWS):
            self._enqueue("summary", {"household": self.household, "rows": rows[i:i + SUMMARY_ROWS]})

    def publish_days(self, days: Iterable[dict[str, Any]]) -> None:
        """Queue finished days' summaries (wake and bed time, active and night minutes) for the
        office's trend charts (``.../summary`` with a ``days`` list)."""
        days = list(days)
        if days:
            self._enqueue("summary", {"household": self.household, "rows": [], "days": days})

    def publish_health(self, sensors: Iterable[Jsonable]) -> None:
        """Queue the sensors' health for the office (``.../health``)."""
        self._enqueue("health", {"household": self.household, "time": format_time(self.clock.now()),
                                 "sensors": [s.to_json() for s in sensors]})

    def heartbeat(self) -> bool:
        """Publish the retained "online" status now; False when the office is unreachable
        (a heartbeat is a fact about now, so it is not kept for later)."""
        if not self.connected.is_set():
            return False
        info = self._client.publish(f"{self.base}/status", self._status("online"), qos=1, retain=True)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            log.warning("heartbeat not sent: %s", mqtt.error_string(info.rc))
            return False
        return True

    def pending(self) -> int:
        """How many messages wait in the outbox (sent but unacknowledged ones included)."""
        return self.store.query("SELECT count(*) FROM uplink_outbox")[0][0]

    @property
    def in_flight(self) -> int:
        """Messages handed to paho and not yet acknowledged by the office."""
        with self._in_flight_lock:
            return len(self._in_flight)

    # ------------------------------------------------------------------ outbox

    def _status(self, state: str) -> str:
        return json.dumps({"state": state, "household": self.household, "time": format_time(self.clock.now())})

    def _enqueue(self, what: str, body: dict[str, Any]) -> None:
        payload = json.dumps({"id": uuid.uuid4().hex, **body}, separators=(",", ":"))
        with self._in_flight_lock:
            busy = set(self._in_flight.values())
        with self.store.transaction() as conn:
            conn.execute("INSERT INTO uplink_outbox (topic, payload, created) VALUES (?, ?, ?)",
                         (f"{self.base}/{what}", payload, format_time(self.clock.now())))
            size = conn.execute("SELECT count(*) FROM uplink_outbox").fetchone()[0]
            if size > self.max_outbox:
                self._trim(conn, size - self.max_outbox, busy)
        self._wake.set()

    def _trim(self, conn, excess: int, busy: set[int]) -> None:
        """Drop the oldest rows beyond the cap (never ones in flight), summaries and health first."""
        alert_topic = f"{self.base}/alert"
        for only_non_alerts in (True, False):
            rows = conn.execute(
                "SELECT id FROM uplink_outbox " + ("WHERE topic != ? " if only_non_alerts else "") + "ORDER BY id",
                (alert_topic,) if only_non_alerts else ()).fetchall()
            doomed = [r[0] for r in rows if r[0] not in busy][:excess]
            conn.executemany("DELETE FROM uplink_outbox WHERE id=?", [(i,) for i in doomed])
            excess -= len(doomed)
            if doomed:
                log.warning("uplink outbox full (%d): dropped %d oldest %s", self.max_outbox, len(doomed),
                            "summaries/health messages" if only_non_alerts else "messages")
            if excess <= 0:
                return

    def _send_loop(self) -> None:
        """The sender thread: forget acknowledged rows, hand waiting ones to paho."""
        while not self._stopping.is_set():
            self._wake.wait(1.0)
            self._wake.clear()
            try:
                self._forget_acknowledged()
                if self.connected.is_set():
                    self._drain()
            except Exception:  # e.g. the store busy for a moment: try again, never let the sender die
                log.exception("uplink sender failed; retrying in a second")

    def _forget_acknowledged(self) -> None:
        """Delete the outbox rows the office broker has acknowledged."""
        done = []
        while True:
            try:
                mid = self._acked.get_nowait()
            except queue.Empty:
                break
            with self._in_flight_lock:
                row_id = self._in_flight.pop(mid, None)
            if row_id is not None:  # None: a status message, not from the outbox
                done.append((row_id,))
        if done:
            with self.store.transaction() as conn:
                conn.executemany("DELETE FROM uplink_outbox WHERE id=?", done)

    def _drain(self) -> None:
        """Hand waiting rows to paho, keeping at most ``max_inflight`` unacknowledged."""
        with self._in_flight_lock:
            busy = set(self._in_flight.values())
        room = self.max_inflight - len(busy)
        if room <= 0:
            return
        rows = self.store.query("SELECT id, topic, payload FROM uplink_outbox ORDER BY id LIMIT ?",
                                (room + len(busy),))
        for row_id, topic, payload in rows:
            if row_id in busy:
                continue
            info = self._client.publish(topic, payload, qos=1)
            # NO_CONN: the connection dropped just now; paho keeps the message and sends it on
            # reconnect, so it is in flight all the same
            if info.rc not in (mqtt.MQTT_ERR_SUCCESS, mqtt.MQTT_ERR_NO_CONN):
                log.warning("uplink publish refused (%s); %d messages wait in the outbox",
                            mqtt.error_string(info.rc), len(rows))
                break
            with self._in_flight_lock:
                self._in_flight[info.mid] = row_id
                self.peak_in_flight = max(self.peak_in_flight, len(self._in_flight))
            room -= 1
            if room <= 0:
                break

    # ------------------------------------------------------------------ paho callbacks (loop thread)

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            log.error("office broker %s:%d refused the connection: %s", self.config.host, self.config.port,
                      reason_code)
            return
        self.connected.set()
        log.info("uplink connected to %s:%d", self.config.host, self.config.port)
        info = client.publish(f"{self.base}/status", self._status("online"), qos=1, retain=True)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            log.warning("online status not sent: %s", mqtt.error_string(info.rc))
        self._wake.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self.connected.clear()
        if reason_code != 0 and not self._stopping.is_set():
            log.warning("uplink lost the office broker (%s); messages wait in the outbox", reason_code)

    def _on_publish(self, client, userdata, mid, reason_code, properties) -> None:
        self._acked.put(mid)
        self._wake.set()
