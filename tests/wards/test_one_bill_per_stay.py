"""One bill per stay: the consultation and tests that led to an admission (posted in the day
before it, not yet invoiced) are billed with the stay, on the stay's one invoice."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from billing.models import Charge, Invoice
from hms.models import AuditEntry
from tests.factories import PatientFactory, charge_posted, invoice_drafted
from wards import services

pytestmark = pytest.mark.usefixtures("charge_master")

NAIROBI = ZoneInfo("Africa/Nairobi")
ADMITTED_AT = datetime(2026, 11, 23, 15, 0, tzinfo=NAIROBI)


@pytest.fixture
def general(staff):
    return services.ward_create(
        actor=staff.admin, name="General A", kind="general", charge_code="WARD-GEN", beds=2
    )


def admit(staff, patient, ward):
    with time_machine.travel(ADMITTED_AT, tick=False):
        return services.admission_create(
            actor=staff.receptionist,
            patient=patient,
            attending_doctor=staff.doctor,
            bed=ward.beds.get(number="01"),
            reason="Severe malaria",
            advance_deposit=Decimal("20000"),
            deposit_mode="cash",
        )


def posted(patient, code: str, at: datetime) -> Charge:
    with time_machine.travel(at, tick=False):
        return charge_posted(patient, code)


def test_the_visit_that_led_to_the_admission_is_billed_with_the_stay_on_one_invoice(staff, general):
    patient = PatientFactory()
    consultation = posted(patient, "CONSULT", ADMITTED_AT - timedelta(hours=3))
    dressing = posted(patient, "NURS-DRESS", ADMITTED_AT - timedelta(hours=1))

    admission = admit(staff, patient, general)
    services.discharge_order(
        actor=staff.doctor, admission=admission, summary={"final_diagnosis": "Malaria"}
    )
    with time_machine.travel(ADMITTED_AT + timedelta(hours=2), tick=False):
        services.discharge_process(actor=staff.receptionist, admission=admission)

    invoice = Invoice.objects.get(patient=patient)
    assert invoice.admission_id == admission.pk
    codes = sorted(invoice.lines.values_list("item__code", flat=True))
    assert codes == sorted(["CONSULT", "NURS-DRESS", "WARD-GEN"])
    assert {consultation.pk, dressing.pk} <= set(invoice.lines.values_list("pk", flat=True))
    joined = AuditEntry.objects.get(action="charge.join_stay")
    assert sorted(joined.after["charges"]) == sorted([consultation.pk, dressing.pk])


def test_older_outpatient_charges_stay_on_their_own_bill(staff, general):
    patient = PatientFactory()
    last_week = posted(patient, "NURS-DRESS", ADMITTED_AT - timedelta(days=2))

    admission = admit(staff, patient, general)

    last_week.refresh_from_db()
    assert last_week.admission_id is None
    assert admission.charges.filter(item__code="WARD-GEN").exists()


def test_a_charge_already_on_an_outpatient_draft_stays_there(staff, general):
    patient = PatientFactory()
    with time_machine.travel(ADMITTED_AT - timedelta(hours=2), tick=False):
        draft = invoice_drafted(staff.receptionist, patient, "NURS-DRESS")

    admit(staff, patient, general)

    charge = draft.lines.get()
    assert charge.admission_id is None and charge.invoice_id == draft.pk
