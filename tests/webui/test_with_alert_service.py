"""The panel wired to a real AlertService: one book for SMS and panel, the Twilio webhooks live,
and the office's panel behind a TLS reverse proxy (requests as nginx forwards them)."""
from __future__ import annotations

import datetime as dt
import http.client
import io
import urllib.parse

from twilio.request_validator import RequestValidator

from alerts.console_channel import ConsoleChannel
from alerts.service import AlertService
from hub.alert import Alert
from hub.clock import ManualClock
from hub.config import config_from_dict
from webui.app import create_app
from webui.server import PanelServer
from webui.users import UserBook

TOKEN = "panel-test-token"
PASSWORD = "correct horse battery"
#: what nginx sends with the usual proxy_set_header lines (Host, X-Forwarded-Proto, X-Forwarded-For)
PROXIED = {"Host": "office.example.org", "X-Forwarded-Proto": "https",
           "Content-Type": "application/x-www-form-urlencoded"}


def office_panel(store, monkeypatch, **panel):
    """Mrs Smith's office at Monday 09:00: Jane on her ladder, SMS printed, Twilio's token set,
    ``panel`` settings; returns the panel app, its AlertService and the clock."""
    monkeypatch.setenv("PANEL_TEST_TWILIO_TOKEN", TOKEN)
    clock = ManualClock(dt.datetime(2024, 3, 4, 9))
    config = config_from_dict({
        "household": {"id": "smith", "name": "Mrs Smith"},
        "alerts": {"twilio_token_env": "PANEL_TEST_TWILIO_TOKEN",
                   "contacts": [{"name": "Jane", "phone": "+447700900001"}]},
        "panel": panel,
    })
    service = AlertService(config, store, clock, ConsoleChannel(io.StringIO()))
    app = create_app(config, store=store, clock=clock, alerts=service,
                     test_config={"SECRET_KEY": "test-only", "WTF_CSRF_ENABLED": False})
    return app, service, clock


def test_panel_and_sms_share_one_alert_book(store, monkeypatch):
    app, service, clock = office_panel(store, monkeypatch)
    assert app.extensions["eldercare.panel"].book is service.book
    assert app.extensions["eldercare.alerts"] is service
    UserBook(store, clock).create("carol", PASSWORD, "caseworker", name="Carol Hughes", households=["smith"])

    first = service.handle(Alert(clock.now(), "smith", "inactivity", "critical", "No movement since 07:10"))
    second = service.handle(Alert(clock.now(), "smith", "appliance_on", "medium", "Kettle on for 2 hours"))
    service.tick()
    client = app.test_client()
    client.post("/login", data={"username": "carol", "password": PASSWORD})
    assert client.post(f"/alerts/{first.id}/acknowledge").status_code == 302
    assert service.book.get(first.id).acknowledged_via == "panel"
    steps = [s.action for s in service.book.history(first.id)]
    assert "acknowledged" in steps

    # an SMS reply goes through the same app: signed, no CSRF token, and the panel sees it
    url = "http://localhost/twilio/sms"
    form = {"From": "+447700900001", "Body": f"OK {second.id}"}
    signature = RequestValidator(TOKEN).compute_signature(url, form)
    response = client.post("/twilio/sms", data=form, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200
    page = client.get("/alerts?state=acknowledged").get_data(as_text=True)
    assert "Taken by Jane" in page and "Taken by Carol Hughes" in page


def test_an_alert_whose_condition_is_over_says_so_and_waits_behind_those_still_holding(store, monkeypatch):
    from hub.alert import AllClear
    app, service, clock = office_panel(store, monkeypatch)
    UserBook(store, clock).create("carol", PASSWORD, "caseworker", name="Carol Hughes", households=["smith"])
    fall = service.handle(Alert(clock.now(), "smith", "inactivity", "critical", "No movement since 07:10",
                                since=dt.datetime(2024, 3, 4, 7, 10)))
    kettle = service.handle(Alert(clock.now(), "smith", "appliance_on", "medium", "Kettle on for 2 hours"))
    service.all_clear(AllClear(clock.now(), "smith", "inactivity", "Mrs Smith is moving again (kitchen, 08:58).",
                               since=dt.datetime(2024, 3, 4, 7, 10)))
    client = app.test_client()
    client.post("/login", data={"username": "carol", "password": PASSWORD})
    inbox = client.get("/alerts").get_data(as_text=True)
    assert inbox.index(f'data-alert="{kettle.id}"') < inbox.index(f'data-alert="{fall.id}"'), \
        "the kettle still on comes before the fall whose resident is moving again"
    assert "Since: Mrs Smith is moving again (kitchen, 08:58)." in inbox
    assert "Since: Mrs Smith is moving again" in client.get(f"/alerts/{fall.id}").get_data(as_text=True)
    caseload = client.get("/caseload").get_data(as_text=True)
    assert "Not yet taken: No movement since 07:10 Since: Mrs Smith is moving again (kitchen, 08:58)." in caseload
    shown = {a["id"]: a["over"] for a in client.get("/api/alerts").get_json()}
    assert shown == {fall.id: "Mrs Smith is moving again (kitchen, 08:58).", kettle.id: ""}


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
    app, service, clock = office_panel(store, monkeypatch, secure_cookies=True, trusted_proxy="127.0.0.1")
    server = PanelServer(app, "127.0.0.1", 0, trusted_proxy="127.0.0.1")
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
    app, service, clock = office_panel(store, monkeypatch, secure_cookies=True, trusted_proxy="127.0.0.1")
    server = PanelServer(app, "127.0.0.1", 0, trusted_proxy="127.0.0.1")
    UserBook(store, clock).create("carol", PASSWORD, "caseworker", name="Carol Hughes", households=["smith"])
    with server:
        for _ in range(6):  # someone on the internet guesses at carol's password
            assert _post_through_proxy(server, "/login", {"username": "carol", "password": "guess guess"},
                                       "198.51.100.7") in (401, 429)
        status = _post_through_proxy(server, "/login", {"username": "carol", "password": PASSWORD}, "203.0.113.5")
    assert status == 302, "carol, at her office, logs in"
