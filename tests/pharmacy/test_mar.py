"""The medication administration record's services: ordering and stopping (the doctor's,
audited), and doses recorded given / held / refused / not available, a given dose drawing the
ward store's stock per dose, never below zero, and charged to the stay."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from billing.models import Charge
from hms.models import AuditEntry
from hms.submissions import AlreadySubmitted, new_token
from pharmacy import ledger, services
from pharmacy.models import MedicationAdministration, MedicationOrder, StockMovement
from pharmacy.services import PharmacyError
from tests.factories import UserFactory
from tests.pharmacy.mar_rx import local, ordered, stocked_ward

pytestmark = pytest.mark.django_db

NOON = local(2026, 11, 30, 12)


@pytest.fixture
def clock():
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


@pytest.fixture
def nurse():
    return UserFactory(role="nurse")


def test_the_doctor_orders_and_the_order_is_audited(clock):
    admission, item, _ = stocked_ward()
    doctor = UserFactory(role="doctor")
    order = ordered(admission, item, doctor=doctor)
    assert (order.patient_id, order.start_at, order.ordered_by) == (
        admission.patient_id,
        NOON,
        doctor,
    )
    entry = AuditEntry.objects.get(action="pharmacy.medication_order_create")
    assert entry.after["frequency"] == "tds"


@pytest.mark.parametrize("role", ["nurse", "pharmacist", "receptionist", "patient"])
def test_only_a_doctor_orders(role):
    admission, item, _ = stocked_ward()
    with pytest.raises(PermissionDenied):
        ordered(admission, item, doctor=UserFactory(role=role))
    assert not MedicationOrder.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"dose": " "}, "dose", "Enter the dose"),
        ({"units_per_dose": 0}, "units_per_dose", "between 1 and 20"),
        ({"units_per_dose": "two"}, "units_per_dose", "whole number"),
        ({"route": "ear"}, "route", "Choose the route"),
        ({"frequency": "hourly"}, "frequency", "Choose how often"),
        ({"frequency": "prn", "indication": "pain"}, "prn_max_per_24h", "most doses in 24"),
        ({"frequency": "prn", "prn_max_per_24h": 4}, "indication", "what it is for"),
    ],
)
def test_a_bad_order_is_refused_beside_its_field(fields, field, words):
    admission, item, _ = stocked_ward()
    with pytest.raises(PharmacyError) as refusal:
        ordered(admission, item, **fields)
    assert refusal.value.field == field
    assert words in str(refusal.value)
    assert not MedicationOrder.objects.exists()


def test_a_stop_before_the_start_is_refused(clock):
    admission, item, _ = stocked_ward()
    with pytest.raises(PharmacyError) as refusal:
        ordered(admission, item, stop_at=NOON - timedelta(hours=1))
    assert refusal.value.field == "stop_at"


def test_stopping_is_the_doctors_audited_and_ends_the_doses(clock, nurse):
    admission, item, _ = stocked_ward()
    order = ordered(admission, item, frequency="qds", start_at=NOON - timedelta(days=1))
    with pytest.raises(PermissionDenied):
        services.medication_order_stop(actor=nurse, order=order, reason="done")
    assert MedicationOrder.objects.get(pk=order.pk).stopped_at is None
    with pytest.raises(PharmacyError, match="Say why"):
        services.medication_order_stop(actor=UserFactory(role="doctor"), order=order, reason="")
    doctor = UserFactory(role="doctor")
    clock.move_to(local(2026, 11, 30, 13))
    services.medication_order_stop(actor=doctor, order=order, reason="Switched to oral")
    order.refresh_from_db()
    assert (order.stopped_by, order.stop_reason) == (doctor, "Switched to oral")
    entry = AuditEntry.objects.get(action="pharmacy.medication_order_stop")
    assert (entry.actor_id, entry.after["reason"]) == (doctor.pk, "Switched to oral")
    # The 12:00 dose, before the stop, may still be recorded; 18:00 is no longer due.
    services.dose_record(actor=nurse, order=order, outcome="given", due_at=NOON)
    with pytest.raises(PharmacyError, match="No dose of this order is due"):
        services.dose_record(
            actor=nurse, order=order, outcome="given", due_at=local(2026, 11, 30, 18)
        )
    with pytest.raises(PharmacyError, match="stopped"):
        services.medication_order_stop(actor=doctor, order=order, reason="again")


def test_a_dose_given_draws_its_units_from_the_ward_store_and_charges_the_stay(clock, nurse):
    admission, item, store = stocked_ward(5)
    order = ordered(admission, item, units_per_dose=2, start_at=NOON - timedelta(days=1))
    dose = services.dose_record(
        actor=nurse, order=order, outcome="given", due_at=local(2026, 11, 30, 6)
    )
    assert (dose.outcome, dose.recorded_by, dose.recorded_at, dose.store) == (
        "given",
        nurse,
        NOON,
        store,
    )
    assert ledger.on_hand(item=item, store=store) == 3
    movement = StockMovement.objects.get(administration=dose)
    assert (movement.kind, movement.quantity) == ("administer", -2)
    charge = Charge.objects.get(pk=dose.charge_id)
    assert (charge.admission_id, charge.amount) == (admission.pk, 20)
    assert charge.source == f"pharmacy.MedicationAdministration:{dose.pk}"
    # The next dose takes the next two; the one after finds one unit left and is refused.
    clock.move_to(local(2026, 11, 30, 14))
    services.dose_record(actor=nurse, order=order, outcome="given", due_at=local(2026, 11, 30, 14))
    clock.move_to(local(2026, 11, 30, 22))
    with pytest.raises(PharmacyError) as refusal:
        services.dose_record(
            actor=nurse, order=order, outcome="given", due_at=local(2026, 11, 30, 22)
        )
    assert "holds 1 tablet" in str(refusal.value)
    assert "Record the dose as not available" in str(refusal.value)
    assert ledger.on_hand(item=item, store=store) == 1
    assert Charge.objects.count() == 2
    held = services.dose_record(
        actor=nurse,
        order=order,
        outcome="not_available",
        due_at=local(2026, 11, 30, 22),
        reason="Out of stock on the ward",
    )
    assert (held.store, held.charge) == (None, None)
    assert ledger.on_hand(item=item, store=store) == 1


@pytest.mark.parametrize("outcome", ["held", "refused", "not_available"])
def test_a_dose_not_given_needs_a_reason_and_takes_nothing(clock, nurse, outcome):
    admission, item, store = stocked_ward(5)
    order = ordered(admission, item, start_at=NOON - timedelta(days=1))
    with pytest.raises(PharmacyError) as refusal:
        services.dose_record(
            actor=nurse, order=order, outcome=outcome, due_at=NOON - timedelta(hours=6)
        )
    assert refusal.value.field == "reason"
    dose = services.dose_record(
        actor=nurse,
        order=order,
        outcome=outcome,
        due_at=NOON - timedelta(hours=6),
        reason="Vomiting",
    )
    assert (dose.reason, dose.charge) == ("Vomiting", None)
    assert ledger.on_hand(item=item, store=store) == 5
    assert AuditEntry.objects.filter(action="pharmacy.dose_record").count() == 1


def test_a_dose_is_recorded_once(clock, nurse):
    admission, item, store = stocked_ward(10)
    order = ordered(admission, item, start_at=NOON - timedelta(days=1))
    due = local(2026, 11, 30, 6)
    services.dose_record(actor=nurse, order=order, outcome="given", due_at=due)
    other = UserFactory(role="nurse", first_name="Wanjiru")
    with pytest.raises(PharmacyError) as refusal:
        services.dose_record(actor=other, order=order, outcome="given", due_at=due)
    assert "already recorded as given" in str(refusal.value)
    assert MedicationAdministration.objects.count() == 1
    assert ledger.on_hand(item=item, store=store) == 8


def test_a_double_submission_records_once(clock, nurse):
    admission, item, store = stocked_ward(10)
    order = ordered(admission, item, start_at=NOON - timedelta(days=1))
    token = new_token()
    first = services.dose_record(
        actor=nurse, order=order, outcome="given", due_at=local(2026, 11, 30, 6), submission=token
    )
    with pytest.raises(AlreadySubmitted) as repeat:
        services.dose_record(
            actor=nurse,
            order=order,
            outcome="given",
            due_at=local(2026, 11, 30, 6),
            submission=token,
        )
    assert repeat.value.result == first
    assert ledger.on_hand(item=item, store=store) == 8


def test_a_dose_not_due_or_far_ahead_is_refused(clock, nurse):
    admission, item, _ = stocked_ward(10)
    order = ordered(admission, item, start_at=NOON - timedelta(days=1))
    with pytest.raises(PharmacyError, match="No dose of this order is due"):
        services.dose_record(
            actor=nurse, order=order, outcome="given", due_at=local(2026, 11, 30, 7)
        )
    with pytest.raises(PharmacyError, match="record it from 21:00"):
        services.dose_record(
            actor=nurse, order=order, outcome="given", due_at=local(2026, 11, 30, 22)
        )
    with pytest.raises(PharmacyError, match="Choose the scheduled dose"):
        services.dose_record(actor=nurse, order=order, outcome="given")
    clock.move_to(local(2026, 11, 30, 13, 30))  # half an hour early is fine
    services.dose_record(actor=nurse, order=order, outcome="given", due_at=local(2026, 11, 30, 14))


def test_a_prn_dose_stops_at_its_maximum_in_24_hours(clock, nurse):
    admission, item, store = stocked_ward(20)
    order = ordered(
        admission, item, frequency="prn", prn_max_per_24h=2, indication="pain", units_per_dose=1
    )
    services.dose_record(actor=nurse, order=order, outcome="given")
    clock.move_to(NOON + timedelta(hours=4))
    services.dose_record(actor=nurse, order=order, outcome="given")
    clock.move_to(NOON + timedelta(hours=8))
    with pytest.raises(PharmacyError, match="2 doses were given in the last 24 hours"):
        services.dose_record(actor=nurse, order=order, outcome="given")
    clock.move_to(NOON + timedelta(hours=24, minutes=1))
    services.dose_record(actor=nurse, order=order, outcome="given")
    assert ledger.on_hand(item=item, store=store) == 17


@pytest.mark.parametrize("role", ["pharmacist", "receptionist", "accountant", "patient"])
def test_only_nurses_and_doctors_record_doses(clock, role):
    admission, item, store = stocked_ward(10)
    order = ordered(admission, item, start_at=NOON - timedelta(days=1))
    with pytest.raises(PermissionDenied):
        services.dose_record(
            actor=UserFactory(role=role),
            order=order,
            outcome="given",
            due_at=local(2026, 11, 30, 6),
        )
    assert not MedicationAdministration.objects.exists()
    assert ledger.on_hand(item=item, store=store) == 10


def test_a_discharged_stay_records_nothing(clock, nurse):
    admission, item, _ = stocked_ward(10)
    order = ordered(admission, item, start_at=NOON - timedelta(days=1))
    type(admission).objects.filter(pk=admission.pk).update(discharged_at=timezone.now())
    with pytest.raises(PharmacyError, match="discharged"):
        services.dose_record(
            actor=nurse, order=order, outcome="given", due_at=local(2026, 11, 30, 6)
        )
