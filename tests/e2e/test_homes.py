"""The nurse's home on a landscape ward tablet (1024x600): the ward's patients bed by bed, the
overdue observations marked, and the mark gone without a reload once vitals are recorded; the
patient portal's home on a phone (390x844): a patient's words, dates in words, nothing wider than
the screen, the menu reachable."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clinical import services as clinical
from clinical.models import Vitals
from hms import rbac
from tests.e2e.conftest import _open_page, assert_fits, snapshot
from tests.e2e.live import expect_live, run_elsewhere, sign_in, watch_socket
from tests.factories import (
    AdmissionFactory,
    AppointmentFactory,
    BedFactory,
    PatientFactory,
    UserFactory,
    WardFactory,
    invoice_issued,
)

LANDSCAPE_TABLET = {"width": 1024, "height": 600}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def landscape_tablet(request, transactional_db, live_server_url, browser, browser_errors):
    yield from _open_page(
        request,
        browser,
        browser_errors,
        viewport=LANDSCAPE_TABLET,
        has_touch=True,
        is_mobile=True,
    )


@pytest.fixture
def phone(request, transactional_db, live_server_url, browser, browser_errors):
    yield from _open_page(
        request, browser, browser_errors, viewport=PHONE, has_touch=True, is_mobile=True
    )


@pytest.mark.browser
def test_the_nurse_home_on_a_tablet_shows_what_is_due_and_follows_the_vitals_live(
    landscape_tablet, live_server_url
):
    page = landscape_tablet
    nurse = UserFactory(role=rbac.NURSE, first_name="Grace", last_name="Wanjiru")
    ward = WardFactory(name="Medical Ward")
    now = timezone.now()
    overdue = AdmissionFactory(
        bed=BedFactory(ward=ward, number="3"),
        patient=PatientFactory(first_name="Baraka", last_name="Otieno"),
        admitted_at=now - timedelta(days=2),
    )
    Vitals.objects.create(
        patient=overdue.patient,
        recorded_by=nurse,
        recorded_at=now - timedelta(hours=5),
        respiratory_rate=22,
        spo2=95,
        systolic=118,
        pulse=104,
        temperature_c=38.6,
        on_oxygen=False,
        consciousness="A",
    )
    steady = AdmissionFactory(
        bed=BedFactory(ward=ward, number="1"),
        patient=PatientFactory(first_name="Akinyi", last_name="Njeri"),
        admitted_at=now - timedelta(hours=6),
    )
    Vitals.objects.create(
        patient=steady.patient,
        recorded_by=nurse,
        recorded_at=now - timedelta(hours=1),
        respiratory_rate=16,
        spo2=98,
        systolic=120,
        pulse=72,
        temperature_c=36.8,
        on_oxygen=False,
        consciousness="A",
    )
    BedFactory(ward=ward, number="7", status="cleaning")
    watch_socket(page.context)

    sign_in(page, live_server_url, nurse)
    expect_live(page)

    rows = page.get_by_test_id("ward-patient")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Akinyi Njeri")
    expect(rows.nth(1)).to_contain_text("Baraka Otieno")
    expect(rows.nth(1)).to_have_attribute("data-overdue", "true")
    expect(rows.nth(1).get_by_test_id("news2")).to_have_text("NEWS2 5")
    expect(rows.nth(0)).not_to_have_attribute("data-overdue", "true")
    expect(page.get_by_test_id("ward-due")).to_contain_text("1 observation overdue")
    expect(page.get_by_test_id("mark-clean")).to_have_text("Bed 7 is clean")
    record = rows.nth(1).get_by_test_id("record-vitals")
    expect(record).to_be_visible()
    box = record.bounding_box()
    assert box["x"] + box["width"] <= LANDSCAPE_TABLET["width"], "the action is on the screen"
    expect(page.get_by_test_id("what-i-can-do")).not_to_have_attribute("open", "")
    assert_fits(page, "the nurse's home on the tablet")
    snapshot(page, "nurse-home-tablet-1024")
    page.evaluate("window.__notReloaded = true")

    # Vitals recorded at another tablet: the mark goes, the page is not reloaded.
    run_elsewhere(
        lambda: clinical.vitals_record(
            actor=nurse,
            patient=overdue.patient,
            values={
                "respiratory_rate": 18,
                "spo2": 97,
                "systolic": 122,
                "diastolic": 78,
                "pulse": 88,
                "temperature_c": 37.2,
            },
            on_oxygen=False,
            consciousness="A",
        )
    )

    expect(page.get_by_test_id("ward-due")).to_contain_text("No observations overdue")
    expect(rows.nth(1)).not_to_have_attribute("data-overdue", "true")
    expect(rows.nth(1).get_by_test_id("news2")).to_have_text("NEWS2 0")
    assert page.evaluate("window.__notReloaded") is True
    snapshot(page, "nurse-home-tablet-1024-after-vitals")

    # Another ward opens; the nurse picks hers, and the pick holds when the panel reloads.
    other = WardFactory(name="Surgical Ward")
    AdmissionFactory(
        bed=BedFactory(ward=other, number="1"),
        patient=PatientFactory(first_name="Chebet", last_name="Kiprop"),
    )
    page.reload()
    expect(rows).to_have_count(3)
    # The socket open first: a refresh it brings (every ward) must not land after the pick's.
    expect_live(page)
    page.get_by_test_id("ward-pick").select_option(label="Surgical Ward")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Chebet Kiprop")
    page.reload()
    expect(rows).to_have_count(1)
    expect(page.get_by_test_id("ward-pick")).to_have_value(str(other.pk))


@pytest.mark.browser
def test_the_portal_home_on_a_phone_speaks_to_the_patient(phone, live_server_url, charge_master):
    page = phone
    patient_user = UserFactory(role=rbac.PATIENT, first_name="Mary", last_name="Akinyi")
    patient = PatientFactory(user=patient_user, first_name="Mary", last_name="Akinyi")
    doctor = UserFactory(role=rbac.DOCTOR, first_name="Amina", last_name="Odhiambo")
    starts = timezone.localtime(timezone.now() + timedelta(days=3)).replace(
        hour=10, minute=30, second=0, microsecond=0
    )
    AppointmentFactory(patient=patient, doctor=doctor, starts_at=starts)
    invoice = invoice_issued(UserFactory(role=rbac.RECEPTIONIST), patient, "NURS-DRESS")

    sign_in(page, live_server_url, patient_user)

    summary = page.get_by_test_id("portal-summary")
    expect(summary).to_be_visible()
    in_words = f"{starts:%A} {starts.day} {starts:%B %Y}, 10:30"
    expect(summary).to_contain_text(in_words)
    main = page.locator("main").inner_text()
    for staff_words in (
        "What your role can do",
        "What I can do",
        "register new patients",
        "check patients in",
        "Your work",
        "Scheduled",
        "scheduled",
        "dashboard",
    ):
        assert staff_words not in main, staff_words
    assert_fits(page, "the patient's home on a phone")
    brand = page.locator(".navbar-brand")
    expect(brand).to_be_visible()
    assert brand.bounding_box()["y"] < 60, "the bar is one line on a phone"
    snapshot(page, "portal-home-phone-390")

    page.get_by_role("button", name="Menu").click()
    menu = page.locator("#main-nav")
    expect(menu).to_have_class(re.compile(r"\bshow\b"))
    expect(menu).not_to_have_class(re.compile(r"collapsing"))
    for entry in ("My record", "My appointments", "My invoices", "My results"):
        expect(menu.get_by_role("link", name=entry)).to_be_visible()
    assert_fits(page, "the patient's home with the menu open")
    snapshot(page, "portal-home-phone-390-menu")

    menu.get_by_role("link", name="My invoices").click()
    row = page.get_by_test_id("my-invoice")
    expect(row).to_contain_text(f"Invoice {invoice.number}")
    issued = timezone.localtime(invoice.issued_at)
    expect(row).to_contain_text(f"{issued.day} {issued:%B %Y}")
    download = row.get_by_role("link", name="Download invoice (PDF)")
    expect(download).to_be_visible()
    for state in ("Issued", "issued", "Draft", "partially_paid"):
        assert state not in page.locator("main").inner_text(), state
    assert_fits(page, "the patient's invoices on a phone")
    snapshot(page, "portal-invoices-phone-390")

    page.goto(f"{live_server_url}/appointments/")
    expect(page.get_by_test_id("upcoming")).to_contain_text(in_words)
    expect(page.get_by_test_id("appointment-status")).to_have_text("Booked")
    assert_fits(page, "the patient's appointments on a phone")
    page.get_by_test_id("upcoming").get_by_role("link").first.click()
    expect(page.locator("h1")).to_contain_text(in_words)
    assert_fits(page, "the patient's appointment on a phone")
    snapshot(page, "portal-appointment-phone-390")


@pytest.mark.browser
def test_the_desk_home_keeps_its_own_tools_small_and_what_it_may_do_folded(
    page, transactional_db, live_server_url
):
    reception = UserFactory(role=rbac.RECEPTIONIST, first_name="Brian", last_name="Kiprono")

    sign_in(page, live_server_url, reception)

    capabilities = page.get_by_test_id("role-capabilities")
    expect(page.get_by_test_id("desk-actions")).to_be_visible()
    expect(capabilities).to_be_hidden()
    attendance = page.get_by_test_id("mark-attendance")
    assert attendance.bounding_box()["height"] < 48, "a link-sized control, not a big button"
    assert attendance.bounding_box()["y"] > page.get_by_test_id("desk-actions").bounding_box()["y"]
    page.get_by_text("What I can do").click()
    expect(capabilities).to_be_visible()
    expect(capabilities).to_contain_text("Register and edit patients")
    snapshot(page, "desk-home-1280")
