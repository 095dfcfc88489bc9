"""The replay benchmark runs the real command end to end (a short history) and prints its lines."""
from __future__ import annotations

import datetime as dt
import re

from analytics.bench_replay import densify
from hub.cli import main
from hub.events import Event

T0 = dt.datetime(2025, 3, 3, 8)


def test_densify_repeats_motion_by_more_sensors_in_the_room_and_nothing_else():
    events = [Event(T0, "kitchen_pir", "motion", 1, "kitchen"), Event(T0, "fridge", "door", 1, "kitchen")]
    dense = list(densify(events, 3))
    assert [(e.sensor, e.time - T0, e.room) for e in dense if e.kind == "motion"] == [
        ("kitchen_pir", dt.timedelta(0), "kitchen"), ("kitchen_pir_1", dt.timedelta(seconds=2), "kitchen"),
        ("kitchen_pir_2", dt.timedelta(seconds=4), "kitchen")]
    assert [e.sensor for e in dense if e.kind == "door"] == ["fridge"]


def test_bench_replay_prints_a_line_per_density(capsys):
    assert main(["bench", "replay", "--history-days", "3", "--repeat", "1", "--sensors-per-room", "1,3"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    pattern = (r"replay sensors_per_room=(\d) rows_per_day=(\d+) history_rows=(\d+) "
               r"seconds=\d+\.\d\d peak_rss_mb=\d+")
    found = [re.fullmatch(pattern, line) for line in lines]
    assert all(found), lines
    (k1, day1, _), (k3, day3, _) = (m.groups() for m in found)
    assert (k1, k3) == ("1", "3") and int(day3) > 2 * int(day1)


def test_the_peak_memory_printed_is_the_replays_not_the_benchmarks(tmp_path):
    from analytics.bench_replay import _replay_once
    from hub.csvio import write_events

    history, events = tmp_path / "h.csv", tmp_path / "e.csv"
    write_events(history, [Event(T0 + dt.timedelta(hours=h), "kitchen_pir", "motion", 1, "kitchen") for h in range(48)])
    write_events(events, [Event(T0 + dt.timedelta(days=2), "kitchen_pir", "motion", 1, "kitchen")])
    held = b"x" * (160 * 2**20)  # the benchmark holding a simulated home: not the child's memory
    _seconds, peak_mb = _replay_once(history, events, T0 + dt.timedelta(days=2, hours=1), tmp_path / "a.jsonl")
    assert len(held) and 10 < peak_mb < 120
