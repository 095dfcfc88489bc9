"""Administration: panel users and their households, households, their contact ladder and rota,
and the audit log. Admins only."""
from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from alerts.directory import Contact, Household
from alerts.rota import parse_window
from hub.errors import ConfigError, NotFoundError, PanelError
from webui.access import audit, panel, requires
from webui.users import ROLES

bp = Blueprint("admin", __name__, url_prefix="/admin")

#: empty rows offered under a household's ladder for adding people
SPARE_CONTACT_ROWS = 2
_HOUSEHOLD_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


@bp.get("/users")
@requires("administer")
def users():
    """Every panel account with its role and households."""
    p = panel()
    people = [(u, sorted(p.users.households_of(u))) for u in p.users.all()]
    return render_template("admin/users.html", people=people, roles=ROLES)


@bp.post("/users")
@requires("administer")
def create_user():
    """Add an account."""
    form = request.form
    try:
        user = panel().users.create(form.get("username", ""), form.get("password", ""), form.get("role", ""),
                                    name=form.get("name", ""))
    except PanelError as err:
        flash(str(err), "error")
        return redirect(url_for("admin.users"))
    audit("create user", detail=f"{user.username} ({user.role})")
    flash(f"Account {user.username} created; now choose their households.")
    return redirect(url_for("admin.user", user_id=user.id))


@bp.get("/users/<int:user_id>")
@requires("administer")
def user(user_id: int):
    """One account: name, role, active, households, password."""
    p = panel()
    account = p.users.get(user_id) or abort(404)
    return render_template("admin/user.html", account=account, roles=ROLES, households=p.directory.households(),
                           assigned=p.users.households_of(account))


@bp.post("/users/<int:user_id>")
@requires("administer")
def update_user(user_id: int):
    """Change an account's name, role, active flag and households."""
    p = panel()
    account = p.users.get(user_id) or abort(404)
    known = {h.id for h in p.directory.households()}
    chosen = [h for h in request.form.getlist("households") if h in known]
    try:
        p.users.update(account.id, name=request.form.get("name", ""), role=request.form.get("role", account.role),
                       active=request.form.get("active") == "on")
        p.users.assign(account.id, chosen)
    except PanelError as err:
        flash(str(err), "error")
    else:
        audit("update user", detail=f"{account.username}: {', '.join(sorted(chosen)) or 'no households'}")
        flash("Saved.")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.post("/users/<int:user_id>/password")
@requires("administer")
def set_password(user_id: int):
    """Set a new password (ends the account's open sessions)."""
    p = panel()
    account = p.users.get(user_id) or abort(404)
    try:
        p.users.set_password(account.id, request.form.get("password", ""))
    except PanelError as err:
        flash(str(err), "error")
    else:
        audit("set password", detail=account.username)
        flash(f"Password of {account.username} changed.")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.get("/households")
@requires("administer")
def households():
    """Every household and who follows it."""
    p = panel()
    rows = [(h, p.users.people_of(h.id), len(p.directory.contacts(h.id))) for h in p.directory.households()]
    return render_template("admin/households.html", rows=rows)


@bp.post("/households")
@requires("administer")
def save_household():
    """Add a household or change its name, address and time zone."""
    form = request.form
    household_id = form.get("id", "").strip().lower()
    name = form.get("name", "").strip()
    if not _HOUSEHOLD_ID.match(household_id) or not name:
        flash("A household needs an id (lower-case letters, digits, '-' or '_') and a name.", "error")
        return redirect(url_for("admin.households"))
    panel().directory.upsert_household(Household(household_id, name, form.get("address", "").strip(),
                                                 form.get("timezone", "").strip() or "Europe/London"))
    audit("save household", household_id, name)
    flash(f"Household {name} saved.")
    return redirect(url_for("admin.household", household_id=household_id))


@bp.get("/households/<household_id>")
@requires("administer")
def household(household_id: str):
    """A household's details and its contact ladder with on-duty windows."""
    p = panel()
    try:
        home = p.directory.household(household_id)
    except NotFoundError:
        abort(404)
    return render_template("admin/household.html", household=home, contacts=p.directory.contacts(household_id),
                           spare=SPARE_CONTACT_ROWS)


@bp.post("/households/<household_id>/contacts")
@requires("administer")
def save_contacts(household_id: str):
    """Replace the ladder: rows in order, empty rows dropped, windows like 'mon-fri 08:00-18:00; sat 09:00-13:00'."""
    p = panel()
    try:
        p.directory.household(household_id)
    except NotFoundError:
        abort(404)
    form = request.form
    contacts = []
    try:
        for name, phone, role, duty in zip(form.getlist("name"), form.getlist("phone"), form.getlist("role"),
                                           form.getlist("on_duty")):
            if not name.strip() and not phone.strip():
                continue
            if not name.strip() or not re.fullmatch(r"\+?[0-9 ()-]{6,20}", phone.strip()):
                raise PanelError(f"contact {name or phone!r}: give a name and a phone number like +447700900123")
            windows = tuple(w.strip() for w in duty.split(";") if w.strip())
            for window in windows:
                parse_window(window, "panel")
            contacts.append(Contact(household_id, len(contacts) + 1, name.strip(), phone.strip(),
                                    role.strip() or "social_worker", windows))
    except (PanelError, ConfigError) as err:
        flash(str(err), "error")
        return redirect(url_for("admin.household", household_id=household_id))
    p.directory.set_contacts(household_id, contacts)
    audit("set contacts", household_id, ", ".join(c.name for c in contacts))
    flash("Contact ladder saved.")
    return redirect(url_for("admin.household", household_id=household_id))


@bp.get("/audit")
@requires("administer")
def audit_log():
    """Who looked at or changed what, newest first; filter by household or user."""
    household_id = request.args.get("household", "").strip()
    username = request.args.get("user", "").strip()
    entries = panel().audit.recent(500, household=household_id or None, username=username or None)
    return render_template("admin/audit.html", entries=entries, household=household_id, username=username)
