"""Message text a social worker understands at a glance, short enough for two SMS segments.

Times are written ``10:42`` (``yesterday 22:40`` or ``Thu 13 Aug 01:08`` when not today),
durations ``3 h 05 min``. Only characters of the GSM 03.38 basic set are used, so a message of
at most 306 characters fits two SMS segments.
"""
from __future__ import annotations

import datetime as dt

#: two concatenated GSM-7 SMS segments (153 characters each)
MAX_SMS_CHARS = 306
#: sensors named one by one in a message; past that, the rest are counted
MAX_NAMED = 3
_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)
_REPLACEMENTS = {"\u2013": "-", "\u2014": "-", "\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2026": "..."}


def duration(minutes: float) -> str:
    """``95`` -> ``1 h 35 min``; ``42`` -> ``42 min``; ``1500`` -> ``25 h 00 min``; from two days
    on in days and hours: ``15365`` -> ``10 days 16 h``."""
    m = max(0, int(round(minutes)))
    if m < 60:
        return f"{m} min"
    if m < 48 * 60:
        return f"{m // 60} h {m % 60:02d} min"
    hours = int(round(m / 60))
    return f"{hours // 24} days {hours % 24} h"


def day_count(n: int) -> str:
    """``28 days``, ``1 day``: how much history a message's baseline comes from."""
    return f"{n} day" if n == 1 else f"{n} days"


def clock(when: dt.datetime | float) -> str:
    """A time of day as ``HH:MM`` from a datetime or minutes after midnight."""
    if isinstance(when, dt.datetime):
        return when.strftime("%H:%M")
    m = int(round(when)) % 1440
    return f"{m // 60:02d}:{m % 60:02d}"


def moment(when: dt.datetime, now: dt.datetime) -> str:
    """A past time a carer can place: ``10:42`` today, ``yesterday 22:40``, else ``Thu 13 Aug 01:08``."""
    days = (now.date() - when.date()).days
    if days <= 0:
        return clock(when)
    if days == 1:
        return f"yesterday {clock(when)}"
    return f"{when:%a %d %b} {clock(when)}"


def who(name: str) -> str:
    """How a message names the resident: the household name, else "the resident"."""
    return name.strip() or "the resident"


def who_cap(name: str) -> str:
    """:func:`who` at the start of a sentence: "The resident", "Mrs Kim Soon-ja" (not "Mrs kim
    soon-ja", as ``str.capitalize`` would have it)."""
    text = who(name)
    return text[:1].upper() + text[1:]


#: how a sensor works, which tells a carer nothing about where the resident was
_TECHNICAL = frozenset({"pir", "reed", "mercury", "magnetic", "electric"})
#: a room named by one word that English says with "room"
_ROOM_NAMES = {"living": "living room", "dining": "dining room", "sitting": "sitting room"}
#: names that say nothing without their number ("sensor 20")
_GENERIC = frozenset({"sensor", "device", "node", "switch", "contact", "motion", "pir", "door"})


def place(sensor: str, room: str = "") -> str:
    """What a carer calls where the resident was: the room when the sensor has one
    (``living room``), else the sensor's name made readable (``hall_bathroom_door_6`` ->
    ``hall bathroom door``, ``kitchen_pir`` -> ``kitchen``; a name that is only a word and a
    number keeps the number)."""
    text = (room or sensor).replace("_", " ").replace("-", " ").strip()
    words = text.split()
    named = [w for w in words if w.lower() not in _TECHNICAL and not w.isdigit()]
    if named and not room:
        words = [w for w in words if w.lower() not in _TECHNICAL]  # "kitchen pir" says kitchen
    while len(words) > 2 and words[-1].isdigit():
        words.pop()
    if len(words) == 2 and words[1].isdigit() and not words[0].isdigit() and words[0].lower() not in _GENERIC:
        words.pop()
    if room:
        text = " ".join(words).lower()
        return _ROOM_NAMES.get(text, text)
    return " ".join(words)


def thing(sensor: str, room: str = "") -> str:
    """What a carer calls the thing a sensor is on: ``fridge_magnetic_kitchen`` in the kitchen ->
    ``fridge in the kitchen``; a sensor named after its room is the room; no room: :func:`place`."""
    name = place(sensor)
    if not room:
        return name
    where = place(sensor, room)
    words = [w for w in name.split() if w.lower() not in where.split()]
    return f"{' '.join(words)} in the {where}" if words else where


def sensors_called(things: list[str]) -> str:
    """Sensors named by what they are on (:func:`thing`): ``living room sensor``, ``fridge sensor in
    the kitchen``, ``hall and kitchen sensors``, ``hall, kitchen and 4 other sensors``; one already
    called a sensor (``sensor 23``) is not a "sensor 23 sensor"."""
    if len(things) > MAX_NAMED:  # a long list would push the alert itself out of its two SMS
        return ", ".join(things[:MAX_NAMED - 1]) + f" and {len(things) - MAX_NAMED + 1} other sensors"
    if len(things) > 1:
        return ", ".join(things[:-1]) + " and " + things[-1] + " sensors"
    what, _, where = things[0].partition(" in the ")
    called = what if "sensor" in what.lower().split() else f"{what} sensor"
    return f"{called} in the {where}" if where else called


def sensor_called(sensor: str, room: str = "") -> str:
    """A sensor as both a carer and the installer know it, ``hall sensor (hall_pir)``: what it is
    on, then the name it was installed under (left out when that is the same)."""
    called = sensors_called([thing(sensor, room)])
    return called if called in (sensor, f"{sensor} sensor") else f"{called} ({sensor})"


def last_seen(sensor: str, room: str = "") -> str:
    """``Last seen in the kitchen.`` (room known) or ``Last activity: hall bathroom door.``"""
    return f"Last seen in the {place(sensor, room)}." if room else f"Last activity: {place(sensor)}."


def how_rare(per_30d: float) -> str:
    """An expected count a month as a carer reads it: ``less than once a year``, ``about once in
    4 months``, ``about once a month``, ``about 3 times a month``."""
    if per_30d < 1 / 12:
        return "less than once a year"
    if per_30d < 0.75:
        return f"about once in {int(round(1 / per_30d))} months"
    if per_30d < 1.5:
        return "about once a month"
    return f"about {int(round(per_30d))} times a month"


def sms_text(text: str) -> str:
    """Make ``text`` safe for two GSM SMS segments: GSM characters only, at most 306 of them."""
    for bad, good in _REPLACEMENTS.items():
        text = text.replace(bad, good)
    text = "".join(c if c in _GSM_BASIC else "?" for c in text)
    if len(text) > MAX_SMS_CHARS:
        text = text[: MAX_SMS_CHARS - 3].rstrip() + "..."
    return text
