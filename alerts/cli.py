"""``eldercare alerts``: look at and act on alerts and the SMS outbox from a terminal.

    eldercare alerts -c hub.toml list [--state open]
    eldercare alerts -c hub.toml ack 42 --by "Jane Doe"
    eldercare alerts -c hub.toml resolve 42 fine --by "Jane Doe" --note "asleep"
    eldercare alerts -c hub.toml history 42
    eldercare alerts -c hub.toml outbox [--state retry]
    eldercare alerts -c hub.toml test-sms +447700900123      # checks the Twilio setup end to end

Everything is read from and written to the store named in the config, so it works next to a
running hub (SQLite WAL): an alert taken here goes no further up its ladder and its unsent SMS are
dropped, as when it is taken by SMS. ``test-sms`` sends at once through the configured channel.
"""
from __future__ import annotations

import argparse
import sys

from alerts.book import OUTCOMES, STATES, AlertBook, AlertRecord
from alerts.directory import Directory
from alerts.outbox import STATES as OUTBOX_STATES
from alerts.outbox import Outbox
from alerts.router import Router
from hub.clock import SystemClock
from hub.config import load_config
from hub.store import Store


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``alerts`` subcommand's options."""
    parser.add_argument("-c", "--config", required=True, help="the hub's TOML config file")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = actions.add_parser("list", help="alerts, newest first")
    p.add_argument("--state", choices=STATES, action="append", help="only these states (repeatable)")
    p.add_argument("--household", action="append", help="only these households (repeatable)")
    p.add_argument("--limit", type=int, default=50)
    p = actions.add_parser("ack", help="take an alert")
    p.add_argument("code", type=int, help="the alert's number (as in 'Reply OK 42')")
    p.add_argument("--by", required=True, help="who takes it")
    p = actions.add_parser("resolve", help="close an alert with its outcome")
    p.add_argument("code", type=int)
    p.add_argument("outcome", choices=sorted(OUTCOMES))
    p.add_argument("--by", required=True)
    p.add_argument("--note", default="")
    p = actions.add_parser("history", help="every step of one alert")
    p.add_argument("code", type=int)
    p = actions.add_parser("outbox", help="SMS and what became of them")
    p.add_argument("--state", choices=OUTBOX_STATES, action="append")
    p.add_argument("--limit", type=int, default=50)
    p = actions.add_parser("test-sms", help="send one SMS now through the configured channel")
    p.add_argument("phone", help="E.164 number, e.g. +447700900123")


def run(args: argparse.Namespace) -> int:
    """Carry out the action; 0 on success."""
    config = load_config(args.config)
    clock = SystemClock(config.timezone)
    out = sys.stdout
    with Store(config.store.path) as store:
        book = AlertBook(store, clock)
        if args.action == "list":
            for r in book.list(households=args.household, states=args.state, limit=args.limit):
                who = f" by {r.acknowledged_by}" if r.acknowledged_by else ""
                print(f"{r.id:>5}  {r.raised_at:%Y-%m-%d %H:%M}  {r.household:<12} {r.alert.severity:<8} "
                      f"{r.state:<12}{who}  {r.alert.message}", file=out)
        elif args.action == "ack":
            r = book.acknowledge(args.code, by=args.by, via="terminal")
            _stop_ladder(store, book, clock, r)
            print(f"alert {r.id}: {r.state} by {r.acknowledged_by} via {r.acknowledged_via}", file=out)
        elif args.action == "resolve":
            r = book.resolve(args.code, args.outcome, by=args.by, note=args.note)
            _stop_ladder(store, book, clock, r)
            print(f"alert {r.id}: resolved ({OUTCOMES[r.outcome]}) by {r.resolved_by}", file=out)
        elif args.action == "history":
            for s in book.history(args.code):
                print(f"{s.time:%Y-%m-%d %H:%M:%S}  {s.action:<22} {s.actor:<12} {s.detail}", file=out)
        elif args.action == "outbox":
            for m in Outbox(store, clock, channel=None).messages(states=args.state, limit=args.limit):
                flag = " (possible duplicate)" if m.possible_duplicate else ""
                print(f"{m.id:>5}  alert {m.alert_id or '-':>5}  {m.recipient:<12} {m.phone:<15} {m.state:<11} "
                      f"tries {m.attempts}  {m.sid or ''}{flag}  {m.last_error}", file=out)
        elif args.action == "test-sms":
            from alerts.service import make_channel
            channel = make_channel(config, stream=out)
            try:
                result = channel.send(args.phone, f"eldercare test message from {config.household.name}.")
            finally:
                getattr(channel, "close", lambda: None)()
            print(f"sent through {channel.name}: {result.sid} ({result.status})", file=out)
    return 0


def _stop_ladder(store: Store, book: AlertBook, clock: SystemClock, record: AlertRecord) -> None:
    """What the running hub does when an alert is taken: no more escalation, its unsent SMS dropped
    (all in the store, so the hub's next tick finds nothing left to send about it)."""
    Router(store, book, Directory(store), Outbox(store, clock, channel=None), clock).taken(record)
