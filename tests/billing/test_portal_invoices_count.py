"""The portal's invoice list counts in words a patient reads: "1 invoice", not "1 in all"."""

from django.urls import reverse

from tests.factories import invoice_issued


def test_a_patient_with_one_invoice_reads_one_invoice(staff, charge_master, client_for):
    invoice_issued(staff.receptionist, staff.patient, "NURS-DRESS")

    page = client_for(staff.patient_user).get(reverse("portal_invoices")).content.decode()

    assert "1 invoice in all" in page
