"""``eldercare replay``: learn from a history CSV, then replay events through the live engine.

The contract (``shared/bench/README.md``): learn the routine from everything in ``--history``;
feed ``--events`` in time order through the same :class:`~analytics.engine.Engine` the hub runs,
with a :class:`~hub.clock.ManualClock`; keep ticking every ``--tick-seconds`` up to ``--until``;
write one Alert JSON object per line to ``--alerts-out``. The history's last ``WARM_UP``, and the
time from its last reading to the first replayed day, go through the engine first, their alerts
dropped: they were the live hub's to send then.

    eldercare replay --history H.csv --events E.csv --until 2009-08-02T12:00:00 --alerts-out A.jsonl
"""
from __future__ import annotations

import argparse
import bisect
import datetime as dt
import gc
import json
import logging
from collections.abc import Iterable, Iterator
from operator import attrgetter
from pathlib import Path

from analytics.engine import Engine
from analytics.routine import KEEP_DAYS, learn
from analytics.state import PRIME_WINDOW, last_readings
from hub.alert import Alert
from hub.clock import ManualClock
from hub.config import INACTIVITY_BUDGET_PER_30D, DetectionConfig, inactivity_budget_problem
from hub.csvio import read_events
from hub.errors import ImportFormatError
from hub.events import Event

log = logging.getLogger(__name__)
#: how much of the history's end is run through the detectors before the replayed events: longer
#: than the engine remembers a reported silence (36 h)
WARM_UP = dt.timedelta(hours=48)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``eldercare replay``."""
    parser.add_argument("--history", required=True, type=Path, help="event CSV to learn the routine from")
    parser.add_argument("--events", required=True, type=Path, help="event CSV to replay after the history")
    parser.add_argument("--until", required=True, type=dt.datetime.fromisoformat,
                        help="keep the simulated clock running up to this local time (ISO 8601)")
    parser.add_argument("--alerts-out", required=True, type=Path, help="write Alert JSON lines here")
    parser.add_argument("--household", default="", help="household id written into the alerts")
    parser.add_argument("--name", default="", help="how messages name the resident (default: the resident)")
    parser.add_argument("--tick-seconds", type=int, default=60, help="clock tick of the simulated hub")
    parser.add_argument("--inactivity-budget", type=_budget, default=INACTIVITY_BUDGET_PER_30D, metavar="N",
                        help="false inactivity alerts a month accepted per home, as detection.inactivity_budget_per_30d "
                             "(default %(default)s)")


def _budget(text: str) -> float:
    try:
        value = float(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from err
    problem = inactivity_budget_problem(value)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return value


def replay(history: list[Event], events: Iterable[Event], until: dt.datetime, *, household: str = "",
           name: str = "", tick_seconds: int = 60, config: DetectionConfig | None = None) -> Iterator[Alert]:
    """Learn from ``history`` (in time order) and yield the alerts the engine raises replaying ``events``."""
    routine = learn(history, household)
    evs = sorted(events, key=lambda e: e.time)
    # the live hub was watching during the history too: what already held when it ended (a sensor
    # stuck for a week) was reported then and is still open, not news now. The history's end run
    # through the detectors, what they raise dropped, lets the replay know it as the hub does.
    end = history[-1].time if history else (evs[0].time if evs else until)
    # the history runs up to the first replayed day: what was raised before that day began was the
    # hub's to send then, even after the history's last reading
    start = max(end, dt.datetime.combine(evs[0].time.date(), dt.time())) if evs else end
    warm = bisect.bisect_left(history, end - WARM_UP, key=lambda e: e.time)
    clock = ManualClock(history[warm].time if history else end)
    engine = Engine(routine, clock, household=household, name=name, config=config,
                    relearn=lambda dead: learn([e for e in history if e.sensor not in dead], household))
    # primed as the live hub primes a new engine (``hub.detection.recent_for``)
    primed = bisect.bisect_left(history, end - WARM_UP - PRIME_WINDOW, key=lambda e: e.time)
    engine.prime(history[primed:warm], last_words=last_readings(history[:primed]))
    # what was raised then is dropped: only what holds at the end matters, so the detectors run on
    # the clock's ticks alone (on every reading as well took a fifth of a dense home's replay)
    before_start = start - dt.timedelta(microseconds=1)  # a tick at midnight is the replayed day's
    for _reported_then in drive(engine, clock, history[warm:], before_start, tick_seconds, on_each_event=False):
        pass
    yield from drive(engine, clock, evs, until, tick_seconds)


def drive(engine: Engine, clock: ManualClock, events: list[Event], until: dt.datetime,
          tick_seconds: int = 60, on_each_event: bool = True) -> Iterator[Alert]:
    """Feed time-ordered ``events`` to ``engine``, ticking the clock every ``tick_seconds`` between
    them and on up to ``until``, as the live hub's scheduler would; yield every alert raised.
    With ``on_each_event`` False the detectors run on the ticks only (events update the state)."""
    start = clock.now()
    evs = events
    step = dt.timedelta(seconds=tick_seconds)
    next_tick = start.replace(second=0, microsecond=0) + step
    for e in evs:
        if e.time < clock.now():
            log.warning("event at %s is before the clock (%s); fed at the clock's time", e.time, clock.now())
        while next_tick < e.time:
            clock.set(next_tick)
            yield from engine.tick()
            next_tick += step
        clock.set(max(e.time, clock.now()))
        if on_each_event:
            yield from engine.on_event(e)
        else:
            engine.prime([e])
    while next_tick <= until:
        clock.set(next_tick)
        yield from engine.tick()
        next_tick += step


def learning_window_start(events: list[Event], until: dt.datetime) -> dt.date:
    """The first day of history the live hub would have learned from on the replayed day: its
    nightly job learns from the ``KEEP_DAYS`` days before that day's midnight."""
    day = min((e.time for e in events), default=until).date()
    return day - dt.timedelta(days=KEEP_DAYS)


def run(args: argparse.Namespace) -> int:
    """Run the replay and write the alerts; 0 on success."""
    # a dense home's history is a few hundred thousand events, all kept to the end and none in a
    # reference cycle: the cyclic collector walking them again and again while they are read, and
    # on every later collection, was a twentieth of the replay. Read without it, then set aside.
    gc.disable()
    try:
        events = list(read_events(args.events, args.household))
        # like the live hub, learn from the last KEEP_DAYS only; a history of many months is then
        # read no further back than that (rows before are skipped unparsed)
        since = learning_window_start(events, args.until)
        history = sorted(read_events(args.history, args.household, since=since), key=attrgetter("time"))
    finally:
        gc.enable()
    gc.freeze()
    if history and events and min(e.time for e in events) < history[-1].time:
        raise ImportFormatError(str(args.events), 0, "events must all come after the history")
    n = 0
    with args.alerts_out.open("w", encoding="utf-8") as out:
        for alert in replay(history, events, args.until, household=args.household, name=args.name,
                            tick_seconds=args.tick_seconds,
                            config=DetectionConfig(inactivity_budget_per_30d=args.inactivity_budget)):
            out.write(json.dumps(alert.to_json()) + "\n")
            n += 1
    log.debug("replay wrote %d alerts to %s", n, args.alerts_out)
    return 0
