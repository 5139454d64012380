"""The medication round as the ward uses it, on the tablet: the nurse's home shows a dose
overdue, the round shows it in red under its bed, "not given" without a reason is refused beside
it, and "Given" records it; the doctor at the desk sees it given on the chart, stops the
order and writes a new one from the formulary search."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from hms import rbac
from pharmacy import ledger
from pharmacy import services as pharmacy
from pharmacy.models import MedicationAdministration
from tests.e2e.conftest import snapshot
from tests.e2e.live import browsers_fixture, sign_in
from tests.factories import (
    BatchFactory,
    FormularyItemFactory,
    PatientFactory,
    UserFactory,
    stock_put,
)
from wards import services as wards


@pytest.fixture
def browsers(request, transactional_db, live_server_url, browser, browser_errors):
    # Depends on transactional_db so the browsers close before the database is flushed.
    yield from browsers_fixture(request, live_server_url, browser, browser_errors)


@pytest.mark.browser
def test_the_nurse_records_an_overdue_dose_from_the_round_and_sees_it_given(
    transactional_db, charge_master, browsers, live_server_url
):
    admin = UserFactory(role=rbac.ADMIN)
    ward = wards.ward_create(
        actor=admin, name="Medical A", kind="general", charge_code="WARD-GEN", beds=2
    )
    store = pharmacy.store_save(actor=admin, name="Medical A store", kind="ward", ward=ward)
    doctor = UserFactory(role=rbac.DOCTOR, first_name="Amina", last_name="Odhiambo")
    nurse = UserFactory(role=rbac.NURSE, first_name="Grace", last_name="Wanjiru")
    item = FormularyItemFactory(generic_name="Paracetamol")
    stock_put(store, BatchFactory(item=item), 10, admin)
    admission = wards.admission_create(
        actor=nurse,
        patient=PatientFactory(first_name="Achieng", last_name="Otieno"),
        attending_doctor=doctor,
        bed=ward.beds.get(number="01"),
        reason="Severe malaria",
    )
    # Admitted three hours ago: the stat dose ordered for an hour after it is overdue now.
    type(admission).objects.filter(pk=admission.pk).update(
        admitted_at=timezone.now() - timedelta(hours=3)
    )
    admission.refresh_from_db()
    order = pharmacy.medication_order_create(
        actor=doctor,
        admission=admission,
        item=item,
        dose="1 g",
        units_per_dose=2,
        route="oral",
        frequency="stat",
        start_at=timezone.now() - timedelta(hours=2),
    )
    tablet = browsers.open("nurse", tablet=True)
    tablet.set_viewport_size({"width": 1024, "height": 600})
    desk = browsers.open("doctor")
    desk.set_viewport_size({"width": 1366, "height": 768})
    sign_in(tablet, live_server_url, nurse)
    sign_in(desk, live_server_url, doctor)

    tablet.goto(f"{live_server_url}/")
    expect(tablet.get_by_test_id("mar-overdue-count")).to_have_text("1")
    expect(tablet.get_by_test_id("mar-overdue-row")).to_contain_text("Paracetamol")
    tablet.get_by_test_id("to-mar-round").click()
    dose = tablet.locator("[data-testid=dose][data-overdue=true]")
    expect(dose).to_be_visible()
    snapshot(tablet, "mar-round-tablet")
    dose.get_by_test_id("not-given").click()
    dose.get_by_test_id("outcome").select_option("held")
    dose.get_by_test_id("record-not-given").click()  # no reason: refused beside the dose
    dose = tablet.locator("[data-testid=dose][data-overdue=true]")
    expect(dose.get_by_test_id("dose-refusal")).to_contain_text("Say why")
    expect(dose.get_by_test_id("outcome")).to_have_value("held")
    assert not MedicationAdministration.objects.exists()
    dose.get_by_test_id("give").click()
    expect(tablet.get_by_test_id("dose-outcome")).to_have_text("Given")
    expect(tablet.locator("[data-testid=dose][data-overdue=true]")).to_have_count(0)
    snapshot(tablet, "mar-given-tablet")
    assert ledger.on_hand(item=item, store=store) == 8

    desk.goto(f"{live_server_url}/pharmacy/mar/admissions/{admission.pk}/")
    expect(desk.get_by_test_id("dose-outcome")).to_have_text("Given")
    expect(desk.get_by_test_id("dose")).to_contain_text("Grace Wanjiru")
    snapshot(desk, "mar-chart-desk")
    desk.get_by_test_id("stop-open").click()
    desk.get_by_test_id("stop-reason").fill("Fever settled")
    desk.get_by_test_id("stop").click()
    expect(desk.get_by_test_id("no-orders")).to_be_visible()
    expect(desk.get_by_test_id("ended-order")).to_contain_text("Fever settled")
    order.refresh_from_db()
    assert order.stopped_by == doctor

    # A new order from the formulary search, as on the consultation screen.
    form = desk.get_by_test_id("order-form")
    form.get_by_test_id("drug-search").fill("Parac")
    form.get_by_test_id("pick-item").first.click()
    expect(form.get_by_test_id("picked-drug")).to_be_visible()
    form.locator("input[name=dose]").fill("1 g")
    form.locator("input[name=units_per_dose]").fill("2")
    form.locator("select[name=frequency]").select_option("qds")
    form.get_by_test_id("order-add").click()
    expect(desk.get_by_test_id("order")).to_contain_text("Four times daily")
    snapshot(desk, "mar-ordered-desk")
