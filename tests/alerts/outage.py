"""The outage scenario: Twilio unreachable for a simulated hour while alerts keep coming.

Five households, each with a three-person ladder. From Monday 10:00 an alert is raised every few
minutes (falls, late wake-ups, low batteries), the service ticks every 30 simulated seconds, and
Twilio's API refuses connections for the first hour, then answers a burst of 429s, then works.
One social worker's number is invalid (21211), so those alerts must move on to the backup.
People answer "OK <code>" two minutes after an SMS reaches them. At the end every alert must have
reached someone (Twilio accepted an SMS about it) or be visibly marked undeliverable.

Run ``python -m tests.alerts.outage`` for the figures; ``test_outage.py`` checks the same run.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import re
import tempfile
from pathlib import Path

from alerts.directory import Contact, Directory, Household
from alerts.service import AlertService
from alerts.twilio_channel import TwilioChannel
from hub.alert import Alert
from hub.clock import ManualClock
from hub.config import config_from_dict
from hub.store import Store
from tests.alerts.twilio_server import TwilioServer

START = dt.datetime(2024, 3, 4, 10, 0)  # a Monday
KINDS = [("inactivity", "critical", False, "No movement since {t}; usually moving within 95 minutes."),
         ("late_wakeup", "high", False, "Not up by {t}; usually up by 07:40."),
         ("battery_low", "low", True, "Hall sensor battery at 7% at {t}.")]


@dataclasses.dataclass
class OutageFigures:
    """What the run measured."""

    households: int
    alerts: int
    outage_minutes: int
    create_requests: int
    accepted: int
    send_attempts: int
    retries: int
    refused_429: int
    failed_for_good: int
    duplicates: int
    reached: int
    undeliverable: int
    fault_alerts: int
    max_delay: dt.timedelta
    drained_after_recovery: dt.timedelta

    def lines(self) -> list[str]:
        """The figures as report lines."""
        return [
            f"households {self.households}, alerts raised {self.alerts}, Twilio down {self.outage_minutes} min",
            f"SMS create requests reaching Twilio {self.create_requests} (429 refused {self.refused_429}), "
            f"accepted {self.accepted}",
            f"send attempts {self.send_attempts} (retries {self.retries}), failed for good {self.failed_for_good}, "
            f"duplicate SMS {self.duplicates}",
            f"alerts that reached a person {self.reached}/{self.alerts}, with an SMS marked undeliverable "
            f"{self.undeliverable} (sms_undeliverable alerts raised: {self.fault_alerts})",
            f"max delay raise -> first SMS accepted {self.max_delay}, outbox drained "
            f"{self.drained_after_recovery} after Twilio came back",
        ]


def run_outage(workdir: Path, households: int = 5, outage_minutes: int = 60, alert_every_minutes: int = 4,
               total_minutes: int = 100, invalid_number: str = "+447700904000") -> OutageFigures:
    """Run the scenario in ``workdir`` and return its figures."""
    twilio = TwilioServer()
    twilio.start()
    twilio.invalid_numbers.add(invalid_number)
    clock = ManualClock(START)
    config = config_from_dict({"alerts": {"escalate_after_minutes": {"critical": 15, "high": 30, "low": 720}}})
    channel = TwilioChannel(twilio.account_sid, twilio.auth_token, "+447700900999", api_base=twilio.base_url,
                            timeout=5)
    try:
        with Store(workdir / "outage.sqlite") as store:
            directory = Directory(store)
            for h in range(households):
                hid = f"home{h}"
                directory.upsert_household(Household(hid, f"Resident {h}"))
                ladder = [Contact(hid, i + 1, f"{role}{h}", f"+4477009{h:02d}{i:03d}", role)
                          for i, role in enumerate(("worker", "backup", "supervisor"))]
                directory.set_contacts(hid, ladder)
            service = AlertService(config, store, clock, channel, directory)
            twilio.stop()
            raised: dict[int, dt.datetime] = {}
            first_accept: dict[int, dt.datetime] = {}
            seen_messages = 0
            replies: list[tuple[dt.datetime, str, int]] = []
            kinds = itertools.cycle(KINDS)
            households_cycle = itertools.cycle(range(households))
            recovered_at = START + dt.timedelta(minutes=outage_minutes)
            drained_at = None
            for step in range(total_minutes * 2 + 1):
                now = START + dt.timedelta(seconds=30 * step)
                clock.set(now)
                if now == recovered_at:
                    twilio.start()
                    twilio.fail_next("429", times=5)
                if now < recovered_at and step % (alert_every_minutes * 2) == 0:
                    kind, severity, technical, text = next(kinds)
                    h = next(households_cycle)
                    rec = service.handle(Alert(now, f"home{h}", kind, severity, text.format(t=f"{now:%H:%M}"),
                                               technical=technical, condition=f"{kind}:{step}"))
                    raised[rec.id] = now
                for when, phone, code in [r for r in replies if r[0] <= now]:
                    service.reply_to_sms(phone, f"OK {code}")
                    replies.remove((when, phone, code))
                service.tick(now)
                for message in twilio.messages[seen_messages:]:
                    m = re.search(r"Reply OK (\d+) ", message["body"])
                    if m:
                        code = int(m.group(1))
                        first_accept.setdefault(code, now)
                        replies.append((now + dt.timedelta(minutes=2), message["to"], code))
                seen_messages = len(twilio.messages)
                waiting = service.outbox.messages(states=("pending", "retry", "unknown", "sending"))
                if now >= recovered_at and drained_at is None and not waiting:
                    drained_at = now
            messages = service.outbox.messages()
            all_alerts = service.book.list(limit=100000)
            undeliverable = {m.alert_id for m in messages if m.state in ("failed", "undelivered")}
            fault_alerts = sum(1 for r in all_alerts if r.alert.kind == "sms_undeliverable")
            reached = sum(1 for a in raised if a in first_accept)
            bodies = [(m["to"], m["body"]) for m in twilio.messages]
            figures = OutageFigures(
                households=households, alerts=len(raised), outage_minutes=outage_minutes,
                create_requests=len(twilio.creates), accepted=len(twilio.messages),
                send_attempts=sum(m.attempts for m in messages),
                retries=sum(max(m.attempts - 1, 0) for m in messages),
                refused_429=sum(1 for r in twilio.creates if r.status == 429),
                failed_for_good=sum(1 for m in messages if m.state == "failed"),
                duplicates=len(bodies) - len(set(bodies)),
                reached=reached, undeliverable=len(undeliverable & set(raised)), fault_alerts=fault_alerts,
                max_delay=max((first_accept[a] - raised[a] for a in first_accept if a in raised),
                              default=dt.timedelta(0)),
                drained_after_recovery=(drained_at - recovered_at) if drained_at else dt.timedelta.max)
            figures.unreached = sorted(set(raised) - set(first_accept) - undeliverable)
            return figures
    finally:
        channel.close()
        twilio.stop()


def main() -> None:
    """Print the figures of one run."""
    import logging
    import time
    logging.basicConfig(level=logging.ERROR)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        figures = run_outage(Path(tmp))
    for line in figures.lines():
        print(line)
    print(f"wall time {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
