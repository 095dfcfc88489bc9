"""One exception tree for the whole product.

Every error we raise derives from :class:`EldercareError`; where it makes sense a member also
inherits the matching builtin (as gpiozero does), so callers can catch either. Library errors
are wrapped at the edge with ``raise ... from err`` so the cause is never lost.
"""
from __future__ import annotations


class EldercareError(Exception):
    """Base of every error raised by eldercare."""


class ConfigError(EldercareError, ValueError):
    """The configuration file is missing, unreadable or has a bad key or value.

    The message always names the file, the key path and what was expected.
    """

    def __init__(self, path: str, key: str, problem: str) -> None:
        self.path = path
        self.key = key
        self.problem = problem
        where = f"{path}: {key}" if key else path
        super().__init__(f"{where}: {problem}")


class StoreError(EldercareError, RuntimeError):
    """The SQLite store could not be opened, migrated or written."""


class DecodeError(EldercareError, ValueError):
    """A device payload could not be turned into events (the reason is in the message)."""


class ImportFormatError(EldercareError, ValueError):
    """A row of an event CSV is malformed; the message names the file and line."""

    def __init__(self, path: str, line: int, problem: str) -> None:
        self.path = path
        self.line = line
        # line 0: the file as a whole (it could not be opened)
        super().__init__(f"{path}, line {line}: {problem}" if line else f"{path}: {problem}")


class HardwareError(EldercareError, RuntimeError):
    """A GPIO sensor could not be set up or read."""


class NotificationError(EldercareError, RuntimeError):
    """Sending a notification failed. ``permanent`` says whether retrying can help."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        self.permanent = permanent
        super().__init__(message)


class ModelError(EldercareError, RuntimeError):
    """A learned routine could not be trained, saved or loaded."""


class NotFoundError(EldercareError, LookupError):
    """A record asked for by id (an alert, a household) does not exist."""


class AlertStateError(EldercareError, ValueError):
    """An alert cannot make the asked change (unknown outcome or channel, already resolved)."""


class DeliveryError(NotificationError):
    """A message provider refused or failed a send.

    ``status`` is the HTTP status (0 when the provider was unreachable), ``code`` the provider's
    error code. ``maybe_sent`` is true when the provider may have accepted the message anyway
    (a 5xx on create, a timeout after the request went out), so a retry risks a duplicate.
    """

    def __init__(self, message: str, *, permanent: bool, status: int = 0, code: int | None = None,
                 maybe_sent: bool = False) -> None:
        super().__init__(message, permanent=permanent)
        self.status = status
        self.code = code
        self.maybe_sent = maybe_sent


class PanelError(EldercareError, ValueError):
    """A panel request or account change is not allowed or not valid (the message says why)."""


class LoginThrottled(PanelError):
    """Too many failed log-ins for this username from this address; ``retry_after`` is in seconds."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"too many failed log-ins; try again in {max(1, round(retry_after / 60))} min")


class PanelServerError(EldercareError, RuntimeError):
    """The panel's web server could not be started."""
