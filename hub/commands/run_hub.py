"""``eldercare hub --config FILE``: run the hub for one home until stopped (systemd's ExecStart)."""
from __future__ import annotations

import argparse
import logging
import signal
import threading

from hub.config import load_config

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``eldercare hub``."""
    parser.add_argument("-c", "--config", required=True, help="the hub's TOML config file")
    parser.add_argument("--no-panel", action="store_true", help="do not serve the web panel from this process")


def run(args: argparse.Namespace) -> int:
    """Start the hub and keep it running until SIGTERM or Ctrl-C."""
    from hub.service import HubService

    config = load_config(args.config)
    service = HubService(config)
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    service.start(panel=not args.no_panel)
    try:
        stopping.wait()
    finally:
        log.info("stopping the hub")
        service.stop()
    return 0
