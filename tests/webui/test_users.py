"""Accounts, password hashing, log-in throttling on the injected clock, and session invalidation."""
from __future__ import annotations

import datetime as dt
import threading

import pytest

from hub.errors import LoginThrottled, PanelError
from webui.users import FREE_FAILURES, UserBook


@pytest.fixture
def users(store, clock) -> UserBook:
    return UserBook(store, clock)


def test_password_is_hashed_and_checked(users, store):
    user = users.create("carol", "a long passphrase", "caseworker", name="Carol Hughes", households=["edith"])
    stored = store.query("SELECT password_hash FROM panel_users WHERE id=?", (user.id,))[0][0]
    assert stored.startswith("scrypt:") and "a long passphrase" not in stored
    assert users.authenticate("Carol", "a long passphrase", "10.0.0.1") == user
    assert users.authenticate("carol", "a wrong passphrase", "10.0.0.1") is None
    assert users.households_of(user) == {"edith"}


def test_bad_accounts_are_refused(users):
    users.create("carol", "a long passphrase", "caseworker")
    with pytest.raises(PanelError, match="already taken"):
        users.create("CAROL", "another passphrase", "caseworker")
    with pytest.raises(PanelError, match="at least 10"):
        users.create("dan", "short", "caseworker")
    with pytest.raises(PanelError, match="role"):
        users.create("dan", "a long passphrase", "superuser")


def test_failed_logins_lock_out_longer_each_time(users, clock):
    users.create("carol", "a long passphrase", "caseworker")
    for _ in range(FREE_FAILURES - 1):
        assert users.authenticate("carol", "guess", "10.0.0.9") is None
    assert users.authenticate("carol", "guess", "10.0.0.9") is None  # the fifth: locked for 1 minute
    with pytest.raises(LoginThrottled) as locked:
        users.authenticate("carol", "a long passphrase", "10.0.0.9")  # even the right password waits
    assert locked.value.retry_after == 60
    # another address is not locked out by someone else's guessing
    assert users.authenticate("carol", "a long passphrase", "10.0.0.2") is not None
    clock.advance(dt.timedelta(seconds=61))
    assert users.authenticate("carol", "guess", "10.0.0.9") is None  # sixth failure: 2 minutes
    with pytest.raises(LoginThrottled) as locked:
        users.authenticate("carol", "guess", "10.0.0.9")
    assert locked.value.retry_after == 120
    clock.advance(dt.timedelta(minutes=2, seconds=1))
    assert users.authenticate("carol", "a long passphrase", "10.0.0.9") is not None  # success clears the count
    assert users.authenticate("carol", "guess", "10.0.0.9") is None
    assert users.authenticate("carol", "a long passphrase", "10.0.0.9") is not None


def test_guesses_sent_together_are_each_counted_and_stopped_at_the_lock(users, store):
    """Sixteen guesses sent at once: before, each was checked against the count read before any
    was counted, so most went uncounted and all sixteen were tried. Now the first five are counted
    and the rest find the pair locked out."""
    users.create("carol", "a long passphrase", "caseworker")
    outcomes: list = []

    def guess() -> None:
        try:
            outcomes.append(users.authenticate("carol", "guess", "10.0.0.9"))
        except LoginThrottled:
            outcomes.append("locked out")
    threads = [threading.Thread(target=guess) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    [counted] = store.query("SELECT failures FROM panel_login_failures WHERE username='carol' AND ip='10.0.0.9'")
    assert (outcomes.count(None), outcomes.count("locked out")) == (FREE_FAILURES, 16 - FREE_FAILURES)
    assert counted["failures"] == FREE_FAILURES


def test_unknown_usernames_are_throttled_too(users):
    for _ in range(FREE_FAILURES):
        users.authenticate("ghost", "guess", "10.0.0.9")
    with pytest.raises(LoginThrottled):
        users.authenticate("ghost", "guess", "10.0.0.9")


def test_password_change_and_disabling_end_sessions(users):
    user = users.create("carol", "a long passphrase", "caseworker")
    session = user.get_id()
    assert users.load_session(session) == user
    users.set_password(user.id, "a new long passphrase")
    assert users.load_session(session) is None
    fresh = users.get(user.id).get_id()
    assert users.load_session(fresh) is not None
    users.update(user.id, active=False)
    assert users.load_session(fresh) is None
    assert users.authenticate("carol", "a new long passphrase", "10.0.0.1") is None
