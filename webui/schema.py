"""The panel's own tables (migration component ``panel``): people, their households, failed
log-ins, the audit log and case notes.

Alerts, households and contacts belong to ``alerts/``; summaries and events to the core store.
"""
from __future__ import annotations

from hub.store import Store

PANEL_MIGRATIONS: tuple[str, ...] = (
    # 1: users, assignments, throttling, audit, notes
    """
    CREATE TABLE panel_users (
        id INTEGER PRIMARY KEY,
        username TEXT NOT NULL UNIQUE COLLATE NOCASE,
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin', 'caseworker', 'social_worker')),
        password_hash TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 1,
        session_version INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL
    );
    CREATE TABLE panel_assignments (
        user_id INTEGER NOT NULL REFERENCES panel_users(id) ON DELETE CASCADE,
        household TEXT NOT NULL,
        PRIMARY KEY (user_id, household)
    );
    CREATE INDEX panel_assignments_household ON panel_assignments(household);
    CREATE TABLE panel_login_failures (
        username TEXT NOT NULL COLLATE NOCASE,
        ip TEXT NOT NULL,
        failures INTEGER NOT NULL,
        last_failure TEXT NOT NULL,
        locked_until TEXT,
        PRIMARY KEY (username, ip)
    );
    CREATE TABLE panel_audit (
        id INTEGER PRIMARY KEY,
        ts TEXT NOT NULL,
        username TEXT NOT NULL,
        action TEXT NOT NULL,
        household TEXT NOT NULL DEFAULT '',
        detail TEXT NOT NULL DEFAULT '',
        ip TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX panel_audit_ts ON panel_audit(ts);
    CREATE TABLE panel_notes (
        id INTEGER PRIMARY KEY,
        household TEXT NOT NULL,
        ts TEXT NOT NULL,
        author TEXT NOT NULL,
        text TEXT NOT NULL
    );
    CREATE INDEX panel_notes_household ON panel_notes(household, ts);
    """,
)


def migrate(store: Store) -> None:
    """Create or upgrade the panel's tables in ``store`` (safe to call repeatedly)."""
    store.migrate("panel", PANEL_MIGRATIONS)
