"""The words of every SMS we send, kept within two SMS segments.

Two GSM-7 segments carry 306 characters (153 each, the rest is the concatenation header); a single
character outside GSM-7 turns the whole message into UCS-2 with 134 characters for two segments. So
text is first mapped to GSM-7 (``é`` stays, ``ë`` becomes ``e``, curly quotes become straight), then
the alert's message is shortened in the middle so that the household's name, the time and the way
to answer ("Reply OK 42") always survive.
"""
from __future__ import annotations

import datetime as dt
import unicodedata

from alerts.book import AlertRecord

MAX_SEGMENTS = 2
#: GSM 03.38 basic character set; the extension table below costs two septets each
_GSM_BASIC = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                 "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
_GSM_EXTENDED = set("^{}\\[~]|€")
_REPLACEMENTS = {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
                 "\u2026": "...", "\u00a0": " ", "\u2192": "->", "\u00b0": " deg",
                 "`": "'", "\t": " "}  # ASCII, yet not GSM-7: one would make the whole SMS UCS-2


def to_gsm(text: str) -> str:
    """``text`` using only GSM-7 characters, so a message costs 153 characters a segment, not 67."""
    out = []
    for ch in text:
        if ch in _GSM_BASIC or ch in _GSM_EXTENDED:
            out.append(ch)
        elif ch in _REPLACEMENTS:
            out.append(_REPLACEMENTS[ch])
        else:
            base = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
            base = "".join(c if c in _GSM_BASIC or c in _GSM_EXTENDED else _REPLACEMENTS.get(c, "?") for c in base)
            out.append(base if base else "?")
    return "".join(out)


def septets(text: str) -> int:
    """How many GSM-7 septets ``text`` needs (extension characters count twice)."""
    return sum(2 if ch in _GSM_EXTENDED else 1 for ch in text)


def segments(text: str) -> int:
    """How many SMS segments ``text`` takes as GSM-7 (it must already be GSM-7)."""
    n = septets(text)
    return 1 if n <= 160 else -(-n // 153)


def fit(head: str, middle: str, tail: str, max_segments: int = MAX_SEGMENTS) -> str:
    """``head + middle + tail`` in GSM-7, shortening ``middle`` (with "...") to fit ``max_segments``."""
    head, middle, tail = to_gsm(head), to_gsm(middle), to_gsm(tail)
    budget = 160 if max_segments == 1 else 153 * max_segments
    room = budget - septets(head) - septets(tail)
    if septets(middle) <= room:
        return head + middle + tail
    keep, used = 0, 0
    for ch in middle:  # the longest prefix that leaves room for "..."
        used += septets(ch)
        if used > room - 3:
            break
        keep += 1
    return head + middle[:keep].rstrip() + "..." + tail


def _clock_time(when: dt.datetime, now: dt.datetime) -> str:
    return when.strftime("%H:%M") if when.date() == now.date() else when.strftime("%a %d %b %H:%M")


def alert_text(record: AlertRecord, household_name: str, now: dt.datetime, escalation: str = "",
               round_label: str = "") -> str:
    """The SMS telling a contact about an alert, and how to take it; ``escalation`` says why it is
    theirs, ``round_label`` which time it goes up the ladder ("round 2 of 3"). An alert whose
    condition is over says so whole (it can only be passed on with ``all_clear_stops_ladder`` off)."""
    alert = record.alert
    prefix = f"ESCALATED{', ' + round_label if round_label else ''} ({escalation}). " if escalation else ""
    head = f"{prefix}{alert.severity.upper()} {household_name}, {_clock_time(alert.time, now)}: "
    since = f" Since: {record.over}" if record.over else ""
    tail = f"{since} Reply OK {record.id} to take this alert."
    return fit(head, alert.message, tail)


def all_clear_text(record: AlertRecord, household_name: str, news: str, still_passed_on: bool = False) -> str:
    """The SMS telling everyone who heard of an alert that its condition is over (``news``), and
    whether the alert still goes up the ladder until someone takes it."""
    tail = (f" It is still passed on until someone takes it: reply OK {record.id}." if still_passed_on
            else " It is no longer passed on. Close it on the panel once checked.")
    return fit(f"UPDATE on alert {record.id} ({household_name}): ", news, tail)


def escalated_notice(record: AlertRecord, household_name: str, to_name: str, why: str) -> str:
    """The SMS telling the person before that the alert went on to someone else."""
    return fit(f"Alert {record.id} ({household_name}) has been passed to {to_name}: ", why, ". No action needed.",
               max_segments=1)


def acknowledged_reply(record: AlertRecord, household_name: str, name: str) -> str:
    """Confirmation to the person who took the alert by SMS."""
    return fit(f"Thanks {name}, alert {record.id} ({household_name}) is yours: ", record.alert.message, "",
               max_segments=1)


def already_taken_reply(record: AlertRecord, household_name: str) -> str:
    """Answer to an "OK" for an alert someone else already took."""
    if record.state == "resolved":
        return to_gsm(f"Alert {record.id} ({household_name}) is already closed by {record.resolved_by}.")
    at = record.acknowledged_at.strftime("%H:%M") if record.acknowledged_at else ""
    return to_gsm(f"Alert {record.id} ({household_name}) was already taken by {record.acknowledged_by} at {at}.")


USAGE = "eldercare: to take an alert, reply OK and its number, e.g. OK 42."


def which_alert(waiting: list[tuple[int, str]]) -> str:
    """The answer to a bare "OK" from someone sent none or several open alerts: (id, household)."""
    if not waiting:
        return USAGE
    choices = ", ".join(f"OK {alert_id} ({name})" for alert_id, name in waiting)
    return fit("eldercare: which alert? Reply ", choices, ".", max_segments=1)
