"""Play a :class:`~hardware.simulator.SimulatedHome` in (accelerated) real time into a sink.

The runner owns a simulated clock (a :class:`~hub.clock.ManualClock` shared with whatever
consumes the events, so detectors see simulated time). :meth:`SimulatorRunner.step` moves the
clock to a time, handing every event up to it to the sink first (the clock is set to each event's
time before the sink sees it); tests call it directly. :meth:`SimulatorRunner.start` runs a thread
that steps ``speed`` simulated seconds per real second (60: a simulated minute per second) until
:meth:`SimulatorRunner.stop`. :meth:`SimulatorRunner.inject` stages an incident from now on.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterator

from hub.events import Event

from hardware.incidents import TERMINAL, Incident, event_time, make_incident
from hardware.simulator import SimulatedHome

log = logging.getLogger(__name__)

#: how far ahead the runner's event stream is planned; it is lazy, so this costs nothing up front
HORIZON = dt.timedelta(days=3650)


class SimulatorRunner:
    """Feeds a simulated home's events to ``sink`` as the simulated ``clock`` moves.

    ``clock`` must be settable (``set(when)``), e.g. :class:`hub.clock.ManualClock`; simulated time
    starts at ``clock.now()``. ``tick`` is how often (real seconds) the thread steps.
    """

    def __init__(self, home: SimulatedHome, sink: Callable[[Event], None], clock, speed: float = 60.0,
                 tick: float = 0.2) -> None:
        if speed <= 0:
            raise ValueError(f"speed must be positive, got {speed}")
        self.home = home
        self.sink = sink
        self.clock = clock
        self.speed = speed
        self.tick = tick
        self.incidents: list[Incident] = []
        self.delivered = 0
        self._lock = threading.RLock()
        self._stream = self._open(clock.now())
        self._pending: Event | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def now(self) -> dt.datetime:
        """The current simulated time."""
        return self.clock.now()

    def _open(self, since: dt.datetime) -> Iterator[Event]:
        return self.home.events(since, since + HORIZON, tuple(self.incidents))

    def step(self, until: dt.datetime) -> int:
        """Deliver every event before ``until`` to the sink, then set the clock to ``until``.

        Returns how many events were delivered. If the sink raises, the event is kept and offered
        again on the next step, so nothing is lost.
        """
        delivered = 0
        with self._lock:
            if until < self.clock.now():
                raise ValueError(f"cannot step back from {self.clock.now()} to {until}")
            while True:
                if self._pending is None:
                    self._pending = next(self._stream, None)
                    if self._pending is None:
                        break
                event = self._pending
                if event.time >= until:
                    break
                if event.time > self.clock.now():
                    self.clock.set(event.time)
                self.sink(event)
                self._pending = None
                delivered += 1
            self.clock.set(until)
            self.delivered += delivered
        return delivered

    def inject(self, incident: Incident | str) -> Incident:
        """Stage ``incident`` (or an incident kind such as ``"collapse"``, staged now) from now on."""
        with self._lock:
            now = self.clock.now()
            if isinstance(incident, str):
                incident = make_incident(incident, now)
            if event_time(incident) < now:
                raise ValueError(f"cannot stage {incident} in the past (now {now})")
            self.incidents.append(incident)
            # replan from now: events already delivered are before now and stay as they were
            self._stream = self._open(now)
            self._pending = None
            log.info("staged %s in %s", incident, self.home.household)
            return incident

    def recover(self) -> list[Incident]:
        """End the incidents that stopped the resident (collapse, not up): from now on they live
        their day as planned again. Returns the incidents ended (none: nothing changes)."""
        with self._lock:
            ended = [i for i in self.incidents if isinstance(i, TERMINAL)]
            if ended:
                self.incidents = [i for i in self.incidents if not isinstance(i, TERMINAL)]
                self._stream = self._open(self.clock.now())
                self._pending = None
                log.info("%s recovered from %s", self.home.household, ", ".join(map(str, ended)))
            return ended

    # ----------------------------------------------------------------------- thread

    def start(self) -> None:
        """Run in a daemon thread, stepping simulated time at ``speed`` times real time."""
        if self._thread is not None:
            raise RuntimeError("the simulator runner is already running")
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"sim-{self.home.household}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread and wait (at most ``timeout`` s) for it to finish."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("simulator thread for %s did not stop within %s s", self.home.household, timeout)
            self._thread = None

    @property
    def running(self) -> bool:
        """Whether the thread is running."""
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        base_real = time.monotonic()
        base_sim = self.clock.now()
        while not self._stop.wait(self.tick):
            target = base_sim + dt.timedelta(seconds=(time.monotonic() - base_real) * self.speed)
            try:
                self.step(max(target.replace(microsecond=0), self.clock.now()))
            except Exception:  # the sink failed: keep the event, log, and try again next tick
                log.exception("delivering simulated events for %s failed", self.home.household)
