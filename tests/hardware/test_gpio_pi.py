"""On a real Raspberry Pi with sensors wired: every configured GPIO sensor builds and one reports.

Run on the Pi with the hub's config and someone to wave at the PIR or open the door::

    ELDERCARE_GPIO_CONFIG=/etc/eldercare/hub.toml python3 -m pytest tests/hardware/test_gpio_pi.py -m hardware

Skipped everywhere else (no config named, or no GPIO chip).
"""
from __future__ import annotations

import os
import queue
from pathlib import Path

import pytest

from hardware.gpio import GpioSources
from hub.clock import SystemClock
from hub.config import load_config

pytestmark = pytest.mark.hardware


def test_wired_sensors_build_and_report_within_a_minute():
    path = os.environ.get("ELDERCARE_GPIO_CONFIG")
    if not path or not Path("/dev/gpiochip0").exists():
        pytest.skip("needs a Raspberry Pi with sensors wired and ELDERCARE_GPIO_CONFIG naming the hub's config")
    config = load_config(path)
    got: queue.Queue = queue.Queue()
    with GpioSources(config.gpio, config.household.id, SystemClock(), got.put) as sources:
        assert len(sources.sources) == len(config.gpio.sensors)
        sources.start()
        event = got.get(timeout=60)  # wave at a PIR or open the door
    assert event.sensor in {s.sensor for s in config.gpio.sensors} | {f"{s.sensor}_level" for s in config.gpio.sensors}
