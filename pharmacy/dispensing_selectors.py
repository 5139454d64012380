"""Read-only queries of the dispensing counter: the queue, a patient's dispenses, the batches a
pharmacist may take, the sales, and the home panel's figures. Each list is a fixed number of
queries whatever its length (the ward and bed of an inpatient come as subqueries, the queue's
allergies as one query for the page, not one query per row). What the dispense screen and the
queue's first page read on every load is compiled once (hms.prepared)."""

from datetime import date

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Upper
from django.db.models.lookups import Exact
from django.utils import timezone

from clinical.models import Allergy, Prescription
from hms.prepared import Prepared
from pharmacy.models import (
    Dispense,
    FormularyItem,
    Sale,
    StockBalance,
    Store,
    StoreKind,
    admission_model,
)

QUEUE_PAGE = 25
# The most substitutes "Item to give" offers at once (a search narrows a longer list).
SUBSTITUTES_SHOWN = 30
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


# The queue's first page (and one row more: is there a second?), compiled once: the page the
# counter nearly always shows (hms.paging.page_of's first_rows). Its patients' allergies are
# read apart, by a query compiled once too: a prefetch's `IN` list of ids is compiled anew on
# every request (its length is in the SQL), so the ids go in as one value.
_QUEUE_FIRST = Prepared(lambda: queue().prefetch_related(None)[: QUEUE_PAGE + 1])


def _among_patients(ids: str) -> RawSQL:
    """The patients' ids written as one value ("id,id,..."), as a subquery of their ids."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(string_to_array(%s, ','))::uuid", [ids])
    # SQLite keeps a UUID as its 32 hex digits, which is how the ids are written.
    return RawSQL("SELECT value FROM json_each('[\"' || replace(%s, ',', '\",\"') || '\"]')", [ids])


_CURRENT_ALLERGIES_OF = Prepared(
    lambda ids: Allergy.objects.filter(
        removed_at__isnull=True, patient_id__in=_among_patients(ids)
    ),
    ids="0",
)


def queue_first_rows() -> list[Prescription]:
    """queue()'s first QUEUE_PAGE + 1 rows, with the same joins and subqueries, each patient with
    `current_allergies` as queue()'s prefetch gives them (in the order they were recorded)."""
    rows = _QUEUE_FIRST.all()
    if not rows:
        return rows
    ids = ",".join(dict.fromkeys(row.patient_id.hex for row in rows))
    allergies: dict = {}
    for allergy in _CURRENT_ALLERGIES_OF.all(ids=ids):
        allergies.setdefault(allergy.patient_id, []).append(allergy)
    for row in rows:
        row.patient.current_allergies = allergies.get(row.patient_id, [])
    return rows


def _prescription_for_dispensing(pk: int) -> QuerySet[Prescription]:
    admissions = _open_admissions()
    return (
        Prescription.objects.select_related("patient", "formulary_item__charge_item", "doctor")
        .annotate(
            ward_name=Subquery(admissions.values("bed__ward__name")[:1]),
            bed_number=Subquery(admissions.values("bed__number")[:1]),
            has_allergies=Exists(
                Allergy.objects.filter(patient=OuterRef("patient"), removed_at__isnull=True)
            ),
            # The stores that dispense, counted, and the first named: the screen reads them
            # only when there are several (pharmacy_store_rows).
            stores_count=Subquery(
                _pharmacy_stores().order_by().values("kind").annotate(n=Count("id")).values("n")
            ),
            first_store_id=Subquery(_pharmacy_stores().values("id")[:1]),
            first_store_name=Subquery(_pharmacy_stores().values("name")[:1]),
        )
        .filter(pk=pk)
        .order_by()
    )


# The dispense screen and its every answer open the prescription this way (hms.prepared).
_PRESCRIPTION_FOR_DISPENSING = Prepared(_prescription_for_dispensing, pk=-1)


def prescription_for_dispensing(pk: int) -> Prescription | None:
    """A prescription with its patient, item (and the item's charge) and doctor, and an
    inpatient's ward and bed (`ward_name`, `bed_number`; None for an outpatient): one query,
    compiled once. A patient with no allergy on record comes with `current_allergies` = [] (the
    allergy banner then reads none); one with some, without (the banner reads them)."""
    prescription = _PRESCRIPTION_FOR_DISPENSING.one(pk=pk)
    if prescription is not None and not prescription.has_allergies:
        prescription.patient.current_allergies = []
    return prescription


def usable_batches(store: Store, item: FormularyItem, on_day: date | None = None) -> QuerySet:
    """The batches of `item` a pharmacist may take in `store`: on hand and not expired, first to
    expire first (the order first-expiry-first-out takes them in)."""
    return _usable_batches(store.pk, item.pk, on_day or timezone.localdate())


def _usable_batches(store_id: int, item_id: int, on_day: date) -> QuerySet[StockBalance]:
    return (
        StockBalance.objects.filter(
            store_id=store_id, item_id=item_id, quantity__gt=0, expiry_date__gt=on_day
        )
        .select_related("batch")
        .order_by("expiry_date", "batch__batch_number", "batch_id")
    )


_USABLE_BATCHES = Prepared(_usable_batches, store_id=-1, item_id=-1, on_day=date(2000, 1, 1))


def usable_batch_rows(store: Store, item: FormularyItem) -> list[StockBalance]:
    """usable_batches() of today, read by a query compiled once (the dispense screen and its
    every answer list them)."""
    return _USABLE_BATCHES.all(store_id=store.pk, item_id=item.pk, on_day=timezone.localdate())


def _pharmacy_stores() -> QuerySet[Store]:
    return Store.objects.filter(kind=StoreKind.PHARMACY, active=True).order_by("name", "id")


_PHARMACY_STORES = Prepared(_pharmacy_stores)


_STORE_FIELDS = ["id", "name", "kind", "ward_id", "active"]  # Store's columns, in order


def pharmacy_store_rows(prescription: Prescription) -> list[Store]:
    """pharmacy_stores()'s rows for the dispense screen of `prescription` (as
    prescription_for_dispensing read it, with the stores counted and the first named): that one
    store when it is the only one (a store not of the ward kind has no ward: the rest of its row
    is known), else read."""
    if prescription.stores_count == 1:
        values = [prescription.first_store_id, prescription.first_store_name]
        values += [StoreKind.PHARMACY.value, None, True]
        return [Store.from_db(prescription._state.db, _STORE_FIELDS, values)]
    return pharmacy_stores()


def pharmacy_stores(*, read: bool = True) -> QuerySet[Store] | list[Store]:
    """The active stores that dispense (kind pharmacy), by name: the rows, read by a query
    compiled once, or (read=False) the queryset a posted choice is checked against."""
    return _PHARMACY_STORES.all() if read else _pharmacy_stores()


def items_in_stock(store: Store, *, query: str = "", on_day: date | None = None) -> QuerySet:
    """Active formulary items with unexpired units in `store` (by name; `query` narrows it to
    generic names or brands containing it)."""
    return _items_in_stock(store.pk, query=query, on_day=on_day or timezone.localdate())


def _items_in_stock(store_id: int, *, query: str, on_day: date) -> QuerySet[FormularyItem]:
    held = StockBalance.objects.filter(
        store_id=store_id, quantity__gt=0, expiry_date__gt=on_day
    ).values("item_id")
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
    on_day: date | None = None,
) -> QuerySet[FormularyItem]:
    """What the dispense screen's "Item to give" offers, with each item's charge, in one query:
    the item prescribed; the one `chosen` (when active); and the first `shown` items in stock in
    `store` that `query` finds in generic names or brands, or, without a query, the prescribed
    medicine in another brand or strength (the usual substitute). Each row has `more_matches`:
    True when more items in stock match than are shown (the search narrows them)."""
    return _items_to_give(
        store.pk if store is not None else None,
        prescribed.pk,
        prescribed.generic_name,
        chosen=chosen,
        query=query,
        shown=shown,
        on_day=on_day or timezone.localdate(),
    )


def _items_to_give(
    store_id: int | None,
    prescribed_id: int,
    generic_name: str,
    *,
    chosen: int | None,
    query: str,
    shown: int,
    on_day: date,
) -> QuerySet[FormularyItem]:
    offered = Q(pk=prescribed_id)
    more: Exists | Value = Value(False)
    if store_id is not None:
        matches = _items_in_stock(store_id, query=query, on_day=on_day)
        if not query:
            # The generic name's case ignored as `iexact` does on PostgreSQL (UPPER = UPPER),
            # without its LIKE on SQLite: the name goes in as it is, so the query compiles once.
            matches = matches.filter(Exact(Upper("generic_name"), Upper(Value(generic_name))))
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


def _prepared_items_to_give(*, chosen: bool) -> Prepared:
    def build(store_id: int, prescribed_id: int, generic_name: str, on_day: date, **picked):
        return _items_to_give(
            store_id,
            prescribed_id,
            generic_name,
            chosen=picked.get("chosen"),
            query="",
            shown=SUBSTITUTES_SHOWN,
            on_day=on_day,
        )

    stand_ins = {
        "store_id": -1,
        "prescribed_id": -2,
        "generic_name": "x",
        "on_day": date(2000, 1, 1),
    }
    return Prepared(build, **stand_ins, **({"chosen": -3} if chosen else {}))


# The dispense screen's usual "Item to give" (no search): as it opens, and with an item chosen.
_ITEMS_TO_GIVE = {chosen: _prepared_items_to_give(chosen=chosen) for chosen in (False, True)}


def item_rows_to_give(
    store: Store | None, prescribed: FormularyItem, *, chosen: int | None = None, query: str = ""
) -> list[FormularyItem]:
    """items_to_give()'s rows (SUBSTITUTES_SHOWN of them at most, besides the prescribed and the
    chosen): without a search, read by a query compiled once (a search's LIKE cannot be)."""
    if store is None or query:
        return list(
            items_to_give(store, prescribed, chosen=chosen, query=query, shown=SUBSTITUTES_SHOWN)
        )
    values = {
        "store_id": store.pk,
        "prescribed_id": prescribed.pk,
        "generic_name": prescribed.generic_name,
        "on_day": timezone.localdate(),
    }
    if chosen:
        return _ITEMS_TO_GIVE[True].all(**values, chosen=chosen)
    return _ITEMS_TO_GIVE[False].all(**values)


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
