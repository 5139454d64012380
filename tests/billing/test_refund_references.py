"""Refund references are checked as payment references are (session 33): an M-Pesa reversal's
code is ten letters and digits, and a reference of money given back is used once, whether the
refund is on a payment or of an advance deposit."""

import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from billing import services
from billing.models import AdvanceRefund, Refund
from tests.factories import PatientFactory

PAID_CODE = "QKS4T8V1WZ"  # the M-Pesa code of the money the patient paid
REVERSAL = "RVA1B2C3D4"  # the code M-Pesa gives the reversal


@pytest.fixture
def desk(staff, charge_master):
    return staff.receptionist


@pytest.fixture
def accountant(staff):
    return staff.accountant


def paid_by_mpesa(desk, code=PAID_CODE):
    patient = PatientFactory()
    services.charge_post(actor=None, patient=patient, code="NURS-DRESS", quantity=Decimal("4"))
    invoice = services.invoice_issue(
        actor=desk, invoice=services.invoice_draft(actor=desk, patient=patient)
    )
    return services.payment_take(
        actor=desk, invoice=invoice, amount=Decimal("2000"), mode="mpesa", reference=code
    )


def deposit_held(desk, mode="cash", reference=""):
    return services.advance_take(
        actor=desk, patient=PatientFactory(), amount=Decimal("1500"), mode=mode, reference=reference
    )


def refund(accountant, payment, reference, method="mpesa", amount="60"):
    return services.payment_refund(
        actor=accountant,
        payment=payment,
        amount=Decimal(amount),
        method=method,
        reference=reference,
        reason="Overcharged",
    )


def give_back(accountant, advance, reference, method="mpesa"):
    return services.advance_refund(
        actor=accountant,
        advance=advance,
        amount=Decimal("100"),
        method=method,
        reference=reference,
        reason="Left before being seen",
    )


def test_two_refunds_on_one_receipt_cannot_share_an_m_pesa_reversal_code(desk, accountant):
    payment = paid_by_mpesa(desk)
    first = refund(accountant, payment, REVERSAL)

    with pytest.raises(services.BillingError, match=f"already on refund {first.number}") as no:
        refund(accountant, payment, REVERSAL.lower(), amount="40")

    assert no.value.field == "reference"
    assert Refund.objects.count() == 1
    payment.invoice.refresh_from_db()
    assert payment.invoice.amount_refunded == Decimal("60.00")


def test_a_deposit_refund_by_m_pesa_needs_a_real_reversal_code(desk, accountant):
    advance = deposit_held(desk)

    with pytest.raises(services.BillingError, match="10 letters and digits") as no:
        give_back(accountant, advance, "abc")

    assert no.value.field == "reference"
    assert not AdvanceRefund.objects.exists()


def test_a_reversal_code_used_on_a_payments_refund_is_refused_for_a_deposits(desk, accountant):
    done = refund(accountant, paid_by_mpesa(desk), REVERSAL)
    advance = deposit_held(desk)

    with pytest.raises(services.BillingError, match=f"already on refund {done.number}"):
        give_back(accountant, advance, REVERSAL)
    given = give_back(accountant, advance, "RVZ9Y8X7W6")
    with pytest.raises(services.BillingError, match=f"already on refund {given.number}"):
        refund(accountant, paid_by_mpesa(desk, "QKN9P2R5TX"), "rvz9 y8x7 w6")


def test_the_code_of_the_money_received_is_not_the_reversals(desk, accountant):
    payment = paid_by_mpesa(desk)
    advance = deposit_held(desk, mode="mpesa", reference="QKC7T2M9LP")

    with pytest.raises(services.BillingError, match=f"receipt {payment.receipt_number}"):
        refund(accountant, payment, PAID_CODE)
    with pytest.raises(services.BillingError, match=f"receipt {advance.receipt_number}"):
        give_back(accountant, advance, "QKC7T2M9LP")

    assert not Refund.objects.exists() and not AdvanceRefund.objects.exists()


def test_a_reversal_code_is_stored_as_m_pesa_writes_it(desk, accountant):
    done = refund(accountant, paid_by_mpesa(desk), " rva1 b2c3 d4 ")

    assert done.reference == REVERSAL


def test_card_and_bank_references_are_used_once_and_cash_needs_none(desk, accountant):
    payment = paid_by_mpesa(desk)
    refund(accountant, payment, "RVSL-55120", method="card")

    with pytest.raises(services.BillingError, match="Card reversal reference RVSL-55120"):
        refund(accountant, payment, "RVSL-55120", method="card")
    refund(accountant, payment, "RVSL-55120", method="bank")  # another method's numbering
    refund(accountant, payment, "", method="cash")
    refund(accountant, payment, "", method="cash")

    assert Refund.objects.count() == 4


def test_a_refused_reference_is_said_beside_its_field_with_the_methods_own_label(
    desk, accountant, client_for
):
    advance = deposit_held(desk)

    response = client_for(accountant).post(
        reverse("advance_refund", args=[advance.pk]),
        {
            "amount": "100",
            "method": "mpesa",
            "reference": "",
            "reason": "Left before being seen",
            "submission": str(uuid.uuid4()),
        },
    )

    page = response.content.decode()
    assert response.status_code == 200 and not AdvanceRefund.objects.exists()
    assert "Enter the M-Pesa reversal&#x27;s transaction code" in page
    assert "m-pesa reversal" not in page
