"""Deposits at the desk (issue 15, item 5): the visit's fee collected before the doctor as an
advance deposit, with its own 80 mm receipt, so the visit still has one invoice that uses it."""

import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
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


# --- giving a deposit back -----------------------------------------------------------------------


def test_an_unused_deposit_is_given_back_with_its_own_slip(people, staff, client_for):
    """The fee collected, then the patient left before being seen: the accountant gives it back
    by M-Pesa; the deposit holds nothing, the day's M-Pesa takings lose it, the statement says
    so, and the refund has its numbered slip."""
    patient = PatientFactory()
    advance = services.advance_take(
        actor=people["desk"],
        patient=patient,
        amount=Decimal("1500"),
        mode="mpesa",
        reference="QKA1B2C3D4",
    )
    accountant = client_for(staff.accountant)

    response = accountant.post(
        reverse("advance_refund", args=[advance.pk]),
        {
            "amount": "1500.00",
            "method": "mpesa",
            "reference": "RVSL9911AB",
            "reason": "Left before being seen",
            "submission": str(uuid.uuid4()),
        },
    )

    advance.refresh_from_db()
    given_back = advance.refunds.get()
    assert response.status_code == 302
    assert advance.available == 0 and advance.refunded == Decimal("1500.00")
    assert given_back.number.startswith("RF-") and given_back.refunded_by == staff.accountant
    assert AuditEntry.objects.get(action="advance.refund").after["reference"] == "RVSL9911AB"
    assert selectors.account_balance(patient).deposits_held == 0
    mpesa = next(t for t in selectors.desk_summary().takings if t.mode == "mpesa")
    assert (mpesa.received, mpesa.refunded) == (Decimal("1500.00"), Decimal("1500.00"))
    rows = selectors.account_statement(patient).rows
    assert any("refunded (M-Pesa reversal): Left before being seen" in r.text for r in rows)
    page = accountant.get(
        reverse("patient_account", args=[patient.pk]) + "?show=deposits"
    ).content.decode()
    slip = re.search(r'href="([^"]+)"[^>]*data-testid="deposit-refund-slip"', page).group(1)
    text = pdf_text(accountant.get(slip).content)
    assert f"REFUND {given_back.number}" in text and advance.receipt_number in text
    assert "RVSL9911AB" in text and "1,500.00" in text


def test_more_than_is_left_is_refused_beside_the_amount_and_nothing_changes(
    people, staff, client_for
):
    patient = PatientFactory()
    advance = services.advance_take(
        actor=people["desk"], patient=patient, amount=Decimal("1500"), mode="cash"
    )

    response = client_for(staff.accountant).post(
        reverse("advance_refund", args=[advance.pk]),
        {"amount": "1600", "method": "cash", "reason": "Overpaid", "submission": "x" * 8},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "At most KES 1,500.00 of deposit" in page and 'value="1600"' in page
    assert '<details open data-testid="deposit-refund">' in page
    advance.refresh_from_db()
    assert advance.refunded == 0 and not advance.refunds.exists()


def test_a_deposit_used_on_an_invoice_gives_back_only_what_is_left(people, staff):
    patient = PatientFactory()
    advance = services.advance_take(
        actor=people["desk"], patient=patient, amount=Decimal("2000"), mode="cash"
    )
    services.charge_post(actor=None, patient=patient, code="NURS-DRESS", quantity=Decimal("1"))
    invoice = services.invoice_issue(
        actor=people["desk"], invoice=services.invoice_draft(actor=people["desk"], patient=patient)
    )
    services.advance_apply(actor=people["desk"], invoice=invoice)  # 500 used

    with pytest.raises(services.BillingError, match="At most KES 1,500.00"):
        services.advance_refund(
            actor=staff.accountant,
            advance=advance,
            amount=Decimal("1600"),
            method="cash",
            reason="x",
        )
    services.advance_refund(
        actor=staff.accountant, advance=advance, amount=Decimal("1500"), method="cash", reason="x"
    )
    advance.refresh_from_db()
    assert (advance.applied, advance.refunded, advance.available) == (
        Decimal("500.00"),
        Decimal("1500.00"),
        Decimal("0.00"),
    )
    # Nothing left: no invoice can be paid from it any more.
    with pytest.raises(services.BillingError, match="no advance deposit left"):
        services.advance_apply(actor=people["desk"], invoice=invoice)


def test_only_the_accountant_or_administrator_gives_a_deposit_back(people, client_for):
    patient = PatientFactory()
    advance = services.advance_take(
        actor=people["desk"], patient=patient, amount=Decimal("1500"), mode="cash"
    )

    response = client_for(people["desk"]).post(
        reverse("advance_refund", args=[advance.pk]),
        {"amount": "100", "method": "cash", "reason": "x", "submission": str(uuid.uuid4())},
    )

    assert response.status_code == 403
    with pytest.raises(PermissionDenied, match="accountant or an administrator"):
        services.advance_refund(
            actor=people["desk"], advance=advance, amount=Decimal("1"), method="cash", reason="x"
        )
    advance.refresh_from_db()
    assert advance.refunded == 0


def test_a_refund_by_m_pesa_needs_its_reference_and_a_reason(people, staff):
    advance = services.advance_take(
        actor=people["desk"], patient=PatientFactory(), amount=Decimal("1500"), mode="cash"
    )

    with pytest.raises(services.BillingError, match="Enter the M-Pesa reversal's transaction code"):
        services.advance_refund(
            actor=staff.accountant,
            advance=advance,
            amount=Decimal("100"),
            method="mpesa",
            reason="x",
        )
    with pytest.raises(services.BillingError, match="Give the reason"):
        services.advance_refund(
            actor=staff.accountant,
            advance=advance,
            amount=Decimal("100"),
            method="cash",
            reason=" ",
        )


def test_a_refund_sent_twice_gives_back_once(people, staff, client_for):
    advance = services.advance_take(
        actor=people["desk"], patient=PatientFactory(), amount=Decimal("1500"), mode="cash"
    )
    accountant = client_for(staff.accountant)
    form = {
        "amount": "200",
        "method": "cash",
        "reason": "Overpaid",
        "submission": str(uuid.uuid4()),
    }

    for _ in range(2):
        accountant.post(reverse("advance_refund", args=[advance.pk]), form)

    advance.refresh_from_db()
    assert advance.refunds.count() == 1 and advance.refunded == Decimal("200.00")
