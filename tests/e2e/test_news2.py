"""A nurse on a ward tablet records vitals scoring NEWS2 7 and sees, at the top of the page, the
saved set with its flags, its score and its band, and who was alerted."""

import pytest
from playwright.sync_api import expect

from hms import rbac
from tests.e2e.conftest import login, snapshot
from tests.e2e.test_tablet_and_phone import assert_fit_for_fingers, tablet  # noqa: F401
from tests.factories import PASSWORD, AdmissionFactory, DoctorFactory, PatientFactory, UserFactory


@pytest.mark.browser
def test_a_nurse_enters_vitals_scoring_7_and_sees_the_saved_set_with_its_score_first(
    transactional_db,
    tablet,  # noqa: F811
    live_server_url,
):
    doctor = DoctorFactory(first_name="Amina", last_name="Odhiambo")
    nurse = UserFactory(role=rbac.NURSE, first_name="Joseph", last_name="Kamau")
    patient = PatientFactory(first_name="Wanjiku", last_name="Njeri")
    AdmissionFactory(patient=patient, attending_doctor=doctor)
    page = tablet
    login(page, live_server_url, nurse.username, PASSWORD)

    page.goto(f"{live_server_url}/patients/{patient.pk}/vitals/")
    # RR 25 (3), SpO2 95 (1) on oxygen (2), BP 120 (0), pulse 95 (1), alert (0), 37.0 (0) = 7.
    for name, value in {
        "respiratory_rate": "25",
        "spo2": "95",
        "systolic": "120",
        "diastolic": "80",
        "pulse": "95",
        "temperature_c": "37.0",
    }.items():
        page.locator(f"[name={name}]").fill(value)
    page.get_by_text("Oxygen", exact=True).tap()
    page.get_by_test_id("vitals-form").get_by_text("Alert", exact=True).tap()
    assert_fit_for_fingers(page, "The vitals form with air/oxygen and ACVPU")
    page.get_by_test_id("save-vitals").tap()

    saved = page.get_by_test_id("vitals-saved")
    expect(saved).to_be_in_viewport()
    expect(saved.get_by_test_id("news2")).to_have_text("NEWS2 7")
    expect(saved.get_by_test_id("news2-band")).to_have_text("high")
    expect(saved.get_by_test_id("saved-flags")).to_contain_text("Respiratory rate 25 /min high")
    expect(saved.get_by_test_id("saved-told")).to_contain_text("Amina Odhiambo")
    expect(saved.get_by_test_id("saved-row")).to_contain_text("Oxygen")
    box = saved.bounding_box()
    form_box = page.get_by_test_id("save-vitals").bounding_box()
    assert box["y"] < form_box["y"], "the saved set comes before the form"
    assert_fit_for_fingers(page, "The vitals just saved")
    snapshot(page, "tablet-1024-nurse-news2-7")
