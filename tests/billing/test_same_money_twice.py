"""The same money is never recorded twice by accident: an M-Pesa code, card slip or bank
reference is on one receipt only, an M-Pesa code is the ten characters of the patient's message,
and the same amount for the same patient minutes after a receipt (the form sent again with the
Back button, which draws a fresh form) asks the desk "yes, record another" first."""

import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from billing import services
from billing.models import AdvanceDeposit, Payment
from tests.factories import PatientFactory


@pytest.fixture
def people(staff, charge_master):
    return {"desk": staff.receptionist, "accountant": staff.accountant}


def issued_invoice(people, quantity="4"):
    patient = PatientFactory()
    services.charge_post(actor=None, patient=patient, code="NURS-DRESS", quantity=Decimal(quantity))
    draft = services.invoice_draft(actor=people["desk"], patient=patient)
    return services.invoice_issue(actor=people["desk"], invoice=draft)  # 500.00 × quantity


def post_deposit(client, patient, **typed):
    form = {"amount": "1500.00", "mode": "cash", "reference": "", "submission": str(uuid.uuid4())}
    return client.post(reverse("advance_take", args=[patient.pk]), form | typed)


def post_payment(client, invoice, **typed):
    form = {"amount": "500.00", "mode": "cash", "reference": "", "submission": str(uuid.uuid4())}
    return client.post(reverse("payment_take", args=[invoice.pk]), form | typed)


def test_an_mpesa_code_already_on_a_receipt_is_refused_everywhere_however_it_is_typed(people):
    invoice = issued_invoice(people)
    first = services.payment_take(
        actor=people["desk"],
        invoice=invoice,
        amount=Decimal("500"),
        mode="mpesa",
        reference="qjk3 x7y2za",
    )
    assert first.reference == "QJK3X7Y2ZA"  # stored as the message shows it

    with pytest.raises(services.BillingError, match=f"already on receipt {first.receipt_number}"):
        services.payment_take(
            actor=people["desk"],
            invoice=invoice,
            amount=Decimal("700"),
            mode="mpesa",
            reference="QJK3X7Y2ZA",
        )
    with pytest.raises(services.BillingError, match="already on receipt") as refused:
        services.advance_take(
            actor=people["desk"],
            patient=PatientFactory(),
            amount=Decimal("700"),
            mode="mpesa",
            reference=" qjk3x7y2za ",
        )
    assert refused.value.field == "reference"
    assert Payment.objects.count() == 1 and AdvanceDeposit.objects.count() == 0


def test_a_deposits_bank_reference_cannot_pay_an_invoice_too(people):
    deposit = services.advance_take(
        actor=people["desk"],
        patient=PatientFactory(),
        amount=Decimal("3000"),
        mode="bank",
        reference="EFT-20261130-77",
    )
    invoice = issued_invoice(people)

    with pytest.raises(services.BillingError, match=deposit.receipt_number):
        services.payment_take(
            actor=people["desk"],
            invoice=invoice,
            amount=Decimal("1000"),
            mode="bank",
            reference="EFT-20261130-77",
        )
    assert not invoice.payments.exists()


def test_a_reversed_payments_code_may_be_recorded_again_on_the_right_invoice(people):
    wrong = issued_invoice(people)
    mistaken = services.payment_take(
        actor=people["desk"],
        invoice=wrong,
        amount=Decimal("500"),
        mode="mpesa",
        reference="QKR5T7V9XZ",
    )
    services.payment_reverse(
        actor=people["accountant"], payment=mistaken, reason="Recorded on the wrong invoice"
    )
    right = issued_invoice(people)

    again = services.payment_take(
        actor=people["desk"],
        invoice=right,
        amount=Decimal("500"),
        mode="mpesa",
        reference="QKR5T7V9XZ",
    )

    assert again.invoice == right and again.reference == "QKR5T7V9XZ"


@pytest.mark.parametrize("typed", ["Q1", "QJK3X7Y2Z", "QJK3X7Y2ZA1", "QJK3-X7Y2Z"])
def test_an_mpesa_code_is_the_ten_letters_and_digits_of_the_message(people, typed):
    invoice = issued_invoice(people)

    with pytest.raises(services.BillingError, match="10 letters and digits") as refused:
        services.payment_take(
            actor=people["desk"],
            invoice=invoice,
            amount=Decimal("500"),
            mode="mpesa",
            reference=typed,
        )
    assert refused.value.field == "reference" and not invoice.payments.exists()


def test_the_same_deposit_sent_again_asks_before_a_second_receipt(people, client_for):
    desk = client_for(people["desk"])
    patient = PatientFactory()
    post_deposit(desk, patient)
    first = AdvanceDeposit.objects.get(patient=patient)

    # Back to the account page (a fresh form, a fresh token), the same amount sent again.
    response = post_deposit(desk, patient)

    page = response.content.decode()
    assert response.status_code == 200
    assert AdvanceDeposit.objects.filter(patient=patient).count() == 1
    assert "KES 1,500.00 was already recorded for this patient" in page
    assert first.receipt_number in page
    assert re.search(r'<input[^>]*type="checkbox"[^>]*name="again"', page)
    assert re.search(r'name="amount"[^>]*value="1500.00"', page)  # what was typed is kept

    confirmed = post_deposit(desk, patient, again="on")

    assert confirmed.status_code == 302
    assert AdvanceDeposit.objects.filter(patient=patient).count() == 2


def test_the_same_amount_a_quarter_hour_later_is_simply_recorded(people, client_for):
    desk = client_for(people["desk"])
    patient = PatientFactory()
    post_deposit(desk, patient)

    with time_machine.travel(timezone.now() + timedelta(minutes=15)):
        response = post_deposit(client_for(people["desk"]), patient)

    assert response.status_code == 302
    assert AdvanceDeposit.objects.filter(patient=patient).count() == 2


def test_another_patients_deposit_of_the_same_amount_is_not_asked_about(people, client_for):
    desk = client_for(people["desk"])
    post_deposit(desk, PatientFactory())

    response = post_deposit(desk, PatientFactory())

    assert response.status_code == 302 and AdvanceDeposit.objects.count() == 2


def test_the_same_part_payment_sent_again_asks_beside_the_button(people, client_for):
    desk = client_for(people["desk"])
    invoice = issued_invoice(people)  # 2,000.00
    post_payment(desk, invoice)

    response = post_payment(desk, invoice)

    page = response.content.decode()
    assert invoice.payments.count() == 1
    assert 'data-testid="pay-again-error"' in page and "KES 500.00 was already recorded" in page
    assert 'data-testid="pay-again"' in page

    post_payment(desk, invoice, again="on")

    invoice.refresh_from_db()
    assert invoice.payments.count() == 2 and invoice.balance == Decimal("1000.00")


def test_a_deposit_used_on_a_bill_of_the_same_amount_is_not_taken_for_a_repeat(people):
    invoice = issued_invoice(people, quantity="3")  # 1,500.00
    services.advance_take(
        actor=people["desk"], patient=invoice.patient, amount=Decimal("1500"), mode="cash"
    )

    services.advance_apply(actor=people["desk"], invoice=invoice)

    invoice.refresh_from_db()
    assert invoice.balance == Decimal("0.00")
