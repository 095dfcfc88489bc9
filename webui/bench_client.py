"""The load side of ``eldercare bench panel``: run in a second process, it logs in over HTTP and
requests panel pages from a few concurrent connections, then writes every latency as JSON.

    python -m webui.bench_client URL USER PASSWORD REQUESTS CONCURRENCY PATH [PATH ...]

The password is read from the environment variable ``ELDERCARE_BENCH_PASSWORD`` when PASSWORD is ``-``.
"""
from __future__ import annotations

import json
import os
import re
import sys
import threading
import time

import requests

TIMEOUT_S = 30


def log_in(base: str, username: str, password: str) -> requests.Session:
    """A session logged in through the form (with its CSRF token)."""
    session = requests.Session()
    page = session.get(base + "/login", timeout=TIMEOUT_S)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = session.post(base + "/login", data={"csrf_token": token, "username": username, "password": password},
                            timeout=TIMEOUT_S, allow_redirects=False)
    if response.status_code != 302:
        raise SystemExit(f"log-in failed: HTTP {response.status_code}")
    return session


def run(base: str, username: str, password: str, total: int, concurrency: int, paths: list[str]) -> dict:
    """Request ``paths`` round-robin ``total`` times over ``concurrency`` sessions; latencies per path in ms."""
    sessions = [log_in(base, username, password) for _ in range(concurrency)]
    counter = iter(range(total))
    lock = threading.Lock()
    latencies: dict[str, list[float]] = {p: [] for p in paths}
    errors: list[str] = []

    def worker(session: requests.Session) -> None:
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            path = paths[i % len(paths)]
            start = time.perf_counter()
            response = session.get(base + path, timeout=TIMEOUT_S)
            response.content  # read the whole body
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                if response.status_code != 200:
                    errors.append(f"{path}: HTTP {response.status_code}")
                latencies[path].append(elapsed)

    threads = [threading.Thread(target=worker, args=(s,)) for s in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    for s in sessions:
        s.close()
    return {"latencies_ms": latencies, "errors": errors}


def main(argv: list[str]) -> int:
    """Command-line entry; writes the result as one JSON object on stdout."""
    base, username, password, total, concurrency, *paths = argv
    if password == "-":
        password = os.environ["ELDERCARE_BENCH_PASSWORD"]
    print(json.dumps(run(base, username, password, int(total), int(concurrency), paths)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
