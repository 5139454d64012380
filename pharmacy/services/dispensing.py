"""Dispensing against prescriptions, returns of unused medicine, and over-the-counter sales.

Quantities are whole dispensing units (pharmacy.models); money is Decimal with 2 places
(hms.money). Every action here is one transaction with its audit row; stock leaves and comes back
only through pharmacy.ledger.move; charges go through billing's charge_post and charge_reverse.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from billing.services import charges as billing_charges
from billing.services.common import BillingError
from billing.services.payments import require_reference
from clinical.models import PatientState, Prescription
from hms import audit, submissions
from hms.locking import locked
from hms.money import ZERO, money, percent_of
from hms.numbering import yearly_number
from hms.phones import phone_e164
from pharmacy import ledger, live
from pharmacy.models import (
    Batch,
    Dispense,
    DispenseReturn,
    FormularyItem,
    MovementKind,
    Sale,
    SaleLine,
    StockMovement,
    Store,
    StoreKind,
    admission_model,
)
from pharmacy.services.common import PharmacyError, reason_text, require
from pharmacy.units import in_units


def pharmacy_stores() -> list[Store]:
    """The active stores that dispense and sell (kind pharmacy), the first being the default."""
    return list(Store.objects.filter(kind=StoreKind.PHARMACY, active=True).order_by("name", "id"))


def _dispensing_store(store: Store | None) -> Store:
    if store is None:
        stores = pharmacy_stores()
        if not stores:
            raise PharmacyError("There is no active pharmacy store to dispense from.")
        return stores[0]
    if store.kind != StoreKind.PHARMACY or not store.active:
        raise PharmacyError(
            f"{store} is not an active pharmacy store: dispense from the pharmacy.", field="store"
        )
    return store


def open_admission(patient_id: object) -> object | None:
    """The patient's admission not yet discharged (wards.Admission, by label, with its bed and
    ward), or None."""
    return (
        admission_model()
        .objects.filter(patient_id=patient_id, discharged_at__isnull=True)
        .select_related("bed__ward")
        .order_by("-admitted_at")
        .first()
    )


def _whole(value: object, *, field: str = "quantity") -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise PharmacyError("Enter the quantity as a whole number.", field=field) from None
    if number != value and str(number) != str(value).strip():
        raise PharmacyError("Enter the quantity as a whole number.", field=field)
    return number


def _takes(
    *, store: Store, item: FormularyItem, quantity: int, batch: Batch | None, reason: str
) -> tuple[list[ledger.Take], str]:
    """The batches `quantity` units come from: FEFO, or the one the pharmacist picked (with a
    reason, unless it is the batch FEFO would take anyway). Returns the takes and the reason to
    record (blank for FEFO)."""
    if batch is None:
        return ledger.fefo_take(store=store, item=item, quantity=quantity), ""
    if batch.item_id != item.pk:
        raise PharmacyError(f"Batch {batch.batch_number} is not of {item.name}.", field="batch")
    if ledger.is_expired(batch):
        raise PharmacyError(
            f"Batch {batch.batch_number} expired on {batch.expiry_date:%d %b %Y}: it is never"
            " dispensed.",
            field="batch",
        )
    try:
        fefo = ledger.fefo_take(store=store, item=item, quantity=quantity)
    except ledger.StockError:
        fefo = []
    if len(fefo) == 1 and fefo[0].batch.pk == batch.pk:
        return fefo, ""  # the batch first-expiry-first-out takes: no reason needed
    reason = reason_text(
        reason,
        field="batch_choice_reason",
        missing=(
            f"Say why batch {batch.batch_number} rather than the first to expire"
            " (e.g. the patient's blister pack was opened)."
        ),
    )
    return [ledger.Take(batch=batch, quantity=quantity)], reason


@transaction.atomic
@submissions.once("pharmacy.dispense")
def dispense(
    *,
    actor: User,
    prescription: Prescription,
    quantity: int,
    item: FormularyItem | None = None,
    substitution_reason: str = "",
    batch: Batch | None = None,
    batch_choice_reason: str = "",
    store: Store | None = None,
    request: HttpRequest | None = None,
) -> Dispense:
    """Hand over `quantity` dispensing units against `prescription` from a pharmacy store (the
    first active one unless `store` is given), and post their charge.

    `item` defaults to the prescribed formulary item; another one (another brand or strength)
    needs `substitution_reason`. The units come from the first-expiring unexpired batches, or all
    from `batch` when the pharmacist picks one (with `batch_choice_reason`, unless FEFO would take
    it anyway). The charge (quantity × the item's price) goes to the patient's open admission for
    an inpatient, to the patient's account otherwise.

    Raises PermissionDenied when the actor may not dispense; PharmacyError (with its field) when
    the patient's record is archived, the prescription is not one the pharmacy dispenses or is
    already given in full, the quantity is not 1 to what is left, a substitute is inactive or has
    no reason, the picked batch is another item's, expired, or has no reason; StockError (a
    Refusal, field "quantity") when the store holds too few unexpired units; BillingError when
    the item's charge item is inactive; AlreadySubmitted when the same form was already sent.
    """
    require(actor, "pharmacy.dispense")
    prescription = (
        locked(Prescription.objects)
        .select_related("patient", "formulary_item")
        .get(pk=prescription.pk)
    )
    patient = prescription.patient
    if patient.state == PatientState.ARCHIVED:
        raise PharmacyError("This patient's record is archived: reactivate it before dispensing.")
    if prescription.outside or prescription.formulary_item_id is None:
        raise PharmacyError("This prescription is not for an item the pharmacy stocks.")
    if prescription.quantity is None:
        raise PharmacyError("This prescription has no quantity to dispense: ask the doctor.")
    left = prescription.to_dispense
    if left == 0:
        raise PharmacyError("This prescription has already been dispensed in full.")
    quantity = _whole(quantity)
    if quantity < 1 or quantity > left:
        raise PharmacyError(
            f"Dispense between 1 and {in_units(left, prescription.formulary_item.dispensing_unit)}"
            f" (what is left of the {prescription.quantity} prescribed).",
            field="quantity",
        )
    item = item or prescription.formulary_item
    if item.pk != prescription.formulary_item_id:
        substitution_reason = reason_text(
            substitution_reason,
            field="substitution_reason",
            missing=(
                f"Say why {item.name} is given instead of {prescription.formulary_item.name}"
                " (e.g. out of stock, the patient's usual brand)."
            ),
        )
    else:
        substitution_reason = ""
    # A prescription written before its item was taken out of use may still be given from what is
    # left on the shelf; a substitute must be an item in use.
    if not item.active and item.pk != prescription.formulary_item_id:
        raise PharmacyError(f"{item.name} is no longer in the formulary.", field="item")
    store = _dispensing_store(store)
    takes, batch_choice_reason = _takes(
        store=store, item=item, quantity=quantity, batch=batch, reason=batch_choice_reason
    )
    admission = open_admission(patient.pk)
    now = timezone.now()
    record = Dispense.objects.create(
        number=yearly_number("DSP"),
        prescription=prescription,
        patient=patient,
        admission=admission,
        item=item,
        store=store,
        quantity=quantity,
        substitution_reason=substitution_reason,
        batch_choice_reason=batch_choice_reason,
        unit_price=money(item.charge_item.price),
        dispensed_by=actor,
        dispensed_at=now,
    )
    for take in takes:
        ledger.move(
            store=store,
            batch=take.batch,
            kind=MovementKind.DISPENSE,
            quantity=-take.quantity,
            actor=actor,
            reason=batch_choice_reason,
            moved_at=now,
            dispense=record,
        )
    record.charge = billing_charges.charge_post(
        actor=actor,
        patient=patient,
        code=item.charge_item.code,
        quantity=Decimal(quantity),
        unit_price=record.unit_price,
        description=f"{item.name} × {quantity} ({record.number})",
        admission=admission,
        source=f"pharmacy.Dispense:{record.pk}",
        request=request,
    )
    record.save(update_fields=["charge"])
    prescription.dispensed_quantity += quantity
    Prescription.objects.filter(pk=prescription.pk).update(
        dispensed_quantity=prescription.dispensed_quantity
    )
    audit.record(
        actor=actor,
        action="pharmacy.dispense",
        obj=record,
        patient=patient.pk,
        after={
            "number": record.number,
            "prescription": prescription.pk,
            "item": item.name,
            "quantity": quantity,
            "batches": {take.batch.batch_number: take.quantity for take in takes},
            "substitution_reason": substitution_reason,
            "batch_choice_reason": batch_choice_reason,
            "amount": record.charge.amount if record.charge else ZERO,
            "admission": getattr(admission, "pk", None),
        },
        request=request,
    )
    live.queue_changed(patient_id=patient.pk)
    live.stock_changed(store_ids=[store.pk])
    return record


def batches_given(record: Dispense) -> list[dict]:
    """What each batch of a dispense gave and has had back: [{"batch", "given", "returned"}],
    the latest-expiring first (the order a return puts units back in)."""
    rows = (
        StockMovement.objects.filter(dispense=record)
        .values("batch")
        .annotate(
            given=-Sum("quantity", filter=Q(kind=MovementKind.DISPENSE), default=0),
            returned=Sum("quantity", filter=Q(kind=MovementKind.RETURN), default=0),
        )
    )
    batches = Batch.objects.in_bulk([row["batch"] for row in rows])
    found = [
        {"batch": batches[row["batch"]], "given": row["given"], "returned": row["returned"]}
        for row in rows
    ]
    return sorted(found, key=lambda row: (row["batch"].expiry_date, row["batch"].pk), reverse=True)


@transaction.atomic
@submissions.once("pharmacy.dispense_return")
def dispense_return(
    *,
    actor: User,
    dispense: Dispense,
    quantity: int,
    reason: str,
    request: HttpRequest | None = None,
) -> DispenseReturn:
    """Take back `quantity` unused units of a dispense: back on the shelf of the store they left,
    into the batches they came from (the latest-expiring first), and their charge taken back.

    The charge line of the dispense is reversed in full by billing's charge_reverse (a visible
    negative line naming the return) and, when units are kept, a new line is posted for them at
    the price first charged: the account always shows what was given, what came back, and what
    is owed. A return closes what it returns: the prescription is not reopened for dispensing.

    Raises PermissionDenied when the actor may not dispense; PharmacyError (with its field) when
    the quantity is not 1 to what was given and not yet returned, or no reason is given;
    AlreadySubmitted when the same form was already sent.
    """
    require(actor, "pharmacy.dispense")
    record = locked(Dispense.objects).select_related("item", "store", "charge").get(pk=dispense.pk)
    can_return = record.quantity - record.returned_quantity
    if can_return == 0:
        raise PharmacyError(f"Everything given on {record.number} has already come back.")
    quantity = _whole(quantity)
    if quantity < 1 or quantity > can_return:
        raise PharmacyError(
            f"Return between 1 and {in_units(can_return, record.item.dispensing_unit)}"
            f" (given {record.quantity}, back already {record.returned_quantity}).",
            field="quantity",
        )
    reason = reason_text(
        reason, field="reason", missing="Say why it came back (e.g. treatment changed)."
    )
    now = timezone.now()
    wanted = quantity
    for row in batches_given(record):
        back = min(wanted, row["given"] - row["returned"])
        if back <= 0:
            continue
        ledger.move(
            store=record.store,
            batch=row["batch"],
            kind=MovementKind.RETURN,
            quantity=back,
            actor=actor,
            reason=reason,
            moved_at=now,
            dispense=record,
        )
        wanted -= back
    if wanted:  # the ledger rows and the dispense disagree: never guess
        raise PharmacyError(f"The batches of {record.number} do not add up: call the supervisor.")
    reversal = None
    if record.charge is not None:
        words = f"returned {quantity} of {record.quantity}: {reason}"
        reversal = billing_charges.charge_reverse(
            actor=actor, charge=record.charge, reason=words, request=request
        )
        kept = can_return - quantity
        record.charge = None
        if kept:
            record.charge = billing_charges.charge_post(
                actor=actor,
                patient=record.patient_id,
                code=record.item.charge_item.code,
                quantity=Decimal(kept),
                unit_price=record.unit_price,
                description=f"{record.item.name} × {kept} kept ({record.number})",
                admission=reversal.admission_id,
                source=f"pharmacy.Dispense:{record.pk}",
                request=request,
            )
    record.returned_quantity += quantity
    record.save(update_fields=["returned_quantity", "charge"])
    returned = DispenseReturn.objects.create(
        dispense=record,
        quantity=quantity,
        reason=reason,
        returned_by=actor,
        returned_at=now,
        reversal=reversal,
    )
    audit.record(
        actor=actor,
        action="pharmacy.dispense_return",
        obj=returned,
        patient=record.patient_id,
        after={
            "dispense": record.number,
            "quantity": quantity,
            "reason": reason,
            "credited": -reversal.amount if reversal else ZERO,
        },
        request=request,
    )
    live.queue_changed(patient_id=record.patient_id)
    live.stock_changed(store_ids=[record.store_id])
    return returned


@dataclass(frozen=True)
class PricedLine:
    """One line of a sale priced: `unit_price` and `tax_rate` (per cent) from the item's charge
    item, `amount` = unit price × quantity, `tax` = percent_of(amount, rate); KES."""

    item: FormularyItem
    quantity: int
    unit_price: Decimal
    tax_rate: Decimal
    amount: Decimal
    tax: Decimal

    @property
    def total(self) -> Decimal:
        return self.amount + self.tax


@dataclass(frozen=True)
class SalePrice:
    """A sale's lines priced and its sums (KES): what the counter shows while the cashier types
    and what sale_record stores, worked out by the one function below."""

    lines: list[PricedLine]
    subtotal: Decimal
    tax: Decimal

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.tax


def sale_price(lines: list[tuple[FormularyItem, int]]) -> SalePrice:
    """`lines` ((item, quantity in dispensing units), ...) priced as a sale is: each at its
    charge item's price, its tax percent_of(amount, rate) rounded half-up per line as billing
    does, the sale's tax the sum of the lines'. Reads only (the items' charge items); raises
    nothing: the checks are sale_record's."""
    priced = []
    for item, quantity in lines:
        unit_price = money(item.charge_item.price)
        amount = money(unit_price * quantity)
        rate = item.charge_item.tax_rate
        priced.append(
            PricedLine(item, quantity, unit_price, rate, amount, percent_of(amount, rate))
        )
    subtotal = sum((line.amount for line in priced), ZERO)
    tax = sum((line.tax for line in priced), ZERO)
    return SalePrice(priced, subtotal, tax)


@transaction.atomic
@submissions.once("pharmacy.sale")
def sale_record(
    *,
    actor: User,
    customer_name: str,
    customer_phone: str,
    lines: list[tuple[FormularyItem, int]],
    payment_mode: str,
    payment_reference: str = "",
    store: Store | None = None,
    request: HttpRequest | None = None,
) -> Sale:
    """Sell `lines` ((item, quantity in dispensing units), ...) over the counter to a walk-in
    customer, paid now, from a pharmacy store (the first active one unless `store` is given).

    Each line is priced at its item's charge item (price and tax rate); its tax is
    percent_of(amount, rate), rounded half-up per line as billing does, and the sale's tax is the
    sum of the lines'. Units leave by first expiry first out, never from an expired batch.

    Raises PermissionDenied when the actor may not sell; PharmacyError (with its field) when
    there is no line, a quantity is not a whole number above zero, an item is inactive, the
    payment mode is unknown, M-Pesa or card has no (valid, unused) reference; StockError (field
    "quantity") when the store holds too few unexpired units of an item; AlreadySubmitted when
    the same form was already sent.
    """
    require(actor, "pharmacy.dispense")
    if not lines:
        raise PharmacyError("Add at least one item to sell.", field="lines")
    if payment_mode not in Sale.PaymentMode.values:
        raise PharmacyError("Choose how the customer pays.", field="payment_mode")
    try:
        reference = require_reference(payment_mode, payment_reference or "")
    except BillingError as refusal:
        raise PharmacyError(str(refusal), field="payment_reference") from None
    if reference and payment_mode != Sale.PaymentMode.CASH:
        earlier = Sale.objects.filter(
            payment_mode=payment_mode, payment_reference__iexact=reference
        ).first()
        if earlier is not None:
            raise PharmacyError(
                f"Reference {reference} is already on sale {earlier.number}: the same money"
                " cannot be recorded twice.",
                field="payment_reference",
            )
    customer_name = (customer_name or "").strip()[:120]
    customer_phone = (customer_phone or "").strip()
    if customer_phone:  # stored as every phone is (E.164), shown the local way
        customer_phone = phone_e164(customer_phone, field="customer_phone")
    store = _dispensing_store(store)
    now = timezone.now()
    wanted = []
    for item, quantity in lines:
        quantity = _whole(quantity)
        if quantity < 1:
            raise PharmacyError("Each quantity is at least 1.", field="quantity")
        if not item.active or not item.charge_item.active:
            raise PharmacyError(f"{item.name} is not for sale.", field="item")
        wanted.append((item, quantity))
    price = sale_price(wanted)
    sale = Sale.objects.create(
        number=yearly_number("OTC"),
        customer_name=customer_name,
        customer_phone=customer_phone,
        store=store,
        subtotal=price.subtotal,
        tax=price.tax,
        total=price.total,
        payment_mode=payment_mode,
        payment_reference="" if payment_mode == Sale.PaymentMode.CASH else reference,
        sold_by=actor,
        sold_at=now,
    )
    for line in price.lines:
        item, quantity = line.item, line.quantity
        SaleLine.objects.create(
            sale=sale,
            item=item,
            quantity=quantity,
            unit_price=line.unit_price,
            tax_rate=line.tax_rate,
            amount=line.amount,
            tax_amount=line.tax,
        )
        for take in ledger.fefo_take(store=store, item=item, quantity=quantity):
            ledger.move(
                store=store,
                batch=take.batch,
                kind=MovementKind.SALE,
                quantity=-take.quantity,
                actor=actor,
                moved_at=now,
                sale=sale,
            )
    audit.record(
        actor=actor,
        action="pharmacy.sale",
        obj=sale,
        after={
            "number": sale.number,
            "lines": [(ln.item.name, ln.quantity, ln.amount, ln.tax) for ln in price.lines],
            "total": sale.total,
            "payment_mode": payment_mode,
            "reference": sale.payment_reference,
        },
        request=request,
    )
    live.stock_changed(store_ids=[store.pk])
    return sale
