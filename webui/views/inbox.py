"""The alerts inbox: open, acknowledged and resolved alerts of the user's households, and the
acknowledge / resolve actions (the same :class:`alerts.book.AlertBook` actions as an SMS reply)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from alerts.book import OUTCOMES, STATES, UNRESOLVED
from hub.alert import SEVERITIES
from hub.errors import AlertStateError, NotFoundError
from webui.access import audit, household_for, panel, requires, visible_households

bp = Blueprint("inbox", __name__)


@bp.get("/alerts")
@requires("alerts")
def index():
    """Alerts in one state (open by default): open ones most serious first, resolved ones newest first."""
    state = request.args.get("state", "open")
    if state not in STATES:
        abort(404)
    p = panel()
    households = {h.id: h for h in visible_households()}
    records = p.book.list(households=households, states=[state], limit=500)
    if state != "resolved":  # what still holds, the most serious first, then the longest waiting; then
        # those whose condition is over (the resident was seen again)
        records.sort(key=lambda r: (bool(r.over), SEVERITIES.index(r.alert.severity), r.raised_at))
    counts = {s: len(p.book.list(households=households, states=[s], limit=10_000)) for s in UNRESOLVED}
    audit("view alerts", detail=f"{state}: {len(records)} alerts")
    return render_template("inbox.html", records=records, state=state, households=households, counts=counts)


@bp.get("/alerts/<int:alert_id>")
@requires("alerts")
def show(alert_id: int):
    """One alert with its evidence and every step that happened to it."""
    record = _record(alert_id)
    household = household_for(record.household, "view alert", f"#{alert_id}")
    return render_template("alert.html", record=record, household=household,
                           steps=panel().book.history(alert_id))


@bp.post("/alerts/<int:alert_id>/acknowledge")
@requires("alerts")
def acknowledge(alert_id: int):
    """Take the alert: the escalation stops and others see who has it."""
    record = _record(alert_id)
    household_for(record.household, "acknowledge alert", f"#{alert_id}")
    after = panel().book.acknowledge(alert_id, by=current_user.name, via="panel")
    if after.acknowledged_by != current_user.name:
        flash(f"Alert #{alert_id} was already taken by {after.acknowledged_by}.", "error")
    else:
        flash(f"You have taken alert #{alert_id}.")
    return redirect(_back(alert_id))


@bp.post("/alerts/<int:alert_id>/resolve")
@requires("alerts")
def resolve(alert_id: int):
    """Close the alert with an outcome and an optional note."""
    record = _record(alert_id)
    outcome = request.form.get("outcome", "")
    household_for(record.household, "resolve alert", f"#{alert_id} {outcome}")
    if outcome not in OUTCOMES:
        flash("Choose what happened before resolving.", "error")
        return redirect(_back(alert_id))
    try:
        panel().book.resolve(alert_id, outcome, by=current_user.name, note=request.form.get("note", "").strip())
    except AlertStateError as err:
        flash(str(err), "error")
    else:
        flash(f"Alert #{alert_id} resolved: {OUTCOMES[outcome]}.")
    return redirect(_back(alert_id))


def _record(alert_id: int):
    try:
        return panel().book.get(alert_id)
    except NotFoundError:
        abort(404)


def _back(alert_id: int) -> str:
    """Return to the page the form was on (a local path), else the alert."""
    target = request.form.get("back", "")
    return target if target.startswith("/") and not target.startswith("//") else \
        url_for("inbox.show", alert_id=alert_id)
