"""The printed invoice adds up like its screen (session 33): after refunds, a reversed (bounced)
payment, a credit note and a claim the insurer declined, the PDF's lines take the patient's share
to the balance due, and a reversed receipt is printed as reversed, not as money paid."""

import re
from decimal import Decimal

import pytest

from billing import documents, selectors, services
from billing.models import Invoice
from hms.pdf import render_pdf
from tests.billing.test_kenyan_desk import pdf_text
from tests.factories import PatientFactory

AMOUNT = r"([0-9][0-9,]*\.[0-9]{2})"


def _figure(text: str, label: str, sign: str = "") -> Decimal:
    """The amount printed after `label` (and `sign`, the minus or plus the line prints)."""
    found = re.search(re.escape(label) + r"[^0-9+−]*" + re.escape(sign) + AMOUNT, text)
    assert found, f"no {label!r} line in: {text}"
    return Decimal(found.group(1).replace(",", ""))


@pytest.fixture
def settled_every_way(staff, charge_master) -> Invoice:
    """An insured invoice (2,000.00, the insurer 50 %) whose claim was rejected, paid 200 cash,
    100 M-Pesa (60 and 40 of it refunded) and 308.40 by card (reversed: the card was declined),
    with a credit note of 100.50."""
    desk, accountant = staff.receptionist, staff.accountant
    patient = PatientFactory(
        insurance={"provider": "AAR", "coverage_percent": "50", "valid_until": "2099-12-31"}
    )
    services.charge_post(actor=None, patient=patient, code="NURS-DRESS", quantity=Decimal("4"))
    invoice = services.invoice_issue(
        actor=desk, invoice=services.invoice_draft(actor=desk, patient=patient)
    )
    services.claim_reject(actor=accountant, claim=invoice.claim, reason="Not a covered service")
    services.payment_take(actor=desk, invoice=invoice, amount=Decimal("200"), mode="cash")
    mpesa = services.payment_take(
        actor=desk, invoice=invoice, amount=Decimal("100"), mode="mpesa", reference="QKS4T8V1WZ"
    )
    card = services.payment_take(
        actor=desk, invoice=invoice, amount=Decimal("308.40"), mode="card", reference="SLIP-1"
    )
    for amount, code in (("60", "RVA1B2C3D4"), ("40", "RVE5F6G7H8")):
        services.payment_refund(
            actor=accountant,
            payment=mpesa,
            amount=Decimal(amount),
            method="mpesa",
            reference=code,
            reason="Overcharged",
        )
    services.payment_reverse(actor=accountant, payment=card, reason="Card declined by the bank")
    services.credit_note_issue(
        actor=accountant, invoice=invoice, amount=Decimal("100.50"), reason="Goodwill"
    )
    invoice.refresh_from_db()
    return invoice


def test_the_invoice_pdf_takes_the_patients_share_to_the_balance_due(settled_every_way):
    invoice = settled_every_way

    text = pdf_text(render_pdf(documents.invoice_html(invoice)))

    share = _figure(text, "Patient's share")
    not_covered = _figure(text, "Not covered by the insurer", "+")
    credited = _figure(text, "Credit notes", "−")
    refunded = _figure(text, "Refunded", "−")
    paid = _figure(text, "Paid")
    balance = _figure(text, "Balance due")
    assert (share, not_covered, credited, refunded, paid) == (
        Decimal("1000.00"),
        Decimal("1000.00"),
        Decimal("100.50"),
        Decimal("100.00"),
        Decimal("200.00"),
    )
    assert share + not_covered - credited - refunded - paid == balance == invoice.balance


def test_the_invoice_pdf_prints_a_reversed_payment_as_reversed(settled_every_way):
    invoice = settled_every_way
    card = invoice.payments.get(mode="card")

    text = pdf_text(render_pdf(documents.invoice_html(invoice)))

    row = re.search(re.escape(card.receipt_number) + r".*?(?=RCT|Printed)", text).group(0)
    assert "Reversed" in row and "Card declined by the bank" in row and "owed again" in row
    # The receipts' rows add up to what the totals call paid: the reversal takes the card's back.
    assert "−308.40" in row


def test_the_statement_pdf_ends_on_the_invoices_balance(settled_every_way):
    invoice = settled_every_way
    statement = selectors.account_statement(invoice.patient)

    text = pdf_text(render_pdf(documents.statement_html(statement)))

    assert _figure(text, "Balance (KES)") == invoice.balance
    assert "Payment reversed, owed" in text and "Card declined by the bank" in text
