"""A double click, a resent form or two requests at the same moment never record money twice
(issue 12): every money action carries the form's one-time token (hms.submissions) and locks the
row it changes."""

import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from billing import services
from billing.models import AdvanceDeposit, CreditNote, Invoice, Payment, Refund
from hms import submissions
from tests.billing.test_payments import issued_invoice, pay
from tests.factories import PatientFactory
from tests.races import race


@pytest.fixture
def people(staff, charge_master):
    return {"desk": staff.receptionist, "accountant": staff.accountant}


def test_a_double_click_on_record_payment_records_one_payment(people, client_for):
    invoice = issued_invoice(people, quantity="0.8")  # 400.00
    desk = client_for(people["desk"])
    form = {"amount": "100.00", "mode": "cash", "reference": "", "submission": str(uuid.uuid4())}

    first = desk.post(reverse("payment_take", args=[invoice.pk]), form)
    second = desk.post(reverse("payment_take", args=[invoice.pk]), form, follow=True)

    invoice.refresh_from_db()
    assert first.status_code == 302 and second.status_code == 200
    assert Payment.objects.filter(invoice=invoice).count() == 1
    assert invoice.balance == Decimal("300.00")
    assert "arrived twice; it was done once" in second.content.decode()


def test_two_separate_payments_are_both_recorded(people, client_for):
    invoice = issued_invoice(people, quantity="0.8")
    desk = client_for(people["desk"])

    # The second is the same amount minutes later: the desk says it is another one
    # (tests/billing/test_same_money_twice.py: without that it is asked first).
    for again in ("", "on"):
        desk.post(
            reverse("payment_take", args=[invoice.pk]),
            {"amount": "100.00", "mode": "cash", "again": again, "submission": str(uuid.uuid4())},
        )

    invoice.refresh_from_db()
    assert invoice.balance == Decimal("200.00")


@pytest.mark.parametrize(
    "act",
    ["issue", "void", "advance_take", "advance_apply", "credit_note", "refund", "discount"],
)
def test_every_money_action_done_twice_with_one_token_is_done_once(people, act):
    patient = PatientFactory()
    services.charge_post(actor=None, patient=patient, code="NURS-DRESS", quantity=Decimal("2"))
    invoice = services.invoice_draft(actor=people["desk"], patient=patient)
    accountant = people["accountant"]
    if act not in ("issue", "discount"):
        invoice = services.invoice_issue(actor=people["desk"], invoice=invoice)
    token = uuid.uuid4()
    payment = pay(people, invoice, "300") if act == "refund" else None
    if act == "advance_apply":
        services.advance_take(
            actor=people["desk"], patient=patient, amount=Decimal("50"), mode="cash"
        )
    calls = {
        "issue": lambda: services.invoice_issue(
            actor=accountant, invoice=invoice, submission=token
        ),
        "void": lambda: services.invoice_void(
            actor=accountant, invoice=invoice, reason="Wrong patient", submission=token
        ),
        "advance_take": lambda: services.advance_take(
            actor=accountant, patient=patient, amount=Decimal("50"), mode="cash", submission=token
        ),
        "advance_apply": lambda: services.advance_apply(
            actor=accountant, invoice=invoice, submission=token
        ),
        "credit_note": lambda: services.credit_note_issue(
            actor=accountant,
            invoice=invoice,
            amount=Decimal("100"),
            reason="Goodwill",
            submission=token,
        ),
        "refund": lambda: services.payment_refund(
            actor=accountant,
            payment=payment,
            amount=Decimal("100"),
            reason="Overcharged",
            method="cash",
            submission=token,
        ),
        "discount": lambda: services.invoice_set_discount(
            actor=accountant,
            invoice=invoice,
            kind="amount",
            value=Decimal("10"),
            reason="Staff",
            submission=token,
        ),
    }

    calls[act]()
    with pytest.raises(submissions.AlreadySubmitted):
        calls[act]()

    invoice.refresh_from_db()
    counts = {
        "advance_take": AdvanceDeposit.objects.filter(patient=patient).count(),
        "advance_apply": Payment.objects.filter(invoice=invoice, mode="advance").count(),
        "credit_note": CreditNote.objects.filter(invoice=invoice).count(),
        "refund": Refund.objects.count(),
    }
    assert counts.get(act, 1) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_refund_requests_of_one_form_at_the_same_moment_refund_once(people):
    """The issue's case: one refund form sent twice at the same moment, in two real PostgreSQL
    transactions. The second waits for the first, then finds its token taken."""
    invoice = issued_invoice(people, quantity="0.8")
    payment = pay(people, invoice, "400")
    token = uuid.uuid4()

    def refund(n: int) -> object:
        try:
            services.payment_refund(
                actor=people["accountant"],
                payment=payment,
                amount=Decimal("100"),
                reason="Overcharged",
                method="cash",
                submission=token,
            )
            return "refunded"
        except submissions.AlreadySubmitted:
            return "already"

    outcome = race(refund)

    invoice.refresh_from_db()
    assert sorted(outcome.values()) == ["already", "refunded"]
    assert Refund.objects.filter(payment=payment).count() == 1
    assert invoice.amount_paid == Decimal("300.00")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_desks_paying_the_last_balance_at_once_take_it_once(people):
    """Two different forms (two desks) racing for the last 400.00: the invoice row lock
    serializes them and the second is refused as an overpayment."""
    invoice = issued_invoice(people, quantity="0.8")

    def desk(n: int) -> object:
        try:
            services.payment_take(
                actor=people["desk"],
                invoice=Invoice.objects.get(pk=invoice.pk),
                amount=Decimal("400"),
                mode="cash",
                submission=uuid.uuid4(),
            )
            return "paid"
        except services.BillingError:
            return "refused"

    outcome = race(desk)

    assert sorted(outcome.values()) == ["paid", "refused"]
    assert Payment.objects.filter(invoice=invoice).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_payment_form_sent_twice_at_the_same_moment_records_one_payment(people, client_for):
    """The issue's double click as two real requests through the page, at the same moment, in two
    PostgreSQL transactions: one payment, balance 300.00, and both answers lead to the invoice."""
    invoice = issued_invoice(people, quantity="0.8")  # 400.00
    form = {"amount": "100.00", "mode": "cash", "reference": "", "submission": str(uuid.uuid4())}
    desks = [client_for(people["desk"]), client_for(people["desk"])]

    def click(n: int) -> object:
        return desks[n].post(reverse("payment_take", args=[invoice.pk]), form)

    answers = race(click)

    invoice.refresh_from_db()
    assert [answers[n].status_code for n in range(2)] == [302, 302]
    assert {answers[n]["Location"] for n in range(2)} == {
        reverse("invoice_detail", args=[invoice.pk])
    }
    assert Payment.objects.filter(invoice=invoice).count() == 1
    assert invoice.balance == Decimal("300.00")
