"""Nothing typed is lost: the doctor types the notes, adds a prescription (the page reloads),
reloads, signs out and back in, and the notes are there each time until they are saved."""

import pytest
from playwright.sync_api import expect

from hms import rbac
from tests.e2e.conftest import login, snapshot
from tests.factories import PASSWORD, EncounterFactory, UserFactory

COMPLAINTS = "Fever for three days with headache and two episodes of vomiting this morning."


@pytest.mark.browser
def test_the_notes_survive_a_prescription_a_reload_and_signing_out(page, live_server_url):
    doctor = UserFactory(role=rbac.DOCTOR)
    encounter = EncounterFactory(doctor=doctor)
    url = f"{live_server_url}/appointments/consultations/{encounter.pk}/"
    login(page, live_server_url, doctor.username, PASSWORD)
    page.goto(url)
    complaints = page.locator("#id_complaints")

    complaints.fill(COMPLAINTS)
    page.locator("#id_diagnosis").fill("Malaria, to confirm")
    expect(page.get_by_test_id("draft-status")).to_contain_text("Unsaved notes kept at")

    # A prescription of a drug bought outside: the form is sent and the page is drawn again.
    form = page.get_by_test_id("prescription-form")
    form.locator("[name=outside]").check()
    form.locator("[name=drug]").fill("Ondansetron")
    form.locator("[name=strength]").fill("4 mg")
    form.locator("[name=dose]").fill("1 tablet")
    form.locator("[name=frequency]").fill("twice a day")
    form.locator("[name=duration]").fill("2 days")
    form.locator("[name=quantity]").fill("4")
    page.get_by_test_id("add-prescription").click()
    expect(page.get_by_test_id("prescription")).to_contain_text("Ondansetron")
    expect(complaints).to_have_value(COMPLAINTS)
    expect(page.get_by_test_id("draft-restored")).to_be_visible()
    snapshot(page, "consultation-draft-restored")

    page.reload()
    expect(complaints).to_have_value(COMPLAINTS)
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="Sign out").click()
    login(page, live_server_url, doctor.username, PASSWORD)
    page.goto(url)
    expect(complaints).to_have_value(COMPLAINTS)
    expect(page.locator("#id_diagnosis")).to_have_value("Malaria, to confirm")

    page.get_by_test_id("save-notes").click()
    expect(page.get_by_test_id("draft-restored")).to_have_count(0)
    encounter.refresh_from_db()
    assert encounter.complaints == COMPLAINTS
