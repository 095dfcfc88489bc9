"""Typed configuration, loaded once from one TOML file and passed to whoever needs it.

Every section is a frozen dataclass. :func:`load_config` rejects unknown keys and wrongly typed
values with a :class:`~hub.errors.ConfigError` naming the file, the key path (``mqtt.devices[2].room``)
and what was expected. Secrets never live in the file: a setting ending in ``_env`` names the
environment variable that holds the secret, read with :func:`secret`.

``eldercare demo`` needs no file at all: :func:`demo_config` builds one in memory.
"""
from __future__ import annotations

import dataclasses
import ipaddress
import os
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hub.errors import ConfigError
from hub.events import KINDS


# --------------------------------------------------------------------------- sections

@dataclass(frozen=True)
class HouseholdConfig:
    """Who lives here. ``name`` is how alerts and the panel refer to the home."""

    id: str = "home"
    name: str = "Home"
    timezone: str = "Europe/London"


@dataclass(frozen=True)
class StoreConfig:
    """Where the hub keeps its SQLite file and how long raw events stay."""

    path: str = "eldercare.sqlite"
    retention_days: int = 90


@dataclass(frozen=True)
class DeviceConfig:
    """One MQTT device mapped to a sensor, a kind and a room.

    ``format`` is one of ``zigbee2mqtt``, ``tasmota``, ``shelly_gen1``, ``shelly_gen2``, ``native``.
    ``topic`` is the device's base topic (``zigbee2mqtt/hall_pir``, ``tele/kettle``,
    ``shellies/shellyplug-s-ABC``, ``shellyplus1pm-XYZ``, ``eldercare/home/sensor/bed``).
    ``on_watts`` turns a power reading into appliance on/off events.
    """

    topic: str
    format: str
    sensor: str
    kind: str = "motion"
    room: str = ""
    on_watts: float = 10.0


@dataclass(frozen=True)
class MqttConfig:
    """The local broker the household's devices publish to."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = 1883
    client_id: str = "eldercare-hub"
    username: str = ""
    password_env: str = "ELDERCARE_MQTT_PASSWORD"
    tls_ca: str = ""
    keepalive: int = 60
    devices: tuple[DeviceConfig, ...] = ()


@dataclass(frozen=True)
class GpioSensorConfig:
    """One sensor wired to the Pi's GPIO header.

    ``type`` is ``motion`` (PIR on ``pin``), ``contact`` (reed switch on ``pin`` to GND),
    ``light`` (LDR + capacitor on ``pin``) or ``power`` (current clamp on MCP3008 ``channel``).
    """

    type: str
    sensor: str
    room: str = ""
    pin: int = -1
    channel: int = -1
    threshold: float = 0.1
    on_watts: float = 30.0
    amps_per_volt: float = 30.0
    mains_volts: float = 230.0
    sample_every_s: float = 10.0


@dataclass(frozen=True)
class GpioConfig:
    """The sensors wired to this hub's GPIO pins."""

    enabled: bool = False
    pin_factory: str = ""
    sensors: tuple[GpioSensorConfig, ...] = ()


@dataclass(frozen=True)
class UplinkConfig:
    """The office broker that receives alerts, hourly summaries and the heartbeat."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = 1883
    client_id: str = ""
    username: str = ""
    password_env: str = "ELDERCARE_UPLINK_PASSWORD"
    tls_ca: str = ""
    max_inflight: int = 1000


#: the default false-alert budget, and the most a care organisation may set
INACTIVITY_BUDGET_PER_30D, MAX_INACTIVITY_BUDGET_PER_30D = 2.0, 30.0
#: the longest tick of a hub or an office (seconds): alerts, escalations and heartbeats wait for it
MAX_TICK_SECONDS = 120
#: the office calls a hub offline after no fewer than three of its longest heartbeat intervals
MIN_HUB_OFFLINE_MINUTES = 3 * MAX_TICK_SECONDS // 60


def inactivity_budget_problem(value: float) -> str | None:
    """What is wrong with ``value`` as ``detection.inactivity_budget_per_30d``, or None."""
    if 0 < value <= MAX_INACTIVITY_BUDGET_PER_30D:
        return None
    return f"expected a number of false alerts a month above 0 and at most {MAX_INACTIVITY_BUDGET_PER_30D:g}"


@dataclass(frozen=True)
class DetectionConfig:
    """How the routine is learned and when deviations are raised."""

    enabled: bool = True
    model_dir: str = "models"
    retrain_at: str = "03:15"
    tick_seconds: int = 60
    #: false inactivity alerts a month the care organisation accepts per home: its one detection
    #: setting, the same for every home (everything else is learned); fewer means later alerts
    inactivity_budget_per_30d: float = INACTIVITY_BUDGET_PER_30D


@dataclass(frozen=True)
class ContactConfig:
    """One person on a household's alert ladder."""

    name: str
    phone: str
    role: str = "social_worker"
    #: on-duty windows like ``"mon-fri 08:00-18:00"``; empty means always on duty
    on_duty: tuple[str, ...] = ()


@dataclass(frozen=True)
class AlertsConfig:
    """Who is told about alerts and how messages are sent."""

    enabled: bool = True
    twilio_account_sid: str = ""
    twilio_token_env: str = "TWILIO_AUTH_TOKEN"
    twilio_from: str = ""
    api_base: str = "https://api.twilio.com"
    status_callback_url: str = ""
    quiet_hours: str = "22:00-08:00"
    escalate_after_minutes: dict[str, int] = field(
        default_factory=lambda: {"critical": 15, "high": 30, "medium": 120, "low": 720})
    #: times an alert about the resident goes up the whole ladder while nobody takes it (a technical
    #: alert goes up once); after the last round only the panel shows it
    ladder_rounds: int = 3
    #: the all clear (the resident seen again, the appliance off) stops the ladder; false keeps an
    #: alert about the resident going up it until a person takes it, all clear or not
    all_clear_stops_ladder: bool = True
    contacts: tuple[ContactConfig, ...] = ()


@dataclass(frozen=True)
class PanelConfig:
    """The caseworkers' web panel."""

    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = 8080
    secret_key_env: str = "ELDERCARE_SECRET_KEY"
    #: mark session cookies Secure: set when the panel is reached over HTTPS (e.g. behind a TLS proxy)
    secure_cookies: bool = False
    #: the address of the reverse proxy in front of the panel (e.g. "127.0.0.1"): its X-Forwarded-For,
    #: -Proto, -Host and -Port are then trusted, so the panel sees each client's address and the public
    #: https URL that Twilio signs. Empty: no proxy, forwarded headers are ignored
    trusted_proxy: str = ""


@dataclass(frozen=True)
class OfficeConfig:
    """The office role: the broker the hubs' uplinks publish to, and when a silent hub counts as offline."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = 1883
    client_id: str = "eldercare-office"
    username: str = ""
    password_env: str = "ELDERCARE_OFFICE_PASSWORD"
    tls_ca: str = ""
    #: a hub whose status is "offline", or that has sent nothing, for this long is reported offline
    hub_offline_after_minutes: int = 20
    #: how often the office escalates alerts, sends SMS and checks the hubs
    tick_seconds: int = 60
    #: the office's IANA time zone (its city's): quiet hours, on-duty windows and the times it
    #: stamps are told in it; empty: the server's own zone (a cloud server is often on UTC)
    timezone: str = ""


@dataclass(frozen=True)
class Config:
    """The whole configuration; ``source`` is the file it came from (for messages)."""

    household: HouseholdConfig = HouseholdConfig()
    store: StoreConfig = StoreConfig()
    mqtt: MqttConfig = MqttConfig()
    gpio: GpioConfig = GpioConfig()
    uplink: UplinkConfig = UplinkConfig()
    detection: DetectionConfig = DetectionConfig()
    alerts: AlertsConfig = AlertsConfig()
    panel: PanelConfig = PanelConfig()
    office: OfficeConfig = OfficeConfig()
    source: str = field(default="<built-in defaults>", metadata={"internal": True})

    @property
    def timezone(self) -> str | None:
        """The zone this program tells the time in: the office's for an office, else the home's
        (``None``: the machine's own)."""
        if self.office.enabled:
            return self.office.timezone or None
        return self.household.timezone


# --------------------------------------------------------------------------- loading

def load_config(path: str | os.PathLike[str]) -> Config:
    """Read and check a TOML config file; raise :class:`ConfigError` naming what is wrong."""
    path = Path(path)
    try:
        with path.open("rb") as f:
            raw = tomllib.load(f)
    except FileNotFoundError as err:
        raise ConfigError(str(path), "", "file not found") from err
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(str(path), "", f"not valid TOML: {err}") from err
    except OSError as err:
        raise ConfigError(str(path), "", f"cannot read: {err.strerror}") from err
    return config_from_dict(raw, source=str(path))


def config_from_dict(raw: dict, source: str = "<dict>") -> Config:
    """Build a :class:`Config` from parsed TOML, checking every key and value."""
    cfg = _build(Config, raw, source, "")
    cfg = dataclasses.replace(cfg, source=source)
    _check(cfg)
    return cfg


def secret(env_name: str) -> str:
    """The value of a secret's environment variable, or ``""`` when it is not set."""
    return os.environ.get(env_name, "") if env_name else ""


_VALID = {
    "mqtt.devices[].format": {"zigbee2mqtt", "tasmota", "shelly_gen1", "shelly_gen2", "native"},
    "gpio.sensors[].type": {"motion", "contact", "light", "power"},
}


def _check(cfg: Config) -> None:
    """Checks that need more than a type: allowed words, positive numbers, unique names."""
    topics: dict[str, int] = {}
    for i, dev in enumerate(cfg.mqtt.devices):
        if dev.format not in _VALID["mqtt.devices[].format"]:
            raise ConfigError(cfg.source, f"mqtt.devices[{i}].format",
                              f"got {dev.format!r}, expected one of {sorted(_VALID['mqtt.devices[].format'])}")
        if dev.kind not in KINDS:
            raise ConfigError(cfg.source, f"mqtt.devices[{i}].kind",
                              f"got {dev.kind!r}, expected one of {sorted(KINDS)}")
        # one base topic, one device: the router would keep only the last and the other stay silent
        base = dev.topic.removeprefix("tele/") if dev.format == "tasmota" else dev.topic
        if base in topics:
            raise ConfigError(cfg.source, f"mqtt.devices[{i}].topic",
                              f"{dev.topic!r} is already the topic of mqtt.devices[{topics[base]}]")
        topics[base] = i
    for i, s in enumerate(cfg.gpio.sensors):
        key = f"gpio.sensors[{i}]"
        if s.type not in _VALID["gpio.sensors[].type"]:
            raise ConfigError(cfg.source, f"{key}.type",
                              f"got {s.type!r}, expected one of {sorted(_VALID['gpio.sensors[].type'])}")
        if s.type == "power" and not 0 <= s.channel <= 7:
            raise ConfigError(cfg.source, f"{key}.channel", "a power sensor needs an MCP3008 channel 0-7")
        if s.type != "power" and not 0 <= s.pin <= 27:
            raise ConfigError(cfg.source, f"{key}.pin", "expected a BCM GPIO pin number 0-27")
    zones = {"household.timezone": cfg.household.timezone}
    if cfg.office.timezone:  # empty: the server's own zone
        zones["office.timezone"] = cfg.office.timezone
    for key, zone in zones.items():
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ConfigError(cfg.source, key, f"unknown time zone {zone!r}; expected e.g. Europe/London") from None
    if not 1 <= cfg.detection.tick_seconds <= MAX_TICK_SECONDS:
        # time-based alerts, escalations, SMS retries and the heartbeat to the office wait for the tick
        raise ConfigError(cfg.source, "detection.tick_seconds",
                          f"expected a whole number of seconds from 1 to {MAX_TICK_SECONDS}")
    for name in ("mqtt", "uplink", "office", "panel"):
        section = getattr(cfg, name)
        if not 1 <= section.port <= 65535:
            raise ConfigError(cfg.source, f"{name}.port", f"got {section.port}, expected a TCP port 1-65535")
        tls_ca = getattr(section, "tls_ca", "")
        if section.enabled and tls_ca and not Path(tls_ca).is_file():
            raise ConfigError(cfg.source, f"{name}.tls_ca", f"no CA certificate file at {tls_ca!r}")
    if not 5 <= cfg.mqtt.keepalive <= 65535:
        raise ConfigError(cfg.source, "mqtt.keepalive", "expected a whole number of seconds from 5 to 65535")
    if not 1 <= cfg.uplink.max_inflight <= 65535:
        raise ConfigError(cfg.source, "uplink.max_inflight", "expected a whole number from 1 to 65535")
    if cfg.store.retention_days < 1:
        raise ConfigError(cfg.source, "store.retention_days", "expected a whole number of days >= 1")
    if not 1 <= cfg.alerts.ladder_rounds <= 10:
        raise ConfigError(cfg.source, "alerts.ladder_rounds", "expected a whole number of rounds from 1 to 10")
    if cfg.panel.trusted_proxy and not _is_ip(cfg.panel.trusted_proxy):
        # waitress compares the peer's address with it as written: a host name would never match
        raise ConfigError(cfg.source, "panel.trusted_proxy", "expected the proxy's IP address, e.g. \"127.0.0.1\"")
    if cfg.office.hub_offline_after_minutes < MIN_HUB_OFFLINE_MINUTES:
        # hubs send a heartbeat every tick: one lost on the way must not call a hub offline
        raise ConfigError(cfg.source, "office.hub_offline_after_minutes",
                          f"expected a whole number of minutes >= {MIN_HUB_OFFLINE_MINUTES} (three of the "
                          f"longest heartbeat interval a hub can have, detection.tick_seconds <= {MAX_TICK_SECONDS})")
    problem = inactivity_budget_problem(cfg.detection.inactivity_budget_per_30d)
    if problem:
        raise ConfigError(cfg.source, "detection.inactivity_budget_per_30d", problem)
    if not 1 <= cfg.office.tick_seconds <= MAX_TICK_SECONDS:
        raise ConfigError(cfg.source, "office.tick_seconds",
                          f"expected a whole number of seconds from 1 to {MAX_TICK_SECONDS}")
    names = [d.sensor for d in cfg.mqtt.devices] + [s.sensor for s in cfg.gpio.sensors]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(cfg.source, "sensor", f"sensor names must be unique; repeated: {', '.join(dupes)}")


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _type_name(tp) -> str:
    return getattr(tp, "__name__", None) or str(tp).replace("typing.", "")


def _build(cls, raw, source: str, path: str):
    """Turn a TOML table into dataclass ``cls``, rejecting unknown keys with their path."""
    if not isinstance(raw, dict):
        raise ConfigError(source, path or "<top>", f"expected a table, got {type(raw).__name__}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if not f.metadata.get("internal")}
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        key = f"{path}.{unknown[0]}" if path else unknown[0]
        raise ConfigError(source, key, f"unknown key; expected one of {', '.join(sorted(fields))}")
    kwargs = {}
    for name, value in raw.items():
        key = f"{path}.{name}" if path else name
        kwargs[name] = _coerce(hints[name], value, source, key)
    missing = [n for n, f in fields.items()
               if n not in kwargs and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    if missing:
        key = f"{path}.{missing[0]}" if path else missing[0]
        raise ConfigError(source, key, "required key is missing")
    return cls(**kwargs)


def _coerce(tp, value, source: str, key: str):
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        return _build(tp, value, source, key)
    if origin is tuple:
        (item_tp, _ellipsis) = typing.get_args(tp)
        if not isinstance(value, list):
            raise ConfigError(source, key, f"expected a list, got {type(value).__name__}")
        return tuple(_coerce(item_tp, v, source, f"{key}[{i}]") for i, v in enumerate(value))
    if origin is dict:
        key_tp, val_tp = typing.get_args(tp)
        if not isinstance(value, dict):
            raise ConfigError(source, key, f"expected a table, got {type(value).__name__}")
        return {k: _coerce(val_tp, v, source, f"{key}.{k}") for k, v in value.items()}
    if origin in (typing.Union, types.UnionType):
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(source, key, f"expected a number, got {value!r}")
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(source, key, f"expected a whole number, got {value!r}")
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(source, key, f"expected true or false, got {value!r}")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(source, key, f"expected a string, got {value!r}")
        return value
    raise ConfigError(source, key, f"unsupported setting type {_type_name(tp)}")
