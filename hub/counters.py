"""Thread-safe counters kept per key (a device, a kind of topic), one dataclass row each, so that
a status page or a benchmark can read a consistent copy while the network thread counts."""
from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

Row = TypeVar("Row")


class KeyedCounters(Generic[Row]):
    """Rows of counters by key; subclasses add under ``self._lock`` through :meth:`_row`."""

    def __init__(self, new_row: Callable[[], Row]) -> None:
        self._lock = threading.Lock()
        self._rows: dict[str, Row] = {}
        self._new_row = new_row

    def _row(self, key: str) -> Row:
        """The row of ``key``, created empty; call with the lock held."""
        row = self._rows.get(key)
        if row is None:
            row = self._rows[key] = self._new_row()
        return row

    def snapshot(self) -> dict[str, Row]:
        """A copy of every row."""
        with self._lock:
            return {k: dataclasses.replace(v) for k, v in self._rows.items()}

    def total(self, name: str) -> int:
        """One counter summed over the keys."""
        with self._lock:
            return sum(getattr(row, name) for row in self._rows.values())
