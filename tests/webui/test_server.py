"""The panel served by waitress in its own thread: port 0, stop, cookie and secret-key settings."""
from __future__ import annotations

import logging
import urllib.request

from hub.config import PanelConfig
from webui.app import create_app
from webui.server import PanelServer


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

