"""``eldercare bench office``: how fast the office applies many hubs' hourly uplink.

One run:

1. starts ``mosquitto`` on a free 127.0.0.1 port (as ``eldercare bench ingest`` does) and makes
   the office's persistent session, so everything published next queues for it;
2. publishes, for each of ``--hubs`` households, what a hub sends in an hour: its status, one
   summary message of ``--rows`` hourly rows (rooms x kinds), one health message of ``--sensors``
   sensors, and for every tenth hub an alert (QoS 1, as the uplink does);
3. starts the real :class:`~hub.office.OfficeReceiver` (real alert service, SMS printed to
   nowhere) on a fresh store and times it draining the queue: validate, commit, record the
   message id, PUBACK after commit.

The last line is ``office messages_per_s=<N> summary_rows_per_s=<M> hubs_per_hour=<H>``, where
``hubs_per_hour`` is how many hubs' hourly uplink the office applies in an hour at that rate.
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import logging
import tempfile
import time
import uuid
from pathlib import Path

from hub.bench_ingest import _make_session, _Mosquitto, _publish_all
from hub.clock import SystemClock
from hub.config import config_from_dict
from hub.errors import EldercareError
from hub.office import TOPICS, OfficeReceiver
from hub.store import Store

log = logging.getLogger(__name__)

ROOMS = ("hall", "kitchen", "living", "bedroom", "bathroom", "landing")
KINDS = ("motion", "door", "appliance", "power", "light", "pressure")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the office benchmark."""
    parser.add_argument("--hubs", type=int, default=1000, help="households sending their hour (default 1000)")
    parser.add_argument("--rows", type=int, default=24, help="hourly summary rows per hub (default 24)")
    parser.add_argument("--sensors", type=int, default=8, help="sensors per health message (default 8)")


def hour_of_uplink(hubs: int, rows: int, sensors: int) -> list[tuple[str, bytes]]:
    """What ``hubs`` hubs publish in an hour, as (topic, payload)."""
    hour = dt.datetime(2024, 3, 4, 9)
    pairs = [(room, kind) for kind in KINDS for room in ROOMS][:rows]
    out = []
    for h in range(hubs):
        base = f"eldercare/hub{h:05d}"
        out.append((f"{base}/status", json.dumps({"state": "online", "time": "2024-03-04T10:00:00"}).encode()))
        summary_rows = [{"hour": hour.isoformat(), "room": room, "kind": kind, "events": 7 + i % 5,
                         "active_minutes": 5 + i % 30, "energy_wh": 12.5 if kind == "power" else 0.0,
                         "light_on_minutes": 20 if kind == "light" else 0} for i, (room, kind) in enumerate(pairs)]
        out.append((f"{base}/summary", json.dumps({"id": uuid.uuid4().hex, "rows": summary_rows}).encode()))
        health = [{"sensor": f"s{i}", "room": ROOMS[i % len(ROOMS)], "last_seen": "2024-03-04T09:58:00",
                   "battery": 80.0, "online": True} for i in range(sensors)]
        out.append((f"{base}/health", json.dumps({"id": uuid.uuid4().hex, "time": "2024-03-04T10:00:00",
                                                  "sensors": health}).encode()))
        if h % 10 == 0:
            out.append((f"{base}/alert", json.dumps({
                "id": uuid.uuid4().hex, "time": "2024-03-04T09:40:00", "kind": "inactivity", "severity": "high",
                "message": "No movement since 08:10", "evidence": {"since": "08:10"}}).encode()))
    return out


def run(args: argparse.Namespace) -> int:
    """Run the benchmark and print its figures."""
    # one log line per new hub and per alert without a ladder would drown the figures
    quiet = {name: logging.getLogger(name) for name in ("hub.office", "alerts")}
    levels = {name: logger.level for name, logger in quiet.items()}
    for logger in quiet.values():
        logger.setLevel(logging.WARNING)
    try:
        return _run(args)
    finally:
        for name, logger in quiet.items():
            logger.setLevel(levels[name])


def _run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="eldercare-bench-office-") as tmp:
        work = Path(tmp)
        broker = _Mosquitto(work)
        try:
            config = config_from_dict({"office": {"enabled": True, "port": broker.port,
                                                  "client_id": "bench-office"}}, source="<bench>")
            _make_session(broker.port, "bench-office", list(TOPICS))
            messages = hour_of_uplink(args.hubs, args.rows, args.sensors)
            published = _publish_all(broker.port, messages)
            print(f"published {len(messages)} messages from {args.hubs} hubs in {published:.2f} s")
            with Store(work / "office.sqlite") as store:
                elapsed = _drain(config, store, len(messages))
                rows = store.query("SELECT count(*) FROM summaries")[0][0]
        finally:
            broker.stop()
    rate = len(messages) / elapsed
    print(f"applied {len(messages)} messages ({rows} summary rows) in {elapsed:.2f} s")
    print(f"office messages_per_s={rate:.0f} summary_rows_per_s={rows / elapsed:.0f} "
          f"hubs_per_hour={rate * 3600 / (len(messages) / args.hubs):.0f}")
    return 0


def _drain(config, store: Store, expected: int, timeout: float = 600) -> float:
    """Start the receiver on the queued session; return the seconds until every message is applied."""
    from alerts.console_channel import ConsoleChannel
    from alerts.service import AlertService
    clock = SystemClock()
    alerts = AlertService(config, store, clock, ConsoleChannel(io.StringIO()))
    receiver = OfficeReceiver(config, store, clock, alerts)
    start = time.perf_counter()
    receiver.start()
    try:
        deadline = start + timeout
        while receiver.stats.total("messages") < expected:
            if time.perf_counter() > deadline:
                raise EldercareError(f"only {receiver.stats.total('messages')} of {expected} messages "
                                     f"applied in {timeout:.0f} s")
            time.sleep(0.01)
        return time.perf_counter() - start
    finally:
        receiver.stop()
