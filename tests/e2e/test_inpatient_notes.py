"""The inpatient record's notes as the ward uses them: the nurse writes a nursing note on the
tablet, the doctor writes the ward round at the desk and adds an addendum to the nurse's note;
both stay signed and timestamped on the stay's page."""

import pytest
from playwright.sync_api import expect

from hms import rbac
from tests.e2e.conftest import snapshot
from tests.e2e.live import browsers_fixture, sign_in
from tests.factories import PatientFactory, UserFactory
from wards import services as wards
from wards.models import InpatientNote


@pytest.fixture
def browsers(request, transactional_db, live_server_url, browser, browser_errors):
    # Depends on transactional_db so the browsers close before the database is flushed.
    yield from browsers_fixture(request, live_server_url, browser, browser_errors)


@pytest.mark.browser
def test_a_nurse_and_a_doctor_write_signed_notes_and_an_addendum(
    transactional_db, charge_master, browsers, live_server_url
):
    admin = UserFactory(role=rbac.ADMIN)
    ward = wards.ward_create(
        actor=admin, name="Medical A", kind="general", charge_code="WARD-GEN", beds=2
    )
    doctor = UserFactory(role=rbac.DOCTOR, first_name="Amina", last_name="Odhiambo")
    nurse = UserFactory(role=rbac.NURSE, first_name="Grace", last_name="Wanjiru")
    admission = wards.admission_create(
        actor=nurse,
        patient=PatientFactory(first_name="Achieng", last_name="Otieno"),
        attending_doctor=doctor,
        bed=ward.beds.get(number="01"),
        reason="Severe malaria",
    )
    url = f"{live_server_url}/wards/admissions/{admission.pk}/"
    tablet = browsers.open("nurse", tablet=True)
    tablet.set_viewport_size({"width": 1024, "height": 600})
    desk = browsers.open("doctor")
    desk.set_viewport_size({"width": 1366, "height": 768})
    sign_in(tablet, live_server_url, nurse)
    sign_in(desk, live_server_url, doctor)

    tablet.goto(url)
    tablet.get_by_test_id("note-save").click()  # nothing typed: refused, nothing saved
    expect(tablet.get_by_test_id("note-form")).to_contain_text("Write the note first.")
    tablet.get_by_test_id("note-form").locator("textarea").fill(
        "Night: slept from 23:00, fever settled with paracetamol."
    )
    tablet.get_by_test_id("note-save").click()
    note = tablet.get_by_test_id("note").first
    expect(note).to_contain_text("Nursing")
    expect(note).to_contain_text("Grace Wanjiru")
    expect(note).to_contain_text("fever settled")
    expect(tablet.get_by_test_id("note-edit")).to_be_visible()
    snapshot(tablet, "notes-tablet")

    desk.goto(url)
    desk.get_by_test_id("note-form").locator("textarea").fill(
        "Ward round: improving. Switch to oral artemether-lumefantrine."
    )
    desk.get_by_test_id("note-save").click()
    nurses_note = desk.locator("[data-testid=note]", has_text="fever settled")
    expect(nurses_note.get_by_test_id("note-edit")).to_have_count(0)  # not the doctor's to correct
    nurses_note.get_by_test_id("addendum-open").click()
    nurses_note.get_by_test_id("addendum-form").locator("textarea").fill(
        "Paracetamol 1 g given at 02:00 (doctor's order)."
    )
    nurses_note.get_by_test_id("addendum-save").click()
    expect(
        desk.locator("[data-testid=note]", has_text="fever settled").get_by_test_id("addendum")
    ).to_contain_text("Amina Odhiambo")
    expect(desk.get_by_test_id("note").first).to_contain_text("Ward round")
    snapshot(desk, "notes-desk")

    assert InpatientNote.objects.filter(admission=admission).count() == 3
