"""Twilio's webhooks: replies to alert SMS ("OK 42") and delivery status callbacks.

Every request must carry a valid ``X-Twilio-Signature`` for the URL Twilio called, checked with
the library's ``RequestValidator`` and the auth token in ``app.config["TWILIO_AUTH_TOKEN"]``;
anything else gets 403. Behind a reverse proxy wrap the app in Werkzeug's ``ProxyFix`` so
``request.url`` is the public URL Twilio signed.

The blueprint finds the :class:`~alerts.service.AlertService` in
``current_app.extensions["eldercare.alerts"]``. Twilio posts without a CSRF token, so the blueprint
exempts itself from Flask-WTF's ``CSRFProtect`` when the app has one at registration time.
"""
from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, current_app, request
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

log = logging.getLogger(__name__)

bp = Blueprint("twilio_webhooks", __name__, url_prefix="/twilio")


@bp.record_once
def _exempt_from_csrf(state) -> None:
    """Twilio cannot send our CSRF token; its signature is the proof instead."""
    csrf = state.app.extensions.get("csrf")
    if csrf is not None:
        csrf.exempt(bp)


def _check_signature() -> None:
    token = current_app.config.get("TWILIO_AUTH_TOKEN", "")
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature or not RequestValidator(token).validate(request.url, request.form, signature):
        log.warning("rejected Twilio webhook %s from %s: bad or missing signature", request.path,
                    request.remote_addr)
        abort(403)


def _twiml(text: str | None) -> Response:
    reply = MessagingResponse()
    if text:
        reply.message(text)
    return Response(str(reply), mimetype="text/xml")


@bp.post("/sms")
def inbound_sms() -> Response:
    """An SMS to our number: "OK 42" takes alert 42; a known contact gets help for anything else."""
    _check_signature()
    service = current_app.extensions["eldercare.alerts"]
    reply = service.reply_to_sms(request.form.get("From", ""), request.form.get("Body", ""))
    return _twiml(reply)


@bp.post("/status")
def message_status() -> Response:
    """Twilio's report on a message we sent (delivered, undelivered, failed ...)."""
    _check_signature()
    service = current_app.extensions["eldercare.alerts"]
    sid = request.form.get("MessageSid", "")
    status = request.form.get("MessageStatus", "")
    code = request.form.get("ErrorCode", "")
    if not sid or not status:
        abort(400)
    service.delivery_status(sid, status, int(code) if code.isdigit() else None)
    return Response(status=204)
