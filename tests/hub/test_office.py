"""The office receiver against a real Mosquitto: real hub uplinks publish, the office applies once.

Hubs are real :class:`hub.uplink.Uplink` objects (one in a child process, killed to make the broker
publish its last will); alerts go through a real :class:`alerts.service.AlertService` whose console
channel writes to a StringIO.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import re
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from alerts.console_channel import ConsoleChannel
from alerts.directory import Contact, Household
from alerts.service import AlertService
from analytics.summaries import HourlySummary
from hub.alert import Alert, AllClear
from hub.clock import ManualClock
from hub.config import UplinkConfig, config_from_dict
from hub.errors import StoreError
from hub.events import Event
from hub.health import sensor_health
from hub.office import OfficeReceiver
from hub.office_state import OFFICE_MIGRATIONS, hub_status, reported_sensors
from hub.office_watch import check_hubs
from hub.store import Store
from hub.uplink import Uplink
from tests.mqtt_support import publish, wait_until
from webui import sensors as panel_sensors
from webui.caseload import build_caseload

ROOT = Path(__file__).resolve().parents[2]
SAM = "+447700900123"
OFFLINE_AFTER = dt.timedelta(minutes=20)


class Office:
    """An office: store, alert service printing SMS to ``out``, and the receiver."""

    def __init__(self, broker, store: Store, clock: ManualClock, alerts=None, client_id: str = "office-test") -> None:
        self.config = config_from_dict({"office": {"enabled": True, "port": broker.port, "client_id": client_id,
                                                   "hub_offline_after_minutes": 20}}, source="office.toml")
        self.store, self.clock, self.out = store, clock, io.StringIO()
        self.alerts = alerts or AlertService(self.config, store, clock, ConsoleChannel(self.out))
        self.receiver = OfficeReceiver(self.config, store, clock, self.alerts)

    def start(self) -> Office:
        self.receiver.start()
        assert self.receiver.wait_connected(10), "office receiver did not connect"
        return self

    def alerts_of(self, household: str, kind: str | None = None):
        return [r for r in self.alerts.book.list(households=[household])
                if kind is None or r.alert.kind == kind]


@pytest.fixture
def clock() -> ManualClock:
    """Monday 10:00, outside quiet hours, so alerts are sent at once."""
    return ManualClock(dt.datetime(2024, 3, 4, 10, 0))


@pytest.fixture
def office(broker, store, clock):
    o = Office(broker, store, clock)
    o.alerts.directory.upsert_household(Household("h1", "Mrs Smith"))
    o.alerts.directory.set_contacts("h1", [Contact("h1", 1, "Sam", SAM)])
    o.start()
    yield o
    o.receiver.stop()


@pytest.fixture
def hub_store(tmp_path):
    with Store(tmp_path / "hub-h1.sqlite") as s:
        yield s


@pytest.fixture
def uplink(broker, hub_store, clock):
    u = Uplink(UplinkConfig(enabled=True, port=broker.port, client_id="hub-h1"), "h1", hub_store, clock)
    u.start()
    assert u.wait_connected(10)
    yield u
    u.stop()


def inactivity() -> Alert:
    return Alert(dt.datetime(2024, 3, 4, 9, 55), "h1", "inactivity", "high", "No movement since 08:10",
                 evidence={"since": "08:10", "usual_minutes": 95})


def summaries() -> list[HourlySummary]:
    return [HourlySummary("h1", dt.datetime(2024, 3, 4, 8), "hall", "motion", 12, 9),
            HourlySummary("h1", dt.datetime(2024, 3, 4, 8), "kitchen", "power", 2, 14, energy_wh=310.5),
            HourlySummary("h1", dt.datetime(2024, 3, 4, 9), "hall", "motion", 3, 3)]


def summary_rows(store: Store) -> list[tuple]:
    return [tuple(r) for r in store.query(
        "SELECT household, hour, room, kind, events, active_minutes, energy_wh FROM summaries ORDER BY hour, room")]


def test_a_hubs_alert_summaries_health_and_heartbeat_are_applied(office, uplink, hub_store, clock):
    hub_store.add_events([Event(dt.datetime(2024, 3, 4, 9, 50), "hall_pir", "motion", 1, "hall", "h1"),
                          Event(dt.datetime(2024, 3, 4, 9, 51), "hall_pir", "battery", 12, "hall", "h1")])
    # One message at a time, each acknowledged before the next: Uplink._drain (holding the uplink's
    # lock, calling paho's publish) and Uplink._on_publish (holding paho's message mutex, taking the
    # uplink's lock) can deadlock when a PUBACK arrives during an enqueue (reported to the lead).
    wait_until(lambda: office.receiver.stats.total("applied") == 1, what="the hub's online status")
    for send in (lambda: uplink.publish_alert(inactivity()), lambda: uplink.publish_summaries(summaries()),
                 lambda: uplink.publish_health(sensor_health(hub_store, "h1"))):
        send()
        wait_until(lambda: uplink.pending() == 0, what="the office broker's acknowledgement")
    wait_until(lambda: office.receiver.stats.total("applied") >= 4, what="alert, summary, health and status")

    [record] = office.alerts_of("h1")
    assert (record.alert.kind, record.alert.severity, record.alert.evidence["since"]) == ("inactivity", "high", "08:10")
    office.alerts.tick(clock.now())
    assert f"SMS to {SAM}:" in office.out.getvalue() and "Mrs Smith" in office.out.getvalue()

    assert summary_rows(office.store) == [
        ("h1", "2024-03-04T08:00:00", "hall", "motion", 12, 9, 0.0),
        ("h1", "2024-03-04T08:00:00", "kitchen", "power", 2, 14, 310.5),
        ("h1", "2024-03-04T09:00:00", "hall", "motion", 3, 3, 0.0)]
    [sensor] = reported_sensors(office.store, "h1")
    assert (sensor.sensor, sensor.room, sensor.battery, sensor.last_seen) == \
        ("hall_pir", "hall", 12, dt.datetime(2024, 3, 4, 9, 51))
    # the office holds no raw events, so the panel's sensor table shows what the hub reported
    [shown] = panel_sensors.sensor_health(office.store, "h1", clock.now())
    assert shown.problem == "battery 12%"
    status = hub_status(office.store, "h1")
    assert status.state == "online" and status.last_seen == clock.now()


def test_a_hubs_all_clear_reaches_the_office_and_whoever_heard_of_the_alert(office, uplink, clock):
    wait_until(lambda: office.receiver.stats.total("applied") == 1, what="the hub's online status")
    alert = dataclasses.replace(inactivity(), since=dt.datetime(2024, 3, 4, 8, 10))
    uplink.publish_alert(alert)
    wait_until(lambda: office.receiver.stats.total("applied") == 2, what="the alert")
    office.alerts.tick(clock.now())
    uplink.publish_all_clear(AllClear(dt.datetime(2024, 3, 4, 10, 2), "h1", "inactivity",
                                      "Mrs Smith is moving again (kitchen, 10:01).", since=alert.since))
    wait_until(lambda: office.receiver.stats.total("applied") == 3, what="the all clear")
    office.alerts.tick(clock.now())
    [record] = office.alerts_of("h1")
    assert record.state == "open"
    assert office.alerts.router.route_of(record.id).status == "done", "no longer passed up the ladder"
    assert (f"SMS to {SAM}: UPDATE on alert {record.id} (Mrs Smith): Mrs Smith is moving again (kitchen, 10:01)."
            in office.out.getvalue())


def test_a_repeated_alert_or_summary_is_applied_once(office, broker, clock):
    alert = json.dumps({"id": "a-1", **inactivity().to_json()})
    summary = json.dumps({"id": "s-1", "household": "h1", "rows": [summaries()[0].to_json()]})
    publish(broker.host, broker.port, [("eldercare/h1/alert", alert), ("eldercare/h1/summary", summary)] * 2)
    wait_until(lambda: office.receiver.stats.total("messages") >= 4, what="four messages")
    assert len(office.alerts_of("h1")) == 1
    assert summary_rows(office.store) == [("h1", "2024-03-04T08:00:00", "hall", "motion", 12, 9, 0.0)]
    stats = office.receiver.stats.snapshot()
    assert (stats["alert"].applied, stats["alert"].duplicates) == (1, 1)
    assert (stats["summary"].applied, stats["summary"].duplicates) == (1, 1)
    office.alerts.tick(clock.now())
    assert office.out.getvalue().count("SMS to") == 1


class FailsOnce:
    """An alert service whose first ``handle`` fails (the office died before committing)."""

    def __init__(self, service: AlertService) -> None:
        self.service = service
        self.calls = 0

    def handle(self, alert):
        self.calls += 1
        if self.calls == 1:
            raise RuntimeError("power cut")
        return self.service.handle(alert)

    def __getattr__(self, name):
        return getattr(self.service, name)


def test_an_alert_not_committed_is_not_acked_and_comes_back_once(broker, store, clock):
    first = Office(broker, store, clock)
    first.receiver.alerts = FailsOnce(first.alerts)
    first.start()
    publish(broker.host, broker.port, [("eldercare/h1/alert", json.dumps({"id": "a-9", **inactivity().to_json()}))])
    wait_until(lambda: first.receiver.alerts.calls == 1, what="the failed attempt")
    first.receiver.stop()
    assert first.alerts_of("h1") == []

    second = Office(broker, store, clock).start()  # same client id: the broker redelivers the unacked alert
    try:
        wait_until(lambda: second.receiver.stats.total("applied") == 1, what="redelivery")
        assert len(second.alerts_of("h1")) == 1
    finally:
        second.receiver.stop()
    third = Office(broker, store, clock).start()  # acknowledged: nothing comes back
    try:
        publish(broker.host, broker.port, [("eldercare/h1/status", json.dumps({"state": "online"}))])
        wait_until(lambda: third.receiver.stats.total("applied") == 1, what="the marker status")
        assert third.receiver.stats.snapshot().keys() == {"status"}
        assert len(third.alerts_of("h1")) == 1
    finally:
        third.receiver.stop()


BAD = [
    ("eldercare/h1/alert", b"not json{"),
    ("eldercare/h1/alert", json.dumps({"id": "x1", "kind": "inactivity", "severity": "dire",
                                       "time": "2024-03-04T10:00:00"})),
    ("eldercare/h1/alert", json.dumps({"kind": "inactivity", "time": "2024-03-04T10:00:00"})),  # no id
    ("eldercare/h1/summary", json.dumps({"id": "x2", "rows": [{"hour": "yesterday", "kind": "motion"}]})),
    ("eldercare/h1/summary", json.dumps({"id": "x3", "household": "h2", "rows": []})),  # not this hub's
    ("eldercare/h1/health", json.dumps({"id": "x4", "sensors": [{"sensor": "pir", "online": "maybe",
                                                                 "last_seen": "2024-03-04T09:00:00"}]})),
    ("eldercare/h1/status", json.dumps(["online"])),
    ("eldercare/h1/status", json.dumps({"state": "sleepy"})),
]


def test_malformed_messages_are_quarantined_counted_and_do_not_stop_the_receiver(office, broker, caplog):
    good = json.dumps({"id": "s-ok", "rows": [summaries()[2].to_json()]})
    publish(broker.host, broker.port, BAD + [("eldercare/h1/summary", good)])
    wait_until(lambda: office.receiver.stats.total("messages") == len(BAD) + 1, what="every message")
    assert office.receiver.stats.total("rejected") == len(BAD)
    assert summary_rows(office.store) == [("h1", "2024-03-04T09:00:00", "hall", "motion", 3, 3, 0.0)]
    kept = office.store.quarantined()
    assert len(kept) == len(BAD)
    assert {bytes(r["payload"]) for r in kept} == {p if isinstance(p, bytes) else p.encode() for _, p in BAD}
    assert any("severity 'dire'" in r["reason"] for r in kept)
    assert any("names household 'h2'" in r["reason"] for r in kept)
    assert office.alerts_of("h1") == []
    # logged once per topic, not once per message
    warnings = [r for r in caplog.records if r.name == "hub.office" and "quarantined" in r.getMessage()]
    assert sorted(r.args[0] for r in warnings) == ["eldercare/h1/alert", "eldercare/h1/health",
                                                   "eldercare/h1/status", "eldercare/h1/summary"]


HUB_SCRIPT = """
import sys, threading
from hub.clock import SystemClock
from hub.config import UplinkConfig
from hub.store import Store
from hub.uplink import Uplink
uplink = Uplink(UplinkConfig(enabled=True, port=int(sys.argv[1]), client_id="hub-h2"), "h2", Store(sys.argv[2]),
                SystemClock())
uplink.start()
threading.Event().wait(60)
"""


def test_a_hub_that_dies_shows_offline_and_raises_one_hub_offline_alert(office, broker, store, clock, tmp_path):
    hub = subprocess.Popen([sys.executable, "-c", HUB_SCRIPT, str(broker.port), str(tmp_path / "h2.sqlite")],
                           cwd=ROOT)
    try:
        wait_until(lambda: (s := hub_status(store, "h2")) is not None and s.state == "online", what="h2 online")
    finally:
        hub.kill()  # no DISCONNECT: the broker publishes the hub's last will
        hub.wait(10)
    wait_until(lambda: hub_status(store, "h2").state == "offline", what="the last will")
    assert hub_status(store, "h2").since == dt.datetime(2024, 3, 4, 10, 0)
    office.alerts.directory.upsert_household(Household("h2", "Mr Jones"))

    clock.advance(dt.timedelta(minutes=5))  # a reboot takes a few minutes: not yet an outage
    assert check_hubs(store, office.alerts, clock.now(), OFFLINE_AFTER) == []
    [entry] = build_caseload(store, office.alerts.book, [Household("h2", "Mr Jones")], clock.now(),
                             hub_offline_after=OFFLINE_AFTER)
    assert not entry.hub_offline

    clock.advance(dt.timedelta(minutes=20))
    [raised] = check_hubs(store, office.alerts, clock.now(), OFFLINE_AFTER)
    assert (raised.kind, raised.technical, raised.household) == ("hub_offline", True, "h2")
    assert "Mr Jones went offline at 10:00" in raised.message
    clock.advance(dt.timedelta(minutes=10))
    assert check_hubs(store, office.alerts, clock.now(), OFFLINE_AFTER) == []  # once per outage
    assert len(office.alerts_of("h2", "hub_offline")) == 1
    [entry] = build_caseload(store, office.alerts.book, [Household("h2", "Mr Jones")], clock.now(),
                             hub_offline_after=OFFLINE_AFTER)
    assert entry.hub_offline and "Hub offline since 10:00" in [r.text for r in entry.reasons]

    # the hub comes back: the alert says so, and the next outage alerts again
    publish(broker.host, broker.port, [("eldercare/h2/status", json.dumps({"state": "online", "household": "h2"}))])
    wait_until(lambda: hub_status(store, "h2").state == "online", what="h2 back")
    assert check_hubs(store, office.alerts, clock.now(), OFFLINE_AFTER) == []
    [record] = office.alerts_of("h2", "hub_offline")
    assert "hub_back_online" in [s.action for s in office.alerts.book.history(record.id)]
    clock.advance(dt.timedelta(minutes=21))  # silent this time: no will, just nothing
    [again] = check_hubs(store, office.alerts, clock.now(), OFFLINE_AFTER)
    assert "stopped reporting at 10:35" in again.message
    assert len(office.alerts_of("h2", "hub_offline")) == 2


def test_the_caseload_shows_hub_offline_since_on_the_page(office, broker, store, clock):
    publish(broker.host, broker.port, [("eldercare/h1/status", json.dumps({"state": "offline", "household": "h1"}))])
    wait_until(lambda: hub_status(store, "h1") is not None, what="status")
    clock.advance(dt.timedelta(minutes=45))
    from webui.app import create_app
    app = create_app(office.config, store=store, clock=clock, alerts=office.alerts,
                     test_config={"SECRET_KEY": "test-only", "WTF_CSRF_ENABLED": False, "TESTING": True})
    app.extensions["eldercare.panel"].users.create("amy", "a long enough password", "caseworker",
                                                   households=["h1"])
    with app.test_client() as client:
        assert client.post("/login", data={"username": "amy", "password": "a long enough password"}).status_code == 302
        page = client.get("/caseload").get_data(as_text=True)
        data = client.get("/api/caseload").get_json()
    assert "hub offline since 10:00" in page
    assert data[0]["hub_offline"] and data[0]["hub_offline_since"] == "2024-03-04T10:00:00"
    assert "Hub offline since 10:00" in data[0]["reasons"]


def test_health_reports_replace_older_ones_and_never_go_back(office, broker, store):
    def report(msg_id: str, time: str, sensors: list[dict]) -> tuple[str, str]:
        return "eldercare/h1/health", json.dumps({"id": msg_id, "household": "h1", "time": time, "sensors": sensors})
    pir = {"sensor": "hall_pir", "room": "hall", "last_seen": "2024-03-04T09:00:00", "battery": 80, "online": True}
    door = {"sensor": "door", "room": "hall", "last_seen": "2024-03-04T09:30:00", "battery": None, "online": None}
    publish(broker.host, broker.port, [report("h-2", "2024-03-04T10:00:00", [pir]),
                                       report("h-1", "2024-03-04T09:00:00", [pir, door])])
    wait_until(lambda: office.receiver.stats.total("applied") == 2, what="two reports")
    assert [s.sensor for s in reported_sensors(store, "h1")] == ["hall_pir"]
    publish(broker.host, broker.port, [report("h-3", "2024-03-04T11:00:00", [door])])
    wait_until(lambda: office.receiver.stats.total("applied") == 3, what="the newest report")
    [s] = reported_sensors(store, "h1")
    assert (s.sensor, s.battery, s.online) == ("door", None, None)


def test_a_hub_the_office_never_met_joins_the_directory_by_its_id(office, broker):
    publish(broker.host, broker.port, [("eldercare/h9/status", json.dumps({"state": "online"}))])
    wait_until(lambda: office.receiver.stats.total("applied") == 1, what="status")
    assert office.alerts.directory.household("h9").name == "h9"


def test_daily_summaries_in_a_summary_message_reach_the_daily_table(office, broker, store):
    day = {"day": "2024-03-03", "wake_time": "07:12", "bed_time": "22:40", "active_minutes": 310,
           "night_active_minutes": 4, "events": 512}
    publish(broker.host, broker.port, [("eldercare/h1/summary", json.dumps({"id": "d-1", "rows": [], "days": [day]}))])
    wait_until(lambda: office.receiver.stats.total("applied") == 1, what="summary")
    rows = [tuple(r) for r in store.query("SELECT * FROM daily_summaries")]
    assert rows == [("h1", "2024-03-03", "07:12", "22:40", 310, 4, 512)]


def test_received_ids_are_forgotten_after_a_month(office, store, clock):
    with store.transaction() as conn:
        conn.execute("INSERT INTO office_received VALUES ('old', 't', '2024-01-01T00:00:00')")
        conn.execute("INSERT INTO office_received VALUES ('new', 't', '2024-03-01T00:00:00')")
    assert office.receiver.forget_received(clock.now()) == 1
    assert [r[0] for r in store.query("SELECT id FROM office_received")] == ["new"]


def test_office_config_section_is_checked(tmp_path):
    from hub.config import load_config
    from hub.errors import ConfigError
    path = tmp_path / "office.toml"
    path.write_text("[office]\nenabled = true\nhub_offline_after = 20\n")
    with pytest.raises(ConfigError, match=r"office.toml: office.hub_offline_after: unknown key"):
        load_config(path)
    path.write_text("[office]\nenabled = true\nhub_offline_after_minutes = 0\n")
    with pytest.raises(ConfigError, match="office.hub_offline_after_minutes"):
        load_config(path)
    path.write_text("[office]\nenabled = true\nport = 1884\nhub_offline_after_minutes = 45\n")
    office = load_config(path).office
    assert (office.enabled, office.port, office.hub_offline_after_minutes) == (True, 1884, 45)


def test_the_office_tells_its_citys_time_on_a_server_left_on_utc(store, machine_zone):
    """Quiet hours and on-duty windows are judged on the office's clock: on a cloud server on UTC
    a "22:00-08:00" meant in Seoul would fall at 07:00-17:00 there."""
    from hub.office_service import OfficeService
    machine_zone("UTC")
    seoul = config_from_dict({"office": {"enabled": True, "timezone": "Asia/Seoul"}, "panel": {"enabled": False}})
    city_now = dt.datetime.now(ZoneInfo("Asia/Seoul")).replace(tzinfo=None)
    assert abs(OfficeService(seoul, store=store).clock.now() - city_now) < dt.timedelta(minutes=1)
    unset = config_from_dict({"office": {"enabled": True}, "panel": {"enabled": False}})
    assert abs(OfficeService(unset, store=store).clock.now() - dt.datetime.now()) < dt.timedelta(minutes=1)


def test_the_office_service_tick_checks_hubs_and_sends_sms(broker, store, clock):
    from hub.office_service import OfficeService
    config = config_from_dict({"office": {"enabled": True, "port": broker.port}, "panel": {"enabled": False}})
    out = io.StringIO()
    service = OfficeService(config, clock=clock, store=store, out=out)
    service.alerts.directory.upsert_household(Household("h3", "Mrs Green"))
    service.alerts.directory.set_contacts("h3", [Contact("h3", 1, "Sam", SAM)])
    service.start(scheduler=False, panel=False)
    try:
        assert service.receiver.wait_connected(10)
        publish(broker.host, broker.port, [("eldercare/h3/status", json.dumps({"state": "offline"}))])
        wait_until(lambda: hub_status(store, "h3") is not None, what="status")
        clock.advance(dt.timedelta(minutes=21))
        service.tick()
        assert "SMS to +447700900123" in out.getvalue() and "Mrs Green went offline at 10:00" in out.getvalue()
    finally:
        service.receiver.stop()


def test_a_failing_hub_check_does_not_hold_up_the_escalations(broker, store, clock, monkeypatch, caplog):
    """The hub check fails on every tick (a store error, say): a fall nobody answers still goes on
    to the next person when due, and the failure is logged."""
    import hub.office_service
    from hub.office_service import OfficeService
    config = config_from_dict({"office": {"enabled": True, "port": broker.port}, "panel": {"enabled": False}})
    out = io.StringIO()
    service = OfficeService(config, clock=clock, store=store, out=out)
    service.alerts.directory.upsert_household(Household("h3", "Mrs Green"))
    service.alerts.directory.set_contacts("h3", [Contact("h3", 1, "Sam", SAM), Contact("h3", 2, "Bob", "+447700900456")])

    def broken(*args, **kwargs):
        raise StoreError("office.sqlite: database is locked")
    monkeypatch.setattr(hub.office_service, "check_hubs", broken)
    service.alerts.handle(Alert(clock.now(), "h3", "inactivity", "critical", "No movement at home since 09:00."))
    service.tick()
    assert "SMS to +447700900123" in out.getvalue() and "+447700900456" not in out.getvalue()
    clock.advance(dt.timedelta(minutes=16))
    service.tick()
    assert "SMS to +447700900456" in out.getvalue()
    assert "hub check failed" in caplog.text
    service.stop()


def test_the_office_does_not_call_hubs_silent_while_it_cannot_hear_them(broker, store, clock):
    from hub.office_service import OfficeService
    config = config_from_dict({"office": {"enabled": True, "port": broker.port, "client_id": "office-deaf"},
                               "panel": {"enabled": False}})
    out = io.StringIO()
    service = OfficeService(config, clock=clock, store=store, out=out)
    service.alerts.directory.upsert_household(Household("h3", "Mrs Green"))
    service.alerts.directory.set_contacts("h3", [Contact("h3", 1, "Sam", SAM)])
    heartbeat = [("eldercare/h3/status", json.dumps({"state": "online", "household": "h3"}))]
    service.start(scheduler=False, panel=False)
    try:
        assert service.receiver.wait_connected(10)
        publish(broker.host, broker.port, heartbeat)
        wait_until(lambda: hub_status(store, "h3") is not None, what="status")
        service.receiver.stop()  # the office loses its broker (a password changed, a network blip)
        for _ in range(21):      # ... while the hub goes on with its heartbeat every minute
            clock.advance(dt.timedelta(minutes=1))
            publish(broker.host, broker.port, heartbeat)
            service.tick()
        assert "stopped reporting" not in out.getvalue(), "the silence was the office's own"
        service.receiver.start()  # back: the heartbeats queued in its session say the hub never stopped
        assert service.receiver.wait_connected(10)
        wait_until(lambda: hub_status(store, "h3").last_seen == clock.now(), what="the queued heartbeats")
        service.tick()
        assert "stopped reporting" not in out.getvalue()
        clock.advance(dt.timedelta(minutes=21))  # a hub really silent while the office listens
        service.tick()
        assert "Mrs Green stopped reporting at 10:21" in out.getvalue()
    finally:
        service.receiver.stop()


def _office_in_amsterdam(broker, store, start: dt.datetime):
    """An office whose clock keeps Amsterdam's time (summer time), watching h3 (Mrs Green)."""
    from hub.office_service import OfficeService
    config = config_from_dict({"office": {"enabled": True, "port": broker.port, "client_id": "office-dst",
                                          "timezone": "Europe/Amsterdam"}, "panel": {"enabled": False}})
    clock = ManualClock(start, "Europe/Amsterdam")
    service = OfficeService(config, clock=clock, store=store, out=io.StringIO())
    service.alerts.directory.upsert_household(Household("h3", "Mrs Green"))
    service.alerts.directory.set_contacts("h3", [Contact("h3", 1, "Sam", SAM)])
    service.start(scheduler=False, panel=False)
    assert service.receiver.wait_connected(10)
    return service, clock


def _hub_offline_messages(service) -> list[str]:
    """What the hub_offline alerts raised say (at night their SMS wait for the morning)."""
    return [r.alert.message for r in service.alerts.book.list(households=["h3"]) if r.alert.kind == "hub_offline"]


def _minutes_of_heartbeats(broker, store, service, clock, minutes: int, *, tick_first: bool = False) -> None:
    """The hub's heartbeat every minute, each heard before the next minute (with ``tick_first``, the
    office's tick comes just before the heartbeat of its minute, the other order)."""
    heartbeat = [("eldercare/h3/status", json.dumps({"state": "online", "household": "h3"}))]
    for _ in range(minutes):
        now = clock.advance(dt.timedelta(minutes=1))
        if tick_first:
            service.tick()
        publish(broker.host, broker.port, heartbeat)
        wait_until(lambda: hub_status(store, "h3") is not None and hub_status(store, "h3").last_seen == now,
                   what=f"the heartbeat of {now}")
        if not tick_first:
            service.tick()


def test_no_hub_looks_an_hour_silent_when_the_clocks_go_forward(broker, store):
    """A heartbeat every minute through 02:00 becoming 03:00: the office's first tick after the
    jump, before the hub's next heartbeat, is a minute after the last one, not an hour."""
    service, clock = _office_in_amsterdam(broker, store, dt.datetime(2026, 3, 29, 1, 50))
    try:
        _minutes_of_heartbeats(broker, store, service, clock, 20, tick_first=True)
        assert clock.now() == dt.datetime(2026, 3, 29, 3, 10)
        assert _hub_offline_messages(service) == []
        clock.advance(dt.timedelta(minutes=21))  # then the hub really stops
        service.tick()
        [told] = _hub_offline_messages(service)
        assert "Mrs Green stopped reporting at 03:10 (21 min ago)" in told
    finally:
        service.receiver.stop()


def test_a_hub_that_stops_as_the_clocks_go_back_is_called_offline_in_time(broker, store):
    """Heartbeats from 02:40 summer time until 02:10 winter time (the wall clock went back from
    03:00 to 02:00 between), then nothing: reported 21 minutes later, at the second 02:31, not
    70 minutes later, when the wall clock passes the first hour's last heartbeat again."""
    service, clock = _office_in_amsterdam(broker, store, dt.datetime(2026, 10, 25, 2, 40))
    try:
        _minutes_of_heartbeats(broker, store, service, clock, 30)
        assert (clock.now(), clock.now().fold) == (dt.datetime(2026, 10, 25, 2, 10), 1)
        for _ in range(80):
            clock.advance(dt.timedelta(minutes=1))
            service.tick()
            if _hub_offline_messages(service):
                break
        assert (clock.now(), clock.now().fold) == (dt.datetime(2026, 10, 25, 2, 31), 1)
        [told] = _hub_offline_messages(service)
        assert "Mrs Green stopped reporting at 02:10 (21 min ago)" in told
    finally:
        service.receiver.stop()


def test_a_hub_last_heard_before_the_utc_columns_is_judged_by_the_wall_clock_until_heard_again(broker, store, clock):
    store.migrate("office", OFFICE_MIGRATIONS[:1])  # an office of the release before
    with store.transaction() as conn:
        conn.execute("INSERT INTO hub_status (household, state, since, last_seen) "
                     "VALUES ('h1', 'online', '2024-03-04T09:00:00', '2024-03-04T09:50:00')")
    office = Office(broker, store, clock).start()  # brings the store up to date
    try:
        kept = hub_status(store, "h1")
        assert (kept.last_seen, kept.last_seen_utc) == (dt.datetime(2024, 3, 4, 9, 50), None)
        assert kept.down_since(clock.now(), OFFLINE_AFTER) is None  # ten minutes
        assert kept.down_since(clock.now() + dt.timedelta(minutes=11), OFFLINE_AFTER) == kept.last_seen
        publish(broker.host, broker.port, [("eldercare/h1/status", json.dumps({"state": "online", "household": "h1"}))])
        wait_until(lambda: hub_status(store, "h1").last_seen == clock.now(), what="the heartbeat")
        assert hub_status(store, "h1").last_seen_utc == clock.now()  # the office clock keeps UTC here
    finally:
        office.receiver.stop()


def test_eldercare_office_runs_until_sigterm(broker, tmp_path):
    import signal
    path = tmp_path / "office.toml"
    path.write_text(f'[store]\npath = "{tmp_path / "office.sqlite"}"\n'
                    f'[office]\nenabled = true\nport = {broker.port}\nclient_id = "office-cli"\n')
    office = subprocess.Popen([sys.executable, "-m", "hub.cli", "office", "--config", str(path), "--no-panel"],
                              cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        publish(broker.host, broker.port, [("eldercare/h4/status", json.dumps({"state": "online"}))], retain=True)

        def seen() -> bool:
            if not (tmp_path / "office.sqlite").exists():
                return False
            with Store(tmp_path / "office.sqlite") as s:
                return hub_status(s, "h4") is not None
        wait_until(seen, timeout=20, what="the office command to store the hub's status")
        office.send_signal(signal.SIGTERM)
        assert office.wait(15) == 0
    finally:
        if office.poll() is None:
            office.kill()
            office.wait(5)
        office.stderr.close()


def test_eldercare_office_refuses_a_config_without_an_enabled_office(tmp_path, capsys):
    from hub.cli import main
    path = tmp_path / "hub.toml"
    path.write_text("[household]\nid = \"h1\"\n")
    assert main(["office", "--config", str(path)]) == 2
    assert "office.enabled: set it to true" in capsys.readouterr().err


def test_bench_office_applies_every_message_and_prints_its_figures(capsys):
    from hub.cli import main
    assert main(["bench", "office", "--hubs", "20", "--rows", "6", "--sensors", "3"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("published 62 messages from 20 hubs")
    assert lines[1].startswith("applied 62 messages (120 summary rows)")
    assert re.fullmatch(r"office messages_per_s=\d+ summary_rows_per_s=\d+ hubs_per_hour=\d+", lines[-1])


def test_the_shipped_office_config_loads():
    from hub.config import load_config
    cfg = load_config(ROOT / "deploy" / "office.example.toml")
    assert cfg.office.enabled and cfg.office.username == "office" and not cfg.detection.enabled


@pytest.fixture
def secured_broker(tmp_path):
    """Mosquitto with per-hub passwords and the shipped ACL (deploy/mosquitto-office.acl)."""
    from tests.conftest import Broker, free_port
    passwd = tmp_path / "passwd"
    for i, (user, password) in enumerate((("office", "office-pw"), ("h1", "h1-pw"))):
        subprocess.run(["mosquitto_passwd", *(["-c"] if i == 0 else []), "-b", str(passwd), user, password],
                       check=True, timeout=10, capture_output=True)
    port = free_port()
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous false\npassword_file {passwd}\n"
                    f"acl_file {ROOT / 'deploy' / 'mosquitto-office.acl'}\npersistence false\nuser root\n")
    b = Broker("127.0.0.1", port, conf, tmp_path / "mosquitto.log")
    b.start()
    yield b
    b.stop()


def test_with_the_shipped_acl_a_hub_can_only_speak_for_its_own_household(secured_broker, store, clock, hub_store,
                                                                         monkeypatch):
    monkeypatch.setenv("ELDERCARE_OFFICE_PASSWORD", "office-pw")
    monkeypatch.setenv("ELDERCARE_UPLINK_PASSWORD", "h1-pw")
    config = config_from_dict({"office": {"enabled": True, "port": secured_broker.port, "username": "office"}})
    office = OfficeReceiver(config, store, clock, AlertService(config, store, clock, ConsoleChannel(io.StringIO())))
    office.start()
    uplink = Uplink(UplinkConfig(enabled=True, port=secured_broker.port, client_id="hub-h1", username="h1"),
                    "h1", hub_store, clock)
    try:
        assert office.wait_connected(10)
        uplink.start()
        assert uplink.wait_connected(10)
        wait_until(lambda: hub_status(store, "h1") is not None, what="h1's own status")
        # h1's credentials used to speak for h2: the broker takes the messages and drops them
        impostor = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="impostor")
        impostor.username_pw_set("h1", "h1-pw")
        impostor.connect(secured_broker.host, secured_broker.port)
        impostor.loop_start()
        try:
            fake = {"id": "fake-1", **Alert(clock.now(), "h2", "inactivity", "critical", "fake").to_json()}
            for topic, body in (("eldercare/h2/alert", fake), ("eldercare/h2/status", {"state": "online"})):
                info = impostor.publish(topic, json.dumps(body), qos=1)
                info.wait_for_publish(10)
                assert info.is_published()
        finally:
            impostor.disconnect()
            impostor.loop_stop()
        uplink.publish_alert(inactivity())
        wait_until(lambda: office.stats.total("applied") >= 2, what="h1's alert")
        assert [r.household for r in office.alerts.book.list()] == ["h1"]
        assert hub_status(store, "h2") is None and office.stats.total("messages") == 2
    finally:
        uplink.stop()
        office.stop()
