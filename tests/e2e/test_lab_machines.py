"""Imaging machines in the browser: the lab worklist is open on a 1024×600 tablet and a doctor has
the order form open when the engineer sets the only X-ray machine Out of order; the banner appears
on both without a reload, the doctor's chest X-ray is refused naming the machine and ordered "to be
done when the machine is back" with a reason the technician sees on the worklist, and the banner
goes when the machine is back."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clinical.models import Encounter
from engineering import services as engineering
from engineering.models import MachineStatus
from hms import rbac
from lab import catalogue
from lab.models import TestOrder
from tests.e2e.conftest import SMALL_TABLET_VIEWPORT, assert_fits, snapshot
from tests.e2e.live import browsers_fixture, expect_live, run_elsewhere, sign_in
from tests.factories import PatientFactory, UserFactory

# A 7-inch tablet held sideways.


@pytest.fixture
def browsers(request, transactional_db, live_server_url, browser, browser_errors):
    # Depends on transactional_db so the browsers close before the database is flushed.
    yield from browsers_fixture(request, live_server_url, browser, browser_errors)


def mark_not_reloaded(page) -> None:
    page.evaluate("window.__notReloaded = true")


def assert_not_reloaded(page, who: str) -> None:
    assert page.evaluate("window.__notReloaded === true"), f"the {who}'s page was reloaded"


@pytest.mark.browser
def test_the_xray_going_down_shows_on_the_worklist_and_the_order_form_without_a_reload(
    transactional_db, charge_master, browsers, live_server_url
):
    admin = UserFactory(role=rbac.ADMIN)
    run_elsewhere(lambda: catalogue.load(admin))
    engineer = UserFactory(role=rbac.ENGINEER, first_name="Samuel", last_name="Njoroge")
    doctor = UserFactory(role=rbac.DOCTOR, first_name="Amina", last_name="Odhiambo")
    technician = UserFactory(role=rbac.LAB_TECHNICIAN, first_name="Peter", last_name="Kamau")
    patient = PatientFactory(first_name="Juma", last_name="Otieno")
    visit = Encounter.objects.create(patient=patient, doctor=doctor, started_at=timezone.now())
    xray = run_elsewhere(
        lambda: engineering.machine_register(
            actor=engineer, name="X-ray room 1", asset_tag="RAD-XR-01", machine_type="xray"
        )
    )

    bench = browsers.open("technician-tablet", tablet=True)
    bench.set_viewport_size(SMALL_TABLET_VIEWPORT)
    desk = browsers.open("doctor")
    sign_in(bench, live_server_url, technician)
    sign_in(desk, live_server_url, doctor)
    bench.goto(f"{live_server_url}/lab/")
    desk.goto(f"{live_server_url}/lab/order/?encounter={visit.pk}")
    for page in (bench, desk):
        expect_live(page)
        expect(page.get_by_test_id("machines-down-panel")).to_be_attached()
        expect(page.get_by_test_id("machines-down")).to_have_count(0)
        mark_not_reloaded(page)

    # --- the engineer sets the X-ray out of order ---------------------------------------------
    run_elsewhere(
        lambda: engineering.machine_status_change(
            actor=engineer,
            machine=xray,
            to_status=MachineStatus.OUT_OF_ORDER,
            reason="Generator fault",
        )
    )

    for page, who in ((bench, "technician"), (desk, "doctor")):
        banner = page.get_by_test_id("machines-down")
        expect(banner).to_be_visible()
        expect(banner).to_contain_text("X-ray room 1 (RAD-XR-01): out of order since")
        expect(banner).to_contain_text("No X-ray working")
        assert_not_reloaded(page, who)
    assert_fits(bench, "The worklist with the banner")
    snapshot(bench, "lab-machines-01-tablet-banner")

    # --- the doctor's chest X-ray is refused, then ordered for when the machine is back --------
    desk.get_by_label(re.compile(r"^Chest X-ray\b")).check()
    desk.get_by_test_id("place-order").click()
    refusal = desk.get_by_test_id("order-error")
    expect(refusal).to_contain_text("No X-ray machine is working: X-ray room 1 (RAD-XR-01)")
    expect(refusal).to_contain_text("out of order since")
    expect(desk.get_by_label(re.compile(r"^Chest X-ray\b"))).to_be_checked()
    snapshot(desk, "lab-machines-02-doctor-refused")
    desk.get_by_label("Order it anyway, to be done when the machine is back").check()
    desk.get_by_label("Why order it now").fill("Suspected TB: film as soon as it is back")
    desk.get_by_test_id("place-order").click()
    expect(desk.get_by_text("to be done when its machine is back")).to_be_visible()
    order = TestOrder.objects.get(patient=patient)
    assert order.machine_wait_reason == "Suspected TB: film as soon as it is back"

    row = bench.locator(f"[data-testid=worklist-row][data-order='{order.number}']")
    expect(row.get_by_test_id("machine-wait-note")).to_contain_text(
        "to be done when it is back (Suspected TB: film as soon as it is back)"
    )
    assert_not_reloaded(bench, "technician")
    snapshot(bench, "lab-machines-03-tablet-waiting-order")

    # --- the machine is back: the banner goes --------------------------------------------------
    desk.goto(f"{live_server_url}/lab/order/?encounter={visit.pk}")
    expect_live(desk)
    expect(desk.get_by_test_id("machines-down")).to_be_visible()
    mark_not_reloaded(desk)
    run_elsewhere(
        lambda: engineering.machine_status_change(
            actor=engineer,
            machine=xray,
            to_status=MachineStatus.OPERATIONAL,
            reason="Generator replaced",
        )
    )

    for page, who in ((bench, "technician"), (desk, "doctor")):
        expect(page.get_by_test_id("machines-down")).to_have_count(0)
        expect(page.get_by_test_id("machines-down-panel")).to_be_attached()
        assert_not_reloaded(page, who)
    snapshot(bench, "lab-machines-04-tablet-banner-gone")
