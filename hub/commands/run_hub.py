"""``eldercare hub --config FILE``: run the hub for one home until stopped (systemd's ExecStart)."""
from __future__ import annotations

import argparse

from hub.commands.serving import serve_until_signalled
from hub.config import load_config


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``eldercare hub``."""
    parser.add_argument("-c", "--config", required=True, help="the hub's TOML config file")
    parser.add_argument("--no-panel", action="store_true", help="do not serve the web panel from this process")


def run(args: argparse.Namespace) -> int:
    """Start the hub and keep it running until SIGTERM or Ctrl-C."""
    from hub.service import HubService

    return serve_until_signalled(HubService(load_config(args.config)), panel=not args.no_panel, name="hub")
