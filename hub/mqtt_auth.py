"""How every eldercare MQTT client reaches its broker: credentials from the environment, optional
TLS, and a bounded reconnect back-off. One place, so the local ingest, the uplink and the office
receiver connect the same way."""
from __future__ import annotations

from typing import Protocol

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from hub.config import secret


class BrokerSettings(Protocol):
    """The connection settings shared by the [mqtt], [uplink] and [office] sections."""

    username: str
    password_env: str
    tls_ca: str


def persistent_client(client_id: str, settings: BrokerSettings, *, max_reconnect_delay: int,
                      manual_ack: bool = False) -> mqtt.Client:
    """A client with a persistent session (the broker keeps its queue while it is away), with the
    credentials, TLS and reconnect back-off of ``settings``; the caller adds its callbacks."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False,
                         manual_ack=manual_ack)
    if settings.username:
        client.username_pw_set(settings.username, secret(settings.password_env) or None)
    if settings.tls_ca:
        client.tls_set(ca_certs=settings.tls_ca)
    client.reconnect_delay_set(min_delay=1, max_delay=max_reconnect_delay)
    return client
