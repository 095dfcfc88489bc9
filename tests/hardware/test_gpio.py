"""GPIO sensors driven through gpiozero's real device classes on MockFactory pins."""
from __future__ import annotations

import math
import queue
import time

import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockChargingPin, MockSPIDevice

from hardware.gpio import GpioSources, SamplingLoop, make_pin_factory
from hardware.gpio_sensors import ContactSource, LightSource, MotionSource
from hardware.power_clamp import PowerClampSource, rms_watts
from hub.config import GpioSensorConfig, config_from_dict
from hub.errors import HardwareError
from hub.pipeline import EventPipeline

WAIT = 3.0  # seconds: every wait on a gpiozero thread is bounded by this


class Recorder:
    """A sink that records events and lets a test wait (bounded) for the next one."""

    def __init__(self) -> None:
        self.events = []
        self._q = queue.Queue()

    def __call__(self, event) -> None:
        self.events.append(event)
        self._q.put(event)

    def next(self, timeout: float = WAIT):
        """The next event delivered, or fail after ``timeout`` seconds."""
        try:
            return self._q.get(timeout=timeout)
        except queue.Empty:
            pytest.fail(f"no event within {timeout} s")


class SineADC(MockSPIDevice):
    """The slave side of an MCP3008 (software SPI on GPIO 11/10/9/8) whose channel 0 carries a CT clamp.

    Each conversion returns the next point of a sine of ``amplitude`` volts around the mid-rail bias,
    ``per_cycle`` conversions per mains cycle, quantised to 10 bits of 3.3 V as the chip does.
    """

    def __init__(self, factory, amplitude: float = 0.0, bias: float = 1.65, per_cycle: int = 20) -> None:
        super().__init__(11, 10, 9, 8, pin_factory=factory)
        self.amplitude, self.bias, self.per_cycle = amplitude, bias, per_cycle
        self.k = 0
        self.channels_read = []
        self.state = "idle"

    def set_watts(self, watts: float, amps_per_volt: float = 30.0, mains_volts: float = 230.0) -> None:
        """Put a load of ``watts`` on the clamp (peak = RMS × √2)."""
        self.amplitude = watts / mains_volts / amps_per_volt * math.sqrt(2)

    def on_start(self) -> None:
        super().on_start()
        self.state = "idle"

    def on_bit(self) -> None:
        # MCP3008 protocol: start bit, single/diff bit, 3 channel bits, then 1 null + 10 data bits out
        if self.state == "idle":
            if self.rx_buf[-1]:
                self.state, self.rx_buf = "mode", []
        elif self.state == "mode":
            self.state, self.rx_buf = ("single" if self.rx_buf[-1] else "diff"), []
        elif self.state in ("single", "diff"):
            if len(self.rx_buf) == 3:
                self.channels_read.append(self.rx_word())
                volts = self.bias + self.amplitude * math.sin(2 * math.pi * self.k / self.per_cycle)
                self.k += 1
                self.tx_word(round(min(max(volts, 0.0), 3.3) / 3.3 * 1023), 12)
                self.state = "result"
        elif self.state == "result" and not self.tx_buf:
            self.state, self.rx_buf = "idle", []


@pytest.fixture
def spi_factory(mock_factory, monkeypatch):
    """The mock factory, also installed as gpiozero's default for the duration of the test.

    gpiozero 2.0.1's software SPI bus (``SPISoftwareBus.__init__``) calls ``Device.__init__()``
    without the pin factory it was given, so it looks up the default factory even though every pin
    it uses comes from ours. Our code never sets the default; this fixture does so only for the
    test, and monkeypatch restores it.
    """
    monkeypatch.setattr(Device, "pin_factory", mock_factory)
    return mock_factory


def cfg(**kw) -> GpioSensorConfig:
    """A sensor config with the test's defaults."""
    base = {"type": "motion", "sensor": "hall_pir", "room": "hall", "pin": 17}
    base.update(kw)
    return GpioSensorConfig(**base)


# --------------------------------------------------------------------------- PIR

def test_pir_reports_motion_and_its_end(mock_factory, clock):
    sink = Recorder()
    pir = MotionSource(cfg(), "home-1", clock, sink, pin_factory=mock_factory)
    try:
        assert pir.device.wait_for_no_motion(WAIT), "PIR never settled"
        mock_factory.pin(17).drive_high()
        assert pir.device.wait_for_motion(WAIT)
        on = sink.next()
        assert (on.sensor, on.kind, on.value, on.room, on.household, on.time) == \
            ("hall_pir", "motion", 1.0, "hall", "home-1", clock.now())
        mock_factory.pin(17).drive_low()
        assert sink.next().value == 0.0
        assert len(sink.events) == 2  # the settled start state was not reported
    finally:
        pir.close()
    assert pir.device.closed


# --------------------------------------------------------------------------- reed switch

def test_reed_switch_reports_door_opened_and_closed(mock_factory, clock):
    sink = Recorder()
    door = ContactSource(cfg(type="contact", sensor="front_door", pin=27), "home-1", clock, sink,
                         pin_factory=mock_factory)
    try:
        pin = mock_factory.pin(27)
        pin.drive_low()                 # magnet at the switch: closed, door shut
        assert not door.is_open
        pin.drive_high()                # magnet gone: the pull-up wins, door open
        assert door.is_open
        assert [(e.sensor, e.kind, e.value) for e in sink.events] == [("front_door", "door", 0.0),
                                                                      ("front_door", "door", 1.0)]
    finally:
        door.close()


def test_an_event_the_sink_refused_is_delivered_later_in_order(mock_factory, clock):
    delivered, fail = [], [True]

    def sink(event):
        if fail[0]:
            raise RuntimeError("database is locked")
        delivered.append(event.value)

    door = ContactSource(cfg(type="contact", sensor="front_door", pin=27), "home-1", clock, sink,
                         pin_factory=mock_factory)
    try:
        mock_factory.pin(27).drive_low()    # refused, kept
        fail[0] = False
        mock_factory.pin(27).drive_high()
        assert delivered == [0.0, 1.0]
    finally:
        door.close()


def test_a_door_bouncing_shut_within_a_second_is_stored_as_every_edge(mock_factory, clock, store):
    pipeline = EventPipeline(store)  # the store drops repeats: each edge must be its own reading
    door = ContactSource(cfg(type="contact", sensor="front_door", pin=27), "home-1", clock, pipeline.submit_one,
                         pin_factory=mock_factory, bounce_time=None)
    try:
        pin = mock_factory.pin(27)
        pin.drive_low()     # slammed shut,
        pin.drive_high()    # bounces open
        pin.drive_low()     # and shut for good, all within the clock's second
    finally:
        door.close()
    assert [e.value for e in store.events()] == [0.0, 1.0, 0.0], "the door is stored as shut"


def test_a_reading_the_store_refused_is_retried_without_waiting_for_the_next_edge(mock_factory, clock, store):
    pipeline, locked = EventPipeline(store), [True]

    def sink(event):
        if locked[0]:
            raise RuntimeError("database is locked")
        pipeline.submit_one(event)

    config = config_from_dict({"gpio": {"enabled": True, "sensors": [
        {"type": "contact", "sensor": "front_door", "room": "hall", "pin": 27}]}})
    sources = GpioSources(config.gpio, "home-1", clock, sink, pin_factory=mock_factory)
    try:
        mock_factory.pin(27).drive_low()   # the door shut while the store was busy; it stays shut all night
        locked[0] = False
        sources.loop.retry_backlogs(now=1_000.0)
    finally:
        sources.close()
    assert [(e.sensor, e.value) for e in store.events()] == [("front_door", 0.0)]


# --------------------------------------------------------------------------- LDR

def test_ldr_reports_light_dark_and_level(mock_factory, clock):
    pin = mock_factory.pin(22, pin_class=MockChargingPin, charge_time=0.02)  # dark: slower than the limit
    sink = Recorder()
    ldr = LightSource(cfg(type="light", sensor="lounge_ldr", room="living_room", pin=22), "home-1", clock,
                      sink, pin_factory=mock_factory)
    try:
        assert ldr.device.wait_for_dark(WAIT)
        assert ldr.sample_once() == pytest.approx(0.0, abs=1)
        dark_level = sink.next()
        assert (dark_level.sensor, dark_level.kind) == ("lounge_ldr_level", "light")
        pin.charge_time = 0.001                                  # bright: charges in 1 ms of 10
        assert ldr.device.wait_for_light(WAIT)
        lit = sink.next()
        assert (lit.sensor, lit.kind, lit.value) == ("lounge_ldr", "light", 1.0)
        deadline = time.monotonic() + WAIT
        while ldr.device.value < 0.8 and time.monotonic() < deadline:   # let the 5-reading queue fill
            time.sleep(0.01)
        level = ldr.sample_once()
        assert 50 <= level <= 100  # charged in 1 ms of 10: about 90, less on a busy machine (real time)
        assert sink.next().value == level
        ldr.sample_once()                                        # same level: nothing new to say
        pin.charge_time = 0.02
        assert ldr.device.wait_for_dark(WAIT)
        assert [e for e in sink.events if e.sensor == "lounge_ldr"][-1].value == 0.0
        assert sum(e.sensor == "lounge_ldr_level" for e in sink.events) == 2
    finally:
        ldr.close()


# --------------------------------------------------------------------------- current clamp

def test_rms_watts_of_a_biased_sine():
    volts = [1.65 + 0.2 * math.sin(2 * math.pi * k / 40) for k in range(400)]
    # 0.2 V peak -> 0.1414 V RMS -> 4.243 A at 30 A/V -> 975.8 W at 230 V
    assert rms_watts(volts, 30, 230) == pytest.approx(0.2 / math.sqrt(2) * 30 * 230, rel=1e-6)
    assert rms_watts([1.65] * 50, 30, 230) == pytest.approx(0.0, abs=1e-6)
    with pytest.raises(ValueError):
        rms_watts([], 30, 230)


def test_clamp_reads_a_known_load_through_the_real_mcp3008(spi_factory, clock):
    adc = SineADC(spi_factory)
    sink = Recorder()
    clamp = PowerClampSource(cfg(type="power", sensor="mains", room="", pin=-1, channel=0, on_watts=30),
                             "home-1", clock, sink, pin_factory=spi_factory)
    try:
        adc.set_watts(1000)
        watts = clamp.sample_once()
        assert watts == pytest.approx(1000, rel=0.05)
        assert set(adc.channels_read) == {0} and len(adc.channels_read) == 200
        assert [(e.kind, e.value) for e in sink.events] == [("power", watts), ("appliance", 1.0)]
        adc.set_watts(3000)
        assert clamp.sample_once() == pytest.approx(3000, rel=0.05)
        adc.set_watts(0)
        assert clamp.sample_once() < 10           # quantisation noise only
        assert [e.value for e in sink.events if e.kind == "appliance"] == [1.0, 0.0]
    finally:
        clamp.close()
        adc.close()


def test_clamp_hysteresis_does_not_flap_around_the_threshold(spi_factory, clock):
    adc = SineADC(spi_factory)
    sink = Recorder()
    clamp = PowerClampSource(cfg(type="power", sensor="kettle", room="kitchen", pin=-1, channel=0,
                                 on_watts=200), "home-1", clock, sink, pin_factory=spi_factory)
    try:
        readings = []
        for watts in (190, 230, 180, 150, 215, 170, 145, 120, 210, 135):
            adc.set_watts(watts)
            readings.append(clamp.sample_once())
        switches = [e.value for e in sink.events if e.kind == "appliance"]
        # on at >= 200, off only below 140 (0.7 x 200): 180/150/170/145 keep it on
        assert switches == [1.0, 0.0, 1.0, 0.0], readings
        naive = sum((a >= 200) != (b >= 200) for a, b in zip(readings, readings[1:]))
        assert naive >= 6  # a bare threshold would have flapped on nearly every reading
        assert len([e for e in sink.events if e.kind == "power"]) == 10
    finally:
        clamp.close()
        adc.close()


# --------------------------------------------------------------------------- bad wiring config

def test_a_pin_that_does_not_exist_names_the_sensor(mock_factory, clock):
    with pytest.raises(HardwareError, match="hall_pir.*pin 40"):
        MotionSource(cfg(pin=40), "h", clock, Recorder(), pin_factory=mock_factory)


def test_two_sensors_on_one_pin_names_the_second(mock_factory, clock):
    first = MotionSource(cfg(), "h", clock, Recorder(), pin_factory=mock_factory)
    try:
        with pytest.raises(HardwareError, match="'back_door'.*pin 17") as err:
            ContactSource(cfg(type="contact", sensor="back_door"), "h", clock, Recorder(),
                          pin_factory=mock_factory)
        assert err.value.__cause__ is not None
    finally:
        first.close()


def test_a_config_for_another_sensor_type_is_refused(mock_factory, clock):
    with pytest.raises(HardwareError, match="kettle.*'power'.*not 'motion'"):
        MotionSource(cfg(type="power", sensor="kettle", channel=0), "h", clock, Recorder(),
                     pin_factory=mock_factory)
    with pytest.raises(HardwareError, match="mains.*channel 9"):
        PowerClampSource(cfg(type="power", sensor="mains", channel=9), "h", clock, Recorder(),
                         pin_factory=mock_factory)


def test_an_unknown_pin_factory_is_a_hardware_error():
    with pytest.raises(HardwareError, match="'gpiod'"):
        make_pin_factory("gpiod")


# --------------------------------------------------------------------------- the builder

WIRING_TOML = {
    "household": {"id": "home-1"},
    "gpio": {"enabled": True, "pin_factory": "lgpio", "sensors": [
        {"type": "motion", "sensor": "hall_pir", "room": "hall", "pin": 17},
        {"type": "contact", "sensor": "front_door", "room": "hall", "pin": 27},
        {"type": "light", "sensor": "lounge_ldr", "room": "living_room", "pin": 22, "threshold": 0.1,
         "sample_every_s": 0.05},
        {"type": "power", "sensor": "mains", "room": "", "channel": 0, "on_watts": 30.0,
         "amps_per_volt": 30.0, "mains_volts": 230.0, "sample_every_s": 0.05},
    ]},
}


def test_gpio_sources_build_every_sensor_sample_and_close(spi_factory, clock):
    config = config_from_dict(WIRING_TOML)
    spi_factory.pin(22, pin_class=MockChargingPin, charge_time=0.02)
    adc = SineADC(spi_factory)
    adc.set_watts(500)
    sink = Recorder()
    sources = GpioSources(config.gpio, config.household.id, clock, sink, pin_factory=spi_factory)
    try:
        assert [type(s).__name__ for s in sources.sources] == \
            ["MotionSource", "ContactSource", "LightSource", "PowerClampSource"]
        sources.start()
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline and not (
                any(e.sensor == "mains" and e.kind == "appliance" for e in sink.events)
                and any(e.sensor == "lounge_ldr_level" for e in sink.events)):
            time.sleep(0.02)
        power = [e for e in sink.events if e.sensor == "mains" and e.kind == "power"]
        assert power and power[0].value == pytest.approx(500, rel=0.05)
        assert any(e.sensor == "lounge_ldr_level" for e in sink.events)
        spi_factory.pin(27).drive_low()
        assert any(e.sensor == "front_door" and e.value == 0 for e in sink.events)
        devices = [s.device for s in sources.sources]
    finally:
        sources.close()
        adc.close()
    assert all(d.closed for d in devices)
    assert sources.loop._thread is None


def test_gpio_sources_close_what_they_built_when_a_later_sensor_fails(mock_factory, clock):
    config = config_from_dict({"gpio": {"sensors": [
        {"type": "motion", "sensor": "hall_pir", "pin": 17},
        {"type": "contact", "sensor": "front_door", "pin": 17},
    ]}})
    with pytest.raises(HardwareError, match="front_door"):
        GpioSources(config.gpio, "h", clock, Recorder(), pin_factory=mock_factory)
    again = MotionSource(cfg(), "h", clock, Recorder(), pin_factory=mock_factory)  # pin 17 was released
    again.close()


def test_sampling_loop_keeps_going_when_one_source_fails(clock):
    class Flaky:
        periodic, every_s = True, 10.0
        config = cfg(sensor="flaky")

        def __init__(self):
            self.calls = 0

        def sample_once(self):
            self.calls += 1
            raise HardwareError("SPI read failed")

    class Steady(Flaky):
        config = cfg(sensor="steady")

        def sample_once(self):
            self.calls += 1

    flaky, steady = Flaky(), Steady()
    loop = SamplingLoop([flaky, steady, object()])
    due = [0.0, 0.0]
    loop.run_due(due, 100.0)
    loop.run_due(due, 105.0)     # not due yet
    loop.run_due(due, 110.0)
    assert (flaky.calls, steady.calls, loop.errors) == (2, 2, 2)
    assert due == [120.0, 120.0]
