"""The builders leave records the way the services would: a stay in the admission's bed and
ward, an invoice whose figures reconcile, a verified lab order with its result version."""

from decimal import Decimal

import pytest

from billing.models import InvoiceStatus
from tests.factories import (
    AdmissionFactory,
    LabOrderFactory,
    LabTestFactory,
    invoice_issued,
    payment_taken,
)
from wards.models import BedStatus

pytestmark = pytest.mark.usefixtures("charge_master")


def test_an_admission_occupies_its_bed_and_starts_a_stay_in_that_ward(staff):
    admission = AdmissionFactory(patient=staff.patient, attending_doctor=staff.doctor)

    stay = admission.stays.get()

    assert (stay.bed, stay.ward, stay.ended_at) == (admission.bed, admission.bed.ward, None)
    assert admission.bed.status == BedStatus.OCCUPIED
    assert stay.started_at == admission.admitted_at


def test_an_issued_invoice_and_its_payment_reconcile(staff):
    invoice = invoice_issued(staff.receptionist, staff.patient, ("NURS-DRESS", 2), "NURS-INJ")

    payment_taken(staff.receptionist, invoice, "200")

    invoice.refresh_from_db()
    assert invoice.total == invoice.subtotal == Decimal("1200.00")
    assert invoice.status == InvoiceStatus.PARTIALLY_PAID and invoice.balance == Decimal("1000.00")
    assert invoice.number and invoice.lines.count() == 2


def test_a_verified_lab_order_has_its_test_fields_and_result_version(staff):
    test = LabTestFactory(fields=["Haemoglobin", "Platelets"])

    order = LabOrderFactory(
        verified=True, test=test, patient=staff.patient, ordered_by=staff.doctor
    )

    assert [f.name for f in order.test.fields.order_by("position")] == ["Haemoglobin", "Platelets"]
    assert order.test.charge_item.category == "lab"
    version = order.versions.get()
    assert (version.version, version.verified_by) == (1, staff.doctor)
