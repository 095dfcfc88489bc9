"""The demo: a simulated incident produces the matching alert and the SMS a social worker reads,
and the whole command runs from a clean start with no config."""
from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys

import pytest

from hub.demo import DemoWorld

START = dt.datetime(2024, 3, 18, 6, 0)


def run_until(world: DemoWorld, until: dt.datetime, done) -> None:
    t = world.clock.now()
    while t < until and not done():
        t += dt.timedelta(minutes=1)
        world.advance(t)


@pytest.fixture
def one_home(tmp_path):
    """Mrs Kim's simulated home, prepared, at START: (world, what it printed, alerts raised)."""
    out = io.StringIO()
    raised = []
    world = DemoWorld(tmp_path, start=START, homes=1, speed=60, out=out, on_alert=raised.append)
    try:
        world.prepare()
        yield world, out, raised
    finally:
        world.stop()


def test_a_stove_left_on_reaches_the_social_worker_as_sms(one_home):
    world, out, raised = one_home
    run_until(world, START + dt.timedelta(hours=5), lambda: False)
    world.inject("kim-12", "stove_left_on")
    run_until(world, START + dt.timedelta(hours=12), lambda: any(a.kind == "appliance_on" for a in raised))
    alert = next(a for a in raised if a.kind == "appliance_on")
    assert "stove" in alert.message.lower()
    assert "SMS to +447700900101" in out.getvalue() and "stove" in out.getvalue().lower()
    record = world.alerts.book.list(households=["kim-12"])[0]
    assert record.alert.kind == "appliance_on" and record.state == "open"
    # the panel's charts follow the simulated day: this morning's hours are summarised
    run_until(world, START + dt.timedelta(hours=7), lambda: False)
    hours = world.store.query("SELECT DISTINCT hour FROM summaries WHERE household='kim-12' AND hour >= ?",
                              (START.isoformat(),))
    assert len(hours) >= 5


def test_the_demo_command_runs_with_no_config(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "hub.cli", "demo", "--homes", "1", "--speed", "3600", "--minutes", "0.15",
         "--no-panel", "--quiet", "--incident", "collapse:1", "--workdir", str(tmp_path)],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    assert "ALERT" in proc.stdout and "SMS to +447700900101" in proc.stdout
    assert "demo stopped" in proc.stdout


def test_a_resident_who_gets_up_again_after_a_silence_alert_brings_the_all_clear(one_home):
    world, out, raised = one_home
    run_until(world, START + dt.timedelta(hours=3), lambda: False)  # 09:00, up and about
    world.inject("kim-12", "collapse")
    run_until(world, START + dt.timedelta(hours=12), lambda: any(a.kind == "inactivity" for a in raised))
    assert any(a.kind == "inactivity" for a in raised)
    assert world.recover("kim-12") and not world.recover("kim-12")
    run_until(world, world.clock.now() + dt.timedelta(hours=3), lambda: "UPDATE on alert" in out.getvalue())
    assert "is moving again" in out.getvalue().split("UPDATE on alert", 1)[1].splitlines()[0]
    record = world.alerts.book.list(households=["kim-12"])[0]
    assert record.state == "open" and record.over.startswith("Mrs Kim Soon-ja is moving again")
