"""APScheduler wiring for the hub: which job runs when. The jobs themselves are plain methods of
:class:`hub.service.HubService`, tested directly with an injected clock."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler

from hub.config import Config
from hub.errors import ConfigError

if TYPE_CHECKING:
    from hub.service import HubService


def build_scheduler(service: HubService, config: Config) -> BackgroundScheduler:
    """A background scheduler with the hub's jobs; not started."""
    tz = ZoneInfo(config.household.timezone)  # checked when the config was loaded
    hour, minute = _hh_mm(config.detection.retrain_at, config.source)
    scheduler = BackgroundScheduler(timezone=tz, job_defaults={"coalesce": True, "max_instances": 1})
    # a late tick is still worth running; a night missed by hours (a hub restarted at 09:00) runs
    # when the next one is due, and the hourly job catches summaries up by itself
    for job, job_id in ((service.tick, "tick"), (service.deliver, "deliver")):
        scheduler.add_job(job, "interval", seconds=config.detection.tick_seconds, id=job_id,
                          misfire_grace_time=config.detection.tick_seconds, replace_existing=True)
    scheduler.add_job(service.hourly, "cron", minute=1, id="hourly", misfire_grace_time=1800, replace_existing=True)
    scheduler.add_job(service.nightly, "cron", hour=hour, minute=minute, id="nightly",
                      misfire_grace_time=6 * 3600, replace_existing=True)
    return scheduler


def _hh_mm(text: str, source: str) -> tuple[int, int]:
    try:
        when = dt.time.fromisoformat(text)
    except ValueError as err:
        raise ConfigError(source, "detection.retrain_at", f"expected a time like 03:15, got {text!r}") from err
    return when.hour, when.minute
