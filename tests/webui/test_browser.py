"""The panel in real headless Chromium against the app served by waitress on 127.0.0.1."""
from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.webui.conftest import EXPECTED_ORDER, log_in
from webui import activity

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_log_in_and_caseload_ordered_by_need(page, live_panel):
    log_in(page, live_panel, "carol")
    expect(page).to_have_url(live_panel.url + "/caseload")
    rows = page.locator("table.caseload tbody tr")
    expect(rows).to_have_count(4)
    assert rows.evaluate_all("rows => rows.map(r => r.dataset.household)") == EXPECTED_ORDER
    expect(rows.nth(0)).to_contain_text("Needs attention now")
    expect(rows.nth(0)).to_contain_text("No movement since 12:10")
    expect(rows.nth(1)).to_contain_text("No data from the hub")
    expect(rows.nth(2)).to_contain_text("Quieter than usual")
    expect(rows.nth(3)).to_contain_text("As usual")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "caseload.png"), full_page=True)
    page.fill("#caseload-filter", "elm court")  # Rose's address
    expect(page.locator("table.caseload tbody tr:visible")).to_have_count(1)
    expect(page.locator("table.caseload tbody tr:visible")).to_have_attribute("data-household", "rose")
    page.fill("#caseload-filter", "")
    expect(page.locator("table.caseload tbody tr:visible")).to_have_count(4)


def test_wrong_password_is_refused(page, live_panel):
    log_in(page, live_panel, "carol", "not the password")
    expect(page.locator(".flash-error")).to_contain_text("do not match")
    assert "/login" in page.url


def test_household_charts_drawn_from_stored_data(page, live_panel, world):
    log_in(page, live_panel, "carol")
    page.goto(live_panel.url + "/households/edith")
    page.wait_for_selector(".charts[data-ready='1']", timeout=10_000)
    for name in ("today", "daily", "sleep", "heatmap", "night", "appliances"):
        assert page.get_attribute(f"#chart-{name}", "data-drawn") == "1", name
        assert int(page.get_attribute(f"#chart-{name}", "data-points")) > 0, name
    # the chart data points are exactly the stored summaries
    now = world.clock.now()
    today = activity.today_against_usual(world.store, "edith", now)
    drawn_today = page.evaluate("window.eldercareCharts.today.data.datasets[0].data")
    assert drawn_today == today["today"]
    trends = activity.daily_trends(world.store, "edith", now.date(), 30)
    drawn_daily = page.evaluate("window.eldercareCharts.daily.data.datasets[0].data")
    assert drawn_daily == trends["active_minutes"]
    stored_yesterday = world.store.query(
        "SELECT SUM(active_minutes) FROM summaries WHERE household='edith' AND hour LIKE '2024-03-03T%' "
        "AND kind IN ('motion','door','contact','pressure','flush')")[0][0]
    assert drawn_daily[-2] == stored_yesterday > 0
    wake = world.store.query("SELECT wake_time FROM daily_summaries WHERE household='edith' AND day='2024-03-03'")[0][0]
    h, m = map(int, wake.split(":"))
    assert page.evaluate("window.eldercareCharts.sleep.data.datasets[0].data")[-2] == round(h + m / 60, 2)
    cells = page.evaluate("window.eldercareCharts.heatmap.data.datasets[0].data.length")
    assert cells == len(trends["heatmap"])
    # the canvas really has ink on it (not an empty frame)
    painted = page.evaluate("""() => { const c = document.getElementById('chart-daily');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
        for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }""")
    assert painted > 1000
    # switching to 90 days refetches and redraws
    page.click(".range button[data-days='90']")
    expect(page.locator(".charts")).to_have_attribute("data-days", "90")
    assert page.evaluate("window.eldercareCharts.daily.data.datasets[0].data") == \
        activity.daily_trends(world.store, "edith", now.date(), 90)["active_minutes"]
    page.click(".range button[data-days='30']")
    expect(page.locator(".charts")).to_have_attribute("data-days", "30")
    expect(page.locator("#sensors-h + table")).to_contain_text("battery 14%")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "household.png"), full_page=True)


#: true once no chart card reaches past the page's main column and nothing scrolls sideways
_CHARTS_FIT = """() => { const edge = document.querySelector('main').getBoundingClientRect().right;
    const doc = document.documentElement;
    return doc.scrollWidth <= doc.clientWidth
        && [...document.querySelectorAll('.charts .card')].every(c => c.getBoundingClientRect().right <= edge + 1); }"""


def test_charts_follow_the_window_narrower_and_wider_again(page, live_panel):
    """A caseworker snaps the window to half the screen and back: the charts shrink and grow with
    it. (A grid column used to keep the width of the canvas last drawn in it, pushing the charts
    off the page, 2,500 px wide, once the window was wide again.)"""
    log_in(page, live_panel, "carol")
    page.goto(live_panel.url + "/households/edith")
    page.wait_for_selector(".charts[data-ready='1']", timeout=10_000)
    for width in (700, 1360, 1900, 1360):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_function(_CHARTS_FIT, timeout=5_000)
        card = page.locator(".charts .card").first.bounding_box()
        assert card["width"] <= width, width


@pytest.mark.parametrize("path", ["/caseload", "/households/edith", "/alerts", "/alerts/first"])
def test_every_page_fits_a_phone_screen(page, live_panel, world, path):
    """Nothing runs off a 360 px phone screen: the forms wrap, a wide table scrolls in its card."""
    if path == "/alerts/first":
        path = f"/alerts/{world.book.list(households=['edith'], states=['open'])[0].id}"
    page.set_viewport_size({"width": 360, "height": 780})
    log_in(page, live_panel, "carol")
    page.goto(live_panel.url + path)
    page.wait_for_load_state()
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => !e.closest('.card, .topbar') || e.matches('.card'))
        .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .map(e => e.tagName + '.' + e.className)""")
    assert wide == []
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_acknowledge_and_resolve_change_it_everywhere(page, live_panel, world):
    alert_id = world.book.list(households=["edith"], states=["open"])[0].id
    log_in(page, live_panel, "carol")
    page.goto(live_panel.url + "/alerts")
    row = page.locator(f".inbox [data-alert='{alert_id}']")
    row.locator("button[data-action=acknowledge]").click()
    expect(page.locator(".flash")).to_contain_text(f"You have taken alert #{alert_id}")
    record = world.book.get(alert_id)
    assert (record.state, record.acknowledged_by, record.acknowledged_via) == ("acknowledged", "Carol Hughes", "panel")
    page.goto(live_panel.url + "/alerts?state=acknowledged")
    expect(page.locator(f".inbox [data-alert='{alert_id}']")).to_contain_text("Taken by Carol Hughes")
    page.goto(live_panel.url + "/caseload")
    expect(page.locator("tr[data-household=edith]")).to_contain_text("Taken by Carol Hughes")
    # resolve from the household page
    page.goto(live_panel.url + "/households/edith")
    open_row = page.locator(f".alerts-open [data-alert='{alert_id}']")
    open_row.locator("select[name=outcome]").select_option("helped")
    open_row.locator("input[name=note]").fill("Found on the floor, paramedics called")
    open_row.locator("button[data-action=resolve]").click()
    expect(page.locator(".flash")).to_contain_text("resolved: Resident needed help")
    record = world.book.get(alert_id)
    assert (record.state, record.outcome, record.resolved_by) == ("resolved", "helped", "Carol Hughes")
    expect(page.locator(f"[data-testid=alert-history] tr[data-alert='{alert_id}']")).to_contain_text(
        "Resolved: Resident needed help")
    expect(page.locator(".alerts-open")).to_have_count(0)
    page.goto(live_panel.url + "/alerts")
    expect(page.locator(f"[data-alert='{alert_id}']")).to_have_count(0)
    page.goto(live_panel.url + "/alerts?state=resolved")
    expect(page.locator(f"[data-alert='{alert_id}']")).to_contain_text("Resident needed help")
    page.goto(live_panel.url + "/caseload")
    expect(page.locator("tr[data-household=edith]")).not_to_contain_text("No movement since")


def test_other_caseworkers_household_is_forbidden(page, live_panel, world):
    log_in(page, live_panel, "carol")
    response = page.goto(live_panel.url + "/households/harold")
    assert response.status == 403
    expect(page.locator("h1")).to_contain_text("Not yours to see")
    api = page.request.get(live_panel.url + "/api/households/harold/trends?days=30")
    assert api.status == 403
    denied = world.app.extensions["eldercare.panel"].audit.recent(household="harold", username="carol")
    assert any(e.action == "view household denied" for e in denied)


def test_form_without_csrf_token_is_refused(page, live_panel, world):
    log_in(page, live_panel, "carol")
    page.goto(live_panel.url + "/households/edith")
    page.evaluate("document.querySelector('.note-form input[name=csrf_token]').remove()")
    page.fill("#note-text", "This should never be stored")
    page.click(".note-form button[type=submit]")
    expect(page.locator("h1")).to_contain_text("Form expired or invalid")
    assert world.app.extensions["eldercare.panel"].notes.list("edith") == []
    # with its token the same form works
    page.goto(live_panel.url + "/households/edith")
    page.fill("#note-text", "Daughter visits on Sundays")
    page.click(".note-form button[type=submit]")
    expect(page.locator(".notes")).to_contain_text("Daughter visits on Sundays")
    assert [n.author for n in world.app.extensions["eldercare.panel"].notes.list("edith")] == ["Carol Hughes"]


def test_an_alert_whose_resident_is_moving_again_says_so_on_every_page(page, live_panel, world):
    record = world.book.list(households=["edith"], states=["open"])[0]
    world.book.condition_over(record.id, "Edith is moving again (kitchen, 12:52).")
    log_in(page, live_panel, "carol")
    for path in ("/alerts", f"/alerts/{record.id}", "/households/edith"):
        page.goto(live_panel.url + path)
        expect(page.locator(f"[data-alert='{record.id}'] [data-testid=over]")).to_have_text(
            "Since: Edith is moving again (kitchen, 12:52).")
    page.goto(live_panel.url + "/caseload")
    expect(page.locator("tr[data-household=edith]")).to_contain_text("Since: Edith is moving again")
