"""Twilio's webhooks: signature checks, "OK 42" replies and delivery status callbacks.

A tiny Flask app registers the blueprint the way the panel does (with CSRFProtect on, which the
blueprint must be exempt from); signatures come from the twilio library's RequestValidator.
"""
from __future__ import annotations

import datetime as dt
import io
import xml.etree.ElementTree as ET

import pytest
from flask import Flask
from flask_wtf.csrf import CSRFProtect
from twilio.request_validator import RequestValidator

from alerts.console_channel import ConsoleChannel
from alerts.service import AlertService
from hub.alert import Alert
from hub.clock import ManualClock
from hub.config import config_from_dict
from webui import webhooks

TOKEN = "webhook-test-token"
JANE, BOB, STRANGER = "+447700900001", "+447700900002", "+15005550006"


@pytest.fixture
def service(store):
    config = config_from_dict({
        "household": {"id": "smith", "name": "Mrs Smith"},
        "alerts": {"contacts": [{"name": "Jane", "phone": JANE}, {"name": "Bob", "phone": BOB}]},
    })
    return AlertService(config, store, ManualClock(dt.datetime(2024, 3, 4, 9)), ConsoleChannel(io.StringIO()))


@pytest.fixture
def client(service):
    app = Flask(__name__)
    app.config.update(SECRET_KEY="test-only", TWILIO_AUTH_TOKEN=TOKEN)
    CSRFProtect(app)
    app.extensions["eldercare.alerts"] = service
    app.register_blueprint(webhooks.bp)
    return app.test_client()


@pytest.fixture
def alert(service):
    rec = service.handle(Alert(dt.datetime(2024, 3, 4, 9), "smith", "inactivity", "critical", "No movement since 07:10"))
    service.tick()
    return rec


def post(client, path, form, *, sign=True, token=TOKEN, tamper=None):
    url = f"http://localhost{path}"
    headers = {}
    if sign:
        headers["X-Twilio-Signature"] = RequestValidator(token).compute_signature(url, form)
    return client.post(path, data=dict(form, **(tamper or {})), headers=headers)


def sms(client, sender, body, **kw):
    return post(client, "/twilio/sms", {"From": sender, "To": "+447700900999", "Body": body,
                                         "MessageSid": "SMin1", "AccountSid": "AC1"}, **kw)


def reply_text(response) -> str | None:
    assert response.status_code == 200 and response.mimetype == "text/xml"
    root = ET.fromstring(response.data)
    assert root.tag == "Response"
    message = root.find("Message")
    return None if message is None else message.text


def test_ok_with_a_valid_signature_acknowledges(client, service, alert):
    text = reply_text(sms(client, JANE, f"ok{alert.id}"))
    assert text.startswith(f"Thanks Jane, alert {alert.id} (Mrs Smith) is yours")
    rec = service.book.get(alert.id)
    assert (rec.state, rec.acknowledged_by, rec.acknowledged_via) == ("acknowledged", "Jane", "sms")


def test_tampered_body_is_rejected(client, service, alert):
    response = sms(client, STRANGER, "hello", tamper={"From": JANE, "Body": f"OK {alert.id}"})
    assert response.status_code == 403
    assert service.book.get(alert.id).state == "open"


def test_missing_or_wrongly_keyed_signature_is_rejected(client, service, alert):
    assert sms(client, JANE, f"OK {alert.id}", sign=False).status_code == 403
    assert sms(client, JANE, f"OK {alert.id}", token="someone-elses-token").status_code == 403
    assert service.book.get(alert.id).state == "open"


def test_unknown_sender_gets_nothing_useful(client, service, alert):
    assert reply_text(sms(client, STRANGER, f"OK {alert.id}")) is None
    assert service.book.get(alert.id).state == "open"


def test_wrong_code_or_words_get_usage_help(client, service, alert):
    assert reply_text(sms(client, JANE, f"OK {alert.id + 100}")).startswith(f"No alert {alert.id + 100} for you.")
    assert reply_text(sms(client, JANE, "on my way")) == "eldercare: to take an alert, reply OK and its number, e.g. OK 42."
    assert service.book.get(alert.id).state == "open"


def test_second_ok_says_who_has_it(client, service, alert):
    reply_text(sms(client, BOB, f"OK {alert.id}"))
    assert reply_text(sms(client, JANE, f"OK {alert.id}")) == (
        f"Alert {alert.id} (Mrs Smith) was already taken by Bob at 09:00.")


def test_status_callback_updates_the_message_and_escalates(client, service, alert):
    [msg] = service.outbox.messages(alert_id=alert.id)
    form = {"MessageSid": msg.sid, "MessageStatus": "undelivered", "ErrorCode": "30005", "AccountSid": "AC1"}
    assert post(client, "/twilio/status", form, tamper={"MessageStatus": "delivered"}).status_code == 403
    assert service.outbox.get(msg.id).state == "sent"
    assert post(client, "/twilio/status", form).status_code == 204
    assert service.outbox.get(msg.id).state == "undelivered" and service.outbox.get(msg.id).error_code == 30005
    assert service.router.route_of(alert.id).contact_name == "Bob"


def test_no_configured_token_rejects_everything(service, alert):
    app = Flask(__name__)
    app.extensions["eldercare.alerts"] = service
    app.register_blueprint(webhooks.bp)
    assert sms(app.test_client(), JANE, f"OK {alert.id}").status_code == 403
