"""Household or appliance power from a current clamp read through an MCP3008 ADC.

The clamp (e.g. an SCT-013-030: 30 A gives 1 V RMS) sits on the live wire; its output, across a
burden resistor (built into the -030) and lifted to mid-rail (3.3 V / 2) by a divider, goes to an
MCP3008 channel. :meth:`PowerClampSource.sample_once` reads a burst of samples, removes the bias
(their mean), takes the RMS, and converts: amps = V_rms × ``amps_per_volt``, watts = amps ×
``mains_volts`` (apparent power: no voltage is measured, so power factor is taken as 1).

It reports ``power`` watts on every sample and ``appliance`` 1/0 when the load crosses
``on_watts``: on at ``on_watts`` or more, off only below ``on_watts × off_ratio``, so noise around the
threshold does not flap. Sampling is driven from outside (:class:`hardware.gpio.SamplingLoop` in
production, direct calls in tests).
"""
from __future__ import annotations

import math
from collections.abc import Sequence

from hub.config import GpioSensorConfig
from hub.errors import HardwareError

from hardware.gpio_sensors import EventEmitter, Sink, build_device, check_type


def rms_watts(volts: Sequence[float], amps_per_volt: float, mains_volts: float) -> float:
    """Apparent power from ADC voltages sampled across the clamp's burden (bias removed by the mean)."""
    if not volts:
        raise ValueError("no samples")
    mean = sum(volts) / len(volts)
    rms = math.sqrt(sum((v - mean) ** 2 for v in volts) / len(volts))
    return rms * amps_per_volt * mains_volts


class PowerClampSource:
    """A current clamp on MCP3008 channel ``cfg.channel`` (SPI0: SCLK 11, MOSI 10, MISO 9, CE0 8)."""

    periodic = True

    def __init__(self, cfg: GpioSensorConfig, household: str, clock, sink: Sink, *, pin_factory,
                 samples: int = 200, off_ratio: float = 0.7, max_voltage: float = 3.3) -> None:
        check_type(cfg, "power")
        if not 0 <= cfg.channel <= 7:
            raise HardwareError(f"gpio sensor {cfg.sensor!r}: MCP3008 channel {cfg.channel} is not 0-7")
        if cfg.amps_per_volt <= 0 or cfg.mains_volts <= 0 or cfg.on_watts <= 0:
            raise HardwareError(f"gpio sensor {cfg.sensor!r}: amps_per_volt, mains_volts and on_watts "
                                "must be positive")
        if samples < 20 or not 0 < off_ratio < 1:
            raise HardwareError(f"gpio sensor {cfg.sensor!r}: need >= 20 samples and 0 < off_ratio < 1")
        from gpiozero import MCP3008

        self.config = cfg
        self.samples = samples
        self.off_watts = cfg.on_watts * off_ratio
        self.on = False
        self.last_watts: float | None = None
        self.emitter = EventEmitter(cfg, household, clock, sink)
        self.device = build_device(cfg, lambda: MCP3008(channel=cfg.channel, max_voltage=max_voltage,
                                                        pin_factory=pin_factory))

    @property
    def every_s(self) -> float:
        """Seconds between bursts."""
        return self.config.sample_every_s

    def read_watts(self) -> float:
        """Sample one burst and return the load in watts (no event)."""
        cfg = self.config
        try:
            volts = [self.device.voltage for _ in range(self.samples)]
        except Exception as err:  # an SPI read failing mid-burst is a hardware fault, named as such
            raise HardwareError(f"gpio sensor {cfg.sensor!r}: reading MCP3008 channel {cfg.channel} "
                                f"failed: {err}") from err
        return rms_watts(volts, cfg.amps_per_volt, cfg.mains_volts)

    def sample_once(self) -> float:
        """Sample a burst, report ``power`` watts and any ``appliance`` switch; return the watts."""
        watts = round(self.read_watts(), 1)
        self.last_watts = watts
        self.emitter.emit("power", watts)
        if not self.on and watts >= self.config.on_watts:
            self.on = True
            self.emitter.emit("appliance", 1)
        elif self.on and watts < self.off_watts:
            self.on = False
            self.emitter.emit("appliance", 0)
        return watts

    def close(self) -> None:
        """Release the SPI pins."""
        self.device.close()
