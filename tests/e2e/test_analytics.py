"""The analytics dashboard in the browser: the administrator changes the period with a preset and
with typed days; the panels and their charts are drawn again without a reload and the address
bar carries the period, so opening that address anew shows the same days. A refused day is said
beside its box with what was typed kept. Readable at 1366×768 and on a 1024×600 tablet; printed
without the navigation, each panel whole, the charts in black and greys."""

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clinical.models import AppointmentStatus
from hms import params, rbac
from tests.e2e.conftest import login, snapshot
from tests.factories import (
    PASSWORD,
    AdmissionFactory,
    AppointmentFactory,
    BedFactory,
    TOTPDeviceFactory,
    UserFactory,
    WardFactory,
)

WIDE = {"width": 1366, "height": 768}
SMALL_TABLET = {"width": 1024, "height": 600}


def query_of(page) -> dict:
    return {key: values[0] for key, values in parse_qs(urlparse(page.url).query).items()}


def assert_fits(page, screen: str) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{screen} is {overflow}px wider than the screen"


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

    page.set_viewport_size(SMALL_TABLET)
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
