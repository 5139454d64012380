"""The formulary in the browser: the doctor prescribes from it with the quantity computed as they
type, and the pharmacist finds and adds items on a tablet-sized screen."""

import pytest
from django.db import transaction
from playwright.sync_api import expect

from clinical.models import Prescription
from hms import rbac
from pharmacy import live
from tests.e2e.axe import assert_no_serious_violations
from tests.e2e.conftest import SMALL_TABLET_VIEWPORT, snapshot
from tests.e2e.live import browsers_fixture, expect_live, run_elsewhere, sign_in
from tests.factories import (
    BatchFactory,
    EncounterFactory,
    FormularyItemFactory,
    PatientFactory,
    StoreFactory,
    UserFactory,
    stock_put,
)


@pytest.fixture
def browsers(request, transactional_db, live_server_url, browser, browser_errors):
    # Depends on transactional_db so the browsers close before the database is flushed.
    yield from browsers_fixture(request, live_server_url, browser, browser_errors)


@pytest.mark.browser
def test_the_doctor_picks_amoxicillin_from_the_formulary_and_sees_the_quantity_computed(
    browsers, live_server_url
):
    doctor = UserFactory(role=rbac.DOCTOR, first_name="Amina", last_name="Odhiambo")
    patient = PatientFactory(first_name="Wanjiku", last_name="Njeri")
    encounter = EncounterFactory(doctor=doctor, patient=patient)
    amoxicillin = FormularyItemFactory(
        generic_name="Amoxicillin", form="capsule", strength="500 mg", dispensing_unit="capsule"
    )
    FormularyItemFactory(generic_name="Amoxicillin", form="suspension", strength="250 mg/5 ml")
    stock_put(StoreFactory(name="Pharmacy"), BatchFactory(item=amoxicillin), 240, doctor)
    page = browsers.open("doctor")
    sign_in(page, live_server_url, doctor)
    page.goto(f"{live_server_url}/appointments/consultations/{encounter.pk}/")

    page.get_by_test_id("drug-search").press_sequentially("amox", delay=30)
    choice = page.get_by_test_id("pick-item").filter(has_text="500 mg")
    expect(choice).to_contain_text("240 in stock")
    expect(page.get_by_test_id("pick-item").filter(has_text="250 mg/5 ml")).to_contain_text(
        "Out of stock"
    )
    snapshot(page, "pharmacy-prescribe-search")
    assert_no_serious_violations(page, "the consultation with the formulary search open")
    choice.click()

    expect(page.locator("[name=strength]")).to_have_value("500 mg")
    expect(page.get_by_test_id("picked-item")).to_be_visible()
    page.locator("[name=dose]").fill("1 capsule")
    page.locator("[name=frequency]").fill("TDS")
    page.locator("[name=duration]").fill("5 days")
    expect(page.get_by_test_id("quantity-hint")).to_contain_text("Computed: 15 × capsule")
    expect(page.locator("[name=quantity]")).to_have_attribute("placeholder", "15")
    snapshot(page, "pharmacy-prescribe-computed")
    page.get_by_test_id("add-prescription").click()

    line = page.get_by_test_id("prescription").filter(has_text="Amoxicillin 500 mg")
    expect(line).to_contain_text("15 × capsule")
    expect(line.get_by_test_id("dispensing-status")).to_have_text("Waiting at pharmacy")

    # The pharmacy hands over 6 of the 15 (its dispensing screen is another part's): the line
    # says so on the open consultation, without a reload.
    expect_live(page)
    page.evaluate("window.__notReloaded = true")
    run_elsewhere(lambda: _pharmacy_hands_over(patient, 6))

    expect(line.get_by_test_id("dispensing-status")).to_have_text("Part dispensed (6 of 15)")
    assert page.evaluate("window.__notReloaded === true"), "the consultation reloaded"


def _pharmacy_hands_over(patient, quantity: int) -> None:
    with transaction.atomic():
        Prescription.objects.filter(patient=patient).update(dispensed_quantity=quantity)
        live.queue_changed(patient_id=patient.pk)


@pytest.mark.browser
def test_the_pharmacist_searches_the_formulary_and_adds_an_item_on_a_small_tablet(
    transactional_db, page, live_server_url
):
    pharmacist = UserFactory(role=rbac.PHARMACIST, first_name="Mercy", last_name="Njeri")
    for name in ("Metformin", "Metronidazole", "Paracetamol"):
        FormularyItemFactory(generic_name=name)
    page.set_viewport_size(SMALL_TABLET_VIEWPORT)
    sign_in(page, live_server_url, pharmacist)
    page.get_by_role("link", name="Formulary").first.click()

    page.get_by_test_id("formulary-search").press_sequentially("metr", delay=30)
    expect(page.get_by_test_id("formulary-row")).to_have_count(1)
    expect(page.get_by_test_id("page-count")).to_have_text("1 item in all")
    snapshot(page, "pharmacy-formulary-list")

    page.get_by_test_id("formulary-add").click()
    page.locator("[name=generic_name]").fill("Zinc sulphate")
    page.locator("[name=form]").select_option("tablet")
    page.locator("[name=strength]").fill("20 mg")
    page.locator("[name=category]").select_option("drug")
    page.locator("[name=dispensing_unit]").fill("tablet")
    page.locator("[name=pack_size]").fill("100")
    page.locator("[name=reorder_level]").fill("300")
    page.locator("[name=price]").fill("3.5")
    page.locator("[name=tax_rate]").fill("0")
    snapshot(page, "pharmacy-formulary-add")
    assert_no_serious_violations(page, "the formulary's add form")
    page.get_by_test_id("formulary-save").click()

    expect(page.get_by_text("Zinc sulphate 20 mg tablet added to the formulary.")).to_be_visible()
    expect(page.get_by_test_id("formulary-items")).to_contain_text("Zinc sulphate")
