"""The panel wired to a real AlertService: one book for SMS and panel, and the Twilio webhooks live."""
from __future__ import annotations

import datetime as dt
import io

from twilio.request_validator import RequestValidator

from alerts.console_channel import ConsoleChannel
from alerts.service import AlertService
from hub.alert import Alert
from hub.clock import ManualClock
from hub.config import config_from_dict
from webui.app import create_app
from webui.users import UserBook

TOKEN = "panel-test-token"
PASSWORD = "correct horse battery"


def test_panel_and_sms_share_one_alert_book(store, monkeypatch):
    monkeypatch.setenv("PANEL_TEST_TWILIO_TOKEN", TOKEN)
    clock = ManualClock(dt.datetime(2024, 3, 4, 9))
    config = config_from_dict({
        "household": {"id": "smith", "name": "Mrs Smith"},
        "alerts": {"twilio_token_env": "PANEL_TEST_TWILIO_TOKEN",
                   "contacts": [{"name": "Jane", "phone": "+447700900001"}]},
    })
    console = io.StringIO()
    service = AlertService(config, store, clock, ConsoleChannel(console))
    app = create_app(config, store=store, clock=clock, alerts=service,
                     test_config={"SECRET_KEY": "test-only", "WTF_CSRF_ENABLED": False})
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


def test_an_alert_whose_condition_is_over_says_so_and_waits_behind_those_still_holding(store):
    from hub.alert import AllClear
    clock = ManualClock(dt.datetime(2024, 3, 4, 9))
    config = config_from_dict({"household": {"id": "smith", "name": "Mrs Smith"},
                               "alerts": {"contacts": [{"name": "Jane", "phone": "+447700900001"}]}})
    service = AlertService(config, store, clock, ConsoleChannel(io.StringIO()))
    app = create_app(config, store=store, clock=clock, alerts=service,
                     test_config={"SECRET_KEY": "test-only", "WTF_CSRF_ENABLED": False})
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
