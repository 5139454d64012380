"""Invoices: the draft that gathers a patient's open charges, its discount, issuing it (with its
insurance claim) and voiding it; and the figures and lines an invoice shows.
"""

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from billing import tasks, totals
from billing.cover import cover_of
from billing.models import (
    Charge,
    ClaimStatus,
    InsuranceClaim,
    Invoice,
    InvoiceStatus,
)
from billing.services.common import BillingError, _announce, _text
from hms import audit, rbac, submissions
from hms.locking import locked
from hms.money import money, money_text
from hms.numbering import yearly_number

VOIDABLE = {InvoiceStatus.ISSUED}  # a void needs no payment on it: refund first
VOIDED_CLAIM_REASON = "Invoice voided"


def _insurance_of(patient: models.Model, on_day: date) -> tuple[str, Decimal]:
    """The insurer and coverage % of the patient's policy, if it is valid on `on_day`."""
    cover = cover_of(patient, on_day)
    if cover is None or cover.expired:
        return "", Decimal("0")
    return cover.insurer, cover.coverage_percent


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


def invoice_figures(invoice: Invoice, on_day: date | None = None) -> totals.Totals:
    """The invoice's figures now: from its lines while a draft, as issued afterwards.

    Raises no domain error.
    """
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
    charges now, each with its share of the discount and its tax after the discount.

    Raises no domain error.
    """
    if invoice.status != InvoiceStatus.DRAFT:
        return invoice.lines_snapshot
    charges = _invoice_charges(invoice)
    return _line_rows(charges, _figures_of(invoice, charges, Decimal("0")))


@transaction.atomic
@submissions.once("invoice.draft")
def invoice_draft(
    *,
    actor: User,
    patient: models.Model,
    admission: models.Model | None = None,
    request: HttpRequest | None = None,
) -> Invoice:
    """Gather the patient's charges not yet on an invoice into a draft: an admission's charges
    for an inpatient bill, or the charges outside any admission for a visit's bill. An open
    draft for the same stay or visit is topped up instead of a second one.

    Raises BillingError when the patient has no uninvoiced charges; AlreadySubmitted
    (hms.submissions) when the same form was already sent.
    """
    patient_id = getattr(patient, "pk", patient)
    admission_id = getattr(admission, "pk", admission)
    loose = locked(Charge.objects).filter(
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


def _require_discount_within(invoice: Invoice, kind: str, value: Decimal) -> None:
    """Refuse a discount (`kind` "amount" in KES or "percent", `value` ≥ 0 in cents) that is
    below zero, over 100 %, or more than the draft's subtotal now (docs/DECISIONS.md: never more
    than the subtotal; a larger one was once kept and swallowed charges added later).

    Raises BillingError on the field "value"."""
    if value < 0:
        raise BillingError("A discount cannot be below zero.", field="value")
    if kind == "percent" and value > 100:
        raise BillingError(
            f"A discount in per cent is at most 100 % ({value.normalize():f} % typed).",
            field="value",
        )
    if kind != "amount" or value == 0:
        return
    subtotal = _figures_of(invoice, _invoice_charges(invoice), Decimal("0")).subtotal
    if value > subtotal:
        raise BillingError(
            f"A discount cannot be more than the invoice's subtotal of {money_text(subtotal)}"
            f" ({money_text(value)} typed): for all of it, give 100 %.",
            field="value",
        )


@transaction.atomic
@submissions.once("invoice.discount")
def invoice_set_discount(
    *,
    actor: User,
    invoice: Invoice,
    kind: str,
    value: Decimal,
    reason: str,
    request: HttpRequest | None = None,
) -> Invoice:
    """Set the discount of a draft invoice (an amount or a percentage), audited.

    Raises PermissionDenied when the actor is not an accountant or administrator; BillingError
    when the invoice is already issued, the kind is neither amount nor percentage, the value is
    below zero, over 100 % or (an amount) more than the subtotal, or no reason is given; AlreadySubmitted (hms.submissions) when the same form was
    already sent.
    """
    if not rbac.allows(actor, "billing.adjust"):
        raise PermissionDenied("Only an accountant or an administrator can give a discount.")
    invoice = locked(Invoice.objects).get(pk=invoice.pk)
    if invoice.status != InvoiceStatus.DRAFT:
        raise BillingError("An issued invoice is never changed: correct it with a credit note.")
    if kind not in ("amount", "percent", ""):
        raise BillingError("A discount is an amount or a percentage.")
    value = money(value or 0)
    if not kind and value > 0:
        raise BillingError("Choose whether the discount is an amount or a percentage.")
    _require_discount_within(invoice, kind, value)
    if kind and value > 0 and not reason.strip():
        raise BillingError("Give the reason for the discount.", field="reason")
    before = {
        "kind": invoice.discount_kind,
        "value": invoice.discount_value,
        "reason": invoice.discount_reason,
    }
    invoice.discount_kind, invoice.discount_value = (
        (kind, value) if value > 0 else ("", Decimal("0"))
    )
    invoice.discount_reason = (
        _text(reason, Invoice, "discount_reason", "Reason", form_field="reason")
        if value > 0
        else ""
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
def invoice_issue(*, actor: User, invoice: Invoice, request: HttpRequest | None = None) -> Invoice:
    """Fix the figures, take the next number of the year's series (gapless, also when two desks
    issue at once) and freeze the lines.

    Raises BillingError when the invoice is not a draft, has no lines, adds up to less than
    zero, or has an amount discount more than its subtotal (reversals joined it since); AlreadySubmitted (hms.submissions) when the same form was already sent.
    """
    invoice = locked(Invoice.objects).select_related("patient").get(pk=invoice.pk)
    if invoice.status != InvoiceStatus.DRAFT:
        raise BillingError(f"This invoice is already {invoice.get_status_display().lower()}.")
    charges = _invoice_charges(invoice)
    if not charges:
        raise BillingError("An invoice needs at least one line.")
    today = timezone.localdate()
    cover = cover_of(invoice.patient, today)
    insurer, coverage = _insurance_of(invoice.patient, today)
    figures = _figures_of(invoice, charges, coverage)
    if figures.total < 0:
        raise BillingError("The invoice adds up to less than zero: check the reversals.")
    if invoice.discount_kind == "amount" and invoice.discount_value > figures.subtotal:
        # Reversals joined the draft after the discount was given: never cut it silently.
        raise BillingError(
            f"The discount of {money_text(invoice.discount_value)} is more than the subtotal of"
            f" {money_text(figures.subtotal)} now: change the discount before issuing."
        )
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
    if cover is not None and cover.expired:  # said on the invoice: why nothing is claimed
        invoice.expired_cover, invoice.expired_cover_on = cover.insurer, cover.valid_until
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
    transaction.on_commit(lambda: tasks.render_invoice_pdf(invoice.pk), robust=True)
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


def _claim_submit(*, actor: User, invoice: Invoice, request: HttpRequest | None) -> InsuranceClaim:
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


def _void_refusal(
    actor: User,
    invoice: Invoice,
    claim: InsuranceClaim | None,
    has_credit_notes: bool | None = None,
) -> str | None:
    """The sentence refusing `actor` a void of `invoice` (whose insurance claim is `claim`; whether
    it has credit notes `has_credit_notes`, asked when None), or None when the void may go ahead:
    the one rule invoice_void and invoice_voidable share."""
    if not rbac.allows(actor, "billing.adjust"):
        return "Only an accountant or an administrator can void an invoice."
    if has_credit_notes is None:
        has_credit_notes = invoice.credit_notes.exists()
    if has_credit_notes:
        return "This invoice has credit notes: it cannot be voided."
    if invoice.status not in VOIDABLE:
        return f"Only an issued, unpaid invoice can be voided; this one is {invoice.get_status_display().lower()}."
    if claim is not None and claim.status in (ClaimStatus.APPROVED, ClaimStatus.PAID):
        return (
            f"The insurer has {claim.get_status_display().lower()} claim {claim.number}:"
            " this invoice can no longer be voided."
        )
    return None


def invoice_voidable(
    actor: User, invoice: Invoice, *, has_credit_notes: bool | None = None
) -> bool:
    """Whether `actor` may void `invoice` as it is now (the invoice page asks before offering the
    form; invoice_void checks the same rule on the locked rows). `has_credit_notes`: whether it
    has any, when the caller has read them already (asked otherwise).

    Raises no domain error.
    """
    # The reverse one-to-one keeps what it found on the invoice: the page asks for it again.
    claim = getattr(invoice, "claim", None)
    return _void_refusal(actor, invoice, claim, has_credit_notes) is None


@transaction.atomic
@submissions.once("invoice.void")
def invoice_void(
    *, actor: User, invoice: Invoice, reason: str, request: HttpRequest | None = None
) -> Invoice:
    """Void an issued invoice that nothing was paid on; its charges can go on a new invoice.

    Raises PermissionDenied when the actor is not an accountant or administrator; BillingError
    when the invoice has credit notes, is not issued and unpaid, the insurer has approved or paid
    its claim, or no reason is given; AlreadySubmitted (hms.submissions) when the same form was
    already sent.
    """
    if not rbac.allows(actor, "billing.adjust"):  # before taking any lock
        raise PermissionDenied("Only an accountant or an administrator can void an invoice.")
    invoice = locked(Invoice.objects).get(pk=invoice.pk)
    claim = locked(InsuranceClaim.objects).filter(invoice=invoice).first()
    refusal = _void_refusal(actor, invoice, claim)
    if refusal is not None:
        raise BillingError(refusal)
    if not reason.strip():
        raise BillingError("Give the reason for voiding the invoice.", field="reason")
    invoice.status = InvoiceStatus.VOID
    invoice.voided_at = timezone.now()
    invoice.voided_by = actor
    invoice.void_reason = _text(reason, Invoice, "void_reason", "Reason", form_field="reason")
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
