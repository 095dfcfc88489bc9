"""Free-text case notes on a household, with author and time."""
from __future__ import annotations

from dataclasses import dataclass

from hub.clock import Clock
from hub.errors import PanelError
from hub.events import format_time
from hub.store import Store
from webui import schema

MAX_NOTE_LENGTH = 5000


@dataclass(frozen=True)
class CaseNote:
    """One note written by a caseworker."""

    id: int
    household: str
    time: str
    author: str
    text: str


class CaseNotes:
    """Case notes kept in ``store``; never edited, only added (they are a record)."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        schema.migrate(store)

    def add(self, household: str, author: str, text: str) -> CaseNote:
        """Store a note; raise :class:`PanelError` if it is empty or too long."""
        text = text.strip()
        if not text:
            raise PanelError("the note is empty")
        if len(text) > MAX_NOTE_LENGTH:
            raise PanelError(f"a note holds at most {MAX_NOTE_LENGTH} characters")
        ts = format_time(self.clock.now())
        with self.store.transaction() as c:
            cur = c.execute("INSERT INTO panel_notes (household, ts, author, text) VALUES (?, ?, ?, ?)",
                            (household, ts, author, text))
        return CaseNote(cur.lastrowid, household, ts, author, text)

    def list(self, household: str, limit: int = 50) -> list[CaseNote]:
        """The household's notes, newest first."""
        rows = self.store.query("SELECT * FROM panel_notes WHERE household=? ORDER BY ts DESC, id DESC LIMIT ?",
                                (household, limit))
        return [CaseNote(r["id"], r["household"], r["ts"], r["author"], r["text"]) for r in rows]
