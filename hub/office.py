"""The office's receiver: many hubs' uplink messages in, committed office state out, acked after.

:class:`OfficeReceiver` subscribes (QoS 1, persistent session, fixed client id, paho-mqtt 2.x
``manual_ack``) to what every hub's :class:`hub.uplink.Uplink` publishes::

    eldercare/+/alert    -> AlertService.handle (raise, route, SMS)
    eldercare/+/summary  -> the core ``summaries`` (and ``daily_summaries``) tables, for the panel
    eldercare/+/health   -> ``office_sensor_health`` (the panel's sensor table on the office)
    eldercare/+/status   -> ``hub_status`` (retained heartbeat / last will "offline")

A message is acknowledged to the broker only after its effect is committed, so an office crash
loses nothing: the broker redelivers what was not acknowledged when the office reconnects.

**Exactly once.** Alert, summary and health messages carry a unique ``"id"``; applied ids are kept
in ``office_received``. A summary or health message and its id are committed in one transaction.
An alert goes through the alert service's own transactions first and its id is recorded after,
so a crash between the two can bring the alert back once; the alert book then finds the same
condition still open and does not raise it again.

**Trust the topic.** Per-hub broker credentials with an ACL like ``pattern write eldercare/%u/#``
make the topic's household the authenticated one, so a payload naming another household is
rejected rather than believed.

**Bad input.** A payload that is not what its topic promises is kept in the store's ``quarantine``
with the reason, counted in :attr:`OfficeReceiver.stats`, logged once per topic, and acknowledged
so it cannot come back. A store failure is logged and the message is *not* acknowledged: the
broker delivers it again on the next connection.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt

from hub.alert import Alert, AllClear
from hub.clock import Clock, utc
from hub.config import Config
from hub.counters import KeyedCounters
from hub.mqtt_auth import persistent_client
from hub.errors import DecodeError, NotFoundError
from hub.events import format_time
from hub.office_state import OFFICE_MIGRATIONS
from hub.store import Store

log = logging.getLogger(__name__)

#: what the office subscribes to (``+`` is the household)
TOPICS = ("eldercare/+/alert", "eldercare/+/summary", "eldercare/+/health", "eldercare/+/status")
#: applied message ids are remembered this long (a hub resends from its outbox after a restart)
REMEMBER_IDS = dt.timedelta(days=30)



@dataclass
class KindStats:
    """What arrived on one kind of topic: messages, applied, repeats dropped, payloads rejected."""

    messages: int = 0
    applied: int = 0
    duplicates: int = 0
    rejected: int = 0


class ReceiverStats(KeyedCounters[KindStats]):
    """Thread-safe counters per topic kind (``alert``, ``summary``, ``health``, ``status``)."""

    def __init__(self) -> None:
        super().__init__(KindStats)

    def add(self, kind: str, outcome: str) -> None:
        """Count one message of ``kind`` with ``outcome`` (applied, duplicates, rejected)."""
        with self._lock:
            s = self._row(kind)
            s.messages += 1
            setattr(s, outcome, getattr(s, outcome) + 1)


class OfficeReceiver:
    """Receives every hub's uplink and applies it to the office store and the alert service::

        receiver = OfficeReceiver(cfg, store, SystemClock(), alert_service)
        receiver.start()        # connects in the background, reconnects by itself
        ...
        receiver.stop()

    ``config.office`` says where the office broker is. ``alerts`` is the
    :class:`alerts.service.AlertService` that raises and routes the hubs' alerts.
    """

    def __init__(self, config: Config, store: Store, clock: Clock, alerts: Any) -> None:
        self.config = config
        self.office = config.office
        self.store = store
        self.clock = clock
        self.alerts = alerts
        self.stats = ReceiverStats()
        self.connected = threading.Event()
        #: since when the office has heard everything the hubs published (its session unbroken);
        #: a hub cannot be called silent for longer than the office has been listening
        self.listening_since: dt.datetime | None = None
        store.migrate("office", OFFICE_MIGRATIONS)
        self._warned: set[str] = set()
        self._subscribe_mid = -1
        self._handlers: dict[str, Callable[[str, dict, mqtt.MQTTMessage, dt.datetime], str]] = {
            "alert": self._apply_alert,
            "summary": self._apply_summary,
            "health": self._apply_health,
            "status": self._apply_status,
        }
        self._client = self._make_client()

    def _make_client(self) -> mqtt.Client:
        client = persistent_client(self.office.client_id, self.office, max_reconnect_delay=60, manual_ack=True)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        return client

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Connect in the background; paho reconnects by itself while the broker is away."""
        self._client.connect_async(self.office.host, self.office.port, keepalive=60)
        self._client.loop_start()

    def wait_connected(self, timeout: float) -> bool:
        """Block until the broker has confirmed the subscriptions (or ``timeout`` seconds)."""
        return self.connected.wait(timeout)

    def stop(self) -> None:
        """Disconnect; whatever was not yet acknowledged is redelivered on the next start."""
        self._client.disconnect()
        self._client.loop_stop()
        self.connected.clear()

    def forget_received(self, now: dt.datetime) -> int:
        """Drop remembered message ids older than :data:`REMEMBER_IDS`; return how many."""
        with self.store.transaction() as conn:
            return conn.execute("DELETE FROM office_received WHERE received < ?",
                                (format_time(now - REMEMBER_IDS),)).rowcount

    # ------------------------------------------------------------------ paho callbacks (loop thread)

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            log.error("office broker %s:%d refused the connection: %s", self.office.host, self.office.port,
                      reason_code)
            return
        log.info("office receiver connected to %s:%d (session %s)", self.office.host, self.office.port,
                 "resumed" if flags.session_present else "new")
        if not flags.session_present:  # a new session: what the hubs published before now is lost to us
            self.listening_since = None
        result, self._subscribe_mid = client.subscribe([(t, 1) for t in TOPICS])
        if result != mqtt.MQTT_ERR_SUCCESS:
            log.error("could not subscribe to the hubs' topics: %s", mqtt.error_string(result))

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        if mid != self._subscribe_mid:
            return
        refused = [t for t, rc in zip(TOPICS, reason_codes) if rc.is_failure]
        if refused:  # e.g. the broker's ACL does not let this account read them
            log.error("the office broker refused the subscriptions %s: nothing from those hubs will arrive",
                      ", ".join(refused))
            return
        if self.listening_since is None:
            self.listening_since = self.clock.now()
        self.connected.set()  # only now: a message published before the SUBACK might not be delivered

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self.connected.clear()
        if reason_code != 0:
            log.warning("office receiver lost the broker (%s); reconnecting", reason_code)

    def _on_message(self, client, userdata, msg: mqtt.MQTTMessage) -> None:
        # never let an exception out: paho would stop its loop thread
        try:
            done = self.receive(msg)
        except Exception:
            log.exception("message on %s not applied; the broker will deliver it again", msg.topic)
            return
        if done:
            client.ack(msg.mid, msg.qos)

    # ------------------------------------------------------------------ applying messages

    def receive(self, msg: mqtt.MQTTMessage) -> bool:
        """Apply one message; True when it may be acknowledged (applied, a repeat, or quarantined).

        Raises (and so is not acknowledged) only when the store cannot be written.
        """
        now = self.clock.now()
        parts = msg.topic.split("/")
        what = parts[2] if len(parts) == 3 else ""
        handler = self._handlers.get(what)
        try:
            if handler is None or not parts[1]:
                raise DecodeError("not an uplink topic")
            body = _json_object(msg.payload)
            claimed = body.get("household")
            if claimed not in (None, "", parts[1]):
                raise DecodeError(f"payload names household {claimed!r}, topic is {parts[1]!r}")
            outcome = handler(parts[1], body, msg, now)
        except DecodeError as err:
            self._reject(msg, what or "unknown", str(err), now)
            return True
        self.stats.add(what, outcome)
        return True

    def _reject(self, msg: mqtt.MQTTMessage, what: str, reason: str, now: dt.datetime) -> None:
        self.store.quarantine(msg.topic, msg.payload, reason, now)
        self.stats.add(what, "rejected")
        if msg.topic not in self._warned:  # once per topic: a broken hub must not flood the log
            self._warned.add(msg.topic)
            log.warning("malformed message on %s quarantined: %s (further ones only counted)", msg.topic, reason)

    def _seen(self, conn, household: str, now: dt.datetime) -> None:
        """Any message proves the hub was there: move its last_seen forward (never back)."""
        self._met(conn, household, "online", now)
        self._heard(conn, household, now)

    def _stamps(self, when: dt.datetime) -> tuple[str, str]:
        """``when`` (office clock) as a hub_status time column pair: wall-clock text, and UTC text."""
        return format_time(when), format_time(utc(when, self.clock.zone))

    def _met(self, conn, household: str, state: str, when: dt.datetime) -> None:
        """A hub first heard at ``when``, saying ``state``: its hub_status row (none if it has one)."""
        t, t_utc = self._stamps(when)
        conn.execute("INSERT OR IGNORE INTO hub_status (household, state, since, last_seen, since_utc, last_seen_utc) "
                     "VALUES (?, ?, ?, ?, ?, ?)", (household, state, t, t, t_utc, t_utc))

    def _heard(self, conn, household: str, when: dt.datetime) -> None:
        """Move the hub's last_seen forward to ``when``, never back: compared in UTC, as the wall
        clock's 02:10 after the clocks went back is later than its 02:50 before."""
        t, t_utc = self._stamps(when)
        conn.execute("UPDATE hub_status SET last_seen=?, last_seen_utc=? WHERE household=? "
                     "AND (last_seen_utc IS NULL OR last_seen_utc < ?)", (t, t_utc, household, t_utc))

    def _claim(self, conn, msg_id: str, topic: str, now: dt.datetime) -> bool:
        """Record ``msg_id`` as applied; False when it already was."""
        cur = conn.execute("INSERT OR IGNORE INTO office_received (id, topic, received) VALUES (?, ?, ?)",
                           (msg_id, topic, format_time(now)))
        return cur.rowcount == 1

    def _apply_alert(self, household: str, body: dict, msg: mqtt.MQTTMessage, now: dt.datetime) -> str:
        msg_id = _message_id(body)
        if self.store.query("SELECT 1 FROM office_received WHERE id=?", (msg_id,)):
            return "duplicates"
        all_clear = bool(body.get("all_clear"))  # the news that an alert's condition is over
        try:
            told = (AllClear if all_clear else Alert).from_json({**body, "household": household})
        except (KeyError, ValueError, TypeError, AttributeError) as err:
            raise DecodeError(f"not an alert: {err!r}") from err
        self._know_household(household)
        if all_clear:
            self.alerts.all_clear(told)
        elif self.alerts.handle(told) is None:
            log.info("alert %s of %s: that condition is already open", told.condition, household)
        with self.store.transaction() as conn:
            self._claim(conn, msg_id, msg.topic, now)
            self._seen(conn, household, now)
        return "applied"

    def _apply_summary(self, household: str, body: dict, msg: mqtt.MQTTMessage, now: dt.datetime) -> str:
        msg_id = _message_id(body)
        hourly = [_summary_row(household, r) for r in _list(body, "rows")]
        daily = [_daily_row(household, r) for r in _list(body, "days", required=False)]
        self._know_household(household)
        with self.store.transaction() as conn:
            if not self._claim(conn, msg_id, msg.topic, now):
                return "duplicates"
            self.store.put_summaries(hourly, conn)
            self.store.put_daily_summaries(daily, conn)
            self._seen(conn, household, now)
        return "applied"

    def _apply_health(self, household: str, body: dict, msg: mqtt.MQTTMessage, now: dt.datetime) -> str:
        msg_id = _message_id(body)
        reported = _iso_time(body.get("time"), "time") if body.get("time") else now
        rows = [_health_row(household, r, reported) for r in _list(body, "sensors")]
        with self.store.transaction() as conn:
            if not self._claim(conn, msg_id, msg.topic, now):
                return "duplicates"
            self._seen(conn, household, now)
            newest = conn.execute("SELECT max(updated) FROM office_sensor_health WHERE household=?",
                                  (household,)).fetchone()[0]
            if newest and newest > format_time(reported):
                log.info("health report of %s from %s is older than the one kept; ignored", household, reported)
                return "applied"
            # the hub lists every sensor it knows: a sensor it no longer lists is gone
            conn.execute("DELETE FROM office_sensor_health WHERE household=?", (household,))
            conn.executemany("INSERT INTO office_sensor_health (household, sensor, kind, room, last_seen, battery, "
                             "online, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        return "applied"

    def _apply_status(self, household: str, body: dict, msg: mqtt.MQTTMessage, now: dt.datetime) -> str:
        state = body.get("state")
        if state not in ("online", "offline"):
            raise DecodeError(f"status state {state!r} is not online or offline")
        seen = now
        if msg.retain:  # a retained message delivered on subscribing: news from when it was sent, not now
            reported = _iso_time(body["time"], "time") if body.get("time") else None
            seen = min(reported, now) if reported else None  # a last will carries no time
        with self.store.transaction() as conn:
            row = conn.execute("SELECT state, last_seen, last_seen_utc FROM hub_status WHERE household=?",
                               (household,)).fetchone()
            if row is None:
                self._met(conn, household, state, seen or now)
            elif row["state"] != state:
                if msg.retain and (seen is None or self._heard_since(row, seen)):
                    return "applied"  # a retained state older than what was heard since
                conn.execute("UPDATE hub_status SET state=?, since=?, since_utc=? WHERE household=?",
                             (state, *self._stamps(seen), household))
                self._heard(conn, household, seen)
                log.info("hub of %s is %s", household, state)
            elif seen is not None:
                self._heard(conn, household, seen)
        if row is None:
            self._know_household(household)
        return "applied"

    def _heard_since(self, row, when: dt.datetime) -> bool:
        """Whether the hub of ``row`` (its hub_status) was heard at or after ``when``."""
        t, t_utc = self._stamps(when)
        if row["last_seen_utc"] is None:  # a row from before office schema 2
            return t <= row["last_seen"]
        return t_utc <= row["last_seen_utc"]

    def _know_household(self, household: str) -> None:
        """A hub the office has not met yet appears in the directory under its id, so the panel lists it
        and an administrator can name it and give it a ladder."""
        directory = self.alerts.directory
        try:
            directory.household(household)
        except NotFoundError:
            from alerts.directory import Household
            directory.upsert_household(Household(household, household))
            log.info("new hub %s added to the directory; give it a name and a ladder in the panel", household)


# --------------------------------------------------------------------------- payload checks

def _json_object(payload: bytes) -> dict:
    try:
        body = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise DecodeError(f"not JSON: {err}") from err
    if not isinstance(body, dict):
        raise DecodeError(f"expected a JSON object, got {type(body).__name__}")
    return body


def _message_id(body: dict) -> str:
    msg_id = body.get("id")
    if not isinstance(msg_id, str) or not msg_id:
        raise DecodeError('no message "id"')
    return msg_id


def _list(body: dict, key: str, *, required: bool = True) -> list:
    value = body.get(key)
    if value is None and not required:
        return []
    if not isinstance(value, list):
        raise DecodeError(f'"{key}" must be a list')
    return value


def _iso_time(value: Any, key: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(value)
    except (TypeError, ValueError) as err:
        raise DecodeError(f'"{key}" is not an ISO time: {value!r}') from err


def _number(row: dict, key: str, default: float | None = None, *, whole: bool = False) -> float | int:
    """A number from ``row``; ``default`` when absent (required when ``default`` is None)."""
    if key not in row and default is not None:
        return default
    value = row.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (whole and not isinstance(value, int)):
        raise DecodeError(f'"{key}" must be a {"whole " if whole else ""}number, got {value!r}')
    return value


def _text(row: dict, key: str, default: str | None = None) -> str:
    value = row.get(key, default)
    if not isinstance(value, str):
        raise DecodeError(f'"{key}" must be text, got {value!r}')
    return value


def _summary_row(household: str, row: Any) -> tuple:
    if not isinstance(row, dict):
        raise DecodeError("a summary row must be an object")
    if row.get("household") not in (None, "", household):
        raise DecodeError(f"summary row of household {row.get('household')!r}")
    hour = _iso_time(row.get("hour"), "hour")
    return (household, format_time(hour), _text(row, "room", ""), _text(row, "kind"),
            _number(row, "events", whole=True), _number(row, "active_minutes", whole=True),
            float(_number(row, "energy_wh", 0.0)), _number(row, "light_on_minutes", 0, whole=True))


def _daily_row(household: str, row: Any) -> tuple:
    if not isinstance(row, dict):
        raise DecodeError("a daily summary must be an object")
    day = _iso_time(row.get("day"), "day").date()
    times = []
    for key in ("wake_time", "bed_time"):
        value = row.get(key)
        if value is not None and not isinstance(value, str):
            raise DecodeError(f'"{key}" must be text like 07:12 or null')
        times.append(value)
    return (household, day.isoformat(), *times, _number(row, "active_minutes", whole=True),
            _number(row, "night_active_minutes", whole=True), _number(row, "events", whole=True))


def _health_row(household: str, row: Any, reported: dt.datetime) -> tuple:
    if not isinstance(row, dict):
        raise DecodeError("a sensor health record must be an object")
    online = row.get("online")
    if online is not None and not isinstance(online, bool):
        raise DecodeError(f'"online" must be true, false or null, got {online!r}')
    battery = None if row.get("battery") is None else float(_number(row, "battery"))
    return (household, _text(row, "sensor"), _text(row, "kind", ""), _text(row, "room", ""),
            format_time(_iso_time(row.get("last_seen"), "last_seen")), battery,
            None if online is None else int(online), format_time(reported))
