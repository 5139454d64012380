"""The desk and the queue in the browser: the receptionist checks a patient in from the
appointments list (1366×768), the waiting-area TV (1920×1080, no sign-in) shows the new number
waiting, the doctor calls next and the TV shows it called, without a reload."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clinical.models import Appointment, AppointmentStatus
from hms import rbac
from queues.models import DisplayScreen, PointKind, QueueTicket, ServicePoint
from tests.e2e.conftest import SERVER, TIMEOUT_MS, snapshot
from tests.e2e.live import expect_live, sign_in, watch_socket
from tests.factories import PatientFactory, UserFactory

DESK = {"width": 1366, "height": 768}
TV = {"width": 1920, "height": 1080}


def _context(browser, browser_errors, viewport):
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(TIMEOUT_MS)
    watch_socket(context)
    page = context.new_page()
    browser_errors.watch(page)
    return page


@pytest.mark.browser
def test_check_in_from_the_list_shows_on_the_tv_and_the_doctors_call_is_announced(
    transactional_db, midday, charge_master, live_server_url, browser, browser_errors, tmp_path
):
    desk_user = UserFactory(role=rbac.RECEPTIONIST)
    doctor = UserFactory(role=rbac.DOCTOR, first_name="Amina", last_name="Odhiambo")
    ServicePoint.objects.create(name="Triage", kind=PointKind.TRIAGE, prefix="T", position=0)
    consultation = ServicePoint.objects.create(
        name="Consultation", kind=PointKind.CONSULTATION, prefix="D", position=1
    )
    display = DisplayScreen.objects.create(name="Main waiting area")
    patient = PatientFactory(first_name="Zawadi", last_name="Kerubo")
    starts = timezone.now() + timedelta(minutes=20)
    appointment = Appointment.objects.create(
        patient=patient,
        doctor=doctor,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=15),
        fee="1500.00",
        status=AppointmentStatus.SCHEDULED,
    )
    pages = []
    try:
        tv = _context(browser, browser_errors, TV)
        pages.append(tv)
        tv.goto(f"{live_server_url}/queue/display/{display.token}/")
        expect_live(tv)
        consult_card = tv.get_by_test_id("board-point").filter(has_text="Consultation")
        expect(consult_card.get_by_test_id("board-waiting")).to_have_text("0")

        desk = _context(browser, browser_errors, DESK)
        pages.append(desk)
        sign_in(desk, live_server_url, desk_user)
        desk.goto(f"{live_server_url}/appointments/")
        expect_live(desk)
        row = desk.get_by_test_id("appointment-table").locator("tr", has_text="Zawadi Kerubo")
        snapshot(desk, "queue-appointments-list")
        row.get_by_test_id("row-check-in").click()

        expect(desk.locator("#messages")).to_contain_text("Ticket D-001: Consultation.")
        # The fee is on the account at check-in: the desk collects it before the doctor.
        expect(desk.locator("#messages")).to_contain_text("Consultation fee KES 1,500.00")
        expect(row.get_by_test_id("appointment-status")).to_have_text("Checked in")
        expect(row.get_by_test_id("row-check-in")).to_have_count(0)
        # The TV, live: one waiting at consultation, no name anywhere on it.
        expect(consult_card.get_by_test_id("board-waiting")).to_have_text("1")
        assert "Kerubo" not in tv.content()

        room = _context(browser, browser_errors, DESK)
        pages.append(room)
        sign_in(room, live_server_url, doctor)
        room.goto(f"{live_server_url}/queue/{consultation.pk}/")
        room.get_by_test_id("call-next").click()
        expect(room.get_by_test_id("ticket-label")).to_have_text("D-001")

        expect(tv.get_by_test_id("now-number")).to_have_text("D-001")
        expect(consult_card.get_by_test_id("board-waiting")).to_have_text("0")
        expect(tv.locator("html")).to_have_attribute(
            "data-queue-announced", f"{QueueTicket.objects.get().pk}-1"
        )
        expect(tv.get_by_test_id("now-calling")).to_have_class(re.compile("is-announcing"))
        snapshot(tv, "queue-tv-called")
        tv.screenshot(path=str(tmp_path / "tv.png"))
        desk.screenshot(path=str(tmp_path / "desk.png"))
        assert appointment.pk
    finally:
        for page in pages:
            page.context.close()
        SERVER.wait_idle()
    unexpected = browser_errors.unexpected()
    assert not unexpected, unexpected
