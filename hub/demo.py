"""The demo world: a few simulated homes watched by the real hub code, in one process.

Each home is a :class:`~hardware.simulator.SimulatedHome` with four weeks of history already
stored, its routine learned from that history, and a :class:`~hardware.sim_runner.SimulatorRunner`
feeding new events through the same pipeline, detection engine, alert service (SMS printed) and
panel as a real deployment. A driver thread moves simulated time ``speed`` times faster than real
time; :meth:`DemoWorld.advance` does the same by hand for tests.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from alerts.console_channel import ConsoleChannel
from alerts.directory import Contact, Household
from alerts.service import AlertService
from analytics.jobs import summarise_days
from analytics.routine import learn
from analytics.summaries import floor_hour, write_summaries
from hardware.sim_runner import SimulatorRunner
from hardware.simulator import SimulatedHome
from hub.alert import Alert
from hub.clock import ManualClock
from hub.config import Config, DetectionConfig, HouseholdConfig, PanelConfig, StoreConfig
from hub.detection import Detection, recent_for, relearn_for
from hub.events import Event
from hub.pipeline import EventPipeline
from hub.store import Store

log = logging.getLogger(__name__)

HISTORY_DAYS = 28


@dataclass(frozen=True)
class DemoHome:
    """One simulated household: who lives there, how they live, who is told."""

    id: str
    name: str
    address: str
    profile: str
    seed: int


HOMES = (
    DemoHome("kim-12", "Mrs Kim Soon-ja", "12 Oak Lane", "busy", 11),
    DemoHome("lee-4", "Mr Lee Dong-hoon", "4 Mill Road", "quiet", 22),
    DemoHome("park-9", "Mrs Park Mi-ok", "9 Elm Court", "frail", 33),
    DemoHome("choi-7", "Mr Choi Young-ho", "7 Birch Row", "busy", 44),
)

#: Ofcom's drama numbers: they can never reach a real person
LADDER = (
    ("Ji-woo Han", "+447700900101", "social_worker"),
    ("Sam Okafor", "+447700900102", "backup"),
    ("Dana Reid", "+447700900103", "supervisor"),
)


def demo_config(workdir: Path, panel_port: int = 8080) -> Config:
    """The built-in configuration of ``eldercare demo``: everything in ``workdir``, no secrets."""
    return Config(
        household=HouseholdConfig(id=HOMES[0].id, name=HOMES[0].name),
        store=StoreConfig(path=str(workdir / "demo.sqlite")),
        detection=DetectionConfig(model_dir=str(workdir / "models")),
        panel=PanelConfig(port=panel_port),
        source="<eldercare demo>",
    )


class DemoWorld:
    """Simulated homes, one store, detection per home, console SMS, optional panel."""

    def __init__(self, workdir: Path, *, start: dt.datetime, homes: int = 3, speed: float = 60.0,
                 out: TextIO, panel_port: int = 8080,
                 on_event: Callable[[Event], None] | None = None,
                 on_alert: Callable[[Alert], None] | None = None) -> None:
        self.config = demo_config(workdir, panel_port)
        self.clock = ManualClock(start)
        self.speed = speed
        self.homes = HOMES[:homes]
        self.store = Store(self.config.store.path)
        self.alerts = AlertService(self.config, self.store, self.clock, ConsoleChannel(out))
        self._on_alert_hook = on_alert
        self.detection = Detection(self._alert, self.alerts.all_clear)
        self.pipeline = EventPipeline(self.store, [self.detection.on_events])
        if on_event is not None:
            self.pipeline.add_listener(lambda events: [on_event(e) for e in events])
        self.runners: dict[str, SimulatorRunner] = {}
        self._summarised = floor_hour(start)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.panel = None

    # ------------------------------------------------------------------ set-up

    def prepare(self) -> None:
        """Store four weeks of history per home, learn each routine, register who is told."""
        start = self.clock.now()
        since = start - dt.timedelta(days=HISTORY_DAYS)
        for home in self.homes:
            sim = SimulatedHome(household=home.id, seed=home.seed, profile=home.profile)
            history = list(sim.events(since, start))
            self.store.add_events(history)
            write_summaries(self.store, home.id, since, start)
            summarise_days(self.store, self.clock, home.id, days=HISTORY_DAYS)
            self.alerts.directory.upsert_household(Household(home.id, home.name, home.address))
            self.alerts.directory.set_contacts(home.id, [
                Contact(home.id, i + 1, name, phone, role, ()) for i, (name, phone, role) in enumerate(LADDER)])
            routine = learn(history, home.id)
            home_clock = ManualClock(start)
            recent, last_words = recent_for(self.store, home.id, start)
            self.detection.watch(home.id, routine, home_clock, name=home.name, recent=recent, last_words=last_words,
                                 relearn=relearn_for(self.store, home_clock, home.id))
            self.runners[home.id] = SimulatorRunner(sim, self.pipeline.submit_one, home_clock, speed=self.speed)
            log.info("%s: %d days of history, %d events", home.name, HISTORY_DAYS, len(history))

    def start_panel(self, users: list[tuple[str, str, str, str]]) -> str:
        """Serve the panel in its own thread with the given (username, password, role, name) users."""
        from webui.app import create_app
        from webui.server import PanelServer
        from webui.users import UserBook

        book = UserBook(self.store, self.clock)
        for username, password, role, name in users:
            book.create(username, password, role, name=name, households=[h.id for h in self.homes])
        app = create_app(self.config, store=self.store, clock=self.clock, alerts=self.alerts)
        self.panel = PanelServer(app, self.config.panel.host, self.config.panel.port)
        self.panel.start()
        return self.panel.url

    # ------------------------------------------------------------------ time

    def advance(self, until: dt.datetime) -> None:
        """Move every home, the detectors and the alert service to ``until``."""
        for runner in self.runners.values():
            runner.step(until)
        self.clock.set(until)
        self.detection.tick()
        self.alerts.tick(until)
        if floor_hour(until) > self._summarised:
            self._summarise(until)

    def _summarise(self, until: dt.datetime) -> None:
        """What the hub's hourly and nightly jobs do: the panel's charts follow the simulated day."""
        for home in self.homes:
            write_summaries(self.store, home.id, self._summarised, until)
            if until.date() > self._summarised.date():
                summarise_days(self.store, self.clock, home.id, days=1)
        self._summarised = floor_hour(until)

    def inject(self, home_id: str, incident: str) -> str:
        """Stage an incident (collapse, no_wake, night_wandering, stove_left_on) in a home, now."""
        return str(self.runners[home_id].inject(incident))

    def recover(self, home_id: str) -> bool:
        """The resident of ``home_id`` gets up and goes on with the day (ends a collapse or a
        morning not up); False when nothing had stopped them."""
        return bool(self.runners[home_id].recover())

    def start(self, tick: float = 0.25) -> None:
        """Run simulated time in a background thread at ``speed`` times real time."""
        def run() -> None:
            base_real, base_sim = time.monotonic(), self.clock.now()
            while not self._stop.wait(tick):
                target = base_sim + dt.timedelta(seconds=(time.monotonic() - base_real) * self.speed)
                try:
                    self.advance(max(target.replace(microsecond=0), self.clock.now()))
                except Exception:  # keep the demo alive; the log says what broke
                    log.exception("demo step failed")
        self._thread = threading.Thread(target=run, name="demo-driver", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the driver and the panel, and close the store."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self.panel is not None:
            self.panel.stop()
        self.store.close()

    def _alert(self, alert: Alert) -> None:
        if self._on_alert_hook is not None:
            self._on_alert_hook(alert)
        self.alerts.handle(alert)

