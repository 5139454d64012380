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
# few rows (test_dispensing_views.py) and with thousands (test_dispensing_query_counts.py). A test
# client's first request after signing in also saves its session (three statements): the bounds
# allow it, as the first request of a test may be any of these screens.
SESSION_SAVED = 3
# Session, user, second-factor device, the navigation's badges; the page (a count past one page)
# and its allergies.
QUEUE_QUERIES = 7 + SESSION_SAVED
SUMMARY_QUERIES = 6 + SESSION_SAVED
# The prescription (with its ward and bed), the pharmacy stores, the items it may be given (one
# query), the batches on the shelf, and the allergy banner's coded allergies.
DISPENSE_SCREEN_QUERIES = 9 + SESSION_SAVED
