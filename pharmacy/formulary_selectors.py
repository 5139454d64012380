"""Reads of the formulary: the list with each item's stock, and the prescriber's search with the
units the pharmacy can hand over today. Each is one query whatever the number of items or rows
of stock (a subquery over the balance table)."""

from datetime import date

from django.db.models import Case, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from hms import paging
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


PICK_SIZE = 10


def items_to_prescribe(text: str, *, on_day: date | None = None) -> paging.FirstFew:
    """The first active items whose generic name or brand holds `text`, and how many there are,
    each with `in_stock`: the unexpired units the pharmacy's own store(s) hold on `on_day`
    (today). Nothing for an empty text."""
    text = text.strip()
    if not text:
        return paging.FirstFew([], 0)
    on_day = on_day or timezone.localdate()
    usable = StockBalance.objects.filter(
        store__kind=StoreKind.PHARMACY, store__active=True, expiry_date__gt=on_day
    )
    # Names that begin with the text first ("para" → paracetamol before sulfadoxine-para…).
    starts = Case(
        When(Q(generic_name__istartswith=text) | Q(brand__istartswith=text), then=0), default=1
    )
    rows = (
        _matching(FormularyItem.objects.filter(active=True), text)
        .annotate(in_stock=_held(usable), begins=starts)
        .order_by("begins", "generic_name", "strength", "form", "brand", "id")
    )
    return paging.first_of(rows, PICK_SIZE)
