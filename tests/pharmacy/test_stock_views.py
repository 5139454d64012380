"""The stock screens as their users meet them: a nurse receives a ward's transfer, a refused
receipt keeps what was typed, a count shows its variance, and the reports' figures (worked out
by hand here) and their CSVs."""

from datetime import timedelta
from decimal import Decimal
from uuid import uuid4

import pytest
from django.urls import reverse
from django.utils import timezone

from clinical.models import Prescription
from pharmacy import ledger, services
from pharmacy.models import Dispense, PurchaseReceipt, StockTake, TransferStatus
from tests.factories import (
    BatchFactory,
    EncounterFactory,
    FormularyItemFactory,
    StoreFactory,
    SupplierFactory,
    WardFactory,
    stock_put,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def stores(db):
    return {
        "main": StoreFactory(name="Main store", kind="main"),
        "pharmacy": StoreFactory(name="Pharmacy", kind="pharmacy"),
        "ward": StoreFactory(name="Maternity store", kind="ward", ward=WardFactory()),
    }


def test_a_nurse_receives_a_transfer_into_her_ward_store_from_its_page(staff, stores, client_for):
    batch = BatchFactory(item__generic_name="Cannula G20")
    stock_put(stores["main"], batch, 30, staff.pharmacist)
    transfer = services.transfer_send(
        actor=staff.pharmacist,
        from_store=stores["main"],
        to_store=stores["ward"],
        lines=[services.TransferRequest(item=batch.item, quantity=12)],
    )
    nurse = client_for(staff.nurse)
    page_url = reverse("ward_store", args=[stores["ward"].pk])
    receive_url = reverse("transfer_receive", args=[transfer.pk])

    listed = nurse.get(reverse("ward_stores")).content.decode()
    waiting = nurse.get(page_url).content.decode()
    nurse.post(receive_url, {"next": page_url})
    again = nurse.post(receive_url, {"next": page_url}, follow=True).content.decode()

    assert "1 transfer to receive" in listed
    assert transfer.number in waiting
    transfer.refresh_from_db()
    assert (transfer.status, transfer.received_by) == (TransferStatus.RECEIVED, staff.nurse)
    assert ledger.on_hand(item=batch.item, store=stores["ward"]) == 12
    assert "received already" in again
    assert "Nothing on its way." in again
    assert "to receive" not in nurse.get(reverse("ward_stores")).content.decode()
    assert nurse.get(reverse("transfer_list")).status_code == 403


def _receipt_post(supplier, store, item, **line) -> dict:
    data = {
        "supplier": supplier.pk,
        "invoice_number": "KEMSA/2026/441",
        "store": store.pk,
        "note": "",
        "form-TOTAL_FORMS": "2",
        "form-INITIAL_FORMS": "0",
        "form-0-item": item.pk,
        "form-0-batch_number": "PCM2611",
        "form-0-expiry_date": (timezone.localdate() + timedelta(days=400)).strftime("%d/%m/%Y"),
        "form-0-quantity": "1000",
        "form-0-unit_cost": "1.20",
    }
    return data | {f"form-0-{name}": value for name, value in line.items()}


def test_a_refused_receipt_keeps_what_was_typed_and_says_why_beside_the_line(
    staff, stores, client_for
):
    item = FormularyItemFactory()
    BatchFactory(
        item=item, batch_number="PCM2611", expiry_date=timezone.localdate() + timedelta(days=90)
    )
    supplier = SupplierFactory(name="KEMSA")
    pharmacist = client_for(staff.pharmacist)
    url = reverse("receipt_new")

    refused = pharmacist.post(url, _receipt_post(supplier, stores["main"], item)).content.decode()
    more = pharmacist.post(url, _receipt_post(supplier, stores["main"], item) | {"add_line": "1"})
    fixed = _receipt_post(supplier, stores["main"], item, batch_number="PCM2612")
    done = pharmacist.post(url, fixed)

    assert "check the expiry date printed on the pack" in refused
    assert 'value="KEMSA/2026/441"' in refused and 'value="1000"' in refused
    assert more.context["lines"].total_form_count() == 3
    assert "is-invalid" not in more.content.decode()
    receipt = PurchaseReceipt.objects.get()
    assert done["Location"] == reverse("receipt_detail", args=[receipt.pk])
    assert ledger.on_hand(item=item, store=stores["main"]) == 1000


def test_a_count_shows_its_variance_and_asks_the_reason_beside_the_line(staff, stores, client_for):
    batch = BatchFactory()
    stock_put(stores["pharmacy"], batch, 40, staff.pharmacist)
    pharmacist = client_for(staff.pharmacist)
    pharmacist.post(reverse("stock_take_start"), {"store": stores["pharmacy"].pk})
    take = StockTake.objects.get()
    line = take.lines.get()
    url = reverse("stock_take", args=[take.pk])

    saved = pharmacist.post(url, {f"counted_{line.pk}": "37", "save": "1"}, follow=True)
    refused = pharmacist.post(url, {f"counted_{line.pk}": "37", "post": "1"}).content.decode()
    pharmacist.post(url, {f"counted_{line.pk}": "37", f"reason_{line.pk}": "Broken", "post": "1"})

    assert "-3" in saved.content.decode()
    assert "Say why the count differs." in refused and 'value="37"' in refused
    assert ledger.on_hand(item=batch.item, store=stores["pharmacy"]) == 37


@pytest.fixture
def reported(staff, stores):
    """Hand-made figures: main holds 10 at 4.00 and 5 expired at 2.50; the pharmacy 8 at 4.00.
    In the period: 3 dispensed, 2 used on a ward, 1 returned."""
    today = timezone.localdate()
    item = FormularyItemFactory(
        generic_name="Amoxicillin", strength="500 mg", form="capsule", dispensing_unit="capsule"
    )
    good = BatchFactory(item=item, unit_cost=Decimal("4.00"))
    old = BatchFactory(item=item, unit_cost=Decimal("2.50"), expiry_date=today - timedelta(days=3))
    stock_put(stores["main"], good, 10, staff.pharmacist)
    stock_put(stores["main"], old, 5, staff.pharmacist)
    stock_put(stores["pharmacy"], good, 11, staff.pharmacist)
    stock_put(stores["pharmacy"], good, -3, staff.pharmacist, kind="dispense")
    stock_put(stores["pharmacy"], good, 1, staff.pharmacist, kind="return")
    stock_put(stores["ward"], good, 2, staff.pharmacist)
    stock_put(stores["ward"], good, -2, staff.pharmacist, kind="ward_use")
    return item


def test_the_value_report_values_each_store_at_its_batches_cost(
    staff, reported, client_for, stores
):
    page = client_for(staff.accountant).get(reverse("stock_reports"))
    csv_text = client_for(staff.accountant).get(reverse("stock_reports"), {"format": "csv"})

    rows = {row["store__name"]: row for row in page.context["rows"]}
    assert (rows["Main store"]["units"], rows["Main store"]["value"]) == (15, Decimal("52.50"))
    assert rows["Main store"]["expired_value"] == Decimal("12.50")
    assert (rows["Pharmacy"]["units"], rows["Pharmacy"]["value"]) == (9, Decimal("36.00"))
    assert page.context["totals"]["value"] == Decimal("88.50")
    assert "Main store,15,52.50,5,12.50" in csv_text.content.decode()
    accountant = client_for(staff.accountant)
    assert accountant.get(reverse("stock_report_consumption")).status_code == 403


def test_consumption_is_dispensed_plus_ward_use_less_returns_in_the_period(
    staff, reported, client_for
):
    today = timezone.localdate().isoformat()
    url = reverse("stock_report_consumption")

    page = client_for(staff.pharmacist).get(url, {"from": today, "to": today})
    csv_text = client_for(staff.pharmacist).get(url, {"from": today, "to": today, "format": "csv"})
    before = client_for(staff.pharmacist).get(url, {"from": "2020-01-01", "to": "2020-01-31"})

    (row,) = page.context["page"]
    assert (row["dispensed"], row["ward_use"], row["returned"], row["consumed"]) == (3, 2, 1, 4)
    assert "Amoxicillin 500 mg capsule,3,0,2,0,1,4" in csv_text.content.decode()
    assert list(before.context["page"]) == []


def test_consumption_names_the_form_in_lower_case_and_counts_in_its_units(
    staff, reported, client_for
):
    today = timezone.localdate().isoformat()

    page = client_for(staff.pharmacist).get(
        reverse("stock_report_consumption"), {"from": today, "to": today}
    )

    text = page.content.decode()
    assert "Amoxicillin 500 mg capsule" in text and "Capsule" not in text
    assert "3 capsules" in text and "1 capsule<" in text and "0 capsules" in text


def test_dispensing_by_doctor_counts_units_and_value_net_of_returns(staff, stores, client_for):
    item = FormularyItemFactory()
    encounter = EncounterFactory(doctor=staff.doctor, patient=staff.patient)
    for quantity, returned in ((10, 2), (5, 0)):
        prescription = Prescription.objects.create(
            encounter=encounter,
            patient=staff.patient,
            doctor=staff.doctor,
            drug=item.generic_name,
            dose="1",
            frequency="bd",
            duration="5 days",
        )
        Dispense.objects.create(
            number=f"DSP-{quantity}",
            prescription=prescription,
            patient=staff.patient,
            item=item,
            store=stores["pharmacy"],
            quantity=quantity,
            returned_quantity=returned,
            unit_price=Decimal("12.50"),
            dispensed_by=staff.pharmacist,
            dispensed_at=timezone.now(),
        )

    page = client_for(staff.pharmacist).get(reverse("stock_report_doctors"))

    (row,) = page.context["page"]
    assert (row["doctor"], row["dispenses"], row["units"], row["returned"]) == (
        "Dr Amina Odhiambo",
        2,
        15,
        2,
    )
    assert row["value"] == Decimal("162.50")  # (10 − 2 + 5) × 12.50


def test_a_receipt_sent_twice_with_one_form_is_received_once(staff, stores, client_for):
    item = FormularyItemFactory()
    form = _receipt_post(SupplierFactory(), stores["main"], item) | {"submission": str(uuid4())}
    pharmacist = client_for(staff.pharmacist)

    first = pharmacist.post(reverse("receipt_new"), form)
    second = pharmacist.post(reverse("receipt_new"), form)

    assert first["Location"] == second["Location"]
    assert PurchaseReceipt.objects.count() == 1
    assert ledger.on_hand(item=item, store=stores["main"]) == 1000
