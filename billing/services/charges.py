"""The charge master (prices with their history) and posting charges.

`charge_post` is the one function every module posts through (consultations, ward accrual, tests,
manual charges); `charge_reverse` is how a charge is taken back (a visible negative line).
"""

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from billing.models import (
    Charge,
    ChargeItem,
    PriceChange,
)
from billing.services.common import BillingError, _announce, _within_entry_limit
from hms import audit, submissions
from hms.locking import locked
from hms.money import money, percent_of

ITEM_FIELDS = ["code", "name", "category", "charge_type", "price", "tax_rate", "active"]


@transaction.atomic
def charge_item_save(
    *,
    actor: User,
    item: ChargeItem | None = None,
    code: str | None = None,
    name: str | None = None,
    category: str | None = None,
    charge_type: str | None = None,
    price: Decimal | None = None,
    tax_rate: Decimal | None = None,
    active: bool | None = None,
    request: HttpRequest | None = None,
) -> ChargeItem:
    """Create an item, or change one. A price or tax change is kept in the item's history and
    audited; charges already posted keep their own snapshot. A value left as None keeps what the
    item has (a new item's model default).

    Raises BillingError when the item fails validation (e.g. a code already used, a negative price,
    a tax rate outside 0-100) or its price is more than HMS_BILLING_MAX_ENTRY; beside the field
    when the refusal is about one.
    """
    creating = item is None
    item = ChargeItem() if creating else locked(ChargeItem.objects).get(pk=item.pk)
    before = None if creating else audit.snapshot(item, ITEM_FIELDS)
    given = {
        "code": code,
        "name": name,
        "category": category,
        "charge_type": charge_type,
        "price": price,
        "tax_rate": tax_rate,
        "active": active,
    }
    for field_name, value in given.items():
        if value is not None:
            setattr(item, field_name, value)
    item.code = item.code.strip().upper()
    item.price = _within_entry_limit(money(item.price), what="A price", field="price")
    try:
        item.full_clean()
    except ValidationError as error:
        fields = list(getattr(error, "error_dict", {}))
        raise BillingError(
            " ".join(error.messages), field=fields[0] if len(fields) == 1 else None
        ) from error
    item.save()
    after = audit.snapshot(item, ITEM_FIELDS)
    price_moved = (
        creating or before["price"] != after["price"] or before["tax_rate"] != after["tax_rate"]
    )
    if price_moved:
        PriceChange.objects.create(
            item=item,
            old_price=None if creating else Decimal(before["price"]),
            new_price=item.price,
            old_tax_rate=None if creating else Decimal(before["tax_rate"]),
            new_tax_rate=item.tax_rate,
            changed_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
    if creating:
        audit.record(
            actor=actor,
            action="charge_item.create",
            obj=item,
            after=after,
            request=request,
            actor_username="" if actor else "system",
        )
    elif before != after:
        action = "charge_item.price_change" if price_moved else "charge_item.update"
        audit.record(
            actor=actor, action=action, obj=item, before=before, after=after, request=request
        )
    return item


@transaction.atomic
@submissions.once("charge.post")
def charge_post(
    *,
    actor: User,
    patient: models.Model,
    code: str,
    quantity: Decimal = Decimal("1"),
    description: str = "",
    unit_price: Decimal | None = None,
    admission: models.Model | None = None,
    source: str = "",
    service_from: datetime | None = None,
    service_to: datetime | None = None,
    accrual_key: str | None = None,
    request: HttpRequest | None = None,
) -> Charge | None:
    """Post a charge at the item's current price (or `unit_price`, for fees set elsewhere, like a
    doctor's consultation fee). With an `accrual_key` the same charge is posted at most once:
    posting it again returns None and changes nothing.

    Raises BillingError when there is no active charge item with `code`, the quantity is not more
    than zero or more than HMS_BILLING_MAX_QUANTITY, or the price is more than
    HMS_BILLING_MAX_ENTRY; AlreadySubmitted (hms.submissions) when the same form was already sent.
    """
    item = ChargeItem.objects.filter(code=code).first()
    if item is None or not item.active:
        raise BillingError(f"There is no active charge item {code!r} in the charge master.")
    quantity = Decimal(quantity)
    if quantity <= 0:
        raise BillingError("The quantity must be more than zero.", field="quantity")
    most = settings.HMS_BILLING_MAX_QUANTITY
    if quantity > most:
        raise BillingError(
            f"The quantity of one charge is at most {most:,} ({quantity.normalize():,f} typed):"
            " check the quantity.",
            field="quantity",
        )
    price = _within_entry_limit(
        money(item.price if unit_price is None else unit_price), what="A price", field="unit_price"
    )
    amount = money(quantity * price)
    charge = Charge(
        patient_id=getattr(patient, "pk", patient),
        admission_id=getattr(admission, "pk", admission),
        item=item,
        category=item.category,
        description=(description or item.name)[:200],
        quantity=quantity,
        unit_price=price,
        tax_rate=item.tax_rate,
        amount=amount,
        tax_amount=percent_of(amount, item.tax_rate),
        service_from=service_from,
        service_to=service_to,
        source=source,
        accrual_key=accrual_key,
        posted_at=timezone.now(),
        posted_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    try:
        with transaction.atomic():
            charge.save()
    except IntegrityError:
        if accrual_key and Charge.objects.filter(accrual_key=accrual_key).exists():
            return None  # already posted by an earlier run
        raise
    audit.record(
        actor=actor,
        action="charge.post",
        obj=charge,
        patient=charge.patient_id,
        after={
            "code": item.code,
            "quantity": quantity,
            "unit_price": price,
            "amount": amount,
            "tax": charge.tax_amount,
            "source": source,
        },
        request=request,
        actor_username="" if actor else "system",
    )
    _announce(charge.patient_id)
    return charge


@transaction.atomic
@submissions.once("charge.reverse")
def charge_reverse(
    *, actor: User, charge: Charge, reason: str, request: HttpRequest | None = None
) -> Charge:
    """Take a charge back with a negative line that points at it (the original stays visible).

    Raises BillingError when the charge is itself a reversal, has already been reversed, or no
    reason is given; AlreadySubmitted (hms.submissions) when the same form was already sent.
    """
    charge = locked(Charge.objects).get(pk=charge.pk)
    if charge.reversal_of_id:
        raise BillingError("A reversal line cannot itself be reversed.")
    if Charge.objects.filter(reversal_of=charge).exists():
        raise BillingError("This charge has already been reversed.")
    if not reason.strip():
        raise BillingError("Give the reason for the reversal.")
    reversal = Charge.objects.create(
        patient_id=charge.patient_id,
        admission_id=charge.admission_id,
        item=charge.item,
        category=charge.category,
        description=f"Reversal: {charge.description} ({reason.strip()})"[:200],
        quantity=-charge.quantity,
        unit_price=charge.unit_price,
        tax_rate=charge.tax_rate,
        amount=-charge.amount,
        tax_amount=-charge.tax_amount,
        service_from=charge.service_from,
        service_to=charge.service_to,
        source=charge.source,
        reversal_of=charge,
        posted_at=timezone.now(),
        posted_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record(
        actor=actor,
        action="charge.reverse",
        obj=reversal,
        patient=charge.patient_id,
        before={"charge": charge.pk, "amount": charge.amount},
        after={"amount": reversal.amount, "reason": reason.strip()},
        request=request,
    )
    _announce(charge.patient_id)
    return reversal


def reverse_source(
    *, actor: User, source: str, reason: str, request: HttpRequest | None = None
) -> list[Charge]:
    """Reverse every charge a source (a cancelled order) posted that is not reversed yet.

    Raises no domain error.
    """
    open_charges = Charge.objects.filter(
        source=source, reversal_of__isnull=True, reversal__isnull=True
    )
    return [
        charge_reverse(actor=actor, charge=c, reason=reason, request=request) for c in open_charges
    ]


# The visit that led to an admission: its consultation and tests join the stay's bill when
# posted this long before the admission and not yet on an invoice (docs/DECISIONS.md).
PRE_ADMISSION_WINDOW = timedelta(hours=24)


@transaction.atomic
def charges_join_stay(
    *,
    actor: User,
    patient: models.Model,
    admission: models.Model,
    request: HttpRequest | None = None,
) -> int:
    """Put the patient's outpatient charges of the last day, not yet on any invoice, on
    `admission`: the consultation and tests that led to the admission are billed with the stay,
    on one invoice. Only which bill they go to changes (never an amount); audited. Returns how
    many joined.

    Raises no domain error.
    """
    since = admission.admitted_at - PRE_ADMISSION_WINDOW
    joining = locked(Charge.objects).filter(
        patient_id=patient.pk,
        admission__isnull=True,
        invoice__isnull=True,
        posted_at__gte=since,
        posted_at__lte=admission.admitted_at,
    )
    ids = list(joining.values_list("pk", flat=True))
    if not ids:
        return 0
    Charge.objects.filter(pk__in=ids).update(admission=admission)
    audit.record(
        actor=actor,
        action="charge.join_stay",
        obj=admission,
        patient=patient,
        after={"charges": ids},
        request=request,
    )
    _announce(patient.pk)
    return len(ids)
