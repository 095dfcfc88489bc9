"""A local HTTP server speaking Twilio's Messages API, for tests and the outage bench.

It answers what the real ``twilio`` library sends: ``POST /2010-04-01/Accounts/{sid}/Messages.json``
(form fields ``To``, ``From``, ``Body``, ``StatusCallback``) with Twilio's JSON message resource, and
``GET`` on the same path (filters ``To`` and ``From``) with a page of messages. Errors use Twilio's
body (``{"code": 21211, "message": ..., "more_info": ..., "status": 400}``). It checks HTTP Basic
auth against the account sid and token, records every request, and can be told to fail.
"""
from __future__ import annotations

import base64
import email.utils
import itertools
import json
import os
import signal
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

ERRORS = {
    "429": (429, 20429, "Too Many Requests"),
    "500": (500, 20500, "Internal Server Error"),
    "503": (503, 20503, "Service Unavailable"),
    "invalid_number": (400, 21211, "The 'To' number is not a valid phone number."),
    "bad_credentials": (401, 20003, "Authenticate"),
}


@dataclass
class Recorded:
    """One request as the server saw it."""

    method: str
    path: str
    form: dict[str, str]
    query: dict[str, str]
    authorised: bool
    status: int = 0


@dataclass
class TwilioServer:
    """Twilio's Messages API on 127.0.0.1; ``base_url`` goes into ``AlertsConfig.api_base``."""

    account_sid: str = "AC" + "0" * 32
    auth_token: str = "test-token"
    port: int = 0
    requests: list[Recorded] = field(default_factory=list)
    messages: list[dict] = field(default_factory=list)
    #: failure kinds (keys of ERRORS) applied to the next creates, one each
    failures: deque = field(default_factory=deque)
    #: numbers that always get 21211
    invalid_numbers: set[str] = field(default_factory=set)
    #: SIGKILL this pid when the next create arrives: ("after_accept" | "before_accept", pid)
    kill_on_create: tuple[str, int] | None = None

    def __post_init__(self) -> None:
        self._sids = itertools.count(1)
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def creates(self) -> list[Recorded]:
        """The message-create requests received (whatever the answer was)."""
        return [r for r in self.requests if r.method == "POST" and r.path.endswith("/Messages.json")]

    def start(self) -> None:
        """Listen (on the same port as before after a stop)."""
        handler = type("Handler", (_Handler,), {"server_state": self})
        self._httpd = _Server(("127.0.0.1", self.port), handler)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop listening: clients now get "connection refused"."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(timeout=5)
            self._httpd = None

    def fail_next(self, kind: str, times: int = 1) -> None:
        """Answer the next ``times`` creates with the error ``kind`` (see ERRORS)."""
        self.failures.extend([kind] * times)

    def sent_to(self, phone: str) -> list[str]:
        """Bodies of messages accepted for ``phone``, in order."""
        return [m["body"] for m in self.messages if m["to"] == phone]

    # ------------------------------------------------------------------ behaviour

    def _authorised(self, header: str) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return header == f"Basic {expected}"

    def create(self, form: dict[str, str]) -> tuple[int, dict]:
        """Accept or refuse one message, as Twilio would."""
        with self._lock:
            if self.failures:
                return _error(self.failures.popleft())
            if form.get("To") in self.invalid_numbers:
                return _error("invalid_number")
            sid = f"SM{next(self._sids):032x}"
            now = email.utils.formatdate(usegmt=True).replace("GMT", "+0000")
            message = {
                "sid": sid, "account_sid": self.account_sid, "to": form.get("To"), "from": form.get("From"),
                "body": form.get("Body"), "status": "queued", "num_segments": "1", "direction": "outbound-api",
                "date_created": now, "date_updated": now, "date_sent": None, "error_code": None,
                "error_message": None, "price": None, "price_unit": "USD", "api_version": "2010-04-01",
                "messaging_service_sid": None, "num_media": "0",
                "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
                "status_callback": form.get("StatusCallback"),
            }
            self.messages.append(message)
            return 201, message

    def page(self, query: dict[str, str]) -> dict:
        """A page of messages filtered like Twilio's list (``To``, ``From``), newest first."""
        with self._lock:
            found = [m for m in reversed(self.messages)
                     if m["to"] == query.get("To", m["to"]) and m["from"] == query.get("From", m["from"])]
        return {"messages": found[:50], "page": 0, "page_size": 50, "first_page_uri": "", "next_page_uri": None,
                "previous_page_uri": None, "start": 0, "end": len(found), "uri": ""}


class _Server(ThreadingHTTPServer):
    allow_reuse_address = True  # restart on the same port right after a stop
    daemon_threads = True


def _error(kind: str) -> tuple[int, dict]:
    status, code, message = ERRORS[kind]
    return status, {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
                    "status": status}


class _Handler(BaseHTTPRequestHandler):
    server_state: TwilioServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def _read_form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        return {k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()}

    def _reply(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def _record(self, form: dict[str, str]) -> Recorded:
        state = self.server_state
        url = urlsplit(self.path)
        rec = Recorded(self.command, url.path, form, {k: v[-1] for k, v in parse_qs(url.query).items()},
                       state._authorised(self.headers.get("Authorization", "")))
        with state._lock:
            state.requests.append(rec)
        return rec

    def _refused(self, rec) -> bool:
        """Answer as Twilio does a wrong address (404) or bad credentials (401); True if so."""
        if rec.path != f"/2010-04-01/Accounts/{self.server_state.account_sid}/Messages.json":
            rec.status = 404
            self._reply(404, {"code": 20404, "message": "Not Found", "status": 404})
            return True
        if not rec.authorised:
            rec.status, body = _error("bad_credentials")
            self._reply(rec.status, body)
            return True
        return False

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        state = self.server_state
        rec = self._record(self._read_form())
        if self._refused(rec):
            return
        kill, state.kill_on_create = state.kill_on_create, None
        if kill and kill[0] == "before_accept":
            os.kill(kill[1], signal.SIGKILL)  # the sender dies before Twilio took the message
            self.close_connection = True
            return
        rec.status, body = state.create(rec.form)
        if kill:
            # Twilio has the message; the sender dies before it can read the answer and record it
            os.kill(kill[1], signal.SIGKILL)
            self.close_connection = True
            return
        self._reply(rec.status, body)

    def do_GET(self) -> None:  # noqa: N802
        state = self.server_state
        rec = self._record({})
        if self._refused(rec):
            return
        rec.status = 200
        self._reply(200, state.page(rec.query))
