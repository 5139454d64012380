"""Read-only queries of the dispensing counter: the queue, a patient's dispenses, the batches a
pharmacist may take, the sales, and the home panel's figures. Each list is a fixed number of
queries whatever its length (the ward and bed of an inpatient come as subqueries, the queue's
allergies as one prefetch, not one query per row)."""

from datetime import date

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.utils import timezone

from clinical.models import Allergy, Prescription
from hms.prepared import Prepared
from pharmacy.models import Dispense, FormularyItem, Sale, StockBalance, Store, admission_model

QUEUE_PAGE = 25
HISTORY_PAGE = 25
SALES_PAGE = 25


def _open_admissions() -> QuerySet:
    return (
        admission_model()
        .objects.filter(patient=OuterRef("patient"), discharged_at__isnull=True)
        .order_by("-admitted_at")
    )


def waiting() -> QuerySet[Prescription]:
    """Prescriptions the pharmacy still has to hand over, oldest first: from the formulary, not
    "outside", with a quantity of which less has been given."""
    return Prescription.objects.filter(
        formulary_item__isnull=False,
        outside=False,
        quantity__isnull=False,
        dispensed_quantity__lt=F("quantity"),
    )


def queue() -> QuerySet[Prescription]:
    """The dispensing queue: waiting() with the patient, item and doctor, the patient's current
    allergies (`patient.current_allergies`, one query for the page: the allergy line) and an
    inpatient's ward and bed (None for an outpatient)."""
    admissions = _open_admissions()
    return (
        waiting()
        .select_related("patient", "formulary_item", "doctor")
        .prefetch_related(
            Prefetch(
                "patient__allergy_records",
                queryset=Allergy.objects.filter(removed_at__isnull=True),
                to_attr="current_allergies",
            )
        )
        .annotate(
            ward_name=Subquery(admissions.values("bed__ward__name")[:1]),
            bed_number=Subquery(admissions.values("bed__number")[:1]),
        )
        .order_by("created_at", "id")
    )


def _prescription_for_dispensing(pk: int) -> QuerySet[Prescription]:
    admissions = _open_admissions()
    return (
        Prescription.objects.select_related("patient", "formulary_item__charge_item", "doctor")
        .annotate(
            ward_name=Subquery(admissions.values("bed__ward__name")[:1]),
            bed_number=Subquery(admissions.values("bed__number")[:1]),
        )
        .filter(pk=pk)
        .order_by()
    )


# The dispense screen and its every answer open the prescription this way (hms.prepared).
_PRESCRIPTION_FOR_DISPENSING = Prepared(_prescription_for_dispensing, pk=-1)


def prescription_for_dispensing(pk: int) -> Prescription | None:
    """A prescription with its patient, item (and the item's charge) and doctor, and an
    inpatient's ward and bed (`ward_name`, `bed_number`; None for an outpatient): one query,
    compiled once."""
    return _PRESCRIPTION_FOR_DISPENSING.one(pk=pk)


def usable_batches(store: Store, item: FormularyItem, on_day: date | None = None) -> QuerySet:
    """The batches of `item` a pharmacist may take in `store`: on hand and not expired, first to
    expire first (the order first-expiry-first-out takes them in)."""
    on_day = on_day or timezone.localdate()
    return (
        StockBalance.objects.filter(store=store, item=item, quantity__gt=0, expiry_date__gt=on_day)
        .select_related("batch")
        .order_by("expiry_date", "batch__batch_number", "batch_id")
    )


def items_in_stock(store: Store, *, query: str = "", on_day: date | None = None) -> QuerySet:
    """Active formulary items with unexpired units in `store` (by name; `query` narrows it to
    generic names or brands containing it)."""
    on_day = on_day or timezone.localdate()
    held = StockBalance.objects.filter(store=store, quantity__gt=0, expiry_date__gt=on_day).values(
        "item_id"
    )
    items = FormularyItem.objects.filter(active=True, pk__in=held).select_related("charge_item")
    if query:
        items = items.filter(Q(generic_name__icontains=query) | Q(brand__icontains=query))
    return items


def items_to_give(
    store: Store | None,
    prescribed: FormularyItem,
    *,
    chosen: int | None = None,
    query: str = "",
    shown: int,
) -> QuerySet[FormularyItem]:
    """What the dispense screen's "Item to give" offers, with each item's charge, in one query:
    the item prescribed; the one `chosen` (when active); and the first `shown` items in stock in
    `store` that `query` finds in generic names or brands, or, without a query, the prescribed
    medicine in another brand or strength (the usual substitute). Each row has `more_matches`:
    True when more items in stock match than are shown (the search narrows them)."""
    offered = Q(pk=prescribed.pk)
    more: Exists | Value = Value(False)
    if store is not None:
        matches = items_in_stock(store, query=query)
        if not query:
            matches = matches.filter(generic_name__iexact=prescribed.generic_name)
        first = matches.order_by("generic_name", "strength", "brand", "id").values("pk")
        offered |= Q(pk__in=first[:shown])
        if chosen:
            offered |= Q(pk=chosen, active=True)
        more = Exists(matches.order_by()[shown:])
    return (
        FormularyItem.objects.select_related("charge_item")
        .filter(offered)
        .annotate(more_matches=more)
    )


def dispenses_of(patient_id: object) -> QuerySet[Dispense]:
    """A patient's dispenses, the latest first."""
    return (
        Dispense.objects.filter(patient_id=patient_id)
        .select_related("item", "dispensed_by", "prescription")
        .order_by("-dispensed_at", "-id")
    )


def dispense_detail(pk: int) -> Dispense | None:
    return (
        Dispense.objects.select_related(
            "patient", "item", "store", "prescription", "dispensed_by", "charge", "admission"
        )
        .filter(pk=pk)
        .first()
    )


def sales() -> QuerySet[Sale]:
    return Sale.objects.select_related("sold_by").order_by("-sold_at", "-id")
