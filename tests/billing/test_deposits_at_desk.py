"""Deposits at the desk (issue 15, item 5): the visit's fee collected before the doctor as an
advance deposit, with its own 80 mm receipt, so the visit still has one invoice that uses it."""

import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing import selectors, services
from billing.models import AdvanceDeposit
from clinical import services as clinical
from hms.models import AuditEntry
from tests.billing.test_kenyan_desk import pdf_text
from tests.factories import AppointmentFactory, PatientFactory


@pytest.fixture
def people(staff, charge_master):
    return {"desk": staff.receptionist, "nurse": staff.nurse, "doctor": staff.doctor}


def deposit(client, patient, **typed):
    form = {"amount": "1500.00", "mode": "cash", "reference": "", "submission": str(uuid.uuid4())}
    return client.post(reverse("advance_take", args=[patient.pk]), form | typed)


def test_the_desk_takes_a_deposit_held_on_the_account(people, client_for):
    patient = PatientFactory()

    response = deposit(client_for(people["desk"]), patient, mode="mpesa", reference="QKC7T2M9LP")

    advance = AdvanceDeposit.objects.get(patient=patient)
    assert response.status_code == 302
    assert response["Location"] == reverse("patient_account", args=[patient.pk])
    assert (advance.amount, advance.mode, advance.reference) == (
        Decimal("1500.00"),
        "mpesa",
        "QKC7T2M9LP",
    )
    assert advance.receipt_number.startswith("RCT-")
    assert AuditEntry.objects.get(action="advance.take").actor == people["desk"]
    assert selectors.account_balance(patient).deposits_held == Decimal("1500.00")


def test_a_refused_deposit_is_said_beside_its_field_with_what_was_typed(people, client_for):
    patient = PatientFactory()

    response = deposit(client_for(people["desk"]), patient, amount="750.50", mode="mpesa")

    page = response.content.decode()
    assert response.status_code == 200
    assert not AdvanceDeposit.objects.exists()
    reference = page.index('name="reference"')
    beside = page[reference : page.index("</div>", page.index("invalid-feedback", reference))]
    assert "Enter the M-Pesa transaction code" in beside
    assert 'value="750.50"' in page
    assert re.search(r'<option value="mpesa"[^>]*selected', page)


def test_a_nurse_may_not_take_a_deposit_at_the_desk(people, client_for):
    patient = PatientFactory()

    response = deposit(client_for(people["nurse"]), patient)

    assert response.status_code == 403
    assert not AdvanceDeposit.objects.exists()


def test_a_deposit_sent_twice_is_taken_once(people, client_for):
    patient = PatientFactory()
    desk = client_for(people["desk"])
    token = str(uuid.uuid4())

    deposit(desk, patient, submission=token)
    deposit(desk, patient, submission=token)

    assert AdvanceDeposit.objects.filter(patient=patient).count() == 1


def test_the_deposit_receipt_prints_for_the_desk_and_the_patient_only(
    people, client_for, make_user
):
    owner = make_user("patient")
    patient = PatientFactory(user=owner)
    advance = services.advance_take(
        actor=people["desk"], patient=patient, amount=Decimal("1500"), mode="cash"
    )
    page = client_for(people["desk"]).get(
        reverse("patient_account", args=[patient.pk]) + "?show=deposits"
    )
    link = re.search(r'href="([^"]+)"[^>]*data-testid="deposit-receipt"', page.content.decode())

    printed = client_for(people["desk"]).get(link.group(1))
    own = client_for(owner).get(link.group(1))
    stranger = client_for(make_user("patient")).get(link.group(1))

    assert printed.status_code == 200 and printed["Content-Type"] == "application/pdf"
    text = pdf_text(printed.content)
    assert f"DEPOSIT RECEIPT {advance.receipt_number}" in text
    assert "1,500.00" in text and patient.mrn in text and "Invoice" not in text
    assert own.status_code == 200
    assert stranger.status_code == 404


def test_the_visits_fee_collected_before_the_doctor_is_used_by_its_one_invoice(people, client_for):
    now = timezone.now().replace(microsecond=0)
    appointment = AppointmentFactory(
        doctor=people["doctor"], starts_at=now, ends_at=now + timedelta(minutes=15)
    )
    patient = appointment.patient
    clinical.appointment_check_in(actor=people["desk"], appointment=appointment)
    desk = client_for(people["desk"])
    page = desk.get(reverse("appointment_detail", args=[appointment.pk])).content.decode()
    collect = re.search(r'href="([^"]+)" data-testid="collect-fee"', page).group(1)
    account = desk.get(collect.replace("&amp;", "&")).content.decode()
    fee = appointment.fee
    assert f'value="{fee}"' in account  # the fee is the amount offered

    deposit(desk, patient, amount=str(fee))
    # The doctor's test, after the fee was collected: the same visit, the same bill.
    services.charge_post(actor=None, patient=patient, code="NURS-DRESS", quantity=Decimal("1"))
    draft = services.invoice_draft(actor=people["desk"], patient=patient)
    invoice = services.invoice_issue(actor=people["desk"], invoice=draft)
    services.advance_apply(actor=people["desk"], invoice=invoice)

    invoice.refresh_from_db()
    assert invoice.lines.count() == 2  # the fee and the dressing, on one invoice
    assert invoice.balance == Decimal("500.00")  # the dressing; the fee was paid ahead
