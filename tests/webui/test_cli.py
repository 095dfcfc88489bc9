"""``eldercare users``: the first admin and later accounts are made from the command line."""
from __future__ import annotations

import subprocess
import sys

from hub.clock import SystemClock
from hub.store import Store
from webui.users import UserBook


def users(config, *args, stdin=""):
    return subprocess.run([sys.executable, "-m", "hub.cli", "users", "-c", str(config), *args],
                          input=stdin, capture_output=True, text=True, timeout=60)


def test_add_list_assign_disable(tmp_path):
    db = tmp_path / "hub.sqlite"
    config = tmp_path / "hub.toml"
    config.write_text(f'[store]\npath = "{db}"\n')
    made = users(config, "add", "maria", "--role", "caseworker", "--name", "Maria Lopez",
                 "--households", "kim-12", "--password-stdin", stdin="a long passphrase\n")
    assert made.returncode == 0, made.stderr
    assert "kim-12" in users(config, "list").stdout
    assert users(config, "assign", "maria", "kim-12", "lee-4").returncode == 0
    assert users(config, "disable", "maria").returncode == 0
    with Store(db) as store:
        book = UserBook(store, SystemClock())
        maria = book.by_username("maria")
        assert book.households_of(maria) == {"kim-12", "lee-4"} and not maria.active


def test_a_short_password_is_refused_with_the_reason(tmp_path):
    config = tmp_path / "hub.toml"
    config.write_text(f'[store]\npath = "{tmp_path / "hub.sqlite"}"\n')
    result = users(config, "add", "bob", "--role", "admin", "--password-stdin", stdin="short\n")
    assert result.returncode == 2 and "at least 10 characters" in result.stderr
