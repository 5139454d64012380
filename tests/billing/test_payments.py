"""Payments and refunds: partial payments, no overpayment, receipts, refunds within what was paid."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from billing import services
from billing.models import Invoice, InvoiceStatus, Payment
from hms import rbac
from hms.models import AuditEntry
from tests.factories import PatientFactory
from tests.races import race


@pytest.fixture
def people(staff, charge_master):
    return {"desk": staff.receptionist, "accountant": staff.accountant}


def issued_invoice(people, quantity="4"):
    patient = PatientFactory()
    services.charge_post(actor=None, patient=patient, code="NURS-DRESS", quantity=Decimal(quantity))
    draft = services.invoice_draft(actor=people["desk"], patient=patient)
    return services.invoice_issue(actor=people["desk"], invoice=draft)  # 500.00 × quantity


def pay(people, invoice, amount, mode="cash", reference=""):
    return services.payment_take(
        actor=people["desk"],
        invoice=invoice,
        amount=Decimal(amount),
        mode=mode,
        reference=reference,
    )


def test_partial_payments_then_paid_with_receipt_numbers(people):
    invoice = issued_invoice(people)

    first = pay(people, invoice, "500")
    second = pay(people, invoice, "1500", mode="mpesa", reference="QWE123RTYP")

    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID and invoice.balance == Decimal("0.00")
    assert first.receipt_number.endswith("-000001") and second.receipt_number.endswith("-000002")
    assert AuditEntry.objects.filter(action="payment.take").count() == 2


@pytest.mark.parametrize(
    ("amount", "mode", "reference", "message"),
    [
        ("2000.01", "cash", "", "more than the balance of KES 2,000.00"),
        ("0", "cash", "", "Enter the amount paid"),
        ("100", "mpesa", "", "M-Pesa transaction code"),
        ("100", "cheque", "", "Choose how the patient paid"),
    ],
)
def test_bad_payments_are_refused_and_change_nothing(people, amount, mode, reference, message):
    invoice = issued_invoice(people)

    with pytest.raises(services.BillingError, match=message):
        pay(people, invoice, amount, mode, reference)

    invoice.refresh_from_db()
    assert invoice.amount_paid == 0 and not Payment.objects.exists()


def test_a_draft_cannot_be_paid(people):
    patient = PatientFactory()
    services.charge_post(actor=None, patient=patient, code="NURS-DRESS")
    draft = services.invoice_draft(actor=people["desk"], patient=patient)

    with pytest.raises(services.BillingError, match="issued invoices"):
        pay(people, draft, "10")


def test_refunds_never_exceed_what_was_paid_and_never_make_the_invoice_owed_again(people):
    invoice = issued_invoice(people)
    payment = pay(people, invoice, "2000")

    with pytest.raises(PermissionDenied, match="Only an accountant"):
        services.payment_refund(
            actor=people["desk"], payment=payment, amount=Decimal("10"), reason="x", method="cash"
        )
    services.payment_refund(
        actor=people["accountant"],
        payment=payment,
        amount=Decimal("500"),
        reason="Dressing not done",
        method="cash",
    )
    with pytest.raises(services.BillingError, match="At most KES 1,500.00"):
        services.payment_refund(
            actor=people["accountant"],
            payment=payment,
            amount=Decimal("1500.01"),
            reason="x",
            method="cash",
        )

    invoice.refresh_from_db()
    # 500.00 given back and no longer claimed: 1,500.00 kept, nothing owed, still Paid.
    assert invoice.status == InvoiceStatus.PAID and invoice.balance == Decimal("0.00")
    assert invoice.amount_paid == Decimal("1500.00")
    assert invoice.amount_refunded == Decimal("500.00")


def test_the_desk_takes_a_payment_on_screen_and_sees_the_balance(people, client_for):
    invoice = issued_invoice(people, quantity="1")
    desk = client_for(people["desk"])

    desk.post(reverse("payment_take", args=[invoice.pk]), {"amount": "200", "mode": "cash"})
    page = desk.get(reverse("invoice_detail", args=[invoice.pk])).content.decode()
    too_much = desk.post(
        reverse("payment_take", args=[invoice.pk]), {"amount": "999", "mode": "cash"}, follow=True
    )

    assert 'data-testid="invoice-balance">KES 300.00<' in page
    assert "more than the balance of KES 300.00" in too_much.content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_desks_paying_the_whole_balance_at_once_cannot_overpay(make_user, charge_master):
    people = {"desk": make_user(rbac.RECEPTIONIST), "accountant": make_user(rbac.ACCOUNTANT)}
    invoice = issued_invoice(people, quantity="2")  # balance 1,000.00

    def attempt(_n: int) -> object:
        return pay(people, invoice, "1000")

    outcome = list(race(attempt).values())

    assert sorted(type(o).__name__ for o in outcome) == ["BillingError", "Payment"]
    invoice = Invoice.objects.get(pk=invoice.pk)
    assert invoice.amount_paid == Decimal("1000.00") and invoice.status == InvoiceStatus.PAID


def test_outstanding_invoices_are_grouped_by_age(people, client_for, django_assert_max_num_queries):
    import time_machine
    from django.utils import timezone

    with time_machine.travel(timezone.now() - timedelta(days=45)):
        old = issued_invoice(people, quantity="1")  # 500.00, 45 days ago
    fresh = issued_invoice(people, quantity="2")
    pay(people, fresh, "400")  # 600.00 left
    desk = client_for(people["desk"])

    with django_assert_max_num_queries(20):
        page = desk.get(reverse("outstanding")).content.decode()

    assert 'data-testid="outstanding-total">KES 1,100.00<' in page
    assert page.index(old.number) < page.index(fresh.number)  # the oldest debt first
    assert 'data-testid="aging">KES 500.00<' in page and 'data-testid="aging">KES 600.00<' in page


def test_a_deposit_at_admission_pays_the_final_bill_drafted_at_discharge(
    make_user, charge_master, client_for
):
    from billing.models import AdvanceDeposit
    from wards import services as wards

    admin, nurse, doctor = make_user(rbac.ADMIN), make_user(rbac.NURSE), make_user(rbac.DOCTOR)
    desk = make_user(rbac.RECEPTIONIST)
    ward = wards.ward_create(
        actor=admin, name="General", kind="general", charge_code="WARD-GEN", beds=1
    )
    patient = PatientFactory()
    admission = wards.admission_create(
        actor=nurse,
        patient=patient,
        attending_doctor=doctor,
        bed=ward.beds.get(),
        reason="x",
        advance_deposit=Decimal("5000"),
        deposit_mode="mpesa",
        deposit_reference="QAZ123WSXE",
    )
    wards.discharge_order(actor=doctor, admission=admission, summary={"final_diagnosis": "Better"})
    wards.discharge_process(actor=desk, admission=admission)  # one day at 3,500.00

    draft = Invoice.objects.get(admission=admission, status=InvoiceStatus.DRAFT)
    invoice = services.invoice_issue(actor=desk, invoice=draft)
    client_for(desk).post(reverse("advance_apply", args=[invoice.pk]))

    invoice.refresh_from_db()
    advance = AdvanceDeposit.objects.get(patient=patient)
    assert advance.receipt_number.startswith("RCT-") and advance.mode == "mpesa"
    assert invoice.status == InvoiceStatus.PAID and invoice.amount_paid == Decimal("3500.00")
    assert advance.applied == Decimal("3500.00") and advance.available == Decimal("1500.00")
    assert Payment.objects.get(invoice=invoice).mode == "advance"


def test_a_deposit_needs_a_reference_for_mpesa_and_nothing_is_admitted_without_it(
    make_user, charge_master
):
    from wards import services as wards
    from wards.models import Admission

    admin, nurse, doctor = make_user(rbac.ADMIN), make_user(rbac.NURSE), make_user(rbac.DOCTOR)
    ward = wards.ward_create(
        actor=admin, name="General", kind="general", charge_code="WARD-GEN", beds=1
    )

    with pytest.raises(wards.WardError, match="M-Pesa transaction code"):
        wards.admission_create(
            actor=nurse,
            patient=PatientFactory(),
            attending_doctor=doctor,
            bed=ward.beds.get(),
            reason="x",
            advance_deposit=Decimal("5000"),
            deposit_mode="mpesa",
        )

    assert not Admission.objects.exists()


def test_the_advance_mode_is_not_taken_from_the_desk_form(people, client_for):
    invoice = issued_invoice(people, quantity="1")

    client_for(people["desk"]).post(
        reverse("payment_take", args=[invoice.pk]), {"amount": "100", "mode": "advance"}
    )

    assert not Payment.objects.exists()


def test_an_accountant_finds_a_patients_account_from_the_billing_page(people, client_for):
    patient = PatientFactory(first_name="Zawadi", last_name="Akinyi")
    client = client_for(people["accountant"])

    found = client.get(
        reverse("outstanding"),
        {"q": "zawadi"},
        headers={"HX-Request": "true", "HX-Target": "billing-patients"},
    )

    assert reverse("patient_account", args=[patient.pk]) in found.content.decode()
    assert client.get(reverse("patient_account", args=[patient.pk])).status_code == 200
