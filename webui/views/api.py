"""The small JSON API the panel's charts read (and other tools may): same log-in, same checks."""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, request

from alerts.book import STATES, UNRESOLVED, AlertRecord
from webui import activity, sensors
from webui.access import audit, household_for, panel, requires, visible_households
from webui.caseload import build_caseload

bp = Blueprint("api", __name__, url_prefix="/api")

#: the trend windows the household page offers
TREND_DAYS = (30, 90, 365)


@bp.get("/caseload")
@requires("follow")
def caseload():
    """The user's households ordered by need, with the reasons."""
    p = panel()
    entries = build_caseload(p.store, p.book, visible_households(), p.clock.now(), p.usual, p.hub_offline_after,
                             p.clock.zone)
    audit("api caseload", detail=f"{len(entries)} households")
    return jsonify([e.to_json() for e in entries])


@bp.get("/households/<household_id>/today")
@requires("follow")
def today(household_id: str):
    """Today's activity hour by hour against the usual."""
    household = household_for(household_id, "api today")
    p = panel()
    return jsonify(activity.today_against_usual(p.store, household.id, p.clock.now(), p.usual))


@bp.get("/households/<household_id>/trends")
@requires("follow")
def trends(household_id: str):
    """Daily series and the hour-by-day heatmap for the last ``days`` (30, 90 or 365) days."""
    days = request.args.get("days", 30, type=int)
    if days not in TREND_DAYS:
        abort(400)
    household = household_for(household_id, "api trends", f"{days} days")
    p = panel()
    return jsonify(activity.daily_trends(p.store, household.id, p.clock.now().date(), days))


@bp.get("/households/<household_id>/sensors")
@requires("follow")
def sensor_list(household_id: str):
    """Each sensor's last-seen time, battery and problem."""
    household = household_for(household_id, "api sensors")
    p = panel()
    unresolved = p.book.list(households=[household.id], states=UNRESOLVED)
    return jsonify([s.to_json() for s in sensors.sensor_health(p.store, household.id, p.clock.now(), unresolved)])


@bp.get("/households/<household_id>/alerts")
@requires("alerts")
def household_alerts(household_id: str):
    """The household's alerts with their state and outcome, newest first."""
    household = household_for(household_id, "api alerts")
    return jsonify([_alert_json(r) for r in panel().book.list(households=[household.id], limit=500)])


@bp.get("/alerts")
@requires("alerts")
def alert_list():
    """The alerts of the user's households in one state (``?state=open`` by default)."""
    state = request.args.get("state", "open")
    if state not in STATES:
        abort(400)
    households = [h.id for h in visible_households()]
    audit("api alerts", detail=state)
    return jsonify([_alert_json(r) for r in panel().book.list(households=households, states=[state], limit=500)])


def _alert_json(record: AlertRecord) -> dict:
    def iso(value):
        return value.isoformat(timespec="seconds") if value else None
    return {**record.alert.to_json(), "id": record.id, "state": record.state, "raised_at": iso(record.raised_at),
            "acknowledged_by": record.acknowledged_by, "acknowledged_at": iso(record.acknowledged_at),
            "acknowledged_via": record.acknowledged_via, "resolved_by": record.resolved_by,
            "resolved_at": iso(record.resolved_at), "outcome": record.outcome, "note": record.note,
            "over": record.over}
