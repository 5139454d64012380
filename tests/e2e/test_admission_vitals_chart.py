"""The admission page's vitals chart in a browser: the stay's readings and their NEWS2 drawn by
the vendored Chart.js, at the ward desk (1366x768) and on the ward tablet (1024x600)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clinical.models import Vitals
from hms import rbac
from tests.e2e.conftest import snapshot
from tests.e2e.live import browsers_fixture, sign_in
from tests.factories import PatientFactory, UserFactory
from tests.vitals_sets import STEADY_SET
from wards import services as wards
from wards.models import Admission


@pytest.fixture
def browsers(request, transactional_db, live_server_url, browser, browser_errors):
    # Depends on transactional_db so the browsers close before the database is flushed.
    yield from browsers_fixture(request, live_server_url, browser, browser_errors)


@pytest.mark.browser
def test_the_stays_vitals_and_news2_are_charted_at_the_desk_and_on_the_tablet(
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
    now = timezone.now()
    # Admitted an hour ago (the service stamps now): the three sets since fall within the stay.
    Admission.objects.filter(pk=admission.pk).update(admitted_at=now - timedelta(hours=1))
    for hours_ago, changes in [
        (0.75, {}),
        (0.5, {"pulse": 112, "temperature_c": 38.6}),
        (0.25, {"respiratory_rate": 25, "pulse": 131, "spo2": 95, "temperature_c": 39.4}),
    ]:
        Vitals.objects.create(
            patient=admission.patient,
            recorded_by=nurse,
            recorded_at=now - timedelta(hours=hours_ago),
            **(STEADY_SET | changes),
        )
    url = f"{live_server_url}/wards/admissions/{admission.pk}/"
    tablet = browsers.open("nurse", tablet=True)
    tablet.set_viewport_size({"width": 1024, "height": 600})
    desk = browsers.open("doctor")
    desk.set_viewport_size({"width": 1366, "height": 768})
    sign_in(tablet, live_server_url, nurse)
    sign_in(desk, live_server_url, doctor)

    for page, name in [
        (desk, "admission-vitals-chart-desk-1366"),
        (tablet, "admission-vitals-chart-tablet-1024"),
    ]:
        page.goto(url)
        chart = page.get_by_test_id("stay-vitals")
        expect(chart).to_contain_text("The chart shows 3 readings since the admission")
        page.wait_for_function(
            "() => window.Chart && Chart.getChart(document.getElementById('vitals-chart'))"
        )
        labels = page.evaluate(
            "() => Chart.getChart(document.getElementById('vitals-chart'))"
            ".data.datasets.map(d => d.label + ':' + d.data.map(p => p.y).join(','))"
        )
        assert "NEWS2:0,3,9" in labels
        assert "Pulse /min:72,112,131" in labels
        box = page.locator("#vitals-chart").bounding_box()
        assert box["height"] > 200 and box["width"] > 300
        chart.scroll_into_view_if_needed()
        snapshot(page, name)
