"""Dispensing against a prescription: the batches it takes, what is left pending, substitutions,
the charge it posts (outpatient account or the admission's bill), returns, double submission."""

import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from billing.models import Charge
from clinical.models import Prescription
from hms.audit import AuditEntry
from hms.submissions import AlreadySubmitted
from pharmacy import ledger
from pharmacy.models import Dispense, MovementKind, StockBalance, StockMovement
from pharmacy.services import PharmacyError, dispense, dispense_return
from tests.factories import AdmissionFactory, FormularyItemFactory, PatientFactory, UserFactory
from tests.pharmacy.rx import pharmacy_store, prescribed, stocked

pytestmark = pytest.mark.django_db


@pytest.fixture
def pharmacist():
    return UserFactory(role="pharmacist")


def _taken(record) -> dict[str, int]:
    return {
        row.batch.batch_number: -row.quantity
        for row in StockMovement.objects.filter(dispense=record, kind=MovementKind.DISPENSE)
    }


def test_dispensing_takes_the_first_expiring_batches_and_never_an_expired_one(pharmacist):
    item, (expired, late, soon) = stocked(units=(30, 10, 6), days=(0, 300, 40))
    rx = prescribed(item, 10)

    record = dispense(actor=pharmacist, prescription=rx, quantity=10)

    assert _taken(record) == {soon.batch_number: 6, late.batch_number: 4}
    assert record.batch_choice_reason == ""
    assert StockBalance.objects.get(batch=expired).quantity == 30  # never touched
    assert record.number.startswith("DSP-")


def test_a_picked_batch_needs_a_reason_and_is_recorded(pharmacist):
    item, (soon, late) = stocked(units=(10, 10), days=(40, 300))
    rx = prescribed(item, 4)

    with pytest.raises(PharmacyError) as refused:
        dispense(actor=pharmacist, prescription=rx, quantity=4, batch=late)
    record = dispense(
        actor=pharmacist,
        prescription=rx,
        quantity=4,
        batch=late,
        batch_choice_reason="Patient's opened pack",
    )

    assert refused.value.field == "batch_choice_reason"
    assert _taken(record) == {late.batch_number: 4}
    assert record.batch_choice_reason == "Patient's opened pack"
    assert StockBalance.objects.get(batch=soon).quantity == 10


def test_an_expired_batch_is_refused_even_when_picked(pharmacist):
    item, (expired, _fresh) = stocked(units=(10, 10), days=(0, 300))
    rx = prescribed(item, 4)

    with pytest.raises(PharmacyError, match="expired") as refused:
        dispense(
            actor=pharmacist, prescription=rx, quantity=4, batch=expired, batch_choice_reason="x"
        )

    assert refused.value.field == "batch"
    assert not Dispense.objects.exists()
    assert StockBalance.objects.get(batch=expired).quantity == 10


def test_only_expired_stock_left_refuses_and_changes_nothing(pharmacist):
    item, (expired,) = stocked(units=(10,), days=(-3,))
    rx = prescribed(item, 4)

    with pytest.raises(ledger.StockError, match="holds no .* not expired"):
        dispense(actor=pharmacist, prescription=rx, quantity=4)

    rx.refresh_from_db()
    assert rx.dispensed_quantity == 0
    assert not Charge.objects.exists()


def test_a_partial_dispense_leaves_the_rest_pending_and_more_than_left_is_refused(pharmacist):
    item, _ = stocked(units=(50,))
    rx = prescribed(item, 10)

    dispense(actor=pharmacist, prescription=rx, quantity=4)
    rx.refresh_from_db()
    with pytest.raises(PharmacyError, match="between 1 and 6") as refused:
        dispense(actor=pharmacist, prescription=rx, quantity=7)

    assert rx.to_dispense == 6
    assert rx.dispensing_status == "Part dispensed (4 of 10)"
    assert refused.value.field == "quantity"
    dispense(actor=pharmacist, prescription=rx, quantity=6)
    rx.refresh_from_db()
    assert rx.dispensing_status == "Dispensed"
    with pytest.raises(PharmacyError, match="in full"):
        dispense(actor=pharmacist, prescription=rx, quantity=1)


def test_a_substitution_needs_a_reason_and_gives_the_other_item(pharmacist):
    item, _ = stocked(units=(0,))
    other, _ = stocked(FormularyItemFactory(generic_name="Otherbrand"), units=(20,))
    rx = prescribed(item, 5)

    with pytest.raises(PharmacyError) as refused:
        dispense(actor=pharmacist, prescription=rx, quantity=5, item=other)
    record = dispense(
        actor=pharmacist, prescription=rx, quantity=5, item=other, substitution_reason="Out"
    )

    assert refused.value.field == "substitution_reason"
    assert record.item == other
    assert record.substitution_reason == "Out"
    assert record.charge.item == other.charge_item


def test_the_charge_goes_to_an_outpatients_account(pharmacist):
    item, _ = stocked(units=(50,))
    rx = prescribed(item, 10)

    record = dispense(actor=pharmacist, prescription=rx, quantity=10)

    charge = Charge.objects.get()
    assert record.charge == charge
    assert charge.patient_id == rx.patient_id
    assert charge.admission_id is None
    assert (charge.quantity, charge.amount) == (Decimal("10"), Decimal("100.00"))
    assert record.number in charge.description
    assert AuditEntry.objects.filter(action="pharmacy.dispense").count() == 1


def test_the_charge_goes_to_an_inpatients_admission(pharmacist):
    admission = AdmissionFactory()
    item, _ = stocked(units=(50,))
    rx = prescribed(item, 3, patient=admission.patient)

    record = dispense(actor=pharmacist, prescription=rx, quantity=3)

    assert record.admission == admission
    assert record.charge.admission_id == admission.pk


def test_an_archived_patient_is_refused(pharmacist):
    item, _ = stocked(units=(50,))
    rx = prescribed(item, 3, patient=PatientFactory(state="archived"))

    with pytest.raises(PharmacyError, match="archived"):
        dispense(actor=pharmacist, prescription=rx, quantity=3)


def test_a_role_that_may_not_dispense_is_denied():
    item, _ = stocked(units=(50,))
    rx = prescribed(item, 3)

    with pytest.raises(PermissionDenied):
        dispense(actor=UserFactory(role="nurse"), prescription=rx, quantity=3)
    assert not Dispense.objects.exists()


def test_the_same_form_sent_twice_dispenses_once(pharmacist):
    item, _ = stocked(units=(50,))
    rx = prescribed(item, 10)
    token = uuid.uuid4()

    first = dispense(actor=pharmacist, prescription=rx, quantity=3, submission=token)
    with pytest.raises(AlreadySubmitted) as again:
        dispense(actor=pharmacist, prescription=rx, quantity=3, submission=token)

    assert again.value.result == first
    assert Dispense.objects.count() == 1
    assert Prescription.objects.get(pk=rx.pk).dispensed_quantity == 3


def test_a_return_puts_stock_back_and_reverses_the_charge_with_a_visible_line(pharmacist):
    item, (soon, late) = stocked(units=(4, 20), days=(40, 300))
    rx = prescribed(item, 10)
    record = dispense(actor=pharmacist, prescription=rx, quantity=10)
    first_charge = record.charge

    dispense_return(actor=pharmacist, dispense=record, quantity=7, reason="Treatment changed")

    record.refresh_from_db()
    # Back into the latest-expiring batch first: 6 came from it, then 1 into the other.
    assert StockBalance.objects.get(batch=late).quantity == 20
    assert StockBalance.objects.get(batch=soon).quantity == 1
    reversal = Charge.objects.get(reversal_of=first_charge)
    assert reversal.amount == Decimal("-100.00")
    assert "returned 7 of 10: Treatment changed" in reversal.description
    assert (record.charge.quantity, record.charge.amount) == (Decimal("3"), Decimal("30.00"))
    owed = sum(c.amount for c in Charge.objects.filter(patient_id=rx.patient_id))
    assert owed == Decimal("30.00")
    assert record.returned_quantity == 7
    rx.refresh_from_db()
    assert rx.to_dispense == 0  # a return closes the line

    with pytest.raises(PharmacyError, match="between 1 and 3") as refused:
        dispense_return(actor=pharmacist, dispense=record, quantity=4, reason="x")
    assert refused.value.field == "quantity"
    dispense_return(actor=pharmacist, dispense=record, quantity=3, reason="Stopped")
    record.refresh_from_db()
    assert record.charge is None
    assert sum(c.amount for c in Charge.objects.filter(patient_id=rx.patient_id)) == 0
    assert ledger.on_hand(item=item, store=pharmacy_store()) == 24


def test_a_return_needs_a_reason(pharmacist):
    item, _ = stocked(units=(50,))
    record = dispense(actor=pharmacist, prescription=prescribed(item, 2), quantity=2)

    with pytest.raises(PharmacyError) as refused:
        dispense_return(actor=pharmacist, dispense=record, quantity=1, reason="  ")

    assert refused.value.field == "reason"
    assert ledger.on_hand(item=item) == 48


def test_an_item_taken_out_of_use_is_still_given_to_whom_it_was_prescribed_but_not_substituted(
    pharmacist,
):
    item, _ = stocked(units=(30,), actor=pharmacist)
    other, _ = stocked(units=(30,), actor=pharmacist)
    rx = prescribed(item, 10)
    dispense(actor=pharmacist, prescription=rx, quantity=4)
    type(item).objects.filter(pk__in=[item.pk, other.pk]).update(active=False)
    for record in (rx, item, other):
        record.refresh_from_db()

    rest = dispense(actor=pharmacist, prescription=rx, quantity=6)
    with pytest.raises(PharmacyError, match="no longer in the formulary"):
        dispense(
            actor=pharmacist,
            prescription=prescribed(item, 5),
            quantity=5,
            item=other,
            substitution_reason="Out of the usual brand",
        )

    assert rest.quantity == 6
    assert Prescription.objects.get(pk=rx.pk).dispensed_quantity == 10
