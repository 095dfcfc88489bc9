"""``eldercare alerts`` and the demo's terminal acknowledgements."""
from __future__ import annotations

import datetime as dt
import io

import pytest

from alerts.console_channel import ConsoleChannel
from alerts.service import AlertService
from alerts.terminal import answer_line, read_acknowledgements
from hub.alert import Alert
from hub.cli import main
from hub.config import load_config
from hub.store import Store
from tests.alerts.conftest import JANE


@pytest.fixture
def hub_toml(tmp_path, twilio):
    path = tmp_path / "hub.toml"
    path.write_text(f"""
[household]
id = "smith"
name = "Mrs Smith"
[store]
path = "{tmp_path / 'hub.sqlite'}"
[alerts]
twilio_account_sid = "{twilio.account_sid}"
twilio_from = "+447700900999"
twilio_token_env = "TEST_TWILIO_TOKEN"
api_base = "{twilio.base_url}"
[[alerts.contacts]]
name = "Jane"
phone = "{JANE}"
""")
    return path


def raise_one(hub_toml, clock) -> int:
    config = load_config(hub_toml)
    with Store(config.store.path) as store:
        service = AlertService(config, store, clock, ConsoleChannel(io.StringIO()))
        rec = service.handle(Alert(clock.now(), "smith", "inactivity", "critical", "No movement since 07:10"))
        service.tick()
        return rec.id


def test_list_ack_resolve_history_outbox(hub_toml, clock, capsys):
    code = raise_one(hub_toml, clock)
    assert main(["alerts", "-c", str(hub_toml), "list", "--state", "open"]) == 0
    assert "smith        critical open" in capsys.readouterr().out
    assert main(["alerts", "-c", str(hub_toml), "ack", str(code), "--by", "Jane"]) == 0
    assert capsys.readouterr().out == f"alert {code}: acknowledged by Jane via terminal\n"
    assert main(["alerts", "-c", str(hub_toml), "resolve", str(code), "fine", "--by", "Jane"]) == 0
    assert "resolved (Resident fine) by Jane" in capsys.readouterr().out
    assert main(["alerts", "-c", str(hub_toml), "history", str(code)]) == 0
    out = capsys.readouterr().out
    assert [line.split()[2] for line in out.splitlines()] == ["raised", "notified", "sms_sent", "acknowledged",
                                                               "resolved"]
    assert main(["alerts", "-c", str(hub_toml), "outbox"]) == 0
    assert f"Jane         {JANE}   sent" in capsys.readouterr().out
    assert main(["alerts", "-c", str(hub_toml), "ack", "999", "--by", "Jane"]) == 2
    assert "no alert 999" in capsys.readouterr().err


def test_an_alert_taken_from_the_terminal_next_to_a_running_hub_sends_no_more_sms(hub_toml, clock):
    """The hub has queued the SMS, not sent it yet (Twilio down, say), when the social worker takes
    the alert at the hub's terminal."""
    config = load_config(hub_toml)
    printed = io.StringIO()
    with Store(config.store.path) as store:
        hub = AlertService(config, store, clock, ConsoleChannel(printed))
        rec = hub.handle(Alert(clock.now(), "smith", "inactivity", "critical", "No movement since 07:10"))
        assert main(["alerts", "-c", str(hub_toml), "ack", str(rec.id), "--by", "Jane"]) == 0
        hub.tick(clock.advance(dt.timedelta(minutes=1)))  # its ladder not due yet
        assert hub.outbox.messages(alert_id=rec.id)[0].state == "cancelled"
        assert hub.router.route_of(rec.id).status == "done"
    assert printed.getvalue() == "", "nothing sent about an alert already taken"


def test_test_sms_goes_through_the_configured_twilio(hub_toml, twilio, monkeypatch, capsys):
    monkeypatch.setenv("TEST_TWILIO_TOKEN", twilio.auth_token)
    assert main(["alerts", "-c", str(hub_toml), "test-sms", JANE]) == 0
    assert twilio.sent_to(JANE) == ["eldercare test message from Mrs Smith."]
    assert capsys.readouterr().out.startswith("sent through twilio: SM")
    monkeypatch.setenv("TEST_TWILIO_TOKEN", "wrong")
    assert main(["alerts", "-c", str(hub_toml), "test-sms", JANE]) == 2
    assert "HTTP 401 code 20003" in capsys.readouterr().err


def test_terminal_acknowledgements(config, store, clock):
    service = AlertService(config, store, clock, ConsoleChannel(io.StringIO()))
    rec = service.handle(Alert(clock.now(), "smith", "inactivity", "critical", "No movement"))
    out = io.StringIO()
    read_acknowledgements(service, ["\n", "help\n", f"ok {rec.id}\n", f"{rec.id}\n", "77\n"], out)
    assert out.getvalue().splitlines() == [
        "'help' is not an alert code; type e.g. OK 42",
        f"Alert {rec.id} (Mrs Smith) taken by terminal.",
        f"Alert {rec.id} was already taken by terminal via terminal.",
        "no alert 77",
    ]
    assert service.book.get(rec.id).acknowledged_via == "terminal"
    assert answer_line(service, "   ") == ""
