"""The composition root end to end: sensors in (GPIO on MockFactory pins, MQTT through a real
broker), events stored, detection on the learned routine, an alert's SMS printed, and the
scheduler's jobs run by hand with an injected clock."""
from __future__ import annotations

import datetime as dt
import io
import json
from zoneinfo import ZoneInfo

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from analytics.modelstore import routine_path
from hardware.simulator import SimulatedHome
from hub.clock import ManualClock
from hub.config import config_from_dict
from hub.service import HubService
from tests.mqtt_support import publish, wait_until

START = dt.datetime(2024, 3, 18, 9, 0)


@pytest.fixture
def service(tmp_path, broker, mock_factory):
    config = config_from_dict({
        "household": {"id": "kim-12", "name": "Mrs Kim"},
        "store": {"path": str(tmp_path / "hub.sqlite")},
        "detection": {"model_dir": str(tmp_path / "models"), "inactivity_budget_per_30d": 1.5},
        "mqtt": {"enabled": True, "port": broker.port, "client_id": "hub-kim-12", "devices": [
            {"topic": "zigbee2mqtt/kitchen_pir", "format": "zigbee2mqtt", "sensor": "kitchen_pir",
             "kind": "motion", "room": "kitchen"}]},
        "gpio": {"enabled": True, "sensors": [{"type": "contact", "sensor": "front_door", "room": "hall", "pin": 27}]},
        "alerts": {"contacts": [{"name": "Ji-woo Han", "phone": "+447700900101"}]},
        "uplink": {"enabled": True, "port": broker.port, "client_id": "uplink-kim-12"},
        "panel": {"enabled": False},
    }, source="test.toml")
    clock = ManualClock(START)
    out = io.StringIO()
    svc = HubService(config, clock=clock, pin_factory=mock_factory, out=out)
    # four weeks of this resident's life before the test starts
    home = SimulatedHome(household="kim-12", seed=3, profile="busy")
    svc.store.add_events(home.events(START - dt.timedelta(days=28), START))
    svc.start(scheduler=False, panel=False)
    assert svc.mqtt.wait_connected(10)
    yield svc, clock, out, mock_factory
    svc.stop()


def test_sensors_reach_the_store_and_silence_reaches_a_social_worker(service, broker):
    svc, clock, out, factory = service

    def seen():
        return {(e.sensor, e.kind, e.value) for e in svc.store.events(since=START)}

    pin = factory.pin(27)     # reed switch to GND with the pull-up: closed pulls the pin low
    pin.drive_low()
    pin.drive_high()          # the magnet moves away: the front door opens
    pin.drive_low()           # and closes again
    publish(broker.host, broker.port, [("zigbee2mqtt/kitchen_pir", json.dumps({"occupancy": True}))])
    wanted = {("front_door", "door", 1.0), ("front_door", "door", 0.0), ("kitchen_pir", "motion", 1.0)}
    wait_until(lambda: seen() >= wanted, what="GPIO and MQTT events stored")

    # then nothing at all, on a day this resident is always busy
    for _ in range(12 * 60):
        clock.advance(dt.timedelta(minutes=1))
        svc.tick()
        svc.deliver()
        if "SMS to +447700900101" in out.getvalue():
            break
    text = out.getvalue()
    assert "SMS to +447700900101" in text and "Mrs Kim" in text and "Reply OK" in text
    records = svc.alerts.book.list(households=["kim-12"])
    assert records and records[0].state == "open" and not records[0].alert.technical


def test_a_motion_sensors_light_reports_through_the_broker_do_not_hide_a_silence(service, broker):
    svc, clock, out, _ = service

    def stored(n):
        return svc.store.query("SELECT count(*) FROM events WHERE sensor='kitchen_pir' AND kind='light'")[0][0] >= n

    # the resident stops moving; the kitchen's Zigbee sensor keeps reporting the daylight, as
    # Aqara and Hue sensors do every few minutes, each message with occupancy false
    sent = 0
    for minute in range(12 * 60):
        if minute % 10 == 0:
            lux = {"occupancy": False, "illuminance": 80 + minute % 300}
            publish(broker.host, broker.port, [("zigbee2mqtt/kitchen_pir", json.dumps(lux))])
            sent += 1
            wait_until(lambda: stored(sent), what="the light reading stored")
        clock.advance(dt.timedelta(minutes=1))
        svc.tick()
        svc.deliver()
        if "SMS to +447700900101" in out.getvalue():
            break
    assert "SMS to +447700900101" in out.getvalue() and "No movement" in out.getvalue()
    assert sent >= 3  # light kept coming while the silence grew


def test_jobs_summarise_retrain_and_apply_retention(service):
    svc, clock, _, _ = service
    clock.set(START + dt.timedelta(days=1, hours=3, minutes=15))
    svc.hourly()
    svc.nightly()
    assert routine_path(svc.config.detection.model_dir, "kim-12").exists()
    # the care organisation's false-alert budget reaches the detectors, also after the retrain
    engine = svc.detection._engines["kim-12"]
    assert engine.config.inactivity_budget_per_30d == 1.5
    assert {d.budget.budget for d in engine.detectors if getattr(d, "budget", None) is not None} == {1.5}
    assert svc.store.query("SELECT count(*) FROM daily_summaries WHERE household='kim-12'")[0][0] >= 1
    assert svc.store.query("SELECT count(*) FROM summaries WHERE household='kim-12'")[0][0] >= 1
    clock.set(START + dt.timedelta(days=100))
    svc.nightly()
    assert svc.store.events(until=START - dt.timedelta(days=1)) == []


def test_the_office_hears_heartbeats_summaries_and_days_but_no_raw_event(service, broker):
    svc, clock, _, _ = service
    heard: list[tuple[str, dict]] = []
    office = mqtt.Client(CallbackAPIVersion.VERSION2)
    office.on_message = lambda c, u, msg: heard.append((msg.topic, json.loads(msg.payload)))
    office.connect(broker.host, broker.port)
    office.subscribe("#", qos=1)
    office.loop_start()
    try:
        assert svc.uplink.wait_connected(10)
        clock.set(START + dt.timedelta(days=1, hours=3, minutes=15))
        svc.tick()
        svc.deliver()
        svc.hourly()
        svc.nightly()
        wait_until(lambda: any(t.endswith("/summary") and m.get("days") for t, m in heard), what="daily summaries")
        topics = {t for t, _ in heard}
        assert "eldercare/kim-12/status" in topics and "eldercare/kim-12/summary" in topics
        assert any(m.get("state") == "online" for t, m in heard if t.endswith("/status"))
        assert all(t.startswith("eldercare/kim-12/") for t in topics)  # no device topics, no raw events
        assert not any("value" in row for _, m in heard for row in m.get("rows", []))
    finally:
        office.loop_stop()
        office.disconnect()


def test_a_failing_part_of_a_tick_does_not_stop_the_sms_outbox(tmp_path, monkeypatch):
    from analytics.detectors import Finding
    from analytics.routine import empty_routine
    from hub.alert import Alert

    config = config_from_dict({
        "household": {"id": "kim-12", "name": "Mrs Kim"},
        "store": {"path": str(tmp_path / "hub.sqlite")},
        "detection": {"model_dir": str(tmp_path / "models"), "inactivity_budget_per_30d": 1.5},
        "alerts": {"contacts": [{"name": "Ji-woo Han", "phone": "+447700900101"}]},
        "panel": {"enabled": False},
    }, source="test.toml")
    clock = ManualClock(START)
    out = io.StringIO()
    svc = HubService(config, clock=clock, out=out)
    try:
        svc.start(scheduler=False, panel=False)
        # one home's engine has a bug; the other home's silence is still raised on the tick
        broken = svc.detection.engine("kim-12")
        monkeypatch.setattr(broken, "tick", lambda: 1 / 0)
        other = svc.detection.watch("lee-3", empty_routine("lee-3"), clock)
        other.detectors = [_Holds(Finding("inactivity", "inactivity", "critical", "No movement"))]
        svc.tick()
        assert [r.household for r in svc.alerts.book.list()] == ["lee-3"]
        # the whole detection tick failing must not keep a queued SMS from going out
        monkeypatch.setattr(svc.detection, "tick", lambda: 1 / 0)
        svc.alerts.handle(Alert(time=START, household="kim-12", kind="inactivity", severity="critical",
                                message="No movement in the home since 07:10", condition="inactivity"))
        svc.tick()
        svc.deliver()
    finally:
        svc.stop()
    assert "SMS to +447700900101" in out.getvalue() and "Mrs Kim" in out.getvalue()


class _Holds:
    """A test detector whose one finding always holds."""

    def __init__(self, finding) -> None:
        self.finding = finding

    def check(self, ctx):
        return [self.finding]


def test_the_hub_clock_tells_the_homes_time_whatever_zone_the_pi_was_left_in(tmp_path, machine_zone):
    machine_zone("UTC")  # a Pi left on UTC, in a home in Seoul
    config = config_from_dict({"household": {"id": "kim-12", "timezone": "Asia/Seoul"},
                               "store": {"path": str(tmp_path / "h.sqlite")},
                               "detection": {"model_dir": str(tmp_path / "m")},
                               "alerts": {"enabled": False}, "panel": {"enabled": False}})
    hub = HubService(config)
    home_now = dt.datetime.now(ZoneInfo("Asia/Seoul")).replace(tzinfo=None)
    assert abs(hub.clock.now() - home_now) < dt.timedelta(minutes=1)
    hub.store.close()


def test_a_late_backlog_does_not_move_last_seen_back(service):
    svc, clock, _, _ = service
    from hub.events import Event
    engine = svc.detection.engine("kim-12")
    svc.pipeline.submit([Event(START, "kitchen_pir", "motion", 1, "kitchen", "kim-12")])
    assert engine.state.last_activation == START
    # a device that was offline delivers what it buffered this morning
    svc.pipeline.submit([Event(START - dt.timedelta(hours=3), "hall_pir", "motion", 1, "hall", "kim-12")])
    assert engine.state.last_activation == START
    assert svc.store.events(since=START - dt.timedelta(hours=3), until=START - dt.timedelta(hours=2))  # still stored


def sensorless_config(tmp_path):
    """Mrs Kim's hub with no sensor source: the tests feed its pipeline themselves."""
    return config_from_dict({
        "household": {"id": "kim-12", "name": "Mrs Kim"},
        "store": {"path": str(tmp_path / "hub.sqlite")},
        "detection": {"model_dir": str(tmp_path / "models")},
        "alerts": {"contacts": [{"name": "Ji-woo Han", "phone": "+447700900101"}]},
        "panel": {"enabled": False},
    }, source="test.toml")


def test_a_sensor_dead_for_days_before_a_restart_is_still_reported(tmp_path):
    config = sensorless_config(tmp_path)
    clock = ManualClock(START)
    svc = HubService(config, clock=clock, out=io.StringIO())
    # four weeks of life; the bathroom sensor died five days ago, longer than the engine reads back
    died = START - dt.timedelta(days=5)
    home = SimulatedHome(household="kim-12", seed=3, profile="busy")
    svc.store.add_events(e for e in home.events(START - dt.timedelta(days=28), START)
                         if not (e.sensor == "bathroom_pir" and e.time >= died))
    try:
        svc.start(scheduler=False, panel=False)  # the hub restarts (a power cut)
        svc.tick()
        offline = [r.alert for r in svc.alerts.book.list(households=["kim-12"]) if r.alert.kind == "sensor_offline"]
    finally:
        svc.stop()
    assert [a.condition for a in offline] == ["sensor_offline:bathroom_pir"]
    assert offline[0].technical and "has sent nothing for 5 days" in offline[0].message


def test_a_second_silence_reaches_the_social_worker_though_the_first_alert_was_never_closed(tmp_path):
    from hub.events import Event
    config = sensorless_config(tmp_path)
    clock = ManualClock(START)
    home = SimulatedHome(household="kim-12", seed=3, profile="busy")
    out = io.StringIO()
    svc = HubService(config, clock=clock, out=out)
    svc.store.add_events(home.events(START - dt.timedelta(days=28), START))

    def sms(about: str) -> int:
        return sum(1 for line in out.getvalue().splitlines()
                   if line.startswith("SMS to +447700900101") and about in line)

    def silence_told(hub: HubService) -> bool:
        told = sms("No movement at home")
        for _ in range(8 * 60):  # a busy home's silence by day is told well within this
            clock.advance(dt.timedelta(minutes=1))
            hub.tick()
            hub.deliver()
            if sms("No movement at home") > told:
                return True
        return False

    try:
        svc.start(scheduler=False, panel=False)
        svc.pipeline.submit([Event(START, "living_room_pir", "motion", 1, "living_room", "kim-12")])
        assert silence_told(svc), "the first silence"
        first = svc.alerts.book.list(households=["kim-12"])[0]
        assert svc.alerts.reply_to_sms("+447700900101", f"OK {first.id}").startswith("Thanks Ji-woo Han")
        svc.stop()  # a power cut: the restarted hub finds the same silence, already taken
        svc = HubService(config, clock=clock, out=out)
        svc.start(scheduler=False, panel=False)
        for _ in range(10):
            clock.advance(dt.timedelta(minutes=1))
            svc.tick()
            svc.deliver()
        assert sms("No movement at home") == 1
        # she is up and about again, in three rooms: Ji-woo, who took the alert, hears so
        for minutes, sensor, room in ((0, "kitchen_pir", "kitchen"), (4, "hall_pir", "hall"),
                                      (9, "living_room_pir", "living_room")):
            svc.pipeline.submit([Event(clock.now() + dt.timedelta(minutes=minutes), sensor, "motion", 1, room,
                                       "kim-12")])
        clock.advance(dt.timedelta(minutes=9))
        svc.tick()
        svc.deliver()
        assert sms(f"UPDATE on alert {first.id} (Mrs Kim): Mrs Kim is moving again (living room, "
                   f"{clock.now():%H:%M}). It is no longer passed on.") == 1
        # then, in the afternoon, a new silence
        assert silence_told(svc), "the second silence is a new alert, though the first was never closed"
        records = svc.alerts.book.list(households=["kim-12"])
    finally:
        svc.stop()
    assert sorted((r.alert.kind, r.state) for r in records if not r.alert.technical) == [
        ("inactivity", "acknowledged"), ("inactivity", "open")]
