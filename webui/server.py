"""Serve the panel with waitress in its own daemon thread, apart from monitoring and alerting.

The composition root starts it; if the panel crashes, the thread logs it and ends while the hub
keeps running. ``port=0`` binds a free port, readable from :attr:`PanelServer.port` after
:meth:`start`::

    server = PanelServer(create_app(config, store=store, clock=clock, alerts=service), "127.0.0.1", 0)
    server.start()
    ...
    server.stop()
"""
from __future__ import annotations

import logging
import threading

from flask import Flask
from waitress import create_server
from waitress import wasyncore

from hub.errors import PanelServerError

log = logging.getLogger(__name__)



class PanelServer:
    """A waitress server for ``app`` on ``host``:``port`` running in a daemon thread."""

    def __init__(self, app: Flask, host: str = "127.0.0.1", port: int = 8080, *, threads: int = 4,
                 trusted_proxy: str = "") -> None:
        self.app = app
        self._trusted_proxy = trusted_proxy
        self.host = host
        self._requested_port = port
        self._threads = threads
        self._server = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The port actually bound (known once started)."""
        if self._server is None:
            raise PanelServerError("the panel server is not running")
        return int(self._server.effective_port)

    @property
    def url(self) -> str:
        """The base address, e.g. ``http://127.0.0.1:8080``."""
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        """Whether the serving thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Bind the socket (errors raised here, as :class:`~hub.errors.PanelServerError`) and serve in a daemon thread."""
        if self.running:
            return
        try:
            proxy = {"trusted_proxy": self._trusted_proxy, "trusted_proxy_count": 1,
                     "trusted_proxy_headers": "x-forwarded-for x-forwarded-proto x-forwarded-host x-forwarded-port"
                     } if self._trusted_proxy else {}
            self._server = create_server(self.app, host=self.host, port=self._requested_port,
                                         threads=self._threads, ident="eldercare", **proxy)
        except OSError as err:
            raise PanelServerError(f"cannot serve the panel on {self.host}:{self._requested_port}: {err}") from err
        self._thread = threading.Thread(target=self._serve, name="panel-server", daemon=True)
        self._thread.start()
        log.info("panel serving on %s", self.url)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop accepting, finish or drop requests in progress, and end the thread (bounded by ``timeout``)."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        # close the sockets from inside the serving loop, so no other thread touches its map
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        thread.join(timeout)
        server.task_dispatcher.shutdown(timeout=timeout)
        if thread.is_alive():
            log.warning("panel server thread did not stop within %.1f s", timeout)
        self._thread = None
        self._server = None

    def __enter__(self) -> PanelServer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _serve(self) -> None:
        try:
            self._server.run()
        except Exception:  # the panel must never take the hub down with it
            log.exception("panel server stopped with an error; monitoring and alerting continue")


def start_panel(config, *, store, clock, alerts=None) -> PanelServer | None:
    """Build and start the panel for a hub or office; ``None`` (logged) if it cannot start.

    The panel is for people: monitoring and alerting must go on without it, so no error here
    reaches the caller.
    """
    try:
        from webui.app import create_app
        app = create_app(config, store=store, clock=clock, alerts=alerts)
        server = PanelServer(app, config.panel.host, config.panel.port, trusted_proxy=config.panel.trusted_proxy)
        server.start()
    except Exception:
        log.exception("the panel could not start; monitoring and alerting continue without it")
        return None
    log.info("panel at %s", server.url)
    return server
