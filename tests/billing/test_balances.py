"""Labels and balances that say what happened: an invoice cancelled by credit note is not "Paid", a
refund never makes a settled invoice owed again (a bounced payment is reversed, which does), and a
patient's account has a balance and a statement with a running balance (screen and PDF)."""

import html
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from billing import documents, selectors, services, views
from billing.models import Invoice, InvoiceStatus, Payment
from hms import files, rbac
from hms.models import AuditEntry
from tests.factories import PatientFactory

NAIROBI = ZoneInfo("Africa/Nairobi")
NHIF_80 = {
    "provider": "NHIF",
    "policy_number": "N1",
    "coverage_percent": "80.00",
    "valid_until": "2099-12-31",
}


@pytest.fixture
def people(staff, charge_master):
    return {"desk": staff.receptionist, "accountant": staff.accountant}


def issued(people, patient=None, quantity="2", code="NURS-DRESS") -> Invoice:
    """An issued invoice of `code` × quantity (NURS-DRESS: 500.00 each, no tax)."""
    patient = patient or PatientFactory()
    services.charge_post(actor=None, patient=patient, code=code, quantity=Decimal(quantity))
    draft = services.invoice_draft(actor=people["desk"], patient=patient)
    return services.invoice_issue(actor=people["desk"], invoice=draft)


def pay(people, invoice, amount, mode="cash", reference="") -> Payment:
    return services.payment_take(
        actor=people["desk"],
        invoice=invoice,
        amount=Decimal(amount),
        mode=mode,
        reference=reference,
    )


def refund(people, payment, amount, reason="Overcharged"):
    return services.payment_refund(
        actor=people["accountant"],
        payment=payment,
        amount=Decimal(amount),
        reason=reason,
        method="cash",
    )


def reverse_payment(people, payment, reason="Cheque bounced", who="accountant"):
    return services.payment_reverse(actor=people[who], payment=payment, reason=reason)


def fresh(invoice) -> Invoice:
    return Invoice.objects.get(pk=invoice.pk)


def text_of(client, url, **kwargs) -> str:
    return html.unescape(client.get(url, **kwargs).content.decode())


# --- Credited: never "Paid" when nobody paid ----------------------------------------------------


def test_a_never_paid_invoice_cancelled_by_credit_note_is_not_labelled_paid(people, client_for):
    invoice = issued(people)  # 1,000.00

    services.credit_note_issue(
        actor=people["accountant"],
        invoice=invoice,
        reason="Billed in error",
        amount=Decimal("1000"),
    )

    invoice = fresh(invoice)
    assert invoice.status == InvoiceStatus.CREDITED and invoice.balance == Decimal("0.00")
    accountant = client_for(people["accountant"])
    page = text_of(accountant, reverse("invoice_detail", args=[invoice.pk]))
    account = text_of(accountant, reverse("patient_account", args=[invoice.patient_id]))
    assert 'data-testid="invoice-status">Cancelled by credit note<' in page
    assert 'data-testid="invoice-credited">−KES 1,000.00<' in page
    # The account shows the credit, and a balance of nothing owed.
    assert ">Cancelled by credit note<" in account
    assert 'data-testid="account-credited">KES 1,000.00<' in account
    assert 'data-testid="account-balance">KES 0.00<' in account
    assert "Credit notes <span" in account


def test_an_invoice_paid_in_part_and_credited_for_the_rest_is_paid(people):
    invoice = issued(people)
    pay(people, invoice, "600")

    services.credit_note_issue(
        actor=people["accountant"], invoice=invoice, reason="Goodwill", amount=Decimal("400")
    )

    assert fresh(invoice).status == InvoiceStatus.PAID


# --- refunds drop what is owed; reversals make it owed again ---------------------------------------


def test_a_refund_never_puts_a_settled_invoice_back_into_patients_owe(people, client_for):
    invoice = issued(people)  # 1,000.00
    payment = pay(people, invoice, "1000")

    refund(people, payment, "300", reason="Dressing not done")

    invoice = fresh(invoice)
    assert invoice.status == InvoiceStatus.PAID and invoice.balance == Decimal("0.00")
    assert (invoice.amount_paid, invoice.amount_refunded) == (Decimal("700.00"), Decimal("300.00"))
    assert selectors.desk_summary().open_total == Decimal("0.00")
    outstanding = text_of(client_for(people["desk"]), reverse("outstanding"))
    assert 'data-testid="outstanding-total">KES 0.00<' in outstanding
    assert invoice.number not in outstanding
    entry = AuditEntry.objects.get(action="payment.refund")
    assert entry.after["balance"] == "0.00" and entry.after["status"] == InvoiceStatus.PAID


def test_everything_paid_given_back_is_refunded_not_paid(people):
    invoice = issued(people)
    payment = pay(people, invoice, "1000")

    refund(people, payment, "1000", reason="Service not given")

    invoice = fresh(invoice)
    assert invoice.status == InvoiceStatus.REFUNDED and invoice.balance == Decimal("0.00")
    assert invoice.get_status_display() == "Refunded"


def test_a_refund_on_a_part_paid_invoice_lowers_what_is_owed_as_much_as_what_was_paid(people):
    invoice = issued(people)  # 1,000.00
    payment = pay(people, invoice, "600")

    refund(people, payment, "100")

    invoice = fresh(invoice)
    # Claimed 900.00 now, 500.00 kept: 400.00 still owed, as before the refund.
    assert invoice.balance == Decimal("400.00") and invoice.status == InvoiceStatus.PARTIALLY_PAID
    pay(people, invoice, "400")
    assert fresh(invoice).status == InvoiceStatus.PAID


def test_a_bounced_payment_is_reversed_and_owed_again(people, client_for):
    invoice = issued(people)
    payment = pay(people, invoice, "1000", mode="bank", reference="CHQ 004512")

    reverse_payment(people, payment, reason="Cheque bounced (insufficient funds)")

    invoice, payment = fresh(invoice), Payment.objects.get(pk=payment.pk)
    assert invoice.status == InvoiceStatus.ISSUED and invoice.balance == Decimal("1000.00")
    assert payment.reversed_at and payment.reversed_by == people["accountant"]
    assert selectors.desk_summary().open_total == Decimal("1000.00")
    entry = AuditEntry.objects.get(action="payment.reverse")
    assert entry.after["reason"] == "Cheque bounced (insufficient funds)"
    assert entry.before["balance"] == "0.00" and entry.after["balance"] == "1000.00"
    page = text_of(client_for(people["accountant"]), reverse("invoice_detail", args=[invoice.pk]))
    assert 'data-testid="payment-reversed"' in page and "owed again" in page
    # Today's takings: the bank payment in, and out again.
    summary = selectors.desk_summary()
    assert [(row.label, row.net) for row in summary.takings] == [("Bank transfer", Decimal("0.00"))]
    # It can be paid again.
    pay(people, invoice, "1000")
    assert fresh(invoice).status == InvoiceStatus.PAID


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("desk", "Only an accountant or an administrator"),
        ("twice", "already reversed"),
        ("refunded", "refunded on receipt"),
        ("advance", "cannot bounce"),
        ("no reason", "Give the reason"),
    ],
)
def test_a_reversal_that_cannot_be_is_refused_and_changes_nothing(people, setup, message):
    patient = PatientFactory()
    invoice = issued(people, patient)
    if setup == "advance":
        services.advance_take(
            actor=people["desk"], patient=patient, amount=Decimal("1000"), mode="cash"
        )
        (payment,) = services.advance_apply(actor=people["desk"], invoice=invoice)
    else:
        payment = pay(people, invoice, "1000")
    if setup == "twice":
        reverse_payment(people, payment)
    if setup == "refunded":
        refund(people, payment, "10")
    before = fresh(invoice)
    refused = PermissionDenied if setup == "desk" else services.BillingError  # the role, or a rule

    with pytest.raises(refused, match=message):
        reverse_payment(
            people,
            payment,
            reason="" if setup == "no reason" else "Bounced",
            who="desk" if setup == "desk" else "accountant",
        )

    after = fresh(invoice)
    assert (after.status, after.amount_paid) == (before.status, before.amount_paid)


def test_a_reversed_payment_cannot_be_refunded(people):
    invoice = issued(people)
    payment = pay(people, invoice, "1000")
    reverse_payment(people, payment)

    with pytest.raises(services.BillingError, match="was reversed"):
        refund(people, payment, "10")


def test_the_reverse_screen_is_for_accountants_and_needs_a_reason(people, client_for):
    invoice = issued(people)
    payment = pay(people, invoice, "1000", mode="mpesa", reference="QWE123RTYU")
    url = reverse("payment_reverse", args=[payment.pk])

    refused = client_for(people["desk"]).post(url, {"reason": "Reversed by Safaricom"})
    accountant = client_for(people["accountant"])
    blank = accountant.post(url, {"reason": " "}, follow=True)
    too_long = accountant.post(url, {"reason": "x" * 201})
    done = accountant.post(url, {"reason": "M-Pesa reversed by Safaricom"}, follow=True)

    assert refused.status_code == 403
    assert "Give the reason for the reversal" in html.unescape(blank.content.decode())
    assert too_long.status_code == 200 and "At most 200 characters" in too_long.content.decode()
    assert "KES 1,000.00 is owed again" in html.unescape(done.content.decode())
    assert fresh(invoice).balance == Decimal("1000.00")


# --- the patient's balance and statement ---------------------------------------------------------


def _a_busy_account(people):
    """Every kind of event on one patient's account, a day apart (each figure worked out below)."""
    patient = PatientFactory(first_name="Amina", last_name="Otieno", insurance=NHIF_80)
    day = iter(range(1, 30))

    def on_next_day():
        return time_machine.travel(datetime(2026, 11, next(day), 10, 0, tzinfo=NAIROBI), tick=False)

    with on_next_day():  # 1 Nov: deposit 2,000.00                      balance −2,000.00
        services.advance_take(
            actor=people["desk"], patient=patient, amount=Decimal("2000"), mode="cash"
        )
    with on_next_day():  # 2 Nov: 4 dressings 2,000.00                          0.00
        services.charge_post(actor=None, patient=patient, code="NURS-DRESS", quantity=Decimal("4"))
    with on_next_day():  # 3 Nov: issued; NHIF covers 1,600.00               −1,600.00
        insured = services.invoice_issue(
            actor=people["desk"],
            invoice=services.invoice_draft(actor=people["desk"], patient=patient),
        )
    with on_next_day():  # 4 Nov: 400.00 of the deposit used (no change)    −1,600.00
        services.advance_apply(actor=people["desk"], invoice=insured)
    with on_next_day():  # 5 Nov: NHIF rejects: the 1,600.00 is the patient's     0.00
        claim = insured.claim
        services.claim_reject(actor=people["accountant"], claim=claim, reason="Lapsed cover")
    with on_next_day():  # 6 Nov: credit note 600.00                            −600.00
        services.credit_note_issue(
            actor=people["accountant"], invoice=insured, reason="Goodwill", amount=Decimal("600")
        )
    with on_next_day():  # 7 Nov: cheque 1,000.00                            −1,600.00
        cheque = pay(people, insured, "1000", mode="bank", reference="CHQ 1")
    with on_next_day():  # 8 Nov: the cheque bounces                           −600.00
        reverse_payment(people, cheque)
    with on_next_day():  # 9 Nov: 2 injections 400.00                           −200.00
        services.charge_post(actor=None, patient=patient, code="NURS-INJ", quantity=Decimal("2"))
    with on_next_day():  # 10 Nov: M-Pesa 1,000.00 on the first invoice      −1,200.00
        mpesa = pay(people, insured, "1000", mode="mpesa", reference="QWE1RTY2UI")
    with on_next_day():  # 11 Nov: 200.00 of it refunded (no change)         −1,200.00
        refund(people, mpesa, "200", reason="Dressing not done")
    return patient, insured


def test_the_statement_lists_every_event_with_a_running_balance(people):
    patient, insured = _a_busy_account(people)

    statement = selectors.account_statement(patient)

    assert [(row.at.astimezone(NAIROBI).day, row.balance) for row in statement.rows] == [
        (1, Decimal("-2000.00")),  # advance deposit
        (2, Decimal("0.00")),  # 4 dressings
        (3, Decimal("0.00")),  # invoice issued (no discount: no change)
        (3, Decimal("-1600.00")),  # NHIF covers its 80 %
        (4, Decimal("-1600.00")),  # deposit used on the invoice
        (5, Decimal("0.00")),  # not covered by NHIF (claim rejected)
        (6, Decimal("-600.00")),  # credit note
        (7, Decimal("-1600.00")),  # cheque
        (8, Decimal("-600.00")),  # cheque reversed: owed again
        (9, Decimal("-200.00")),  # 2 injections
        (10, Decimal("-1200.00")),  # M-Pesa
        (11, Decimal("-1200.00")),  # refund: given back and no longer owed
    ]
    assert statement.opening == Decimal("0.00") and statement.closing == Decimal("-1200.00")
    # The database's balance agrees: owed 0.00 on the invoice (2,000.00 − 600.00 credited −
    # 200.00 refunded − 400.00 deposit − 800.00 M-Pesa), 400.00 not invoiced, 1,600.00 deposit held.
    account = selectors.account_balance(patient)
    assert (account.owed, account.not_invoiced, account.deposits_held) == (
        Decimal("0.00"),
        Decimal("400.00"),
        Decimal("1600.00"),
    )
    assert account.balance == statement.closing
    assert fresh(insured).balance == Decimal("0.00")


def test_a_statement_for_a_period_brings_the_balance_forward(people):
    patient, _ = _a_busy_account(people)

    statement = selectors.account_statement(
        patient, date_from=datetime(2026, 11, 6).date(), date_to=datetime(2026, 11, 9).date()
    )

    assert statement.opening == Decimal("0.00")  # after 5 Nov
    assert [row.at.astimezone(NAIROBI).day for row in statement.rows] == [6, 7, 8, 9]
    assert statement.closing == Decimal("-200.00")
    assert statement.debits == Decimal("1400.00") and statement.credits == Decimal("1600.00")


def test_the_account_page_shows_the_balance_at_the_top_and_links_the_statement(people, client_for):
    patient, _ = _a_busy_account(people)
    desk = client_for(people["desk"])

    account = text_of(desk, reverse("patient_account", args=[patient.pk]))
    statement = text_of(desk, reverse("patient_statement", args=[patient.pk]))

    assert "In credit" in account and 'data-testid="account-balance">KES 1,200.00<' in account
    assert reverse("patient_statement", args=[patient.pk]) in account
    assert statement.count('data-testid="statement-row"') == 12
    assert 'data-testid="statement-closing">KES -1,200.00<' in statement
    assert "12 entries in all" in statement or "of 12" in statement


def test_the_statement_is_paged_on_screen_and_whole_in_the_pdf(people, client_for):
    patient = PatientFactory()
    for _ in range(60):
        services.charge_post(actor=None, patient=patient, code="NURS-INJ")
    desk = client_for(people["desk"])
    url = reverse("patient_statement", args=[patient.pk])

    second = text_of(desk, url, data={"page": "2"})
    statement = selectors.account_statement(patient)
    printed = documents.statement_html(statement)
    pdf_url = views.statement_pdf_url(patient)
    pdf = desk.get(pdf_url)

    assert second.count('data-testid="statement-row"') == 10 and "51–60 of 60" in second
    assert 'data-testid="statement-closing">KES 12,000.00<' in second  # over all 60, not the page
    assert printed.count("Injection administration") == 60
    assert 'href="/billing/documents/' in text_of(desk, url)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")


def test_the_statement_pdf_link_is_for_that_patient_and_period_only(people, client_for, make_user):
    patient = PatientFactory()
    services.charge_post(actor=None, patient=patient, code="NURS-INJ")
    other = make_user(rbac.PATIENT)
    link = reverse("billing_document", args=[files.sign("statement", f"{patient.pk}|2026-11-01|")])
    forged = reverse("billing_document", args=[files.sign("statement", "not-a-patient||")])

    assert client_for(other).get(link).status_code == 404  # another patient's statement
    assert client_for(people["desk"]).get(forged).status_code == 404
    assert client_for(people["desk"]).get(link).status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        {"from": "2025-02-29", "to": "2026-13-01"},
        {"from": "x" * 10000, "page": "99999999999999999999"},
        {"from": "2026-12-05", "to": "2026-11-01"},  # the wrong way round: swapped
        {"page": "-1", "show": "nonsense", "age": "1e999"},
    ],
)
def test_odd_statement_and_account_queries_fall_back_without_an_error(people, client_for, query):
    patient = PatientFactory()
    services.charge_post(actor=None, patient=patient, code="NURS-INJ")
    desk = client_for(people["desk"])

    for name in ("patient_statement", "patient_account"):
        assert desk.get(reverse(name, args=[patient.pk]), query).status_code == 200
    assert desk.get(reverse("outstanding"), query).status_code == 200


def test_the_database_keeps_each_invoices_balance_as_the_invoice_works_it_out(people):
    """Invoice.patient_balance (a column the database computes) is Invoice.balance after every
    kind of event: insurer share, shortfall, deposit, credit note, refunds, a bounced cheque."""
    patient, insured = _a_busy_account(people)
    invoices = Invoice.objects.filter(patient=patient)  # read afresh

    assert invoices.exists()
    for invoice in invoices:
        assert invoice.patient_balance == invoice.balance
    assert Invoice.objects.get(pk=insured.pk).patient_balance == Decimal("0.00")  # see above


def _figures_by_the_orm(patient) -> tuple:
    """The account's figures as the ORM sums and counts them (what the written-out statement of
    selectors.account_figures must equal)."""
    from django.db.models import Count, F, Q, Sum

    from billing.models import AdvanceDeposit, Charge, CreditNote

    zero = Decimal("0.00")
    settling = Invoice.objects.filter(patient=patient, status__in=selectors.SETTLING_STATUSES)
    sums = settling.aggregate(
        owed=Sum("patient_balance"),
        credited=Sum("amount_credited"),
        refunded=Sum("amount_refunded"),
    )
    charges = Charge.objects.filter(patient=patient)
    loose = charges.filter(Q(invoice__isnull=True) | Q(invoice__status="draft")).aggregate(
        total=Sum(F("amount") + F("tax_amount"))
    )
    charged = charges.aggregate(amount=Sum("amount"), tax=Sum("tax_amount"))
    held = AdvanceDeposit.objects.filter(patient=patient).aggregate(
        held=Sum(F("amount") - F("applied") - F("refunded"))
    )
    counts = {
        "charges": charges.count(),
        "invoices": Invoice.objects.filter(patient=patient).count(),
        "credit-notes": CreditNote.objects.filter(invoice__patient=patient).count(),
        "deposits": AdvanceDeposit.objects.filter(patient=patient).aggregate(n=Count("id"))["n"],
    }
    figures = (
        sums["owed"] or zero,
        loose["total"] or zero,
        held["held"] or zero,
        sums["credited"] or zero,
        sums["refunded"] or zero,
        charged["amount"] or zero,
        charged["tax"] or zero,
    )
    return tuple(selectors.money(value) for value in figures), counts


def test_the_accounts_written_out_figures_are_the_orms(people):
    """One statement gives the balance and the lists' counts (billing.selectors.account_figures):
    the same as the ORM's sums and counts, on an account with every kind of event, and on one
    with none."""
    patient, _insured = _a_busy_account(people)
    untouched = PatientFactory()

    for someone in [patient, untouched]:
        balance, counts = selectors.account_figures(someone)
        ours = (
            balance.owed,
            balance.not_invoiced,
            balance.deposits_held,
            balance.credited,
            balance.refunded,
            balance.charged,
            balance.charged_tax,
        )
        assert (ours, counts) == _figures_by_the_orm(someone)
    assert selectors.account_figures(patient)[1]["charges"] > 0
    assert selectors.account_figures(untouched)[0].balance == Decimal("0.00")


def test_the_account_pages_figures_count_what_is_not_invoiced_and_the_open_stays(people):
    """For the account page (page=True) the same statement also counts the charges on no invoice
    and the stays not yet ended, as the ORM counts them: a page with none reads neither list."""
    from billing.models import Charge
    from tests.factories import AdmissionFactory
    from wards.models import Admission

    patient, _insured = _a_busy_account(people)
    AdmissionFactory(patient=patient)  # a stay not yet ended
    AdmissionFactory(patient=patient, discharged_at=datetime(2026, 11, 20, tzinfo=NAIROBI))
    untouched = PatientFactory()

    for someone in [patient, untouched]:
        balance, counts = selectors.account_figures(someone, page=True)
        assert (
            balance,
            {k: counts[k] for k in [key for key, _label in selectors.ACCOUNT_LISTS]},
        ) == (selectors.account_figures(someone))
        assert (
            counts["uninvoiced"]
            == Charge.objects.filter(patient=someone, invoice__isnull=True).count()
        )
        assert (
            counts["open-stays"]
            == Admission.objects.filter(patient=someone, discharged_at__isnull=True).count()
        )
    assert selectors.account_figures(patient, page=True)[1]["open-stays"] == 1
    assert selectors.account_figures(patient, page=True)[1]["uninvoiced"] > 0
    assert selectors.account_figures(untouched, page=True)[1] == dict.fromkeys(
        [*(key for key, _label in selectors.ACCOUNT_LISTS), "uninvoiced", "open-stays"], 0
    )


def test_the_account_side_column_is_the_orms_newest_invoices_deposits_and_services(people):
    """One statement reads the account page's side column (billing.selectors.side_column): the
    newest invoices and deposits, as many as the sidebar shows, and the charge form's services,
    each as the ORM reads them (hostile text kept as it is: the writers escape it)."""
    from billing.forms import manual_charge_options
    from billing.models import AdvanceDeposit, ChargeItem

    patient, _insured = _a_busy_account(people)
    for n, amount in enumerate(["10.50", "20", "30.05", "40", "50.99", "60"]):  # 7 deposits
        services.advance_take(
            actor=people["desk"],
            patient=patient,
            amount=Decimal(amount),
            mode="mpesa",
            reference=f"QJK3X7Y2Z{n}",
        )
    for _ in range(5):  # 6 invoices, the newest a draft
        issued(people, patient=patient, quantity="1")
    services.charge_post(actor=None, patient=patient, code="NURS-INJ", quantity=Decimal("1"))
    services.invoice_draft(actor=people["desk"], patient=patient)
    ChargeItem.objects.filter(code="NURS-INJ").update(name="<script>alert('&')</script>")
    untouched = PatientFactory()

    side = selectors.side_column(patient)

    newest = Invoice.objects.filter(patient=patient).order_by("-created_at", "-id")[:5]
    assert [(i.pk, str(i), i.status, i.total) for i in side.invoices] == [
        (i.pk, str(i), i.status, i.total) for i in newest
    ]
    assert side.invoices[0].status == InvoiceStatus.DRAFT
    deposits = AdvanceDeposit.objects.filter(patient=patient).order_by("-received_at", "-id")[:5]

    def shown(d):
        return (d.pk, d.receipt_number, d.get_mode_display(), d.amount, d.applied, d.available)

    assert [shown(d) for d in side.deposits] == [shown(d) for d in deposits]
    assert all(str(d.amount) == f"{d.amount:.2f}" for d in side.deposits)  # money, to the cent
    assert side.services == tuple(
        (row["pk"], row["code"], row["name"]) for row in manual_charge_options.values()
    )
    assert "<script>alert('&')</script>" in [name for _pk, _code, name in side.services]
    empty = selectors.side_column(untouched)
    assert (empty.invoices, empty.deposits, empty.services) == ([], [], side.services)
