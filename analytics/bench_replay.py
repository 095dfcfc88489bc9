"""``eldercare bench replay``: how long one referee case takes, on an ordinary and a dense home.

The referee runs ``eldercare replay`` once per case: four weeks of history plus the day under test,
interpreter start included (target: at most 1.5 s). Homes differ most in how many readings a day
their sensors send: a few hundred from door contacts and one motion sensor per room, thousands
where a motion sensor covers every few metres (as in the CASAS research homes). So the busy
simulated home (``hardware.simulator.SimulatedHome``) is replayed as it is, and again with every
motion reading repeated by several sensors in the same room, a few seconds apart.

Each case is replayed by the real command in a child process, ``--repeat`` times; the median wall
time and the child's peak memory are printed, one line per density, the last being
``replay sensors_per_room=<K> rows_per_day=<R> seconds=<S> peak_rss_mb=<M>``.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from hub.events import Event


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``eldercare bench replay``."""
    parser.add_argument("--history-days", type=int, default=28, help="days of history before the replayed day")
    parser.add_argument("--sensors-per-room", default="1,8",
                        help="comma-separated motion sensors per room to measure (1 = the simulated home as is)")
    parser.add_argument("--repeat", type=int, default=3, help="replays per density (the median is printed)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the simulated resident")
    parser.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2025, 3, 3),
                        help="first simulated day")


def densify(events: Iterable[Event], sensors_per_room: int) -> Iterator[Event]:
    """Each motion reading, also reported by ``sensors_per_room - 1`` more sensors in the same room
    one to a few seconds later (time order is kept within each room's burst, not overall)."""
    for e in events:
        yield e
        if e.kind != "motion":
            continue
        for k in range(1, sensors_per_room):
            yield dataclasses.replace(e, time=e.time + dt.timedelta(seconds=2 * k), sensor=f"{e.sensor}_{k}")


#: the child: the real command, then its own peak memory. The kernel's ``ru_maxrss`` of a child
#: started by (v)fork counts the parent's memory from before the exec, and this parent holds the
#: whole simulated home (a 200-day dense home: 184 MB reported for a replay that peaked at 98 MB)
_CHILD = """
import sys
from hub.cli import main
code = main(sys.argv[1:])
try:
    with open("/proc/self/status") as status:
        peak_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
except (OSError, StopIteration):  # no /proc: the kernel's figure, an upper bound
    import resource
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"peak_rss_kb={peak_kb}")
sys.exit(code)
"""


def _replay_once(history: Path, events: Path, until: dt.datetime, out: Path) -> tuple[float, float]:
    """Run ``eldercare replay`` in a child process; (wall seconds, the child's peak RSS in MB)."""
    args = ["replay", "--history", str(history), "--events", str(events), "--until", until.isoformat(),
            "--alerts-out", str(out)]
    t0 = time.perf_counter()
    child = subprocess.run([sys.executable, "-c", _CHILD, *args], stdout=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - t0
    if child.returncode != 0:
        raise SystemExit(f"replay exited with {child.returncode}: eldercare {' '.join(args)}")
    peak_kb = int(child.stdout.strip().rpartition("peak_rss_kb=")[2])
    return seconds, peak_kb / 1024


def run(args: argparse.Namespace) -> int:
    """Generate the home, replay it at each density, print the figures."""
    from hardware.simulator import SimulatedHome
    from hub.csvio import write_events

    start = dt.datetime.combine(args.start, dt.time())
    day = start + dt.timedelta(days=args.history_days)
    until = day + dt.timedelta(days=1, hours=6)
    base = list(SimulatedHome(household="", seed=args.seed, profile="busy").events(start, day + dt.timedelta(days=1)))
    with tempfile.TemporaryDirectory() as tmp:
        for per_room in (int(x) for x in args.sensors_per_room.split(",")):
            events = sorted(densify(base, per_room), key=lambda e: e.time)
            history = Path(tmp, "history.csv")
            replayed = Path(tmp, "events.csv")
            rows = write_events(history, (e for e in events if e.time < day))
            write_events(replayed, (e for e in events if e.time >= day))
            runs = [_replay_once(history, replayed, until, Path(tmp, "alerts.jsonl")) for _ in range(args.repeat)]
            seconds = statistics.median(s for s, _ in runs)
            print(f"replay sensors_per_room={per_room} rows_per_day={rows // args.history_days} "
                  f"history_rows={rows} seconds={seconds:.2f} peak_rss_mb={max(m for _, m in runs):.0f}", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run without the ``eldercare bench`` dispatcher (``python -m analytics.bench_replay``)."""
    parser = argparse.ArgumentParser(prog="eldercare bench replay", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
