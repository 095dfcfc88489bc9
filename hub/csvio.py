"""The canonical event CSV (``timestamp,sensor,kind,value,room``): read and write.

This is the contract for ``eldercare import``, ``export`` and ``replay`` (see
``shared/bench/README.md``). Reading is strict: a bad row raises :class:`ImportFormatError`
naming the file and line, so nothing is half-imported by surprise.
"""
from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

from hub.errors import ImportFormatError
from hub.events import KINDS, Event

HEADER = ["timestamp", "sensor", "kind", "value", "room"]
#: the words research recordings and home-automation exports write for binary states (CASAS:
#: ON/OFF, OPEN/CLOSE, PRESENT/ABSENT)
_ON_WORDS = {"on": 1.0, "true": 1.0, "open": 1.0, "opened": 1.0, "present": 1.0, "active": 1.0, "yes": 1.0,
             "off": 0.0, "false": 0.0, "close": 0.0, "closed": 0.0, "absent": 0.0, "inactive": 0.0, "no": 0.0}


def read_events(path: str | Path, household: str = "", *, since: dt.date | None = None) -> Iterator[Event]:
    """Yield the events of an event CSV in file order, checking every row (rows dated before
    ``since``, when given, are skipped unread)."""
    path = Path(path)
    try:
        f = path.open(newline="", encoding="utf-8-sig")  # a spreadsheet's byte-order mark is no header
    except OSError as err:
        raise ImportFormatError(str(path), 0, f"cannot open: {err.strerror}") from err
    with f:
        yield from parse_events(f, str(path), household, since=since)


def parse_events(f: TextIO, name: str, household: str = "", *, since: dt.date | None = None) -> Iterator[Event]:
    """Yield events from an open CSV text stream; ``name`` is used in error messages.

    With ``since``, rows whose timestamp is dated earlier are skipped without being parsed: a
    long history is read only as far back as it is used (ISO dates compare as text)."""
    reader = csv.reader(f)
    header = next(reader, None)
    if header is None:
        return
    header_lines = reader.line_num
    header = [h.strip().lstrip("\ufeff").lower() for h in header]
    missing = [h for h in HEADER[:4] if h not in header]
    if missing:
        raise ImportFormatError(name, 1, f"header must be {','.join(HEADER)}; missing {', '.join(missing)}")
    col = {h: header.index(h) for h in HEADER if h in header}
    ts_at, sensor_at, kind_at, value_at = (col[h] for h in HEADER[:4])
    room_at = col.get("room", -1)
    min_len = len(header) - (1 if room_at >= 0 else 0)
    first_day = since.isoformat() if since is not None else ""
    # the body is parsed by a reader of its own, after the lines dated too early are dropped unparsed
    body = _LinesFrom(f, first_day, ts_at)
    reader = csv.reader(body)
    # a busy home's history is hundreds of thousands of rows naming a few dozen sensors, rooms and
    # kinds: each distinct text is cleaned and checked once (and shared, not held once per event)
    kinds: dict[str, str] = {}
    names: dict[str, str] = {}
    for row in reader:
        if not row:
            continue
        line = header_lines + body.dropped + reader.line_num
        if len(row) < min_len:
            if not "".join(row).strip():
                continue
            raise ImportFormatError(name, line, f"expected {len(header)} columns, got {len(row)}")
        stamp = row[ts_at].strip()
        if not stamp and not "".join(row).strip():
            continue
        if stamp[:10] < first_day:  # one the line filter left: quoted, indented, timestamp not first
            continue
        try:
            when = dt.datetime.fromisoformat(stamp)
        except ValueError as err:
            raise ImportFormatError(name, line, f"timestamp {row[ts_at]!r} is not ISO 8601") from err
        if when.tzinfo is not None:
            raise ImportFormatError(name, line, "timestamps are local wall-clock time without an offset")
        raw_kind = row[kind_at]
        kind = kinds.get(raw_kind)
        if kind is None:
            kind = raw_kind.strip().lower()
            if kind not in KINDS:
                raise ImportFormatError(name, line, f"kind {kind!r} is not one of {', '.join(sorted(KINDS))}")
            kinds[raw_kind] = kind
        raw = row[value_at]
        try:
            value = float(raw)
        except ValueError:
            raw = raw.strip()
            try:
                value = float(_ON_WORDS.get(raw.lower(), raw))
            except ValueError as err:
                raise ImportFormatError(name, line, f"value {raw!r} is not a number") from err
        if not math.isfinite(value):
            raise ImportFormatError(name, line, f"value {raw!r} is not a finite number")
        raw_sensor = row[sensor_at]
        sensor = names.get(raw_sensor)
        if sensor is None:
            sensor = names[raw_sensor] = raw_sensor.strip()
        if not sensor:
            raise ImportFormatError(name, line, "sensor is empty")
        raw_room = row[room_at] if 0 <= room_at < len(row) else ""
        room = names.get(raw_room)
        if room is None:
            room = names[raw_room] = raw_room.strip()
        yield Event(when, sensor, kind, value, room, household)


class _LinesFrom:
    """The lines of a CSV body, less those dated before ``first_day`` (ISO date text; "" keeps
    them all), told apart without parsing them when the timestamp comes first (``ts_at`` 0).

    A long history is mostly older than the weeks learned from: this drops its rows at a third of
    what parsing them costs (1.3 M rows: 0.8 s -> 0.2 s). A line dated ``first_day`` or later
    compares as not less, whatever follows its date. A line with a quote goes to the CSV parser
    as it is, and so does the rest of the stream after it (a quoted field may span lines).
    ``dropped`` is how many lines were dropped so far, for the line numbers of errors."""

    def __init__(self, f: TextIO, first_day: str, ts_at: int) -> None:
        self._f, self._first_day, self._ts_at = f, first_day, ts_at
        self.dropped = 0

    def __iter__(self) -> Iterator[str]:
        f, first_day = self._f, self._first_day
        if not first_day or self._ts_at != 0:
            yield from f
            return
        dropped = 0
        for line in f:
            if line < first_day and line[0].isdigit() and '"' not in line:  # (not indented, not quoted)
                dropped += 1
                continue
            self.dropped = dropped
            yield line
            if '"' in line:
                yield from f
                return


def write_events(path: str | Path, events: Iterable[Event]) -> int:
    """Write events as a canonical CSV; return how many rows were written."""
    with Path(path).open("w", newline="", encoding="utf-8") as f:
        return dump_events(f, events)


def dump_events(f: TextIO, events: Iterable[Event]) -> int:
    """Write the header and one row per event to an open text stream."""
    writer = csv.writer(f, lineterminator="\n")
    writer.writerow(HEADER)
    n = 0
    for e in events:
        writer.writerow(e.csv_row())
        n += 1
    return n
