"""``eldercare import`` / ``export``: exact round trip, all-or-nothing import, clear errors."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from hub.cli import main
from hub.store import Store

HEADER = "timestamp,sensor,kind,value,room\n"


def history(n: int) -> str:
    t0 = dt.datetime(2024, 3, 4, 6, 0)
    rows = []
    for i in range(n):
        t = (t0 + dt.timedelta(seconds=7 * i)).isoformat()
        rows.append(f"{t},hall_pir,motion,{i % 2},hall\n")
        if i % 50 == 0:
            rows.append(f"{t},kettle,power,{1850.5 if i % 100 else 0},kitchen\n")
    return HEADER + "".join(rows)


def test_round_trip_is_exact_including_repeated_readings(tmp_path: Path, capsys):
    text = history(3000)
    # a real recording repeats a reading within the same second; a door has no room
    text += "2024-03-04T12:00:00,front_door,door,1,\n" * 2 + "2024-03-04T12:00:01,front_door,door,0,\n"
    src, out, db = tmp_path / "in.csv", tmp_path / "out.csv", tmp_path / "hub.sqlite"
    src.write_text(text)
    assert main(["import", str(src), "--store", str(db), "--household", "h1"]) == 0
    assert main(["import", str(src), "--store", str(db), "--household", "h1"]) == 0  # idempotent
    assert "0 new events" in capsys.readouterr().out
    assert main(["export", "--since", "2024-03-04", str(out), "--store", str(db), "--household", "h1"]) == 0
    assert out.read_text() == text


def test_export_window_and_stdout(tmp_path: Path, capsys):
    src, db = tmp_path / "in.csv", tmp_path / "hub.sqlite"
    src.write_text(history(100))
    assert main(["import", str(src), "--store", str(db)]) == 0
    capsys.readouterr()
    assert main(["export", "--since", "2024-03-04T06:01:00", "--until", "2024-03-04T06:02:00", "-",
                 "--store", str(db)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == HEADER.strip()
    assert [line.split(",")[0] for line in lines[1:]] == [
        (dt.datetime(2024, 3, 4, 6, 0) + dt.timedelta(seconds=7 * i)).isoformat() for i in range(9, 18)]


def test_bad_row_names_the_line_and_imports_nothing(tmp_path: Path, capsys):
    good = history(6000)  # more than one insert chunk before the bad row
    bad_line = good.count("\n") + 1
    src, db = tmp_path / "in.csv", tmp_path / "hub.sqlite"
    src.write_text(good + "2024-03-04T23:00:00,hall_pir,motion,lots,hall\n"
                   + "2024-03-04T23:00:01,hall_pir,motion,1,hall\n")
    assert main(["import", str(src), "--store", str(db)]) == 2
    err = capsys.readouterr().err
    assert f"in.csv, line {bad_line}: value 'lots' is not a number" in err
    with Store(db) as store:
        assert store.count_events() == 0


@pytest.mark.parametrize("value", ["nan", "inf", "-Infinity"])
def test_a_value_that_is_no_finite_number_names_the_line(tmp_path: Path, capsys, value):
    src, db = tmp_path / "in.csv", tmp_path / "hub.sqlite"
    src.write_text(HEADER + "2024-03-04T08:00:00,hall_pir,motion,1,hall\n"
                   + f"2024-03-04T08:01:00,kettle,power,{value},kitchen\n")
    assert main(["import", str(src), "--store", str(db)]) == 2
    assert f"in.csv, line 3: value '{value}' is not a finite number" in capsys.readouterr().err


def test_store_and_household_from_the_config_and_progress_on_request(tmp_path: Path, capsys):
    db = tmp_path / "from-config.sqlite"
    cfg = tmp_path / "hub.toml"
    cfg.write_text(f'[household]\nid = "flat-7"\n[store]\npath = "{db}"\n')
    src = tmp_path / "in.csv"
    src.write_text(history(10))
    assert main(["import", str(src), "--config", str(cfg), "--progress"]) == 0
    err = capsys.readouterr().err
    assert "importing in.csv [####################] 100% 11 rows" in err
    with Store(db) as store:
        assert {e.household for e in store.events()} == {"flat-7"}
    assert main(["import", str(src), "--config", str(cfg)]) == 0
    assert "%" not in capsys.readouterr().err  # not a terminal, no --progress: no progress line


def test_export_from_a_missing_store_is_an_error(tmp_path: Path, capsys):
    missing = tmp_path / "nope.sqlite"
    assert main(["export", "--since", "2024-01-01", str(tmp_path / "o.csv"), "--store", str(missing)]) == 2
    assert "no store at" in capsys.readouterr().err
    assert not (tmp_path / "nope.sqlite").exists()


def test_reading_from_a_day_on_skips_earlier_rows_and_checks_the_rest(tmp_path: Path):
    from hub.csvio import read_events
    from hub.errors import ImportFormatError

    path = tmp_path / "long.csv"
    path.write_text(HEADER + "2024-01-02T10:00:00,hall_pir,motion,1,hall\n"
                    "2024-03-01T09:00:00,hall_pir,motion,1,hall\n2024-03-01T09:00:05,hall_pir,motion,0,hall\n")
    assert [e.time.day for e in read_events(path, since=dt.date(2024, 2, 1))] == [1, 1]
    assert len(list(read_events(path))) == 3
    path.write_text(HEADER + "2024-01-02T10:00:00,hall_pir,motion,1,hall\n2024-03-01T09:00:00,hall_pir,teleport,1,\n")
    try:
        list(read_events(path, since=dt.date(2024, 2, 1)))
    except ImportFormatError as err:
        assert "line 3" in str(err) and "teleport" in str(err)
    else:
        raise AssertionError("a bad row inside the window must still be an error")


def test_rows_dropped_before_a_day_are_exactly_the_earlier_ones_and_errors_keep_their_line(tmp_path: Path):
    from hub.csvio import read_events
    from hub.errors import ImportFormatError

    rows = ["2024-01-02T10:00:00,hall_pir,motion,1,hall",
            "  2024-03-01T08:00:00,hall_pir,motion,1,hall",  # indented: still dated by its timestamp
            "2024-03-01T08:00:05,hall_pir,motion,0,hall",
            "2024-01-03T11:00:00,kettle,power,1500,kitchen",  # an old row out of order
            '2024-01-04T07:00:00,"bed, left",pressure,1,bedroom',  # quoted: from here the parser decides
            "2024-01-04T07:30:00,bed_right,pressure,1,bedroom",
            "2024-03-02T07:00:00,bed_right,pressure,1,bedroom"]
    path = tmp_path / "long.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n")
    since = dt.date(2024, 2, 1)
    kept = list(read_events(path, since=since))
    assert kept == [e for e in read_events(path) if e.time.date() >= since]
    assert [e.time.isoformat() for e in kept] == ["2024-03-01T08:00:00", "2024-03-01T08:00:05", "2024-03-02T07:00:00"]

    # the timestamp in another column: the rows are still judged by it
    path.write_text("sensor,kind,value,room,timestamp\nhall_pir,motion,1,hall,2024-01-02T10:00:00\n"
                    "hall_pir,motion,1,hall,2024-03-01T09:00:00\n")
    assert [e.time.month for e in read_events(path, since=since)] == [3]

    for bad_at in (2, 4, 6):  # after dropped lines, after an indented one, after the quoted one
        lines = rows[:bad_at] + ["2024-03-01T09:00:00,hall_pir,teleport,1,"] + rows[bad_at:]
        path.write_text(HEADER + "\n".join(lines) + "\n")
        with pytest.raises(ImportFormatError, match=f"line {bad_at + 2}: .*teleport"):
            list(read_events(path, since=since))


def test_a_spreadsheets_csv_reads_as_written(tmp_path: Path):
    """Saved from a spreadsheet: byte-order mark, CRLF, "Motion", a space for the T, fractions of a
    second, "1.0" and "ON": the same readings as the plain file."""
    from hub.csvio import read_events

    plain = tmp_path / "plain.csv"
    plain.write_text(HEADER + "2024-03-01T09:00:00,hall_pir,motion,1,hall\n"
                     "2024-03-01T09:00:05,hall_pir,motion,0,hall\n2024-03-01T09:01:00,kettle,appliance,1,\n")
    sheet = tmp_path / "sheet.csv"
    sheet.write_bytes(("\ufeff" + HEADER.replace("\n", "\r\n")
                       + "2024-03-01 09:00:00.000,hall_pir,Motion,1.0,hall\r\n"
                       "2024-03-01 09:00:05,hall_pir,MOTION,0,hall\r\n2024-03-01T09:01:00,kettle,appliance,ON,\r\n"
                       ).encode("utf-8"))
    assert list(read_events(sheet)) == list(read_events(plain))
    assert len(list(read_events(plain))) == 3
    # binary states as research recordings write them (CASAS: ON/OFF, OPEN/CLOSE, PRESENT/ABSENT)
    words = tmp_path / "words.csv"
    words.write_text(HEADER + "2024-03-01T09:00:00,D001,door,OPEN,\n2024-03-01T09:00:04,D001,door,CLOSE,\n"
                     "2024-03-01T09:01:00,I001,contact,ABSENT,\n2024-03-01T09:02:00,I001,contact,PRESENT,\n")
    assert [e.value for e in read_events(words)] == [1.0, 0.0, 0.0, 1.0]
