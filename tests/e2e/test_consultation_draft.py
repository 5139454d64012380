"""Nothing typed is lost: on a ward tablet the doctor types the notes, adds a prescription and
orders a test (only those parts are drawn again), reloads, signs out and back in, and the notes
are there each time until they are saved."""

import re

import pytest
from playwright.sync_api import expect

from hms import rbac
from lab.models import TestOrder
from tests.e2e.conftest import login, snapshot
from tests.e2e.test_tablet_and_phone import tablet  # noqa: F401
from tests.factories import PASSWORD, EncounterFactory, LabTestFactory, UserFactory

COMPLAINTS = "Fever for three days with headache and two episodes of vomiting this morning."


@pytest.mark.browser
def test_the_notes_survive_a_prescription_a_test_order_a_reload_and_signing_out(
    transactional_db,
    tablet,  # noqa: F811
    live_server_url,
):
    doctor = UserFactory(role=rbac.DOCTOR)
    encounter = EncounterFactory(doctor=doctor)
    LabTestFactory(name="Malaria rapid test", code="MRDT")
    page = tablet
    url = f"{live_server_url}/appointments/consultations/{encounter.pk}/"
    login(page, live_server_url, doctor.username, PASSWORD)
    page.goto(url)
    page.evaluate("window.__notReloaded = true")
    complaints = page.locator("#id_complaints")

    complaints.fill(COMPLAINTS)
    page.locator("#id_diagnosis").fill("Malaria, to confirm")
    expect(page.get_by_test_id("draft-status")).to_contain_text("Unsaved notes kept at")

    # A prescription of a drug bought outside: only the prescriptions card is drawn again.
    form = page.get_by_test_id("prescription-form")
    form.locator("[name=outside]").check()
    form.locator("[name=drug]").fill("Ondansetron")
    form.locator("[name=strength]").fill("4 mg")
    form.locator("[name=dose]").fill("1 tablet")
    form.locator("[name=route]").select_option("oral")
    form.locator("[name=frequency]").fill("twice a day")
    form.locator("[name=duration]").fill("2 days")
    form.locator("[name=quantity]").fill("4")
    page.get_by_test_id("add-prescription").click()
    expect(page.get_by_test_id("prescription")).to_contain_text("Ondansetron")
    expect(page.get_by_test_id("prescription-said")).to_contain_text("Added: Ondansetron 4 mg.")
    expect(page.get_by_test_id("prescription-form").locator("[name=drug]")).to_have_value("")

    # A test order: the form opens under the tests, and closes saying what was ordered.
    complaints.press("End")
    complaints.type(" No rash.")
    page.get_by_test_id("order-tests").click()
    order_form = page.get_by_test_id("order-form")
    expect(order_form).to_be_visible()
    order_form.get_by_label(re.compile(r"^Malaria rapid test")).check()
    order_form.get_by_test_id("place-order").click()
    expect(page.get_by_test_id("order-placed")).to_contain_text("Ordered: Malaria rapid test.")
    expect(
        page.get_by_test_id("lab-panel-row").filter(has_text="Malaria rapid test")
    ).to_be_visible()
    snapshot(page, "tablet-1024-consultation-prescribed-and-ordered")

    # Vitals, recorded in place: the set saved with its score, and the header's latest vitals.
    page.get_by_test_id("encounter-vitals").click()
    vitals = page.get_by_test_id("vitals-form")
    vitals.locator("[name=temperature_c]").fill("38.6")
    vitals.locator("[name=pulse]").fill("104")
    vitals.get_by_test_id("save-vitals").click()
    expect(page.get_by_test_id("vitals-saved")).to_contain_text("NEWS2")
    expect(page.get_by_test_id("latest-vitals")).to_contain_text("T 38.6 °C")
    snapshot(page, "tablet-1024-consultation-vitals-in-place")

    # The page was never drawn again: the notes are as typed, none of it saved yet.
    assert page.evaluate("window.__notReloaded === true"), "the consultation was reloaded"
    expect(complaints).to_have_value(COMPLAINTS + " No rash.")
    expect(page.locator("#id_diagnosis")).to_have_value("Malaria, to confirm")
    encounter.refresh_from_db()
    assert encounter.complaints == ""
    assert TestOrder.objects.filter(encounter=encounter).count() == 1
    complaints.blur()
    expect(page.get_by_test_id("draft-status")).to_contain_text("Unsaved notes kept at")

    page.reload()
    expect(page.get_by_test_id("draft-restored")).to_be_visible()
    expect(complaints).to_have_value(COMPLAINTS + " No rash.")
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="Sign out").click()
    login(page, live_server_url, doctor.username, PASSWORD)
    page.goto(url)
    expect(complaints).to_have_value(COMPLAINTS + " No rash.")
    expect(page.locator("#id_diagnosis")).to_have_value("Malaria, to confirm")

    page.get_by_test_id("save-notes").click()
    expect(page.get_by_test_id("draft-status")).to_contain_text("Notes saved at")
    expect(page.get_by_test_id("draft-restored")).to_have_count(0)
    encounter.refresh_from_db()
    assert encounter.complaints == COMPLAINTS + " No rash."
