"""A household's page: today against a usual day, trends, sensors, alert history and case notes.

The charts are drawn in the browser from the JSON API (:mod:`webui.views.api`).
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from alerts.book import UNRESOLVED
from hub.errors import PanelError
from webui import activity, sensors
from webui.access import household_for, panel, requires

bp = Blueprint("household", __name__)

#: how many alerts and case notes the page lists, newest first (it says so when there are more)
ALERTS_SHOWN = 100
NOTES_SHOWN = 50


@bp.get("/households/<household_id>")
@requires("follow")
def show(household_id: str):
    """The household page."""
    household = household_for(household_id, "view household")
    p = panel()
    now = p.clock.now()
    alerts = p.book.list(households=[household.id], limit=ALERTS_SHOWN)
    # every unresolved alert, however many newer ones the history above holds
    unresolved = p.book.list(households=[household.id], states=UNRESOLVED, limit=10_000)
    return render_template(
        "household.html", household=household, now=now,
        today=activity.today_against_usual(p.store, household.id, now, p.usual),
        last_data=activity.last_data_time(p.store, household.id),
        sensors=sensors.sensor_health(p.store, household.id, now, unresolved),
        alerts=alerts, unresolved=unresolved, alerts_shown=ALERTS_SHOWN,
        notes=p.notes.list(household.id, limit=NOTES_SHOWN), notes_shown=NOTES_SHOWN,
        contacts=p.directory.contacts(household.id),
        people=p.users.people_of(household.id))


@bp.post("/households/<household_id>/notes")
@requires("follow")
def add_note(household_id: str):
    """Add a case note signed by the logged-in user."""
    household = household_for(household_id, "add note")
    try:
        panel().notes.add(household.id, current_user.name, request.form.get("text", ""))
    except PanelError as err:
        flash(str(err), "error")
    else:
        flash("Note saved.")
    return redirect(url_for("household.show", household_id=household.id) + "#notes")
