"""The dispensing counter in the browser: the pharmacist has the queue open on the counter's
small screen, a doctor writes a prescription from the formulary, it appears without a reload,
the pharmacist dispenses it with a substitution (the prescribed brand is out), opens the label,
and the desk sees the charge on the patient's account."""

import re
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from clinical.services import prescription_add
from hms import rbac
from pharmacy.models import Dispense
from tests.e2e.conftest import arrive, snapshot
from tests.e2e.live import browsers_fixture, expect_live, run_elsewhere, sign_in
from tests.factories import (
    EncounterFactory,
    FormularyItemFactory,
    PatientFactory,
    PharmacyChargeItemFactory,
    UserFactory,
)
from tests.pharmacy.rx import stocked

# The counter's tablet on its side, the smallest screen the pharmacy uses.
COUNTER = {"width": 1024, "height": 600}
DETAIL = re.compile(r"/pharmacy/dispensing/(\d+)/$")


@pytest.fixture
def browsers(request, transactional_db, live_server_url, browser, browser_errors):
    yield from browsers_fixture(request, live_server_url, browser, browser_errors)


def _prescribe(encounter, item):
    rx = prescription_add(
        actor=encounter.doctor,
        encounter=encounter,
        drug=item.generic_name,
        strength=item.strength,
        dose="4 tablets",
        route="oral",
        frequency="twice a day",
        duration="3 days",
        instructions="With food or milk",
    )
    rx.formulary_item, rx.quantity = item, 24
    rx.save(update_fields=["formulary_item", "quantity"])
    return rx


@pytest.mark.browser
def test_a_prescription_arrives_live_is_dispensed_with_a_substitute_and_charged(
    transactional_db, browsers, live_server_url
):
    pharmacist = UserFactory(role=rbac.PHARMACIST, first_name="Mercy", last_name="Njeri")
    desk_user = UserFactory(role=rbac.RECEPTIONIST)
    patient = PatientFactory(first_name="Otieno", last_name="Ouma", date_of_birth=date(1990, 2, 1))
    encounter = EncounterFactory(patient=patient)
    prescribed_item, _ = stocked(
        FormularyItemFactory(generic_name="Artemether-lumefantrine", brand="Coartem"),
        units=(0,),
        actor=pharmacist,
    )
    substitute, _ = stocked(
        FormularyItemFactory(
            generic_name="Artemether-lumefantrine",
            brand="Lumartem",
            charge_item=PharmacyChargeItemFactory(price=Decimal("15.00")),
        ),
        units=(60,),
        actor=pharmacist,
    )

    counter = browsers.open("pharmacist")
    counter.set_viewport_size(COUNTER)
    sign_in(counter, live_server_url, pharmacist)
    counter.get_by_role("link", name="Pharmacy").first.click()
    expect(counter.get_by_role("heading", name="Dispensing queue")).to_be_visible()
    expect(counter.get_by_test_id("queue-empty")).to_be_visible()
    expect_live(counter)
    counter.evaluate("window.__notReloaded = true")

    # --- the doctor writes it; it appears on the counter without a reload ---------------------
    run_elsewhere(lambda: _prescribe(encounter, prescribed_item))

    row = counter.get_by_test_id("queue-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Otieno Ouma")
    expect(row).to_contain_text("Coartem")
    assert counter.evaluate("window.__notReloaded === true"), "the queue was reloaded"
    snapshot(counter, "pharmacy-1-queue-1024")

    # --- the prescribed brand is out: dispense the other brand, saying why --------------------
    row.click()
    expect(counter.get_by_test_id("no-stock")).to_be_visible()
    counter.get_by_label("Item to give").select_option(str(substitute.pk))
    expect(counter.get_by_test_id("batches")).to_contain_text("60")  # its shelf, at once
    counter.get_by_label("Quantity").fill("24")
    counter.get_by_test_id("dispense").click()
    expect(
        counter.locator("#id_substitution_reason_error, .invalid-feedback").first
    ).to_contain_text("Say why")
    counter.get_by_label("Why another item (a substitution)").fill("Coartem out of stock")
    snapshot(counter, "pharmacy-2-dispense-1024")
    counter.get_by_test_id("dispense").click()

    arrive(counter, DETAIL)
    expect(counter.get_by_test_id("substitution")).to_contain_text("Coartem out of stock")
    expect(counter.get_by_test_id("left")).to_contain_text("dispensed in full")
    snapshot(counter, "pharmacy-3-dispensed-1024")
    record = Dispense.objects.get()
    href = counter.get_by_test_id("label").get_attribute("href")
    label = counter.request.get(f"{live_server_url}{href}")
    assert label.ok and label.headers["content-type"] == "application/pdf"
    assert label.body().startswith(b"%PDF")

    # --- the desk sees the charge on the patient's account ------------------------------------
    desk = browsers.open("reception")
    sign_in(desk, live_server_url, desk_user)
    desk.goto(f"{live_server_url}/billing/patients/{patient.pk}/")
    expect(desk.get_by_text(re.compile(rf"Lumartem.*× 24 \({record.number}\)"))).to_be_visible()
    expect(desk.get_by_text("360.00").first).to_be_visible()


@pytest.mark.browser
def test_the_sale_screen_adds_up_as_the_cashier_types_and_records_that_total(
    transactional_db, browsers, live_server_url
):
    pharmacist = UserFactory(role=rbac.PHARMACIST)
    gauze, _ = stocked(
        FormularyItemFactory(
            generic_name="Gauze",
            form="supply",
            dispensing_unit="roll",
            charge_item=PharmacyChargeItemFactory(price=Decimal("33.35"), tax_rate=Decimal("16")),
        ),
        units=(10,),
        actor=pharmacist,
    )
    tablets, _ = stocked(units=(20,), actor=pharmacist)

    counter = browsers.open("pharmacist")
    counter.set_viewport_size(COUNTER)
    sign_in(counter, live_server_url, pharmacist)
    counter.goto(f"{live_server_url}/pharmacy/sales/new/")
    expect(counter.get_by_test_id("sale-total-empty")).to_be_visible()
    counter.locator("#id_line-0-item").select_option(str(gauze.pk))
    counter.locator("#id_line-0-quantity").fill("3")
    expect(counter.get_by_test_id("sale-total-amount")).to_have_text("KES 116.06")
    counter.locator("#id_line-1-item").select_option(str(tablets.pk))
    counter.locator("#id_line-1-quantity").fill("5")

    # 3 × 33.35 = 100.05 + 16% tax 16.01; 5 × 10.00 = 50.00 untaxed.
    expect(counter.get_by_test_id("sale-total-amount")).to_have_text("KES 166.06")
    expect(counter.get_by_test_id("sale-total-line")).to_have_count(2)
    snapshot(counter, "pharmacy-sale-total-1024")
    counter.get_by_test_id("sell").click()

    expect(counter.get_by_text("recorded: KES 166.06")).to_be_visible()
