"""The stock ledger: the one place stock moves.

`move` appends a StockMovement and changes the StockBalance of its store and batch in the same
transaction, the balance row locked (SELECT … FOR NO KEY UPDATE, hms.locking) so two counters taking the last units
are served one after the other; the balance's check constraint is the last guard. `fefo_take`
chooses the batches a quantity comes from: first expiry first out, never an expired batch.

Quantities are whole dispensing units (pharmacy.models). A batch is expired from its expiry date
on: it is neither offered nor dispensed on that day (docs/DECISIONS.md).
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from hms.locking import locked
from hms.refusals import Refusal
from pharmacy.models import (
    MOVEMENT_SIGN,
    Batch,
    FormularyItem,
    MovementKind,
    StockBalance,
    StockMovement,
    Store,
)
from pharmacy.units import in_units


class StockError(Refusal):
    """A stock movement refused: not enough on hand, an expired batch, a wrong quantity."""


def is_expired(batch: Batch, on_day: date | None = None) -> bool:
    """Whether `batch` may no longer be offered or dispensed on `on_day` (default today, in the
    hospital's time zone): from its expiry date on."""
    return batch.expiry_date <= (on_day or timezone.localdate())


def _locked_balance(store: Store, batch: Batch) -> StockBalance:
    balance = locked(StockBalance.objects).filter(store=store, batch=batch).first()
    if balance is None:
        try:
            with transaction.atomic():
                StockBalance.objects.create(
                    store=store,
                    batch=batch,
                    item_id=batch.item_id,
                    expiry_date=batch.expiry_date,
                    quantity=0,
                )
        except IntegrityError:
            pass  # another transaction created it first
        balance = locked(StockBalance.objects).get(store=store, batch=batch)
    return balance


def move(
    *,
    store: Store,
    batch: Batch,
    kind: str,
    quantity: int,
    actor: object,
    reason: str = "",
    moved_at: datetime | None = None,
    **document: object,
) -> StockMovement:
    """Move `quantity` units (signed: positive into `store`, negative out of it) of `batch`.

    `kind` is a MovementKind whose sign the quantity must carry (an adjustment may go either
    way); `document` names the row it belongs to (receipt=, transfer=, dispense=, sale=, administration=,
    stock_take=). Must run inside the caller's transaction (it is one step of a business action,
    which writes the audit row). Raises StockError when the store holds fewer units than are
    taken out; ValueError for a zero quantity or a sign the kind does not carry (a programming
    error, not the person's).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger.move must run inside the business action's transaction")
    quantity = int(quantity)
    sign = MOVEMENT_SIGN[MovementKind(kind)]
    if quantity == 0 or (sign and (quantity > 0) != (sign > 0)):
        raise ValueError(f"A {kind} movement cannot be {quantity:+d} units.")
    balance = _locked_balance(store, batch)
    if balance.quantity + quantity < 0:
        raise StockError(
            f"{store} holds only {balance.quantity} of batch {batch.batch_number}: "
            f"{-quantity} cannot be taken from it.",
            field="quantity",
        )
    balance.quantity += quantity
    balance.save(update_fields=["quantity"])
    return StockMovement.objects.create(
        store=store,
        batch=batch,
        item_id=batch.item_id,
        kind=kind,
        quantity=quantity,
        reason=reason[:200],
        moved_by=actor,
        moved_at=moved_at or timezone.now(),
        **document,
    )


@dataclass(frozen=True)
class Take:
    """`quantity` units of `batch` (from a locked balance row) to be taken out."""

    batch: Batch
    quantity: int


def fefo_take(
    *, store: Store, item: FormularyItem, quantity: int, on_day: date | None = None
) -> list[Take]:
    """The batches `quantity` units of `item` come from in `store`: first expiry first out,
    expired batches never. Locks the balance rows it reads, so run it inside the transaction that
    then moves them. Raises StockError (field "quantity") when the unexpired stock is short."""
    on_day = on_day or timezone.localdate()
    balances = list(
        locked(StockBalance.objects)
        .select_related("batch")
        .filter(store=store, item=item, quantity__gt=0, expiry_date__gt=on_day)
        .order_by("expiry_date", "batch__batch_number", "batch_id")
    )
    takes: list[Take] = []
    wanted = int(quantity)
    for balance in balances:
        if wanted <= 0:
            break
        take = min(wanted, balance.quantity)
        takes.append(Take(batch=balance.batch, quantity=take))
        wanted -= take
    if wanted > 0:
        held = sum(balance.quantity for balance in balances)
        holds = f"only {in_units(held, item.dispensing_unit)} of" if held else "no"
        asked = int(quantity)
        raise StockError(
            f"{store} holds {holds} {item.name} not expired;"
            f" {in_units(asked, item.dispensing_unit)} {'was' if asked == 1 else 'were'} asked for.",
            field="quantity",
        )
    return takes


def on_hand(
    *, item: FormularyItem, store: Store | None = None, usable_on: date | None = None
) -> int:
    """Units of `item` held (in `store`, or in every store), only unexpired ones when `usable_on`
    is given."""
    rows = StockBalance.objects.filter(item=item)
    if store is not None:
        rows = rows.filter(store=store)
    if usable_on is not None:
        rows = rows.filter(expiry_date__gt=usable_on)
    return rows.aggregate(total=Sum("quantity"))["total"] or 0
