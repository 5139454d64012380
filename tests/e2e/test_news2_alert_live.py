"""A NEWS2 emergency reaches the attending doctor live, on ward tablets (1024x600): the nurse
records a set scoring 7 for an inpatient of her ward; the doctor, signed in on another tablet,
sees the pinned emergency alert appear on her dashboard and on her notifications page in a second
tab without reloading either; she acknowledges it with a note on one tab, it leaves the pinned
list on both, and the acknowledgement is in the audit log."""

import pytest
from playwright.sync_api import expect

from hms import rbac
from hms.models import AuditEntry
from messaging.models import Notification
from tests.e2e.conftest import snapshot
from tests.e2e.live import browsers_fixture, expect_live, sign_in
from tests.e2e.test_tablet_and_phone import assert_fit_for_fingers
from tests.factories import (
    AdmissionFactory,
    BedFactory,
    DoctorFactory,
    PatientFactory,
    UserFactory,
    WardFactory,
)

TABLET_SIDEWAYS = {"width": 1024, "height": 600}
# RR 25 (3), SpO2 95 (1) on oxygen (2), BP 120 (0), pulse 95 (1), alert (0), 37.0 (0) = 7.
SEVEN = {
    "respiratory_rate": "25",
    "spo2": "95",
    "systolic": "120",
    "diastolic": "80",
    "pulse": "95",
    "temperature_c": "37.0",
}
NOTE = "Seen at the bedside: sepsis bundle started, review in 1 hour"


@pytest.fixture
def browsers(request, transactional_db, live_server_url, browser, browser_errors):
    yield from browsers_fixture(request, live_server_url, browser, browser_errors)


def _tablet(browsers, name: str):
    page = browsers.open(name, tablet=True)
    page.set_viewport_size(TABLET_SIDEWAYS)
    return page


def _marked(page) -> None:
    """A mark in the page's memory: still there later means the page was never reloaded."""
    page.evaluate("window.hmsNotReloaded = true")


def _still_marked(page) -> bool:
    return page.evaluate("window.hmsNotReloaded === true")


@pytest.mark.browser
def test_the_doctor_sees_the_nurses_news2_of_7_arrive_live_and_acknowledges_it(
    browsers, live_server_url
):
    doctor = DoctorFactory(first_name="Amina", last_name="Odhiambo")
    nurse = UserFactory(role=rbac.NURSE, first_name="Joseph", last_name="Kamau")
    patient = PatientFactory(first_name="Wanjiku", last_name="Njeri")
    ward = WardFactory(name="Medical Ward")
    AdmissionFactory(
        patient=patient, attending_doctor=doctor, bed=BedFactory(ward=ward, number="4")
    )

    desk = _tablet(browsers, "doctor")
    sign_in(desk, live_server_url, doctor)
    expect(desk.get_by_test_id("pinned-notification")).to_have_count(0)
    expect(desk.get_by_test_id("bell-urgent")).to_have_count(0)
    other_tab = desk.context.new_page()
    other_tab.set_viewport_size(TABLET_SIDEWAYS)
    other_tab.goto(f"{live_server_url}/notifications/")
    for page in (desk, other_tab):
        expect_live(page)
        _marked(page)

    ward_tablet = _tablet(browsers, "nurse")
    sign_in(ward_tablet, live_server_url, nurse)
    ward_tablet.goto(f"{live_server_url}/patients/{patient.pk}/vitals/")
    for name, value in SEVEN.items():
        ward_tablet.locator(f"[name={name}]").fill(value)
    ward_tablet.get_by_text("Oxygen", exact=True).tap()
    ward_tablet.get_by_test_id("vitals-form").get_by_text("Alert", exact=True).tap()
    ward_tablet.get_by_test_id("save-vitals").tap()
    saved = ward_tablet.get_by_test_id("vitals-saved")
    expect(saved.get_by_test_id("news2")).to_have_text("NEWS2 7")
    expect(saved.get_by_test_id("saved-told")).to_contain_text("Emergency alert sent to Amina")
    snapshot(ward_tablet, "news2-live-nurse-1024")

    for page in (desk, other_tab):
        alert = page.get_by_test_id("pinned-notification")
        expect(alert).to_have_count(1)
        expect(alert).to_contain_text("Emergency: NEWS2 7, high risk, Wanjiku Njeri")
        expect(alert).to_contain_text("Medical Ward bed 4")
        expect(page.get_by_test_id("bell-urgent-count")).to_have_text("1")
        assert _still_marked(page), "the alert arrived without a reload"
    expect(desk.get_by_test_id("notification-toast")).to_contain_text("Emergency: NEWS2 7")
    alert = desk.get_by_test_id("pinned-notification")
    assert alert.bounding_box()["y"] < 600, "the alert is in sight on the tablet without scrolling"
    assert_fit_for_fingers(desk, "The dashboard with a pinned NEWS2 emergency")
    snapshot(desk, "news2-live-doctor-dashboard-1024")
    desk.set_viewport_size({"width": 1366, "height": 768})
    snapshot(desk, "news2-live-doctor-dashboard-1366")
    desk.set_viewport_size(TABLET_SIDEWAYS)
    snapshot(other_tab, "news2-live-doctor-notifications-1024")

    alert.get_by_test_id("acknowledge-note").fill(NOTE)
    alert.get_by_test_id("acknowledge").tap()

    expect(
        desk.get_by_text("Acknowledged. Everyone it went to sees what was done.")
    ).to_be_visible()
    expect(desk.get_by_test_id("pinned-notification")).to_have_count(0)
    expect(desk.get_by_test_id("acknowledgement").first).to_contain_text(NOTE)
    expect(other_tab.get_by_test_id("pinned-notification")).to_have_count(0)
    expect(other_tab.get_by_test_id("bell-urgent")).to_have_count(0)
    assert _still_marked(other_tab), "the other tab let go of it without a reload"
    snapshot(desk, "news2-live-doctor-acknowledged-1024")

    acknowledged = Notification.objects.filter(kind="news2", acknowledged_at__isnull=False)
    assert acknowledged.count() == Notification.objects.filter(kind="news2").count() >= 1
    entry = AuditEntry.objects.get(action="notification.acknowledge")
    assert entry.actor_id == doctor.pk
    assert entry.after["note"] == NOTE and entry.after["kind"] == "news2"
