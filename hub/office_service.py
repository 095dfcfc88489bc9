"""The office's composition root: builds and starts everything an office runs, in a readable order.

    store -> alert service (SMS) -> receiver (the hubs' uplink) -> scheduler (ticks) -> panel

As on a hub, alerting never depends on the panel: the panel runs in its own thread and a failure
to start it is logged, not fatal. The scheduler only calls :meth:`OfficeService.tick`, which tests
call directly with a :class:`~hub.clock.ManualClock`.
"""
from __future__ import annotations

import datetime as dt
import logging
import sys
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from hub.clock import Clock, SystemClock
from hub.config import Config
from hub.office import OfficeReceiver
from hub.office_watch import check_hubs
from hub.shutdown import guarded, stop_each
from hub.store import Store

log = logging.getLogger(__name__)

#: how often remembered uplink message ids are pruned
PRUNE_EVERY = dt.timedelta(hours=1)


class OfficeService:
    """Everything an office runs: the hubs' uplink in, alerts routed to people, the panel."""

    def __init__(self, config: Config, *, clock: Clock | None = None, store: Store | None = None,
                 http_client: Any = None, out: TextIO | None = None) -> None:
        from alerts.service import AlertService, make_channel
        self.config = config
        self.clock = clock or SystemClock(config.timezone)
        self.store = store or Store(config.store.path)
        channel = make_channel(config, http_client=http_client, stream=out or sys.stdout)
        self.alerts = AlertService(config, self.store, self.clock, channel)
        self.receiver = OfficeReceiver(config, self.store, self.clock, self.alerts)
        self.offline_after = dt.timedelta(minutes=config.office.hub_offline_after_minutes)
        self.scheduler = None
        self.panel = None
        self._pruned: dt.datetime | None = None

    def start(self, *, scheduler: bool = True, panel: bool = True) -> None:
        """Start receiving, then the ticks and the panel."""
        self.receiver.start()
        if scheduler:
            from apscheduler.schedulers.background import BackgroundScheduler
            seconds = self.config.office.tick_seconds
            # only an interval job: the time zone does not matter, so none is looked up
            self.scheduler = BackgroundScheduler(timezone=ZoneInfo("UTC"),
                                                 job_defaults={"coalesce": True, "max_instances": 1})
            self.scheduler.add_job(self.tick, "interval", seconds=seconds, id="tick",
                                   misfire_grace_time=seconds, replace_existing=True)
            self.scheduler.start()
        if panel and self.config.panel.enabled:
            from webui.server import start_panel
            self.panel = start_panel(self.config, store=self.store, clock=self.clock, alerts=self.alerts)
        log.info("office receiving from %s:%d", self.config.office.host, self.config.office.port)

    def tick(self) -> None:
        """Every ``office.tick_seconds``: hubs gone or back, escalations, the SMS outbox, old ids."""
        now = self.clock.now()
        listening = self.receiver.listening_since if self.receiver.connected.is_set() else None
        if listening is None:
            log.error("the office is not connected to its broker: no hub can be judged silent until it is")
        guarded("hub check", check_hubs, self.store, self.alerts, now, self.offline_after, listening,
                self.clock.zone)
        guarded("alert escalation and SMS outbox", self.alerts.tick, now)
        if self._pruned is None or now - self._pruned >= PRUNE_EVERY:
            guarded("forgetting old message ids", self.receiver.forget_received, now)
            self._pruned = now

    def stop(self) -> None:
        """Stop everything started, panel first and store last."""
        stops = [
            self.panel and self.panel.stop,
            self.scheduler and (lambda: self.scheduler.shutdown(wait=True)),  # the store closes next
            self.receiver.stop,
        ]
        stop_each(stops)
        self.store.close()
