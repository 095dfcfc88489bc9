"""The directory: households and their ladders."""
from __future__ import annotations

import pytest

from alerts.directory import Contact, Directory, Household
from hub.errors import NotFoundError


def test_config_becomes_the_single_home_ladder(store, config):
    d = Directory(store)
    d.load_from_config(config)
    assert d.household("smith") == Household("smith", "Mrs Smith")
    ladder = d.contacts("smith")
    assert [(c.position, c.name, c.role) for c in ladder] == [(1, "Jane", "social_worker"), (2, "Bob", "backup"),
                                                                (3, "Sue", "supervisor")]
    assert ladder[0].on_duty == ("mon-fri 08:00-18:00",)


def test_set_contacts_replaces_and_renumbers(store, directory):
    directory.set_contacts("smith", [Contact("smith", 7, "Sue", "+44 7700 900003", "supervisor")])
    assert directory.contacts("smith") == [Contact("smith", 1, "Sue", "+447700900003", "supervisor")]
    with pytest.raises(NotFoundError):
        directory.set_contacts("nobody", [])


def test_phone_lookup_spans_households(store, directory):
    directory.upsert_household(Household("jones", "Mr Jones"))
    directory.set_contacts("jones", [Contact("jones", 1, "Bob", "+447700900002", "social_worker")])
    places = directory.contact_by_phone("+44 (7700) 900-002")
    assert [(c.household, c.position) for c in places] == [("jones", 1), ("smith", 2)]
    assert directory.contact_by_phone("+15005550006") == []


def test_households_are_listed_and_updated(store, directory):
    directory.upsert_household(Household("smith", "Mrs E. Smith", "14 Oak Road", "Europe/Dublin"))
    assert directory.households() == [Household("smith", "Mrs E. Smith", "14 Oak Road", "Europe/Dublin")]
    with pytest.raises(NotFoundError, match="no household 'x'"):
        directory.household("x")


def test_bad_numbers_and_windows_name_the_file_and_key(store):
    from hub.config import config_from_dict
    from hub.errors import ConfigError
    d = Directory(store)
    bad_window = config_from_dict({"alerts": {"contacts": [
        {"name": "Jane", "phone": "+447700900001"},
        {"name": "Bob", "phone": "+447700900002", "on_duty": ["mon-fri 08:00-18:00", "weekends"]}]}},
        source="hub.toml")
    with pytest.raises(ConfigError, match=r"^hub.toml: alerts.contacts\[1\].on_duty\[1\]: bad on-duty window"):
        d.load_from_config(bad_window)
    bad_phone = config_from_dict({"alerts": {"contacts": [{"name": "Jane", "phone": "07700 900001"}]}},
                                 source="hub.toml")
    with pytest.raises(ConfigError, match=r"^hub.toml: alerts.contacts\[0\].phone: got '07700 900001'"):
        d.load_from_config(bad_phone)
    assert d.contacts("home") == [], "nothing half-written"


def test_a_number_written_with_its_trunk_zero_in_brackets_is_the_same_number():
    from alerts.directory import normalise_phone
    assert normalise_phone("+44 (0)7700 900001") == normalise_phone("+44 7700-900001") == "+447700900001"
    assert normalise_phone("+82 (0)10 1234 5678") == "+821012345678"
