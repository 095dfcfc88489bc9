"""Send SMS through Twilio's Messages API with the official ``twilio`` library.

``api_base`` (``AlertsConfig.api_base``) points the library at another host: a proxy, or the local
test server that speaks Twilio's API. The library has no base-URL option, so
:class:`RebasedHttpClient` rewrites only the scheme and host of each request; the library still
builds, authenticates and parses every call.

Errors are sorted for the outbox (see REFERENCE §4):

* 429 and connection failures: never processed by Twilio, safe to retry.
* 5xx and read timeouts: Twilio may already have queued the SMS, so a retry may duplicate it
  (``maybe_sent``).
* other 4xx (21211 invalid number, 20003 bad credentials ...): permanent.
"""
from __future__ import annotations

import datetime as dt
import logging
from urllib.parse import urlsplit, urlunsplit

import requests
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from alerts.channel import SentMessage
from hub.errors import DeliveryError

log = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://api.twilio.com"


class RebasedHttpClient(TwilioHttpClient):
    """A ``TwilioHttpClient`` that sends every request to ``base`` (scheme and host) instead."""

    def __init__(self, base: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.base = urlsplit(base)

    def request(self, method, url, *args, **kwargs):
        """Send the request the library built, to our host."""
        u = urlsplit(url)
        return super().request(method, urlunsplit((self.base.scheme, self.base.netloc, u.path, u.query, "")),
                               *args, **kwargs)


def _never_connected(err: requests.ConnectionError) -> bool:
    """True when the connection was never made, so the request cannot have reached Twilio.

    A ConnectionError also covers a connection dropped after the request went out ("Connection
    aborted"); that one may have been processed.
    """
    if isinstance(err, requests.ConnectTimeout):
        return True
    reason = err.args[0] if err.args else None
    reason = getattr(reason, "reason", reason)  # urllib3 MaxRetryError wraps the cause
    return isinstance(reason, (NewConnectionError, ConnectTimeoutError, NameResolutionError))


def _error(err: Exception, action: str) -> DeliveryError:
    """Turn a library or network error into a DeliveryError that says whether to retry."""
    if isinstance(err, TwilioRestException):
        status, code = int(err.status), err.code
        text = f"Twilio {action} failed: HTTP {status} code {code}: {err.msg}"
        if status == 429:
            return DeliveryError(text, permanent=False, status=status, code=code)
        if status >= 500:
            return DeliveryError(text, permanent=False, status=status, code=code, maybe_sent=True)
        return DeliveryError(text, permanent=True, status=status, code=code)
    if isinstance(err, requests.ConnectionError) and _never_connected(err):
        return DeliveryError(f"Twilio unreachable: {err}", permanent=False)
    if isinstance(err, requests.RequestException):  # read timeout, broken reply: it may have gone out
        return DeliveryError(f"Twilio {action} uncertain: {err}", permanent=False, maybe_sent=True)
    return DeliveryError(f"Twilio {action} failed: {err}", permanent=False, maybe_sent=True)


class TwilioChannel:
    """SMS through Twilio from ``from_`` (a Twilio number or messaging service sender).

    ``http_client`` is injected (tests and proxies); by default one is built for ``api_base``.
    """

    name = "twilio"

    def __init__(self, account_sid: str, auth_token: str, from_: str, *, api_base: str = DEFAULT_API_BASE,
                 http_client: TwilioHttpClient | None = None, timeout: float = 10.0) -> None:
        if http_client is None:
            http_client = (TwilioHttpClient(timeout=timeout) if api_base.rstrip("/") == DEFAULT_API_BASE
                           else RebasedHttpClient(api_base, timeout=timeout))
        self._http = http_client
        self._client = Client(account_sid, auth_token, http_client=http_client)
        self._from = from_

    def send(self, to: str, body: str, status_callback: str = "") -> SentMessage:
        """Create the message at Twilio; raise :class:`DeliveryError` on failure."""
        kwargs = {"to": to, "from_": self._from, "body": body}
        if status_callback:
            kwargs["status_callback"] = status_callback
        try:
            message = self._client.messages.create(**kwargs)
        except (TwilioException, requests.RequestException) as err:
            raise _error(err, "send") from err
        log.info("SMS %s to %s: %s", message.sid, to, message.status)
        return SentMessage(message.sid, message.status or "queued")

    def find_sent(self, to: str, body: str, since: dt.datetime) -> str | None:
        """Look among Twilio's recent messages to ``to`` for one with exactly this body.

        ``since`` is local wall-clock time and Twilio's dates are UTC, so the match is on recipient,
        sender and body only (our bodies name the alert, so they do not repeat by chance).
        """
        try:
            for message in self._client.messages.list(to=to, from_=self._from, limit=50):
                if message.body == body:
                    return message.sid
        except (TwilioException, requests.RequestException) as err:
            raise _error(err, "lookup") from err
        return None

    def close(self) -> None:
        """Close the HTTP session."""
        if getattr(self._http, "session", None) is not None:
            self._http.session.close()
