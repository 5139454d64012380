"""Money and text at the desk are taken exactly as typed or refused beside their field: never
rounded (1.23456 is not 1.23), never read in Python's syntax (1_000), never cut (a 10,000-character
reference is not stored as its first 60). A refused submission changes nothing and keeps what was
typed; a `next` that is no path never turns a done action into an error page."""

import html
from decimal import Decimal

import pytest
from django.urls import reverse

from billing import services
from billing.models import AdvanceDeposit, CreditNote, InsuranceClaim, Invoice, Payment, Refund
from hms.models import AuditEntry
from tests.factories import PatientFactory

NHIF = {
    "insurance": {
        "provider": "NHIF",
        "policy_number": "N1",
        "coverage_percent": "80.00",
        "valid_until": "2099-12-31",
    }
}


@pytest.fixture
def people(staff, charge_master):
    return {"desk": staff.receptionist, "accountant": staff.accountant}


def issued_invoice(people, **patient_fields) -> Invoice:
    patient = PatientFactory(**patient_fields)
    services.charge_post(actor=None, patient=patient, code="NURS-DRESS", quantity=Decimal("4"))
    draft = services.invoice_draft(actor=people["desk"], patient=patient)
    return services.invoice_issue(actor=people["desk"], invoice=draft)  # 2000.00


def page(response) -> str:
    return html.unescape(response.content.decode())


def ledger() -> tuple:
    return (
        Payment.objects.count(),
        Refund.objects.count(),
        CreditNote.objects.count(),
        AdvanceDeposit.objects.count(),
        AuditEntry.objects.filter(action__startswith="payment").count(),
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"amount": "1.23456"}, "Enter the amount in cents at most"),
        ({"amount": "1_000"}, "Enter the amount as a number"),
        ({"amount": "1e3"}, "Enter the amount as a number"),
        ({"amount": "²"}, "Enter the amount as a number"),
        ({"amount": "100", "reference": "R" * 10000}, "At most 60 characters (this has 10000)"),
    ],
    ids=["too-many-places", "underscores", "exponent", "superscript", "long-reference"],
)
def test_a_payment_not_as_the_desk_typed_it_is_refused_beside_its_field(
    people, client_for, data, message
):
    invoice = issued_invoice(people)
    desk = client_for(people["desk"])
    before = ledger()
    posted = {"mode": "cash", "reference": "", **data}

    response = desk.post(reverse("payment_take", args=[invoice.pk]), posted)

    text = page(response)
    assert response.status_code == 200
    assert message in text
    assert f'value="{posted["amount"]}"' in text  # what was typed is kept
    assert ledger() == before
    assert Invoice.objects.get(pk=invoice.pk).amount_paid == 0


def test_a_payment_in_plain_digits_is_stored_exactly(people, client_for):
    invoice = issued_invoice(people)

    client_for(people["desk"]).post(
        reverse("payment_take", args=[invoice.pk]),
        {"amount": "1234.50", "mode": "mpesa", "reference": "QWE123RTYP"},
    )

    payment = Payment.objects.get()
    assert payment.amount == Decimal("1234.50") and payment.reference == "QWE123RTYP"


def test_the_service_refuses_more_places_than_money_holds(people):
    invoice = issued_invoice(people)

    with pytest.raises(services.BillingError, match="cents at most"):
        services.payment_take(
            actor=people["desk"], invoice=invoice, amount=Decimal("1.23456"), mode="cash"
        )
    with pytest.raises(services.BillingError, match="at most 60 characters"):
        services.payment_take(
            actor=people["desk"],
            invoice=invoice,
            amount=Decimal("100"),
            mode="cash",
            reference="R" * 61,
        )

    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"amount": "1.23456", "reason": "Overcharged"}, "Enter the amount in cents at most"),
        ({"amount": "1_0", "reason": "Overcharged"}, "Enter the amount as a number"),
        ({"amount": "10", "reason": "R" * 10000}, "At most 200 characters (this has 10000)"),
    ],
)
def test_a_refund_not_as_typed_is_refused_and_changes_nothing(people, client_for, data, message):
    invoice = issued_invoice(people)
    payment = services.payment_take(
        actor=people["desk"], invoice=invoice, amount=Decimal("500"), mode="cash"
    )
    before = ledger()

    response = client_for(people["accountant"]).post(
        reverse("payment_refund", args=[payment.pk]), data
    )

    assert response.status_code == 200
    assert message in page(response)
    assert ledger() == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"amount": "1.23456", "reason": "Goodwill"}, "Enter the amount in cents at most"),
        ({"amount": "1_000", "reason": "Goodwill"}, "Enter the amount as a number"),
        ({"amount": "10", "reason": "G" * 10000}, "At most 200 characters (this has 10000)"),
    ],
)
def test_a_credit_note_not_as_typed_is_refused_and_changes_nothing(
    people, client_for, data, message
):
    invoice = issued_invoice(people)
    before = ledger()

    response = client_for(people["accountant"]).post(
        reverse("credit_note_create", args=[invoice.pk]), data
    )

    assert response.status_code == 200
    assert message in page(response)
    assert ledger() == before


def test_a_discount_in_python_syntax_is_refused(people, client_for):
    patient = PatientFactory()
    services.charge_post(actor=None, patient=patient, code="NURS-DRESS", quantity=Decimal("4"))
    draft = services.invoice_draft(actor=people["desk"], patient=patient)

    response = client_for(people["accountant"]).post(
        reverse("invoice_discount", args=[draft.pk]),
        {"value": "1_0", "kind": "amount", "reason": "Staff"},
    )

    assert response.status_code == 200
    assert "Enter the discount as a number" in page(response)
    assert Invoice.objects.get(pk=draft.pk).discount_value == 0


def test_paying_a_claim_with_a_next_that_is_no_path_lands_on_the_invoice(people, client_for):
    invoice = issued_invoice(people, **NHIF)
    claim = InsuranceClaim.objects.get(invoice=invoice)
    services.claim_approve(
        actor=people["accountant"], claim=claim, amount=claim.amount_claimed, insurer_reference="A"
    )
    accountant = client_for(people["accountant"])

    response = accountant.post(
        reverse("claim_pay", args=[claim.pk]),
        {"amount": str(claim.amount_claimed), "reference": "EFT-1", "next": "back-to-list"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("invoice_detail", args=[invoice.pk])
    assert InsuranceClaim.objects.get(pk=claim.pk).status == "paid"


@pytest.mark.parametrize(
    "next_value", ["//evil.example/", "javascript:alert(1)", "https://x.example/"]
)
def test_a_next_elsewhere_is_not_followed(people, client_for, next_value):
    invoice = issued_invoice(people, **NHIF)
    claim = InsuranceClaim.objects.get(invoice=invoice)

    response = client_for(people["accountant"]).post(
        reverse("claim_reject", args=[claim.pk]), {"reason": "Not covered", "next": next_value}
    )

    assert response["Location"] == reverse("invoice_detail", args=[invoice.pk])
