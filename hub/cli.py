"""The ``eldercare`` command: a table of subcommands, each in its own module.

A subcommand module provides ``add_arguments(parser)`` and ``run(args) -> int``. Modules are
imported only when their command runs, so ``eldercare replay`` never pays for Flask or Twilio.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import sys

from hub.errors import EldercareError

#: name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("hub.commands.demo", "run simulated homes with detection, alerts and the panel; no config needed"),
    "hub": ("hub.commands.run_hub", "run the hub for one home from a config file"),
    "office": ("hub.commands.office", "receive many hubs' alerts, summaries and status; route SMS; serve the panel"),
    "import": ("hub.commands.import_events", "load an event CSV history into the store"),
    "export": ("hub.commands.export_events", "write stored events to an event CSV"),
    "replay": ("analytics.replay", "learn from a history CSV and replay events with a simulated clock"),
    "bench": ("hub.commands.bench", "measure ingest, training, replay, panel or office performance"),
    "simulate": ("hardware.simulate_cli", "write a simulated home's events (with optional incidents) as an event CSV"),
    "users": ("webui.cli", "create and manage the panel's accounts"),
    "alerts": ("alerts.cli", "list, take and resolve alerts; inspect the SMS outbox; send a test SMS"),
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; with ``only``, just that command's subparser (and its imports)."""
    parser = argparse.ArgumentParser(prog="eldercare", description="Home monitoring for seniors who live alone.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(_module=module)
        if only in (None, name):
            importlib.import_module(module).add_arguments(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``eldercare`` console script."""
    argv = sys.argv[1:] if argv is None else argv
    name = next((a for a in argv if not a.startswith("-")), None)
    args = build_parser(only=name if name in COMMANDS else None).parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return int(importlib.import_module(args._module).run(args) or 0)
    except EldercareError as err:
        print(f"eldercare {args.command}: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
