"""Stores and stock: stores and suppliers, purchase receipts (goods received notes), transfers
between stores, a ward's use of its stock, adjustments, expired write-offs, stock takes and the
reorder and expiry alerts.

Quantities are whole dispensing units; money is Decimal with 2 places (unit costs per dispensing
unit). Every action checks its own capability (pharmacy.stock_move: scope ALL, or a nurse's
WARD_STOCK for a ward store's transfers in and use), is one transaction with its audit row,
moves stock only through pharmacy.ledger.move and tells the stock pages on commit
(pharmacy.live.stock_changed). A refusal raises PharmacyError (or LineError for one line of a
document) with the sentence the person reads and the field it is about.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from hms import audit, rbac, submissions
from hms.locking import locked
from hms.money import money
from hms.numbering import yearly_number
from hms.phones import phone_e164
from pharmacy import ledger, live
from pharmacy.models import (
    Batch,
    FormularyItem,
    MovementKind,
    PurchaseReceipt,
    StockAlert,
    StockAlertKind,
    StockBalance,
    StockMovement,
    StockTake,
    StockTakeLine,
    StockTakeStatus,
    Store,
    StoreKind,
    Supplier,
    Transfer,
    TransferLine,
    TransferStatus,
)
from pharmacy.services.common import REASON_LIMIT, PharmacyError, reason_text, require

STOCK = "pharmacy.stock_move"


class LineError(PharmacyError):
    """A refusal about one line of a receipt, a transfer or a stock take: `line` is its index
    (from 0) among the lines given, `field` the line's field."""

    def __init__(self, message: str = "", *, line: int, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.line = line


def _whole_stores(actor: User) -> None:
    """The stores as a whole (receiving, sending, counting): a pharmacist or an administrator."""
    require(actor, STOCK, scopes=(rbac.ALL,))


def _ward_store_work(actor: User, store: Store) -> None:
    """A ward store's transfers in and use: the stores as a whole, or a nurse (any ward store:
    a user has no ward, docs/DECISIONS.md) for a store of kind ward."""
    if rbac.allows(actor, STOCK, scopes=(rbac.ALL,)):
        return
    if rbac.allows(actor, STOCK, scopes=(rbac.WARD_STOCK,)) and store.kind == StoreKind.WARD:
        return
    raise PermissionDenied


def _stock_refusal(error: ledger.StockError, *, line: int | None = None) -> PharmacyError:
    if line is None:
        return PharmacyError(str(error), field="quantity")
    return LineError(str(error), line=line, field="quantity")


def _touched(item_ids: Iterable[int], store_ids: Iterable[int]) -> None:
    """After a movement: the alerts of the items moved, and the stock pages, on commit."""
    _alerts_rebuild(item_ids=set(item_ids))
    live.stock_changed(store_ids=sorted(set(store_ids)))


# --- stores and suppliers ---------------------------------------------------------------------


STORE_FIELDS = ["name", "kind", "ward", "active"]


@transaction.atomic
@submissions.once("pharmacy.store_save")
def store_save(
    *,
    actor: User,
    name: str,
    kind: str,
    ward: object | None = None,
    active: bool = True,
    store: Store | None = None,
    request: HttpRequest | None = None,
) -> Store:
    """Open a store (`store` None) or change one. `kind` a StoreKind; a ward store names its
    wards.Ward (`ward`), the others none. Raises PharmacyError (with the field) for a blank or
    taken name, a ward store without a ward (or a ward that already has a store), a ward given
    to another kind; PermissionDenied unless the actor holds the stores as a whole."""
    _whole_stores(actor)
    name = " ".join((name or "").split())
    if not name:
        raise PharmacyError("Give the store a name.", field="name")
    if kind not in StoreKind.values:
        raise PharmacyError("Choose what kind of store it is.", field="kind")
    if kind == StoreKind.WARD and ward is None:
        raise PharmacyError("A ward store belongs to a ward: choose it.", field="ward")
    if kind != StoreKind.WARD:
        ward = None
    if store is not None:
        store = locked(Store.objects).get(pk=store.pk)
    taken = Store.objects.filter(name__iexact=name).exclude(pk=getattr(store, "pk", None))
    if taken.exists():
        raise PharmacyError(f"There is already a store called {name}.", field="name")
    if (
        ward is not None
        and Store.objects.filter(ward=ward).exclude(pk=getattr(store, "pk", None)).exists()
    ):
        raise PharmacyError(f"{ward} already has its store.", field="ward")
    before = audit.snapshot(store, STORE_FIELDS) if store is not None else None
    store = store or Store()
    store.name, store.kind, store.ward, store.active = name, kind, ward, bool(active)
    try:
        with transaction.atomic():
            store.save()
    except IntegrityError:
        raise PharmacyError(
            f"{name} was saved by someone else a moment ago.", field="name"
        ) from None
    audit.record(
        actor=actor,
        action="pharmacy.store_save",
        obj=store,
        before=before,
        after=audit.snapshot(store, STORE_FIELDS),
        request=request,
    )
    live.stock_changed(store_ids=[store.pk])
    return store


SUPPLIER_FIELDS = ["name", "phone", "active"]


@transaction.atomic
@submissions.once("pharmacy.supplier_save")
def supplier_save(
    *,
    actor: User,
    name: str,
    phone: str = "",
    active: bool = True,
    supplier: Supplier | None = None,
    request: HttpRequest | None = None,
) -> Supplier:
    """Add a supplier (`supplier` None) or change one. Raises PharmacyError for a blank or taken
    name; PermissionDenied unless the actor holds the stores as a whole."""
    _whole_stores(actor)
    name = " ".join((name or "").split())
    if not name:
        raise PharmacyError("Give the supplier's name.", field="name")
    if supplier is not None:
        supplier = locked(Supplier.objects).get(pk=supplier.pk)
    if (
        Supplier.objects.filter(name__iexact=name)
        .exclude(pk=getattr(supplier, "pk", None))
        .exists()
    ):
        raise PharmacyError(f"{name} is already a supplier.", field="name")
    before = audit.snapshot(supplier, SUPPLIER_FIELDS) if supplier is not None else None
    supplier = supplier or Supplier()
    phone = (phone or "").strip()
    if phone:  # stored as every phone is (E.164), shown the local way
        phone = phone_e164(phone, field="phone")
    supplier.name, supplier.phone, supplier.active = name, phone, bool(active)
    try:
        with transaction.atomic():
            supplier.save()
    except IntegrityError:
        raise PharmacyError(f"{name} was added a moment ago.", field="name") from None
    audit.record(
        actor=actor,
        action="pharmacy.supplier_save",
        obj=supplier,
        before=before,
        after=audit.snapshot(supplier, SUPPLIER_FIELDS),
        request=request,
    )
    return supplier


# --- purchase receipts ------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceiptLine:
    """One line of a supplier's delivery: `quantity` dispensing units of `item` from batch
    `batch_number` expiring on `expiry_date`, each costing `unit_cost` (KES, 2 places)."""

    item: FormularyItem
    batch_number: str
    expiry_date: date
    quantity: int
    unit_cost: Decimal


def _receipt_batch(line: ReceiptLine, index: int, today: date) -> Batch:
    number = " ".join((line.batch_number or "").split()).upper()
    if not number:
        raise LineError("Give the batch number.", line=index, field="batch_number")
    if line.expiry_date <= today:
        raise LineError(
            "This batch has expired: expired stock is not received.",
            line=index,
            field="expiry_date",
        )
    if int(line.quantity) < 1:
        raise LineError("Receive at least one unit.", line=index, field="quantity")
    if line.unit_cost < 0:
        raise LineError("A unit cost cannot be negative.", line=index, field="unit_cost")
    batch = Batch.objects.filter(item=line.item, batch_number=number).first()
    if batch is None:
        return Batch.objects.create(
            item=line.item,
            batch_number=number,
            expiry_date=line.expiry_date,
            unit_cost=money(line.unit_cost),
        )
    if batch.expiry_date != line.expiry_date:
        raise LineError(
            f"Batch {number} of {line.item.name} expires on {batch.expiry_date:%-d %b %Y}: "
            "check the expiry date printed on the pack.",
            line=index,
            field="expiry_date",
        )
    return batch


@transaction.atomic
@submissions.once("pharmacy.receipt_record")
def receipt_record(
    *,
    actor: User,
    supplier: Supplier,
    invoice_number: str,
    store: Store,
    lines: Sequence[ReceiptLine],
    note: str = "",
    request: HttpRequest | None = None,
) -> PurchaseReceipt:
    """Receive a supplier's delivery into `store` against their invoice: a goods received note
    numbered GRN-<year>-<n>, a RECEIPT movement per line. A batch number new for its item makes
    a Batch (its unit cost is the first delivery's); one already known must carry its expiry.

    Raises PharmacyError (field invoice_number) when that supplier's invoice was received
    before, (field lines) for no line; LineError for a line with an expiry today or earlier, an
    expiry other than its known batch's, no batch number, a quantity below 1; PermissionDenied
    unless the actor holds the stores as a whole; AlreadySubmitted for the same form twice."""
    _whole_stores(actor)
    invoice_number = (invoice_number or "").strip()
    if not invoice_number:
        raise PharmacyError("Give the supplier's invoice number.", field="invoice_number")
    if not lines:
        raise PharmacyError("Add at least one line: what was delivered.", field="lines")
    if not store.active or not supplier.active:
        raise PharmacyError("This store or supplier is closed.", field="store")
    receipts = PurchaseReceipt.objects.filter(supplier=supplier)
    if receipts.filter(invoice_number__iexact=invoice_number).exists():
        raise PharmacyError(
            f"Invoice {invoice_number} of {supplier} was received already.",
            field="invoice_number",
        )
    today = timezone.localdate()
    receipt = PurchaseReceipt.objects.create(
        number=yearly_number("GRN"),
        supplier=supplier,
        invoice_number=invoice_number,
        store=store,
        received_by=actor,
        received_at=timezone.now(),
        note=(note or "").strip()[:200],
    )
    shown = []
    for index, line in enumerate(lines):
        batch = _receipt_batch(line, index, today)
        ledger.move(
            store=store,
            batch=batch,
            kind=MovementKind.RECEIPT,
            quantity=int(line.quantity),
            actor=actor,
            receipt=receipt,
        )
        shown.append([line.item.pk, batch.batch_number, str(batch.expiry_date), line.quantity])
    audit.record(
        actor=actor,
        action="pharmacy.receipt_record",
        obj=receipt,
        after={
            "supplier": supplier.pk,
            "invoice_number": invoice_number,
            "store": store.pk,
            "lines": shown,
        },
        request=request,
    )
    _touched((line.item.pk for line in lines), [store.pk])
    return receipt


# --- transfers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TransferRequest:
    """Send `quantity` units of `item`: from `batch` when the sender picks one, otherwise first
    expiry first out."""

    item: FormularyItem
    quantity: int
    batch: Batch | None = None


@transaction.atomic
@submissions.once("pharmacy.transfer_send")
def transfer_send(
    *,
    actor: User,
    from_store: Store,
    to_store: Store,
    lines: Sequence[TransferRequest],
    note: str = "",
    request: HttpRequest | None = None,
) -> Transfer:
    """Send stock from one store to another: TRANSFER_OUT movements now (the stock is in transit
    until received), a transfer numbered TRF-<year>-<n> with a line per batch taken.

    Raises PharmacyError for the same store twice or no line; LineError for a quantity below 1,
    a picked batch of another item or expired, or more than the sender holds (unexpired);
    PermissionDenied unless the actor holds the stores as a whole."""
    _whole_stores(actor)
    if from_store.pk == to_store.pk:
        raise PharmacyError("Send it to another store.", field="to_store")
    if not to_store.active:
        raise PharmacyError(f"{to_store} is closed.", field="to_store")
    if not lines:
        raise PharmacyError("Add at least one line: what to send.", field="lines")
    transfer = Transfer.objects.create(
        number=yearly_number("TRF"),
        from_store=from_store,
        to_store=to_store,
        sent_by=actor,
        sent_at=timezone.now(),
        note=(note or "").strip()[:200],
    )
    shown = []
    for index, line in enumerate(lines):
        for take in _transfer_takes(from_store, line, index):
            TransferLine.objects.create(transfer=transfer, batch=take.batch, quantity=take.quantity)
            try:
                ledger.move(
                    store=from_store,
                    batch=take.batch,
                    kind=MovementKind.TRANSFER_OUT,
                    quantity=-take.quantity,
                    actor=actor,
                    transfer=transfer,
                )
            except ledger.StockError as error:
                raise _stock_refusal(error, line=index) from None
            shown.append([take.batch.pk, take.quantity])
    audit.record(
        actor=actor,
        action="pharmacy.transfer_send",
        obj=transfer,
        after={"from": from_store.pk, "to": to_store.pk, "lines": shown},
        request=request,
    )
    _touched((line.item.pk for line in lines), [from_store.pk, to_store.pk])
    return transfer


def _transfer_takes(store: Store, line: TransferRequest, index: int) -> list[ledger.Take]:
    if int(line.quantity) < 1:
        raise LineError("Send at least one unit.", line=index, field="quantity")
    if line.batch is None:
        try:
            return ledger.fefo_take(store=store, item=line.item, quantity=int(line.quantity))
        except ledger.StockError as error:
            raise _stock_refusal(error, line=index) from None
    if line.batch.item_id != line.item.pk:
        raise LineError("That batch is of another item.", line=index, field="batch")
    if ledger.is_expired(line.batch):
        raise LineError(
            f"Batch {line.batch.batch_number} has expired: write it off instead.",
            line=index,
            field="batch",
        )
    return [ledger.Take(batch=line.batch, quantity=int(line.quantity))]


@transaction.atomic
def transfer_receive(
    *, actor: User, transfer: Transfer, request: HttpRequest | None = None
) -> Transfer:
    """Receive a transfer into its store: TRANSFER_IN movements of every line, who received it
    and when. Receiving it again changes nothing (it returns the transfer as received first).

    Raises PermissionDenied unless the actor holds the stores as a whole, or is a nurse and the
    receiving store is a ward store."""
    transfer = locked(Transfer.objects).select_related("to_store").get(pk=transfer.pk)
    _ward_store_work(actor, transfer.to_store)
    if transfer.status == TransferStatus.RECEIVED:
        return transfer
    lines = list(transfer.lines.select_related("batch"))
    for line in lines:
        ledger.move(
            store=transfer.to_store,
            batch=line.batch,
            kind=MovementKind.TRANSFER_IN,
            quantity=line.quantity,
            actor=actor,
            transfer=transfer,
        )
    transfer.status = TransferStatus.RECEIVED
    transfer.received_by = actor
    transfer.received_at = timezone.now()
    transfer.save(update_fields=["status", "received_by", "received_at"])
    audit.record(
        actor=actor,
        action="pharmacy.transfer_receive",
        obj=transfer,
        before={"status": TransferStatus.SENT},
        after={"status": TransferStatus.RECEIVED},
        request=request,
    )
    _touched((line.batch.item_id for line in lines), [transfer.from_store_id, transfer.to_store_id])
    return transfer


# --- a ward's use, adjustments, write-offs ------------------------------------------------------


@transaction.atomic
@submissions.once("pharmacy.ward_use_record")
def ward_use_record(
    *,
    actor: User,
    store: Store,
    item: FormularyItem,
    quantity: int,
    reason: str,
    request: HttpRequest | None = None,
) -> list[StockMovement]:
    """Record what a ward used of its store's stock (gloves, a cannula, a bag of saline):
    WARD_USE movements, first expiry first out. `reason` says what for.

    Raises PharmacyError for a store that is not a ward store, a quantity below 1, no reason,
    more than the store holds unexpired (field quantity); PermissionDenied unless the actor holds
    the stores as a whole or is a nurse."""
    _ward_store_work(actor, store)
    if store.kind != StoreKind.WARD:
        raise PharmacyError("A ward's use is recorded from a ward store.", field="store")
    if int(quantity) < 1:
        raise PharmacyError("Record at least one unit.", field="quantity")
    reason = reason_text(reason, missing="Say what it was used for (patient, bed or procedure).")
    try:
        takes = ledger.fefo_take(store=store, item=item, quantity=int(quantity))
    except ledger.StockError as error:
        raise _stock_refusal(error) from None
    movements = [
        ledger.move(
            store=store,
            batch=take.batch,
            kind=MovementKind.WARD_USE,
            quantity=-take.quantity,
            actor=actor,
            reason=reason,
        )
        for take in takes
    ]
    audit.record(
        actor=actor,
        action="pharmacy.ward_use_record",
        obj=store,
        after={"item": item.pk, "quantity": int(quantity), "reason": reason},
        request=request,
    )
    _touched([item.pk], [store.pk])
    return movements


@transaction.atomic
@submissions.once("pharmacy.stock_adjust")
def stock_adjust(
    *,
    actor: User,
    store: Store,
    batch: Batch,
    quantity: int,
    reason: str,
    request: HttpRequest | None = None,
) -> StockMovement:
    """Correct a store's figure of a batch by `quantity` units (signed: + found, − missing or
    broken), with the reason. Raises PharmacyError for zero, no reason, taking more than the
    store holds; PermissionDenied unless the actor holds the stores as a whole."""
    _whole_stores(actor)
    if int(quantity) == 0:
        raise PharmacyError("Enter how many units to add (+) or take off (−).", field="quantity")
    reason = reason_text(reason, missing="Give the reason for the adjustment.")
    try:
        movement = ledger.move(
            store=store,
            batch=batch,
            kind=MovementKind.ADJUSTMENT,
            quantity=int(quantity),
            actor=actor,
            reason=reason,
        )
    except ledger.StockError as error:
        raise _stock_refusal(error) from None
    audit.record(
        actor=actor,
        action="pharmacy.stock_adjust",
        obj=movement,
        after={"store": store.pk, "batch": batch.pk, "quantity": int(quantity), "reason": reason},
        request=request,
    )
    _touched([batch.item_id], [store.pk])
    return movement


@transaction.atomic
@submissions.once("pharmacy.expired_write_off")
def expired_write_off(
    *,
    actor: User,
    store: Store,
    batch: Batch,
    reason: str = "",
    request: HttpRequest | None = None,
) -> StockMovement:
    """Write off all that is left of an expired batch in a store (a WRITE_OFF movement), for
    destruction. Raises PharmacyError for a batch not expired yet or none left there;
    PermissionDenied unless the actor holds the stores as a whole."""
    _whole_stores(actor)
    if not ledger.is_expired(batch):
        raise PharmacyError(
            f"Batch {batch.batch_number} expires on {batch.expiry_date:%-d %b %Y}: it is not "
            "expired yet (use an adjustment for damaged stock).",
            field="batch",
        )
    balance = locked(StockBalance.objects).filter(store=store, batch=batch).first()
    if balance is None or balance.quantity <= 0:
        raise PharmacyError(f"{store} holds none of batch {batch.batch_number}.", field="batch")
    written = balance.quantity
    movement = ledger.move(
        store=store,
        batch=batch,
        kind=MovementKind.WRITE_OFF,
        quantity=-written,
        actor=actor,
        reason=(reason or "").strip()[:REASON_LIMIT] or "Expired",
    )
    audit.record(
        actor=actor,
        action="pharmacy.expired_write_off",
        obj=movement,
        after={"store": store.pk, "batch": batch.pk, "quantity": written},
        request=request,
    )
    _touched([batch.item_id], [store.pk])
    return movement


# --- stock takes ------------------------------------------------------------------------------


@transaction.atomic
@submissions.once("pharmacy.stock_take_start")
def stock_take_start(*, actor: User, store: Store, request: HttpRequest | None = None) -> StockTake:
    """Start counting a store: a line per batch it holds, with the figure the ledger shows now.
    Raises PharmacyError when a count of that store is open already; PermissionDenied unless the
    actor holds the stores as a whole."""
    _whole_stores(actor)
    store = locked(Store.objects).get(pk=store.pk)
    if StockTake.objects.filter(store=store, status=StockTakeStatus.OPEN).exists():
        raise PharmacyError(f"A count of {store} is open already: finish it.", field="store")
    take = StockTake.objects.create(store=store, started_by=actor, started_at=timezone.now())
    balances = StockBalance.objects.filter(store=store, quantity__gt=0).order_by("batch_id")
    StockTakeLine.objects.bulk_create(
        StockTakeLine(stock_take=take, batch_id=balance.batch_id, expected=balance.quantity)
        for balance in balances
    )
    audit.record(
        actor=actor,
        action="pharmacy.stock_take_start",
        obj=take,
        after={"store": store.pk, "lines": take.lines.count()},
        request=request,
    )
    return take


@dataclass(frozen=True)
class Count:
    """What was counted on the shelf of one line (None: not counted yet) and, for a variance,
    why."""

    counted: int | None
    reason: str = ""


def _open_take(stock_take: StockTake) -> StockTake:
    take = locked(StockTake.objects).select_related("store").get(pk=stock_take.pk)
    if take.status != StockTakeStatus.OPEN:
        raise PharmacyError("This count was posted already: start a new one.")
    return take


def _save_counts(take: StockTake, counts: dict[int, Count]) -> list[StockTakeLine]:
    lines = list(take.lines.select_related("batch", "batch__item").order_by("id"))
    for index, line in enumerate(lines):
        count = counts.get(line.pk)
        if count is None:
            continue
        if count.counted is not None and count.counted < 0:
            raise LineError("A count cannot be below zero.", line=index, field="counted")
        line.counted = count.counted
        line.reason = (count.reason or "").strip()[:REASON_LIMIT]
    StockTakeLine.objects.bulk_update(lines, ["counted", "reason"])
    return lines


@transaction.atomic
def stock_take_save(
    *,
    actor: User,
    stock_take: StockTake,
    counts: dict[int, Count],
    request: HttpRequest | None = None,
) -> StockTake:
    """Keep the counts typed so far (line id -> Count), to go on later. Raises PharmacyError for
    a posted count; LineError for a count below zero; PermissionDenied as stock_take_start."""
    _whole_stores(actor)
    take = _open_take(stock_take)
    _save_counts(take, counts)
    return take


@transaction.atomic
@submissions.once("pharmacy.stock_take_post")
def stock_take_post(
    *,
    actor: User,
    stock_take: StockTake,
    counts: dict[int, Count],
    request: HttpRequest | None = None,
) -> StockTake:
    """Post a count: every line counted, an ADJUSTMENT per line whose count differs from what
    the ledger holds now (at posting: movements during the count are honoured, see
    docs/DECISIONS.md), with its reason; the store's figures then equal the counts.

    Raises LineError for a line not counted, or with a variance and no reason; PharmacyError for
    a count posted already; PermissionDenied as stock_take_start."""
    _whole_stores(actor)
    take = _open_take(stock_take)
    lines = _save_counts(take, counts)
    held = dict(
        locked(StockBalance.objects)
        .filter(store=take.store, batch_id__in=[line.batch_id for line in lines])
        .values_list("batch_id", "quantity")
    )
    changes = []
    for index, line in enumerate(lines):
        if line.counted is None:
            raise LineError("Enter the count (0 when there is none).", line=index, field="counted")
        variance = line.counted - held.get(line.batch_id, 0)
        if variance and not line.reason:
            raise LineError("Say why the count differs.", line=index, field="reason")
        if variance:
            ledger.move(
                store=take.store,
                batch=line.batch,
                kind=MovementKind.ADJUSTMENT,
                quantity=variance,
                actor=actor,
                reason=f"Stock take: {line.reason}",
                stock_take=take,
            )
            changes.append([line.batch_id, variance, line.reason])
    take.status = StockTakeStatus.POSTED
    take.posted_by = actor
    take.posted_at = timezone.now()
    take.save(update_fields=["status", "posted_by", "posted_at"])
    audit.record(
        actor=actor,
        action="pharmacy.stock_take_post",
        obj=take,
        after={"store": take.store_id, "adjustments": changes},
        request=request,
    )
    _touched((line.batch.item_id for line in lines), [take.store_id])
    return take


# --- alerts -----------------------------------------------------------------------------------


def _alerts_rebuild(*, item_ids: set[int] | None = None, on_day: date | None = None) -> int:
    """Rebuild the StockAlert rows (of `item_ids` only, when given): items whose unexpired stock
    in every store together is below their reorder level, batches on a shelf expiring within
    settings.HMS_PHARMACY_EXPIRY_WARNING_DAYS, expired batches still on a shelf."""
    today = on_day or timezone.localdate()
    warn_until = today + timedelta(days=settings.HMS_PHARMACY_EXPIRY_WARNING_DAYS)
    old = StockAlert.objects.all()
    items = FormularyItem.objects.filter(active=True, reorder_level__gt=0)
    balances = StockBalance.objects.filter(quantity__gt=0, expiry_date__lte=warn_until)
    if item_ids is not None:
        old, items = old.filter(item_id__in=item_ids), items.filter(pk__in=item_ids)
        balances = balances.filter(item_id__in=item_ids)
    old.delete()
    usable = Coalesce(Sum("balances__quantity", filter=Q(balances__expiry_date__gt=today)), 0)
    short = items.annotate(usable=usable).filter(usable__lt=F("reorder_level"))
    alerts = [
        StockAlert(kind=StockAlertKind.REORDER, item_id=pk, quantity=held, found_on=today)
        for pk, held in short.values_list("pk", "usable")
    ]
    for balance in balances.values("item_id", "batch_id", "store_id", "quantity", "expiry_date"):
        expired = balance["expiry_date"] <= today
        alerts.append(
            StockAlert(
                kind=StockAlertKind.EXPIRED if expired else StockAlertKind.EXPIRING,
                found_on=today,
                **balance,
            )
        )
    StockAlert.objects.bulk_create(alerts)
    return len(alerts)


@transaction.atomic
def stock_alerts_refresh(*, on_day: date | None = None) -> int:
    """The daily check (pharmacy.tasks): rebuild every alert, then tell the pages showing them.
    Returns how many alerts there are. Not audited: it changes no stock and no record anyone
    typed."""
    count = _alerts_rebuild(on_day=on_day)
    live.stock_changed()
    return count
