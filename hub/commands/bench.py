"""``eldercare bench {ingest,train,replay,panel,office} [OPTIONS]``: run one benchmark, which prints its figures.

Each benchmark lives in its own module with ``add_arguments(parser)`` and ``run(args)``, imported
only when chosen (``bench panel`` never pays for scikit-learn, ``bench ingest`` never for Flask).
``eldercare bench ingest --help`` shows that benchmark's options.
"""
from __future__ import annotations

import argparse
import importlib

#: benchmark -> module providing add_arguments(parser) and run(args)
BENCHMARKS = {
    "ingest": "hub.bench_ingest",
    "train": "analytics.bench_train",
    "replay": "analytics.bench_replay",
    "panel": "webui.bench_panel",
    "office": "hub.bench_office",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``eldercare bench``: the benchmark and its own options."""
    parser.add_argument("benchmark", choices=sorted(BENCHMARKS), help="what to measure")
    parser.add_argument("options", nargs=argparse.REMAINDER, help="the benchmark's options (see its --help)")


def run(args: argparse.Namespace) -> int:
    """Import the chosen benchmark, parse its options and run it."""
    module = importlib.import_module(BENCHMARKS[args.benchmark])
    parser = argparse.ArgumentParser(prog=f"eldercare bench {args.benchmark}", description=module.__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    module.add_arguments(parser)
    return int(module.run(parser.parse_args(args.options)) or 0)
