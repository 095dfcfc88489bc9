"""The composition root: builds and starts everything one hub runs, in a readable order.

    store -> alert service -> uplink -> detection -> pipeline -> sensors (GPIO, MQTT)
          -> scheduler (ticks, hourly summaries, nightly retrain and retention) -> panel

Monitoring never depends on the panel: the panel runs in its own thread and a failure to start
it is logged, not fatal. The scheduler only calls the plain job methods below, which tests call
directly with a :class:`~hub.clock.ManualClock`.
"""
from __future__ import annotations

import datetime as dt
import logging
import sys
from typing import Any, TextIO

from hub.alert import Alert, AllClear
from hub.clock import Clock, SystemClock
from hub.config import Config
from hub.detection import Detection, recent_for, relearn_for, routine_for
from hub.pipeline import EventPipeline
from hub.shutdown import guarded, stop_each
from hub.store import Store

log = logging.getLogger(__name__)


class HubService:
    """Everything a hub runs for its household (and, all-in-one, the alerting and the panel)."""

    def __init__(self, config: Config, *, clock: Clock | None = None, store: Store | None = None,
                 pin_factory: Any = None, http_client: Any = None, out: TextIO | None = None) -> None:
        self.config = config
        # the home's wall clock, whatever zone the Pi's OS was left in: the routine, the SMS texts
        # and the scheduler (which runs in household.timezone) must all agree on the time of day
        self.clock = clock or SystemClock(config.household.timezone)
        self.household = config.household.id
        self.store = store or Store(config.store.path)
        self.alerts = self._build_alerts(http_client, out or sys.stdout)
        self.uplink = self._build_uplink()
        self.detection = Detection(self.on_alert, self.on_all_clear)
        self.pipeline = EventPipeline(self.store, [self.detection.on_events])
        self.gpio = self._build_gpio(pin_factory)
        self.mqtt = self._build_mqtt()
        self.scheduler = None
        self.panel = None

    # ------------------------------------------------------------------ building

    def _build_alerts(self, http_client: Any, out: TextIO):
        if not self.config.alerts.enabled:
            return None
        from alerts.service import AlertService, make_channel
        channel = make_channel(self.config, http_client=http_client, stream=out)
        return AlertService(self.config, self.store, self.clock, channel)

    def _build_uplink(self):
        if not self.config.uplink.enabled:
            return None
        from hub.uplink import Uplink
        return Uplink(self.config.uplink, self.household, self.store, self.clock)

    def _build_gpio(self, pin_factory: Any):
        if not self.config.gpio.enabled:
            return None
        from hardware.gpio import GpioSources
        return GpioSources(self.config.gpio, self.household, self.clock, self.pipeline.submit_one,
                           pin_factory=pin_factory)

    def _build_mqtt(self):
        if not self.config.mqtt.enabled:
            return None
        from hub.mqtt_ingest import MqttIngest
        return MqttIngest(self.config.mqtt, self.household, self.store, self.clock, on_stored=self.pipeline.notify)

    # ------------------------------------------------------------------ running

    def start(self, *, scheduler: bool = True, panel: bool = True) -> None:
        """Start watching: detection first, then the sensors, the scheduler and the panel."""
        if self.config.detection.enabled:
            now = self.clock.now()
            routine = routine_for(self.store, self.clock, self.config.detection.model_dir, self.household)
            recent, last_words = recent_for(self.store, self.household, now)
            self.detection.watch(self.household, routine, self.clock, name=self.config.household.name,
                                 recent=recent, last_words=last_words, config=self.config.detection,
                                 relearn=relearn_for(self.store, self.clock, self.household))
        for part in (self.uplink, self.mqtt, self.gpio):
            if part is not None:
                part.start()
        if scheduler:
            from hub.scheduler import build_scheduler
            self.scheduler = build_scheduler(self, self.config)
            self.scheduler.start()
        if panel and self.config.panel.enabled:
            from webui.server import start_panel
            self.panel = start_panel(self.config, store=self.store, clock=self.clock, alerts=self.alerts)
        log.info("hub for %s (%s) is watching", self.config.household.name, self.household)

    def stop(self) -> None:
        """Stop everything started, panel first and store last."""
        stops = [
            self.panel and self.panel.stop,
            # wait for a running job: it must not find the store closed under it
            self.scheduler and (lambda: self.scheduler.shutdown(wait=True)),
            self.gpio and self.gpio.close,
            self.mqtt and self.mqtt.stop,
            self.uplink and self.uplink.stop,
        ]
        stop_each(stops)
        self.store.close()

    # ------------------------------------------------------------------ jobs (the scheduler calls these)

    def on_alert(self, alert: Alert) -> None:
        """Where detection's alerts go: the alert service (SMS) and the office."""
        if self.alerts is not None:
            guarded(f"queueing the SMS for alert {alert.condition}", self.alerts.handle, alert)
        if self.uplink is not None:
            guarded(f"sending alert {alert.condition} to the office", self.uplink.publish_alert, alert)

    def on_all_clear(self, notice: AllClear) -> None:
        """Where the news that an alert's condition is over goes: the same places as the alert."""
        if self.alerts is not None:
            guarded(f"telling the all clear for {notice.condition}", self.alerts.all_clear, notice)
        if self.uplink is not None:
            guarded(f"sending the all clear for {notice.condition} to the office", self.uplink.publish_all_clear,
                    notice)

    def tick(self) -> None:
        """Every ``detection.tick_seconds``: the time-based checks (inactivity, not up, sensors)."""
        guarded("detection tick", self.detection.tick)

    def deliver(self) -> None:
        """Every ``detection.tick_seconds`` too, as its own job so that a slow SMS provider never
        delays detection: escalations, the SMS outbox, the heartbeat to the office."""
        if self.alerts is not None:
            guarded("alert escalation and SMS outbox", self.alerts.tick, self.clock.now())
        if self.uplink is not None:
            # the office calls a hub offline after minutes of silence, so tell it often
            guarded("heartbeat", self.uplink.heartbeat)

    def hourly(self) -> None:
        """Every hour: summarise the hours since the last summary (catching up after downtime) and
        those that got readings since (delivered late, imported), and send summaries, sensor health
        and a heartbeat to the office."""
        from analytics.summaries import write_new_summaries
        from hub.health import sensor_health

        def summarise() -> None:
            rows = write_new_summaries(self.store, self.household, self.clock.now())
            if self.uplink is not None:
                self.uplink.publish_summaries(rows)

        guarded("hourly summaries", summarise)
        if self.uplink is not None:  # the office hears about the sensors even if summarising failed
            guarded("sensor health", lambda: self.uplink.publish_health(sensor_health(self.store, self.household)))
            guarded("heartbeat", self.uplink.heartbeat)

    def nightly(self) -> None:
        """Once a night: relearn the routine, summarise yesterday, drop raw events past retention."""
        from analytics.jobs import retrain, summarise_days
        from hub.errors import ModelError
        if self.config.detection.enabled:
            try:
                routine = retrain(self.store, self.clock, self.config.detection.model_dir, self.household)
                self.detection.use_routine(self.household, routine)
            except ModelError as err:
                log.warning("routine not retrained: %s", err)
            except Exception:  # keep yesterday's routine; the days and retention below still run
                log.exception("routine not retrained")

        def days() -> None:
            watched = self.household in self.detection.households
            self_running = self.detection.engine(self.household).routine.self_running if watched else ()
            written = summarise_days(self.store, self.clock, self.household, self_running=self_running)
            if self.uplink is not None:
                self.uplink.publish_days(d.to_json() for d in written)

        def retention() -> None:
            cutoff = self.clock.now() - dt.timedelta(days=self.config.store.retention_days)
            dropped = self.store.delete_events_before(cutoff)
            if dropped:
                log.info("retention: dropped %d raw events before %s", dropped, cutoff.date())

        guarded("daily summaries", days)
        guarded("retention", retention)
