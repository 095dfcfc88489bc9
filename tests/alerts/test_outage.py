"""Twilio unreachable for a simulated hour while alerts keep coming (see tests/alerts/outage.py)."""
from __future__ import annotations

import datetime as dt

from tests.alerts.outage import run_outage


def test_every_alert_reaches_someone_after_an_hour_long_outage(tmp_path, capsys):
    figures = run_outage(tmp_path)
    with capsys.disabled():
        print("\n" + "\n".join("outage: " + line for line in figures.lines()))
    assert figures.alerts == 15
    assert figures.unreached == [], "every alert reached a person or is marked undeliverable"
    assert figures.reached == figures.alerts, "even the alerts for the worker with a bad number (via the backup)"
    assert figures.undeliverable == 3 and figures.fault_alerts == 1, "the bad number is visible, once"
    assert figures.duplicates == 0, "no SMS was accepted twice"
    assert figures.refused_429 == 5 and figures.failed_for_good == 5
    assert figures.retries > 100, "the outbox kept trying through the hour"
    # backoff is capped at 5 minutes, so everything goes out soon after Twilio is back
    assert figures.drained_after_recovery <= dt.timedelta(minutes=6)
    assert figures.max_delay <= dt.timedelta(minutes=60 + 6)
