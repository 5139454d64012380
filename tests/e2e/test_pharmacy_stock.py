"""Stock reaching a ward, in the browser: the pharmacist sends supplies from the main store with
the send form; the ward nurse, her ward store's page open on a 1024×600 tablet, sees the transfer
arrive without a reload and receives it with one tap; the stock is on her shelves."""

import pytest
from playwright.sync_api import expect

from hms import rbac
from pharmacy.models import Transfer, TransferStatus
from tests.e2e.conftest import SMALL_TABLET_VIEWPORT, assert_fits, snapshot
from tests.e2e.live import browsers_fixture, expect_live, sign_in
from tests.factories import (
    BatchFactory,
    FormularyItemFactory,
    StoreFactory,
    UserFactory,
    WardFactory,
    stock_put,
)


@pytest.fixture
def browsers(request, transactional_db, live_server_url, browser, browser_errors):
    yield from browsers_fixture(request, live_server_url, browser, browser_errors)


@pytest.mark.browser
def test_a_ward_nurse_sees_a_transfer_arrive_and_receives_it(browsers, live_server_url):
    pharmacist = UserFactory(role=rbac.PHARMACIST, username="faith")
    nurse = UserFactory(role=rbac.NURSE, username="grace")
    main = StoreFactory(name="Main store", kind="main")
    StoreFactory(name="Pharmacy", kind="pharmacy")
    ward = StoreFactory(name="Maternity store", kind="ward", ward=WardFactory(name="Maternity"))
    gloves = FormularyItemFactory(
        generic_name="Examination gloves", strength="medium", form="supply", category="supply"
    )
    batch = BatchFactory(item=gloves, batch_number="GLV2611")
    stock_put(main, batch, 500, pharmacist)

    ward_page = browsers.open("nurse", tablet=True)
    ward_page.set_viewport_size(SMALL_TABLET_VIEWPORT)
    sign_in(ward_page, live_server_url, nurse)
    ward_page.goto(f"{live_server_url}/pharmacy/stock/wards/{ward.pk}/")
    expect_live(ward_page)
    expect(ward_page.get_by_text("Nothing on its way.")).to_be_visible()
    ward_page.evaluate("window.__notReloaded = true")

    desk = browsers.open("pharmacist")
    sign_in(desk, live_server_url, pharmacist)
    desk.goto(f"{live_server_url}/pharmacy/stock/")
    snapshot(desk, "stock-levels")
    desk.goto(f"{live_server_url}/pharmacy/stock/transfers/new/")
    desk.locator("select[name=from_store]").select_option(label="Main store")
    desk.locator("select[name=to_store]").select_option(label="Maternity store")
    line = desk.get_by_test_id("line").first
    line.locator("select[name$=item]").select_option(label=gloves.name)
    line.locator("input[name$=quantity]").fill("40")
    snapshot(desk, "transfer-new")
    desk.get_by_test_id("transfer-save").click()
    expect(desk.get_by_text("saved.")).to_be_visible()

    waiting = ward_page.get_by_test_id("waiting-transfer")
    expect(waiting).to_contain_text("40 units")
    assert ward_page.evaluate("window.__notReloaded === true"), "the nurse's page was reloaded"
    snapshot(ward_page, "ward-store-waiting")
    receive = waiting.get_by_role("button", name="Receive")
    assert receive.bounding_box()["height"] >= 44
    receive.tap()

    expect(ward_page.get_by_text("received: the stock is in Maternity store")).to_be_visible()
    expect(ward_page.get_by_test_id("ward-stock")).to_contain_text("GLV2611")
    transfer = Transfer.objects.get()
    assert (transfer.status, transfer.received_by) == (TransferStatus.RECEIVED, nurse)
    assert_fits(ward_page, "the ward store page on the tablet")


@pytest.mark.browser
def test_a_report_period_that_is_no_date_is_said_beside_the_picker(
    transactional_db, browsers, live_server_url
):
    pharmacist = UserFactory(role=rbac.PHARMACIST)
    desk = browsers.open("pharmacist")
    desk.set_viewport_size({"width": 1366, "height": 768})
    sign_in(desk, live_server_url, pharmacist)

    desk.goto(f"{live_server_url}/pharmacy/stock/reports/consumption/?from=2026-02-31&to=abc")

    expect(desk.get_by_test_id("period-from-error")).to_contain_text(
        "“2026-02-31” is not a date of the calendar"
    )
    expect(desk.get_by_test_id("period-to-error")).to_contain_text("“abc” is not a date")
    expect(desk.get_by_test_id("period-from")).to_have_value("2026-02-31")
    expect(desk.get_by_test_id("period-used")).to_contain_text("a date above could not be read")
    snapshot(desk, "pharmacy-report-period-refused-1366")
