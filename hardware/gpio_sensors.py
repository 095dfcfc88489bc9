"""Binary GPIO sensors: a PIR, a reed switch and an LDR, each turned into :class:`~hub.events.Event` s.

Every class takes the sensor's :class:`~hub.config.GpioSensorConfig`, the household id, a clock,
a ``sink`` that receives each event, and ``pin_factory=`` (gpiozero's global
``Device.pin_factory`` is never touched). gpiozero errors while setting a sensor up are raised as
:class:`~hub.errors.HardwareError` naming the sensor.

Wiring (BCM pin numbers; see the README's wiring guide)::

    PIR (HC-SR501 / AM312)   VCC -> 5V (pin 2), GND -> GND, OUT -> GPIO pin   (3.3 V output)
    reed switch (door)       one lead -> GPIO pin, other -> GND; internal pull-up; closed = door shut
    LDR + 1 uF capacitor     3V3 -> LDR -> GPIO pin -> capacitor (+) -> GND

Callbacks fire on gpiozero's threads (MotionSensor and LightSensor sample in a background thread,
Button fires on the pin's edge). The first settled state is not reported: only changes are.
"""
from __future__ import annotations

import collections
import itertools
import logging
import threading
import uuid
from collections.abc import Callable

from hub.config import GpioSensorConfig
from hub.errors import HardwareError
from hub.events import Event

log = logging.getLogger(__name__)

Sink = Callable[[Event], None]
#: undelivered events kept per sensor while the sink is failing (oldest dropped beyond this, loudly)
BACKLOG_LIMIT = 10_000


class EventEmitter:
    """Stamps readings as Events and hands them to the sink; keeps any the sink refused for later."""

    def __init__(self, cfg: GpioSensorConfig, household: str, clock, sink: Sink) -> None:
        self.cfg = cfg
        self.household = household
        self.clock = clock
        self.sink = sink
        self.backlog: collections.deque[Event] = collections.deque()
        self.failures = 0
        self._lock = threading.RLock()
        # each edge is its own reading: two edges with the same value in the same second (a slammed
        # door bouncing shut) must not share the natural key (time to the second, sensor, kind, value)
        self._run = uuid.uuid4().hex[:12]
        self._seq = itertools.count()

    def emit(self, kind: str, value: float, sensor: str | None = None) -> Event:
        """Send one reading now (after any held back by earlier sink failures)."""
        event = Event(self.clock.now(), sensor or self.cfg.sensor, kind, float(value), self.cfg.room,
                      self.household, f"gpio:{self._run}:{next(self._seq)}")
        with self._lock:
            if len(self.backlog) >= BACKLOG_LIMIT:
                lost = self.backlog.popleft()
                log.error("sensor %s: backlog full, dropping %s", self.cfg.sensor, lost)
            self.backlog.append(event)
            self.flush()
        return event

    def flush(self) -> int:
        """Retry the held-back events in order; returns how many are still held."""
        with self._lock:
            while self.backlog:
                try:
                    self.sink(self.backlog[0])
                except Exception:  # the sink's failure must not kill gpiozero's callback thread
                    self.failures += 1
                    log.exception("sensor %s: could not deliver %d event(s); kept for retry",
                                  self.cfg.sensor, len(self.backlog))
                    break
                self.backlog.popleft()
            return len(self.backlog)


def check_type(cfg: GpioSensorConfig, expected: str) -> None:
    """Refuse a config meant for another kind of sensor, or one without a usable pin."""
    if cfg.type != expected:
        raise HardwareError(f"gpio sensor {cfg.sensor!r}: is a {cfg.type!r} sensor, not {expected!r}")
    if expected != "power" and not 0 <= cfg.pin <= 27:
        raise HardwareError(f"gpio sensor {cfg.sensor!r}: pin {cfg.pin} is not a BCM GPIO pin 0-27")


def build_device(cfg: GpioSensorConfig, make: Callable[[], object]):
    """Construct a gpiozero device, turning any gpiozero error into a HardwareError naming the sensor."""
    from gpiozero import GPIOZeroError

    where = f"channel {cfg.channel}" if cfg.type == "power" else f"pin {cfg.pin}"
    try:
        return make()
    except (GPIOZeroError, ValueError, OSError, RuntimeError) as err:
        raise HardwareError(f"gpio sensor {cfg.sensor!r} ({cfg.type} on {where}): "
                            f"{type(err).__name__}: {err}") from err


class MotionSource:
    """A PIR on ``cfg.pin`` via :class:`gpiozero.MotionSensor`: motion 1 when it fires, 0 when it clears."""

    def __init__(self, cfg: GpioSensorConfig, household: str, clock, sink: Sink, *, pin_factory) -> None:
        check_type(cfg, "motion")
        from gpiozero import MotionSensor

        self.config = cfg
        self.emitter = EventEmitter(cfg, household, clock, sink)
        self.device = build_device(cfg, lambda: MotionSensor(cfg.pin, pin_factory=pin_factory))
        self.device.when_motion = lambda: self.emitter.emit("motion", 1)
        self.device.when_no_motion = lambda: self.emitter.emit("motion", 0)

    def close(self) -> None:
        """Release the pin."""
        self.device.close()


class ContactSource:
    """A reed switch on ``cfg.pin`` to GND via :class:`gpiozero.Button` (closed = pressed).

    Reports ``door`` 1 when the door opens (switch released) and 0 when it closes.
    """

    def __init__(self, cfg: GpioSensorConfig, household: str, clock, sink: Sink, *, pin_factory,
                 bounce_time: float | None = 0.02) -> None:
        check_type(cfg, "contact")
        from gpiozero import Button

        self.config = cfg
        self.emitter = EventEmitter(cfg, household, clock, sink)
        self.device = build_device(cfg, lambda: Button(cfg.pin, pull_up=True, bounce_time=bounce_time,
                                                       pin_factory=pin_factory))
        self.device.when_released = lambda: self.emitter.emit("door", 1)
        self.device.when_pressed = lambda: self.emitter.emit("door", 0)

    @property
    def is_open(self) -> bool:
        """Whether the door is open right now."""
        return not self.device.is_pressed

    def close(self) -> None:
        """Release the pin."""
        self.device.close()


class LightSource:
    """An LDR + 1 µF capacitor on ``cfg.pin`` via :class:`gpiozero.LightSensor`.

    Reports ``light`` 1 when the room turns light and 0 when it turns dark (``cfg.threshold``), as
    sensor ``cfg.sensor``. :meth:`sample_once` reads the level (gpiozero's 0..1 charge-time scale,
    reported as a percentage 0..100, not lux) as sensor ``<sensor>_level``, kind ``light``, when it
    moved by ``level_step`` percent or ``level_every`` samples passed since the last report.
    """

    periodic = True

    def __init__(self, cfg: GpioSensorConfig, household: str, clock, sink: Sink, *, pin_factory,
                 level_step: float = 5.0, level_every: int = 90) -> None:
        check_type(cfg, "light")
        from gpiozero import LightSensor

        self.config = cfg
        self.level_sensor = f"{cfg.sensor}_level"
        self.level_step = level_step
        self.level_every = level_every
        self.emitter = EventEmitter(cfg, household, clock, sink)
        self._last_level: float | None = None
        self._since_report = 0
        self.device = build_device(cfg, lambda: LightSensor(cfg.pin, threshold=cfg.threshold,
                                                            pin_factory=pin_factory))
        self.device.when_light = lambda: self.emitter.emit("light", 1)
        self.device.when_dark = lambda: self.emitter.emit("light", 0)

    @property
    def every_s(self) -> float:
        """Seconds between level samples."""
        return self.config.sample_every_s

    def sample_once(self) -> float:
        """Read the light level (0..100 %) and report it if it changed enough or is due."""
        level = round(float(self.device.value) * 100, 1)
        self._since_report += 1
        if (self._last_level is None or abs(level - self._last_level) >= self.level_step
                or self._since_report >= self.level_every):
            self.emitter.emit("light", level, sensor=self.level_sensor)
            self._last_level, self._since_report = level, 0
        return level

    def close(self) -> None:
        """Release the pin."""
        self.device.close()
