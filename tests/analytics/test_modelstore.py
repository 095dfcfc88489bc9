"""The routine survives a restart, and the hub refuses model files it did not write."""
from __future__ import annotations

import dataclasses
import json
import os
import stat

import numpy as np
import pytest

from analytics.modelstore import KEY_FILE, load_routine, routine_path, save_routine
from hub.errors import ModelError


def test_round_trip_keeps_every_figure(routine, tmp_path):
    routine = dataclasses.replace(routine, self_running=["fridge_plug"], exit_sensors=["door_3"])
    path = save_routine(routine, tmp_path)
    assert path == routine_path(tmp_path, "test-home")
    back = load_routine(path)
    assert back.days == routine.days and back.household == "test-home"
    np.testing.assert_allclose(back.quiet, routine.quiet, atol=0.01)
    np.testing.assert_array_equal(back.activity, routine.activity)
    np.testing.assert_array_equal(back.night, routine.night)
    np.testing.assert_array_equal(back.night_minutes, routine.night_minutes)
    assert routine.night_minutes.max() > 0
    assert back.wake_minutes == routine.wake_minutes
    assert back.appliance_minutes == routine.appliance_minutes
    assert back.self_running == routine.self_running and back.exit_sensors == routine.exit_sensors
    assert stat.S_IMODE(os.stat(tmp_path / KEY_FILE).st_mode) == 0o600


def test_tampered_file_is_refused(routine, tmp_path):
    path = save_routine(routine, tmp_path)
    doc = json.loads(path.read_text())
    payload = json.loads(doc["payload"])
    payload["wake_minutes"][0] = 1.0
    doc["payload"] = json.dumps(payload, separators=(",", ":"), sort_keys=True)
    path.write_text(json.dumps(doc))
    with pytest.raises(ModelError, match="signature"):
        load_routine(path)


def test_file_signed_by_another_hub_is_refused(routine, tmp_path):
    path = save_routine(routine, tmp_path / "hub1")
    save_routine(routine, tmp_path / "hub2")  # a second hub with its own key
    other = tmp_path / "hub2" / path.name
    other.write_bytes(path.read_bytes())
    (tmp_path / "hub2" / KEY_FILE).write_bytes(os.urandom(32))
    with pytest.raises(ModelError, match="signature"):
        load_routine(other)


@pytest.mark.parametrize("content", [b"\x80\x04\x95 not json", b'{"format": "pickle"}', b"[1, 2]"])
def test_unknown_files_are_refused(routine, tmp_path, content):
    save_routine(routine, tmp_path)
    path = tmp_path / "routine-x.json"
    path.write_bytes(content)
    with pytest.raises(ModelError, match="not a eldercare-routine file"):
        load_routine(path)


def test_loading_without_this_hubs_key_is_refused(routine, tmp_path):
    path = save_routine(routine, tmp_path)
    (tmp_path / KEY_FILE).unlink()
    with pytest.raises(ModelError, match="no signing key"):
        load_routine(path)


def test_a_signing_key_cut_short_by_a_power_cut_is_replaced_on_the_next_save(routine, tmp_path):
    (tmp_path / KEY_FILE).write_bytes(b"")  # what a power cut during the first save can leave
    with pytest.raises(ModelError, match="too short"):
        load_routine(routine_path(tmp_path, routine.household))
    path = save_routine(routine, tmp_path)  # the nightly save goes on: the routine is not frozen for good
    assert len((tmp_path / KEY_FILE).read_bytes()) == 32
    assert load_routine(path).household == routine.household


def test_a_routine_saved_by_an_older_version_is_refused_so_it_is_relearned(routine, tmp_path):
    """Older routines lack what the detectors now read (version 1 ``night_minutes``, version 2
    ``sleep_sensors``, version 3 ``lone_spells``): the hub relearns rather than guess them."""
    path = save_routine(routine, tmp_path)
    doc = json.loads(path.read_text())
    doc["version"] = 3
    path.write_text(json.dumps(doc))
    with pytest.raises(ModelError, match="version 3 is not 4; retrain"):
        load_routine(path)
