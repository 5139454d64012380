"""An invoice for a patient whose insurance cover has expired says so (session 33): the insurer's
share is nothing, and the invoice screen, its PDF and the patient's account name the scheme and
the day its cover ended, instead of a bare "Insurer's share KES 0.00"."""

import html
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing import documents, services
from billing.models import InsuranceClaim
from hms.pdf import render_pdf
from tests.billing.test_kenyan_desk import pdf_text
from tests.factories import PatientFactory, charge_posted


def insured(valid_until) -> dict:
    return {
        "provider": "SHA",
        "policy_number": "SHA-77",
        "coverage_percent": "80.00",
        "valid_until": valid_until.isoformat(),
    }


@pytest.fixture
def ended():
    return timezone.localdate() - timedelta(days=3)


@pytest.fixture
def lapsed(charge_master, ended):
    """A patient whose SHA cover ended three days ago, with a dressing charged (2,000.00)."""
    patient = PatientFactory(insurance=insured(ended))
    charge_posted(patient, "NURS-DRESS", "4")
    return patient


def page_of(client, name, pk) -> str:
    return html.unescape(client.get(reverse(name, args=[pk])).content.decode())


def test_the_draft_says_the_cover_expired_so_nothing_is_claimed(staff, lapsed, ended, client_for):
    draft = services.invoice_draft(actor=staff.receptionist, patient=lapsed)

    page = page_of(client_for(staff.receptionist), "invoice_detail", draft.pk)

    said = f"SHA cover expired on {ended:%-d %b %Y}, so nothing is claimed from SHA"
    assert said in page
    assert "update the patient's record before issuing" in page


def test_the_issued_invoice_keeps_why_nothing_was_claimed(staff, lapsed, ended, client_for):
    draft = services.invoice_draft(actor=staff.receptionist, patient=lapsed)

    invoice = services.invoice_issue(actor=staff.receptionist, invoice=draft)
    lapsed.insurance = insured(ended + timedelta(days=365))  # renewed afterwards
    lapsed.save(update_fields=["insurance"])

    invoice.refresh_from_db()
    assert (invoice.insurer, invoice.insurer_share, invoice.patient_share) == (
        "",
        Decimal("0.00"),
        Decimal("2000.00"),
    )
    assert (invoice.expired_cover, invoice.expired_cover_on) == ("SHA", ended)
    assert not InsuranceClaim.objects.exists()
    page = page_of(client_for(staff.receptionist), "invoice_detail", invoice.pk)
    assert f"SHA cover expired on {ended:%-d %b %Y}, so nothing is claimed from SHA." in page
    text = pdf_text(render_pdf(documents.invoice_html(invoice)))
    assert f"Insurer: none. SHA cover expired on {ended:%-d %b %Y}, so nothing is claimed." in text


def test_the_account_says_the_cover_expired(staff, lapsed, ended, client_for):
    page = page_of(client_for(staff.receptionist), "patient_account", lapsed.pk)

    assert f"SHA cover expired on {ended:%-d %b %Y}: new invoices claim nothing from it" in page


def test_a_valid_cover_is_named_on_the_account_and_the_draft(staff, charge_master, client_for):
    until = timezone.localdate() + timedelta(days=30)
    patient = PatientFactory(insurance=insured(until))
    charge_posted(patient, "NURS-DRESS", "4")
    draft = services.invoice_draft(actor=staff.receptionist, patient=patient)
    desk = client_for(staff.receptionist)

    account = page_of(desk, "patient_account", patient.pk)
    invoice = page_of(desk, "invoice_detail", draft.pk)

    assert f"SHA pays 80 % until {until:%-d %b %Y}" in account
    assert "(SHA, 80 %)" in invoice and "cover expired" not in invoice
