"""The caseload page: the user's households, those needing attention first."""
from __future__ import annotations

from flask import Blueprint, render_template

from webui.access import audit, panel, requires, visible_households
from webui.caseload import build_caseload

bp = Blueprint("caseload", __name__)


@bp.get("/caseload")
@requires("follow")
def index():
    """Every household of the user with its need level and reasons."""
    p = panel()
    now = p.clock.now()
    entries = build_caseload(p.store, p.book, visible_households(), now, p.usual, p.hub_offline_after, p.clock.zone)
    audit("view caseload", detail=f"{len(entries)} households")
    return render_template("caseload.html", entries=entries, now=now)
