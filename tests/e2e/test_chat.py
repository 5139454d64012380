"""Chat between two people, each in their own browser: the people picker, live messages both
ways, the typing notice, read receipts, and user text shown as text."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clinical.models import Appointment
from hms import rbac
from tests.e2e.conftest import arrive, snapshot
from tests.e2e.live import browsers_fixture, expect_live, sign_in
from tests.factories import PatientFactory, UserFactory

THREAD_URL = re.compile(r"/chat/(\d+)/$")


@pytest.fixture
def browsers(request, transactional_db, live_server_url, browser, browser_errors):
    # Depends on transactional_db so the browsers close before the database is flushed: a page
    # still open then would reconnect its socket with a session that no longer exists.
    yield from browsers_fixture(request, live_server_url, browser, browser_errors)


def start_conversation_from_the_picker(page, base_url: str, search: str, person) -> int:
    """Open /chat/, find `person` in the people picker and start writing; the thread's id."""
    page.goto(f"{base_url}/chat/")
    page.locator("#chat-search").fill(search)
    choice = page.get_by_test_id("pick-person").filter(has_text=str(person))
    expect(page.get_by_test_id("pick-person")).to_have_count(1)
    choice.click()
    arrive(page, THREAD_URL)
    return int(THREAD_URL.search(page.url).group(1))


def open_thread(page, base_url: str, thread_id: int) -> None:
    page.goto(f"{base_url}/chat/{thread_id}/")
    expect_live(page)


def message_in(page, thread_id: int, text: str):
    return page.locator(f"#chat-log-{thread_id} .chat-msg").filter(has_text=text)


def write(page, text: str) -> None:
    """Type like a person (each key an input event, so the typing notice goes out)."""
    page.get_by_test_id("chat-input").press_sequentially(text, delay=10)


def send(page) -> None:
    page.get_by_test_id("chat-send").click()
    expect(page.get_by_test_id("chat-input")).to_have_value("")


def expect_read_receipt(page, thread_id: int, text: str) -> None:
    receipt = message_in(page, thread_id, text).locator(".chat-receipt")
    expect(receipt).to_have_attribute("data-status", "read")
    expect(receipt).to_have_text(re.compile(r"\bRead\b"))
    message_id = message_in(page, thread_id, text).get_attribute("data-message-id")
    expect(page.locator(f"#receipt-{message_id}")).to_have_attribute("data-status", "read")


@pytest.mark.browser
def test_a_nurse_and_a_lab_technician_chat_live_with_typing_notice_and_read_receipts(
    transactional_db, browsers, live_server_url
):
    nurse = UserFactory(role=rbac.NURSE, first_name="Joseph", last_name="Mwangi")
    lab = UserFactory(role=rbac.LAB_TECHNICIAN, first_name="Peter", last_name="Otieno")
    UserFactory(role=rbac.LAB_TECHNICIAN, first_name="Mary", last_name="Achieng")
    nurse_page, lab_page = browsers.open("nurse"), browsers.open("lab")
    sign_in(nurse_page, live_server_url, nurse)
    sign_in(lab_page, live_server_url, lab)

    thread_id = start_conversation_from_the_picker(nurse_page, live_server_url, "Otieno", lab)
    expect_live(nurse_page)
    open_thread(lab_page, live_server_url, thread_id)

    write(nurse_page, "Is the sample for bed 4 ready?")

    typing = lab_page.get_by_test_id("typing")
    expect(typing).to_be_visible()
    expect(typing).to_have_text(f"{nurse.first_name} {nurse.last_name} is typing…")

    send(nurse_page)

    for page in (nurse_page, lab_page):
        expect(message_in(page, thread_id, "Is the sample for bed 4 ready?")).to_be_visible()
    expect(message_in(nurse_page, thread_id, "bed 4")).to_have_class(re.compile(r"\bchat-mine\b"))
    expect(message_in(lab_page, thread_id, "bed 4")).to_have_class(re.compile(r"\bchat-theirs\b"))
    expect(lab_page.get_by_test_id("typing")).to_have_count(0)
    expect_read_receipt(nurse_page, thread_id, "Is the sample for bed 4 ready?")

    write(lab_page, "Yes, results in ten minutes.")

    expect(nurse_page.get_by_test_id("typing")).to_have_text(
        f"{lab.first_name} {lab.last_name} is typing…"
    )
    snapshot(nurse_page, "chat-staff-typing-and-read-receipt")

    send(lab_page)

    expect(message_in(nurse_page, thread_id, "Yes, results in ten minutes.")).to_be_visible()
    expect(nurse_page.get_by_test_id("typing")).to_have_count(0)
    expect_read_receipt(lab_page, thread_id, "Yes, results in ten minutes.")
    snapshot(lab_page, "chat-staff-lab-side")


@pytest.mark.browser
def test_a_patient_and_their_doctor_chat_live_and_markup_in_a_message_stays_text(
    transactional_db, browsers, live_server_url
):
    doctor = UserFactory(role=rbac.DOCTOR, first_name="Amina", last_name="Odhiambo")
    UserFactory(role=rbac.DOCTOR, first_name="Other", last_name="Doctor")
    patient_user = UserFactory(role=rbac.PATIENT, first_name="Grace", last_name="Wanjiru")
    patient = PatientFactory(user=patient_user, first_name="Grace", last_name="Wanjiru")
    starts_at = (timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    Appointment.objects.create(
        patient=patient,
        doctor=doctor,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=15),
        fee=Decimal("1500"),
    )
    patient_page, doctor_page = browsers.open("patient"), browsers.open("doctor")
    dialogs: list[str] = []
    for page in (patient_page, doctor_page):
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(patient_page, live_server_url, patient_user)
    sign_in(doctor_page, live_server_url, doctor)

    patient_page.goto(f"{live_server_url}/chat/")
    people = patient_page.get_by_test_id("pick-person")
    expect(people).to_have_count(1)
    expect(people).to_contain_text("Amina Odhiambo")
    thread_id = start_conversation_from_the_picker(patient_page, live_server_url, "Amina", doctor)
    expect_live(patient_page)
    open_thread(doctor_page, live_server_url, thread_id)

    write(patient_page, "Good morning doctor, the cough is worse at night.")
    expect(doctor_page.get_by_test_id("typing")).to_have_text("Grace Wanjiru is typing…")
    send(patient_page)

    expect(message_in(doctor_page, thread_id, "the cough is worse at night")).to_be_visible()
    expect_read_receipt(patient_page, thread_id, "the cough is worse at night")

    write(doctor_page, "Please come in on Thursday; keep taking the syrup.")
    expect(patient_page.get_by_test_id("typing")).to_have_text("Amina Odhiambo is typing…")
    snapshot(patient_page, "chat-patient-typing-and-read-receipt")
    send(doctor_page)

    expect(message_in(patient_page, thread_id, "come in on Thursday")).to_be_visible()
    expect_read_receipt(doctor_page, thread_id, "come in on Thursday")

    write(patient_page, "<script>alert(1)</script>")
    send(patient_page)

    for page in (patient_page, doctor_page):
        shown = message_in(page, thread_id, "<script>alert(1)</script>").locator(".chat-body")
        expect(shown).to_have_text("<script>alert(1)</script>")
        expect(page.locator(f"#chat-log-{thread_id} script")).to_have_count(0)
    doctor_page.reload()
    expect_live(doctor_page)
    expect(
        message_in(doctor_page, thread_id, "<script>alert(1)</script>").locator(".chat-body")
    ).to_have_text("<script>alert(1)</script>")
    snapshot(doctor_page, "chat-doctor-side-script-as-text")
    assert dialogs == [], f"a message opened a dialog: {dialogs}"
