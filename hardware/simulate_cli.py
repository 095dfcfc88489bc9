"""``eldercare simulate``: write a simulated home's events to the canonical event CSV.

    eldercare simulate --start 2024-03-04 --days 28 --profile busy --seed 1 --out home.csv
    eldercare simulate --days 3 --incident collapse@2024-03-05T10:30 --incident stove_left_on@2024-03-06T12:00

Handy for trying ``eldercare import`` / ``replay`` and the referee without real recordings.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import time

from hub.csvio import dump_events, write_events

from hardware.incidents import INCIDENT_KINDS, make_incident
from hardware.resident import PROFILES
from hardware.simulator import SimulatedHome


def _incident(text: str):
    kind, sep, when = text.partition("@")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected KIND@ISO-TIME, e.g. collapse@2024-03-05T10:30; got {text!r}")
    try:
        return make_incident(kind, dt.datetime.fromisoformat(when))
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from err


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``simulate`` command's options."""
    parser.add_argument("--household", default="home-1")
    parser.add_argument("--profile", choices=sorted(PROFILES), default="busy")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2024, 3, 4),
                        help="first day (YYYY-MM-DD), from midnight")
    parser.add_argument("--days", type=float, default=28)
    parser.add_argument("--incident", type=_incident, action="append", default=[],
                        help=f"stage KIND@ISO-TIME; KIND is one of {', '.join(INCIDENT_KINDS)} "
                             "(no_wake: the morning after the time given)")
    parser.add_argument("--out", default="-", help="CSV file to write ('-': standard output)")


def run(args: argparse.Namespace) -> int:
    """Generate the events and write them as CSV; report the count and time on stderr."""
    home = SimulatedHome(args.household, seed=args.seed, profile=args.profile)
    start = dt.datetime.combine(args.start, dt.time())
    end = start + dt.timedelta(days=args.days)
    t0 = time.perf_counter()
    events = home.events(start, end, args.incident)
    if args.out == "-":
        count = dump_events(sys.stdout, events)
    else:
        count = write_events(args.out, events)
    print(f"{count} events, {args.days:g} days, {time.perf_counter() - t0:.2f} s", file=sys.stderr)
    return 0
