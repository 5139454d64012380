"""A doctor's leave meets the desk in the browser: the reception dashboard's count appears live
when an administrator closes the doctor's days, and the receptionist moves the booked patient
with one click on a small tablet (1024x600) to the time offered; the row goes."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clinical import services
from clinical.models import Appointment, AppointmentStatus
from hms import rbac
from tests.e2e.axe import assert_no_serious_violations
from tests.e2e.conftest import SMALL_TABLET_VIEWPORT, snapshot
from tests.e2e.live import browsers_fixture, expect_live, run_elsewhere, sign_in
from tests.e2e.touch import touch_problems
from tests.factories import DoctorScheduleFactory, PatientFactory, UserFactory

pytestmark = pytest.mark.browser

WIDE = {"width": 1366, "height": 768}


@pytest.fixture
def browsers(request, transactional_db, live_server_url, browser, browser_errors):
    yield from browsers_fixture(request, live_server_url, browser, browser_errors)


def clinic(doctor) -> None:
    """Clinic every day, 09:00-12:00 in 15-minute slots."""
    for weekday in range(7):
        DoctorScheduleFactory(doctor=doctor, weekday=weekday)


def test_the_desk_sees_the_leave_live_and_moves_the_patient_in_one_click(browsers, live_server_url):
    admin = UserFactory(role=rbac.ADMIN)
    clerk = UserFactory(role=rbac.RECEPTIONIST, first_name="Faith", last_name="Achieng")
    doctor = UserFactory(role=rbac.DOCTOR, first_name="Amina", last_name="Otieno")
    colleague = UserFactory(role=rbac.DOCTOR, first_name="Brian", last_name="Kiprop")
    clinic(doctor)
    clinic(colleague)
    tomorrow = timezone.localdate() + timedelta(days=1)
    after_leave = tomorrow + timedelta(days=2)
    booked = run_elsewhere(
        lambda: services.appointment_book(
            actor=clerk,
            patient=PatientFactory(first_name="Zawadi", last_name="Mwende", phone="0712345678"),
            doctor=doctor,
            starts_at=timezone.make_aware(datetime.combine(tomorrow, time(10))),
        )
    )
    desk = browsers.open("desk")
    desk.set_viewport_size(WIDE)
    sign_in(desk, live_server_url, clerk)
    expect_live(desk)
    expect(desk.get_by_test_id("to-move-link")).to_have_count(0)

    # The administrator approves Dr Otieno's leave (hr calls clinical's service).
    run_elsewhere(
        lambda: services.days_off_for_leave(
            actor=admin,
            doctor=doctor,
            days=[(tomorrow, "day"), (tomorrow + timedelta(days=1), "day")],
            reason="annual leave",
            source="leave:1",
        )
    )

    expect(desk.get_by_test_id("to-move-count")).to_have_text("1")
    snapshot(desk, "to-move-dashboard-1366x768")
    assert_no_serious_violations(desk, "the reception dashboard with appointments to move")
    desk.get_by_test_id("to-move-link").click()
    row = desk.get_by_test_id("to-move-row")
    expect(row).to_contain_text("Zawadi Mwende")
    expect(row).to_contain_text("0712 345 678")
    expect(row.get_by_test_id("to-move-reason")).to_have_text("Away: annual leave")
    expect(row.get_by_test_id("offers-other-doctor")).to_contain_text("Brian Kiprop, 10:00")
    snapshot(desk, "to-move-list-1366x768")

    desk.set_viewport_size(SMALL_TABLET_VIEWPORT)
    first_time = row.get_by_test_id("offers-same-doctor").get_by_test_id("offer").first
    expect(first_time).to_have_text(f"{after_leave:%a %d %b}, 09:00")
    snapshot(desk, "to-move-list-1024x600")
    assert_no_serious_violations(desk, "appointments to move")
    assert touch_problems(desk) == []
    first_time.click()

    expect(desk.get_by_test_id("to-move-none")).to_be_visible()
    expect(desk.locator("#messages")).to_contain_text("Moved: Zawadi Mwende now sees Amina Otieno")
    snapshot(desk, "to-move-done-1024x600")
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.SCHEDULED
    assert timezone.localtime(booked.starts_at) == timezone.make_aware(
        datetime.combine(after_leave, time(9))
    )
    assert Appointment.objects.count() == 1
