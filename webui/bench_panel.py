"""``eldercare bench panel``: how fast the panel answers on a year of a busy household's data.

Builds a temporary store with ``--households`` homes, each with a year of hourly and daily
summaries and a few alerts a week (most resolved with an outcome), serves the panel with
waitress, and loads the household page, its JSON and the caseload from a SECOND process
(:mod:`webui.bench_client`) over a few concurrent connections. Prints per-path figures and, last,
``panel p50_ms=<A> p95_ms=<B>`` (target: p95 <= 300 ms).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hub.clock import ManualClock
from hub.store import Store

BUSY = "busy"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``eldercare bench panel``."""
    parser.add_argument("--days", type=int, default=365, help="days of history per household (default 365)")
    parser.add_argument("--households", type=int, default=30, help="households on the caseload (default 30)")
    parser.add_argument("--requests", type=int, default=420, help="requests the client makes (default 420)")
    parser.add_argument("--concurrency", type=int, default=4, help="concurrent client connections (default 4)")


def build_store(path: Path, households: int, days: int, now: dt.datetime) -> int:
    """Write the benchmark caseload into a new store; return the number of hourly summary rows."""
    from alerts.book import OUTCOMES, AlertBook
    from alerts.directory import Directory, Household
    from hub.alert import Alert
    from webui.sample_data import write_household

    rng = random.Random(7)
    rows = 0
    with Store(path) as store:
        directory = Directory(store)
        clock = ManualClock(now - dt.timedelta(days=days))
        book = AlertBook(store, clock)
        for i in range(households):
            hh = BUSY if i == 0 else f"home{i:03d}"
            directory.upsert_household(Household(hh, f"Resident {i:03d}", f"{i} Bench Street"))
            rows += write_household(store, hh, now.date(), days, seed=i, until=now, activity_scale=1.3 if i == 0 else 1)
        # alerts: about three a week in the busy home, one a fortnight elsewhere; the last few still open
        kinds = [("inactivity", "critical"), ("late_wakeup", "medium"), ("night_wandering", "high"),
                 ("appliance_left_on", "medium"), ("sensor_offline", "low")]
        when = now - dt.timedelta(days=days)
        raised = []
        while when < now:
            when += dt.timedelta(hours=rng.uniform(10, 100))
            hh = BUSY if rng.random() < 0.5 else f"home{rng.randrange(1, max(households, 2)):03d}"
            kind, severity = rng.choice(kinds)
            clock.set(max(clock.now(), min(when, now)))
            record = book.raise_alert(Alert(clock.now(), hh, kind, severity, f"{kind.replace('_', ' ')} at {when:%H:%M}",
                                            condition=f"{kind}:{when.isoformat()}"))
            if record is not None:
                raised.append(record.id)
        for alert_id in raised[:-5]:
            book.resolve(alert_id, rng.choice(list(OUTCOMES)), by="Bench Worker")
        from webui.users import UserBook
        UserBook(store, clock).create("bench", os.environ["ELDERCARE_BENCH_PASSWORD"], "caseworker",
                                      name="Bench Worker", households=[BUSY] + [f"home{i:03d}" for i in range(1, households)])
    return rows


def run(args: argparse.Namespace) -> int:
    """Build, serve, load from a second process, print the figures."""
    from webui.app import create_app
    from webui.server import PanelServer

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "queue depth" notes are expected under load
    now = dt.datetime(2024, 6, 3, 15, 20)
    password = secrets.token_urlsafe(16)
    os.environ["ELDERCARE_BENCH_PASSWORD"] = password
    with tempfile.TemporaryDirectory(prefix="eldercare-bench-") as tmp:
        path = Path(tmp) / "office.sqlite"
        start = time.perf_counter()
        rows = build_store(path, args.households, args.days, now)
        print(f"store: {args.households} households x {args.days} days = {rows} hourly summary rows "
              f"({path.stat().st_size / 1e6:.0f} MB) built in {time.perf_counter() - start:.1f} s")
        paths = ["/caseload", f"/households/{BUSY}", f"/api/households/{BUSY}/today",
                 f"/api/households/{BUSY}/trends?days=30", f"/api/households/{BUSY}/trends?days=90",
                 f"/api/households/{BUSY}/trends?days=365", "/api/caseload"]
        with Store(path) as store:
            app = create_app(store=store, clock=ManualClock(now), test_config={"SECRET_KEY": secrets.token_hex(16)})
            with PanelServer(app, "127.0.0.1", 0) as server:
                client = subprocess.run(
                    [sys.executable, "-m", "webui.bench_client", server.url, "bench", "-", str(args.requests),
                     str(args.concurrency), *paths],
                    capture_output=True, text=True, timeout=900, env=os.environ.copy())
        if client.returncode != 0:
            print(client.stderr[-2000:], file=sys.stderr)
            return 1
    result = json.loads(client.stdout)
    if result["errors"]:
        print(f"{len(result['errors'])} failed requests, e.g. {result['errors'][0]}", file=sys.stderr)
        return 1
    everything = []
    for p, values in result["latencies_ms"].items():
        everything += values
        print(f"{p:45s} n={len(values):4d} p50_ms={_pct(values, 50):7.1f} p95_ms={_pct(values, 95):7.1f}")
    print(f"client: {args.requests} requests over {args.concurrency} connections from a second process")
    print(f"panel p50_ms={_pct(everything, 50):.1f} p95_ms={_pct(everything, 95):.1f}")
    return 0


def _pct(values: list[float], pct: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


if __name__ == "__main__":
    _parser = argparse.ArgumentParser(prog="python -m webui.bench_panel", description=__doc__.splitlines()[0])
    add_arguments(_parser)
    sys.exit(run(_parser.parse_args()))
