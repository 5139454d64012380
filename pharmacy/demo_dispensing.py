"""Demo records of the pharmacy: prescriptions waiting at the counter (one for an inpatient),
one partly dispensed, one dispensed, and an over-the-counter sale.

Runs late, after clinical's and wards' demo and after the formulary and stock demo; it reads the
items and the pharmacy store from the database and makes only what is missing (an item, the
pharmacy store, a batch on its shelf), so it works whichever of them has landed. Idempotent: once
a prescription from the formulary exists, it does nothing.
"""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from billing.models import ChargeItem
from clinical.models import Encounter, Patient, Prescription
from clinical.services import prescription_add, prescription_findings
from pharmacy import ledger, services
from pharmacy.models import (
    Batch,
    FormularyItem,
    MovementKind,
    Store,
    StoreKind,
    admission_model,
)

# generic name, strength, form, dispensing unit, charge code, price a unit
ITEMS = [
    ("Paracetamol", "500 mg", "tablet", "tablet", "PH-PARA-500", "5.00"),
    ("Amoxicillin", "500 mg", "capsule", "capsule", "PH-AMOX-500", "12.00"),
    ("Artemether-lumefantrine", "20/120 mg", "tablet", "tablet", "PH-AL-20120", "15.00"),
    ("Metformin", "500 mg", "tablet", "tablet", "PH-METF-500", "4.00"),
    ("Oral rehydration salts", "20.5 g/l", "sachet", "sachet", "PH-ORS", "20.00"),
]

# patient (first, last), item, dose, frequency, duration, quantity, dispensed now
PLAN = [
    (("Achieng", "Odhiambo"), "Amoxicillin", "1 capsule", "three times a day", "5 days", 15, 0),
    (("Brian", "Otieno"), "Artemether-lumefantrine", "4 tablets", "twice a day", "3 days", 24, 0),
    (("Grace", "Wambui"), "Metformin", "1 tablet", "twice a day", "30 days", 60, 30),
    (("Hassan", "Abdi"), "Paracetamol", "2 tablets", "three times a day", "3 days", 18, 18),
]


def _item(generic: str) -> FormularyItem:
    name, strength, form, unit, code, price = next(row for row in ITEMS if row[0] == generic)
    found = (
        FormularyItem.objects.filter(
            generic_name__iexact=generic, strength=strength, form=form, active=True
        )
        .order_by("pk")
        .first()
    )
    if found is not None:
        return found
    charge_item, _ = ChargeItem.objects.get_or_create(
        code=code,
        defaults={
            "name": f"{name} {strength}",
            "category": "pharmacy",
            "charge_type": "fixed",
            "price": Decimal(price),
        },
    )
    return FormularyItem.objects.create(
        generic_name=name,
        strength=strength,
        form=form,
        dispensing_unit=unit,
        pack_size=100,
        category="drug",
        reorder_level=100,
        charge_item=charge_item,
    )


def _store() -> Store:
    store = Store.objects.filter(kind=StoreKind.PHARMACY, active=True).order_by("name").first()
    return store or Store.objects.create(name="Pharmacy", kind=StoreKind.PHARMACY)


def _stocked(store: Store, item: FormularyItem, actor: User, wanted: int) -> None:
    if ledger.on_hand(item=item, store=store, usable_on=timezone.localdate()) >= wanted:
        return
    batch, _ = Batch.objects.get_or_create(
        item=item,
        batch_number=f"DEMO-{item.pk:04d}",
        defaults={
            "expiry_date": timezone.localdate() + timedelta(days=400),
            "unit_cost": Decimal("2.00"),
        },
    )
    with transaction.atomic():
        ledger.move(
            store=store,
            batch=batch,
            kind=MovementKind.ADJUSTMENT,
            quantity=wanted * 5,
            actor=actor,
            reason="Opening stock (demo)",
        )


def _prescribe(doctor: User, patient: Patient, item: FormularyItem, row) -> Prescription:
    encounter = Encounter.objects.create(
        patient=patient,
        doctor=doctor,
        started_at=timezone.now() - timedelta(minutes=20),
        complaints="Demo consultation",
    )
    _patient, _name, dose, frequency, duration, quantity, _given = row
    # The demo doctor has read the checks' warnings (the inpatient's second paracetamol is a
    # duplicate therapy the pharmacist then sees on the queue).
    findings = prescription_findings(
        patient=patient,
        encounter=encounter,
        drug=item.generic_name,
        strength=item.strength,
        dose=dose,
        frequency=frequency,
    )
    rx = prescription_add(
        warnings_confirmed=[f.code for f in findings if not f.blocks],
        actor=doctor,
        encounter=encounter,
        drug=item.generic_name,
        strength=item.strength,
        dose=dose,
        route="oral",
        frequency=frequency,
        duration=duration,
    )
    rx.formulary_item, rx.quantity = item, quantity
    rx.save(update_fields=["formulary_item", "quantity"])
    return rx


def seed_late(log) -> None:
    """Prescriptions from the formulary for demo patients (one inpatient's) in the queue, one
    partly dispensed, one dispensed, and one over-the-counter sale."""
    doctor = User.objects.filter(username="doctor").first()
    pharmacist = User.objects.filter(username="pharmacist").first()
    if doctor is None or pharmacist is None:
        return
    if Prescription.objects.filter(formulary_item__isnull=False).exists():
        return
    store = _store()
    plan = list(PLAN)
    admission = (
        admission_model()
        .objects.filter(discharged_at__isnull=True)
        .select_related("patient")
        .order_by("admitted_at", "pk")
        .first()
    )
    inpatient = admission.patient if admission is not None else None
    if inpatient is not None:
        plan.append(
            (
                (inpatient.first_name, inpatient.last_name),
                "Paracetamol",
                "1 g",
                "every 8 hours",
                "2 days",
                12,
                0,
            )
        )
    made = 0
    for row in plan:
        (first, last), generic, *_rest, quantity, given = row
        patient = Patient.objects.filter(first_name=first, last_name=last).first()
        if patient is None:
            continue
        item = _item(generic)
        _stocked(store, item, pharmacist, quantity)
        rx = _prescribe(doctor, patient, item, row)
        if given:
            services.dispense(actor=pharmacist, prescription=rx, quantity=given)
        made += 1
    ors, paracetamol = _item("Oral rehydration salts"), _item("Paracetamol")
    for item in (ors, paracetamol):
        _stocked(store, item, pharmacist, 20)
    sale = services.sale_record(
        actor=pharmacist,
        customer_name="Walk-in customer",
        customer_phone="",
        lines=[(ors, 2), (paracetamol, 10)],
        payment_mode="cash",
    )
    log(f"Pharmacy: {made} prescriptions from the formulary (queue and dispensed), sale {sale}.")
