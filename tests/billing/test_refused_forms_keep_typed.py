"""A refused money action shows the form again as it was typed, its message beside the field it is
about (issue 15, item 6): a payment too large, zero, negative or without its M-Pesa code keeps the
mode, the amount and the reference typed; so do refunds, credit notes, discounts, voids, claims and
a deposit at admission. The page drawn again carries a token that works, so the corrected form
records exactly one payment."""

import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from billing import services
from billing.models import AdvanceDeposit, CreditNote, InsuranceClaim, Invoice, Payment, Refund
from hms import submissions
from tests.factories import BedFactory, PatientFactory

SHA_80 = {
    "provider": "SHA",
    "policy_number": "SHA-1",
    "coverage_percent": "80.00",
    "valid_until": "2099-12-31",
}


@pytest.fixture
def people(staff, charge_master):
    return {"desk": staff.receptionist, "accountant": staff.accountant}


def issued_invoice(people, quantity="4", insurance=None) -> Invoice:
    patient = PatientFactory(insurance=insurance or {})
    services.charge_post(actor=None, patient=patient, code="NURS-DRESS", quantity=Decimal(quantity))
    draft = services.invoice_draft(actor=people["desk"], patient=patient)
    return services.invoice_issue(actor=people["desk"], invoice=draft)  # 500.00 × quantity


def form_posting_to(response, url: str) -> str:
    """The rendered <form> that posts to `url`, unescaped."""
    text = response.content.decode()
    found = re.search(rf'<form[^>]*action="{re.escape(url)}"[^>]*>.*?</form>', text, re.S)
    assert found, f"no form posting to {url}"
    return html.unescape(found.group(0))


def token_in(form: str) -> str:
    return re.search(rf'name="{submissions.FIELD}" value="([0-9a-f-]+)"', form).group(1)


def beside(form: str, field: str, message: str) -> None:
    """`message` is shown right after the input named `field`, before the next input."""
    start = re.search(rf'<(input|select)[^>]*name="{field}"', form)
    assert start, f"no field {field}"
    after = form[start.end() :]
    next_field = re.search(r'<(input|select)[^>]*name="(?!submission)', after)
    assert message in after[: next_field.start() if next_field else None], (
        f"{message!r} is not beside {field}"
    )


def marked_in_row(form: str, field: str, message: str) -> None:
    """A one-row form (an input group): the field is marked invalid and the message is under the
    row, the other fields not marked."""
    for name in re.findall(r'<input[^>]*name="([a-z_]+)"', form):
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', form).group(0)
        assert ("is-invalid" in tag) == (name == field), tag
    assert message in form


def selected(form: str, field: str) -> str:
    select = re.search(rf'<select[^>]*name="{field}".*?</select>', form, re.S).group(0)
    chosen = re.findall(r'<option value="([^"]*)" selected>', select)
    assert len(chosen) == 1, chosen
    return chosen[0]


def value_of(form: str, field: str) -> str:
    return re.search(rf'<input[^>]*name="{field}"[^>]*value="([^"]*)"', form).group(1)


# --- payments ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "field", "message"),
    [
        (
            {"amount": "5000", "mode": "mpesa", "reference": "QJK3X7Y2ZA"},
            "amount",
            "That is more than the balance of KES 2,000.00: take KES 2,000.00 and give change.",
        ),
        ({"amount": "0", "mode": "mpesa", "reference": "QJK3X7Y2ZA"}, "amount", "Enter"),
        ({"amount": "-50", "mode": "card", "reference": "SLIP-991"}, "amount", "Enter"),
        (
            {"amount": "1500", "mode": "mpesa", "reference": ""},
            "reference",
            "Enter the M-Pesa transaction code",
        ),
        (
            {"amount": "1500", "mode": "bank", "reference": "  "},
            "reference",
            "Enter the bank transfer's reference.",
        ),
    ],
    ids=["more-than-the-balance", "zero", "negative", "m-pesa-without-code", "bank-without-ref"],
)
def test_a_refused_payment_keeps_the_mode_amount_and_reference_typed(
    people, client_for, typed, field, message
):
    invoice = issued_invoice(people)  # 2,000.00
    desk = client_for(people["desk"])
    url = reverse("payment_take", args=[invoice.pk])

    response = desk.post(url, typed)

    assert response.status_code == 200
    form = form_posting_to(response, url)
    beside(form, field, message)
    assert selected(form, "mode") == typed["mode"]
    assert value_of(form, "amount") == typed["amount"]
    assert value_of(form, "reference") == typed["reference"]
    assert not Payment.objects.exists()


def test_an_error_then_the_corrected_form_records_exactly_one_payment(people, client_for):
    invoice = issued_invoice(people)
    desk = client_for(people["desk"])
    url = reverse("payment_take", args=[invoice.pk])
    first = desk.get(reverse("invoice_detail", args=[invoice.pk]))
    token = token_in(form_posting_to(first, url))

    refused = desk.post(
        url, {"amount": "5000", "mode": "mpesa", "reference": "QJK3X7Y2ZA", "submission": token}
    )
    again = token_in(form_posting_to(refused, url))
    paid = desk.post(
        url, {"amount": "2000", "mode": "mpesa", "reference": "QJK3X7Y2ZA", "submission": again}
    )
    resent = desk.post(
        url,
        {"amount": "2000", "mode": "mpesa", "reference": "QJK3X7Y2ZA", "submission": again},
        follow=True,
    )

    assert paid.status_code == 302
    payment = Payment.objects.get()
    assert (payment.amount, payment.mode, payment.reference) == (
        Decimal("2000.00"),
        "mpesa",
        "QJK3X7Y2ZA",
    )
    assert "arrived twice; it was done once" in resent.content.decode()
    assert Payment.objects.count() == 1


def test_the_refused_token_itself_also_works_once_corrected(people, client_for):
    """The first token was rolled back with the refused payment, so a form resent with it (a
    browser's back button) is taken once too."""
    invoice = issued_invoice(people)
    desk = client_for(people["desk"])
    url = reverse("payment_take", args=[invoice.pk])
    token = token_in(form_posting_to(desk.get(reverse("invoice_detail", args=[invoice.pk])), url))

    desk.post(url, {"amount": "0", "mode": "cash", "submission": token})
    desk.post(url, {"amount": "700", "mode": "cash", "submission": token})
    desk.post(url, {"amount": "700", "mode": "cash", "submission": token})

    assert list(Payment.objects.values_list("amount", flat=True)) == [Decimal("700.00")]


def test_a_payment_refused_because_the_invoice_was_paid_meanwhile_says_so_above_the_page(
    people, client_for
):
    invoice = issued_invoice(people)
    services.payment_take(
        actor=people["desk"], invoice=invoice, amount=Decimal("2000"), mode="cash"
    )

    response = client_for(people["desk"]).post(
        reverse("payment_take", args=[invoice.pk]), {"amount": "100", "mode": "cash"}, follow=True
    )

    text = html.unescape(response.content.decode())
    messages = text[text.index('id="messages"') : text.index("</main>")]
    assert "Payments are taken on issued invoices; this one is paid." in messages
    assert Payment.objects.count() == 1


# --- refunds, credit notes, discount, void -------------------------------------------------------


def test_a_refused_refund_keeps_amount_method_reference_and_reason(people, client_for):
    invoice = issued_invoice(people)
    payment = services.payment_take(
        actor=people["desk"],
        invoice=invoice,
        amount=Decimal("500"),
        mode="mpesa",
        reference="QKA1B2C3D4",
    )
    url = reverse("payment_refund", args=[payment.pk])
    typed = {"amount": "900", "method": "mpesa", "reference": "QRV55A1B2C", "reason": "Overcharged"}

    too_much = client_for(people["accountant"]).post(url, typed)
    no_reference = client_for(people["accountant"]).post(
        url, typed | {"amount": "100", "reference": ""}
    )

    form = form_posting_to(too_much, url)
    beside(form, "amount", "At most KES 500.00 can be refunded on receipt")
    assert selected(form, "method") == "mpesa"
    assert value_of(form, "amount") == "900"
    assert value_of(form, "reference") == "QRV55A1B2C"
    assert value_of(form, "reason") == "Overcharged"
    form = form_posting_to(no_reference, url)
    beside(form, "reference", "Enter the M-Pesa reversal's transaction code")
    assert value_of(form, "amount") == "100"
    assert not Refund.objects.exists()


def test_a_refused_credit_note_keeps_amount_and_reason(people, client_for):
    invoice = issued_invoice(people)
    url = reverse("credit_note_create", args=[invoice.pk])

    response = client_for(people["accountant"]).post(url, {"amount": "9000", "reason": "Goodwill"})

    form = form_posting_to(response, url)
    beside(form, "amount", "That is more than the open balance of KES 2,000.00")
    assert value_of(form, "amount") == "9000" and value_of(form, "reason") == "Goodwill"
    assert not CreditNote.objects.exists()


def test_a_refused_discount_keeps_its_kind_value_and_reason(people, client_for):
    patient = PatientFactory()
    services.charge_post(actor=None, patient=patient, code="NURS-DRESS", quantity=Decimal("4"))
    draft = services.invoice_draft(actor=people["desk"], patient=patient)
    url = reverse("invoice_discount", args=[draft.pk])

    response = client_for(people["accountant"]).post(
        url, {"value": "120", "kind": "percent", "reason": "Staff"}
    )

    form = form_posting_to(response, url)
    # Under the value and its kind (one input group), above the reason.
    beside(form, "kind", "A discount in per cent is at most 100 % (120 % typed).")
    assert selected(form, "kind") == "percent"
    assert value_of(form, "value") == "120" and value_of(form, "reason") == "Staff"


def test_a_void_without_reason_is_refused_beside_the_reason(people, client_for):
    invoice = issued_invoice(people)
    url = reverse("invoice_void", args=[invoice.pk])

    response = client_for(people["accountant"]).post(url, {"reason": "   "})

    beside(form_posting_to(response, url), "reason", "Give the reason for voiding the invoice.")
    assert Invoice.objects.get(pk=invoice.pk).status == "issued"


# --- claims --------------------------------------------------------------------------------------


def test_a_refused_approval_on_the_claims_list_shows_the_list_again_as_typed(people, client_for):
    invoice = issued_invoice(people, insurance=SHA_80)  # claim 1,600.00
    claim = InsuranceClaim.objects.get(invoice=invoice)
    back = reverse("claim_list") + "?status=submitted"
    url = reverse("claim_approve", args=[claim.pk])

    response = client_for(people["accountant"]).post(
        url, {"amount": "1700", "insurer_reference": "SHA-APP-9", "next": back}
    )

    assert response.status_code == 200
    assert 'data-testid="claims"' in response.content.decode()  # the list, as it was filtered
    form = form_posting_to(response, url)
    marked_in_row(form, "amount", "The insurer cannot approve more than the KES 1,600.00 claimed.")
    assert value_of(form, "amount") == "1700"
    assert value_of(form, "insurer_reference") == "SHA-APP-9"
    assert value_of(form, "next") == back
    assert InsuranceClaim.objects.get(pk=claim.pk).status == "submitted"


def test_a_refused_claim_payment_on_the_invoice_keeps_what_was_typed(people, client_for):
    invoice = issued_invoice(people, insurance=SHA_80)
    claim = InsuranceClaim.objects.get(invoice=invoice)
    services.claim_approve(
        actor=people["accountant"], claim=claim, amount=Decimal("1600"), insurer_reference="A1"
    )
    back = reverse("invoice_detail", args=[invoice.pk])
    url = reverse("claim_pay", args=[claim.pk])

    response = client_for(people["accountant"]).post(
        url, {"amount": "1600", "reference": "", "next": back}
    )

    form = form_posting_to(response, url)
    marked_in_row(form, "reference", "Enter the insurer's remittance reference")
    assert value_of(form, "amount") == "1600"
    assert value_of(form, "next") == back  # the invoice, not the address the form posted to
    assert InsuranceClaim.objects.get(pk=claim.pk).status == "approved"


# --- a deposit at admission ----------------------------------------------------------------------


def test_a_deposit_by_m_pesa_without_its_code_is_refused_beside_the_reference(
    people, client_for, staff
):
    bed = BedFactory()
    patient = PatientFactory()
    url = reverse("admission_new") + f"?patient={patient.pk}"

    response = client_for(people["desk"]).post(
        url,
        {
            "patient": patient.pk,
            "attending_doctor": staff.doctor.pk,
            "bed": bed.pk,
            "reason": "Observation",
            "advance_deposit": "3000",
            "deposit_mode": "mpesa",
            "deposit_reference": "",
        },
    )

    assert response.status_code == 200
    text = html.unescape(response.content.decode())
    error = text.index("Deposit not recorded: Enter the M-Pesa transaction code")
    assert text.rindex('name="deposit_reference"', 0, error) > text.rindex('name="deposit_mode"')
    assert re.search(r'<option value="mpesa" selected>', text)
    assert 'value="3000"' in text
    assert not AdvanceDeposit.objects.exists()
