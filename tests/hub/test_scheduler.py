"""The scheduler only wires jobs: the right ones, at the right times, in the home's time zone."""
from __future__ import annotations

import datetime as dt

import pytest

from hub.config import config_from_dict
from hub.errors import ConfigError
from hub.scheduler import build_scheduler


class Jobs:
    """Stands in for the service: the scheduler only needs its job methods."""

    def tick(self):
        pass

    def deliver(self):
        pass

    def hourly(self):
        pass

    def nightly(self):
        pass


def test_jobs_and_their_times():
    cfg = config_from_dict({"household": {"timezone": "Asia/Seoul"},
                            "detection": {"retrain_at": "02:40", "tick_seconds": 30}})
    scheduler = build_scheduler(Jobs(), cfg)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"tick", "deliver", "hourly", "nightly"}
    assert jobs["tick"].trigger.interval == jobs["deliver"].trigger.interval == dt.timedelta(seconds=30)
    assert str(jobs["nightly"].trigger.fields[5]) == "2" and str(jobs["nightly"].trigger.fields[6]) == "40"
    assert str(scheduler.timezone) == "Asia/Seoul"


@pytest.mark.parametrize(("section", "key"), [
    ({"household": {"timezone": "Mars/Olympus"}}, "household.timezone"),
    ({"detection": {"retrain_at": "3am"}}, "detection.retrain_at"),
])
def test_bad_times_name_the_key(section, key):
    with pytest.raises(ConfigError) as info:
        build_scheduler(Jobs(), config_from_dict(section, source="hub.toml"))
    assert info.value.key == key and "hub.toml" in str(info.value)
