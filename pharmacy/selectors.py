"""Read-only queries of the stock screens and reports. Each is aggregate in the database: a page
costs the same few queries whatever the number of items, batches and ledger rows."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import (
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

from hms import params
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
    today = timezone.localdate()
    # Only the balances that count are joined: most rows of a long-used ledger are empty
    # batches (1,818 of 13,967 at the large hospital), and summing them cost 6 of 6.6 ms.
    usable = FilteredRelation(
        "balances", condition=Q(balances__quantity__gt=0, balances__expiry_date__gt=today)
    )
    per_store = {
        f"at_{store.pk}": Coalesce(
            Sum("usable_balances__quantity", filter=Q(usable_balances__store_id=store.pk)), ZERO
        )
        for store in stores
    }
    items = active_items(q).alias(usable_balances=usable)
    items = items.annotate(usable=Coalesce(Sum("usable_balances__quantity"), ZERO))
    items = items.annotate(**per_store)
    if low_only:
        items = items.filter(usable__lt=F("reorder_level"))
    return items.order_by("generic_name", "strength", "form", "brand", "pk")


def active_items(q: str = "") -> QuerySet[FormularyItem]:
    """Active formulary items whose generic name or brand contains `q` (every one for "")."""
    items = FormularyItem.objects.filter(active=True)
    if q:
        items = items.filter(Q(generic_name__icontains=q) | Q(brand__icontains=q))
    return items


def store_figures(item: dict | FormularyItem, stores: list[Store]) -> list[int]:
    return [getattr(item, f"at_{store.pk}", 0) for store in stores]


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


def _item_history(item_id: int) -> QuerySet[StockMovement]:
    return (
        StockMovement.objects.filter(item_id=item_id)
        .select_related("store", "batch", "moved_by")
        .order_by("-moved_at", "-id")
    )


def item_history(item: FormularyItem) -> QuerySet[StockMovement]:
    return _item_history(item.pk)


def item_history_first_rows(item: FormularyItem) -> list[StockMovement]:
    """item_history()'s first ITEM_HISTORY_PAGE + 1 rows, by a query compiled once."""
    return _ITEM_HISTORY_FIRST.all(item_id=item.pk)


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


def alerts() -> dict:
    """The alerts panel: how many of each kind, and the first few of each (the items below their
    reorder level by name, the batches by expiry): one query, each kind's rows ranked and counted
    by window functions."""
    by_name = Case(When(kind=StockAlertKind.REORDER, then=F("item__generic_name")))
    rows = (
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
