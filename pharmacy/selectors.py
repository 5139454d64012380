"""Read-only queries of the stock screens and reports. Each is aggregate in the database: a page
costs the same few queries whatever the number of items, batches and ledger rows."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.paginator import Page
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    FilteredRelation,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from hms import paging, params
from hms.prepared import Prepared
from pharmacy.models import (
    Dispense,
    FormularyItem,
    MovementKind,
    PurchaseReceipt,
    StockAlert,
    StockAlertKind,
    StockBalance,
    StockMovement,
    StockTake,
    Store,
    StoreKind,
    Transfer,
    TransferStatus,
)

ZERO = Value(0)
# The alerts panel lists the first few of each kind, and links to the rest.
ALERTS_SHOWN = 4
MONEY = DecimalField(max_digits=16, decimal_places=2)
# What leaves the shelves to patients and wards (consumption), and what comes back.
USED = [
    MovementKind.DISPENSE,
    MovementKind.SALE,
    MovementKind.WARD_USE,
    MovementKind.ADMINISTER,
    MovementKind.RETURN,
]


# Every stock page lists the active stores (hms.prepared: compiled once).
_ACTIVE_STORES = Prepared(lambda: Store.objects.filter(active=True).select_related("ward"))


def active_stores() -> list[Store]:
    return _ACTIVE_STORES.all()


def ward_stores() -> QuerySet[Store]:
    """Active ward stores, each with `waiting`: the transfers sent to it not yet received."""
    return (
        Store.objects.filter(kind=StoreKind.WARD, active=True)
        .select_related("ward")
        .annotate(waiting=Count("transfers_in", filter=Q(transfers_in__status="sent")))
    )


def stock_levels(*, stores: list[Store], q: str = "", low_only: bool = False) -> QuerySet:
    """Active items (matching `q`) with their unexpired units on hand per store (`at_<store id>`)
    and in all (`usable`), `low` when below the reorder level: one query for a page."""
    return _levels([store.pk for store in stores], timezone.localdate(), q, low_only)


def _levels(store_ids: list[int], today: date, q: str = "", low_only: bool = False) -> QuerySet:
    # Only the balances that count are joined: most rows of a long-used ledger are empty
    # batches (1,818 of 13,967 at the large hospital), and summing them cost 6 of 6.6 ms.
    usable = FilteredRelation(
        "balances", condition=Q(balances__quantity__gt=0, balances__expiry_date__gt=today)
    )
    per_store = {
        f"at_{store_id}": Coalesce(
            Sum("usable_balances__quantity", filter=Q(usable_balances__store_id=store_id)), ZERO
        )
        for store_id in store_ids
    }
    items = active_items(q).alias(usable_balances=usable)
    items = items.annotate(usable=Coalesce(Sum("usable_balances__quantity"), ZERO))
    items = items.annotate(**per_store)
    if low_only:
        items = items.filter(usable__lt=F("reorder_level"))
    return items.order_by("generic_name", "strength", "form", "brand", "pk")


# What a row of the stock levels shows of an item (pharmacy_rows.stock_level_rows).
LEVEL_COLUMNS = (
    "pk",
    "generic_name",
    "strength",
    "form",
    "brand",
    "dispensing_unit",
    "reorder_level",
    "usable",
)
# The first page of every item, each row with the number of all (COUNT(*) OVER ()): the page
# nearly always opened; compiled once per set of stores (hms.prepared), where Django built the
# sums per store, the page and a count each time (~11,000 calls of the page's ~24,000).
_FIRST_LEVELS: dict[tuple[int, ...], Prepared] = {}


def _first_levels(store_ids: tuple[int, ...], per_page: int) -> Prepared:
    key = (*store_ids, per_page)
    if (prepared := _FIRST_LEVELS.get(key)) is None:
        columns = (*LEVEL_COLUMNS, *(f"at_{store_id}" for store_id in store_ids))
        prepared = _FIRST_LEVELS[key] = Prepared(
            lambda today: (
                _levels(list(store_ids), today)
                .annotate(rows_in_all=Window(Count("pk")))
                .values(*columns, "rows_in_all")[: per_page + 1]
            ),
            today=date(2000, 1, 1),
        )
    return prepared


def stock_level_rows(
    *, stores: list[Store], q: str, low_only: bool, number: int, per_page: int
) -> tuple[list[dict] | QuerySet, int | None]:
    """The stock levels' rows for page `number` (dicts of LEVEL_COLUMNS, `figures`: the units in
    each of `stores`) and the count of all when known: the first page of every item by one
    query compiled once; a search, "low" or a later page as Django builds them (`figures` put
    on by `with_figures`)."""
    store_ids = tuple(store.pk for store in stores)
    if q or low_only or number != 1:
        columns = (*LEVEL_COLUMNS, *(f"at_{store_id}" for store_id in store_ids))
        rows = _levels(list(store_ids), timezone.localdate(), q, low_only).values(*columns)
        # Every item found is a row (counted without summing its stock), but for "low" only.
        return rows, None if low_only else active_items(q).count()
    rows = _first_levels(store_ids, per_page).values(today=timezone.localdate())
    return with_figures(rows, stores), rows[0]["rows_in_all"] if rows else 0


def with_figures(rows: Iterable[dict], stores: list[Store]) -> list[dict]:
    """`rows` (stock_level_rows'), each with `figures`: its units in each of `stores`."""
    keys = [f"at_{store.pk}" for store in stores]
    rows = list(rows)
    for row in rows:
        row["figures"] = [row[key] for key in keys]
    return rows


def active_items(q: str = "") -> QuerySet[FormularyItem]:
    """Active formulary items whose generic name or brand contains `q` (every one for "")."""
    items = FormularyItem.objects.filter(active=True)
    if q:
        items = items.filter(Q(generic_name__icontains=q) | Q(brand__icontains=q))
    return items


def _item_batches(item_id: int) -> QuerySet[StockBalance]:
    return (
        StockBalance.objects.filter(item_id=item_id, quantity__gt=0)
        .select_related("store", "batch")
        .order_by("store__kind", "store__name", "expiry_date", "batch_id")
    )


# An item's stock page reads these on every load (hms.prepared: compiled once).
_ITEM = Prepared(lambda pk: FormularyItem.objects.filter(pk=pk), pk=-1)
_ITEM_BATCHES = Prepared(_item_batches, item_id=-1)
# The ledger's first page, and one row more (is there a second?): hms.paging's first_rows.
ITEM_HISTORY_PAGE = 25
_ITEM_HISTORY_FIRST = Prepared(
    lambda item_id: _item_history(item_id)[: ITEM_HISTORY_PAGE + 1], item_id=-1
)
# The ledger's rows counted by the item's index alone: the count of the ledger's own query kept
# its joins to the store, batch and user (14 ms for an item with 14,000 movements, against 1 ms).
_ITEM_MOVEMENT_COUNT = Prepared(
    lambda item_id: (
        StockMovement.objects.filter(item_id=item_id)
        .order_by()
        .annotate(every=Value(True, output_field=BooleanField()))
        .values("every")
        .annotate(count=Count("*"))
    ),
    item_id=-1,
)


def formulary_item(pk: int) -> FormularyItem | None:
    """The formulary item `pk`, or None."""
    return _ITEM.one(pk=pk)


def item_batches(item: FormularyItem) -> list[StockBalance]:
    """Where each batch of `item` is and how much: expired ones marked (`expired`)."""
    today = timezone.localdate()
    rows = _ITEM_BATCHES.all(item_id=item.pk)
    for row in rows:
        row.expired = row.expiry_date <= today
    return rows


# What a row of an item's ledger shows (pharmacy_rows.item_ledger_rows): read as dicts, not
# as a movement with its store, batch and user made for each row (~1,000 calls a page).
LEDGER_COLUMNS = (
    "moved_at",
    "store__name",
    "kind",
    "batch__batch_number",
    "quantity",
    "moved_by__first_name",
    "moved_by__last_name",
    "moved_by__username",
    "reason",
)


def _item_history(item_id: int) -> QuerySet[dict]:
    return (
        StockMovement.objects.filter(item_id=item_id)
        .order_by("-moved_at", "-id")
        .values(*LEDGER_COLUMNS)
    )


def item_history(item: FormularyItem) -> QuerySet[dict]:
    """The movements of `item`, the latest first, as dicts of LEDGER_COLUMNS."""
    return _item_history(item.pk)


def item_history_first_rows(item: FormularyItem) -> list[dict]:
    """item_history()'s first ITEM_HISTORY_PAGE + 1 rows, by a query compiled once."""
    return _ITEM_HISTORY_FIRST.values(item_id=item.pk)


def item_history_page(item: FormularyItem, number: int) -> Page:
    """Page `number` of the item's ledger (ITEM_HISTORY_PAGE rows; past the last: the last). The
    first page is read by a prepared query and counts itself when it is not full; else the
    movements are counted by the item's index."""
    first = item_history_first_rows(item) if number == 1 else None
    if first is not None and len(first) <= ITEM_HISTORY_PAGE:
        count = len(first)
    else:
        count = _ITEM_MOVEMENT_COUNT.values(item_id=item.pk)[0]["count"]
    return paging.page_at(
        item_history(item),
        ITEM_HISTORY_PAGE,
        number,
        count=count,
        first_rows=None if first is None else (lambda: first),
    )


def receipts() -> QuerySet[PurchaseReceipt]:
    return (
        PurchaseReceipt.objects.select_related("supplier", "store", "received_by")
        .annotate(
            lines=Count("movements"),
            value=Coalesce(
                Sum(
                    ExpressionWrapper(
                        F("movements__quantity") * F("movements__batch__unit_cost"),
                        output_field=MONEY,
                    )
                ),
                Value(0, output_field=MONEY),
            ),
        )
        .order_by("-received_at", "-id")
    )


def receipt_movements(receipt: PurchaseReceipt) -> QuerySet[StockMovement]:
    return receipt.movements.select_related("batch", "item").order_by("id")


def transfers(*, store: Store | None = None) -> QuerySet[Transfer]:
    """Transfers, those waiting to be received first (into `store`, or from or to it)."""
    rows = Transfer.objects.select_related("from_store", "to_store", "sent_by", "received_by")
    if store is not None:
        rows = rows.filter(Q(to_store=store) | Q(from_store=store))
    # "sent" sorts after "received": the transfers waiting to be received come first.
    return rows.annotate(units=Coalesce(Sum("lines__quantity"), ZERO)).order_by(
        "-status", "-sent_at", "-id"
    )


def waiting_for(store: Store) -> QuerySet[Transfer]:
    return (
        Transfer.objects.filter(to_store=store, status=TransferStatus.SENT)
        .select_related("from_store", "sent_by")
        .annotate(units=Coalesce(Sum("lines__quantity"), ZERO))
        .order_by("sent_at", "id")
    )


def store_stock(store: Store) -> QuerySet[StockBalance]:
    """What a store holds now, by item and expiry (expired ones included, marked by the page)."""
    return (
        StockBalance.objects.filter(store=store, quantity__gt=0)
        .select_related("item", "batch")
        .order_by("item__generic_name", "item__strength", "expiry_date", "batch_id")
    )


def stock_takes() -> QuerySet[StockTake]:
    return (
        StockTake.objects.select_related("store", "started_by", "posted_by")
        .annotate(line_count=Count("lines"))
        .order_by("-started_at", "-id")
    )


def stock_take_lines(take: StockTake) -> list:
    """The lines of a count with the ledger's figure now (`held`) and the variance so far."""
    lines = list(take.lines.select_related("batch", "batch__item").order_by("id"))
    held = dict(
        StockBalance.objects.filter(
            store_id=take.store_id, batch_id__in=[line.batch_id for line in lines]
        ).values_list("batch_id", "quantity")
    )
    for line in lines:
        line.held = held.get(line.batch_id, 0)
        line.variance = None if line.counted is None else line.counted - line.held
    return lines


def _first_alerts() -> QuerySet[StockAlert]:
    by_name = Case(When(kind=StockAlertKind.REORDER, then=F("item__generic_name")))
    return (
        StockAlert.objects.select_related("item", "store", "batch")
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=F("kind"),
                order_by=[by_name.asc(), F("expiry_date").asc(), F("item_id").asc(), F("id").asc()],
            ),
            of_kind=Window(Count("id"), partition_by=F("kind")),
        )
        .filter(rank__lte=ALERTS_SHOWN)
        .order_by("kind", "rank")
    )


# The panel the stock pages and the pharmacist's home load, and reload on every change:
# compiled once (hms.prepared), where Django built the windows each time (~10,000 calls).
_FIRST_ALERTS = Prepared(_first_alerts)


def alerts() -> dict:
    """The alerts panel: how many of each kind, and the first few of each (the items below their
    reorder level by name, the batches by expiry): one query, each kind's rows ranked and counted
    by window functions."""
    rows = _FIRST_ALERTS.all()
    found: dict[str, list[StockAlert]] = {}
    for row in rows:
        found.setdefault(row.kind, []).append(row)
    return {
        "reorder": found.get(StockAlertKind.REORDER, []),
        "expiring": found.get(StockAlertKind.EXPIRING, []),
        "expired": found.get(StockAlertKind.EXPIRED, []),
        "counts": {kind: shown[0].of_kind for kind, shown in found.items()},
        "warning_days": settings.HMS_PHARMACY_EXPIRY_WARNING_DAYS,
    }


# --- reports ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A report's days, first and last included (the hospital's calendar)."""

    first: date
    last: date

    @property
    def starts_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.first, time.min), params.hospital_zone())

    @property
    def ends_before(self) -> datetime:
        next_day = self.last + timedelta(days=1)
        return timezone.make_aware(datetime.combine(next_day, time.min), params.hospital_zone())


def period_of(first: date | None, last: date | None) -> Period:
    """The period from `first` to `last` (a params.TypedPeriod's days, None where a box was
    blank or refused): a missing end is today, a missing start the 30 days up to the end; the
    two dates put in order."""
    end = last or timezone.localdate()
    start = first or end - timedelta(days=29)
    return Period(*sorted((start, end)))


def _stock_value(today: date) -> QuerySet:
    value = ExpressionWrapper(F("quantity") * F("batch__unit_cost"), output_field=MONEY)
    zero = Value(0, output_field=MONEY)
    return (
        StockBalance.objects.filter(quantity__gt=0)
        .values("store_id", "store__name")
        .annotate(
            units=Sum("quantity"),
            value=Coalesce(Sum(value), zero),
            expired_units=Coalesce(Sum("quantity", filter=Q(expiry_date__lte=today)), ZERO),
            expired_value=Coalesce(Sum(value, filter=Q(expiry_date__lte=today)), zero),
        )
        .order_by("store__name")
    )


# The stock value report's one query, compiled once (hms.prepared), the day its only value.
_STOCK_VALUE = Prepared(_stock_value, today=date(2000, 1, 1))


def stock_value() -> list[dict]:
    """Per store: units on hand and their value (units × the batch's unit cost), expired stock
    counted apart (it is on a shelf but worth nothing to sell)."""
    return _STOCK_VALUE.values(today=timezone.localdate())


def consumption(period: Period) -> QuerySet:
    """Per item over `period`: units dispensed, sold, used on wards, given on wards as MAR doses,
    returned, and consumed (dispensed + sold + ward use + given − returns), from the ledger; most
    consumed first."""
    rows = StockMovement.objects.filter(
        kind__in=USED, moved_at__gte=period.starts_at, moved_at__lt=period.ends_before
    )

    def of(kind: str) -> Coalesce:
        return Coalesce(Sum("quantity", filter=Q(kind=kind)), ZERO)

    return (
        rows.values(
            "item_id",
            "item__generic_name",
            "item__strength",
            "item__form",
            "item__brand",
            "item__dispensing_unit",
        )
        .annotate(
            dispensed=-of(MovementKind.DISPENSE),
            sold=-of(MovementKind.SALE),
            ward_use=-of(MovementKind.WARD_USE),
            administered=-of(MovementKind.ADMINISTER),
            returned=of(MovementKind.RETURN),
            consumed=-Sum("quantity"),
        )
        .order_by("-consumed", "item__generic_name", "item_id")
    )


def expiry(*, within_days: int | None = None) -> QuerySet[StockBalance]:
    """Batches on a shelf expired or expiring within `within_days` (default the setting)."""
    days = settings.HMS_PHARMACY_EXPIRY_WARNING_DAYS if within_days is None else within_days
    until = timezone.localdate() + timedelta(days=days)
    value = ExpressionWrapper(F("quantity") * F("batch__unit_cost"), output_field=MONEY)
    return (
        StockBalance.objects.filter(quantity__gt=0, expiry_date__lte=until)
        .select_related("store", "batch", "item")
        .annotate(value=value)
        .order_by("expiry_date", "store__name", "batch_id")
    )


def dispensing_by_doctor(period: Period) -> QuerySet:
    """Per prescribing doctor over `period`: dispenses, units given, units returned and the
    value charged net of returns (units × the dispense's unit price)."""
    net = ExpressionWrapper(
        (F("quantity") - F("returned_quantity")) * F("unit_price"), output_field=MONEY
    )
    return (
        Dispense.objects.filter(
            prescription__isnull=False,
            dispensed_at__gte=period.starts_at,
            dispensed_at__lt=period.ends_before,
        )
        .values(
            "prescription__doctor_id",
            "prescription__doctor__first_name",
            "prescription__doctor__last_name",
        )
        .annotate(
            dispenses=Count("id"),
            units=Sum("quantity"),
            returned=Sum("returned_quantity"),
            value=Coalesce(Sum(net), Value(0, output_field=MONEY)),
        )
        .order_by("-value", "prescription__doctor__last_name")
    )
