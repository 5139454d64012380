"""Credit notes: corrections to an issued invoice, numbered, printable, never more than is owed."""

import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from pypdf import PdfReader

from billing import services
from billing.models import CreditNote, Invoice, InvoiceStatus
from billing.views import credit_note_pdf_url
from hms.models import AuditEntry
from tests.factories import PatientFactory, invoice_issued, payment_taken

pytestmark = pytest.mark.usefixtures("charge_master")


def issued(staff):
    """Two dressings and an injection (1,000.00 + 200.00), issued at the desk."""
    return invoice_issued(staff.receptionist, PatientFactory(), ("NURS-DRESS", 2), "NURS-INJ")


def test_crediting_a_line_lowers_the_balance_and_leaves_the_invoice_as_issued(staff):
    invoice = issued(staff)  # 1,000.00 + 200.00
    injection = invoice.lines.get(item__code="NURS-INJ")

    note = services.credit_note_issue(
        actor=staff.accountant, invoice=invoice, reason="Not given", charge_ids=[injection.pk]
    )

    invoice.refresh_from_db()
    assert (
        note.number.startswith("CN-")
        and note.number.endswith("-000001")
        and note.amount == Decimal("200.00")
    )
    assert (invoice.total, invoice.amount_credited, invoice.balance) == (
        Decimal("1200.00"),
        Decimal("200.00"),
        Decimal("1000.00"),
    )
    assert note.lines[0]["code"] == "NURS-INJ"
    assert AuditEntry.objects.filter(action="credit_note.issue").exists()


def test_crediting_the_rest_settles_the_invoice_and_a_void_is_then_refused(staff):
    invoice = issued(staff)
    payment_taken(staff.receptionist, invoice, "700")

    services.credit_note_issue(
        actor=staff.accountant, invoice=invoice, reason="Goodwill", amount=Decimal("500")
    )

    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID and invoice.balance == 0
    with pytest.raises(services.BillingError):
        services.invoice_void(actor=staff.accountant, invoice=invoice, reason="x")


@pytest.mark.parametrize(
    ("who", "amount", "reason", "message"),
    [
        ("receptionist", "10", "x", "Only an accountant"),
        ("accountant", "1200.01", "x", "more than the open balance of KES 1,200.00"),
        ("accountant", "0", "x", "Enter the amount"),
        ("accountant", "10", "", "Give the reason"),
    ],
)
def test_a_bad_credit_note_is_refused_and_changes_nothing(staff, who, amount, reason, message):
    invoice = issued(staff)
    refused = PermissionDenied if who == "receptionist" else services.BillingError  # role or rule

    with pytest.raises(refused, match=message):
        services.credit_note_issue(
            actor=getattr(staff, who), invoice=invoice, reason=reason, amount=Decimal(amount)
        )

    assert not CreditNote.objects.exists()
    assert Invoice.objects.get(pk=invoice.pk).amount_credited == 0


def test_the_credit_note_prints_with_its_number_and_the_invoice(staff, client_for):
    invoice = issued(staff)
    client = client_for(staff.accountant)
    client.post(
        reverse("credit_note_create", args=[invoice.pk]),
        {"amount": "150", "reason": "Overcharged dressing"},
    )
    note = CreditNote.objects.get()

    response = client.get(credit_note_pdf_url(note))

    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages).split()
    )
    assert (
        note.number in text
        and invoice.number in text
        and "150.00" in text
        and "Overcharged dressing" in text
    )
