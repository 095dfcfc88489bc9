"""All of a hub's GPIO sensors built from :class:`~hub.config.GpioConfig`, and the loop that samples them.

    sources = GpioSources(config.gpio, household=config.household.id, clock=SystemClock(),
                          sink=pipeline.submit_one)          # pin factory from config.gpio.pin_factory
    sources.start()                                           # sampling thread for clamps and LDR levels
    ...
    sources.close()                                           # stops sampling, releases every pin

Edge sensors (PIR, reed switch, LDR on/off) report from gpiozero's own threads; the power clamp
and the LDR level are sampled by :class:`SamplingLoop` every ``sample_every_s``.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Sequence

from hub.config import GpioConfig, GpioSensorConfig
from hub.errors import HardwareError

from hardware.gpio_sensors import ContactSource, LightSource, MotionSource, Sink
from hardware.power_clamp import PowerClampSource

log = logging.getLogger(__name__)

#: seconds between retries of events a failing sink refused (each failure is logged)
BACKLOG_RETRY_S = 2.0

#: sensor type in the config -> the class that reads it
SOURCE_TYPES: dict[str, Callable[..., object]] = {
    "motion": MotionSource,
    "contact": ContactSource,
    "light": LightSource,
    "power": PowerClampSource,
}

#: pin factory name -> "module:class" (gpiozero's own names)
PIN_FACTORIES = {
    "lgpio": "gpiozero.pins.lgpio:LGPIOFactory",
    "rpigpio": "gpiozero.pins.rpigpio:RPiGPIOFactory",
    "pigpio": "gpiozero.pins.pigpio:PiGPIOFactory",
    "native": "gpiozero.pins.native:NativeFactory",
    "mock": "gpiozero.pins.mock:MockFactory",
}


def make_pin_factory(name: str = ""):
    """A new gpiozero pin factory by name; empty means $GPIOZERO_PIN_FACTORY, else ``lgpio``."""
    name = (name or os.environ.get("GPIOZERO_PIN_FACTORY") or "lgpio").lower()
    if name not in PIN_FACTORIES:
        raise HardwareError(f"unknown gpio pin factory {name!r}; expected one of {', '.join(PIN_FACTORIES)}")
    module_name, cls_name = PIN_FACTORIES[name].split(":")
    try:
        module = __import__(module_name, fromlist=[cls_name])
        return getattr(module, cls_name)()
    except Exception as err:
        hint = " (pip install lgpio; on a Pi 5 lgpio is the only factory that works)" if name == "lgpio" else ""
        raise HardwareError(f"gpio pin factory {name!r} cannot start: {err}{hint}") from err


class SamplingLoop:
    """A thread that calls ``sample_once()`` on each periodic source every ``source.every_s`` seconds.

    A source that fails is logged and tried again at its next turn; it never stops the others.
    """

    def __init__(self, sources: Sequence[object]) -> None:
        self.sources = [s for s in sources if getattr(s, "periodic", False)]
        # every source's emitter: events its sink refused are retried here, not only at the
        # sensor's next edge (a door shut while the store was busy may not move again all night)
        self.emitters = [s.emitter for s in sources if getattr(s, "emitter", None) is not None]
        self.errors = 0
        self._next_retry = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_due(self, due: list[float], now: float) -> None:
        """Sample every source whose turn has come and schedule its next turn."""
        for i, source in enumerate(self.sources):
            if due[i] <= now:
                try:
                    source.sample_once()
                except Exception:
                    self.errors += 1
                    log.exception("sampling gpio sensor %s failed", source.config.sensor)
                due[i] += source.every_s
                if due[i] <= now:  # fell behind (a slow burst, a suspended Pi): do not catch up in a rush
                    due[i] = now + source.every_s

    def _run(self) -> None:
        start = time.monotonic()
        due = [start for _ in self.sources]
        while not self._stop.is_set():
            self.run_due(due, time.monotonic())
            self.retry_backlogs(time.monotonic())
            wait = min(due) - time.monotonic() if due else 1.0
            self._stop.wait(max(0.0, min(wait, 1.0)))

    def retry_backlogs(self, now: float) -> None:
        """Hand the sink again any events it refused earlier (at most every ``BACKLOG_RETRY_S``)."""
        if now < self._next_retry:
            return
        self._next_retry = now + BACKLOG_RETRY_S
        for emitter in self.emitters:
            if emitter.backlog:
                emitter.flush()

    def start(self) -> None:
        """Start sampling in a daemon thread (does nothing without sources)."""
        if (self.sources or self.emitters) and self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="gpio-sampling", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread, waiting at most ``timeout`` seconds (a burst takes milliseconds)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None


class GpioSources:
    """Builds every sensor in ``config.sensors`` and closes them all; see the module docstring.

    ``pin_factory`` defaults to :func:`make_pin_factory` of ``config.pin_factory``. If any sensor
    cannot be set up, the ones already built are closed and the :class:`HardwareError` is raised.
    """

    def __init__(self, config: GpioConfig, household: str, clock, sink: Sink, *, pin_factory=None) -> None:
        self._own_factory = pin_factory is None
        self.pin_factory = make_pin_factory(config.pin_factory) if pin_factory is None else pin_factory
        self.sources: list[object] = []
        try:
            for cfg in config.sensors:
                self.sources.append(self._build(cfg, household, clock, sink))
        except Exception:
            self.close()
            raise
        self.loop = SamplingLoop(self.sources)

    def _build(self, cfg: GpioSensorConfig, household: str, clock, sink: Sink) -> object:
        try:
            cls = SOURCE_TYPES[cfg.type]
        except KeyError:
            raise HardwareError(f"gpio sensor {cfg.sensor!r}: unknown type {cfg.type!r}; "
                                f"expected one of {', '.join(SOURCE_TYPES)}") from None
        source = cls(cfg, household, clock, sink, pin_factory=self.pin_factory)
        log.info("gpio sensor %s: %s on %s", cfg.sensor, cfg.type,
                 f"MCP3008 channel {cfg.channel}" if cfg.type == "power" else f"GPIO{cfg.pin}")
        return source

    def by_name(self, sensor: str):
        """The source for ``sensor``."""
        for source in self.sources:
            if source.config.sensor == sensor:
                return source
        raise KeyError(sensor)

    def start(self) -> None:
        """Start sampling the periodic sensors."""
        self.loop.start()

    def close(self) -> None:
        """Stop sampling and release every pin (and the pin factory if this object made it)."""
        loop = getattr(self, "loop", None)
        if loop is not None:
            loop.stop()
        for source in reversed(self.sources):
            try:
                source.close()
            except Exception:
                log.exception("closing gpio sensor %s failed", source.config.sensor)
            held = source.emitter.flush()  # a last try: the store may be back
            if held:
                log.error("gpio sensor %s: %d reading(s) could not be stored before shutting down",
                          source.config.sensor, held)
        self.sources = []
        if self._own_factory and self.pin_factory is not None:
            self.pin_factory.close()
            self.pin_factory = None

    def __enter__(self) -> GpioSources:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
