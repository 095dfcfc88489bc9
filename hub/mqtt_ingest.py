"""The local-broker client: device MQTT messages in, committed events out, acknowledged after.

:class:`MqttIngest` subscribes (QoS 1, persistent session, fixed client id) to every configured
device's topics, decodes each message (``hardware.decoders``), commits the events in batches and
only then sends each message's PUBACK (paho-mqtt 2.x ``manual_ack``). A power cut therefore
loses nothing the broker delivered: an unacknowledged message comes back when the hub reconnects.

**Exactly once.** A message can be committed and then redelivered (the hub died between commit
and PUBACK). Its events carry the hub's reception time, so the event rows alone cannot recognise
the repeat, and a content hash cannot either (a Shelly sends ``0.0`` again and again). So each
commit also writes ``mqtt_inflight(mid, digest)`` in the same transaction. A redelivery is marked
``dup`` by the broker (MQTT-3.3.1-1) and reuses the packet id, which the broker does not reuse for
another message until the first is acknowledged; a ``dup`` delivery whose (mid, digest) is in the
table is therefore the same message: it is acknowledged and not stored again. A row is replaced
when the broker sends a new message with the same mid (which proves the old one was acknowledged)
and the table is emptied when the broker reports no session (no redelivery can follow).

**Acks never cross connections.** Deliveries received before a reconnect are committed but not
acknowledged on the new connection: the broker redelivers them there (``dup``) and the redelivered
copy is the one acknowledged, so a late ack can never acknowledge a different message that the
broker meanwhile sent under the same, freed, mid.

**States, not repeats.** A door, contact, mat, lamp or appliance state is stored only when it
changes (``hardware.decoders.states``): Zigbee2MQTT repeats a device's state with every report,
and a repeated "open" is not the resident opening the door again.

**Bad input.** A payload that cannot be decoded, or arrives on a topic no device owns, is kept in
the store's ``quarantine`` table with the reason, counted per device in :attr:`MqttIngest.stats`,
logged once per device, and acknowledged so it cannot loop.

**The broker must keep what it promised.** The hub's Mosquitto needs ``persistence true`` (queued
messages survive a broker restart), ``max_queued_messages 0`` (the default 1000 drops messages
silently after ~17 minutes of hub downtime, REFERENCE §8) and a ``max_inflight_messages`` well
above the default 20 (e.g. 1000), because with acks after commit the in-flight window is what lets
a batch fill up.

Run alone (used by the crash tests and the ingest benchmark)::

    python -m hub.mqtt_ingest --config hub.toml
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import itertools
import logging
import signal
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import paho.mqtt.client as mqtt

from hardware.decoders import StateChanges, TopicRouter
from hub.clock import Clock
from hub.config import MqttConfig
from hub.counters import KeyedCounters
from hub.mqtt_auth import persistent_client
from hub.errors import DecodeError, StoreError
from hub.events import Event
from hub.store import Store

log = logging.getLogger(__name__)

INGEST_MIGRATIONS: tuple[str, ...] = (
    # 1: packet ids committed but perhaps not yet acknowledged to the broker
    """
    CREATE TABLE mqtt_inflight (
        mid INTEGER PRIMARY KEY,
        digest TEXT NOT NULL,
        received TEXT NOT NULL
    );
    """,
)

OnStored = Callable[[list[Event]], None]

#: the value last stored for (household, sensor, kind): what a retained message or a state repeats
_LAST_VALUE = ("SELECT value FROM events WHERE household=? AND sensor=? AND kind=? "
               "ORDER BY ts DESC, id DESC LIMIT 1")

#: seconds a partial batch may wait before it is committed (the delay a quiet home's event sees)
FLUSH_INTERVAL = 0.05


@dataclass
class DeviceStats:
    """What one device (or unknown topic) sent: messages, events stored, payloads rejected."""

    messages: int = 0
    events: int = 0
    rejected: int = 0
    duplicates: int = 0
    last_reason: str = ""


class IngestStats(KeyedCounters[DeviceStats]):
    """Thread-safe counters per device; :meth:`snapshot` gives a consistent copy, :meth:`total`
    one counter (``messages``, ``events``, ``rejected``, ``duplicates``) over all devices."""

    def __init__(self) -> None:
        super().__init__(DeviceStats)
        self.batches = 0

    def add(self, outcomes: dict[str, DeviceStats]) -> None:
        """Add a batch's per-device tallies."""
        with self._lock:
            self.batches += 1
            for key, t in outcomes.items():
                s = self._row(key)
                s.messages += t.messages
                s.events += t.events
                s.rejected += t.rejected
                s.duplicates += t.duplicates
                if t.last_reason:
                    s.last_reason = t.last_reason


class _Delivery(NamedTuple):
    """One received message waiting to be committed (a tuple: made once per message on the
    network thread, so it is kept cheap)."""

    topic: str
    payload: bytes
    mid: int
    qos: int
    dup: bool
    retain: bool
    generation: int
    received: dt.datetime

    @property
    def digest(self) -> str:
        return hashlib.blake2b(self.topic.encode() + b"\0" + self.payload, digest_size=10).hexdigest()


_CLEAR_INFLIGHT = object()  # queue marker: the broker has no session for us any more


class MqttIngest:
    """Subscribes to the household's devices and commits their events before acknowledging.

    ``config`` says where the broker is and which devices exist; ``household`` is stamped on every
    event; ``on_stored`` is called with the newly committed events after each commit, e.g.
    ``EventPipeline.notify``, on the thread that committed (paho's network thread or the flusher):
    it should return quickly, as ingestion waits for it. Messages are committed in batches: a full
    batch (``batch_size``) on the network thread as its last message arrives, a partial one by a
    flusher thread within ``FLUSH_INTERVAL`` (so a quiet home's event is stored at once, and a
    backlog after downtime is drained at full speed without a hand-over per message). ``stats`` counts
    messages, events, rejected payloads and recognised redeliveries per device::

        ingest = MqttIngest(cfg.mqtt, cfg.household.id, store, SystemClock(), on_stored=pipeline.notify)
        ingest.start()
        ...
        ingest.stop()
    """

    def __init__(self, config: MqttConfig, household: str, store: Store, clock: Clock,
                 on_stored: OnStored | None = None, *, batch_size: int = 500) -> None:
        self.config = config
        self.household = household
        self.store = store
        self.clock = clock
        self.on_stored = on_stored
        self.batch_size = batch_size
        self.stats = IngestStats()
        self.router = TopicRouter(config.devices, household, clock.zone)
        self.connected = threading.Event()
        store.migrate("mqtt_ingest", INGEST_MIGRATIONS)
        self._states = StateChanges(seed=self._last_state)
        self._warned: set[str] = set()
        # event ids: unique per delivery and per run (the same message stored twice is prevented by
        # mqtt_inflight, not by the ids)
        self._run_id = uuid.uuid4().hex[:12]
        self._seq = itertools.count()
        # deliveries not yet committed; a full batch is committed right on the network thread
        # (no hand-over to another thread per message), the rest by the flusher shortly after
        self._pending: list = []
        self._pending_lock = threading.Lock()
        self._retry_at = 0.0  # monotonic time before which a failed store is not tried again
        self._retry_delay = 0.0
        self._stopping = threading.Event()
        self._flusher: threading.Thread | None = None
        # generation counts connections; _ack_lock makes "is this delivery's connection still the
        # current one?" and the ack itself one step relative to a disconnect
        self._generation = 0
        self._subscribe_mid = -1
        self._ack_lock = threading.Lock()
        self._client = self._make_client()

    # ------------------------------------------------------------------ lifecycle

    def _make_client(self) -> mqtt.Client:
        client = persistent_client(self.config.client_id, self.config, max_reconnect_delay=30, manual_ack=True)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        return client

    def start(self) -> None:
        """Connect in the background (retrying until the broker answers) and start ingesting."""
        self._stopping.clear()
        self._flusher = threading.Thread(target=self._flush_loop, name="mqtt-ingest-flush", daemon=True)
        self._flusher.start()
        self._client.connect_async(self.config.host, self.config.port, keepalive=self.config.keepalive)
        self._client.loop_start()
        log.info("MQTT ingest for %s connecting to %s:%d", self.household, self.config.host, self.config.port)

    def wait_connected(self, timeout: float) -> bool:
        """Block until subscribed to the broker (or ``timeout`` seconds); return whether it is."""
        return self.connected.wait(timeout)

    def stop(self, timeout: float = 10.0) -> None:
        """Disconnect and commit what was received; unacknowledged messages come back next start."""
        self._client.disconnect()
        self._client.loop_stop()
        self._stopping.set()
        if self._flusher is not None:
            self._flusher.join(timeout)
            self._flusher = None
        self.flush(force=True)

    # ------------------------------------------------------------------ paho callbacks (loop thread)

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            log.error("broker %s:%d refused the connection: %s", self.config.host, self.config.port, reason_code)
            return
        if not flags.session_present:
            with self._pending_lock:
                self._pending.append(_CLEAR_INFLIGHT)
        topics = self.router.subscriptions()
        result, self._subscribe_mid = client.subscribe([(t, 1) for t in topics])
        if result != mqtt.MQTT_ERR_SUCCESS:
            log.error("subscribing to %d topics failed: %s", len(topics), mqtt.error_string(result))
            return
        log.info("connected to %s:%d (session %s)", self.config.host, self.config.port,
                 "resumed" if flags.session_present else "new")

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        if mid != self._subscribe_mid:
            return
        refused = [str(rc) for rc in reason_codes if rc.is_failure]
        if refused:  # e.g. an ACL that forbids a device topic: say so, keep the topics we got
            log.error("broker refused %d of %d subscriptions: %s", len(refused), len(reason_codes),
                      ", ".join(sorted(set(refused))))
        log.info("subscribed to %d topics", len(reason_codes) - len(refused))
        self.connected.set()  # only now can a publisher rely on its messages reaching us

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        with self._ack_lock:
            self._generation += 1
        self.connected.clear()
        if not self._stopping.is_set() and reason_code != 0:
            log.warning("lost the broker %s:%d (%s); reconnecting", self.config.host, self.config.port, reason_code)

    def _on_message(self, client, userdata, msg: mqtt.MQTTMessage) -> None:
        delivery = _Delivery(msg.topic, bytes(msg.payload), msg.mid, msg.qos, bool(msg.dup), bool(msg.retain),
                             self._generation, self.clock.now())
        with self._pending_lock:
            self._pending.append(delivery)
            if len(self._pending) >= self.batch_size:
                self._commit_pending()

    # ------------------------------------------------------------------ committing

    def _flush_loop(self) -> None:
        """Commit partial batches: a quiet home sends one message now and then."""
        while not self._stopping.wait(FLUSH_INTERVAL):
            try:
                self.flush()
            except Exception:  # the flusher must outlive any bug, or a quiet home's events stop being stored
                log.exception("committing MQTT messages failed")

    def flush(self, force: bool = False) -> None:
        """Commit what is pending now (``force``: even while a failed store is backing off)."""
        with self._pending_lock:
            if force:
                self._retry_at = 0.0
            self._commit_pending()

    def _commit_pending(self) -> None:
        """Commit and acknowledge the pending deliveries (caller holds ``_pending_lock``). A store
        failure keeps them pending, unacknowledged, and backs off before the next try."""
        if not self._pending or time.monotonic() < self._retry_at:
            return
        batch, self._pending = self._pending, []
        try:
            self.process(batch)
            self._retry_delay = 0.0
        except (StoreError, sqlite3.Error) as err:
            self._states.forget()
            self._pending[:0] = batch
            self._retry_delay = min(max(self._retry_delay * 2, 0.5), 30.0)
            self._retry_at = time.monotonic() + self._retry_delay
            log.error("cannot commit %d MQTT messages, retrying in %.1f s: %s", len(self._pending),
                      self._retry_delay, err)

    def process(self, batch: Sequence) -> list[Event]:
        """Commit one batch of deliveries in one transaction, then acknowledge them and hand the
        new events to ``on_stored``. Returns the stored events."""
        stored: list[Event] = []
        inflight: list[tuple[int, str, str]] = []
        outcomes: dict[str, DeviceStats] = {}
        with self.store.transaction() as conn:
            for d in batch:
                if d is _CLEAR_INFLIGHT:  # the session is gone: no earlier delivery can come back
                    inflight.clear()
                    conn.execute("DELETE FROM mqtt_inflight")
                    continue
                self._handle(conn, d, stored, inflight, outcomes)
            conn.executemany("INSERT OR REPLACE INTO mqtt_inflight (mid, digest, received) VALUES (?, ?, ?)",
                             inflight)
            self.store.add_events(stored, conn=conn)
        self._ack([d for d in batch if d is not _CLEAR_INFLIGHT])
        self.stats.add(outcomes)
        if stored and self.on_stored is not None:
            try:
                self.on_stored(stored)
            except Exception:  # a broken listener must never stop ingestion
                log.exception("on_stored failed for %d events", len(stored))
        return stored

    def _handle(self, conn: sqlite3.Connection, d: _Delivery, stored: list[Event],
                inflight: list[tuple[int, str, str]], outcomes: dict[str, DeviceStats]) -> None:
        """Decode one delivery inside the batch's transaction (quarantining it if it is bad),
        adding its events to ``stored``, its packet id to ``inflight`` and its fate to ``outcomes``."""
        route = self.router.route(d.topic)
        key = route.device.sensor if route else d.topic
        tally = outcomes.get(key)
        if tally is None:
            tally = outcomes[key] = DeviceStats()
        tally.messages += 1
        if d.qos > 0:
            digest = d.digest
            if d.dup and self._committed(conn, d.mid, digest, inflight):
                tally.duplicates += 1
                return
            inflight.append((d.mid, digest, d.received.isoformat()))
        try:
            if route is None:
                raise DecodeError(f"no device is configured for topic {d.topic!r}")
            events = route(d.topic, d.payload, d.received, self.household, f"mqtt:{self._run_id}:{next(self._seq)}")
        except Exception as err:  # noqa: BLE001 - a decoder bug on odd input must cost one payload, not ingestion
            if isinstance(err, DecodeError):
                reason = str(err)
            else:  # e.g. OverflowError from a 400-digit number, RecursionError from deeply nested JSON
                if key not in self._warned:
                    log.exception("decoder for %s failed on a payload from %s", d.topic, key)
                reason = f"decoder error {type(err).__name__}: {err}"
            self.store.quarantine(d.topic, d.payload, reason, d.received, conn=conn)
            tally.rejected += 1
            tally.last_reason = reason
            if key not in self._warned:
                self._warned.add(key)
                log.warning("quarantined a payload from %s on %s: %s (further ones are only counted)",
                            key, d.topic, reason)
            return
        if d.retain:
            events = [e for e in events if not self._same_as_stored(conn, e)]
        events = self._states.apply(events, self.router.on_watts)
        tally.events += len(events)
        stored.extend(events)

    @staticmethod
    def _committed(conn: sqlite3.Connection, mid: int, digest: str, pending: list[tuple[int, str, str]]) -> bool:
        """Whether this (mid, digest) was already committed, or is in this very batch."""
        if any(m == mid and g == digest for m, g, _ in reversed(pending)):
            return True
        row = conn.execute("SELECT digest FROM mqtt_inflight WHERE mid=?", (mid,)).fetchone()
        return row is not None and row[0] == digest

    def _same_as_stored(self, conn: sqlite3.Connection, e: Event) -> bool:
        """A retained message is re-sent on every subscribe: skip it when nothing changed."""
        row = conn.execute(_LAST_VALUE, (e.household, e.sensor, e.kind)).fetchone()
        return row is not None and row[0] == e.value

    def _last_state(self, sensor: str, kind: str) -> bool | None:
        """The state last stored for this sensor and kind (``StateChanges``' seed after a restart)."""
        rows = self.store.query(_LAST_VALUE, (self.household, sensor, kind))
        return bool(rows[0][0] > 0) if rows else None

    def _ack(self, batch: Sequence[_Delivery]) -> None:
        """PUBACK the committed deliveries that arrived on the current connection."""
        with self._ack_lock:
            for d in batch:
                if d.qos > 0 and d.generation == self._generation:
                    self._client.ack(d.mid, d.qos)


# ---------------------------------------------------------------------- standalone runner

def main(argv: list[str] | None = None) -> int:
    """Run the ingest alone until SIGTERM/SIGINT (for tests and the benchmark)."""
    from hub.clock import SystemClock
    from hub.config import load_config

    parser = argparse.ArgumentParser(prog="python -m hub.mqtt_ingest", description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True, help="TOML config with [mqtt] and [store]")
    parser.add_argument("--store", help="SQLite file (default: the config's store.path)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    cfg = load_config(args.config)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    with Store(args.store or cfg.store.path) as store:
        ingest = MqttIngest(cfg.mqtt, cfg.household.id, store, SystemClock(cfg.timezone))
        ingest.start()
        done.wait()
        ingest.stop()
        log.info("stopped: %d messages, %d events, %d rejected, %d redeliveries recognised",
                 ingest.stats.total("messages"), ingest.stats.total("events"), ingest.stats.total("rejected"),
                 ingest.stats.total("duplicates"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
