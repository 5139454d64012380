"""Merging duplicate records at the desk, in the browser: from the chart to the comparison, the
second person's confirmation, and the merged MRN leading to the record kept."""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clinical.models import Patient, PatientMerge, Vitals
from hms import rbac
from tests.e2e.conftest import arrive, assert_fits, login, snapshot
from tests.e2e.live import sign_in
from tests.factories import (
    PASSWORD,
    AppointmentFactory,
    PatientFactory,
    TOTPDeviceFactory,
    UserFactory,
)

MERGE_DETAIL = re.compile(r"/patients/merges/(\d+)/$")


@pytest.mark.browser
def test_reception_merges_a_duplicate_with_a_colleagues_confirmation(
    transactional_db, page, live_server_url
):
    reception = UserFactory(role=rbac.RECEPTIONIST)
    UserFactory(role=rbac.RECEPTIONIST, username="colleague", first_name="Faith")
    born = date(1988, 4, 12)
    kept = PatientFactory(first_name="Wanjiru", last_name="Kamau", date_of_birth=born)
    duplicate = PatientFactory(first_name="Wanjeru", last_name="Kamau", date_of_birth=born)
    AppointmentFactory(patient=duplicate, starts_at=timezone.now() + timedelta(days=2))
    Vitals.objects.create(
        patient=duplicate,
        recorded_at=timezone.now(),
        recorded_by=UserFactory(role=rbac.NURSE),
        pulse=70,
    )
    sign_in(page, live_server_url, reception)

    page.goto(f"{live_server_url}/patients/{duplicate.pk}/")
    page.get_by_test_id("merge-link").click()
    candidate = page.get_by_test_id("merge-candidate")
    expect(candidate).to_contain_text(f"MRN {kept.mrn}")
    candidate.click()

    compare = page.get_by_test_id("merge-compare")
    expect(compare).to_be_visible()
    row = compare.locator("[data-kind='clinical.Appointment.patient'] td")
    expect(row.nth(0)).to_have_text("1")  # the duplicate's, in the first column
    expect(row.nth(1)).to_have_text("0")
    page.get_by_label(f"Wanjiru Kamau, MRN {kept.mrn}").check()
    page.get_by_label("Second person's username").fill("colleague")
    page.get_by_label("Their password").fill("not-her-password")
    page.get_by_test_id("merge-submit").click()
    expect(page.get_by_text("That username and password do not match")).to_be_visible()
    expect(page.get_by_label("Second person's username")).to_have_value("colleague")
    assert PatientMerge.objects.count() == 0

    page.get_by_label("Their password").fill(PASSWORD)
    snapshot(page, "clinical-merge-compare")
    page.get_by_test_id("merge-submit").click()

    arrive(page, MERGE_DETAIL)
    moved = page.get_by_test_id("merge-moved")
    expect(moved.locator("[data-kind='clinical.Appointment.patient'] td").nth(1)).to_have_text("1")
    expect(moved.locator("[data-kind='clinical.Vitals.patient'] td").nth(1)).to_have_text("1")
    snapshot(page, "clinical-merge-done")
    assert Patient.objects.get(pk=duplicate.pk).merged_into_id == kept.pk

    page.goto(f"{live_server_url}/patients/?q={duplicate.mrn}")
    results = page.get_by_test_id("patient-result")
    expect(results).to_have_count(1)
    expect(results).to_contain_text(f"MRN {kept.mrn}")
    page.goto(f"{live_server_url}/patients/{duplicate.pk}/")
    expect(page.get_by_test_id("patient-mrn")).to_have_text(f"MRN {kept.mrn}")
    expect(page.get_by_test_id("merged-records")).to_contain_text(f"MRN {duplicate.mrn}")


@pytest.mark.browser
def test_the_administrators_patient_page_keeps_each_action_whole_on_a_tablet(
    transactional_db, page, live_server_url
):
    """The administrator has the most actions on a patient (history to access history): on a
    1024×600 tablet they wrap to a second row as whole buttons, none squeezed onto two lines of
    text or pushed past the screen's edge."""
    admin = UserFactory(role=rbac.ADMIN)
    login(page, live_server_url, admin.username, PASSWORD, TOTPDeviceFactory(user=admin).key)
    patient = PatientFactory(first_name="Wanjiru", last_name="Kamau")
    page.set_viewport_size({"width": 1024, "height": 600})

    page.goto(f"{live_server_url}/patients/{patient.pk}/")
    expect(page.get_by_test_id("access-history-link")).to_be_visible()

    assert_fits(page, "the administrator's patient page on the tablet")
    actions = page.locator("main a.btn").filter(
        has_text=re.compile("History|Documents|Vitals|Account|Edit|Merge|Access history")
    )
    heights = {round(action.bounding_box()["height"]) for action in actions.all()}
    assert actions.count() >= 7 and len(heights) == 1, heights
    snapshot(page, "clinical-patient-admin-1024")
