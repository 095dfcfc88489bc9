"""The office's watch over its hubs: a hub gone quiet is a household no longer monitored.

:func:`check_hubs` runs on every office scheduler tick. A hub whose last word was "offline" (its
last will, or a clean stop), or that has sent nothing, for longer than
``office.hub_offline_after_minutes`` gets one technical ``hub_offline`` alert through the alert
service. The outage is remembered in ``hub_status``, so the alert is raised once per outage,
even across office restarts; when the hub is back the alert gets a "back online" step and the
outage is cleared, so the next one alerts again.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from hub.alert import Alert
from hub.clock import elapsed
from hub.errors import NotFoundError
from hub.events import format_time
from hub.office_state import DEFAULT_OFFLINE_AFTER, HubStatus, hub_statuses
from hub.store import Store

log = logging.getLogger(__name__)


def check_hubs(store: Store, alerts: Any, now: dt.datetime,
               offline_after: dt.timedelta = DEFAULT_OFFLINE_AFTER,
               listening_since: dt.datetime | None = dt.datetime.min,
               zone: dt.tzinfo | None = dt.timezone.utc) -> list[Alert]:
    """Raise ``hub_offline`` for hubs newly gone, note the return of those back; return the alerts raised.

    ``alerts`` is the :class:`alerts.service.AlertService`. ``listening_since`` is since when the
    office has been hearing its broker (``None``: it is not hearing it now): a hub is not called
    silent for a silence that is the office's own. ``now`` is wall-clock time in ``zone`` (the
    office clock's): how long a hub has been gone is real time, however the clocks changed.
    """
    raised = []
    deaf = listening_since is None or (listening_since > dt.datetime.min
                                       and elapsed(listening_since, now, zone) <= offline_after)
    for hub in hub_statuses(store):
        down = hub.down_since(now, offline_after, zone)
        if down is not None and hub.outage_since is None:
            if deaf:
                continue  # the silence may be the office's own
            alert = _offline_alert(hub, down, now, hub.gone_for(now, zone), _name(alerts, hub.household))
            record = alerts.handle(alert)
            with store.transaction() as conn:
                conn.execute("UPDATE hub_status SET outage_since=?, outage_alert=? WHERE household=?",
                             (format_time(down), record.id if record is not None else None, hub.household))
            log.warning("hub of %s offline since %s", hub.household, down)
            raised.append(alert)
        elif down is None and hub.outage_since is not None:
            _back_online(store, alerts, hub, now, zone)
    return raised


def _offline_alert(hub: HubStatus, down: dt.datetime, now: dt.datetime, gone: dt.timedelta, name: str) -> Alert:
    minutes = int(gone.total_seconds() // 60)
    how = "went offline" if hub.state == "offline" else "stopped reporting"
    return Alert(
        time=now, household=hub.household, kind="hub_offline", severity="high", technical=True,
        # one condition per outage: an earlier outage's alert still open must not swallow this one
        condition=f"hub_offline:{format_time(down)}",
        message=f"The hub of {name} {how} at {down:%H:%M} ({minutes} min ago): the home is not monitored "
                f"until it is back. Check its power and internet connection.",
        evidence={"since": format_time(down), "last_seen": format_time(hub.last_seen), "state": hub.state,
                  "minutes": minutes})


def _back_online(store: Store, alerts: Any, hub: HubStatus, now: dt.datetime, zone: dt.tzinfo | None) -> None:
    minutes = int(elapsed(hub.outage_since, now, zone).total_seconds() // 60)
    if hub.outage_alert is not None:
        try:
            alerts.book.add_step(hub.outage_alert, "hub_back_online", "office",
                                 f"hub back online at {now:%H:%M} after about {minutes} min")
        except NotFoundError:
            log.warning("hub_offline alert #%d of %s no longer exists", hub.outage_alert, hub.household)
    with store.transaction() as conn:
        conn.execute("UPDATE hub_status SET outage_since=NULL, outage_alert=NULL WHERE household=?",
                     (hub.household,))
    log.info("hub of %s back online after about %d min", hub.household, minutes)


def _name(alerts: Any, household: str) -> str:
    try:
        return alerts.directory.household(household).name
    except NotFoundError:
        return household
