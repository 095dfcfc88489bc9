"""The ingest benchmark runs end to end (tiny sizes) and prints its contract line."""
from __future__ import annotations

import re

from hub.cli import main


def test_bench_ingest_prints_figures_and_the_summary_line(capsys):
    assert main(["bench", "ingest", "--messages", "700", "--repeats", "1", "--hour-events", "140"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert re.fullmatch(r"ingest events_per_s=\d+ ceiling_per_s=\d+ ratio=\d+\.\d\d", lines[-1])
    assert re.search(r"rss_mb=\d+\.\d", lines[-2])
    assert lines[0].startswith("published 700 QoS 1 messages")
