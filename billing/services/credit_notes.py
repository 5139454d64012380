"""Credit notes: the correction of an issued invoice (it is never edited), line by line."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from billing import tasks, totals
from billing.models import (
    CreditNote,
    Invoice,
    InvoiceStatus,
)
from billing.services.common import BillingError, _announce, _exact_amount, _text
from billing.services.invoices import _invoice_charges, _line_rows
from billing.services.payments import _settle_status
from hms import audit, rbac, submissions
from hms.locking import locked
from hms.money import money, money_text
from hms.numbering import yearly_number


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
    actor: User,
    invoice: Invoice,
    reason: str,
    amount: Decimal | None = None,
    charge_ids: list[int] | None = None,
    request: HttpRequest | None = None,
) -> CreditNote:
    """Correct an issued invoice: credit some of its lines, or an amount, off what the patient
    still owes. The invoice stays as issued; the credit note has its own gapless number.

    Raises PermissionDenied when the actor is not an accountant or administrator; BillingError
    when the invoice is not issued with a balance, no reason is given, a line is not on this
    invoice or already credited, no amount or lines are given, or the amount exceeds the open
    balance; AlreadySubmitted (hms.submissions) when the same form was already sent.
    """
    if not rbac.allows(actor, "billing.adjust"):
        raise PermissionDenied("Only an accountant or an administrator can issue a credit note.")
    invoice = locked(Invoice.objects).get(pk=invoice.pk)
    if invoice.status not in (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID):
        raise BillingError(
            f"Credit notes are for issued invoices with a balance; this one is"
            f" {invoice.get_status_display().lower()} (refund a paid invoice instead)."
        )
    if not reason.strip():
        raise BillingError("Give the reason for the credit note.", field="reason")
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
        raise BillingError("Enter the amount to credit, or choose the lines.", field="amount")
    if amount > invoice.balance:
        raise BillingError(
            f"That is more than the open balance of {money_text(invoice.balance)}: refund the"
            " payment instead.",
            field="amount",
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
    transaction.on_commit(lambda: tasks.render_invoice_pdf(invoice.pk), robust=True)
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
