"""Payments on an invoice: taking one, refunding it, reversing one taken by mistake, and the
invoice's settled status that follows.
"""

import re
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from billing import tasks
from billing.models import (
    MODES_WITH_REFERENCE,
    AdvanceDeposit,
    AdvanceRefund,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentMode,
    Refund,
    RefundMethod,
)
from billing.services.common import BillingError, _announce, _exact_amount, _text
from hms import audit, rbac, submissions
from hms.locking import locked
from hms.money import money_text
from hms.numbering import yearly_number

# An M-Pesa transaction code: ten letters and digits (Safaricom's receipt, e.g. QJK3X7Y2ZA).
MPESA_CODE = re.compile(r"[A-Z0-9]{10}")
# Modes whose reference names one transaction of money: recorded once, never on two receipts.
# (A scheme's authorisation number may cover several invoices of one treatment.)
MODES_WITH_ONE_USE_REFERENCE = {PaymentMode.MPESA, PaymentMode.CARD, PaymentMode.BANK}


def reference_key(mode: str, reference: str) -> str:
    """The reference as it is stored and compared: without spaces, upper case for M-Pesa codes
    (people type "qjk3 x7y2za" off a phone's message)."""
    reference = reference.strip()
    if mode == PaymentMode.MPESA:
        return "".join(reference.split()).upper()
    return reference


def require_reference(mode: str, reference: str) -> str:
    """The reference a mode needs, checked, as it is to be stored (`reference_key`).

    Raises BillingError (field "reference") when a mode that needs one has none, an M-Pesa code
    is not ten letters and digits, or the same M-Pesa code, card slip or bank reference is already
    on a receipt (a payment not reversed, or a deposit): the same money recorded twice."""
    if mode in MODES_WITH_REFERENCE and not reference.strip():
        raise BillingError(
            {
                PaymentMode.MPESA: "Enter the M-Pesa transaction code (e.g. QJK3X7Y2ZA).",
                PaymentMode.CARD: "Enter the card slip's reference.",
                PaymentMode.BANK: "Enter the bank transfer's reference.",
                PaymentMode.INSURANCE: "Enter the scheme's authorisation number.",
            }[mode],
            field="reference",
        )
    key = reference_key(mode, reference)
    if mode == PaymentMode.MPESA and not MPESA_CODE.fullmatch(key):
        raise BillingError(
            "An M-Pesa transaction code is 10 letters and digits, as in the patient's M-Pesa"
            " message (e.g. QJK3X7Y2ZA).",
            field="reference",
        )
    if mode in MODES_WITH_ONE_USE_REFERENCE and key:
        earlier = (
            Payment.objects.filter(mode=mode, reference__iexact=key, reversed_at__isnull=True)
            .values_list("receipt_number", "received_at")
            .first()
        ) or (
            AdvanceDeposit.objects.filter(mode=mode, reference__iexact=key)
            .values_list("receipt_number", "received_at")
            .first()
        )
        if earlier is not None:
            receipt, at = earlier
            raise BillingError(
                f"{PaymentMode(mode).label} reference {key} is already on receipt {receipt}"
                f" ({timezone.localtime(at):%d %b %Y %H:%M}): the same money cannot be recorded"
                " twice. Check the reference; if that receipt was a mistake, reverse it first.",
                field="reference",
            )
    return key


# The same amount for the same patient this soon after a receipt is most often the form sent again
# (the Back button, a second desk): it needs the desk's "yes, another one" to be recorded.
REPEAT_WINDOW = timedelta(minutes=10)


def _require_not_a_repeat(*, patient_id: int, amount: Decimal, confirmed: bool) -> None:
    """Refuse money of exactly `amount` for a patient who had a receipt of that amount in the
    last REPEAT_WINDOW (a payment not reversed, or a deposit), unless the desk `confirmed` it is
    another one. Raises BillingError on the field "again" naming the earlier receipt."""
    if confirmed:
        return
    since = timezone.now() - REPEAT_WINDOW
    earlier = (
        Payment.objects.filter(
            patient_id=patient_id, amount=amount, received_at__gte=since, reversed_at__isnull=True
        )
        .exclude(mode=PaymentMode.ADVANCE)
        .order_by("-received_at")
        .values_list("receipt_number", "received_at")
        .first()
    ) or (
        AdvanceDeposit.objects.filter(patient_id=patient_id, amount=amount, received_at__gte=since)
        .order_by("-received_at")
        .values_list("receipt_number", "received_at")
        .first()
    )
    if earlier is not None:
        receipt, at = earlier
        raise BillingError(
            f"{money_text(amount)} was already recorded for this patient at"
            f" {timezone.localtime(at):%H:%M} (receipt {receipt}). If this is a second, separate"
            " payment, tick “Yes, record another” and send again.",
            field="again",
        )


# What a refund by each method needs typed as its reference (a cash refund needs none).
REFUND_REFERENCE_NEEDED = {
    RefundMethod.MPESA: "Enter the M-Pesa reversal's transaction code (e.g. QJK3X7Y2ZA).",
    RefundMethod.CARD: "Enter the card reversal's reference.",
    RefundMethod.BANK: "Enter the bank transfer's reference.",
}


def require_refund_reference(method: str, reference: str) -> str:
    """The reference of money given back by `method`, checked as a payment's is
    (`require_reference`), as it is to be stored (`reference_key`).

    Raises BillingError (field "reference") when a method other than cash has none, an M-Pesa
    reversal's code is not ten letters and digits or is the code of money received (a payment not
    reversed, or a deposit: the reversal has a code of its own), or the same reference is already
    on a refund by that method (a payment's or a deposit's): the same money given back twice."""
    if method in REFUND_REFERENCE_NEEDED and not reference.strip():
        raise BillingError(REFUND_REFERENCE_NEEDED[method], field="reference")
    key = reference_key(method, reference)
    if method == RefundMethod.MPESA and not MPESA_CODE.fullmatch(key):
        raise BillingError(
            "An M-Pesa reversal's transaction code is 10 letters and digits, as in the M-Pesa"
            " message of the reversal (e.g. QJK3X7Y2ZA).",
            field="reference",
        )
    if method == RefundMethod.CASH or not key:
        return key
    label = RefundMethod(method).label
    if method == RefundMethod.MPESA:
        received = (
            Payment.objects.filter(mode=method, reference__iexact=key, reversed_at__isnull=True)
            .values_list("receipt_number", flat=True)
            .first()
        ) or (
            AdvanceDeposit.objects.filter(mode=method, reference__iexact=key)
            .values_list("receipt_number", flat=True)
            .first()
        )
        if received is not None:
            raise BillingError(
                f"{key} is the M-Pesa code of the money received on receipt {received}: enter"
                " the code of the reversal (M-Pesa sends it with the reversal).",
                field="reference",
            )
    earlier = (
        Refund.objects.filter(method=method, reference__iexact=key)
        .values_list("number", "refunded_at")
        .first()
    ) or (
        AdvanceRefund.objects.filter(method=method, reference__iexact=key)
        .values_list("number", "refunded_at")
        .first()
    )
    if earlier is not None:
        number, at = earlier
        raise BillingError(
            f"{label} reference {key} is already on refund {number}"
            f" ({timezone.localtime(at):%d %b %Y %H:%M}): the same money cannot be given back"
            " twice. Check the reference.",
            field="reference",
        )
    return key


def _require_refund_terms(method: str, reference: str, reason: str) -> str:
    """What every refund needs, a payment's or a deposit's: how the money goes back, that
    transaction's reference (not for cash), checked as a payment's is (`require_refund_reference`),
    and why. Returns the reference as it is to be stored. Raises BillingError with the field."""
    if method not in RefundMethod.values:
        raise BillingError("Choose how the money goes back to the patient.", field="method")
    reference = require_refund_reference(method, reference)
    if not reason.strip():
        raise BillingError("Give the reason for the refund.", field="reason")
    return reference


def _settle_status(invoice: Invoice) -> None:
    """Settled when neither the patient nor the insurer owes anything more: Paid when money was
    kept, otherwise Refunded (everything paid was given back) or Cancelled by credit note (nothing
    was ever paid). Never "Paid" for an invoice nobody paid."""
    kept = invoice.amount_paid > 0 or invoice.insurer_paid > 0
    if invoice.balance > 0 or invoice.insurer_balance > 0:
        invoice.status = InvoiceStatus.PARTIALLY_PAID if kept else InvoiceStatus.ISSUED
    elif kept:
        invoice.status = InvoiceStatus.PAID
    elif invoice.amount_refunded > 0:
        invoice.status = InvoiceStatus.REFUNDED
    elif invoice.amount_credited > 0:
        invoice.status = InvoiceStatus.CREDITED
    else:
        invoice.status = InvoiceStatus.PAID  # nothing was owed (a zero invoice settled)


@transaction.atomic
@submissions.once("payment.take")
def payment_take(
    *,
    actor: User,
    invoice: Invoice,
    amount: Decimal,
    mode: str,
    reference: str = "",
    again: bool = False,
    request: HttpRequest | None = None,
) -> Payment:
    """Take a (partial) payment of the patient's share. More than the balance is refused, not
    kept as credit (the desk gives change); two desks paying at once cannot overpay: the invoice
    row is locked and the database checks paid ≤ patient share.

    Raises BillingError when the invoice is not issued with a balance, the payment mode or amount
    is missing or not exact, a mode that needs a reference has none, or the amount exceeds the
    balance, the reference is already on a receipt, or the same amount was recorded for the
    patient minutes ago and `again` (the desk's "yes, another one") is not set;
    AlreadySubmitted (hms.submissions) when the same form was already sent.
    """
    invoice = locked(Invoice.objects).get(pk=invoice.pk)
    if invoice.status not in (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID):
        raise BillingError(
            f"Payments are taken on issued invoices; this one is {invoice.get_status_display().lower()}."
        )
    if mode not in PaymentMode.values:
        raise BillingError("Choose how the patient paid.", field="mode")
    amount = _exact_amount(amount)
    if amount <= 0:
        raise BillingError("Enter the amount paid.", field="amount")
    if amount > invoice.balance:
        raise BillingError(
            f"That is more than the balance of {money_text(invoice.balance)}: take"
            f" {money_text(invoice.balance)} and give change.",
            field="amount",
        )
    reference = require_reference(mode, reference)
    if mode != PaymentMode.ADVANCE:  # a deposit used on the bill is its own receipt's money
        _require_not_a_repeat(patient_id=invoice.patient_id, amount=amount, confirmed=again)
    payment = Payment.objects.create(
        invoice=invoice,
        patient_id=invoice.patient_id,
        amount=amount,
        mode=mode,
        reference=_text(reference, Payment, "reference", "Reference"),
        receipt_number=yearly_number("RCT", series="receipt"),
        received_at=timezone.now(),
        received_by=actor,
    )
    invoice.amount_paid += amount
    _settle_status(invoice)
    invoice.save(update_fields=["amount_paid", "status"])
    payment.balance_after = invoice.balance
    payment.save(update_fields=["balance_after"])
    transaction.on_commit(lambda: tasks.render_receipt_pdf(payment.pk), robust=True)
    transaction.on_commit(lambda: tasks.render_invoice_pdf(invoice.pk), robust=True)
    audit.record(
        actor=actor,
        action="payment.take",
        obj=payment,
        patient=invoice.patient_id,
        after={
            "invoice": invoice.number,
            "amount": amount,
            "mode": mode,
            "receipt": payment.receipt_number,
        },
        request=request,
    )
    _announce(invoice.patient_id)
    return payment


@transaction.atomic
@submissions.once("payment.refund")
def payment_refund(
    *,
    actor: User,
    payment: Payment,
    amount: Decimal,
    reason: str,
    method: str,
    reference: str = "",
    request: HttpRequest | None = None,
) -> Refund:
    """Give money back against a payment (the patient was overcharged, or the service was not
    given): never more than was paid on it, less earlier refunds, by `method` (cash, an M-Pesa
    or card reversal, a bank transfer) with that transaction's `reference` (not for cash). The
    refund takes the next RF number (its printed receipt). The hospital no longer claims what it
    gives back, so a refund lowers what was paid and what is owed alike: it never makes an
    invoice owed again (a payment that bounced is reversed with `payment_reverse` instead).

    Raises PermissionDenied when the actor is not an accountant or administrator; BillingError
    when the payment was reversed, the amount is missing or more than is left to refund, the
    method is missing, a method that needs a reference has none or one refused by
    `require_refund_reference`, or no reason is given;
    AlreadySubmitted (hms.submissions) when the same form was already sent.
    """
    if not rbac.allows(actor, "billing.adjust"):
        raise PermissionDenied("Only an accountant or an administrator can refund.")
    invoice = locked(Invoice.objects).get(pk=payment.invoice_id)
    payment = locked(Payment.objects).get(pk=payment.pk)
    amount = _exact_amount(amount)
    if payment.reversed_at:
        raise BillingError(
            f"Receipt {payment.receipt_number} was reversed ({payment.reversal_reason}):"
            " there is nothing to refund on it."
        )
    refunded = payment.refunds.aggregate(total=models.Sum("amount"))["total"] or Decimal("0")
    if amount <= 0:
        raise BillingError("Enter the amount to refund.", field="amount")
    if amount > payment.amount - refunded:
        raise BillingError(
            f"At most {money_text(payment.amount - refunded)} can be refunded on receipt"
            f" {payment.receipt_number}.",
            field="amount",
        )
    reference = _require_refund_terms(method, reference, reason)
    refund = Refund.objects.create(
        payment=payment,
        number=yearly_number("RF", series="refund"),
        amount=amount,
        method=method,
        reference=_text(reference, Refund, "reference", "Reference"),
        reason=_text(reason, Refund, "reason", "Reason"),
        refunded_at=timezone.now(),
        refunded_by=actor,
    )
    before = {"status": invoice.status, "paid": invoice.amount_paid, "balance": invoice.balance}
    invoice.amount_paid -= amount
    invoice.amount_refunded += amount
    _settle_status(invoice)
    invoice.save(update_fields=["amount_paid", "amount_refunded", "status"])
    transaction.on_commit(lambda: tasks.render_invoice_pdf(invoice.pk), robust=True)
    audit.record(
        actor=actor,
        action="payment.refund",
        obj=refund,
        patient=invoice.patient_id,
        before=before,
        after={
            "receipt": payment.receipt_number,
            "refund": refund.number,
            "amount": amount,
            "method": method,
            "reference": refund.reference,
            "reason": refund.reason,
            "status": invoice.status,
            "paid": invoice.amount_paid,
            "balance": invoice.balance,
        },
        request=request,
    )
    _announce(invoice.patient_id)
    return refund


@transaction.atomic
@submissions.once("payment.reverse")
def payment_reverse(
    *, actor: User, payment: Payment, reason: str, request: HttpRequest | None = None
) -> Payment:
    """Take back a payment that never arrived (a bounced cheque, an M-Pesa reversal, a card
    chargeback): the whole amount is owed again and the receipt is marked reversed. Unlike a
    refund, the hospital still claims the money.

    Raises PermissionDenied when the actor is not an accountant or administrator; BillingError
    when the payment was already reversed, was paid from the advance deposit, has refunds on it,
    or no reason is given; AlreadySubmitted (hms.submissions) when the same form was already sent.
    """
    if not rbac.allows(actor, "billing.adjust"):
        raise PermissionDenied("Only an accountant or an administrator can reverse a payment.")
    invoice = locked(Invoice.objects).get(pk=payment.invoice_id)
    payment = locked(Payment.objects).get(pk=payment.pk)
    if payment.reversed_at:
        raise BillingError(
            f"Receipt {payment.receipt_number} was already reversed"
            f" on {timezone.localtime(payment.reversed_at):%d %b %Y %H:%M}."
        )
    if payment.mode == PaymentMode.ADVANCE:
        raise BillingError(
            "A payment from the advance deposit cannot bounce: the deposit's own receipt is the"
            " money that came in."
        )
    if payment.refunds.exists():
        raise BillingError(
            f"Money was refunded on receipt {payment.receipt_number}: a payment partly given back"
            " cannot be reversed."
        )
    reason = _text(reason, Payment, "reversal_reason", "Reason", form_field="reason")
    if not reason:
        raise BillingError(
            "Give the reason for the reversal (e.g. cheque bounced).", field="reason"
        )
    before = {"status": invoice.status, "paid": invoice.amount_paid, "balance": invoice.balance}
    payment.reversed_at, payment.reversed_by, payment.reversal_reason = (
        timezone.now(),
        actor,
        reason,
    )
    payment.save(update_fields=["reversed_at", "reversed_by", "reversal_reason"])
    invoice.amount_paid -= payment.amount
    _settle_status(invoice)
    invoice.save(update_fields=["amount_paid", "status"])
    transaction.on_commit(lambda: tasks.render_receipt_pdf(payment.pk), robust=True)
    transaction.on_commit(lambda: tasks.render_invoice_pdf(invoice.pk), robust=True)
    audit.record(
        actor=actor,
        action="payment.reverse",
        obj=payment,
        patient=invoice.patient_id,
        before=before,
        after={
            "receipt": payment.receipt_number,
            "amount": payment.amount,
            "reason": reason,
            "status": invoice.status,
            "paid": invoice.amount_paid,
            "balance": invoice.balance,
        },
        request=request,
    )
    _announce(invoice.patient_id)
    return payment
