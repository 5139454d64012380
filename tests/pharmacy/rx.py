"""What the dispensing tests share: a stocked pharmacy and prescriptions waiting in it."""

from datetime import timedelta

from django.utils import timezone

from clinical.models import Prescription
from tests.factories import (
    BatchFactory,
    EncounterFactory,
    FormularyItemFactory,
    StoreFactory,
    UserFactory,
    stock_put,
)


def pharmacy_store():
    return StoreFactory(name="Pharmacy", kind="pharmacy")


def stocked(item=None, *, units=(50,), days=(365,), store=None, actor=None):
    """`item` (a new tablet unless given) with one batch per `units`, expiring in `days`, put
    into the pharmacy store. Returns (item, [batches])."""
    item = item or FormularyItemFactory()
    store = store or pharmacy_store()
    actor = actor or UserFactory(role="pharmacist")
    batches = []
    for quantity, in_days in zip(units, days, strict=True):
        batch = BatchFactory(item=item, expiry_date=timezone.localdate() + timedelta(days=in_days))
        if quantity:
            stock_put(store, batch, quantity, actor)
        batches.append(batch)
    return item, batches


def prescribed(item, quantity: int = 10, *, patient=None, encounter=None, **fields):
    """A prescription of `quantity` units of `item`, as a doctor writes it from the formulary."""
    encounter = encounter or EncounterFactory(**({"patient": patient} if patient else {}))
    return Prescription.objects.create(
        encounter=encounter,
        patient_id=encounter.patient_id,
        doctor_id=encounter.doctor_id,
        drug=item.generic_name,
        strength=item.strength,
        dose="1 tablet",
        route=fields.pop("route", "oral"),
        frequency="twice a day",
        duration="5 days",
        formulary_item=item,
        quantity=quantity,
        **fields,
    )


# What the counter's screens may cost in queries, whatever the number of rows: checked with a
# few rows (test_dispensing_views.py) and with thousands (test_dispensing_query_counts.py).
QUEUE_QUERIES = 14
SUMMARY_QUERIES = 10
# The dispense screen's allergy banner reads the patient's coded allergies: one query.
DISPENSE_SCREEN_QUERIES = 19
