"""Leave in the browser: a nurse applies on a 1024x600 tablet and sees the cost before sending; the
administrator approves in another browser; the nurse's page shows it live, with no reload."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from hms import rbac
from hr import leave_days
from hr.leave_defaults import ensure_leave_types
from hr.leave_selectors import off_days
from tests.e2e.conftest import login, snapshot
from tests.e2e.live import browsers_fixture, expect_live, sign_in
from tests.factories import PASSWORD, TOTPDeviceFactory, UserFactory

TABLET_LANDSCAPE = {"width": 1024, "height": 600}


@pytest.fixture
def browsers(request, live_server_url, browser, browser_errors):
    yield from browsers_fixture(request, live_server_url, browser, browser_errors)


def _three_working_days():
    """A Monday at least two weeks ahead whose week starts with three working days."""
    day = timezone.localdate() + timedelta(days=14)
    while True:
        day += timedelta(days=(7 - day.weekday()) % 7)
        closed = off_days(day, day + timedelta(days=2))
        if all(leave_days.is_working_day(day + timedelta(days=n), closed) for n in range(3)):
            return day, day + timedelta(days=2)
        day += timedelta(days=1)


@pytest.mark.browser
def test_a_nurse_applies_on_a_tablet_the_admin_approves_and_the_nurse_sees_it_live(
    transactional_db, browsers, live_server_url
):
    ensure_leave_types()  # an earlier browser test may have emptied the tables
    nurse = UserFactory(role=rbac.NURSE, first_name="Grace", last_name="Wanjiru")
    admin = UserFactory(role=rbac.ADMIN)
    admin_key = TOTPDeviceFactory(user=admin).key
    first, last = _three_working_days()
    tablet = browsers.open("nurse", tablet=True)
    tablet.set_viewport_size(TABLET_LANDSCAPE)
    sign_in(tablet, live_server_url, nurse)

    # 1. The nurse finds "My leave" and applies; the cost shows before she sends it.
    tablet.goto(f"{live_server_url}/hr/leave/")
    expect(tablet.get_by_test_id("balance-annual")).to_contain_text("21")
    tablet.get_by_test_id("apply-for-leave").click()
    tablet.get_by_label("Type of leave").select_option(label="Annual leave")
    tablet.get_by_label("First day").fill(f"{first:%d/%m/%Y}")
    tablet.get_by_label("Last day").fill(f"{last:%d/%m/%Y}")
    tablet.get_by_label("Last day").blur()
    expect(tablet.get_by_test_id("preview-days")).to_have_text("3 days")
    expect(tablet.get_by_test_id("leave-preview")).to_contain_text("18 days after this")
    snapshot(tablet, "leave-apply-tablet")
    tablet.wait_for_load_state("networkidle")  # the last preview in, before the page moves on
    tablet.get_by_test_id("leave-submit").click()
    expect(tablet.get_by_test_id("leave-state")).to_have_text("Waiting for a decision")
    expect(tablet.get_by_test_id("balance-annual")).to_contain_text("18")
    expect(tablet.get_by_test_id("leave-balances")).to_contain_text("3 waiting for a decision")
    expect_live(tablet)
    tablet.evaluate("window.__notReloaded = true")

    # 2. The administrator, in another browser, approves it.
    desk = browsers.open("admin")
    login(desk, live_server_url, admin.username, PASSWORD, admin_key)
    desk.goto(f"{live_server_url}/hr/leave/requests/")
    expect(desk.get_by_test_id("page-count")).to_contain_text("1 request waiting in all")
    desk.get_by_test_id("decide").click()
    expect(desk.get_by_role("heading", level=1)).to_contain_text("Grace Wanjiru")
    expect(desk.get_by_test_id("leave-details")).to_contain_text("3 waiting")
    snapshot(desk, "leave-decide")
    desk.get_by_label("Comment to the person").fill("Enjoy your days off")
    desk.get_by_test_id("approve").click()
    expect(desk.get_by_text("Grace Wanjiru's leave: approved.")).to_be_visible()

    # 3. The nurse's page changed by itself: approved, the days now taken, none waiting.
    expect(tablet.get_by_test_id("leave-state")).to_contain_text("Approved")
    expect(tablet.get_by_test_id("leave-state")).to_contain_text("Enjoy your days off")
    expect(tablet.get_by_test_id("leave-balances")).not_to_contain_text("waiting")
    expect(tablet.get_by_test_id("leave-balances")).to_contain_text("3 taken or booked")
    expect(tablet.get_by_test_id("balance-annual")).to_contain_text("18")
    expect(tablet.get_by_test_id("notification-toast")).to_contain_text("is approved")
    assert tablet.evaluate("window.__notReloaded === true"), "the nurse's page was reloaded"
    snapshot(tablet, "leave-approved-live-tablet")
