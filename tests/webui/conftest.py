"""Fixtures for the panel: a store holding a small caseload with realistic summaries, alerts and
people; the app on that store; and the app served by waitress for the browser tests.

The caseload (clock at Monday 2024-03-04 14:30), from most to least urgent for caseworker Carol:
Edith (critical alert not taken), Albert (hub silent since 04:00), Rose (much quieter than usual
today), George (all as usual). Harold belongs to caseworker Dan only. Social worker Sam has Edith.
"""
from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from alerts.book import AlertBook
from alerts.directory import Directory, Household
from hub.alert import Alert
from hub.clock import ManualClock
from hub.events import Event
from hub.store import Store
from webui.app import create_app
from webui.sample_data import write_household
from webui.server import PanelServer
from webui.users import UserBook

NOW = dt.datetime(2024, 3, 4, 14, 30)
DAYS = 90
PASSWORD = "correct horse battery"
HOUSEHOLDS = {
    "edith": Household("edith", "Edith Clarke", "12 Mill Lane"),
    "albert": Household("albert", "Albert Jones", "3 Church Row"),
    "rose": Household("rose", "Rose Patel", "Flat 4, Elm Court"),
    "george": Household("george", "George Smith", "7 Station Road"),
    "harold": Household("harold", "Harold Brown", "22 Park View"),
}
#: username -> (role, households)
PEOPLE = {
    "admin": ("admin", ()),
    "carol": ("caseworker", ("edith", "albert", "rose", "george")),
    "dan": ("caseworker", ("harold",)),
    "sam": ("social_worker", ("edith",)),
}
EXPECTED_ORDER = ["edith", "albert", "rose", "george"]


def build_caseload_store(path: Path) -> None:
    """Write the caseload described in the module docstring into a new store at ``path``."""
    clock = ManualClock(NOW - dt.timedelta(hours=3))
    with Store(path) as store:
        directory = Directory(store)
        for household in HOUSEHOLDS.values():
            directory.upsert_household(household)
        for i, hh in enumerate(("edith", "rose", "george", "harold")):
            write_household(store, hh, NOW.date(), DAYS, seed=i, until=NOW)
        write_household(store, "albert", NOW.date(), DAYS, seed=9, until=NOW.replace(hour=4))
        # Rose is far quieter today than her usual
        write_household(store, "rose", NOW.date(), 1, seed=5, until=NOW, activity_scale=0.2)
        # Edith's hub keeps raw events: sensors with their battery and availability
        store.add_events([
            Event(NOW - dt.timedelta(minutes=20), "hall_pir", "motion", 1, "hall", "edith"),
            Event(NOW - dt.timedelta(hours=2), "hall_pir", "battery", 14, "hall", "edith"),
            Event(NOW - dt.timedelta(minutes=50), "kitchen_pir", "motion", 1, "kitchen", "edith"),
            Event(NOW - dt.timedelta(hours=1), "kitchen_pir", "battery", 88, "kitchen", "edith"),
            Event(NOW - dt.timedelta(days=3), "back_door", "door", 1, "kitchen", "edith"),
        ])
        book = AlertBook(store, clock)
        old = book.raise_alert(Alert(NOW - dt.timedelta(days=6), "george", "late_wakeup", "medium",
                                     "Not up by 09:30; usually up by 07:40"))
        book.resolve(old.id, "fine", by="Carol Hughes", note="Slept in after a late film")
        clock.set(NOW - dt.timedelta(minutes=40))
        book.raise_alert(Alert(NOW - dt.timedelta(minutes=40), "edith", "inactivity", "critical",
                               "No movement since 12:10; on 27 of the last 28 days there was movement within 95 minutes",
                               evidence={"last_motion": "12:10", "usual_gap_minutes": 95, "days_checked": 28}))
        book.raise_alert(Alert(NOW - dt.timedelta(minutes=30), "harold", "night_wandering", "high",
                               "Front door opened at 03:12"))
        users = UserBook(store, clock)
        names = {"admin": "Office Admin", "carol": "Carol Hughes", "dan": "Dan Okafor", "sam": "Sam Reid"}
        for username, (role, households) in PEOPLE.items():
            users.create(username, PASSWORD, role, name=names[username], households=households)


@pytest.fixture(scope="session")
def caseload_template(tmp_path_factory) -> Path:
    """The caseload store built once per session; tests work on copies."""
    path = tmp_path_factory.mktemp("panel") / "template.sqlite"
    build_caseload_store(path)
    return path


@dataclass
class PanelWorld:
    """What a panel test works with."""

    store: Store
    clock: ManualClock
    app: object

    @property
    def book(self) -> AlertBook:
        """The alert book the app uses."""
        return self.app.extensions["eldercare.panel"].book


@pytest.fixture
def world(caseload_template, tmp_path) -> Iterator[PanelWorld]:
    """A copy of the caseload store and the panel app on it (CSRF on, as in production)."""
    path = tmp_path / "office.sqlite"
    shutil.copy(caseload_template, path)
    clock = ManualClock(NOW)
    with Store(path) as store:
        app = create_app(store=store, clock=clock, test_config={"TESTING": True, "SECRET_KEY": "test-only"})
        yield PanelWorld(store, clock, app)


@pytest.fixture
def live_panel(world) -> Iterator[PanelServer]:
    """The panel served by waitress on a free port of 127.0.0.1."""
    with PanelServer(world.app, "127.0.0.1", 0) as server:
        yield server


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's chromium, headless, without sandbox or background traffic."""
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium",
            "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"]}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A laptop-sized window."""
    return {**browser_context_args, "viewport": {"width": 1360, "height": 900}}


def log_in(page, server: PanelServer, username: str, password: str = PASSWORD) -> None:
    """Log in through the form and wait for the start page."""
    page.goto(server.url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
