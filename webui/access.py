"""Who may do what in the panel, checked in one place by every view.

:data:`CAPABILITIES` maps a capability to the roles that have it; :func:`requires` guards a view
with one, and :func:`household_for` checks that the user is assigned to the household (403
otherwise, before revealing whether it exists) and writes the access to the audit log.
"""
from __future__ import annotations

import functools
from collections.abc import Callable

from flask import abort, current_app, request
from flask_login import current_user, login_required

from alerts.directory import Household
from hub.errors import NotFoundError

#: capability -> roles that have it
CAPABILITIES: dict[str, frozenset[str]] = {
    # trends, today's activity, sensors, case notes, the caseload
    "follow": frozenset({"admin", "caseworker"}),
    # the alerts of one's households: see, acknowledge, resolve with an outcome
    "alerts": frozenset({"admin", "caseworker", "social_worker"}),
    # users, households, contacts and rota, the audit log
    "administer": frozenset({"admin"}),
}


def panel():
    """The :class:`webui.app.Panel` of the running app."""
    from webui.app import EXTENSION
    return current_app.extensions[EXTENSION]


def can(capability: str) -> bool:
    """Whether the logged-in user has ``capability``."""
    return current_user.is_authenticated and current_user.role in CAPABILITIES[capability]


def requires(capability: str) -> Callable:
    """Decorator: log-in required, then 403 unless the user's role has ``capability``."""
    def decorate(view):
        @functools.wraps(view)
        def guarded(*args, **kwargs):
            if not can(capability):
                abort(403)
            return view(*args, **kwargs)
        return login_required(guarded)
    return decorate


def visible_households() -> list[Household]:
    """The households the logged-in user may see: all for admins, else those assigned."""
    p = panel()
    everyone = p.directory.households()
    if current_user.is_admin:
        return everyone
    mine = p.users.households_of(current_user)
    return [h for h in everyone if h.id in mine]


def household_for(household_id: str, action: str, detail: str = "") -> Household:
    """The household if the user may see it (403 if not, 404 if unknown), recording the access."""
    p = panel()
    if not p.users.can_see(current_user, household_id):
        audit(action + " denied", household_id, detail)
        abort(403)
    try:
        household = p.directory.household(household_id)
    except NotFoundError:
        abort(404)
    audit(action, household_id, detail)
    return household


def audit(action: str, household: str = "", detail: str = "") -> None:
    """Write one audit entry for the logged-in user and this request's address."""
    username = current_user.username if current_user.is_authenticated else "(anonymous)"
    panel().audit.record(username, action, household, detail, request.remote_addr or "")
