"""A machine fault from start to end in the browser, everyone on a 1024×600 tablet: a nurse scans
the X-ray room's QR label (its /engineering/m/<TAG>/ address) and reports it unusable; the
engineer's queue shows the report without a reload, the engineer takes it, logs the work with a
part and resolves it; the nurse hears of each step in the bell; the lab worklist's banner of
machines down appears when the report says unusable and goes when the machine is back."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from engineering import services as engineering
from engineering.models import FaultRequest, MachineStatus, WorkOrder
from hms import rbac
from tests.e2e.conftest import SMALL_TABLET_VIEWPORT, arrive, assert_fits, snapshot
from tests.e2e.live import browsers_fixture, expect_live, run_elsewhere, sign_in
from tests.factories import UserFactory

# A 7-inch tablet held sideways.
# The smallest height a button a finger taps should have (Bootstrap's large button is 48 px).
TOUCH_PX = 44


@pytest.fixture
def browsers(request, transactional_db, live_server_url, browser, browser_errors):
    # Depends on transactional_db so the browsers close before the database is flushed.
    yield from browsers_fixture(request, live_server_url, browser, browser_errors)


def tablet(browsers, name: str):
    page = browsers.open(name, tablet=True)
    page.set_viewport_size(SMALL_TABLET_VIEWPORT)
    return page


def mark_not_reloaded(page) -> None:
    page.evaluate("window.__notReloaded = true")


def assert_not_reloaded(page, who: str) -> None:
    assert page.evaluate("window.__notReloaded === true"), f"the {who}'s page was reloaded"


def assert_touchable(button, what: str) -> None:
    box = button.bounding_box()
    assert box is not None and box["height"] >= TOUCH_PX, f"{what} is {box} : too small to tap"


def typed(moment) -> str:
    """A moment as the work log's fields take it: day first, the hospital's time."""
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M")


@pytest.mark.browser
def test_a_fault_reported_from_the_qr_label_is_taken_logged_and_resolved_live(
    transactional_db, browsers, live_server_url
):
    engineer = UserFactory(role=rbac.ENGINEER, first_name="Samuel", last_name="Njoroge")
    nurse = UserFactory(role=rbac.NURSE, first_name="Grace", last_name="Wanjiru")
    technician = UserFactory(role=rbac.LAB_TECHNICIAN, first_name="Peter", last_name="Kamau")
    xray = run_elsewhere(
        lambda: engineering.machine_register(
            actor=engineer, name="X-ray room 1", asset_tag="RAD-XR-01", machine_type="xray"
        )
    )

    workshop = tablet(browsers, "engineer")
    ward = tablet(browsers, "nurse")
    bench = tablet(browsers, "technician")
    sign_in(workshop, live_server_url, engineer)
    sign_in(ward, live_server_url, nurse)
    sign_in(bench, live_server_url, technician)
    workshop.goto(f"{live_server_url}/engineering/queue/")
    bench.goto(f"{live_server_url}/lab/")
    for page in (workshop, bench):
        expect_live(page)
        mark_not_reloaded(page)
    expect(workshop.get_by_test_id("queue-row")).to_have_count(0)
    expect(bench.get_by_test_id("machines-down")).to_have_count(0)

    # --- the nurse scans the label (the address it holds, any case) and reports it ---------------
    ward.goto(f"{live_server_url}/engineering/m/rad-xr-01/")
    arrive(ward, f"{live_server_url}/engineering/machines/{xray.pk}/")
    expect_live(ward)
    expect(ward.get_by_role("heading", name="X-ray room 1")).to_be_visible()
    assert_fits(ward, "The machine's page")
    form = ward.get_by_test_id("fault-form")
    form.get_by_label("What is wrong?").fill("No exposure: the generator shows error E-214.")
    form.get_by_label("No, it is unusable").check()
    form.get_by_label("Priority").select_option("urgent")
    send = form.get_by_test_id("fault-send")
    assert_touchable(send, "Send to engineering")
    snapshot(ward, "engineering-01-nurse-reports")
    send.click()
    expect(ward.get_by_text("sent to engineering: you will hear as it is handled")).to_be_visible()
    fault = FaultRequest.objects.get(machine=xray)
    expect(
        ward.get_by_test_id("machine-panel").get_by_test_id("machine-status").first
    ).to_contain_text("Out of order")
    expect_live(ward)
    mark_not_reloaded(ward)

    # --- the engineer's queue shows it live; the lab's banner appears -----------------------------
    row = workshop.locator(f"[data-testid=queue-row][data-number='{fault.number}']")
    expect(row).to_be_visible()
    expect(row).to_contain_text("X-ray room 1")
    expect(row).to_contain_text("No exposure: the generator shows error E-214.")
    expect(row).to_contain_text("Urgent")
    assert_not_reloaded(workshop, "engineer")
    banner = bench.get_by_test_id("machines-down")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("X-ray room 1 (RAD-XR-01): out of order since")
    assert_not_reloaded(bench, "technician")
    assert_fits(workshop, "The queue")
    assert_fits(bench, "The worklist with the banner")
    snapshot(workshop, "engineering-02-queue-live")
    snapshot(bench, "engineering-03-lab-banner")

    # --- the engineer takes it; the nurse hears -----------------------------------------------
    take = row.get_by_test_id("take")
    assert_touchable(take, "Take it")
    take.click()
    work_order = WorkOrder.objects.get(fault_request=fault)
    arrive(workshop, f"{live_server_url}/engineering/work-orders/{work_order.pk}/")
    expect(workshop.get_by_text(f"{fault.number} is yours: {work_order.number}.")).to_be_visible()
    expect(ward.get_by_test_id("bell-count")).to_have_text("1")
    expect(
        ward.get_by_test_id("notification-toast").filter(has_text="Samuel Njoroge is on it.")
    ).to_be_visible()

    # --- logs the work with a part ------------------------------------------------------------
    assert_fits(workshop, "The work order")
    log = workshop.get_by_test_id("log-form")
    now = timezone.now()
    # The work below began before the engineer took the request on screen, but after the fault
    # was reported (the service refuses work before the report): the report is an hour old.
    FaultRequest.objects.filter(pk=fault.pk).update(raised_at=now - timedelta(hours=1))
    log.get_by_label("What was done").fill("Generator control board replaced; test exposures OK.")
    log.get_by_label("Labour (minutes)").fill("45")
    log.get_by_label("Work started").fill(typed(now - timedelta(minutes=50)))
    log.get_by_label("Work ended").fill(typed(now - timedelta(minutes=5)))
    log.get_by_label("Part 1").fill("Generator control board")
    log.get_by_label("Quantity").first.fill("1")
    log.get_by_label("Cost of one").first.fill("18500")
    assert_touchable(log.get_by_test_id("log-save"), "Log work")
    snapshot(workshop, "engineering-04-log-work")
    log.get_by_test_id("log-save").click()
    expect(workshop.get_by_text("Work logged.")).to_be_visible()
    entry = workshop.get_by_test_id("log-entry")
    expect(entry).to_contain_text("Generator control board replaced; test exposures OK.")
    expect(entry).to_contain_text("1 × Generator control board")
    expect(workshop.get_by_test_id("work-totals")).to_contain_text("Labour 45 min")
    expect(ward.get_by_test_id("bell-count")).to_have_text("2")

    # --- resolves it: the machine is back, the nurse is told, the banner goes --------------------
    resolve = workshop.get_by_test_id("resolve-form")
    resolve.get_by_label("How it was resolved").fill("Board replaced, ten test exposures good.")
    assert_touchable(resolve.get_by_test_id("resolve"), "Resolved")
    resolve.get_by_test_id("resolve").click()
    expect(workshop.get_by_test_id("resolution")).to_contain_text(
        "Board replaced, ten test exposures good."
    )
    snapshot(workshop, "engineering-05-resolved")

    expect(ward.get_by_test_id("bell-count")).to_have_text("3")
    expect(
        ward.get_by_test_id("notification-toast").filter(has_text="resolved by Samuel Njoroge")
    ).to_be_visible()
    expect(
        ward.get_by_test_id("machine-panel").get_by_test_id("machine-status").first
    ).to_contain_text("Operational")
    assert_not_reloaded(ward, "nurse")
    snapshot(ward, "engineering-06-nurse-told")
    expect(bench.get_by_test_id("machines-down")).to_have_count(0)
    expect(bench.get_by_test_id("machines-down-panel")).to_be_attached()
    assert_not_reloaded(bench, "technician")
    snapshot(bench, "engineering-07-lab-banner-gone")
    xray.refresh_from_db()
    assert xray.status == MachineStatus.OPERATIONAL
