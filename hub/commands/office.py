"""``eldercare office --config FILE``: receive many hubs' uplink, route their alerts by SMS and
serve the panel, until stopped (systemd's ExecStart on the office server)."""
from __future__ import annotations

import argparse

from hub.commands.serving import serve_until_signalled
from hub.config import load_config
from hub.errors import ConfigError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``eldercare office``."""
    parser.add_argument("-c", "--config", required=True, help="the office's TOML config file (with [office])")
    parser.add_argument("--no-panel", action="store_true", help="do not serve the web panel from this process")


def run(args: argparse.Namespace) -> int:
    """Start the office and keep it running until SIGTERM or Ctrl-C."""
    from hub.office_service import OfficeService

    config = load_config(args.config)
    if not config.office.enabled:
        raise ConfigError(config.source, "office.enabled", "set it to true to run this file as an office")
    return serve_until_signalled(OfficeService(config), panel=not args.no_panel, name="office")
