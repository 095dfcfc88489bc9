"""The typed config: a good file loads, and every kind of mistake names the file and key."""
from __future__ import annotations

from pathlib import Path

import pytest

from hub.config import Config, load_config, secret
from hub.errors import ConfigError

GOOD = """
[household]
id = "kim-12"
name = "Mrs Kim, 12 Oak Lane"

[store]
path = "/var/lib/eldercare/hub.sqlite"
retention_days = 120

[mqtt]
enabled = true
port = 1884

[[mqtt.devices]]
topic = "zigbee2mqtt/hall_pir"
format = "zigbee2mqtt"
sensor = "hall_pir"
kind = "motion"
room = "hall"

[[gpio.sensors]]
type = "power"
sensor = "mains"
channel = 0

[[alerts.contacts]]
name = "Ji-woo Park"
phone = "+821012345678"
on_duty = ["mon-fri 08:00-18:00"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "eldercare.toml"
    path.write_text(text)
    return path


def test_good_file_loads_into_typed_sections(tmp_path):
    cfg = load_config(write(tmp_path, GOOD))
    assert cfg.household.name == "Mrs Kim, 12 Oak Lane"
    assert cfg.store.retention_days == 120
    assert cfg.mqtt.port == 1884 and cfg.mqtt.devices[0].room == "hall"
    assert cfg.gpio.sensors[0].channel == 0
    assert cfg.alerts.contacts[0].on_duty == ("mon-fri 08:00-18:00",)
    assert cfg.source == str(tmp_path / "eldercare.toml")


def test_defaults_need_no_file():
    cfg = Config()
    assert cfg.store.retention_days == 90
    assert not cfg.mqtt.enabled


@pytest.mark.parametrize(("text", "key", "expected"), [
    ("[mqtt]\nprot = 1883\n", "mqtt.prot", "unknown key"),
    ("[mqtt]\nport = '1883'\n", "mqtt.port", "expected a whole number"),
    ("[store]\nretention_days = 0\n", "store.retention_days", ">= 1"),
    ("[detection]\ninactivity_budget_per_30d = 0\n", "detection.inactivity_budget_per_30d", "above 0"),
    ("[alerts]\nladder_rounds = 0\n", "alerts.ladder_rounds", "from 1 to 10"),
    ("[household]\ntimezone = 'Europe/Londn'\n", "household.timezone", "unknown time zone"),
    ("[office]\ntimezone = 'Asia/Sel'\n", "office.timezone", "unknown time zone"),
    ("[detection]\ntick_seconds = 0\n", "detection.tick_seconds", "from 1 to 120"),
    ("[detection]\ntick_seconds = 1800\n", "detection.tick_seconds", "from 1 to 120"),
    ("[office]\nhub_offline_after_minutes = 3\n", "office.hub_offline_after_minutes", ">= 6 (three of"),
    ("[office]\ntick_seconds = 600\n", "office.tick_seconds", "from 1 to 120"),
    ("[uplink]\nenabled = true\nport = 88830\n", "uplink.port", "TCP port 1-65535"),
    ("[mqtt]\nenabled = true\nkeepalive = -1\n", "mqtt.keepalive", "from 5 to 65535"),
    ("[uplink]\nenabled = true\ntls_ca = '/nonexistent/office-ca.crt'\n", "uplink.tls_ca", "no CA certificate"),
    ("[alerts]\nall_clear_stops_ladder = 'no'\n", "alerts.all_clear_stops_ladder", "true or false"),
    ("[panel]\ntrusted_proxy = 'localhost'\n", "panel.trusted_proxy", "IP address"),
    ("[[mqtt.devices]]\ntopic='a'\nformat='zigbee'\nsensor='x'\n", "mqtt.devices[0].format", "zigbee2mqtt"),
    ("[[mqtt.devices]]\ntopic='a'\nformat='tasmota'\n", "mqtt.devices[0].sensor", "required"),
    ("[[mqtt.devices]]\ntopic='a'\nformat='zigbee2mqtt'\nsensor='lamp'\nkind='lamp'\n", "mqtt.devices[0].kind",
     "expected one of"),
    ("[[mqtt.devices]]\ntopic='zigbee2mqtt/pir'\nformat='zigbee2mqtt'\nsensor='hall'\n"
     "[[mqtt.devices]]\ntopic='zigbee2mqtt/pir'\nformat='zigbee2mqtt'\nsensor='landing'\n", "mqtt.devices[1].topic",
     "already the topic of mqtt.devices[0]"),
    ("[[gpio.sensors]]\ntype='motion'\nsensor='pir'\npin=40\n", "gpio.sensors[0].pin", "0-27"),
    ("[household]\nname = 3\n", "household.name", "expected a string"),
    ("[mqtt]\nenabled = 'yes'\n", "mqtt.enabled", "true or false"),
    ("[[gpio.sensors]]\ntype='motion'\nsensor='a'\npin=4\n[[gpio.sensors]]\ntype='motion'\nsensor='a'\npin=5\n",
     "sensor", "repeated: a"),
])
def test_bad_value_names_file_key_and_expectation(tmp_path, text, key, expected):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.key == key
    assert str(path) in str(info.value)
    assert expected in str(info.value)


def test_invalid_toml_and_missing_file_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "[mqtt\n"))
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.toml")


def test_secrets_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "s3cret")
    assert secret(Config().alerts.twilio_token_env) == "s3cret"
    assert secret("ELDERCARE_UNSET_FOR_TEST") == ""


def test_the_shipped_example_config_loads():
    example = Path(__file__).resolve().parents[2] / "deploy" / "eldercare.example.toml"
    cfg = load_config(example)
    assert cfg.household.id == "kim-12"
    assert [s.type for s in cfg.gpio.sensors] == ["motion", "contact", "power"]
    assert {d.format for d in cfg.mqtt.devices} == {"zigbee2mqtt", "tasmota", "shelly_gen1"}
    assert [c.role for c in cfg.alerts.contacts] == ["social_worker", "backup", "supervisor"]
