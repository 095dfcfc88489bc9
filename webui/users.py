"""People who use the panel, their roles and households, and log-in with throttling.

Roles:

* ``admin`` manages users, households, contacts and the rota, and may see every household;
* ``caseworker`` follows the households assigned to them: trends, alerts, notes, outcomes;
* ``social_worker`` handles the alerts of their households: acknowledge and resolve.

Passwords are stored as werkzeug hashes (scrypt). Failed log-ins are counted per username and
address; after :data:`FREE_FAILURES` failures each further failure locks that pair out for
twice as long as the last (1, 2, 4 ... minutes, at most an hour), measured on the injected clock.

Create the first admin without any UI::

    UserBook(store, clock).create("admin", "a long passphrase", "admin", name="Office admin")
"""
from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from werkzeug.security import check_password_hash, generate_password_hash

from hub.clock import Clock
from hub.errors import LoginThrottled, PanelError
from hub.events import format_time
from hub.store import Store
from webui import schema

log = logging.getLogger(__name__)

ROLES = ("admin", "caseworker", "social_worker")
ROLE_LABELS = {"admin": "Administrator", "caseworker": "Caseworker", "social_worker": "Social worker"}
MIN_PASSWORD_LENGTH = 10
FREE_FAILURES = 5
MAX_LOCKOUT = dt.timedelta(hours=1)
_FAILURES = "SELECT failures, locked_until FROM panel_login_failures WHERE username=? AND ip=?"


@dataclass(frozen=True)
class User:
    """A panel account as Flask-Login sees it (it duck-types Flask-Login's user protocol).

    ``session_version`` is part of the session id, so changing a password or disabling the
    account ends every session that was opened before.
    """

    id: int
    username: str
    name: str
    role: str
    active: bool
    session_version: int

    @property
    def is_authenticated(self) -> bool:
        """Always true for a loaded account (Flask-Login protocol)."""
        return True

    @property
    def is_active(self) -> bool:
        """Disabled accounts cannot log in (Flask-Login protocol)."""
        return self.active

    @property
    def is_anonymous(self) -> bool:
        """Never anonymous (Flask-Login protocol)."""
        return False

    def get_id(self) -> str:
        """Session id: account id and session version."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_admin(self) -> bool:
        """Whether this user administers the panel."""
        return self.role == "admin"

    @property
    def role_label(self) -> str:
        """The role as people say it."""
        return ROLE_LABELS[self.role]


class UserBook:
    """Panel accounts stored in the ``panel`` tables of ``store``; time from ``clock``."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        schema.migrate(store)
        # checked against when the username is unknown, so both paths cost the same time
        self._dummy_hash = generate_password_hash(secrets.token_urlsafe(16))

    # ------------------------------------------------------------------ accounts

    def create(self, username: str, password: str, role: str, *, name: str = "",
               households: Iterable[str] = ()) -> User:
        """Add an account; raise :class:`PanelError` if the name is taken or the input is invalid."""
        username = username.strip()
        if not username or not username.replace(".", "").replace("-", "").replace("_", "").isalnum():
            raise PanelError("username: use letters, digits, '.', '-' or '_'")
        _check_role(role)
        _check_password(password)
        with self.store.transaction() as c:
            if c.execute("SELECT 1 FROM panel_users WHERE username=?", (username,)).fetchone():
                raise PanelError(f"username {username!r} is already taken")
            cur = c.execute(
                "INSERT INTO panel_users (username, name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                (username, name.strip() or username, role, generate_password_hash(password),
                 format_time(self.clock.now())))
            user_id = cur.lastrowid
            c.executemany("INSERT OR IGNORE INTO panel_assignments VALUES (?, ?)",
                          [(user_id, h) for h in households])
        log.info("panel user %s created with role %s", username, role)
        return self.get(user_id)

    def get(self, user_id: int) -> User | None:
        """The account with this id, or None."""
        rows = self.store.query("SELECT * FROM panel_users WHERE id=?", (user_id,))
        return _user(rows[0]) if rows else None

    def by_username(self, username: str) -> User | None:
        """The account with this username (case-insensitive), or None."""
        rows = self.store.query("SELECT * FROM panel_users WHERE username=?", (username.strip(),))
        return _user(rows[0]) if rows else None

    def load_session(self, session_id: str) -> User | None:
        """The active account a session id (from :meth:`User.get_id`) still belongs to, or None."""
        try:
            user_id, version = (int(part) for part in session_id.split(":"))
        except ValueError:
            return None
        user = self.get(user_id)
        if user is None or not user.active or user.session_version != version:
            return None
        return user

    def all(self) -> list[User]:
        """Every account, by role then name."""
        return [_user(r) for r in self.store.query("SELECT * FROM panel_users ORDER BY role, name")]

    def update(self, user_id: int, *, name: str | None = None, role: str | None = None,
               active: bool | None = None) -> User:
        """Change an account's name, role or active flag (disabling ends its sessions)."""
        user = self._existing(user_id)
        if role is not None:
            _check_role(role)
        with self.store.transaction() as c:
            c.execute("UPDATE panel_users SET name=?, role=?, active=?, session_version=? WHERE id=?",
                      (name.strip() if name else user.name, role or user.role,
                       int(user.active if active is None else active),
                       user.session_version + (1 if active is False and user.active else 0), user_id))
        return self.get(user_id)

    def set_password(self, user_id: int, password: str) -> None:
        """Replace the password and end every open session of this account."""
        self._existing(user_id)
        _check_password(password)
        with self.store.transaction() as c:
            c.execute("UPDATE panel_users SET password_hash=?, session_version=session_version+1 WHERE id=?",
                      (generate_password_hash(password), user_id))

    # ------------------------------------------------------------------ households

    def assign(self, user_id: int, households: Iterable[str]) -> None:
        """Make ``households`` exactly the set this account follows."""
        self._existing(user_id)
        with self.store.transaction() as c:
            c.execute("DELETE FROM panel_assignments WHERE user_id=?", (user_id,))
            c.executemany("INSERT INTO panel_assignments VALUES (?, ?)", [(user_id, h) for h in set(households)])

    def households_of(self, user: User) -> set[str]:
        """The households assigned to ``user``."""
        return {r[0] for r in self.store.query("SELECT household FROM panel_assignments WHERE user_id=?", (user.id,))}

    def people_of(self, household: str) -> list[User]:
        """The accounts assigned to ``household``."""
        rows = self.store.query("SELECT u.* FROM panel_users u JOIN panel_assignments a ON a.user_id=u.id "
                                "WHERE a.household=? ORDER BY u.name", (household,))
        return [_user(r) for r in rows]

    def can_see(self, user: User, household: str) -> bool:
        """Whether ``user`` may see anything of ``household``."""
        return user.is_admin or household in self.households_of(user)

    # ------------------------------------------------------------------ log-in

    def authenticate(self, username: str, password: str, ip: str) -> User | None:
        """The account if the password is right, else None; raise :class:`LoginThrottled` when locked out.

        A locked-out pair is refused even with the right password, so guessing cannot continue.
        """
        now = self.clock.now()
        key = (username.strip().lower(), ip)
        self._refuse_if_locked(self.store.query(_FAILURES, key), now)
        user_rows = self.store.query("SELECT * FROM panel_users WHERE username=?", (username.strip(),))
        stored_hash = user_rows[0]["password_hash"] if user_rows else self._dummy_hash
        ok = check_password_hash(stored_hash, password) and bool(user_rows) and bool(user_rows[0]["active"])
        with self.store.transaction() as c:
            # read again under the write lock: guesses sent together were all checked above before
            # any was counted; each is counted, and one that comes in after the lock is refused
            rows = c.execute(_FAILURES, key).fetchall()
            self._refuse_if_locked(rows, now)
            if ok:
                c.execute("DELETE FROM panel_login_failures WHERE username=? AND ip=?", key)
                return _user(user_rows[0])
            failures = (rows[0]["failures"] if rows else 0) + 1
            locked_until = None
            if failures >= FREE_FAILURES:
                lock = min(dt.timedelta(minutes=2 ** (failures - FREE_FAILURES)), MAX_LOCKOUT)
                locked_until = format_time(now + lock)
            c.execute("INSERT OR REPLACE INTO panel_login_failures VALUES (?, ?, ?, ?, ?)",
                      (*key, failures, format_time(now), locked_until))
        log.warning("failed panel log-in for %r from %s (%d in a row)", username, ip, failures)
        return None

    @staticmethod
    def _refuse_if_locked(rows, now: dt.datetime) -> None:
        """Raise :class:`LoginThrottled` when ``rows`` (of :data:`_FAILURES`) say the pair is locked out."""
        if rows and rows[0]["locked_until"]:
            until = dt.datetime.fromisoformat(rows[0]["locked_until"])
            if until > now:
                raise LoginThrottled(int((until - now).total_seconds()))

    def _existing(self, user_id: int) -> User:
        user = self.get(user_id)
        if user is None:
            raise PanelError(f"no panel user with id {user_id}")
        return user


def _user(row) -> User:
    return User(row["id"], row["username"], row["name"], row["role"], bool(row["active"]), row["session_version"])


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise PanelError(f"role {role!r} is not one of {', '.join(ROLES)}")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PanelError(f"password: use at least {MIN_PASSWORD_LENGTH} characters")
