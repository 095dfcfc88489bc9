"""Every route of the panel, walked with every role: who may do what.

The table must name every route the app has: adding a route without deciding who may use it
fails :func:`test_every_route_is_in_the_table`.
"""
from __future__ import annotations

import datetime as dt

import pytest

from hub.alert import Alert
from tests.webui.conftest import PASSWORD
from webui.app import create_app

ANON, ADMIN, CASEWORKER, SOCIAL = "anonymous", "admin", "carol", "sam"
ROLES = (ANON, ADMIN, CASEWORKER, SOCIAL)


def statuses(anonymous, admin, caseworker, social_worker) -> dict[str, int]:
    return {ANON: anonymous, ADMIN: admin, CASEWORKER: caseworker, SOCIAL: social_worker}


PAGE = statuses(302, 200, 200, 403)          # caseload, household pages: not for social workers
ADMIN_PAGE = statuses(302, 200, 403, 403)
ADMIN_POST = statuses(302, 302, 403, 403)
FOLLOW_API = statuses(401, 200, 200, 403)

#: (endpoint, method, path, form, expected status per role); {edith_alert} etc. are filled in
CASES = [
    ("auth.home", "GET", "/", None, statuses(302, 302, 302, 302)),
    ("auth.login", "GET", "/login", None, statuses(200, 200, 200, 200)),
    ("auth.login", "POST", "/login", {"username": "nobody", "password": "wrong password"}, statuses(401, 401, 401, 401)),
    ("caseload.index", "GET", "/caseload", None, PAGE),
    ("household.show", "GET", "/households/edith", None, PAGE),
    ("household.show", "GET", "/households/harold", None, statuses(302, 200, 403, 403)),
    ("household.show", "GET", "/households/nowhere", None, statuses(302, 404, 403, 403)),
    ("household.add_note", "POST", "/households/edith/notes", {"text": "Visited"}, statuses(302, 302, 302, 403)),
    ("household.add_note", "POST", "/households/harold/notes", {"text": "Visited"}, statuses(302, 302, 403, 403)),
    ("inbox.index", "GET", "/alerts", None, statuses(302, 200, 200, 200)),
    ("inbox.index", "GET", "/alerts?state=resolved", None, statuses(302, 200, 200, 200)),
    ("inbox.show", "GET", "/alerts/{edith_alert}", None, statuses(302, 200, 200, 200)),
    ("inbox.show", "GET", "/alerts/{harold_alert}", None, statuses(302, 200, 403, 403)),
    ("inbox.show", "GET", "/alerts/9999", None, statuses(302, 404, 404, 404)),
    ("inbox.acknowledge", "POST", "/alerts/{edith_alert}/acknowledge", {}, statuses(302, 302, 302, 302)),
    ("inbox.acknowledge", "POST", "/alerts/{harold_alert}/acknowledge", {}, statuses(302, 302, 403, 403)),
    ("inbox.resolve", "POST", "/alerts/{harold_alert}/resolve", {"outcome": "fine"}, statuses(302, 302, 403, 403)),
    ("inbox.resolve", "POST", "/alerts/{edith_alert}/resolve", {"outcome": "fine"}, statuses(302, 302, 302, 302)),
    ("admin.users", "GET", "/admin/users", None, ADMIN_PAGE),
    ("admin.create_user", "POST", "/admin/users",
     {"username": "newcomer", "name": "New Comer", "role": "caseworker", "password": PASSWORD}, ADMIN_POST),
    ("admin.user", "GET", "/admin/users/{dan}", None, ADMIN_PAGE),
    ("admin.update_user", "POST", "/admin/users/{dan}",
     {"name": "Dan Okafor", "role": "caseworker", "active": "on", "households": "harold"}, ADMIN_POST),
    ("admin.set_password", "POST", "/admin/users/{dan}/password", {"password": PASSWORD}, ADMIN_POST),
    ("admin.households", "GET", "/admin/households", None, ADMIN_PAGE),
    ("admin.save_household", "POST", "/admin/households", {"id": "ivy", "name": "Ivy Green"}, ADMIN_POST),
    ("admin.household", "GET", "/admin/households/edith", None, ADMIN_PAGE),
    ("admin.save_contacts", "POST", "/admin/households/edith/contacts",
     {"name": "Sam Reid", "phone": "+447700900123", "role": "social_worker", "on_duty": "mon-fri 08:00-18:00"},
     ADMIN_POST),
    ("admin.audit_log", "GET", "/admin/audit", None, ADMIN_PAGE),
    ("api.caseload", "GET", "/api/caseload", None, FOLLOW_API),
    ("api.today", "GET", "/api/households/edith/today", None, FOLLOW_API),
    ("api.today", "GET", "/api/households/harold/today", None, statuses(401, 200, 403, 403)),
    ("api.trends", "GET", "/api/households/edith/trends?days=90", None, FOLLOW_API),
    ("api.trends", "GET", "/api/households/edith/trends?days=7", None, statuses(401, 400, 400, 403)),
    ("api.sensor_list", "GET", "/api/households/edith/sensors", None, FOLLOW_API),
    ("api.household_alerts", "GET", "/api/households/edith/alerts", None, statuses(401, 200, 200, 200)),
    ("api.household_alerts", "GET", "/api/households/harold/alerts", None, statuses(401, 200, 403, 403)),
    ("api.alert_list", "GET", "/api/alerts?state=open", None, statuses(401, 200, 200, 200)),
    # Twilio's webhooks are public but signed: without a valid signature nobody gets in
    ("twilio_webhooks.inbound_sms", "POST", "/twilio/sms", {"From": "+447700900123", "Body": "OK 1"},
     statuses(403, 403, 403, 403)),
    ("twilio_webhooks.message_status", "POST", "/twilio/status", {"MessageSid": "SM1", "MessageStatus": "delivered"},
     statuses(403, 403, 403, 403)),
    ("auth.logout", "POST", "/logout", {}, statuses(302, 302, 302, 302)),
]


@pytest.fixture
def plain_app(world):
    """The panel on the test store with CSRF off: this test is about roles, not tokens."""
    return create_app(store=world.store, clock=world.clock,
                      test_config={"TESTING": True, "SECRET_KEY": "test-only", "WTF_CSRF_ENABLED": False})


def test_every_route_is_in_the_table(plain_app):
    routes = {rule.endpoint for rule in plain_app.url_map.iter_rules() if rule.endpoint != "static"}
    covered = {case[0] for case in CASES}
    assert routes - covered == set(), "routes without an access rule in CASES"
    assert covered - routes == set(), "CASES names routes the app does not have"
    for rule in plain_app.url_map.iter_rules():
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if rule.endpoint != "static":
                assert any(c[0] == rule.endpoint and c[1] == method for c in CASES), (rule.endpoint, method)


@pytest.mark.parametrize("role", ROLES)
def test_who_may_do_what(plain_app, world, role):
    panel = plain_app.extensions["eldercare.panel"]
    ids = {
        "edith_alert": world.book.list(households=["edith"], states=["open"])[0].id,
        "harold_alert": world.book.list(households=["harold"], states=["open"])[0].id,
        "dan": panel.users.by_username("dan").id,
    }
    client = plain_app.test_client()
    if role != ANON:
        response = client.post("/login", data={"username": role, "password": PASSWORD})
        assert response.status_code == 302, response.data
    failures = []
    for endpoint, method, path, form, expected in CASES:
        url = path.format(**ids)
        response = client.open(url, method=method, data=form)
        if response.status_code != expected[role]:
            failures.append(f"{method} {url} ({endpoint}): got {response.status_code}, expected {expected[role]}")
        if response.status_code == 403 and role != ANON and not endpoint.startswith("twilio"):
            assert b"Not yours to see" in response.data or response.is_json
    assert failures == []


def test_household_views_are_audited(plain_app, world):
    client = plain_app.test_client()
    client.post("/login", data={"username": "carol", "password": PASSWORD})
    client.get("/households/edith")
    client.get("/api/households/edith/trends?days=30")
    client.get("/households/harold")
    client.get("/alerts")
    audit = plain_app.extensions["eldercare.panel"].audit
    actions = [(e.username, e.action, e.household) for e in reversed(audit.recent(10))]
    assert actions[-5:] == [("carol", "log in", ""), ("carol", "view household", "edith"),
                            ("carol", "api trends", "edith"), ("carol", "view household denied", "harold"),
                            ("carol", "view alerts", "")]
    admin = plain_app.test_client()
    admin.post("/login", data={"username": "admin", "password": PASSWORD})
    page = admin.get("/admin/audit?household=edith")
    assert b"view household" in page.data and b"carol" in page.data


def test_the_household_page_shows_an_alert_taken_long_ago_and_never_closed(plain_app, world):
    clock = world.clock
    taken = world.book.raise_alert(Alert(clock.now(), "george", "night_wandering", "high", "Front door opened at 02:40"))
    world.book.acknowledge(taken.id, by="Jane", via="sms")  # "OK" by SMS, never closed on the panel
    for i in range(100):  # a hundred later alerts, each dealt with
        rec = world.book.raise_alert(Alert(clock.advance(dt.timedelta(hours=1)), "george", "late_wakeup", "medium",
                                           f"Not up by 09:30 ({i})", condition=f"late_wakeup:{i}"))
        world.book.resolve(rec.id, "fine", by="Carol Hughes")
    client = plain_app.test_client()
    client.post("/login", data={"username": "carol", "password": PASSWORD})
    page = client.get("/households/george").get_data(as_text=True)
    assert f'data-alert="{taken.id}" data-state="acknowledged"' in page, "in Open alerts, where it can be closed"
    assert "The newest 100 alerts; every open one is listed above." in page


def test_anonymous_page_request_goes_to_login_and_back(plain_app):
    client = plain_app.test_client()
    response = client.get("/households/edith")
    assert response.status_code == 302 and "/login?next=/households/edith" in response.location
    response = client.post("/login", data={"username": "carol", "password": PASSWORD, "next": "/households/edith"})
    assert response.location == "/households/edith"
    response = client.post("/logout")
    response = client.post("/login", data={"username": "carol", "password": PASSWORD, "next": "//evil.example/"})
    assert response.location == "/"


def test_security_headers_and_cookie_flags(plain_app):
    client = plain_app.test_client()
    response = client.post("/login", data={"username": "carol", "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    page = client.get("/caseload")
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"
