"""Administration through the panel: people, households, the contact ladder and its validation."""
from __future__ import annotations

import pytest

from tests.webui.conftest import PASSWORD
from webui.app import create_app


@pytest.fixture
def admin(world):
    app = create_app(store=world.store, clock=world.clock,
                     test_config={"TESTING": True, "SECRET_KEY": "test-only", "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    client.post("/login", data={"username": "admin", "password": PASSWORD})
    return app, client


def test_create_a_caseworker_and_assign_households(admin):
    app, client = admin
    response = client.post("/admin/users", data={"username": "fay", "name": "Fay Lee", "role": "caseworker",
                                                  "password": "another passphrase"})
    users = app.extensions["eldercare.panel"].users
    fay = users.by_username("fay")
    assert response.location == f"/admin/users/{fay.id}"
    client.post(f"/admin/users/{fay.id}", data={"name": "Fay Lee", "role": "caseworker", "active": "on",
                                               "households": ["rose", "not-a-household"]})
    assert users.households_of(fay) == {"rose"}
    fay_client = app.test_client()
    fay_client.post("/login", data={"username": "fay", "password": "another passphrase"})
    assert fay_client.get("/households/rose").status_code == 200
    assert fay_client.get("/households/edith").status_code == 403
    page = client.get("/admin/users").get_data(as_text=True)
    assert "Fay Lee" in page and "rose" in page


def test_weak_password_is_refused_with_a_reason(admin):
    app, client = admin
    response = client.post("/admin/users", data={"username": "gus", "name": "Gus", "role": "caseworker",
                                                  "password": "short"}, follow_redirects=True)
    assert "at least 10 characters" in response.get_data(as_text=True)
    assert app.extensions["eldercare.panel"].users.by_username("gus") is None


def test_contact_ladder_and_rota(admin):
    app, client = admin
    client.post("/admin/households/edith/contacts", data={
        "name": ["Sam Reid", "Carol Hughes", ""], "phone": ["+44 7700 900123", "+447700900456", ""],
        "role": ["social_worker", "supervisor", "social_worker"],
        "on_duty": ["mon-fri 08:00-18:00; sat 09:00-13:00", "", ""]})
    ladder = app.extensions["eldercare.panel"].directory.contacts("edith")
    assert [(c.position, c.name, c.phone, c.on_duty) for c in ladder] == [
        (1, "Sam Reid", "+447700900123", ("mon-fri 08:00-18:00", "sat 09:00-13:00")),
        (2, "Carol Hughes", "+447700900456", ())]
    response = client.post("/admin/households/edith/contacts", data={
        "name": ["Sam Reid"], "phone": ["+447700900123"], "role": ["social_worker"], "on_duty": ["weekdays 9-5"]},
        follow_redirects=True)
    assert "bad on-duty window" in response.get_data(as_text=True)
    assert len(app.extensions["eldercare.panel"].directory.contacts("edith")) == 2  # nothing lost


def test_add_household(admin):
    app, client = admin
    client.post("/admin/households", data={"id": "ivy", "name": "Ivy Green", "address": "1 Lane"})
    assert app.extensions["eldercare.panel"].directory.household("ivy").name == "Ivy Green"
    response = client.post("/admin/households", data={"id": "Bad Id!", "name": "X"}, follow_redirects=True)
    assert "A household needs an id" in response.get_data(as_text=True)


def test_login_throttled_over_http(world):
    app = create_app(store=world.store, clock=world.clock, test_config={"TESTING": True, "SECRET_KEY": "t",
                                                                        "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    codes = [client.post("/login", data={"username": "carol", "password": "guess"}).status_code for _ in range(6)]
    assert codes == [401] * 5 + [429]
    response = client.post("/login", data={"username": "carol", "password": PASSWORD})
    assert response.status_code == 429 and "try again in 1 min" in response.get_data(as_text=True)


def test_a_new_household_without_data_has_a_plain_page(admin):
    app, client = admin
    client.post("/admin/households", data={"id": "ivy", "name": "Ivy Green"})
    page = client.get("/households/ivy")
    assert page.status_code == 200 and "No alerts so far" in page.get_data(as_text=True)
    today = client.get("/api/households/ivy/today").get_json()
    assert today["so_far"] == 0 and today["usual_so_far"] is None and today["baseline_days"] == 0
    trends = client.get("/api/households/ivy/trends?days=365").get_json()
    assert trends["active_minutes"] == [None] * 365 and trends["heatmap"] == []
    entry = next(e for e in client.get("/api/caseload").get_json() if e["household"] == "ivy")
    assert entry["level"] == 2 and entry["reasons"] == ["No data from the hub yet"]
