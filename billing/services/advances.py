"""Advance deposits: money taken before there is an invoice, applying it to one later, and
giving back what is not used."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from billing.models import (
    DEPOSIT_MODES,
    AdvanceDeposit,
    AdvanceRefund,
    Invoice,
    Payment,
    PaymentMode,
)
from billing.services.common import (
    BillingError,
    _announce,
    _exact_amount,
    _text,
    _within_entry_limit,
)
from billing.services.payments import (
    _require_not_a_repeat,
    _require_refund_terms,
    payment_take,
    require_reference,
)
from hms import audit, rbac, submissions
from hms.locking import locked
from hms.money import money_text
from hms.numbering import yearly_number


@transaction.atomic
@submissions.once("advance.take")
def advance_take(
    *,
    actor: User,
    patient: models.Model,
    amount: Decimal,
    mode: str,
    reference: str = "",
    admission: models.Model | None = None,
    again: bool = False,
    request: HttpRequest | None = None,
) -> AdvanceDeposit:
    """Record money paid ahead (a deposit at admission): held on the patient's account.

    Raises BillingError when the amount is missing, not an exact positive amount or more than
    HMS_BILLING_MAX_ENTRY, the payment mode is missing, a mode that needs a reference has none
    or gives one already on a receipt, a text is too long, or the same amount was recorded for
    the patient minutes ago and `again` (the desk's "yes, another one") is not set;
    AlreadySubmitted (hms.submissions) when the same form was already sent.
    """
    amount = _exact_amount(amount)
    if amount <= 0:
        raise BillingError("Enter an amount above zero.", field="amount")
    _within_entry_limit(amount, what="One deposit")
    if mode not in {value for value, _ in DEPOSIT_MODES}:
        raise BillingError("Choose how the deposit was paid.", field="mode")
    reference = require_reference(mode, reference)
    _require_not_a_repeat(
        patient_id=getattr(patient, "pk", patient), amount=amount, confirmed=again
    )
    advance = AdvanceDeposit.objects.create(
        patient_id=getattr(patient, "pk", patient),
        admission_id=getattr(admission, "pk", admission),
        amount=amount,
        mode=mode,
        reference=_text(reference, AdvanceDeposit, "reference", "Reference"),
        receipt_number=yearly_number("RCT", series="receipt"),
        received_at=timezone.now(),
        received_by=actor,
    )
    audit.record(
        actor=actor,
        action="advance.take",
        obj=advance,
        patient=advance.patient_id,
        after={"amount": amount, "mode": mode, "receipt": advance.receipt_number},
        request=request,
    )
    _announce(advance.patient_id)
    return advance


@transaction.atomic
@submissions.once("advance.apply")
def advance_apply(
    *, actor: User, invoice: Invoice, request: HttpRequest | None = None
) -> list[Payment]:
    """Pay the invoice's balance from the patient's advance deposits, oldest first, as far as
    they go; each use is a payment of mode "advance" with its own receipt.

    Raises BillingError when the patient has no advance deposit left to apply, or when payment_take
    refuses the payment (the invoice is not issued with a balance); AlreadySubmitted
    (hms.submissions) when the same form was already sent.
    """
    invoice = locked(Invoice.objects).get(pk=invoice.pk)
    advances = list(
        locked(AdvanceDeposit.objects)
        .filter(
            patient_id=invoice.patient_id,
            applied__lt=models.F("amount") - models.F("refunded"),
        )
        .order_by("received_at", "id")
    )
    if not advances:
        raise BillingError("This patient has no advance deposit left to apply.")
    payments = []
    for advance in advances:
        if invoice.balance <= 0:
            break
        use = min(advance.available, invoice.balance)
        payments.append(
            payment_take(
                actor=actor,
                invoice=invoice,
                amount=use,
                mode=PaymentMode.ADVANCE,
                reference=advance.receipt_number,
                request=request,
            )
        )
        invoice.refresh_from_db()
        advance.applied += use
        advance.save(update_fields=["applied"])
    return payments


@transaction.atomic
@submissions.once("advance.refund")
def advance_refund(
    *,
    actor: User,
    advance: AdvanceDeposit,
    amount: Decimal,
    method: str,
    reason: str,
    reference: str = "",
    request: HttpRequest | None = None,
) -> AdvanceRefund:
    """Give back money of an advance deposit not yet used (KES, exact to the cent): never more
    than the deposit has left, by `method` (cash, an M-Pesa or card reversal, a bank transfer)
    with that transaction's `reference` (not for cash), for `reason`. The deposit holds that much
    less; the refund takes the next RF number (its printed receipt) and comes off the day's
    takings of its method.

    Raises PermissionDenied when the actor is not an accountant or administrator; BillingError
    when the amount is missing or more than the deposit has left, the method is missing, a method
    that needs a reference has none or one refused by `require_refund_reference` (payments.py),
    or no reason is given; AlreadySubmitted (hms.submissions)
    when the same form was already sent.
    """
    if not rbac.allows(actor, "billing.adjust"):
        raise PermissionDenied("Only an accountant or an administrator can refund.")
    # Locked: an invoice paid from this deposit at the same moment waits, and then sees less.
    advance = locked(AdvanceDeposit.objects).get(pk=advance.pk)
    amount = _exact_amount(amount)
    if amount <= 0:
        raise BillingError("Enter the amount to give back.", field="amount")
    if amount > advance.available:
        raise BillingError(
            f"At most {money_text(advance.available)} of deposit {advance.receipt_number} is"
            " left to give back.",
            field="amount",
        )
    reference = _require_refund_terms(method, reference, reason)
    given_back = AdvanceRefund.objects.create(
        advance=advance,
        number=yearly_number("RF", series="refund"),
        amount=amount,
        method=method,
        reference=_text(reference, AdvanceRefund, "reference", "Reference"),
        reason=_text(reason, AdvanceRefund, "reason", "Reason"),
        refunded_at=timezone.now(),
        refunded_by=actor,
    )
    advance.refunded += amount
    advance.save(update_fields=["refunded"])
    audit.record(
        actor=actor,
        action="advance.refund",
        obj=given_back,
        patient=advance.patient_id,
        after={
            "deposit": advance.receipt_number,
            "refund": given_back.number,
            "amount": amount,
            "method": method,
            "reference": given_back.reference,
            "reason": given_back.reason,
            "left": advance.available,
        },
        request=request,
    )
    _announce(advance.patient_id)
    return given_back
