"""Fixtures for the alerts package: a local Twilio, a real twilio channel pointed at it, and a
household with a three-person ladder."""
from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from alerts.directory import Contact, Directory, Household
from alerts.twilio_channel import TwilioChannel
from hub.config import config_from_dict
from tests.alerts.twilio_server import TwilioServer

JANE, BOB, SUE = "+447700900001", "+447700900002", "+447700900003"


@pytest.fixture
def twilio() -> Iterator[TwilioServer]:
    """Twilio's Messages API on 127.0.0.1 (a free port), recording every request."""
    server = TwilioServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def channel(twilio: TwilioServer) -> Iterator[TwilioChannel]:
    """The real twilio library talking to the local server over real HTTP."""
    ch = TwilioChannel(twilio.account_sid, twilio.auth_token, "+447700900999", api_base=twilio.base_url,
                       timeout=5)
    yield ch
    ch.close()


@pytest.fixture
def config():
    """Mrs Smith's home: Jane (weekdays), Bob (backup, always), Sue (supervisor, always)."""
    return config_from_dict({
        "household": {"id": "smith", "name": "Mrs Smith"},
        "alerts": {
            "quiet_hours": "22:00-08:00",
            "escalate_after_minutes": {"critical": 15, "high": 30, "medium": 120, "low": 720},
            "contacts": [
                {"name": "Jane", "phone": JANE, "role": "social_worker", "on_duty": ["mon-fri 08:00-18:00"]},
                {"name": "Bob", "phone": BOB, "role": "backup"},
                {"name": "Sue", "phone": SUE, "role": "supervisor"},
            ],
        },
    }, source="test.toml")


@pytest.fixture
def directory(store) -> Directory:
    """A directory with Mrs Smith's household and ladder."""
    d = Directory(store)
    d.upsert_household(Household("smith", "Mrs Smith", "12 Oak Road"))
    d.set_contacts("smith", [Contact("smith", 1, "Jane", JANE, "social_worker", ("mon-fri 08:00-18:00",)),
                             Contact("smith", 2, "Bob", BOB, "backup"),
                             Contact("smith", 3, "Sue", SUE, "supervisor")])
    return d


@pytest.fixture
def console_stream() -> io.StringIO:
    """Where a console channel prints."""
    return io.StringIO()
