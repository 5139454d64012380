"""Invoice and receipt PDFs: rendered in the background, downloaded through signed links by the
desk and by the patient they belong to, nobody else."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from billing import services
from billing.views import invoice_pdf_url, receipt_pdf_url
from hms import rbac
from tests.factories import PatientFactory


def text_of(response) -> str:
    content = b"".join(response.streaming_content)
    pages = PdfReader(io.BytesIO(content)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


@pytest.fixture
def billed(make_user, charge_master, django_capture_on_commit_callbacks):
    desk = make_user(rbac.RECEPTIONIST)
    owner = make_user(rbac.PATIENT)
    patient = PatientFactory(
        user=owner,
        first_name="Achieng",
        insurance={
            "provider": "AAR",
            "policy_number": "A1",
            "coverage_percent": "50.00",
            "valid_until": "",
        },
    )
    services.charge_post(actor=None, patient=patient, code="NURS-DRESS", quantity=Decimal("3"))
    with django_capture_on_commit_callbacks(execute=True):  # as after a real commit
        invoice = services.invoice_issue(
            actor=desk, invoice=services.invoice_draft(actor=desk, patient=patient)
        )
        payment = services.payment_take(
            actor=desk, invoice=invoice, amount=Decimal("250"), mode="cash"
        )
    invoice.refresh_from_db()
    return {"desk": desk, "owner": owner, "invoice": invoice, "payment": payment}


def test_issuing_and_paying_render_the_pdfs_in_the_background(billed):
    billed["invoice"].refresh_from_db()
    billed["payment"].refresh_from_db()

    assert billed["invoice"].pdf.name.endswith(".pdf") and billed["payment"].pdf.name.endswith(
        ".pdf"
    )


def test_the_invoice_pdf_shows_number_lines_split_payments_and_balance(billed, client_for):
    invoice = billed["invoice"]

    text = text_of(client_for(billed["desk"]).get(invoice_pdf_url(invoice)))

    assert (
        f"Invoice {invoice.number}" in text
        and "Achieng" in text
        and f"MRN {invoice.patient.mrn}" in text
    )
    assert "Wound dressing" in text and "1,500.00" in text
    assert "Insurer's share 750.00" in text and "Patient's share 750.00" in text
    assert billed["payment"].receipt_number in text and "Balance due 500.00" in text


def test_the_receipt_is_an_80_mm_slip(billed, client_for):
    response = client_for(billed["desk"]).get(receipt_pdf_url(billed["payment"]))

    content = b"".join(response.streaming_content)
    page = PdfReader(io.BytesIO(content)).pages[0]
    assert round(float(page.mediabox.width) / 72 * 25.4) == 80
    assert billed["payment"].receipt_number in page.extract_text()


def test_the_patient_gets_their_own_invoice_and_nobody_else_does(billed, client_for, make_user):
    link = invoice_pdf_url(billed["invoice"])
    stranger = make_user(rbac.PATIENT)
    PatientFactory(user=stranger)

    assert client_for(billed["owner"]).get(link).status_code == 200
    assert client_for(stranger).get(link).status_code == 404
    assert client_for(make_user(rbac.NURSE)).get(link).status_code == 403
    own_list = client_for(billed["owner"]).get(reverse("portal_invoices")).content.decode()
    assert billed["invoice"].number in own_list
    assert (
        billed["invoice"].number
        not in client_for(stranger).get(reverse("portal_invoices")).content.decode()
    )


def test_an_expired_or_forged_link_is_refused(billed, client_for):
    link = invoice_pdf_url(billed["invoice"])
    client = client_for(billed["desk"])

    forged = client.get(link[:-4] + "xyz/")
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        expired = client_for(billed["desk"]).get(link)

    assert forged.status_code == expired.status_code == 404


def test_the_pdf_can_be_framed_by_our_own_print_button_only(billed, client_for):
    response = client_for(billed["desk"]).get(invoice_pdf_url(billed["invoice"]))

    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]


def test_with_the_file_store_down_the_desk_still_prints_the_invoice_and_the_old_pdf_stays(
    billed, client_for, store_down
):
    from billing import documents
    from billing.models import Invoice
    from hms import files

    invoice, payment = billed["invoice"], billed["payment"]
    kept = invoice.pdf.name
    # A payment since: the background render cannot store the new PDF; the old one stays.
    with pytest.raises(files.StorageUnavailable):
        documents.render_invoice(invoice)
    assert Invoice.objects.get(pk=invoice.pk).pdf.name == kept

    # Not rendered yet and nowhere to keep it: the desk gets the PDF all the same.
    Invoice.objects.filter(pk=invoice.pk).update(pdf="")
    response = client_for(billed["desk"]).get(invoice_pdf_url(invoice))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = " ".join(
        " ".join(
            page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages
        ).split()
    )
    assert f"Invoice {invoice.number}" in text and payment.receipt_number in text
    assert Invoice.objects.get(pk=invoice.pk).pdf.name == ""
