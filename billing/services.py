"""Billing actions: the charge master (prices with their history) and posting charges.

`charge_post` is the one function every module posts through (consultations, ward accrual, tests,
manual charges); `charge_reverse` is how a charge is taken back (a visible negative line).
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from django.utils import timezone

from billing import live, tasks, totals
from billing.models import (
    AdvanceDeposit,
    Charge,
    ChargeItem,
    ClaimStatus,
    CreditNote,
    InsuranceClaim,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentMode,
    PriceChange,
    Refund,
)
from hms import audit, params, rbac, submissions
from hms.money import money, money_exact, percent_of
from hms.numbering import yearly_number
from hms.refusals import Refusal

ITEM_FIELDS = ["code", "name", "category", "charge_type", "price", "tax_rate", "active"]


def _exact_amount(value) -> Decimal:
    """The amount as given, in cents: more places are refused (never rounded away)."""
    try:
        return money_exact(value)
    except (TypeError, ValueError) as refusal:
        raise BillingError(str(refusal)) from None


def _text(value: str, model, field: str, label: str) -> str:
    """Free text within its column's length, or refused naming the limit (never cut)."""
    try:
        return params.bounded_text(value, limit=params.model_limit(model, field), label=label)
    except params.ValueRefused as refusal:
        raise BillingError(str(refusal)) from None


class BillingError(Refusal):
    """A billing action that cannot be done, with the sentence the person reads."""


def _announce(patient_id) -> None:
    """Tell open billing screens (the patient's account, the desk's outstanding list) to refresh
    their figures."""
    live.account_changed(patient_id)


@transaction.atomic
def charge_item_save(
    *, actor, fields: dict, item: ChargeItem | None = None, request: HttpRequest | None = None
) -> ChargeItem:
    """Create an item, or change one. A price or tax change is kept in the item's history and
    audited; charges already posted keep their own snapshot."""
    creating = item is None
    item = ChargeItem() if creating else ChargeItem.objects.select_for_update().get(pk=item.pk)
    before = None if creating else audit.snapshot(item, ITEM_FIELDS)
    for name in ITEM_FIELDS:
        if name in fields:
            setattr(item, name, fields[name])
    item.code = item.code.strip().upper()
    item.price = money(item.price)
    try:
        item.full_clean()
    except ValidationError as error:
        raise BillingError(" ".join(error.messages)) from error
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
    actor,
    patient,
    code: str,
    quantity=Decimal("1"),
    description: str = "",
    unit_price: Decimal | None = None,
    admission=None,
    source: str = "",
    service_from=None,
    service_to=None,
    accrual_key: str | None = None,
    request: HttpRequest | None = None,
) -> Charge | None:
    """Post a charge at the item's current price (or `unit_price`, for fees set elsewhere, like a
    doctor's consultation fee). With an `accrual_key` the same charge is posted at most once:
    posting it again returns None and changes nothing."""
    item = ChargeItem.objects.filter(code=code).first()
    if item is None or not item.active:
        raise BillingError(f"There is no active charge item {code!r} in the charge master.")
    quantity = Decimal(quantity)
    if quantity <= 0:
        raise BillingError("The quantity must be more than zero.")
    price = money(item.price if unit_price is None else unit_price)
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
    *, actor, charge: Charge, reason: str, request: HttpRequest | None = None
) -> Charge:
    """Take a charge back with a negative line that points at it (the original stays visible)."""
    charge = Charge.objects.select_for_update().get(pk=charge.pk)
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
    *, actor, source: str, reason: str, request: HttpRequest | None = None
) -> list[Charge]:
    """Reverse every charge a source (a cancelled order) posted that is not reversed yet."""
    open_charges = Charge.objects.filter(
        source=source, reversal_of__isnull=True, reversal__isnull=True
    )
    return [
        charge_reverse(actor=actor, charge=c, reason=reason, request=request) for c in open_charges
    ]


# --- invoices --------------------------------------------------------------------------------

VOIDABLE = {InvoiceStatus.ISSUED}  # a void needs no payment on it: refund first
VOIDED_CLAIM_REASON = "Invoice voided"


def _insurance_of(patient, on_day) -> tuple[str, Decimal]:
    """The insurer and coverage % of the patient's policy, if it is valid on `on_day`."""
    policy = patient.insurance or {}
    if not policy.get("provider") or not policy.get("coverage_percent"):
        return "", Decimal("0")
    valid_until = policy.get("valid_until")
    if valid_until and valid_until < on_day.isoformat():
        return "", Decimal("0")
    return policy["provider"], Decimal(policy["coverage_percent"])


def _invoice_charges(invoice: Invoice) -> list[Charge]:
    """The invoice's charges in its printed order, which also decides which line gets a left-over
    cent of the discount: always this order, so the draft, the issue and a credit note agree."""
    return list(invoice.lines.select_related("item").order_by("category", "posted_at", "id"))


def _figures_of(invoice: Invoice, charges: list[Charge], coverage: Decimal) -> totals.Totals:
    return totals.compute(
        lines=[(charge.amount, charge.tax_rate) for charge in charges],
        discount_kind=invoice.discount_kind,
        discount_value=invoice.discount_value,
        coverage_percent=coverage,
    )


def _line_rows(charges: list[Charge], figures: totals.Totals) -> list[dict]:
    """Each charge as an invoice line: its amount, its share of the invoice's discount, and its
    tax on what is left."""
    return [
        {
            "charge": charge.pk,
            "category": charge.get_category_display(),
            "description": charge.description,
            "code": charge.item.code,
            "quantity": charge.quantity,
            "unit_price": charge.unit_price,
            "amount": line.amount,
            "discount": line.discount,
            "tax_rate": charge.tax_rate,
            "tax": line.tax,
            "total": line.total,
        }
        for charge, line in zip(charges, figures.lines, strict=True)
    ]


def invoice_figures(invoice: Invoice, on_day=None) -> totals.Totals:
    """The invoice's figures now: from its lines while a draft, as issued afterwards."""
    if invoice.status != InvoiceStatus.DRAFT:
        return totals.Totals(
            invoice.subtotal,
            invoice.discount_amount,
            invoice.tax_total,
            invoice.total,
            invoice.insurer_share,
            invoice.patient_share,
        )
    _, coverage = _insurance_of(invoice.patient, on_day or timezone.localdate())
    return _figures_of(invoice, _invoice_charges(invoice), coverage)


def invoice_lines(invoice: Invoice) -> list[dict]:
    """The invoice's lines as shown and printed: as issued (frozen), or, for a draft, from its
    charges now, each with its share of the discount and its tax after the discount."""
    if invoice.status != InvoiceStatus.DRAFT:
        return invoice.lines_snapshot
    charges = _invoice_charges(invoice)
    return _line_rows(charges, _figures_of(invoice, charges, Decimal("0")))


@transaction.atomic
@submissions.once("invoice.draft")
def invoice_draft(*, actor, patient, admission=None, request: HttpRequest | None = None) -> Invoice:
    """Gather the patient's charges not yet on an invoice into a draft: an admission's charges
    for an inpatient bill, or the charges outside any admission for a visit's bill. An open
    draft for the same stay or visit is topped up instead of a second one."""
    patient_id = getattr(patient, "pk", patient)
    admission_id = getattr(admission, "pk", admission)
    loose = Charge.objects.select_for_update().filter(
        patient_id=patient_id, admission_id=admission_id, invoice__isnull=True
    )
    draft = Invoice.objects.filter(
        patient_id=patient_id, admission_id=admission_id, status=InvoiceStatus.DRAFT
    ).first()
    if not loose.exists() and draft is None:
        raise BillingError("There are no charges to invoice.")
    if draft is None:
        draft = Invoice.objects.create(
            patient_id=patient_id, admission_id=admission_id, created_by=actor
        )
        audit.record(
            actor=actor, action="invoice.draft", obj=draft, patient=patient_id, request=request
        )
    loose.update(invoice=draft)
    _announce(patient_id)
    return draft


@transaction.atomic
@submissions.once("invoice.discount")
def invoice_set_discount(
    *,
    actor,
    invoice: Invoice,
    kind: str,
    value: Decimal,
    reason: str,
    request: HttpRequest | None = None,
) -> Invoice:
    if not rbac.allows(actor, "billing.adjust"):
        raise BillingError("Only an accountant or an administrator can give a discount.")
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status != InvoiceStatus.DRAFT:
        raise BillingError("An issued invoice is never changed: correct it with a credit note.")
    if kind not in ("amount", "percent", ""):
        raise BillingError("A discount is an amount or a percentage.")
    value = money(value or 0)
    if value < 0 or (kind == "percent" and value > 100):
        raise BillingError("A discount is between 0 and 100 % (or a positive amount).")
    if kind and value > 0 and not reason.strip():
        raise BillingError("Give the reason for the discount.")
    before = {
        "kind": invoice.discount_kind,
        "value": invoice.discount_value,
        "reason": invoice.discount_reason,
    }
    invoice.discount_kind, invoice.discount_value = (
        (kind, value) if value > 0 else ("", Decimal("0"))
    )
    invoice.discount_reason = (
        _text(reason, Invoice, "discount_reason", "Reason") if value > 0 else ""
    )
    invoice.save(update_fields=["discount_kind", "discount_value", "discount_reason"])
    audit.record(
        actor=actor,
        action="invoice.discount",
        obj=invoice,
        patient=invoice.patient_id,
        before=before,
        after={
            "kind": invoice.discount_kind,
            "value": invoice.discount_value,
            "reason": invoice.discount_reason,
        },
        request=request,
    )
    _announce(invoice.patient_id)
    return invoice


@transaction.atomic
@submissions.once("invoice.issue")
def invoice_issue(*, actor, invoice: Invoice, request: HttpRequest | None = None) -> Invoice:
    """Fix the figures, take the next number of the year's series (gapless, also when two desks
    issue at once) and freeze the lines."""
    invoice = Invoice.objects.select_for_update().select_related("patient").get(pk=invoice.pk)
    if invoice.status != InvoiceStatus.DRAFT:
        raise BillingError(f"This invoice is already {invoice.get_status_display().lower()}.")
    charges = _invoice_charges(invoice)
    if not charges:
        raise BillingError("An invoice needs at least one line.")
    today = timezone.localdate()
    insurer, coverage = _insurance_of(invoice.patient, today)
    figures = _figures_of(invoice, charges, coverage)
    if figures.total < 0:
        raise BillingError("The invoice adds up to less than zero: check the reversals.")
    invoice.number = yearly_number("INV", series="invoice")
    invoice.status = InvoiceStatus.ISSUED
    invoice.issued_at = timezone.now()
    invoice.issued_by = actor
    invoice.subtotal = figures.subtotal
    invoice.discount_amount = figures.discount
    invoice.tax_total = figures.tax
    invoice.total = figures.total
    invoice.insurer = insurer
    invoice.coverage_percent = coverage
    invoice.insurer_share = figures.insurer_share
    invoice.patient_share = figures.patient_share
    # Frozen as JSON (amounts as strings), with each line's charge, so a credit note can credit
    # exactly what the line was invoiced at.
    invoice.lines_snapshot = [
        {
            name: value if isinstance(value, (int, str)) else str(value)
            for name, value in row.items()
        }
        for row in _line_rows(charges, figures)
    ]
    invoice.save()
    transaction.on_commit(lambda: tasks.render_invoice_pdf(invoice.pk))
    audit.record(
        actor=actor,
        action="invoice.issue",
        obj=invoice,
        patient=invoice.patient_id,
        after={
            "number": invoice.number,
            "total": invoice.total,
            "insurer_share": invoice.insurer_share,
            "patient_share": invoice.patient_share,
        },
        request=request,
    )
    if invoice.insurer_share > 0:
        _claim_submit(actor=actor, invoice=invoice, request=request)
    _announce(invoice.patient_id)
    return invoice


def _claim_submit(*, actor, invoice: Invoice, request: HttpRequest | None) -> InsuranceClaim:
    """Claim the insurer's share of an invoice being issued (in the issue's transaction)."""
    claim = InsuranceClaim.objects.create(
        number=yearly_number("CLM", series="claim"),
        invoice=invoice,
        insurer=invoice.insurer,
        amount_claimed=invoice.insurer_share,
        submitted_at=timezone.now(),
        submitted_by=actor,
    )
    audit.record(
        actor=actor,
        action="claim.submit",
        obj=claim,
        patient=invoice.patient_id,
        after={
            "invoice": invoice.number,
            "insurer": claim.insurer,
            "amount_claimed": claim.amount_claimed,
        },
        request=request,
    )
    return claim


@transaction.atomic
@submissions.once("invoice.void")
def invoice_void(
    *, actor, invoice: Invoice, reason: str, request: HttpRequest | None = None
) -> Invoice:
    """Void an issued invoice that nothing was paid on; its charges can go on a new invoice."""
    if not rbac.allows(actor, "billing.adjust"):
        raise BillingError("Only an accountant or an administrator can void an invoice.")
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.credit_notes.exists():
        raise BillingError("This invoice has credit notes: it cannot be voided.")
    if invoice.status not in VOIDABLE:
        raise BillingError(
            f"Only an issued, unpaid invoice can be voided; this one is {invoice.get_status_display().lower()}."
        )
    if not reason.strip():
        raise BillingError("Give the reason for voiding the invoice.")
    claim = InsuranceClaim.objects.select_for_update().filter(invoice=invoice).first()
    if claim is not None and claim.status in (ClaimStatus.APPROVED, ClaimStatus.PAID):
        raise BillingError(
            f"The insurer has {claim.get_status_display().lower()} claim {claim.number}:"
            " this invoice can no longer be voided."
        )
    invoice.status = InvoiceStatus.VOID
    invoice.voided_at = timezone.now()
    invoice.voided_by = actor
    invoice.void_reason = _text(reason, Invoice, "void_reason", "Reason")
    invoice.save(update_fields=["status", "voided_at", "voided_by", "void_reason"])
    invoice.lines.update(invoice=None)  # what it showed stays in lines_snapshot
    audit.record(
        actor=actor,
        action="invoice.void",
        obj=invoice,
        patient=invoice.patient_id,
        before={"status": InvoiceStatus.ISSUED},
        after={"status": InvoiceStatus.VOID, "reason": invoice.void_reason},
        request=request,
    )
    if claim is not None and claim.status == ClaimStatus.SUBMITTED:
        # Withdrawn from the insurer; the patient owes nothing on a void invoice either.
        claim.status = ClaimStatus.REJECTED
        claim.rejection_reason = VOIDED_CLAIM_REASON
        claim.decided_at, claim.decided_by = invoice.voided_at, actor
        claim.save(update_fields=["status", "rejection_reason", "decided_at", "decided_by"])
        audit.record(
            actor=actor,
            action="claim.reject",
            obj=claim,
            patient=invoice.patient_id,
            before={"status": ClaimStatus.SUBMITTED},
            after={"status": ClaimStatus.REJECTED, "reason": VOIDED_CLAIM_REASON},
            request=request,
        )
    _announce(invoice.patient_id)
    return invoice


# --- payments and refunds ----------------------------------------------------------------------


def _require_reference(mode: str, reference: str) -> None:
    if mode in (PaymentMode.MPESA, PaymentMode.CARD, PaymentMode.BANK) and not reference.strip():
        raise BillingError(
            "Enter the transaction reference (M-Pesa code, card slip or bank reference)."
        )


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
    actor,
    invoice: Invoice,
    amount: Decimal,
    mode: str,
    reference: str = "",
    request: HttpRequest | None = None,
) -> Payment:
    """Take a (partial) payment of the patient's share. More than the balance is refused, not
    kept as credit (the desk gives change); two desks paying at once cannot overpay: the invoice
    row is locked and the database checks paid ≤ patient share."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status not in (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID):
        raise BillingError(
            f"Payments are taken on issued invoices; this one is {invoice.get_status_display().lower()}."
        )
    if mode not in PaymentMode.values:
        raise BillingError("Choose how the patient paid.")
    amount = _exact_amount(amount)
    if amount <= 0:
        raise BillingError("Enter the amount paid.")
    if amount > invoice.balance:
        raise BillingError(
            f"That is more than the balance of {invoice.balance}: take {invoice.balance} and give change."
        )
    _require_reference(mode, reference)
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
    transaction.on_commit(lambda: tasks.render_receipt_pdf(payment.pk))
    transaction.on_commit(lambda: tasks.render_invoice_pdf(invoice.pk))
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
    *, actor, payment: Payment, amount: Decimal, reason: str, request: HttpRequest | None = None
) -> Refund:
    """Give money back against a payment (the patient was overcharged, or the service was not
    given): never more than was paid on it, less earlier refunds. The hospital no longer claims
    what it gives back, so a refund lowers what was paid and what is owed alike: it never makes
    an invoice owed again (a payment that bounced is reversed with `payment_reverse` instead)."""
    if not rbac.allows(actor, "billing.adjust"):
        raise BillingError("Only an accountant or an administrator can refund.")
    invoice = Invoice.objects.select_for_update().get(pk=payment.invoice_id)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    amount = _exact_amount(amount)
    if payment.reversed_at:
        raise BillingError(
            f"Receipt {payment.receipt_number} was reversed ({payment.reversal_reason}):"
            " there is nothing to refund on it."
        )
    refunded = payment.refunds.aggregate(total=models.Sum("amount"))["total"] or Decimal("0")
    if amount <= 0:
        raise BillingError("Enter the amount to refund.")
    if amount > payment.amount - refunded:
        raise BillingError(
            f"At most {money(payment.amount - refunded)} can be refunded on receipt"
            f" {payment.receipt_number}."
        )
    if not reason.strip():
        raise BillingError("Give the reason for the refund.")
    refund = Refund.objects.create(
        payment=payment,
        amount=amount,
        reason=_text(reason, Refund, "reason", "Reason"),
        refunded_at=timezone.now(),
        refunded_by=actor,
    )
    before = {"status": invoice.status, "paid": invoice.amount_paid, "balance": invoice.balance}
    invoice.amount_paid -= amount
    invoice.amount_refunded += amount
    _settle_status(invoice)
    invoice.save(update_fields=["amount_paid", "amount_refunded", "status"])
    transaction.on_commit(lambda: tasks.render_invoice_pdf(invoice.pk))
    audit.record(
        actor=actor,
        action="payment.refund",
        obj=refund,
        patient=invoice.patient_id,
        before=before,
        after={
            "receipt": payment.receipt_number,
            "amount": amount,
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
    *, actor, payment: Payment, reason: str, request: HttpRequest | None = None
) -> Payment:
    """Take back a payment that never arrived (a bounced cheque, an M-Pesa reversal, a card
    chargeback): the whole amount is owed again and the receipt is marked reversed. Unlike a
    refund, the hospital still claims the money."""
    if not rbac.allows(actor, "billing.adjust"):
        raise BillingError("Only an accountant or an administrator can reverse a payment.")
    invoice = Invoice.objects.select_for_update().get(pk=payment.invoice_id)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
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
    reason = _text(reason, Payment, "reversal_reason", "Reason")
    if not reason:
        raise BillingError("Give the reason for the reversal (e.g. cheque bounced).")
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
    transaction.on_commit(lambda: tasks.render_receipt_pdf(payment.pk))
    transaction.on_commit(lambda: tasks.render_invoice_pdf(invoice.pk))
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


# --- advance deposits ----------------------------------------------------------------------------


@transaction.atomic
@submissions.once("advance.take")
def advance_take(
    *,
    actor,
    patient,
    amount: Decimal,
    mode: str,
    reference: str = "",
    admission=None,
    request: HttpRequest | None = None,
) -> AdvanceDeposit:
    """Record money paid ahead (a deposit at admission): held on the patient's account."""
    amount = _exact_amount(amount)
    if amount <= 0:
        raise BillingError("Enter the deposit amount.")
    if mode not in PaymentMode.values or mode == PaymentMode.ADVANCE:
        raise BillingError("Choose how the deposit was paid.")
    _require_reference(mode, reference)
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
def advance_apply(*, actor, invoice: Invoice, request: HttpRequest | None = None) -> list[Payment]:
    """Pay the invoice's balance from the patient's advance deposits, oldest first, as far as
    they go; each use is a payment of mode "advance" with its own receipt."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    advances = list(
        AdvanceDeposit.objects.select_for_update()
        .filter(patient_id=invoice.patient_id, applied__lt=models.F("amount"))
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


# --- credit notes ------------------------------------------------------------------------------


def _invoiced_lines(invoice: Invoice) -> dict[int, dict]:
    """The issued invoice's lines by charge id, as invoiced. Invoices issued before the lines kept
    their charge have them worked out again from the charges and the discount as issued."""
    if invoice.lines_snapshot and all("charge" in row for row in invoice.lines_snapshot):
        return {row["charge"]: row for row in invoice.lines_snapshot}
    charges = _invoice_charges(invoice)
    figures = totals.compute(
        lines=[(charge.amount, charge.tax_rate) for charge in charges],
        discount_kind="amount",
        discount_value=invoice.discount_amount,
    )
    return {row["charge"]: row for row in _line_rows(charges, figures)}


@transaction.atomic
@submissions.once("credit_note.issue")
def credit_note_issue(
    *,
    actor,
    invoice: Invoice,
    reason: str,
    amount: Decimal | None = None,
    charge_ids: list[int] | None = None,
    request: HttpRequest | None = None,
) -> CreditNote:
    """Correct an issued invoice: credit some of its lines, or an amount, off what the patient
    still owes. The invoice stays as issued; the credit note has its own gapless number."""
    if not rbac.allows(actor, "billing.adjust"):
        raise BillingError("Only an accountant or an administrator can issue a credit note.")
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status not in (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID):
        raise BillingError(
            f"Credit notes are for issued invoices with a balance; this one is"
            f" {invoice.get_status_display().lower()} (refund a paid invoice instead)."
        )
    if not reason.strip():
        raise BillingError("Give the reason for the credit note.")
    lines = []
    if charge_ids:
        invoiced = _invoiced_lines(invoice)
        wanted = set(charge_ids)
        if not wanted <= invoiced.keys():
            raise BillingError("Credit only lines of this invoice.")
        credited = {
            line.get("charge")
            for earlier in invoice.credit_notes.all()
            for line in earlier.lines
            if line.get("charge")
        }
        if wanted & credited:
            raise BillingError("A line of this invoice has already been credited.")
        # What the line was invoiced at: its amount less its share of the discount, plus its tax.
        lines = [
            {
                "charge": pk,
                "description": invoiced[pk]["description"],
                "code": invoiced[pk]["code"],
                "net": str(money(invoiced[pk]["amount"]) - money(invoiced[pk]["discount"])),
                "tax": str(money(invoiced[pk]["tax"])),
                "total": str(money(invoiced[pk]["total"])),
            }
            for pk in invoiced
            if pk in wanted
        ]
        amount = sum((money(line["total"]) for line in lines), Decimal("0"))
    amount = _exact_amount(amount or 0)
    if amount <= 0:
        raise BillingError("Enter the amount to credit, or choose the lines.")
    if amount > invoice.balance:
        raise BillingError(
            f"That is more than the open balance of {invoice.balance}: refund the payment instead."
        )
    note = CreditNote.objects.create(
        number=yearly_number("CN", series="credit"),
        invoice=invoice,
        amount=amount,
        reason=_text(reason, CreditNote, "reason", "Reason"),
        lines=lines,
        created_at=timezone.now(),
        created_by=actor,
    )
    invoice.amount_credited += amount
    _settle_status(invoice)
    invoice.save(update_fields=["amount_credited", "status"])
    transaction.on_commit(lambda: tasks.render_invoice_pdf(invoice.pk))
    audit.record(
        actor=actor,
        action="credit_note.issue",
        obj=note,
        patient=invoice.patient_id,
        after={
            "invoice": invoice.number,
            "amount": amount,
            "reason": note.reason,
            "lines": len(lines),
        },
        request=request,
    )
    _announce(invoice.patient_id)
    return note


# --- insurance claims ----------------------------------------------------------------------------


def _claim_locked(actor, claim: InsuranceClaim, doing: str) -> tuple[Invoice, InsuranceClaim]:
    """Check the role, then lock the invoice and its claim (in that order, as invoice_void does)."""
    if not rbac.allows(actor, "billing.adjust"):
        raise BillingError(
            f"Only an accountant or an administrator can {doing} an insurance claim."
        )
    invoice = Invoice.objects.select_for_update().get(pk=claim.invoice_id)
    return invoice, InsuranceClaim.objects.select_for_update().get(pk=claim.pk)


def _claim_state_error(claim: InsuranceClaim, wanted: str) -> BillingError:
    state = claim.get_status_display().lower()
    if claim.status == ClaimStatus.REJECTED and claim.rejection_reason:
        state += f" ({claim.rejection_reason})"
    return BillingError(f"Claim {claim.number} is {state}: only {wanted}.")


def _claim_amount(value) -> Decimal:
    return _exact_amount(value)


def _claim_settled(invoice: Invoice, fields: list[str]) -> None:
    _settle_status(invoice)
    invoice.save(update_fields=[*fields, "status"])
    transaction.on_commit(lambda: tasks.render_invoice_pdf(invoice.pk))


@transaction.atomic
@submissions.once("claim.approve")
def claim_approve(
    *,
    actor,
    claim: InsuranceClaim,
    amount: Decimal,
    insurer_reference: str,
    request: HttpRequest | None = None,
) -> InsuranceClaim:
    """Record the insurer's approval of a submitted claim, in full or in part. What it did not
    approve (claimed − approved) moves to the patient's balance."""
    invoice, claim = _claim_locked(actor, claim, "approve")
    if claim.status != ClaimStatus.SUBMITTED:
        raise _claim_state_error(claim, "a submitted claim can be approved")
    amount = _claim_amount(amount)
    if amount <= 0:
        raise BillingError(
            "Enter the amount the insurer approved (if it approved nothing, reject the claim)."
        )
    if amount > claim.amount_claimed:
        raise BillingError(
            f"The insurer cannot approve more than the {claim.amount_claimed} claimed."
        )
    if not insurer_reference.strip():
        raise BillingError("Enter the insurer's reference for the approval.")
    claim.status = ClaimStatus.APPROVED
    claim.approved_amount = amount
    claim.insurer_reference = _text(
        insurer_reference, InsuranceClaim, "insurer_reference", "Insurer's reference"
    )
    claim.decided_at, claim.decided_by = timezone.now(), actor
    claim.save(
        update_fields=["status", "approved_amount", "insurer_reference", "decided_at", "decided_by"]
    )
    invoice.insurer_shortfall = claim.amount_claimed - amount
    _claim_settled(invoice, ["insurer_shortfall"])
    audit.record(
        actor=actor,
        action="claim.approve",
        obj=claim,
        patient=invoice.patient_id,
        before={"status": ClaimStatus.SUBMITTED},
        after={
            "status": claim.status,
            "approved_amount": amount,
            "insurer_reference": claim.insurer_reference,
            "moved_to_patient": invoice.insurer_shortfall,
        },
        request=request,
    )
    _announce(invoice.patient_id)
    return claim


@transaction.atomic
@submissions.once("claim.reject")
def claim_reject(
    *, actor, claim: InsuranceClaim, reason: str, request: HttpRequest | None = None
) -> InsuranceClaim:
    """Record the insurer's rejection of a submitted claim: the whole claimed amount moves to the
    patient's balance."""
    invoice, claim = _claim_locked(actor, claim, "reject")
    if claim.status != ClaimStatus.SUBMITTED:
        raise _claim_state_error(claim, "a submitted claim can be rejected")
    if not reason.strip():
        raise BillingError("Give the insurer's reason for the rejection.")
    claim.status = ClaimStatus.REJECTED
    claim.rejection_reason = _text(reason, InsuranceClaim, "rejection_reason", "Reason")
    claim.decided_at, claim.decided_by = timezone.now(), actor
    claim.save(update_fields=["status", "rejection_reason", "decided_at", "decided_by"])
    invoice.insurer_shortfall = claim.amount_claimed
    _claim_settled(invoice, ["insurer_shortfall"])
    audit.record(
        actor=actor,
        action="claim.reject",
        obj=claim,
        patient=invoice.patient_id,
        before={"status": ClaimStatus.SUBMITTED},
        after={
            "status": claim.status,
            "reason": claim.rejection_reason,
            "moved_to_patient": invoice.insurer_shortfall,
        },
        request=request,
    )
    _announce(invoice.patient_id)
    return claim


@transaction.atomic
@submissions.once("claim.pay")
def claim_record_payment(
    *,
    actor,
    claim: InsuranceClaim,
    amount: Decimal,
    reference: str,
    request: HttpRequest | None = None,
) -> InsuranceClaim:
    """Record the insurer's payment of an approved claim: one remittance of exactly the approved
    amount, which clears the insurer's side of the invoice. Two accountants recording it at once
    record it once: the invoice and claim rows are locked, and a paid claim takes no payment."""
    invoice, claim = _claim_locked(actor, claim, "record a payment on")
    if claim.status == ClaimStatus.PAID:
        raise BillingError(
            f"Claim {claim.number} is already paid ({claim.paid_amount},"
            f" reference {claim.payment_reference})."
        )
    if claim.status != ClaimStatus.APPROVED:
        raise _claim_state_error(claim, "an approved claim can be paid")
    amount = _claim_amount(amount)
    if amount != claim.approved_amount:
        raise BillingError(
            f"Record the insurer's payment of the approved {claim.approved_amount}"
            f" (not {amount}): a claim is paid once, in full."
        )
    if not reference.strip():
        raise BillingError("Enter the insurer's remittance reference (bank or cheque reference).")
    claim.status = ClaimStatus.PAID
    claim.paid_amount = amount
    claim.payment_reference = _text(reference, InsuranceClaim, "payment_reference", "Reference")
    claim.paid_at, claim.paid_by = timezone.now(), actor
    claim.save(update_fields=["status", "paid_amount", "payment_reference", "paid_at", "paid_by"])
    invoice.insurer_paid += amount
    _claim_settled(invoice, ["insurer_paid"])
    audit.record(
        actor=actor,
        action="claim.pay",
        obj=claim,
        patient=invoice.patient_id,
        before={"status": ClaimStatus.APPROVED},
        after={
            "status": claim.status,
            "paid_amount": amount,
            "reference": claim.payment_reference,
            "invoice_status": invoice.status,
        },
        request=request,
    )
    _announce(invoice.patient_id)
    return claim
