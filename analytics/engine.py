"""The detection engine: runs every detector on every event and every clock tick.

The live hub and ``eldercare replay`` use this same class; only the clock differs. The engine
turns a detector's newly holding condition into an :class:`~hub.alert.Alert` and remembers it
until it clears, so one condition alerts once. When an alert clears because the resident is
seen again (moving, up, back home), the appliance was switched off or the sensor reports again,
it says so (an :class:`~hub.alert.AllClear` to ``on_all_clear``), so nobody drives out for
nothing. While a sensor that sees the resident is reported offline, it judges the resident by
the routine learned without that sensor (``relearn``).

    engine = Engine(routine, clock, household="home", name="Mrs Smith")
    alerts = engine.on_event(event)   # after the event is stored
    alerts += engine.tick()           # every ``DetectionConfig.tick_seconds``
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

import numpy as np

from analytics.detectors import Context, Detector, Finding, default_detectors, resident_detectors
from analytics.detectors.sensor_health import OFFLINE, SensorHealth
from analytics.explain import (clock, duration, place, sensor_called, sensors_called, sms_text, thing, who,
                               who_cap)
from analytics.routine import ABSENT_RATIO, SILENCE_FLOOR_MIN, Routine, silence_limit
from analytics.state import HomeState, activity_day
from hub.alert import Alert, AllClear
from hub.clock import Clock
from hub.config import DetectionConfig
from hub.events import PRESENCE_KINDS, Event

log = logging.getLogger(__name__)

#: kinds that all describe one silent home: while one of the first two is active, the others wait
_SILENCE_KINDS = frozenset({"inactivity", "no_wake", "low_activity"})
_SILENCE_LEADERS = frozenset({"inactivity", "no_wake"})
#: a home with fewer activations in 24 h than this share of a usual day is empty (away, or the
#: sensors are down, as on an absent day): once its silence has been reported it is not reported
#: again each day, however long the home stays empty; once the resident was back, only within
#: ``_REPORTED`` of the report (the day of the return)
DORMANT_RATIO = ABSENT_RATIO
_REPORTED = dt.timedelta(hours=36)
#: the resident moving through this many places within 30 minutes ends a reported silence: a
#: new silence after that is a new incident (back home after days away, then a fall)
_BACK_PLACES = 3
#: places the resident was up in since a silence was reported that make a morning not up a new
#: incident (one place alone may be a sensor stirring in an empty home)
_UP_PLACES = 2
#: how long a raised once-only condition is remembered
_ONCE_MEMORY = dt.timedelta(days=3)
#: alerts whose condition is over when the resident is seen again after them
_SEEN_AGAIN_ENDS = frozenset({"inactivity", "no_wake", "not_back"})

#: learns the routine again as if the given sensors had never been there (they are offline)
Relearn = Callable[[frozenset[str]], Routine]
#: where the engine says that an alert's condition is over
AllClearSink = Callable[[AllClear], None]


class Engine:
    """Feeds events into the home's live state and asks every detector what holds now."""

    def __init__(self, routine: Routine, clock: Clock, *, household: str = "", name: str = "",
                 detectors: Sequence[Detector] | None = None, config: DetectionConfig | None = None,
                 relearn: Relearn | None = None, on_all_clear: AllClearSink | None = None) -> None:
        self.routine = routine
        self._on_all_clear = on_all_clear
        self.config = config or DetectionConfig()
        self.clock = clock
        self.household = household or routine.household
        self.name = name
        self.detectors = list(detectors) if detectors is not None else default_detectors(routine, self.config)
        # a dead sensor's room looks empty, and the resident sitting there looks like a silence:
        # while a sensor is reported offline, the resident's detectors are learned without it
        # (``_judge_without``); only the default detectors are rebuilt so
        self._relearn = relearn if detectors is None else None
        #: the sensors seen offline at the last evaluation, and those the resident's detectors are
        #: learned without (the same, unless relearning failed)
        self._offline: frozenset[str] = frozenset()
        self._blind: frozenset[str] = frozenset()
        self.state = HomeState(started=clock.now(), exits=frozenset(routine.exit_sensors), zone=clock.zone,
                               self_running=frozenset(routine.self_running))
        self._dormant_below = self._dormant_limit(routine)
        self._active: dict[str, Alert] = {}
        self._raised_once: dict[str, dt.datetime] = {}
        self._silence_reported: dt.datetime | None = None
        #: whether the resident was clearly about again since the silence last reported
        self._back_since_report = False
        #: the activity day on which a silence (inactivity, no_wake) was last reported
        self._silence_day: dt.date | None = None
        #: places (not the bed or bedroom) the resident was up in since the silence last reported
        self._up_places: set[str] = set()

    @property
    def active(self) -> dict[str, Alert]:
        """Conditions that hold now, with the alert each raised."""
        return dict(self._active)

    def use_routine(self, routine: Routine) -> None:
        """Swap in a retrained routine: new thresholds, same live state and active conditions
        (an alert still active is not raised again)."""
        self.routine = routine
        self.detectors = default_detectors(routine, self.config)
        if self._offline:
            self._judge_without(self._offline)
        self.state.exits = frozenset(routine.exit_sensors)
        self.state.self_running = frozenset(routine.self_running)
        self._dormant_below = self._dormant_limit(routine)

    @staticmethod
    def _dormant_limit(routine: Routine) -> float:
        """Below this many activations in 24 h the home counts as empty (as on an absent day)."""
        totals = routine.activity[:, -1]
        totals = totals[~np.isnan(totals)]
        return float(DORMANT_RATIO * np.median(totals)) if totals.size else 0.0

    def prime(self, events: Iterable[Event], last_words: Iterable[Event] = ()) -> None:
        """Take in past events (e.g. the history up to now) without raising anything, after
        ``last_words``: each sensor's last reading from before them (``state.last_readings``)."""
        self.state.recall(last_words)
        for e in events:
            self._take(e)

    def _take(self, e: Event) -> None:
        """Update the live state with one event, noting the places the resident is up in after a
        silence was reported (the state sets ``last_up`` only for an activation out of bed)."""
        up_before = self.state.last_up
        if self.state.update(e) and self.state.last_up is not up_before and self._silence_reported is not None:
            self._up_places.add(e.sensor)

    def on_event(self, event: Event) -> list[Alert]:
        """Take in one event (in time order) and return the alerts it leads to."""
        self._take(event)
        return self._evaluate()

    def tick(self) -> list[Alert]:
        """Run the time-based checks at the clock's current time."""
        return self._evaluate()

    def _evaluate(self) -> list[Alert]:
        now = self.clock.now()
        ctx = Context(self.state, now, self.name, self._active.keys())
        if (self._silence_reported is not None and not self._back_since_report
                and len(self.state.places_recently(now)) >= _BACK_PLACES):
            self._back_since_report = True
        holding: dict[str, Finding] = {}
        failed = False
        for detector in self.detectors:
            try:
                findings = detector.check(ctx)
            except Exception:  # one broken detector must not blind the others
                log.exception("detector %s failed at %s for %s", type(detector).__name__, now, self.household)
                failed = True
                continue
            for f in findings:
                holding.setdefault(f.condition, f)
        new: list[Alert] = []
        dormant = None
        for cond, f in holding.items():
            if cond in self._active or (f.once and cond in self._raised_once) or f.stale:
                continue
            if f.kind in _SILENCE_KINDS and any(a.kind in _SILENCE_LEADERS for a in self._active.values()):
                continue  # the same silence is already reported
            if f.kind == "low_activity" and self._silence_day == activity_day(now):
                continue  # today's quiet was already reported as a silence
            if f.kind in _SILENCE_KINDS:
                if dormant is None:
                    since = self._silence_reported
                    reported = since is not None and (not self._back_since_report or now - since <= _REPORTED)
                    dormant = reported and self.state.count_last_day(now) < self._dormant_below
                # a new silence once the resident is back is a new incident (home after days away,
                # then a fall); the day's low count is still the silence already reported
                back = self._back_since_report and f.kind in _SILENCE_LEADERS
                # up in two places since (the kitchen, then the bathroom at night), then not up
                # this morning: a new incident, though the day's count is still low
                back = back or (f.kind == "no_wake" and len(self._up_places) >= _UP_PLACES)
                if dormant and not back:
                    continue  # silent for a whole day already: reported when it began
            message, evidence = f.message, f.evidence
            if not f.technical:
                message, evidence = self._equipment_notes(message, evidence, now)
            alert = Alert(time=now, household=self.household, kind=f.kind, severity=f.severity,
                          message=message, technical=f.technical, condition=cond, evidence=evidence,
                          since=f.since)
            self._active[cond] = alert
            if f.kind in _SILENCE_KINDS:
                self._silence_reported, self._back_since_report = now, False
                self._up_places = set()
            if f.kind in _SILENCE_LEADERS:
                self._silence_day = activity_day(now)
            if f.once:
                self._raised_once[cond] = now
            log.info("alert %s: %s", cond, f.message)
            new.append(alert)
        # a failed detector's conditions are unknown this time: keep them rather than raise them again
        over = []
        for cond in [] if failed else [c for c in self._active if c not in holding]:
            log.debug("condition %s cleared at %s", cond, now)
            over.append(self._active.pop(cond))
        for cond in [c for c, t in self._raised_once.items() if now - t > _ONCE_MEMORY]:
            del self._raised_once[cond]
        if self._relearn is not None:
            offline = self._offline_sensors()
            if offline != self._offline:
                self._offline = offline
                self._judge_without(offline)
                new = [self._saying_judged_without(a) for a in new]
        if self._on_all_clear is not None:
            for notice in filter(None, (self._all_clear(a, now) for a in over)):
                self._on_all_clear(notice)
        return new

    def _all_clear(self, alert: Alert, now: dt.datetime) -> AllClear | None:
        """What to tell the people who heard of ``alert``, now that its condition cleared, when
        the home shows why: the resident seen since the alert, the appliance off, the sensor heard
        (not a morning check given up at night, nor a routine swapped in)."""
        s = self.state
        if alert.kind in _SEEN_AGAIN_ENDS:
            if s.last_activation is None or s.last_activation <= alert.time:
                return None  # nobody seen since (the morning check given up at night)
            doing = {"inactivity": "is moving again", "no_wake": "is up", "not_back": "is back home"}[alert.kind]
            where = place(s.last_activation_sensor, s.last_activation_room)
            message = f"{who_cap(self.name)} {doing} ({where}, {clock(s.last_activation)})."
        elif alert.kind == "appliance_on":
            sensor = alert.evidence.get("sensor", "")
            if s.appliances_on.get(sensor) == alert.since:
                return None
            message = f"The {thing(sensor, s.rooms.get(sensor, ''))} has been switched off ({clock(now)})."
        elif alert.kind == "sensor_offline":
            sensor = alert.evidence.get("sensor", "")
            heard = s.last_report.get(sensor)
            if heard is None or heard <= alert.time or sensor in s.unavailable:
                return None
            message = f"The {sensor_called(sensor, s.rooms.get(sensor, ''))} is reporting again ({clock(heard)})."
        else:
            return None
        return AllClear(now, self.household, alert.condition, sms_text(message), since=alert.since)

    def _offline_sensors(self) -> frozenset[str]:
        """The sensors seeing where the resident is that are reported offline and not heard from
        since (an appliance's plug is not one: an unused kettle hides no one); none when they are
        too many (``_few``)."""
        kinds = self.routine.sensor_kinds
        dead = (c[len(OFFLINE):] for c in self._active if c.startswith(OFFLINE))
        blind = frozenset(s for s in dead if kinds.get(s) in PRESENCE_KINDS)
        return blind if not blind or self._few(blind) else frozenset()

    def _saying_judged_without(self, alert: Alert) -> Alert:
        """A sensor's offline alert, saying that the resident is now judged without it, if so."""
        if not alert.condition.startswith(OFFLINE) or alert.condition[len(OFFLINE):] not in self._blind:
            return alert
        told = replace(alert, message=sms_text(f"{alert.message} Until it reports again, {who(self.name)}'s "
                                               f"alerts are judged without it: a fall may be noticed later."))
        self._active[alert.condition] = told
        return told

    def _few(self, blind: frozenset[str]) -> bool:
        """Whether ``blind`` is at most half the home's sensors that see the resident: when it is
        most of them, the equipment is down (or the resident away), and what is left tells too
        little to learn a routine from."""
        return 2 * len(blind) <= sum(1 for kind in self.routine.sensor_kinds.values() if kind in PRESENCE_KINDS)

    def _judge_without(self, blind: frozenset[str]) -> None:
        """Rebuild the resident's detectors from the routine learned without ``blind`` (the full
        routine when none): where the dead sensor's room was seen, the resident is now unseen, and
        the limits are those of a home without it. The equipment's detectors keep the full routine."""
        routine = self.routine
        if blind:
            try:
                routine = self._relearn(blind)
            except Exception:  # judging with the dead sensor is worse, but judging must go on
                log.exception("could not learn %s's routine without %s", self.household or "the home", sorted(blind))
                blind = frozenset()
            else:
                log.info("judging %s without %s (offline)", self.household or "the home", ", ".join(sorted(blind)))
        self._blind = blind
        equipment = [d for d in self.detectors if isinstance(d, SensorHealth)]
        self.detectors = [*resident_detectors(routine, self.config), *equipment]

    def _equipment_notes(self, message: str, evidence: dict, now: dt.datetime) -> tuple[str, dict]:
        """A resident alert's message and evidence, with what the reader should know about the
        sensors: those it was judged without (offline), and a sensor that reports on a timer (a
        heartbeat) silent longer than ever though not yet reported: it may have failed, and the
        resident be in its room."""
        notes = []
        if self._blind:
            verb, it = ("is", "it") if len(self._blind) == 1 else ("are", "them")
            notes.append(f"The {self._sensors(self._blind)} {verb} offline: judged without {it}.")
            evidence = {**evidence, "judged_without": sorted(self._blind)}
        longest, kinds, last = self.routine.sensor_max_silence, self.routine.sensor_kinds, self.state.last_report
        # on a timer: its offline limit is the heartbeat's, shorter than the day a silent room gets
        timed = [s for s in last if s not in self._blind and kinds.get(s) in PRESENCE_KINDS and s in longest
                 and silence_limit(longest[s]) < SILENCE_FLOOR_MIN]
        newest = max((last[s] for s in timed), default=now)
        # late, and another sensor on a timer heard since it was due: when none was, the hub may
        # be what went deaf (or the power), and a fall looks the same
        late = sorted(s for s in timed if newest - last[s] > dt.timedelta(minutes=longest[s]))
        if late:
            since = clock(min(last[s] for s in late))
            if len(late) == 1:
                notes.append(f"The {self._sensors(late)} has sent nothing since {since}, longer than "
                             f"ever ({duration(longest[late[0]])}): it may have failed.")
            else:
                notes.append(f"The {self._sensors(late)} have sent nothing since {since}, longer "
                             f"than ever: they may have failed.")
            evidence = {**evidence, "sensors_overdue": late}
        return (sms_text(" ".join([message, *notes])), evidence) if notes else (message, evidence)

    def _sensors(self, sensors: Iterable[str]) -> str:
        """``living room sensor``, ``hall and living room sensors``, ``sensor 23``: the sensors as a
        carer calls them, by where they are."""
        return sensors_called([thing(s, self.state.rooms.get(s, "")) for s in sorted(sensors)])
