"""``eldercare replay`` end to end, as the referee runs it: a subprocess on small CSV files."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

from hub.csvio import write_events
from tests.analytics import homes


def run_replay(tmp_path, history, events, until):
    write_events(tmp_path / "history.csv", history)
    write_events(tmp_path / "events.csv", events)
    out = tmp_path / "alerts.jsonl"
    p = subprocess.run([sys.executable, "-m", "hub.cli", "replay", "--history", str(tmp_path / "history.csv"),
                        "--events", str(tmp_path / "events.csv"), "--until", until.isoformat(),
                        "--alerts-out", str(out)], capture_output=True, text=True, timeout=60)
    return p, out


def test_replay_contract_collapse(tmp_path):
    history = homes.history(14)
    day = homes.START + dt.timedelta(days=14)
    events = homes.incident_day("collapse", day)
    until = dt.datetime.combine(day, dt.time(23, 0))
    p, out = run_replay(tmp_path, history, events, until)
    assert p.returncode == 0, p.stderr
    alerts = [json.loads(line) for line in out.read_text().splitlines()]
    assert alerts, "a collapse must raise an alert"
    first = alerts[0]
    for key in ("time", "kind", "technical", "household", "severity", "message", "evidence"):
        assert key in first
    assert first["kind"] == "inactivity" and first["technical"] is False
    stop = max(e.time for e in events)
    raised = dt.datetime.fromisoformat(first["time"])
    assert stop < raised <= stop + dt.timedelta(hours=2)
    assert all(dt.datetime.fromisoformat(a["time"]) <= until for a in alerts)


def test_replay_normal_day_writes_no_alert(tmp_path):
    history = homes.history(14)
    day = homes.START + dt.timedelta(days=14)
    p, out = run_replay(tmp_path, history, homes.incident_day("normal", day), dt.datetime.combine(day, dt.time(23)))
    assert p.returncode == 0, p.stderr
    assert out.read_text() == ""


def test_replay_bad_csv_is_a_clear_error(tmp_path):
    history = homes.history(3)
    (tmp_path / "bad.csv").write_text("timestamp,sensor,kind,value,room\n2024-03-08T10:00:00,hall,teleport,1,\n")
    write_events(tmp_path / "history.csv", history)
    p = subprocess.run([sys.executable, "-m", "hub.cli", "replay", "--history", str(tmp_path / "history.csv"),
                        "--events", str(tmp_path / "bad.csv"), "--until", "2024-03-09T00:00:00",
                        "--alerts-out", str(tmp_path / "a.jsonl")], capture_output=True, text=True, timeout=60)
    assert p.returncode == 2
    assert "bad.csv, line 2" in p.stderr and "teleport" in p.stderr


def test_replay_learns_from_the_same_window_as_the_live_hub(tmp_path):
    """A history of months is read only as far back as the hub's nightly job learns from."""
    from analytics.replay import learning_window_start
    from analytics.routine import KEEP_DAYS

    day = homes.START + dt.timedelta(days=14)
    events = homes.incident_day("normal", day)
    assert learning_window_start(events, dt.datetime.combine(day, dt.time(23))) == day - dt.timedelta(days=KEEP_DAYS)
    assert learning_window_start([], dt.datetime.combine(day, dt.time(23))) == day - dt.timedelta(days=KEEP_DAYS)
    # a broken row from long before the window is never read: the replay is the same as without it
    history = homes.history(14)
    write_events(tmp_path / "history.csv", history)
    text = (tmp_path / "history.csv").read_text().splitlines(keepends=True)
    old = (homes.START - dt.timedelta(days=KEEP_DAYS + 30)).isoformat()
    (tmp_path / "long.csv").write_text(text[0] + f"{old}T10:00:00,hall_pir,teleport,1,\n" + "".join(text[1:]))
    write_events(tmp_path / "events.csv", homes.incident_day("collapse", day))
    runs = []
    for name in ("history.csv", "long.csv"):
        out = tmp_path / f"alerts-{name}.jsonl"
        p = subprocess.run([sys.executable, "-m", "hub.cli", "replay", "--history", str(tmp_path / name),
                            "--events", str(tmp_path / "events.csv"), "--until", f"{day}T23:00:00",
                            "--alerts-out", str(out)], capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        runs.append(out.read_text())
    assert runs[0] and runs[0] == runs[1]


def test_replay_takes_the_inactivity_budget_and_refuses_a_bad_one(tmp_path):
    history = homes.history(14)
    day = homes.START + dt.timedelta(days=14)
    write_events(tmp_path / "history.csv", history)
    write_events(tmp_path / "events.csv", homes.incident_day("collapse", day))
    base = [sys.executable, "-m", "hub.cli", "replay", "--history", str(tmp_path / "history.csv"),
            "--events", str(tmp_path / "events.csv"), "--until", f"{day}T23:00:00",
            "--alerts-out", str(tmp_path / "a.jsonl")]
    p = subprocess.run(base + ["--inactivity-budget", "0.5"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    first = json.loads((tmp_path / "a.jsonl").read_text().splitlines()[0])
    assert first["kind"] == "inactivity"
    p = subprocess.run(base + ["--inactivity-budget", "-1"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "--inactivity-budget" in p.stderr


def test_what_already_held_when_the_history_ends_is_not_news_on_the_replayed_day():
    """A live hub watched through the history too: the microwave found on since two days ago was
    reported then and is still open; the kettle left on today is news."""
    from analytics.replay import replay
    from hub.events import Event

    history = homes.history(14)
    day = homes.START + dt.timedelta(days=14)
    history.append(Event(dt.datetime.combine(day, dt.time(12)) - dt.timedelta(days=2), "microwave", "appliance", 1.0))
    history.sort(key=lambda e: e.time)
    alerts = list(replay(history, homes.incident_day("kettle_left_on", day), dt.datetime.combine(day, dt.time(23))))
    assert [(a.kind, a.evidence["sensor"]) for a in alerts] == [("appliance_on", "kettle")]


def test_what_was_raised_after_the_last_history_reading_but_before_the_replayed_day_is_not_news():
    """The history runs up to the replayed day: its readings stop at 21:00 the evening before, so the
    hub raised the silence that evening, and the replayed day (an ordinary one) has nothing new."""
    from analytics.replay import replay

    day = homes.START + dt.timedelta(days=14)
    history = [e for e in homes.history(14) if e.time < dt.datetime.combine(day, dt.time(21)) - dt.timedelta(days=1)]
    alerts = list(replay(history, homes.incident_day("normal", day), dt.datetime.combine(day, dt.time(23))))
    assert alerts == []


def test_detectors_on_ticks_only_hold_the_same_conditions_a_minute_at_most_later():
    """The warm-up drops what it raises: run on the clock's ticks alone, it must still find every
    condition, on the next tick."""
    from analytics.engine import Engine
    from analytics.replay import drive
    from analytics.routine import learn
    from hub.clock import ManualClock
    from hub.events import Event

    history = homes.history(14)
    routine = learn(history)
    day = homes.START + dt.timedelta(days=14)
    night = dt.datetime.combine(day, dt.time(2, 0, 10))  # the front door opened in the night, shut 30 s later
    door = [Event(night, "front_door", "door", 1.0), Event(night + dt.timedelta(seconds=30), "front_door", "door", 0.0)]
    events = (homes.incident_day("normal", day) + door
              + homes.incident_day("kettle_left_on", day + dt.timedelta(days=1)))
    runs = []
    for each in (True, False):
        clock = ManualClock(history[-1].time)
        engine = Engine(routine, clock)
        engine.prime(history)
        runs.append(list(drive(engine, clock, sorted(events, key=lambda e: e.time),
                               dt.datetime.combine(day, dt.time()) + dt.timedelta(days=2), on_each_event=each)))
    every, ticks = runs
    assert [a.condition for a in ticks] == [a.condition for a in every] and every
    assert every[0].kind == "night_activity" and every[0].time.second == 40  # found as the door shut
    assert all(a.time.second == 0 and dt.timedelta(0) <= a.time - b.time < dt.timedelta(minutes=1)
               for a, b in zip(ticks, every))
