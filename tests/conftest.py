"""Fixtures shared by every test package: a temporary store, an injected clock, gpiozero's
MockFactory, and a real Mosquitto broker on 127.0.0.1.

Package-specific fixtures live in ``tests/<package>/conftest.py``.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from hub.clock import ManualClock
from hub.store import Store

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture
def clock() -> ManualClock:
    """A clock that only moves when the test moves it (Monday 2024-03-04 08:00)."""
    return ManualClock(dt.datetime(2024, 3, 4, 8, 0))


@pytest.fixture
def machine_zone() -> Iterator[Callable[[str], None]]:
    """Sets the machine's own time zone (``TZ``) for one test; the zone it had is back after."""
    before = os.environ.get("TZ")

    def set_zone(name: str) -> None:
        os.environ["TZ"] = name
        time.tzset()

    yield set_zone
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A fresh SQLite store in a temporary directory."""
    with Store(tmp_path / "hub.sqlite") as s:
        yield s


@pytest.fixture
def mock_factory():
    """gpiozero's MockFactory, reset after the test so pins never leak between tests."""
    from gpiozero.pins.mock import MockFactory

    factory = MockFactory()
    yield factory
    factory.reset()
    factory.close()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Broker:
    """A Mosquitto broker started for a test; ``restart()`` keeps its port and persistence."""

    host: str
    port: int
    config: Path
    log: Path
    process: subprocess.Popen | None = None

    def start(self) -> None:
        """Start mosquitto and wait (bounded) until it accepts connections."""
        self.process = subprocess.Popen(["mosquitto", "-c", str(self.config)],
                                        stdout=subprocess.DEVNULL, stderr=self.log.open("ab"))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection((self.host, self.port), timeout=0.2).close()
                return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"mosquitto exited: {self.log.read_text()[-2000:]}")
                time.sleep(0.05)
        raise RuntimeError("mosquitto did not start within 10 s")

    def stop(self) -> None:
        """Stop mosquitto (SIGTERM, so it saves its persistence file)."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.process = None

    def restart(self) -> None:
        """Stop and start again on the same port with the same persistence file."""
        self.stop()
        self.start()


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    """A real Mosquitto broker on 127.0.0.1 with persistence and an unlimited queue."""
    if shutil.which("mosquitto") is None:
        pytest.fail("mosquitto is not installed: run `apt-get install mosquitto` (the README test command does)")
    port = free_port()
    data = tmp_path / "mosquitto"
    data.mkdir()
    conf = data / "mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\n"
        "allow_anonymous true\n"
        "persistence true\n"
        f"persistence_location {data}/\n"
        "autosave_interval 1\n"
        "max_queued_messages 0\n"
        "queue_qos0_messages true\n"  # as deploy/mosquitto-eldercare.conf: devices publish at QoS 0
        "max_inflight_messages 0\n"
        # started as root, mosquitto drops to user "mosquitto", which cannot write its persistence
        # file in pytest's tmp dir (so sessions silently did not survive a restart); no effect otherwise
        "user root\n"
    )
    b = Broker("127.0.0.1", port, conf, data / "mosquitto.log")
    b.start()
    yield b
    b.stop()
