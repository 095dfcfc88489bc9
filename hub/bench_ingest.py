"""``eldercare bench ingest``: sustained MQTT -> SQLite ingest against its own Mosquitto.

What it does, in one run:

1. starts ``mosquitto`` on a free 127.0.0.1 port with a temporary config (no persistence,
   ``max_queued_messages 0``, ``max_inflight_messages 1000``: the settings the hub's broker needs);
2. creates two persistent sessions (the ingest's and a bare subscriber's) and publishes
   ``--messages`` QoS 1 messages of realistic device payloads (Zigbee2MQTT PIR, contact and plug,
   Tasmota SENSOR, Shelly Gen1 and Gen2, native JSON), so both sessions hold the same queue;
3. **ceiling, part 1**: a bare paho subscriber (QoS 1, automatic acks) that only counts drains
   its queue: the most MQTT can deliver to a Python client here;
4. **ceiling, part 2**: the same events, decoded beforehand, are inserted with ``Store.add_events``
   in batches of ``--batch`` rows, one transaction each: the most SQLite takes here;
5. **ingest**: the real :class:`~hub.mqtt_ingest.MqttIngest` drains its queue: decode, commit in
   batches, PUBACK each message only after its commit, idempotency table included;
6. **memory**: the ingest runs as its own process (``python -m hub.mqtt_ingest``, as on a Pi), is
   sent an hour of a busy home (``--hour-events`` messages) and its resident memory is read
   from ``/proc``.

All rates are in events per second (one message may carry several events: a PIR reports
occupancy, illuminance and battery). The ceiling is the slower of parts 1 and 2, the stricter
choice: the ingest does both jobs, on the same two cores, so it cannot beat either; the time
both jobs would take one after the other is printed too (``serial_ceiling``), for reference.
Each measurement runs ``--repeats`` times and the best run of each counts (as ``timeit`` does:
the machine is shared, and noise only ever slows a run down).
The last line is ``ingest events_per_s=<N> ceiling_per_s=<M> ratio=<R>`` (target ratio >= 0.5).
"""
from __future__ import annotations

import argparse
import json
import logging
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from hardware.decoders import StateChanges, TopicRouter
from hub.clock import SystemClock
from hub.config import DeviceConfig, MqttConfig
from hub.errors import EldercareError
from hub.mqtt_ingest import MqttIngest
from hub.store import Store

log = logging.getLogger(__name__)


def example_devices(household: str) -> tuple[DeviceConfig, ...]:
    """One device of every payload format, as a household's config would list them (the bench's
    home, and the tests' that talk to a real broker)."""
    return (
        DeviceConfig("zigbee2mqtt/hall_pir", "zigbee2mqtt", "hall_pir", "motion", "hall"),
        DeviceConfig("zigbee2mqtt/front_door", "zigbee2mqtt", "front_door", "door", "hall"),
        DeviceConfig("zigbee2mqtt/kettle_plug", "zigbee2mqtt", "kettle", "appliance", "kitchen", on_watts=100),
        DeviceConfig("tele/tv", "tasmota", "tv", "appliance", "living", on_watts=20),
        DeviceConfig("shellies/shellyplug-s-ABC123", "shelly_gen1", "lamp", "appliance", "living", on_watts=5),
        DeviceConfig("shellyplus1pm-XYZ", "shelly_gen2", "heater", "appliance", "bedroom", on_watts=30),
        DeviceConfig(f"eldercare/{household}/sensor/bed", "native", "bed", "pressure", "bedroom"),
    )


HOUSEHOLD = "bench"
DEVICES = example_devices(HOUSEHOLD)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the ingest benchmark."""
    parser.add_argument("--messages", type=int, default=20_000, help="QoS 1 messages to ingest (default 20000)")
    parser.add_argument("--batch", type=int, default=500,
                        help="messages per ingest commit, rows per SQLite ceiling batch (default 500)")
    parser.add_argument("--repeats", type=int, default=3,
                        help="runs of each measurement; the best of each is reported (default 3)")
    parser.add_argument("--hour-events", type=int, default=3600,
                        help="messages for the memory figure: an hour of a busy home (default 3600)")


def payloads(n: int) -> list[tuple[str, bytes]]:
    """``n`` realistic device messages, cycling through the bench household's devices."""
    out = []
    for i in range(n):
        k, on = i % 7, (i // 7) % 2
        if k == 0:
            msg = ("zigbee2mqtt/hall_pir", {"occupancy": bool(on), "illuminance": 40 + i % 9, "battery": 97,
                                            "voltage": 3005, "linkquality": 120})
        elif k == 1:
            msg = ("zigbee2mqtt/front_door", {"contact": bool(on), "battery": 100, "linkquality": 87})
        elif k == 2:
            msg = ("zigbee2mqtt/kettle_plug", {"state": "ON", "power": 2150.4 * on, "energy": 12.31, "voltage": 231,
                                               "current": 9.3 * on, "linkquality": 140})
        elif k == 3:
            msg = ("tele/tv/SENSOR", {"Time": "1970-01-01T00:00:00", "ENERGY": {
                "Total": 514.153, "Yesterday": 1.495, "Today": 0.537, "Power": 56 * on, "Factor": 0.61,
                "Voltage": 234, "Current": 0.392 * on}})
        elif k == 4:
            out.append(("shellies/shellyplug-s-ABC123/relay/0/power", f"{41.25 * on:.2f}".encode()))
            continue
        elif k == 5:
            msg = ("shellyplus1pm-XYZ/status/switch:0", {"id": 0, "source": "timer", "output": bool(on),
                                                        "apower": 41.2 * on, "voltage": 230.1, "current": 0.21,
                                                        "aenergy": {"total": 1234.567, "by_minute": [690.1, 688.0],
                                                                    "minute_ts": 1736062260}})
        else:
            msg = (f"eldercare/{HOUSEHOLD}/sensor/bed", {"kind": "pressure", "value": on})
        out.append((msg[0], json.dumps(msg[1]).encode()))
    return out


# ---------------------------------------------------------------------- broker and clients

class _Mosquitto:
    """A throw-away mosquitto on a free port."""

    def __init__(self, workdir: Path) -> None:
        if shutil.which("mosquitto") is None:
            raise EldercareError("mosquitto is not installed (apt-get install mosquitto)")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        conf = workdir / "mosquitto.conf"
        conf.write_text(f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
                        "max_queued_messages 0\nmax_inflight_messages 1000\nuser root\n")
        self.proc = subprocess.Popen(["mosquitto", "-c", str(conf)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.stop()
                    raise EldercareError("mosquitto did not start") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


def _client(client_id: str = "", clean: bool = True) -> mqtt.Client:
    return mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=clean)


def _make_session(port: int, client_id: str, topics: list[str]) -> None:
    """Create a persistent session with QoS 1 subscriptions, then leave: messages queue for it."""
    c = _client(client_id, clean=False)
    done = threading.Event()
    c.on_subscribe = lambda *a: done.set()
    c.connect("127.0.0.1", port)
    c.loop_start()
    try:
        result, _mid = c.subscribe([(t, 1) for t in topics])
        if result != mqtt.MQTT_ERR_SUCCESS or not done.wait(10):
            raise EldercareError(f"cannot subscribe {client_id}")
    finally:
        c.disconnect()
        c.loop_stop()


def _publish_all(port: int, messages: list[tuple[str, bytes]], timeout: float = 120) -> float:
    """Publish at QoS 1 and wait for every PUBACK; return the seconds it took."""
    c = _client()
    c.max_inflight_messages_set(1000)
    c.connect("127.0.0.1", port)
    c.loop_start()
    start = time.perf_counter()
    try:
        infos = []
        for topic, payload in messages:
            info = c.publish(topic, payload, qos=1)
            if info.rc != mqtt.MQTT_ERR_SUCCESS:
                raise EldercareError(f"publish refused: {mqtt.error_string(info.rc)}")
            infos.append(info)
        for info in infos:
            info.wait_for_publish(timeout)
        return time.perf_counter() - start
    finally:
        c.disconnect()
        c.loop_stop()


def _bare_subscriber(port: int, client_id: str, expected: int, timeout: float = 120) -> float:
    """Drain a queued session, only counting; return the seconds from connect to the last message."""
    c = _client(client_id, clean=False)
    count = [0]
    done = threading.Event()

    def on_message(client, userdata, msg):
        count[0] += 1
        if count[0] >= expected:
            done.set()

    c.on_message = on_message
    start = time.perf_counter()
    c.connect("127.0.0.1", port)
    c.loop_start()
    try:
        if not done.wait(timeout):
            raise EldercareError(f"bare subscriber got {count[0]} of {expected} messages")
        return time.perf_counter() - start
    finally:
        c.disconnect()
        c.loop_stop()


def _decoded_rows(messages: list[tuple[str, bytes]]) -> list:
    """The events the ingest will store for these messages (for the SQLite ceiling)."""
    router = TopicRouter(DEVICES, HOUSEHOLD)
    states = StateChanges()
    clock = SystemClock()
    events = []
    for i, (topic, payload) in enumerate(messages):
        decoded = router.route(topic)(topic, payload, clock.now(), HOUSEHOLD)
        for j, e in enumerate(states.apply(decoded, router.on_watts)):
            events.append(e.__class__(e.time, e.sensor, e.kind, e.value, e.room, e.household, f"b:{i}:{j}"))
    return events


def _sqlite_ceiling(path: Path, events: list, batch: int) -> float:
    """Seconds to insert ``events`` in batches, one transaction each (same schema as the hub)."""
    with Store(path) as store:
        start = time.perf_counter()
        for i in range(0, len(events), batch):
            store.add_events(events[i:i + batch])
        return time.perf_counter() - start


def _ingest_rate(port: int, client_id: str, path: Path, expected: int, batch: int,
                 timeout: float = 180) -> tuple[float, int]:
    """Seconds for the real ingest to drain its queue, and the events it stored."""
    with Store(path) as store:
        ingest = MqttIngest(MqttConfig(port=port, client_id=client_id, devices=DEVICES), HOUSEHOLD, store,
                            SystemClock(), batch_size=batch)
        start = time.perf_counter()
        ingest.start()
        deadline = time.monotonic() + timeout
        try:
            while ingest.stats.total("messages") < expected:
                if time.monotonic() > deadline:
                    raise EldercareError(f"ingest got {ingest.stats.total('messages')} of {expected} messages")
                time.sleep(0.005)
            elapsed = time.perf_counter() - start
        finally:
            ingest.stop()
        if ingest.stats.total("rejected"):
            raise EldercareError(f"ingest rejected {ingest.stats.total('rejected')} bench messages")
        return elapsed, store.count_events()


def _resident_memory(port: int, workdir: Path, messages: list[tuple[str, bytes]],
                     timeout: float = 120) -> tuple[float, float]:
    """RSS and peak RSS (MB) of a standalone ingest process after it stored ``messages``."""
    db = workdir / "memory.sqlite"
    cfg = workdir / "memory.toml"
    lines = [f'[household]\nid = "{HOUSEHOLD}"\n[store]\npath = "{db}"\n',
             f'[mqtt]\nenabled = true\nport = {port}\nclient_id = "bench-memory"\n']
    for d in DEVICES:
        lines.append(f'[[mqtt.devices]]\ntopic = "{d.topic}"\nformat = "{d.format}"\nsensor = "{d.sensor}"\n'
                     f'kind = "{d.kind}"\nroom = "{d.room}"\non_watts = {d.on_watts}\n')
    cfg.write_text("".join(lines))
    logfile = workdir / "memory.log"
    with logfile.open("wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "hub.mqtt_ingest", "--config", str(cfg)],
                                stdout=subprocess.DEVNULL, stderr=err)
    try:
        deadline = time.monotonic() + timeout
        while "subscribed to" not in logfile.read_text():
            if time.monotonic() > deadline or proc.poll() is not None:
                raise EldercareError(f"standalone ingest did not start: {logfile.read_text()[-500:]}")
            time.sleep(0.05)
        _publish_all(port, messages)
        expected = len(_decoded_rows(messages))
        while _count(db) < expected:
            if time.monotonic() > deadline:
                raise EldercareError("standalone ingest did not store the hour of events in time")
            time.sleep(0.05)
        status = Path(f"/proc/{proc.pid}/status").read_text()
        fields = {line.split(":")[0]: line.split()[1] for line in status.splitlines() if line.startswith("Vm")}
        return int(fields["VmRSS"]) / 1024, int(fields["VmHWM"]) / 1024
    finally:
        proc.terminate()
        proc.wait(10)


def _count(db: Path) -> int:
    import sqlite3
    try:
        conn = sqlite3.connect(db, timeout=5)
        try:
            return conn.execute("SELECT count(*) FROM events").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def run(args: argparse.Namespace) -> int:
    """Run the benchmark and print its figures (the last line is the summary)."""
    n, repeats = args.messages, max(1, args.repeats)
    messages = payloads(n)
    events = _decoded_rows(messages)
    per_message = len(events) / n
    topics = TopicRouter(DEVICES, HOUSEHOLD).subscriptions()
    bare, sql, ingest = [], [], []
    with tempfile.TemporaryDirectory(prefix="eldercare-bench-") as tmp:
        workdir = Path(tmp)
        broker = _Mosquitto(workdir)
        try:
            for r in range(repeats):  # every session gets the same queue from one publish
                _make_session(broker.port, f"bench-ingest-{r}", topics)
                _make_session(broker.port, f"bench-bare-{r}", topics)
            pub_s = _publish_all(broker.port, messages)
            print(f"published {n} QoS 1 messages ({len(events)} events, {per_message:.2f} per message) "
                  f"to {2 * repeats} queued sessions in {pub_s:.2f} s")
            for r in range(repeats):
                bare.append(len(events) / _bare_subscriber(broker.port, f"bench-bare-{r}", n))
                sql.append(len(events) / _sqlite_ceiling(workdir / f"ceiling-{r}.sqlite", events, args.batch))
                seconds, stored = _ingest_rate(broker.port, f"bench-ingest-{r}", workdir / f"ingest-{r}.sqlite",
                                               n, args.batch)
                if stored != len(events):
                    raise EldercareError(f"ingest stored {stored} events, expected {len(events)}")
                ingest.append(stored / seconds)
                print(f"run {r + 1}: bare subscriber {bare[-1]:,.0f} events/s, sqlite batches of {args.batch} "
                      f"{sql[-1]:,.0f} events/s, MqttIngest (decode, commit, ack after commit) "
                      f"{ingest[-1]:,.0f} events/s")
            print(f"serial_ceiling: both ceiling jobs one after the other = "
                  f"{1 / (1 / max(bare) + 1 / max(sql)):,.0f} events/s (best runs)")
            rss, peak = _resident_memory(broker.port, workdir, payloads(args.hour_events))
            print(f"memory: standalone ingest process (python -m hub.mqtt_ingest) after {args.hour_events} messages "
                  f"(an hour of a busy home): rss_mb={rss:.1f} peak_rss_mb={peak:.1f}")
        finally:
            broker.stop()
    best, ceiling = max(ingest), min(max(bare), max(sql))
    print(f"ingest events_per_s={best:.0f} ceiling_per_s={ceiling:.0f} ratio={best / ceiling:.2f}")
    return 0
