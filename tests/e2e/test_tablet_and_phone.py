"""The screens a nurse and a lab technician use on a 10-inch tablet held sideways (1024×600), and
the patient portal on a phone (390×844): the menu in sight without a Menu button on the tablet,
every control big enough for a finger, nothing wider than the screen, and axe-core content."""

import re
from datetime import date

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from hms import rbac
from hms.navigation import nav_for
from messaging import services as messaging
from tests.e2e.axe import assert_no_serious_violations
from tests.e2e.conftest import _open_page, arrive, assert_fits, login, snapshot
from tests.e2e.live import expect_live, run_elsewhere, watch_socket
from tests.e2e.touch import assert_big_enough_to_tap, touch_problems
from tests.factories import (
    PASSWORD,
    AppointmentFactory,
    DoctorFactory,
    PatientFactory,
    TOTPDeviceFactory,
    UserFactory,
    invoice_issued,
)

TABLET = {"width": 1024, "height": 600}
PHONE = {"width": 390, "height": 844}
ADMISSION = re.compile(r"/wards/admissions/(\d+)/$")


@pytest.fixture
def tablet(request, transactional_db, live_server_url, browser, browser_errors):
    """A 10-inch ward tablet held sideways: 1024×600, a touch screen."""
    yield from _open_page(
        request, browser, browser_errors, viewport=TABLET, has_touch=True, is_mobile=True
    )


@pytest.fixture
def phone(request, live_server_url, browser, browser_errors):
    """A patient's phone: 390×844, a touch screen."""
    yield from _open_page(
        request, browser, browser_errors, viewport=PHONE, has_touch=True, is_mobile=True
    )


def assert_fit_for_fingers(page, screen: str) -> None:
    """No sideways scrolling, every control big enough to tap, no serious axe finding."""
    assert_fits(page, screen)
    assert touch_problems(page) == [], screen
    assert_no_serious_violations(page, screen)


def assert_whole_menu_in_sight(page, user) -> None:
    """Every entry of the user's bar is on the screen, with no Menu button to open first."""
    entries = [item.label for item in nav_for(user) if item.place == "main"]
    assert entries, "a staff member has a menu"
    navigation = page.get_by_role("navigation", name="Main")
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    for label in entries:
        link = navigation.get_by_role("link", name=label, exact=True)
        expect(link).to_be_in_viewport()
        assert_big_enough_to_tap(link, f"the menu's “{label}”")
    expect(page.get_by_test_id("user-menu")).to_be_in_viewport()


# --- every role's menu on a tablet --------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("role", [role for role in rbac.ROLES if role != rbac.PATIENT])
def test_every_entry_of_each_staff_menu_is_in_sight_on_a_tablet(
    role, transactional_db, tablet, live_server_url
):
    user = UserFactory(role=role, first_name="Jacqueline", last_name="Washington")
    totp_key = TOTPDeviceFactory(user=user).key if user.second_factor_required else None

    login(tablet, live_server_url, user.username, PASSWORD, totp_key)

    expect(tablet.get_by_test_id("dashboard-title")).to_be_visible()
    assert_whole_menu_in_sight(tablet, user)
    if any(item.place == "admin" for item in nav_for(user)):
        administration = tablet.get_by_test_id("admin-menu")
        expect(administration).to_be_in_viewport()
        assert_big_enough_to_tap(administration, "the Administration menu")
        administration.tap()
        for item in (item for item in nav_for(user) if item.place == "admin"):
            entry = tablet.get_by_role("link", name=item.label, exact=True)
            expect(entry).to_be_visible()
            assert_big_enough_to_tap(entry, f"Administration’s “{item.label}”")
        tablet.keyboard.press("Escape")
    assert_fit_for_fingers(tablet, f"The {role}'s dashboard")
    snapshot(tablet, f"tablet-1024-menu-{role}")


# --- the nurse on a tablet ---------------------------------------------------------------------


@pytest.mark.browser
def test_a_nurse_on_a_tablet_admits_from_the_bed_board_and_records_vitals(
    transactional_db, charge_master, tablet, live_server_url
):
    from wards import services as wards

    admin = UserFactory(role=rbac.ADMIN)
    ward = run_elsewhere(
        lambda: wards.ward_create(
            actor=admin, name="General Ward A", kind="general", charge_code="WARD-GEN", beds=6
        )
    )
    bed = ward.beds.order_by("number").first()
    doctor = DoctorFactory(first_name="Amina", last_name="Odhiambo")
    nurse = UserFactory(role=rbac.NURSE, first_name="Joseph", last_name="Kamau")
    patient = PatientFactory(first_name="Wanjiku", last_name="Njeri")
    PatientFactory.create_batch(5)
    page = tablet
    watch_socket(page.context)
    login(page, live_server_url, nurse.username, PASSWORD)
    assert_whole_menu_in_sight(page, nurse)

    # The bed board.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Bed board").tap()
    arrive(page, re.compile(r"/wards/$"))
    tile = page.locator(f"[data-testid=bed][data-bed='{bed.pk}']")
    expect(tile).to_have_attribute("data-status", "vacant")
    admit_here = tile.get_by_role("link", name="Admit here")
    # "Admit here" stretches over the whole tile: the tile is what a finger taps.
    assert_big_enough_to_tap(tile, "a vacant bed's tile (“Admit here”)")
    assert_whole_menu_in_sight(page, nurse)
    assert_fit_for_fingers(page, "The bed board")
    snapshot(page, "tablet-1024-nurse-bed-board")

    # The admission: find the patient, pick the doctor, admit.
    admit_here.tap()
    search = page.get_by_test_id("admission-patient-search")
    search.fill("Njeri")
    result = page.get_by_test_id("patient-result").filter(has_text="Wanjiku Njeri")
    assert_big_enough_to_tap(result, "the patient found")
    result.tap()
    expect(page.get_by_test_id("admission-patient")).to_contain_text("Wanjiku Njeri")
    page.locator("[name=attending_doctor]").select_option(str(doctor.pk))
    page.locator("[name=reason]").fill("Pneumonia, needs IV antibiotics")
    assert_whole_menu_in_sight(page, nurse)
    assert_fit_for_fingers(page, "The admission form")
    assert_big_enough_to_tap(page.get_by_test_id("admit"), "“Admit”")
    snapshot(page, "tablet-1024-nurse-admission")
    page.get_by_test_id("admit").tap()
    arrive(page, ADMISSION)
    assert_fit_for_fingers(page, "The admission")
    snapshot(page, "tablet-1024-nurse-admitted")

    # Vitals, from the patient's chart.
    page.goto(f"{live_server_url}/patients/{patient.pk}/vitals/")
    for name, value in {
        "temperature_c": "38.4",
        "pulse": "104",
        "systolic": "118",
        "diastolic": "76",
        "respiratory_rate": "22",
        "spo2": "94",
    }.items():
        page.locator(f"[name={name}]").fill(value)
    save = page.get_by_test_id("save-vitals")
    assert_big_enough_to_tap(save, "“Save vitals”")
    assert_fit_for_fingers(page, "The vitals form")
    save.tap()
    expect(page.get_by_test_id("vitals-table")).to_contain_text("38.4")
    assert_whole_menu_in_sight(page, nurse)
    assert_fit_for_fingers(page, "The vitals after saving")
    snapshot(page, "tablet-1024-nurse-vitals")

    # An urgent notice arrives as a toast that stays until closed: its close button is a target.
    expect_live(page)
    run_elsewhere(lambda: messaging.notify(nurse, "Bed 01: SpO2 94 %, review", urgent=True))
    toast = page.get_by_test_id("notification-toast")
    expect(toast).to_have_class(re.compile(r"\bshow\b"))
    # Shown and done fading in: axe measures the colours as the eye sees them, mid-fade too.
    expect(toast).not_to_have_class(re.compile(r"\bshowing\b"))
    expect(toast).to_have_css("opacity", "1")
    close = toast.get_by_role("button", name="Close")
    assert_big_enough_to_tap(close, "the notice's close button")
    assert_fit_for_fingers(page, "The vitals with a notice")
    snapshot(page, "tablet-1024-nurse-notice")
    close.tap()
    expect(toast).to_have_count(0)


# --- the lab technician on a tablet ------------------------------------------------------------


@pytest.mark.browser
def test_a_lab_technician_on_a_tablet_takes_a_test_from_the_worklist_to_its_result(
    transactional_db, charge_master, tablet, live_server_url
):
    from lab import catalogue
    from lab import services as lab
    from lab.models import LabTest

    admin = UserFactory(role=rbac.ADMIN)
    run_elsewhere(lambda: catalogue.load(admin))
    doctor = DoctorFactory(first_name="Amina", last_name="Odhiambo")
    technician = UserFactory(role=rbac.LAB_TECHNICIAN, first_name="Peter", last_name="Mwangi")
    patient = PatientFactory(
        first_name="Wanjiku", last_name="Njeri", sex="F", date_of_birth=date(1991, 3, 14)
    )
    others = PatientFactory.create_batch(4)
    count = LabTest.objects.get(name="Full blood count")
    glucose = LabTest.objects.filter(name__icontains="glucose").first()
    (order,) = run_elsewhere(
        lambda: lab.order_tests(actor=doctor, patient=patient, tests=[count], priority="urgent")
    )
    for other in others:
        run_elsewhere(
            lambda other=other: lab.order_tests(actor=doctor, patient=other, tests=[glucose])
        )
    page = tablet
    login(page, live_server_url, technician.username, PASSWORD)
    assert_whole_menu_in_sight(page, technician)

    # The worklist.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Lab").tap()
    arrive(page, re.compile(r"/lab/$"))
    row = page.locator(f"[data-testid=worklist-row][data-order='{order.number}']")
    expect(row).to_contain_text("Wanjiku Njeri")
    assert_whole_menu_in_sight(page, technician)
    assert_fit_for_fingers(page, "The worklist")
    snapshot(page, "tablet-1024-lab-worklist")
    for step, status in (("Sample collected", "Sample collected"), ("Start", "In progress")):
        button = row.get_by_test_id("step")
        expect(button).to_have_text(step)
        assert_big_enough_to_tap(button, f"“{step}”")
        button.tap()
        expect(row.get_by_test_id("order-status")).to_have_text(status)
    enter = row.get_by_test_id("enter-results")
    assert_big_enough_to_tap(enter, "“Enter results”")
    assert_fit_for_fingers(page, "The worklist, test in progress")

    # The result.
    enter.tap()
    arrive(page, f"{live_server_url}/lab/orders/{order.pk}/")
    page.get_by_test_id("result-haemoglobin").fill("11.8")
    page.get_by_test_id("result-white-cells").fill("7.5")
    page.get_by_test_id("result-platelets").fill("250")
    save = page.get_by_test_id("save-results")
    assert_big_enough_to_tap(save, "“Save results”")
    assert_whole_menu_in_sight(page, technician)
    assert_fit_for_fingers(page, "The result entry")
    snapshot(page, "tablet-1024-lab-result-entry")
    save.tap()
    expect(page.get_by_text("Results saved.")).to_be_visible()
    assert_fit_for_fingers(page, "The result saved")
    snapshot(page, "tablet-1024-lab-result-saved")


# --- the patient on a phone --------------------------------------------------------------------


@pytest.mark.browser
def test_a_patient_on_a_phone_opens_the_menu_and_reads_appointments_and_invoices(
    transactional_db, charge_master, phone, live_server_url
):
    desk = UserFactory(role=rbac.RECEPTIONIST)
    user = UserFactory(role=rbac.PATIENT, first_name="Grace", last_name="Wanjiru")
    patient = PatientFactory(user=user, first_name="Grace", last_name="Wanjiru")
    doctor = DoctorFactory(first_name="Amina", last_name="Odhiambo")
    AppointmentFactory(patient=patient, doctor=doctor)
    AppointmentFactory(
        patient=patient, doctor=doctor, starts_at=timezone.now() + timezone.timedelta(days=10)
    )
    run_elsewhere(lambda: invoice_issued(desk, patient, "NURS-DRESS", ("NURS-DRESS", "2")))
    page = phone
    login(page, live_server_url, user.username, PASSWORD)
    expect(page.get_by_test_id("dashboard-title")).to_be_visible()

    # Home: the menu waits behind the Menu button, which is big enough to tap.
    menu = page.get_by_role("button", name="Menu")
    navigation = page.get_by_role("navigation", name="Main")
    appointments = navigation.get_by_role("link", name="My appointments")
    expect(appointments).to_be_hidden()
    assert_big_enough_to_tap(menu, "the Menu button")
    assert_fit_for_fingers(page, "The portal's home")
    snapshot(page, "phone-390-patient-home")
    menu.tap()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#main-nav")).to_have_class(re.compile(r"\bshow\b"))
    for label in ("My record", "My appointments", "My invoices", "My results"):
        link = navigation.get_by_role("link", name=label, exact=True)
        expect(link).to_be_visible()
        assert_big_enough_to_tap(link, f"the menu's “{label}”")
    assert_fits(page, "The open menu")
    snapshot(page, "phone-390-patient-menu-open")

    # Appointments.
    appointments.tap()
    arrive(page, re.compile(r"/appointments/$"))
    expect(page.get_by_text("Odhiambo").first).to_be_visible()
    assert_fit_for_fingers(page, "My appointments")
    snapshot(page, "phone-390-patient-appointments")

    # Invoices: the menu of the new page, once its scripts run and it has finished opening (a
    # tap on a link still sliding into place can land beside it: CI, session 11).
    page.wait_for_load_state("load")
    menu.tap()
    expect(page.locator("#main-nav")).to_have_class(re.compile(r"\bshow\b"))
    expect(page.locator("#main-nav.collapsing")).to_have_count(0)
    navigation.get_by_role("link", name="My invoices", exact=True).tap()
    arrive(page, re.compile(r"/billing/my-invoices/$"))
    invoice = page.get_by_test_id("my-invoice").first
    expect(invoice).to_be_visible()
    assert_big_enough_to_tap(invoice, "an invoice")
    assert_fit_for_fingers(page, "My invoices")
    snapshot(page, "phone-390-patient-invoices")
