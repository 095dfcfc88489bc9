"""Saving and loading a learned routine so a restart does not forget it.

The routine is plain numbers in a JSON file (no pickle: nothing in it can run code), signed with
HMAC-SHA256 under a key the hub generated itself and keeps beside the models (``hub.key``,
readable only by its owner). :func:`load_routine` refuses any file that is not in this format,
was changed after saving, or was signed by another hub's key: the hub only trusts what it wrote.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
from pathlib import Path

from analytics.routine import Routine
from hub.errors import ModelError

FORMAT = "eldercare-routine"
#: 4: routines save their ``lone_spells`` (3: ``sleep_sensors``, 2: ``night_minutes``); a routine
#: saved before is relearned from the store
VERSION = 4
KEY_FILE = "hub.key"

log = logging.getLogger(__name__)


def routine_path(model_dir: str | Path, household: str) -> Path:
    """Where a household's routine lives in ``model_dir``."""
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in household) or "home"
    return Path(model_dir) / f"routine-{safe}.json"


def hub_key(model_dir: str | Path, *, create: bool = True) -> bytes:
    """This hub's signing key, created (mode 0600) on first use when ``create``."""
    path = Path(model_dir) / KEY_FILE
    if path.exists():
        key = path.read_bytes()
        if len(key) >= 32:
            return key
        if not create:
            raise ModelError(f"{path}: signing key is too short; delete it and retrain")
        # cut short (a power cut while it was first written): nothing signed with the lost key can
        # be verified anyway, so a new key only means those files are relearned
        log.warning("%s: signing key is too short; making a new one", path)
        path.unlink()
    elif not create:
        raise ModelError(f"{path}: no signing key: this hub has not saved any model here")
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    tmp = path.with_name(f".{KEY_FILE}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(key)
            f.flush()
            os.fsync(f.fileno())  # on disk before any file is signed with it
        os.link(tmp, path)  # appears whole or not at all (and never over a key made meanwhile)
    except FileExistsError:
        return hub_key(model_dir, create=False)
    finally:
        tmp.unlink(missing_ok=True)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return key


def _sign(key: bytes, body: bytes) -> str:
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def save_routine(routine: Routine, model_dir: str | Path) -> Path:
    """Write the routine atomically (temp file + rename) and return its path."""
    return save_signed(routine.to_payload(), routine_path(model_dir, routine.household), model_dir)


def save_signed(payload: dict, path: Path, model_dir: str | Path, fmt: str = FORMAT) -> Path:
    """Write plain-JSON ``payload`` signed with this hub's key, atomically; return ``path``."""
    key = hub_key(model_dir)
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True)
    doc = {"format": fmt, "version": VERSION, "hmac": _sign(key, body.encode()), "payload": body}
    tmp = path.with_suffix(".tmp")
    try:
        tmp.write_text(json.dumps(doc), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as err:
        raise ModelError(f"cannot save routine to {path}: {err.strerror}") from err
    return path


def load_routine(path: str | Path, model_dir: str | Path | None = None) -> Routine:
    """Load a routine this hub saved; raise :class:`ModelError` for anything else."""
    payload = load_signed(path, model_dir)
    try:
        return Routine.from_payload(payload)
    except (KeyError, TypeError, ValueError) as err:
        raise ModelError(f"{path}: routine payload is incomplete: {err}") from err


def load_signed(path: str | Path, model_dir: str | Path | None = None, fmt: str = FORMAT) -> dict:
    """The payload of a file this hub signed in format ``fmt``; :class:`ModelError` otherwise."""
    path = Path(path)
    key = hub_key(model_dir if model_dir is not None else path.parent, create=False)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ModelError(f"cannot read routine {path}: {err.strerror}") from err
    except ValueError as err:
        raise ModelError(f"{path} is not a {fmt} file this hub wrote (not JSON)") from err
    if not isinstance(doc, dict) or doc.get("format") != fmt or not isinstance(doc.get("payload"), str):
        raise ModelError(f"{path} is not a {fmt} file this hub wrote (unknown format)")
    if doc.get("version") != VERSION:
        raise ModelError(f"{path}: {fmt} format version {doc.get('version')} is not {VERSION}; retrain")
    if not hmac.compare_digest(str(doc.get("hmac", "")), _sign(key, doc["payload"].encode())):
        raise ModelError(f"{path}: signature does not match: changed after saving or written by another hub")
    return json.loads(doc["payload"])
