"""``eldercare import FILE.csv``: load an event CSV history (``timestamp,sensor,kind,value,room``)
into the hub's store.

The whole file is one transaction: a bad row stops the import with an error naming the file and
line, and nothing of that file is stored. Importing the same file twice stores nothing new: each
row's id is its natural key (time, sensor, kind, value), plus an occurrence number when the same
reading is repeated within one second of the file (real recordings hold such repeats, and the
export must give them back); repeats are counted among rows with the same timestamp, which in a
time-ordered file are adjacent. With ``--progress``, or when stderr is a terminal, a plain-text
progress line is drawn on stderr.
"""
from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
import time
from pathlib import Path
from typing import TextIO

from hub.commands.store_args import add_store_arguments, resolve
from hub.csvio import parse_events
from hub.errors import ImportFormatError
from hub.store import Store

log = logging.getLogger(__name__)

CHUNK = 5000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``eldercare import``."""
    parser.add_argument("file", type=Path, help="event CSV: timestamp,sensor,kind,value,room")
    add_store_arguments(parser)
    parser.add_argument("--progress", action="store_true",
                        help="draw a progress line even when stderr is not a terminal")


class Progress:
    """A plain-text progress line on a stream, redrawn at most a few times a second."""

    def __init__(self, stream: TextIO, label: str, total_bytes: int, enabled: bool) -> None:
        self.stream = stream
        self.label = label
        self.total = max(total_bytes, 1)
        self.enabled = enabled
        self._last = 0.0

    def update(self, done_bytes: int, rows: int, final: bool = False) -> None:
        """Redraw the line (throttled unless ``final``)."""
        if not self.enabled:
            return
        now = time.monotonic()
        if not final and now - self._last < 0.2:
            return
        self._last = now
        pct = min(100, done_bytes * 100 // self.total)
        bar = "#" * (pct // 5) + "-" * (20 - pct // 5)
        self.stream.write(f"\r{self.label} [{bar}] {pct:3d}% {rows} rows")
        if final:
            self.stream.write("\n")
        self.stream.flush()


class _CountingReader:
    """Passes lines through while counting the bytes read, for the progress line."""

    def __init__(self, raw: TextIO) -> None:
        self.raw = raw
        self.bytes = 0

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = self.raw.readline()
        if not line:
            raise StopIteration
        self.bytes += len(line.encode("utf-8"))
        return line


def import_file(store: Store, path: Path, household: str, progress: Progress | None = None) -> tuple[int, int]:
    """Import one event CSV in one transaction; return (rows read, events new to the store)."""
    try:
        f = path.open(newline="", encoding="utf-8")
    except OSError as err:
        raise ImportFormatError(str(path), 0, f"cannot open: {err.strerror}") from err
    rows = new = 0
    with f, store.transaction() as conn:
        reader = _CountingReader(f)
        chunk = []
        current, repeats = None, {}  # occurrences of each reading at the current timestamp
        try:
            for event in parse_events(reader, str(path), household):
                if event.time != current:
                    current, repeats = event.time, {}
                key = event.reading_id
                seen = repeats.get(key, 0)
                repeats[key] = seen + 1
                # the id is set on the event so the store does not work it out again
                event = dataclasses.replace(event, source_id=f"{key}#{seen}" if seen else key)
                chunk.append(event)
                if len(chunk) >= CHUNK:
                    new += store.add_events(chunk, conn=conn)
                    rows += len(chunk)
                    chunk.clear()
                    if progress:
                        progress.update(reader.bytes, rows)
        except UnicodeDecodeError as err:
            raise ImportFormatError(str(path), rows + 2, "not UTF-8 text") from err
        new += store.add_events(chunk, conn=conn)
        rows += len(chunk)
    if progress:
        progress.update(progress.total, rows, final=True)
    return rows, new


def run(args: argparse.Namespace) -> int:
    """Import the file; print what happened."""
    store_path, household = resolve(args)
    path: Path = args.file
    size = path.stat().st_size if path.exists() else 0
    progress = Progress(sys.stderr, f"importing {path.name}", size, args.progress or sys.stderr.isatty())
    with Store(store_path) as store:
        rows, new = import_file(store, path, household, progress)
    print(f"imported {path}: {rows} rows, {new} new events, {rows - new} already stored "
          f"(household {household}, store {os.fspath(store_path)})")
    return 0
