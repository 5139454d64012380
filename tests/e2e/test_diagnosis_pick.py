"""The diagnosis from the WHO ICD-10 list in the browser (issue 19, item 7): the doctor types
words or a code in the consultation's diagnosis boxes, picks a line, and the code and its title
fill in; a made-up code is refused beside its box. On the desk's 1366x768 screen and a small
1024x600 tablet."""

import pytest
from playwright.sync_api import expect

from clinical.models import Encounter
from hms import rbac
from tests.e2e.conftest import snapshot
from tests.e2e.live import sign_in
from tests.factories import EncounterFactory, PatientFactory, UserFactory

SCREENS = {"desk": {"width": 1366, "height": 768}, "tablet": {"width": 1024, "height": 600}}


@pytest.mark.browser
@pytest.mark.parametrize("screen", sorted(SCREENS))
def test_the_doctor_picks_a_diagnosis_from_the_who_list(page, live_server_url, screen):
    page.set_viewport_size(SCREENS[screen])
    doctor = UserFactory(role=rbac.DOCTOR, first_name="Amina", last_name="Odhiambo")
    patient = PatientFactory(first_name="Wanjiku", last_name="Njeri")
    encounter = EncounterFactory(doctor=doctor, patient=patient)
    sign_in(page, live_server_url, doctor)
    page.goto(f"{live_server_url}/appointments/consultations/{encounter.pk}/")

    page.get_by_test_id("diagnosis-search").press_sequentially("malaria", delay=30)
    unspecified = page.get_by_test_id("pick-diagnosis").filter(has_text="Unspecified malaria")
    expect(unspecified).to_contain_text("B54")
    expect(page.get_by_test_id("pick-diagnosis").filter(has_text="B50.9")).to_be_visible()
    unspecified.scroll_into_view_if_needed()
    snapshot(page, f"diagnosis-search-{screen}")
    unspecified.click()

    expect(page.get_by_test_id("icd10-code")).to_have_value("B54")
    expect(page.get_by_test_id("diagnosis-search")).to_have_value("Unspecified malaria")
    expect(page.get_by_test_id("pick-diagnosis")).to_have_count(0)
    # The diagnosis stays the doctor's words beside the code.
    page.get_by_test_id("diagnosis-search").fill("Malaria, clinical (RDT not done)")
    page.keyboard.press("Escape")
    page.get_by_test_id("save-notes").click()

    expect(page.get_by_test_id("draft-status")).to_contain_text("Notes saved at")
    saved = Encounter.objects.get(pk=encounter.pk)
    assert (saved.icd10_code, saved.diagnosis) == ("B54", "Malaria, clinical (RDT not done)")

    # By code, then a code the WHO list does not have: refused beside its box, words kept.
    code_box = page.get_by_test_id("icd10-code")
    code_box.fill("")
    code_box.press_sequentially("J45", delay=30)
    expect(page.get_by_test_id("pick-diagnosis").first).to_contain_text("Asthma")
    code_box.fill("J45.7")
    page.keyboard.press("Escape")
    page.get_by_test_id("save-notes").click()

    refusal = page.locator("#div_id_icd10_code")
    expect(refusal).to_contain_text("J45.7 is not a code of the WHO ICD-10 (2019) list")
    expect(page.get_by_test_id("icd10-code")).to_have_value("J45.7")
    expect(page.get_by_test_id("diagnosis-search")).to_have_value(
        "Malaria, clinical (RDT not done)"
    )
    refusal.scroll_into_view_if_needed()
    snapshot(page, f"diagnosis-refused-{screen}")
    assert Encounter.objects.get(pk=encounter.pk).icd10_code == "B54"
