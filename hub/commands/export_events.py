"""``eldercare export --since T [--until T] FILE.csv``: write stored events as an event CSV.

Rows come out in time order (ties in the order they were stored), in the canonical form
(``timestamp,sensor,kind,value,room``), so exporting an imported file gives back its rows.
``FILE`` may be ``-`` for standard output.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from hub.commands.store_args import add_store_arguments, resolve
from hub.csvio import dump_events
from hub.errors import StoreError
from hub.store import Store


def _time(text: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 time like 2024-03-04T08:00") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``eldercare export``."""
    parser.add_argument("--since", type=_time, required=True, help="first time included (ISO 8601 local time)")
    parser.add_argument("--until", type=_time, help="first time not included (default: everything after --since)")
    parser.add_argument("file", help="CSV file to write, or - for standard output")
    add_store_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """Write the events; report the count on stderr (stdout may be the CSV itself)."""
    store_path, household = resolve(args)
    if not Path(store_path).exists():
        raise StoreError(f"no store at {store_path} (give --store or --config)")
    with Store(store_path) as store:
        events = store.events(args.since, args.until, household=household)
    if args.file == "-":
        n = dump_events(sys.stdout, events)
    else:
        with Path(args.file).open("w", newline="", encoding="utf-8") as f:
            n = dump_events(f, events)
    print(f"exported {n} events to {args.file}", file=sys.stderr)
    return 0
