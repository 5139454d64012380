"""The analytics dashboard in the browser: the administrator changes the period with a preset and
with typed days; the panels and their charts are drawn again without a reload and the address
bar carries the period, so opening that address anew shows the same days. A refused day is said
beside its box with what was typed kept. Readable at 1366×768 and on a 1024×600 tablet; printed
without the navigation, each panel whole, the charts in black and greys."""

import contextlib
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from clinical.models import AppointmentStatus
from hms import params, rbac
from tests.e2e.conftest import SMALL_TABLET_VIEWPORT, assert_fits, login, snapshot
from tests.factories import (
    PASSWORD,
    AdmissionFactory,
    AppointmentFactory,
    BedFactory,
    PatientFactory,
    TOTPDeviceFactory,
    UserFactory,
    WardFactory,
    invoice_issued,
    payment_taken,
)

WIDE = {"width": 1366, "height": 768}


def query_of(page) -> dict:
    return {key: values[0] for key, values in parse_qs(urlparse(page.url).query).items()}


@pytest.mark.browser
def test_the_admin_changes_the_period_and_can_open_it_again(
    transactional_db, page, live_server_url
):
    admin = UserFactory(role=rbac.ADMIN)
    admin_key = TOTPDeviceFactory(user=admin).key
    for name, beds in (("Medical", 4), ("Surgical", 3)):
        ward = WardFactory(name=name)
        for number in range(1, beds + 1):
            BedFactory(ward=ward, number=str(number))
    AdmissionFactory(bed=BedFactory(ward=WardFactory(name="ICU", kind="icu"), number="1"))
    AppointmentFactory(starts_at=timezone.now(), status=AppointmentStatus.CHECKED_IN)
    today = timezone.localdate()
    login(page, live_server_url, admin.username, PASSWORD, admin_key)
    page.set_viewport_size(WIDE)

    page.goto(f"{live_server_url}/analytics/")
    label = page.get_by_test_id("period-label")
    expect(label).to_contain_text("Last 30 days")
    panel = page.get_by_test_id("panel-today")
    expect(panel.locator("svg")).to_have_count(1)
    expect(panel).to_contain_text("Appointments checked in")
    page.evaluate("window.__notReloaded = true")
    page.evaluate("document.querySelector('[data-testid=panel-today]').dataset.old = 'yes'")

    page.get_by_test_id("preset-7d").click()

    week = f"{params.day_value(today - timedelta(days=6))} – {params.day_value(today)}"
    expect(label).to_have_text(f"Last 7 days ({week})")
    assert query_of(page) == {"period": "7d"}
    expect(page.get_by_test_id("preset-7d")).to_have_attribute("aria-current", "true")
    expect(panel).not_to_have_attribute("data-old", "yes")  # drawn again
    expect(panel.locator("svg")).to_have_count(1)
    assert page.evaluate("window.__notReloaded === true")

    first, last = today - timedelta(days=60), today - timedelta(days=31)
    page.get_by_test_id("period-from").fill(params.day_value(first))
    page.get_by_test_id("period-to").fill(params.day_value(last))
    page.get_by_test_id("period-show").click()

    custom = f"{params.day_value(first)} – {params.day_value(last)}"
    expect(label).to_have_text(custom)
    assert query_of(page) == {
        "period": "custom",
        "from": params.day_value(first),
        "to": params.day_value(last),
    }
    assert page.evaluate("window.__notReloaded === true")
    expect(page.get_by_test_id("csv-today")).to_have_attribute(
        "href",
        f"/analytics/export.csv?metric=today&period=custom&from="
        f"{params.day_value(first).replace('/', '%2F')}&to={params.day_value(last).replace('/', '%2F')}",
    )
    assert_fits(page, "the dashboard at 1366×768")
    snapshot(page, "analytics-custom-1366")
    shared = page.url

    page.goto(shared)

    expect(label).to_have_text(custom)
    expect(page.get_by_test_id("period-from")).to_have_value(params.day_value(first))
    expect(page.get_by_test_id("panel-today").locator("svg")).to_have_count(1)

    page.get_by_test_id("period-from").fill("31/02/2026")
    page.get_by_test_id("period-show").click()

    expect(page.get_by_test_id("period-from-error")).to_contain_text("not a date of the calendar")
    expect(page.get_by_test_id("period-from")).to_have_value("31/02/2026")

    page.set_viewport_size(SMALL_TABLET_VIEWPORT)
    page.get_by_test_id("preset-today").click()
    expect(label).to_contain_text("Today")
    assert_fits(page, "the dashboard on a 1024×600 tablet")
    snapshot(page, "analytics-today-1024")

    page.emulate_media(media="print")

    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    expect(page.get_by_test_id("period-form")).to_be_hidden()
    expect(page.get_by_test_id("analytics-xlsx")).to_be_hidden()
    panel = page.get_by_test_id("panel-today")
    assert panel.evaluate("e => getComputedStyle(e).breakInside") == "avoid"
    bar = panel.locator("svg rect.chart-series-0").first
    assert bar.evaluate("e => getComputedStyle(e).fill") == "rgb(0, 0, 0)"
    snapshot(page, "analytics-print")


DESKTOP = {"width": 1280, "height": 800}
SCREENS = {"1366": WIDE, "1280": DESKTOP, "1024": SMALL_TABLET_VIEWPORT}


def _hospital_with_takings() -> None:
    """Beds in three wards, a patient in the ICU, an appointment, and money in and owed."""
    from billing import demo

    demo.seed(lambda line: None)
    for name, beds in (("Medical", 4), ("Surgical", 3)):
        ward = WardFactory(name=name)
        for number in range(1, beds + 1):
            BedFactory(ward=ward, number=str(number))
    AdmissionFactory(bed=BedFactory(ward=WardFactory(name="ICU", kind="icu"), number="1"))
    AppointmentFactory(starts_at=timezone.now(), status=AppointmentStatus.CHECKED_IN)
    desk = UserFactory(role=rbac.RECEPTIONIST)
    for quantity, paid, reference in ((4, "1500.00", "QK12AB34CD"), (2, "250.50", "QK12AB34CE")):
        invoice = invoice_issued(desk, PatientFactory(), ("NURS-DRESS", quantity))
        payment_taken(desk, invoice, paid, mode="mpesa", reference=reference)


def _signed_in(page, live_server_url, role):
    user = UserFactory(role=role)
    login(page, live_server_url, user.username, PASSWORD, TOTPDeviceFactory(user=user).key)
    return user


@pytest.mark.browser
@pytest.mark.parametrize("role", [rbac.ADMIN, rbac.ACCOUNTANT])
def test_the_dashboard_fits_each_screen_and_prints_for_each_role(
    transactional_db, page, live_server_url, role
):
    """1366×768 and 1280×800 laptops, a 1024×600 tablet, and paper: nothing wider than the
    screen, the buttons of the picker and each panel's CSV on the screen, each panel whole."""
    _hospital_with_takings()
    _signed_in(page, live_server_url, role)
    expected = ["revenue", "receivables"] if role == rbac.ACCOUNTANT else ["today", "revenue"]

    for name, size in SCREENS.items():
        page.set_viewport_size(size)
        page.goto(f"{live_server_url}/analytics/?period=30d")

        for key in expected:
            expect(page.get_by_test_id(f"panel-{key}")).to_be_visible()
            csv_box = page.get_by_test_id(f"csv-{key}").bounding_box()
            assert csv_box["x"] + csv_box["width"] <= size["width"], (name, key)
        if role == rbac.ACCOUNTANT:
            expect(page.get_by_test_id("panel-today")).to_have_count(0)
        assert_fits(page, f"the {role}'s dashboard at {name}")
        show = page.get_by_test_id("period-show").bounding_box()
        assert show["x"] + show["width"] <= size["width"], name
        snapshot(page, f"analytics-{role}-{name}")

    page.emulate_media(media="print")
    expect(page.get_by_test_id("period-form")).to_be_hidden()
    assert_fits(page, f"the {role}'s dashboard printed")
    snapshot(page, f"analytics-{role}-print")


def _label(page):
    return page.get_by_test_id("period-label")


@pytest.mark.browser
def test_a_slow_answer_is_never_drawn_over_a_newer_one(
    transactional_db, page, live_server_url, browser_errors
):
    """The 7-day answer is held up on the network; meanwhile Today is chosen and shown. When
    the 7-day answer is let go it is dropped, not drawn: the page, its buttons and its address
    all say Today. While an answer is awaited the panels say they are loading."""
    _signed_in(page, live_server_url, rbac.ADMIN)
    page.goto(f"{live_server_url}/analytics/")
    expect(_label(page)).to_contain_text("Last 30 days")
    held = []
    page.route(lambda url: "period=7d" in url, lambda route: held.append(route))
    browser_errors.allow(r"htmx:(sendAbort|afterRequest)")  # htmx logs the request it dropped

    page.get_by_test_id("preset-7d").click()
    expect(page.get_by_test_id("analytics-loading")).to_be_visible()
    page.get_by_test_id("preset-today").click()

    expect(_label(page)).to_contain_text("Today")
    expect(page.get_by_test_id("analytics-loading")).to_be_hidden()
    assert held, "the 7-day request never left"
    with contextlib.suppress(PlaywrightError):  # dropped by the page already: nothing to let go
        held[0].continue_()
    page.wait_for_load_state("networkidle")
    expect(_label(page)).to_contain_text("Today")
    expect(page.get_by_test_id("preset-today")).to_have_attribute("aria-current", "true")
    assert query_of(page) == {"period": "today"}


@pytest.mark.browser
@pytest.mark.parametrize("failure", ["dropped", "server error"])
def test_a_failed_period_change_leaves_the_page_whole_and_says_so(
    transactional_db, page, live_server_url, browser_errors, failure
):
    _signed_in(page, live_server_url, rbac.ADMIN)
    page.goto(f"{live_server_url}/analytics/?period=7d")
    expect(_label(page)).to_contain_text("Last 7 days")
    before = page.get_by_test_id("analytics-panels").inner_html()
    # htmx and Chromium log the failure themselves; the page must say it (the toast).
    browser_errors.allow(
        r"htmx:(sendError|responseError|afterRequest)|Response Status Error Code 500|"
        r"Failed to load resource"
    )
    if failure == "dropped":
        page.route(lambda url: "period=today" in url, lambda route: route.abort())
    else:
        page.route(
            lambda url: "period=today" in url,
            lambda route: route.fulfill(status=500, body="<h1>Server Error</h1>"),
        )

    page.get_by_test_id("preset-today").click()

    toast = page.locator("#toasts [role=alert]")
    message = "cannot be reached" if failure == "dropped" else "Something went wrong (500)"
    expect(toast).to_contain_text(message)
    expect(_label(page)).to_contain_text("Last 7 days")
    expect(page.get_by_test_id("preset-7d")).to_have_attribute("aria-current", "true")
    expect(page.get_by_test_id("analytics-loading")).to_be_hidden()
    assert page.get_by_test_id("analytics-panels").inner_html() == before
    assert query_of(page) == {"period": "7d"}
    assert "htmx-request" not in (
        page.get_by_test_id("analytics-body").get_attribute("class") or ""
    )

    page.unroute_all()
    page.get_by_test_id("preset-today").click()

    expect(_label(page)).to_contain_text("Today")
    assert query_of(page) == {"period": "today"}


@pytest.mark.browser
def test_back_and_forward_walk_the_periods_chosen(transactional_db, page, live_server_url):
    _signed_in(page, live_server_url, rbac.ADMIN)
    page.goto(f"{live_server_url}/analytics/")
    page.get_by_test_id("preset-7d").click()
    expect(_label(page)).to_contain_text("Last 7 days")
    page.get_by_test_id("preset-today").click()
    expect(_label(page)).to_contain_text("Today")

    page.go_back()

    expect(_label(page)).to_contain_text("Last 7 days")
    expect(page.get_by_test_id("preset-7d")).to_have_attribute("aria-current", "true")
    assert query_of(page) == {"period": "7d"}
    page.go_back()
    expect(_label(page)).to_contain_text("Last 30 days")
    assert query_of(page) == {}
    page.go_forward()
    expect(_label(page)).to_contain_text("Last 7 days")
    expect(page.get_by_test_id("panel-today")).to_be_visible()
