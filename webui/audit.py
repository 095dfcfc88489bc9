"""The audit log: who looked at or changed which household's data, when and from where.

Every view of a household's data (page or JSON) and every action is written here; admins read it.
"""
from __future__ import annotations

from dataclasses import dataclass

from hub.clock import Clock
from hub.events import format_time
from hub.store import Store
from webui import schema


@dataclass(frozen=True)
class AuditEntry:
    """One recorded access or action."""

    id: int
    time: str
    username: str
    action: str
    household: str
    detail: str
    ip: str


class AuditLog:
    """Append-only record of panel accesses, kept in ``store``."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        schema.migrate(store)

    def record(self, username: str, action: str, household: str = "", detail: str = "", ip: str = "") -> None:
        """Write one entry stamped with the clock's time."""
        with self.store.transaction() as c:
            c.execute("INSERT INTO panel_audit (ts, username, action, household, detail, ip) VALUES (?, ?, ?, ?, ?, ?)",
                      (format_time(self.clock.now()), username, action, household, detail, ip))

    def recent(self, limit: int = 200, *, household: str | None = None, username: str | None = None
               ) -> list[AuditEntry]:
        """The newest entries first, optionally only for one household or one user."""
        clauses, params = [], []
        if household:
            clauses.append("household = ?")
            params.append(household)
        if username:
            clauses.append("username = ?")
            params.append(username)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self.store.query(f"SELECT * FROM panel_audit {where} ORDER BY id DESC LIMIT ?", (*params, limit))
        return [AuditEntry(r["id"], r["ts"], r["username"], r["action"], r["household"], r["detail"], r["ip"])
                for r in rows]
