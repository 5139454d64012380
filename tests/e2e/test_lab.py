"""The lab in the browser: a doctor orders a blood count from a consultation, a technician on a
tablet takes it through the worklist to a critical result, a colleague verifies it, and the doctor
hears about it and reads the flagged value, with every screen following along without a reload."""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clinical.models import Appointment, AppointmentStatus
from hms import rbac
from lab import catalogue
from lab import services as lab
from lab.models import LabTest, OrderStatus, TestOrder
from tests.e2e.conftest import arrive, assert_fits, snapshot
from tests.e2e.live import browsers_fixture, expect_live, run_elsewhere, sign_in
from tests.factories import PatientFactory, UserFactory

CONSULTATION = re.compile(r"/appointments/consultations/(\d+)/$")
ORDER_FORM = re.compile(r"/lab/order/\?encounter=\d+$")
WORKLIST = re.compile(r"/lab/$")
# A finger is about 9 mm wide; 44 CSS pixels is the usual smallest comfortable touch target.
MIN_TAP_PX = 44


@pytest.fixture
def browsers(request, transactional_db, live_server_url, browser, browser_errors):
    # Depends on transactional_db so the browsers close before the database is flushed: a page
    # still open then would reconnect its socket with a session that no longer exists.
    yield from browsers_fixture(request, live_server_url, browser, browser_errors)


def mark_not_reloaded(page) -> None:
    page.evaluate("window.__notReloaded = true")


def assert_not_reloaded(page, who: str) -> None:
    assert page.evaluate("window.__notReloaded === true"), f"the {who}'s page was reloaded"


def assert_big_enough_to_tap(locator, what: str) -> None:
    box = locator.bounding_box()
    assert box is not None, f"{what} is not on the screen"
    assert box["height"] >= MIN_TAP_PX and box["width"] >= MIN_TAP_PX, (
        f"{what} is {box['width']:.0f}×{box['height']:.0f}px: too small to tap"
    )


def tap_step(row, label: str) -> None:
    button = row.get_by_test_id("step")
    expect(button).to_have_text(label)
    assert_big_enough_to_tap(button, f"the “{label}” button")
    button.tap()


@pytest.mark.browser
def test_a_critical_blood_count_goes_from_the_doctor_through_the_lab_tablet_and_back(
    transactional_db, charge_master, browsers, live_server_url
):
    # --- seed: the catalogue, the people, and a checked-in appointment of today ---------------
    admin = UserFactory(role=rbac.ADMIN)
    run_elsewhere(lambda: catalogue.load(admin))
    doctor = UserFactory(role=rbac.DOCTOR, first_name="Amina", last_name="Odhiambo")
    technician = UserFactory(role=rbac.LAB_TECHNICIAN, first_name="Peter", last_name="Kamau")
    verifier = UserFactory(role=rbac.LAB_TECHNICIAN, first_name="Faith", last_name="Chebet")
    patient = PatientFactory(
        first_name="Wanjiku", last_name="Njeri", sex="F", date_of_birth=date(1991, 3, 14)
    )
    now = timezone.localtime()
    starts_at = now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)
    appointment = Appointment.objects.create(
        patient=patient,
        doctor=doctor,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=15),
        fee="1500",
        status=AppointmentStatus.CHECKED_IN,
        checked_in_at=timezone.now(),
    )

    desk = browsers.open("doctor")
    bench = browsers.open("technician-tablet", tablet=True)
    second = browsers.open("verifier-tablet", tablet=True)
    sign_in(desk, live_server_url, doctor)
    sign_in(bench, live_server_url, technician)
    sign_in(second, live_server_url, verifier)

    # The technician has the worklist open on the bench tablet, the colleague on theirs.
    bench.goto(f"{live_server_url}/lab/")
    expect_live(bench)
    expect(bench.get_by_test_id("worklist")).to_contain_text("Nothing waiting.")
    mark_not_reloaded(bench)
    second.goto(f"{live_server_url}/lab/")
    expect_live(second)
    expect(second.get_by_test_id("awaiting")).to_contain_text("None.")
    mark_not_reloaded(second)

    # --- the doctor starts the consultation and orders a full blood count, urgent ------------
    desk.goto(f"{live_server_url}/appointments/{appointment.pk}/")
    desk.get_by_test_id("start-consultation").click()
    arrive(desk, CONSULTATION)
    consultation_url = desk.url
    panel = desk.get_by_test_id("lab-panel")
    expect(panel).to_contain_text("No tests ordered.")

    panel.get_by_test_id("order-tests").click()

    # The form opens under the tests, on the consultation: the notes stay as typed.
    expect(desk.get_by_test_id("order-form")).to_be_visible()
    expect(desk.get_by_role("heading", name="Order tests")).to_be_visible()
    desk.get_by_label(re.compile(r"^Full blood count\b")).check()
    desk.get_by_label("Urgent", exact=True).check()
    desk.locator("[name=clinical_notes]").fill("Tired and pale for a month; heavy periods.")
    snapshot(desk, "lab-01-doctor-order-form")
    desk.get_by_test_id("place-order").click()

    expect(desk.get_by_test_id("order-placed")).to_have_text(
        "Ordered: Full blood count. The lab sees it now."
    )
    arrive(desk, consultation_url)
    panel_row = panel.get_by_test_id("lab-panel-row").filter(has_text="Full blood count")
    expect(panel_row).to_have_count(1)
    expect(panel_row.get_by_test_id("order-status")).to_have_text("Pending")
    expect(panel_row.get_by_test_id("priority")).to_have_text("Urgent")
    order = TestOrder.objects.get(patient=patient)
    assert order.encounter is not None and order.encounter.appointment_id == appointment.pk
    expect_live(desk)
    mark_not_reloaded(desk)

    # --- the order arrives on the technician's tablet without a reload ------------------------
    row = bench.locator(f"[data-testid=worklist-row][data-order='{order.number}']")
    expect(row).to_be_visible()
    expect(row).to_contain_text("Full blood count")
    expect(row).to_contain_text("Wanjiku Njeri")
    expect(row).to_contain_text(f"MRN {patient.mrn}")
    expect(row.get_by_test_id("priority")).to_have_text("Urgent")
    expect(row).to_contain_text("Tired and pale for a month; heavy periods.")
    expect(row.get_by_test_id("order-status")).to_have_text("Pending")
    assert_not_reloaded(bench, "technician")
    assert_fits(bench, "The worklist on the tablet")
    snapshot(bench, "lab-02-tablet-worklist-new-order")

    # The colleague opens the order on their tablet, and leaves it there.
    second.locator(f"[data-testid=worklist-row][data-order='{order.number}']").get_by_role(
        "link", name="Full blood count"
    ).tap()
    arrive(second, f"{live_server_url}/lab/orders/{order.pk}/")
    stale_step = second.get_by_test_id("next-step")
    expect(stale_step).to_have_text("Mark “Sample collected”")

    # Sample collected, then Start: each a tap on the worklist.
    tap_step(row, "Sample collected")
    arrive(bench, WORKLIST)
    expect(row.get_by_test_id("order-status")).to_have_text("Sample collected")
    expect(panel_row.get_by_test_id("order-status")).to_have_text("Sample collected")
    snapshot(bench, "lab-03-tablet-worklist-collected")
    tap_step(row, "Start")
    expect(row.get_by_test_id("order-status")).to_have_text("In progress")
    expect(panel_row.get_by_test_id("order-status")).to_have_text("In progress")
    enter = row.get_by_test_id("enter-results")
    assert_big_enough_to_tap(enter, "the “Enter results” button")
    assert_fits(bench, "The worklist on the tablet")

    # --- an invalid jump: the colleague's page is out of date; going back a step is refused ---
    stale_step.tap()
    refusal = second.get_by_role("status").filter(has_text="Steps are taken one at a time.")
    expect(refusal).to_be_visible()
    expect(refusal).to_contain_text(
        f"{order.number} is in progress: the next step is “Completed”, not “Sample collected”."
    )
    expect(second.get_by_test_id("order-status")).to_have_text("In progress")
    snapshot(second, "lab-04-tablet-stale-step-refused")
    order.refresh_from_db()
    assert order.status == OrderStatus.IN_PROGRESS and order.collected_by == technician
    second.get_by_role("link", name="Lab worklist").tap()
    arrive(second, WORKLIST)
    expect_live(second)
    expect(second.get_by_test_id("awaiting")).to_contain_text("None.")
    mark_not_reloaded(second)

    enter.tap()

    # --- results: haemoglobin 6.2 g/dL is critical for an adult woman ------------------------
    arrive(bench, f"{live_server_url}/lab/orders/{order.pk}/")
    expect(bench.get_by_test_id("order-status")).to_have_text("In progress")
    bench.get_by_test_id("result-haemoglobin").fill("6.2")
    bench.get_by_test_id("result-white-cells").fill("7.5")
    bench.get_by_test_id("result-platelets").fill("250")
    assert_fits(bench, "The result entry on the tablet")
    snapshot(bench, "lab-05-tablet-result-entry")
    bench.get_by_test_id("save-results").tap()

    expect(bench.get_by_text("Results saved.")).to_be_visible()
    expect(bench.get_by_test_id("critical-alert")).to_be_visible()
    entered = bench.get_by_test_id("value-row")
    expect(entered.filter(has_text="Haemoglobin").get_by_test_id("flag")).to_have_text(
        "Critically low"
    )
    expect(entered.filter(has_text="White cells").get_by_test_id("flag")).to_have_count(0)
    expect(entered.filter(has_text="Platelets").get_by_test_id("flag")).to_have_count(0)

    # The critical value reaches the doctor at once, before anyone verifies it.
    critical_toast = desk.get_by_test_id("notification-toast").filter(has_text="CRITICAL result")
    expect(critical_toast).to_be_visible()
    expect(critical_toast).to_contain_text("Wanjiku Njeri (Full blood count): Haemoglobin 6.2 g/dL")
    expect(desk.get_by_test_id("bell-count")).to_have_text("1")
    expect(panel_row).to_contain_text("Critical")
    snapshot(desk, "lab-06-doctor-critical-toast")

    bench.get_by_test_id("next-step").tap()
    expect(bench.get_by_test_id("order-status")).to_have_text("Completed")
    expect(desk.get_by_test_id("bell-count")).to_have_text("2")
    expect(panel_row.get_by_test_id("order-status")).to_have_text("Completed")

    # --- the technician is not offered to verify their own result ----------------------------
    expect(bench.get_by_test_id("next-step")).to_have_count(0)
    second_person = bench.get_by_test_id("verify-by-colleague")
    expect(second_person).to_be_visible()
    expect(second_person).to_contain_text("You completed this test, so a colleague verifies it")
    snapshot(bench, "lab-07-tablet-completed-verify-by-colleague")

    # --- a colleague verifies, on the second tablet -------------------------------------------
    awaiting = second.get_by_test_id("awaiting-row").filter(has_text=order.number)
    expect(awaiting).to_be_visible()
    expect(awaiting).to_contain_text("Critical")
    expect(awaiting).to_contain_text("completed by Peter Kamau")
    assert_not_reloaded(second, "verifier")
    assert_fits(second, "The worklist on the tablet")
    snapshot(second, "lab-08-tablet-awaiting-verification")
    assert_big_enough_to_tap(awaiting, "the awaiting-verification row")
    awaiting.tap()
    arrive(second, f"{live_server_url}/lab/orders/{order.pk}/")
    expect(second.get_by_test_id("critical-alert")).to_be_visible()
    second.once("dialog", lambda dialog: dialog.accept())
    second.get_by_test_id("next-step").tap()
    expect(second.get_by_test_id("order-status")).to_have_text("Verified")
    expect(second.get_by_text(f"{order.number}: Verified.")).to_be_visible()
    expect(second.get_by_test_id("next-step")).to_have_count(0)
    snapshot(second, "lab-09-tablet-verified")

    # --- the doctor: the panel shows it verified, live; the bell leads to the flagged result --
    expect(panel_row.get_by_test_id("order-status")).to_have_text("Verified")
    expect(panel_row.filter(has_text="Haemoglobin 6.2 g/dL").get_by_test_id("flag")).to_have_text(
        "Critically low"
    )
    expect(desk.get_by_test_id("bell-count")).to_have_text("3")
    assert_not_reloaded(desk, "doctor")
    snapshot(desk, "lab-10-doctor-consultation-verified")

    desk.get_by_test_id("bell").click()
    notifications = desk.get_by_test_id("notification-list").get_by_role("button")
    expect(notifications).to_have_count(3)
    expect(notifications.filter(has_text="CRITICAL result for Wanjiku Njeri")).to_have_count(1)
    expect(
        notifications.filter(has_text="completed, awaiting verification. CRITICAL values.")
    ).to_have_count(1)
    notifications.filter(has_text="Full blood count for Wanjiku Njeri is verified.").click()

    arrive(desk, f"{live_server_url}/lab/orders/{order.pk}/")
    expect(desk.get_by_test_id("order-status")).to_have_text("Verified")
    expect(desk.get_by_test_id("critical-alert")).to_be_visible()
    haemoglobin = desk.get_by_test_id("value-row").filter(has_text="Haemoglobin")
    expect(haemoglobin).to_have_class(re.compile(r"\btable-danger\b"))
    expect(haemoglobin).to_contain_text("6.2")
    expect(haemoglobin).to_contain_text("12–15.5")
    expect(haemoglobin.get_by_test_id("flag")).to_have_text("Critically low")
    expect(desk.get_by_test_id("bell-count")).to_have_text("2")
    snapshot(desk, "lab-11-doctor-result")

    order.refresh_from_db()
    assert order.status == OrderStatus.VERIFIED
    assert order.completed_by == technician and order.verified_by == verifier
    assert order.flag == "critical"


@pytest.mark.browser
def test_a_message_the_technician_closed_stays_closed_when_the_worklist_refreshes_live(
    transactional_db, charge_master, browsers, live_server_url
):
    """On a busy shift the worklist refreshes with every order: a message the technician has
    closed (or that has timed out) must not pop up again each time."""
    admin = UserFactory(role=rbac.ADMIN)
    run_elsewhere(lambda: catalogue.load(admin))
    tests = {test.code: test for test in LabTest.objects.all()}
    doctor = UserFactory(role=rbac.DOCTOR)
    technician = UserFactory(role=rbac.LAB_TECHNICIAN)
    patient = PatientFactory(first_name="Wanjiku", last_name="Njeri")
    (order,) = run_elsewhere(
        lambda: lab.order_tests(actor=doctor, patient=patient, tests=[tests["CBC"]])
    )
    bench = browsers.open("technician-tablet", tablet=True)
    sign_in(bench, live_server_url, technician)
    bench.goto(f"{live_server_url}/lab/")
    row = bench.locator(f"[data-testid=worklist-row][data-order='{order.number}']")
    tap_step(row, "Sample collected")
    expect(row.get_by_test_id("order-status")).to_have_text("Sample collected")
    expect_live(bench)
    done = bench.get_by_role("status").filter(has_text=f"{order.number}: Sample collected.")
    expect(done).to_be_visible()
    done.get_by_role("button", name="Close").tap()
    expect(done).to_be_hidden()

    run_elsewhere(lambda: lab.order_tests(actor=doctor, patient=patient, tests=[tests["RBS"]]))

    expect(
        bench.get_by_test_id("worklist-row").filter(has_text="Random blood glucose")
    ).to_be_visible()
    expect(done).to_be_hidden()
