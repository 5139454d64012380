"""Issue #18 from end to end, as the people do it, in two browsers at once: the doctor prescribes
from the formulary search in a consultation; the pharmacist, whose queue is already open, sees it
arrive without a reload, gives another brand because the prescribed one is short (saying why),
prints the label; the desk sees the charge on the patient's account; the ledger shows the units
gone from the shelf."""

import re
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum
from playwright.sync_api import expect

from clinical.models import Prescription
from hms import rbac
from pharmacy.models import Dispense, MovementKind, StockBalance, StockMovement
from tests.e2e.conftest import arrive, snapshot
from tests.e2e.live import browsers_fixture, expect_live, sign_in
from tests.factories import (
    EncounterFactory,
    FormularyItemFactory,
    PatientFactory,
    PharmacyChargeItemFactory,
    UserFactory,
)
from tests.pharmacy.rx import pharmacy_store, stocked

DESK = {"width": 1366, "height": 768}
# The counter's tablet on its side, the smallest screen the pharmacy uses.
COUNTER = {"width": 1024, "height": 600}
DETAIL = re.compile(r"/pharmacy/dispensing/(\d+)/$")


@pytest.fixture
def browsers(request, transactional_db, live_server_url, browser, browser_errors):
    # Depends on transactional_db so the browsers close before the database is flushed.
    yield from browsers_fixture(request, live_server_url, browser, browser_errors)


def _both_sizes(page, name: str) -> None:
    """Keep the screen at the desk's size and at the counter tablet's."""
    for size in (DESK, COUNTER):
        page.set_viewport_size(size)
        snapshot(page, f"{name}-{size['width']}")


def _pdf_text(content: bytes) -> str:
    done = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    )
    return " ".join(done.stdout.decode().split())


def _on_shelf(item) -> int:
    return StockBalance.objects.filter(item=item).aggregate(n=Sum("quantity"))["n"] or 0


@pytest.mark.browser
def test_prescribed_in_the_consultation_dispensed_with_a_substitute_labelled_and_charged(
    browsers, live_server_url
):
    doctor = UserFactory(role=rbac.DOCTOR, first_name="Amina", last_name="Odhiambo")
    pharmacist = UserFactory(role=rbac.PHARMACIST, first_name="Mercy", last_name="Njeri")
    desk_user = UserFactory(role=rbac.RECEPTIONIST)
    patient = PatientFactory(
        first_name="Otieno", last_name="Ouma", sex="M", date_of_birth=date(1990, 2, 1)
    )
    encounter = EncounterFactory(doctor=doctor, patient=patient)
    store = pharmacy_store()
    # Coartem is short (12 on the shelf for a 24-tablet course); Lumartem, the same medicine and
    # strength under another brand, is plenty.
    prescribed_item, _ = stocked(
        FormularyItemFactory(
            generic_name="Artemether-lumefantrine", strength="20/120 mg", brand="Coartem"
        ),
        units=(12,),
        store=store,
        actor=pharmacist,
    )
    substitute, (substitute_batch,) = stocked(
        FormularyItemFactory(
            generic_name="Artemether-lumefantrine",
            strength="20/120 mg",
            brand="Lumartem",
            charge_item=PharmacyChargeItemFactory(price=Decimal("15.00")),
        ),
        units=(60,),
        store=store,
        actor=pharmacist,
    )

    # --- the pharmacist's queue is open, empty, and listening ---------------------------------
    counter = browsers.open("pharmacist")
    counter.set_viewport_size(DESK)
    sign_in(counter, live_server_url, pharmacist)
    counter.get_by_role("link", name="Pharmacy").first.click()
    expect(counter.get_by_role("heading", name="Dispensing queue")).to_be_visible()
    expect(counter.get_by_test_id("queue-empty")).to_be_visible()
    expect_live(counter)
    counter.evaluate("window.__notReloaded = true")

    # --- the doctor prescribes Coartem, picked from the formulary as they type -----------------
    consult = browsers.open("doctor")
    sign_in(consult, live_server_url, doctor)
    consult.goto(f"{live_server_url}/appointments/consultations/{encounter.pk}/")
    consult.get_by_test_id("drug-search").press_sequentially("coart", delay=30)
    choice = consult.get_by_test_id("pick-item").filter(has_text="Coartem")
    expect(choice).to_have_count(1)
    expect(choice).to_contain_text("12 in stock")
    choice.click()
    expect(consult.get_by_test_id("picked-item")).to_be_visible()
    expect(consult.locator("[name=strength]")).to_have_value("20/120 mg")
    consult.locator("[name=dose]").fill("4 tablets")
    consult.locator("[name=frequency]").fill("BD")
    consult.locator("[name=duration]").fill("3 days")
    expect(consult.get_by_test_id("quantity-hint")).to_contain_text("Computed: 24 × tablet")
    consult.locator("[name=instructions]").fill("With food or milk")
    consult.get_by_test_id("add-prescription").click()
    line = consult.get_by_test_id("prescription").filter(has_text="Artemether-lumefantrine")
    expect(line).to_contain_text("24 × tablet")
    expect(line.get_by_test_id("dispensing-status")).to_have_text("Waiting at pharmacy")
    rx = Prescription.objects.get(encounter=encounter)
    assert (rx.formulary_item, rx.quantity) == (prescribed_item, 24)

    # --- it appears on the pharmacist's open queue without a reload ---------------------------
    row = counter.get_by_test_id("queue-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Otieno Ouma")
    expect(row).to_contain_text("Coartem")
    expect(row).to_contain_text("Dr Amina Odhiambo")
    expect(counter.get_by_test_id("dispense-queue")).to_contain_text("1 waiting")
    assert counter.evaluate("window.__notReloaded === true"), "the queue was reloaded"
    _both_sizes(counter, "pharmacy-flow-1-queue")

    # --- 12 Coartem will not do: give 24 Lumartem, saying why ---------------------------------
    row.click()
    expect(counter.get_by_test_id("patient")).to_contain_text("Otieno Ouma")
    expect(counter.get_by_test_id("batches")).to_contain_text("12")
    counter.get_by_label("Item to give").select_option(str(substitute.pk))
    expect(counter.get_by_test_id("batches")).to_contain_text(substitute_batch.batch_number)
    counter.get_by_label("Quantity").fill("24")
    expect(counter.get_by_test_id("charge-preview")).to_contain_text("KES 360.00")
    counter.get_by_test_id("dispense").click()
    # Another brand without a reason is refused beside the field, and nothing moves.
    expect(
        counter.locator("#id_substitution_reason_error, .invalid-feedback").first
    ).to_contain_text("Say why")
    expect(counter.get_by_label("Quantity")).to_have_value("24")
    assert not Dispense.objects.exists()
    assert _on_shelf(substitute) == 60
    counter.get_by_label("Why another item (a substitution)").fill(
        "Coartem short: 12 on the shelf for a 24-tablet course"
    )
    _both_sizes(counter, "pharmacy-flow-2-dispense")
    counter.get_by_test_id("dispense").click()

    arrive(counter, DETAIL)
    expect(counter.get_by_test_id("substitution")).to_contain_text("Coartem short")
    expect(counter.get_by_test_id("left")).to_contain_text("dispensed in full")
    snapshot(counter, "pharmacy-flow-3-dispensed-1024")
    record = Dispense.objects.get()
    assert (record.item, record.quantity, record.prescription) == (substitute, 24, rx)
    assert record.substitution_reason == "Coartem short: 12 on the shelf for a 24-tablet course"

    # --- the ledger: 24 Lumartem out of the store, Coartem untouched ---------------------------
    moved = StockMovement.objects.filter(dispense=record)
    assert [(m.kind, m.quantity, m.batch) for m in moved] == [
        (MovementKind.DISPENSE, -24, substitute_batch)
    ]
    assert StockBalance.objects.get(store=store, batch=substitute_batch).quantity == 60 - 24
    assert _on_shelf(prescribed_item) == 12
    # The doctor's open consultation says it was given, without a reload.
    expect(line.get_by_test_id("dispensing-status")).to_contain_text("Dispensed")

    # --- the label is a PDF naming the patient, the drug, its batch and expiry -----------------
    href = counter.get_by_test_id("label").get_attribute("href")
    label = counter.request.get(f"{live_server_url}{href}")
    assert label.ok and label.headers["content-type"] == "application/pdf"
    assert label.body().startswith(b"%PDF")
    text = _pdf_text(label.body())
    for words in (
        "Otieno Ouma",
        patient.mrn,
        "Artemether-lumefantrine",
        "Lumartem",
        substitute_batch.batch_number,
        f"{substitute_batch.expiry_date:%-d %b %Y}",
        "24 tablets",
        "Mercy Njeri",
    ):
        assert words in text, f"{words!r} not on the label: {text}"

    # --- the desk sees the charge on the patient's account ------------------------------------
    desk = browsers.open("reception")
    desk.set_viewport_size(DESK)
    sign_in(desk, live_server_url, desk_user)
    desk.goto(f"{live_server_url}/billing/patients/{patient.pk}/")
    charge_line = desk.get_by_role("row").filter(
        has_text=re.compile(rf"Lumartem.*× 24 \({record.number}\)")
    )
    expect(charge_line).to_have_count(1)
    expect(charge_line).to_contain_text("KES 15.00")
    expect(charge_line).to_contain_text("KES 360.00")
    snapshot(desk, "pharmacy-flow-4-account-1366")
