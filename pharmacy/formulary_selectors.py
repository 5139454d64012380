"""Reads of the formulary: the list with each item's stock, and the prescriber's search with the
units the pharmacy can hand over today. Each is one query whatever the number of items or rows
of stock (a subquery over the balance table)."""

from datetime import date

from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, StrIndex, Upper
from django.utils import timezone

from hms import paging
from hms.prepared import Prepared
from pharmacy.models import FormularyItem, StockBalance, StoreKind


def _held(balances: QuerySet) -> Coalesce:
    """Units of the row's item in `balances`, summed by the database (0 when none)."""
    total = (
        balances.filter(item=OuterRef("pk"))
        .order_by()
        .values("item")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    return Coalesce(Subquery(total, output_field=IntegerField()), 0)


def _matching(rows: QuerySet, text: str) -> QuerySet:
    if text:
        rows = rows.filter(Q(generic_name__icontains=text) | Q(brand__icontains=text))
    return rows


def formulary_items(filters: dict) -> QuerySet[FormularyItem]:
    """The formulary as the list shows it, filtered (`q` in the generic name or brand,
    `category`, `form`, `active` "yes"/"no"), each item with its charge item and `on_hand`: the
    units held in every store, expired or not (what is on the shelves)."""
    rows = _matching(FormularyItem.objects.select_related("charge_item"), filters.get("q", ""))
    if filters.get("category"):
        rows = rows.filter(category=filters["category"])
    if filters.get("form"):
        rows = rows.filter(form=filters["form"])
    if filters.get("active"):
        rows = rows.filter(active=filters["active"] == "yes")
    return rows.annotate(on_hand=_held(StockBalance.objects.all())).order_by(
        "generic_name", "strength", "form", "brand", "id"
    )


# What a row of the formulary shows of an item (pharmacy_rows.formulary_rows).
FORMULARY_COLUMNS = (
    "pk",
    "generic_name",
    "brand",
    "category",
    "form",
    "strength",
    "dispensing_unit",
    "pack_size",
    "reorder_level",
    "active",
    "charge_item__code",
    "charge_item__price",
    "charge_item__tax_rate",
    "on_hand",
)
# The first page for the filters a list has (none, a category, a form, in use or not), each
# row with the number of all (COUNT(*) OVER ()): compiled once per kind of filter
# (hms.prepared), where Django built the subquery, the page and a count each time (~6,500
# calls of the list's ~19,000). A search by name (`q`: ILIKE) and later pages are Django's.
_FIRST_PAGES: dict[tuple, Prepared] = {}


def _first_page(shape: tuple, per_page: int) -> Prepared:
    key = (*shape, per_page)
    if (prepared := _FIRST_PAGES.get(key)) is None:
        has_category, has_form, active = shape
        stand_ins = {"category": "x"} if has_category else {}
        stand_ins |= {"form": "x"} if has_form else {}
        prepared = _FIRST_PAGES[key] = Prepared(
            lambda **chosen: (
                formulary_items({**chosen, "active": active})
                .annotate(rows_in_all=Window(Count("pk")))
                .values(*FORMULARY_COLUMNS, "rows_in_all")[: per_page + 1]
            ),
            **stand_ins,
        )
    return prepared


def formulary_rows(filters: dict, *, number: int, per_page: int) -> tuple:
    """The formulary's rows for page `number` as dicts of FORMULARY_COLUMNS, and the count of
    all when known (formulary_items' filters)."""
    if filters.get("q") or number != 1:
        return formulary_items(filters).values(*FORMULARY_COLUMNS), None
    chosen = {name: filters[name] for name in ("category", "form") if filters.get(name)}
    shape = ("category" in chosen, "form" in chosen, filters.get("active") or "")
    rows = _first_page(shape, per_page).values(**chosen)
    return rows, rows[0]["rows_in_all"] if rows else 0


PICK_SIZE = 10


def _to_prescribe(text: str, on_day: date) -> QuerySet[FormularyItem]:
    usable = StockBalance.objects.filter(
        store__kind=StoreKind.PHARMACY, store__active=True, expiry_date__gt=on_day
    )
    # Where the text is in the name (STRPOS: 1 at its start, 0 nowhere), case aside: the same
    # rows as `icontains`, with the text passed as it is, so the query compiles once.
    generic = StrIndex(Upper("generic_name"), Upper(Value(text)))
    brand = StrIndex(Upper("brand"), Upper(Value(text)))
    # Names that begin with the text first ("para" → paracetamol before sulfadoxine-para…).
    starts = Case(When(Q(at_generic=1) | Q(at_brand=1), then=0), default=1)
    return (
        FormularyItem.objects.filter(active=True)
        .alias(at_generic=generic, at_brand=brand)
        .filter(Q(at_generic__gt=0) | Q(at_brand__gt=0))
        .annotate(in_stock=_held(usable), begins=starts, rows_in_all=Window(Count("pk")))
        .order_by("begins", "generic_name", "strength", "form", "brand", "id")[:PICK_SIZE]
    )


# Asked on every key the prescriber types: compiled once (hms.prepared), where Django built the
# subquery, the page and a count each time (~6,000 calls of the search's ~12,000).
_TO_PRESCRIBE = Prepared(_to_prescribe, text="x", on_day=date(2000, 1, 1))


def items_to_prescribe(text: str, *, on_day: date | None = None) -> paging.FirstFew:
    """The first active items whose generic name or brand holds `text`, and how many there are,
    each with `in_stock`: the unexpired units the pharmacy's own store(s) hold on `on_day`
    (today). Nothing for an empty text."""
    text = text.strip()
    if not text:
        return paging.FirstFew([], 0)
    rows = _TO_PRESCRIBE.all(text=text, on_day=on_day or timezone.localdate())
    return paging.FirstFew(rows, rows[0].rows_in_all if rows else 0)
