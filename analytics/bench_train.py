"""``eldercare bench train``: how long learning a busy home's year takes, and how much memory.

A year of a busy simulated home (``hardware.simulator.SimulatedHome``) is generated, then the
routine is learned from it exactly as the nightly job does. The last line printed is
``train seconds=<S> peak_rss_mb=<M>`` (targets: at most 10 s and 300 MB on the hub).
"""
from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import tempfile
import time
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``eldercare bench train``."""
    parser.add_argument("--days", type=int, default=365, help="days of simulated history to learn from")
    parser.add_argument("--seed", type=int, default=1, help="seed of the simulated resident")
    parser.add_argument("--profile", default="busy", help="simulated resident profile (busy, quiet, frail)")
    parser.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2025, 1, 6),
                        help="first simulated day")


def _peak_rss_mb() -> float:
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak_kb / 1024 if sys.platform != "darwin" else peak_kb / 1024 / 1024


def run(args: argparse.Namespace) -> int:
    """Generate the year, learn from it, save it, print the figures."""
    from analytics.modelstore import load_routine, save_routine
    from analytics.routine import learn
    from hardware.simulator import SimulatedHome

    home = SimulatedHome(household="bench", seed=args.seed, profile=args.profile)
    start = dt.datetime.combine(args.start, dt.time())
    t0 = time.perf_counter()
    events = list(home.events(start, start + dt.timedelta(days=args.days)))
    gen = time.perf_counter() - t0
    print(f"generated events={len(events)} days={args.days} seconds={gen:.2f}")
    t0 = time.perf_counter()
    routine = learn(events, "bench")
    with tempfile.TemporaryDirectory() as tmp:
        path = save_routine(routine, Path(tmp))
        size_kb = path.stat().st_size / 1024
        load_routine(path)
    train = time.perf_counter() - t0
    print(f"routine days={routine.n_days} absent_days={len(routine.absent_days)} file_kb={size_kb:.0f}")
    print(f"train seconds={train:.2f} peak_rss_mb={_peak_rss_mb():.0f}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run without the ``eldercare bench`` dispatcher (``python -m analytics.bench_train``)."""
    parser = argparse.ArgumentParser(prog="eldercare bench train", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
