"""Logging in and out, and the start page each role lands on."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required, login_user, logout_user

from hub.errors import LoginThrottled
from webui.access import audit, can, panel

bp = Blueprint("auth", __name__)


@bp.get("/")
@login_required
def home():
    """Caseworkers and admins start on the caseload, social workers on their alerts."""
    return redirect(url_for("caseload.index" if can("follow") else "inbox.index"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The log-in form; failures are counted and slowed down per username and address."""
    if request.method == "GET":
        return render_template("login.html", next=request.args.get("next", ""))
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    target = _safe_next(request.form.get("next", ""))
    try:
        user = panel().users.authenticate(username, password, request.remote_addr or "")
    except LoginThrottled as err:
        return render_template("login.html", next=target, username=username, error=str(err)), 429
    if user is None:
        return render_template("login.html", next=target, username=username,
                               error="That username and password do not match."), 401
    login_user(user)
    audit("log in")
    return redirect(target or url_for("auth.home"))


@bp.post("/logout")
@login_required
def logout():
    """End the session."""
    audit("log out")
    logout_user()
    flash("You have logged out.")
    return redirect(url_for("auth.login"))


def _safe_next(target: str) -> str:
    """Only follow a relative path on this site after logging in (never another host)."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return ""
    return target
