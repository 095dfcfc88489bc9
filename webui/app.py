"""The panel's app factory: builds the Flask app with its blueprints around injected services.

>>> app = create_app(store=Store(":memory:"), clock=SystemClock())   # doctest: +SKIP

``store`` and ``clock`` are required; ``alerts`` is the :class:`alerts.service.AlertService` when
this process routes alerts (its book is then shared, so an acknowledgement in the panel stops the
escalation exactly as an SMS reply does, and the Twilio webhooks are live). ``config`` is the
whole :class:`hub.config.Config` or just its :class:`~hub.config.PanelConfig`.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
from dataclasses import dataclass
from typing import Any

from flask import Flask, jsonify, redirect, render_template, request, url_for
from flask_login import LoginManager
from flask_wtf.csrf import CSRFError, CSRFProtect

from alerts.book import OUTCOMES, AlertBook
from alerts.directory import Directory
from hub.clock import Clock
from hub.config import Config, OfficeConfig, PanelConfig
from hub.store import Store
from webui.activity import UsualCache
from webui.audit import AuditLog
from webui.notes import CaseNotes
from webui.users import ROLE_LABELS, UserBook

log = logging.getLogger(__name__)

EXTENSION = "eldercare.panel"


@dataclass(frozen=True)
class Panel:
    """Everything the views use, built once per app and kept in ``app.extensions``."""

    store: Store
    clock: Clock
    users: UserBook
    audit: AuditLog
    notes: CaseNotes
    book: AlertBook
    directory: Directory
    #: each household's usual day, computed once an hour (see :class:`webui.activity.UsualCache`)
    usual: UsualCache
    #: on an office, a hub offline or silent this long is shown offline (``office.hub_offline_after_minutes``)
    hub_offline_after: dt.timedelta = dt.timedelta(minutes=OfficeConfig.hub_offline_after_minutes)


def create_app(config: Config | PanelConfig | None = None, *, store: Store, clock: Clock, alerts: Any = None,
               test_config: dict | None = None) -> Flask:
    """Build the panel app on ``store`` and ``clock`` (see the module docstring)."""
    panel_config = config.panel if isinstance(config, Config) else (config or PanelConfig())
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=(test_config or {}).get("SECRET_KEY") or _secret_key(panel_config.secret_key_env),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=getattr(panel_config, "secure_cookies", False),
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=getattr(panel_config, "secure_cookies", False),
        # a panel left open through a shift must still accept its next form
        WTF_CSRF_TIME_LIMIT=12 * 3600,
        MAX_CONTENT_LENGTH=1024 * 1024,
        TWILIO_AUTH_TOKEN=_twilio_token(config),
    )
    if test_config:
        app.config.update(test_config)

    book = getattr(alerts, "book", None) or AlertBook(store, clock)
    directory = getattr(alerts, "directory", None) or Directory(store)
    office = config.office if isinstance(config, Config) else OfficeConfig()
    panel = Panel(store, clock, UserBook(store, clock), AuditLog(store, clock), CaseNotes(store, clock),
                  book, directory, UsualCache(), dt.timedelta(minutes=office.hub_offline_after_minutes))
    app.extensions[EXTENSION] = panel
    if alerts is not None:
        app.extensions["eldercare.alerts"] = alerts

    csrf = CSRFProtect(app)
    login = LoginManager(app)
    login.login_view = "auth.login"
    login.login_message = "Please log in to see this page."
    login.session_protection = "strong"
    login.user_loader(panel.users.load_session)
    login.unauthorized_handler(_unauthorized)

    from webui import webhooks
    from webui.views import admin, api, auth, caseload, household, inbox
    for module in (auth, caseload, household, inbox, admin, api):
        app.register_blueprint(module.bp)
    csrf.exempt(webhooks.bp)  # Twilio cannot send a CSRF token; its signature is checked instead
    app.register_blueprint(webhooks.bp)

    app.jinja_env.globals.update(OUTCOMES=OUTCOMES, ROLE_LABELS=ROLE_LABELS)
    app.jinja_env.filters["when"] = _when
    _error_pages(app)
    app.after_request(_security_headers)
    return app


def _unauthorized():
    """Not logged in: the JSON API answers 401, pages send the browser to the log-in form."""
    if request.blueprint == "api":
        return jsonify(error="log in first"), 401
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?") if request.method == "GET" else None))


def _secret_key(env_name: str) -> str:
    key = os.environ.get(env_name, "")
    if key:
        return key
    log.warning("%s is not set: using a random secret key, so panel sessions end when this process restarts",
                env_name)
    return secrets.token_hex(32)


def _twilio_token(config: Config | PanelConfig | None) -> str:
    if isinstance(config, Config):
        return os.environ.get(config.alerts.twilio_token_env, "")
    return ""


def _when(value) -> str:
    """A time as caseworkers read it: '4 Mar 09:12'."""
    if value is None:
        return "—"
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return f"{value.day} {value:%b %H:%M}"


def _error_pages(app: Flask) -> None:
    def page(code: int, title: str, text: str):
        def handler(err):
            return render_template("error.html", code=code, title=title, text=text), code
        return handler

    app.register_error_handler(403, page(403, "Not yours to see",
                                         "This page belongs to a household or task you are not assigned to."))
    app.register_error_handler(404, page(404, "Not found", "There is nothing at this address."))
    app.register_error_handler(CSRFError, page(400, "Form expired or invalid",
                                               "The form was refused because its security token was missing or "
                                               "out of date. Go back, reload the page and try again."))


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy",
                                "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
                                "form-action 'self'; base-uri 'none'")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response
