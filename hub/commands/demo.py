"""``eldercare demo``: simulated homes watched by the real hub, with no config at all.

Prints the events as they arrive, every alert with its explanation, and every SMS a social worker
would receive; serves the panel on localhost. While it runs, type commands:

    OK 42                 take alert 42, as a social worker replying by SMS would
    collapse 1            the resident of home 1 stops moving (also: no_wake, wander, stove);
                          someone who is out when it starts never comes home: that reads as out
    up 1                  the resident of home 1 gets up again: the all clear goes out
    homes                 list the homes
    quit                  stop the demo
"""
from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import secrets
import sys
import tempfile
import threading
from pathlib import Path
from typing import TextIO

from hub.events import Event, format_value

INCIDENTS = {"collapse": "collapse", "no_wake": "no_wake", "nowake": "no_wake", "wander": "night_wandering",
             "night_wandering": "night_wandering", "stove": "stove_left_on", "stove_left_on": "stove_left_on"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``eldercare demo``."""
    parser.add_argument("--homes", type=int, default=3, choices=range(1, 5), help="how many simulated homes (1-4)")
    parser.add_argument("--speed", type=float, default=60.0,
                        help="simulated seconds per real second (default 60: a minute per second)")
    parser.add_argument("--start", type=dt.datetime.fromisoformat,
                        help="simulated start time (default: today 06:00)")
    parser.add_argument("--minutes", type=float, default=0, help="stop after this many real minutes (0: run until quit)")
    parser.add_argument("--incident", action="append", default=[], metavar="KIND:HOME",
                        help="stage an incident at the start, e.g. collapse:1 (kinds: collapse, no_wake, wander, stove)")
    parser.add_argument("--port", type=int, default=8080, help="panel port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--no-panel", action="store_true", help="do not start the web panel")
    parser.add_argument("--quiet", action="store_true", help="print alerts and SMS only, not every event")
    parser.add_argument("--workdir", type=Path, help="keep the demo's database here (default: a temporary folder)")


class LiveView:
    """What the demo prints: one line per event, alerts and SMS (printed by the console channel)."""

    def __init__(self, out: TextIO, names: dict[str, str], quiet: bool) -> None:
        self.out = out
        self.names = names
        self.quiet = quiet
        self._lock = threading.Lock()

    def event(self, e: Event) -> None:
        """One arriving event."""
        if self.quiet or not e.is_activity:
            return
        state = ("on" if e.on else "off") if e.kind != "power" else f"{format_value(round(e.value))} W"
        self.line(f"{e.time:%a %H:%M}  {self.names.get(e.household, e.household):<18} "
                  f"{e.room or '-':<12} {e.sensor:<16} {e.kind:<9} {state}")

    def alert(self, alert) -> None:
        """A raised alert, with its explanation."""
        tag = "technical" if alert.technical else alert.severity.upper()
        self.line(f"\n*** {alert.time:%a %H:%M} ALERT [{tag}] {self.names.get(alert.household, alert.household)}: "
                  f"{alert.kind}\n    {alert.message}")

    def line(self, text: str) -> None:
        """Print one line (threads share the terminal)."""
        with self._lock:
            print(text, file=self.out, flush=True)


def run(args: argparse.Namespace) -> int:
    """Build the demo world, run it, and answer typed commands until quit or --minutes."""
    from hub.demo import DemoWorld

    if not args.verbose:
        logging.getLogger().setLevel(logging.WARNING)
    out = sys.stdout
    start = args.start or dt.datetime.combine(dt.date.today(), dt.time(6, 0))
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="eldercare-demo-"))
    workdir.mkdir(parents=True, exist_ok=True)
    from hub.demo import HOMES
    names = {h.id: h.name for h in HOMES}
    view = LiveView(out, names, args.quiet)
    world = DemoWorld(workdir, start=start, homes=args.homes, speed=args.speed, out=out,
                      panel_port=args.port, on_event=view.event, on_alert=view.alert)
    print(f"eldercare demo: {args.homes} simulated homes, 4 weeks of history each, data in {workdir}", file=out)
    world.prepare()
    homes = list(world.runners)
    for i, home in enumerate(world.homes, 1):
        print(f"  home {i}: {home.name}, {home.address} ({home.profile} routine) -> id {home.id}", file=out)
    if not args.no_panel:
        # a fresh key per demo run: nothing to configure, nothing guessable
        os.environ.setdefault(world.config.panel.secret_key_env, secrets.token_hex(32))
        password = secrets.token_urlsafe(9)
        url = world.start_panel([("caseworker", password, "caseworker", "Maria Lopez (caseworker)"),
                                 ("admin", password, "admin", "Demo administrator")])
        print(f"\nPanel: {url}  log in as 'caseworker' (or 'admin') with password {password}", file=out)
    for spec in args.incident:
        print(_command(world, homes, _incident_words(spec)), file=out)
    print(f"\nSimulated time starts {start:%A %d %B %H:%M} at {args.speed:g}x. "
          "Type 'help' for commands (e.g. 'collapse 1', 'OK 3').\n", file=out, flush=True)
    world.start()
    stop = threading.Event()
    reader = threading.Thread(target=_read_commands, args=(world, homes, sys.stdin, view, stop), daemon=True)
    reader.start()
    try:
        stop.wait(args.minutes * 60 if args.minutes else None)
    except KeyboardInterrupt:
        pass
    finally:
        world.stop()
        print("demo stopped", file=out)
    return 0


def _incident_words(spec: str) -> list[str]:
    kind, _, home = spec.partition(":")
    return [kind, home or "1"]


def _read_commands(world, homes: list[str], lines, view: LiveView, stop: threading.Event) -> None:
    for line in lines:
        words = line.split()
        if not words:
            continue
        if words[0].lower() in ("quit", "exit", "q"):
            break
        view.line(_command(world, homes, words))
    else:
        # standard input closed (not a terminal): keep running until --minutes or Ctrl-C
        return
    stop.set()


def _command(world, homes: list[str], words: list[str]) -> str:
    """Carry out one typed command and say what happened."""
    from alerts.terminal import answer_line

    head = words[0].lower()
    if head in INCIDENTS or head in ("up", "recover"):
        try:
            home = homes[int(words[1]) - 1] if len(words) > 1 else homes[0]
        except (ValueError, IndexError):
            return f"no such home {words[1]!r}: use 1-{len(homes)}"
        if head in INCIDENTS:
            return f"staged {world.inject(home, INCIDENTS[head])} in {home}"
        return f"{home}: up and about again" if world.recover(home) else f"{home}: nothing had stopped them"
    if head == "homes":
        return "\n".join(f"{i}: {h.name} ({h.id})" for i, h in enumerate(world.homes, 1))
    if head == "help":
        return __doc__.split("type commands:")[1].rstrip()
    if head == "ok" or head.isdigit():
        return answer_line(world.alerts, " ".join(words), by="demo terminal")
    return f"unknown command {words[0]!r}; type 'help'"

