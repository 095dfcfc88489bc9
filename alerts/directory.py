"""The directory: households and, for each, the ladder of people told about its alerts.

A ladder is ordered: position 1 is told first (usually the social worker), then the backup, then
the supervisor. Each contact has on-duty windows (see :mod:`alerts.rota`); none means always on
duty. In the single-home case the ladder comes from the config file (``[household]`` and
``[[alerts.contacts]]``) via :meth:`Directory.load_from_config`.
"""
from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from alerts.rota import parse_window
from hub.config import Config
from hub.errors import ConfigError, NotFoundError
from hub.store import Store

log = logging.getLogger(__name__)

_PHONE = re.compile(r"^\+[1-9]\d{6,14}$")

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE households (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        address TEXT NOT NULL DEFAULT '',
        timezone TEXT NOT NULL DEFAULT 'Europe/London'
    );
    CREATE TABLE contacts (
        household TEXT NOT NULL REFERENCES households(id),
        position INTEGER NOT NULL,
        name TEXT NOT NULL,
        phone TEXT NOT NULL,
        role TEXT NOT NULL,
        on_duty TEXT NOT NULL DEFAULT '[]',
        PRIMARY KEY (household, position)
    );
    CREATE INDEX contacts_phone ON contacts(phone)
    """,
)


@dataclass(frozen=True)
class Household:
    """A home being looked after; ``name`` is how SMS and the panel refer to it."""

    id: str
    name: str
    address: str = ""
    timezone: str = "Europe/London"


@dataclass(frozen=True)
class Contact:
    """One person on a household's ladder; ``position`` 1 is told first.

    ``phone`` is in E.164 form (``+447700900123``); ``on_duty`` holds windows like
    ``"mon-fri 08:00-18:00"`` and is empty when the person is always on duty.
    """

    household: str
    position: int
    name: str
    phone: str
    role: str = "social_worker"
    on_duty: tuple[str, ...] = ()


def normalise_phone(phone: str) -> str:
    """The number without spaces, dashes or brackets, so ``+44 7700 900123`` matches ``+447700900123``;
    a trunk zero written in brackets after the country code (``+44 (0)7700 900123``) is dropped."""
    return re.sub(r"[\s\-().]", "", re.sub(r"^(\s*\+\d{1,3})\s*\(0\)", r"\1", phone))


class Directory:
    """Households and their contact ladders, kept in the store (component ``directory``)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        store.migrate("directory", MIGRATIONS)

    def households(self) -> list[Household]:
        """Every household, by name."""
        rows = self._store.query("SELECT id, name, address, timezone FROM households ORDER BY name, id")
        return [Household(*r) for r in rows]

    def household(self, id: str) -> Household:
        """The household with this id; :class:`~hub.errors.NotFoundError` if unknown."""
        rows = self._store.query("SELECT id, name, address, timezone FROM households WHERE id=?", (id,))
        if not rows:
            raise NotFoundError(f"no household {id!r}")
        return Household(*rows[0])

    def upsert_household(self, h: Household) -> None:
        """Add the household or update its name, address and time zone."""
        with self._store.transaction() as conn:
            conn.execute("INSERT INTO households (id, name, address, timezone) VALUES (?, ?, ?, ?) "
                         "ON CONFLICT(id) DO UPDATE SET name=excluded.name, address=excluded.address, "
                         "timezone=excluded.timezone", (h.id, h.name, h.address, h.timezone))

    def contacts(self, household: str) -> list[Contact]:
        """The household's ladder, in the order people are told."""
        rows = self._store.query("SELECT household, position, name, phone, role, on_duty FROM contacts "
                                 "WHERE household=? ORDER BY position", (household,))
        return [_contact(r) for r in rows]

    def set_contacts(self, household: str, contacts: Sequence[Contact], *, source: str = "<directory>",
                     key: str = "contacts") -> None:
        """Replace the household's ladder; positions are renumbered 1.. in the order given.

        A phone number that is not E.164-like or an on-duty window that does not parse is a
        :class:`~hub.errors.ConfigError` naming ``source`` and ``key[i]``; nothing is changed then.
        """
        self.household(household)
        for i, c in enumerate(contacts):
            check_contact(c, source, f"{key}[{i}]")
        with self._store.transaction() as conn:
            conn.execute("DELETE FROM contacts WHERE household=?", (household,))
            conn.executemany(
                "INSERT INTO contacts (household, position, name, phone, role, on_duty) VALUES (?, ?, ?, ?, ?, ?)",
                [(household, i, c.name, normalise_phone(c.phone), c.role, json.dumps(list(c.on_duty)))
                 for i, c in enumerate(contacts, start=1)])
        log.info("ladder of %s set: %s", household, ", ".join(c.name for c in contacts) or "(nobody)")

    def contact_by_phone(self, phone: str) -> list[Contact]:
        """Every ladder place this number holds (a worker may cover several households)."""
        rows = self._store.query("SELECT household, position, name, phone, role, on_duty FROM contacts "
                                 "WHERE phone=? ORDER BY household, position", (normalise_phone(phone),))
        return [_contact(r) for r in rows]

    def load_from_config(self, config: Config) -> None:
        """The single-home case: the household and its ladder as the config file says."""
        hh = config.household
        self.upsert_household(Household(hh.id, hh.name, timezone=hh.timezone))
        self.set_contacts(hh.id, [Contact(hh.id, i, c.name, c.phone, c.role, tuple(c.on_duty))
                                  for i, c in enumerate(config.alerts.contacts, start=1)],
                          source=config.source, key="alerts.contacts")


def check_contact(contact: Contact, source: str, key: str) -> None:
    """Raise :class:`~hub.errors.ConfigError` for a number or on-duty window we could not use."""
    if not _PHONE.match(normalise_phone(contact.phone)):
        raise ConfigError(source, f"{key}.phone", f"got {contact.phone!r}, expected an international number "
                                                  "like +447700900123")
    for j, window in enumerate(contact.on_duty):
        try:
            parse_window(window, source)
        except ConfigError as err:
            raise ConfigError(source, f"{key}.on_duty[{j}]", err.problem) from err


def _contact(row) -> Contact:
    return Contact(row[0], row[1], row[2], row[3], row[4], tuple(json.loads(row[5])))
