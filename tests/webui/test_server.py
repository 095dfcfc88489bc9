"""The panel served by waitress in its own thread: port 0, stop, cookie and secret-key settings,
and the office's panel behind a TLS reverse proxy (requests as nginx forwards them)."""
from __future__ import annotations

import datetime as dt
import http.client
import io
import logging
import urllib.parse
import urllib.request

from twilio.request_validator import RequestValidator

from alerts.console_channel import ConsoleChannel
from alerts.service import AlertService
from hub.alert import Alert
from hub.clock import ManualClock
from hub.config import PanelConfig, config_from_dict
from webui.app import create_app
from webui.server import PanelServer
from webui.users import UserBook

TOKEN = "proxy-test-token"
PASSWORD = "correct horse battery"
#: what nginx sends with the usual proxy_set_header lines (Host, X-Forwarded-Proto, X-Forwarded-For)
PROXIED = {"Host": "office.example.org", "X-Forwarded-Proto": "https",
           "Content-Type": "application/x-www-form-urlencoded"}


def test_port_zero_binds_a_free_port_and_stops(store, clock):
    app = create_app(store=store, clock=clock, test_config={"SECRET_KEY": "test-only"})
    server = PanelServer(app, "127.0.0.1", 0)
    server.start()
    try:
        assert server.port > 0 and server.running
        with urllib.request.urlopen(server.url + "/login", timeout=5) as response:
            assert response.status == 200 and b"Log in" in response.read()
    finally:
        server.stop()
    assert not server.running


def test_secret_key_from_environment_or_random_with_warning(store, clock, monkeypatch, caplog):
    monkeypatch.setenv("PANEL_KEY_FOR_TEST", "from-the-environment")
    assert create_app(PanelConfig(secret_key_env="PANEL_KEY_FOR_TEST"), store=store, clock=clock
                      ).config["SECRET_KEY"] == "from-the-environment"
    monkeypatch.delenv("PANEL_KEY_FOR_TEST")
    with caplog.at_level(logging.WARNING, logger="webui.app"):
        first = create_app(PanelConfig(secret_key_env="PANEL_KEY_FOR_TEST"), store=store, clock=clock)
        second = create_app(PanelConfig(secret_key_env="PANEL_KEY_FOR_TEST"), store=store, clock=clock)
    assert first.config["SECRET_KEY"] != second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) >= 32
    assert "PANEL_KEY_FOR_TEST is not set" in caplog.text


def test_secure_cookies_when_configured(store, clock):
    app = create_app(PanelConfig(secure_cookies=True), store=store, clock=clock, test_config={"SECRET_KEY": "t"})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def _office_behind_proxy(store, monkeypatch):
    monkeypatch.setenv("PROXY_TEST_TWILIO_TOKEN", TOKEN)
    clock = ManualClock(dt.datetime(2024, 3, 4, 9))
    config = config_from_dict({
        "household": {"id": "smith", "name": "Mrs Smith"},
        "alerts": {"twilio_token_env": "PROXY_TEST_TWILIO_TOKEN",
                   "contacts": [{"name": "Jane", "phone": "+447700900001"}]},
        "panel": {"secure_cookies": True, "trusted_proxy": "127.0.0.1"},
    })
    service = AlertService(config, store, clock, ConsoleChannel(io.StringIO()))
    app = create_app(config, store=store, clock=clock, alerts=service,
                     test_config={"SECRET_KEY": "test-only", "WTF_CSRF_ENABLED": False})
    return PanelServer(app, "127.0.0.1", 0, trusted_proxy=config.panel.trusted_proxy), service, clock


def _post_through_proxy(server, path, form, client_ip, **headers) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("POST", path, body=urllib.parse.urlencode(form),
                     headers={**PROXIED, "X-Forwarded-For": client_ip, **headers})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def test_behind_the_tls_proxy_a_signed_sms_reply_is_accepted(store, monkeypatch):
    server, service, clock = _office_behind_proxy(store, monkeypatch)
    record = service.handle(Alert(clock.now(), "smith", "inactivity", "critical", "No movement since 07:10"))
    service.tick()
    form = {"From": "+447700900001", "Body": f"OK {record.id}", "MessageSid": "SMin1", "AccountSid": "AC1"}
    # Twilio signs the public https URL set in its console, not the panel's own http://127.0.0.1
    signature = RequestValidator(TOKEN).compute_signature("https://office.example.org/twilio/sms", form)
    with server:
        status = _post_through_proxy(server, "/twilio/sms", form, "54.172.60.1", **{"X-Twilio-Signature": signature})
    assert status == 200
    assert service.book.get(record.id).state == "acknowledged"


def test_behind_the_tls_proxy_a_strangers_wrong_passwords_do_not_lock_the_caseworker_out(store, monkeypatch):
    server, service, clock = _office_behind_proxy(store, monkeypatch)
    UserBook(store, clock).create("carol", PASSWORD, "caseworker", name="Carol Hughes", households=["smith"])
    with server:
        for _ in range(6):  # someone on the internet guesses at carol's password
            assert _post_through_proxy(server, "/login", {"username": "carol", "password": "guess guess"},
                                       "198.51.100.7") in (401, 429)
        status = _post_through_proxy(server, "/login", {"username": "carol", "password": PASSWORD}, "203.0.113.5")
    assert status == 302, "carol, at her office, logs in"
