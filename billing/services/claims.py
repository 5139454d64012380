"""Insurance claims: approving, rejecting and recording the insurer's payment on the claim an
issued invoice submitted.
"""

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from billing import tasks
from billing.models import (
    ClaimStatus,
    InsuranceClaim,
    Invoice,
)
from billing.services.common import BillingError, _announce, _exact_amount, _text
from billing.services.payments import _settle_status
from hms import audit, rbac, submissions
from hms.locking import locked
from hms.money import money_text


def _claim_locked(actor: User, claim: InsuranceClaim, doing: str) -> tuple[Invoice, InsuranceClaim]:
    """Check the role (PermissionDenied), then lock the invoice and its claim (in that order, as
    invoice_void does)."""
    if not rbac.allows(actor, "billing.adjust"):
        raise PermissionDenied(
            f"Only an accountant or an administrator can {doing} an insurance claim."
        )
    invoice = locked(Invoice.objects).get(pk=claim.invoice_id)
    return invoice, locked(InsuranceClaim.objects).get(pk=claim.pk)


def _claim_state_error(claim: InsuranceClaim, wanted: str) -> BillingError:
    state = claim.get_status_display().lower()
    if claim.status == ClaimStatus.REJECTED and claim.rejection_reason:
        state += f" ({claim.rejection_reason})"
    return BillingError(f"Claim {claim.number} is {state}: only {wanted}.")


def _claim_amount(value: object) -> Decimal:
    return _exact_amount(value)


def _claim_settled(invoice: Invoice, fields: list[str]) -> None:
    _settle_status(invoice)
    invoice.save(update_fields=[*fields, "status"])
    transaction.on_commit(lambda: tasks.render_invoice_pdf(invoice.pk), robust=True)


@transaction.atomic
@submissions.once("claim.approve")
def claim_approve(
    *,
    actor: User,
    claim: InsuranceClaim,
    amount: Decimal,
    insurer_reference: str,
    request: HttpRequest | None = None,
) -> InsuranceClaim:
    """Record the insurer's approval of a submitted claim, in full or in part. What it did not
    approve (claimed − approved) moves to the patient's balance.

    Raises PermissionDenied when the actor is not an accountant or administrator; BillingError
    when the claim is not submitted, the approved amount is missing or more than claimed, or the
    insurer's reference is missing; AlreadySubmitted (hms.submissions) when the same form was
    already sent.
    """
    invoice, claim = _claim_locked(actor, claim, "approve")
    if claim.status != ClaimStatus.SUBMITTED:
        raise _claim_state_error(claim, "a submitted claim can be approved")
    amount = _claim_amount(amount)
    if amount <= 0:
        raise BillingError(
            "Enter the amount the insurer approved (if it approved nothing, reject the claim).",
            field="amount",
        )
    if amount > claim.amount_claimed:
        raise BillingError(
            f"The insurer cannot approve more than the {money_text(claim.amount_claimed)} claimed.",
            field="amount",
        )
    if not insurer_reference.strip():
        raise BillingError(
            "Enter the insurer's reference for the approval.", field="insurer_reference"
        )
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
    *, actor: User, claim: InsuranceClaim, reason: str, request: HttpRequest | None = None
) -> InsuranceClaim:
    """Record the insurer's rejection of a submitted claim: the whole claimed amount moves to the
    patient's balance.

    Raises PermissionDenied when the actor is not an accountant or administrator; BillingError
    when the claim is not submitted, or the insurer's reason is missing; AlreadySubmitted
    (hms.submissions) when the same form was already sent.
    """
    invoice, claim = _claim_locked(actor, claim, "reject")
    if claim.status != ClaimStatus.SUBMITTED:
        raise _claim_state_error(claim, "a submitted claim can be rejected")
    if not reason.strip():
        raise BillingError("Give the insurer's reason for the rejection.", field="reason")
    claim.status = ClaimStatus.REJECTED
    claim.rejection_reason = _text(
        reason, InsuranceClaim, "rejection_reason", "Reason", form_field="reason"
    )
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
    actor: User,
    claim: InsuranceClaim,
    amount: Decimal,
    reference: str,
    request: HttpRequest | None = None,
) -> InsuranceClaim:
    """Record the insurer's payment of an approved claim: one remittance of exactly the approved
    amount, which clears the insurer's side of the invoice. Two accountants recording it at once
    record it once: the invoice and claim rows are locked, and a paid claim takes no payment.

    Raises PermissionDenied when the actor is not an accountant or administrator; BillingError
    when the claim is already paid or not approved, the amount is not the approved amount, or the
    remittance reference is missing; AlreadySubmitted (hms.submissions) when the same form was
    already sent.
    """
    invoice, claim = _claim_locked(actor, claim, "record a payment on")
    if claim.status == ClaimStatus.PAID:
        raise BillingError(
            f"Claim {claim.number} is already paid ({money_text(claim.paid_amount)},"
            f" reference {claim.payment_reference})."
        )
    if claim.status != ClaimStatus.APPROVED:
        raise _claim_state_error(claim, "an approved claim can be paid")
    amount = _claim_amount(amount)
    approved = money_text(claim.approved_amount)
    if amount <= 0:
        raise BillingError(
            f"Enter the amount the insurer paid: the approved {approved}.", field="amount"
        )
    if amount != claim.approved_amount:
        raise BillingError(
            f"Record the insurer's payment of the approved {approved} ({money_text(amount)}"
            " typed): a claim is paid once, in full.",
            field="amount",
        )
    if not reference.strip():
        raise BillingError(
            "Enter the insurer's remittance reference (bank or cheque reference).",
            field="reference",
        )
    claim.status = ClaimStatus.PAID
    claim.paid_amount = amount
    claim.payment_reference = _text(
        reference, InsuranceClaim, "payment_reference", "Reference", form_field="reference"
    )
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
