"""Insurance claims: the insurer's share of an issued invoice is claimed at issue, then approved
(in full or in part) and paid, or rejected; what the insurer declines the patient owes. And the
billing desk's panel on the reception and accountant dashboards."""

import html
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse

from billing import services
from billing.models import ClaimStatus, InsuranceClaim, Invoice, InvoiceStatus
from hms import rbac
from hms.models import AuditEntry
from tests.factories import PatientFactory
from tests.races import race

NAIROBI = ZoneInfo("Africa/Nairobi")
NHIF_80 = {
    "provider": "NHIF",
    "policy_number": "N1",
    "coverage_percent": "80.00",
    "valid_until": "2099-12-31",
}


@pytest.fixture
def people(staff, charge_master):
    return {"desk": staff.receptionist, "accountant": staff.accountant, "admin": staff.admin}


def issued(people, insurance=NHIF_80, quantity="4", **patient_fields) -> Invoice:
    """An issued invoice for NURS-DRESS × quantity (500.00 each, no tax)."""
    patient = PatientFactory(insurance=insurance or {}, **patient_fields)
    services.charge_post(actor=None, patient=patient, code="NURS-DRESS", quantity=Decimal(quantity))
    draft = services.invoice_draft(actor=people["desk"], patient=patient)
    return services.invoice_issue(actor=people["desk"], invoice=draft)


def approve(people, claim, amount, reference="NHIF-APP-1", who="accountant"):
    return services.claim_approve(
        actor=people[who], claim=claim, amount=Decimal(amount), insurer_reference=reference
    )


def reject(people, claim, reason="Not covered by the policy", who="accountant"):
    return services.claim_reject(actor=people[who], claim=claim, reason=reason)


def pay_claim(people, claim, amount, reference="EFT-778899", who="accountant"):
    return services.claim_record_payment(
        actor=people[who], claim=claim, amount=Decimal(amount), reference=reference
    )


def patient_pays(people, invoice, amount):
    return services.payment_take(
        actor=people["desk"], invoice=invoice, amount=Decimal(amount), mode="cash"
    )


def state(invoice: Invoice) -> tuple:
    """What a refused action must leave as it was."""
    invoice = Invoice.objects.get(pk=invoice.pk)
    claim = InsuranceClaim.objects.get(invoice=invoice)
    return (
        invoice.status,
        invoice.amount_paid,
        invoice.insurer_paid,
        invoice.insurer_shortfall,
        claim.status,
        claim.approved_amount,
        claim.paid_amount,
        claim.insurer_reference,
        claim.rejection_reason,
        claim.payment_reference,
        AuditEntry.objects.exclude(action__startswith="access.denied").count(),
    )


def assert_reconciles(invoice: Invoice) -> None:
    """The invoice's two sides add up: the patient's balance and the insurer's, with what each
    paid and what the insurer declined, make the total."""
    invoice = Invoice.objects.get(pk=invoice.pk)
    assert invoice.insurer_balance + invoice.insurer_paid + invoice.insurer_shortfall == (
        invoice.insurer_share
    )
    assert invoice.balance + invoice.amount_paid + invoice.amount_credited == (
        invoice.patient_share + invoice.insurer_shortfall
    )
    assert (
        invoice.balance
        + invoice.insurer_balance
        + invoice.amount_paid
        + invoice.insurer_paid
        + invoice.amount_credited
        == invoice.total
    )
    payments = sum((p.amount for p in invoice.payments.all()), Decimal("0"))
    assert payments == invoice.amount_paid  # no refunds in these tests


# --- the claim at issue --------------------------------------------------------------------------


def test_issuing_an_insured_invoice_submits_a_claim_for_the_insurers_share(people):
    invoice = issued(people)  # 2,000.00, NHIF pays 80 %

    claim = InsuranceClaim.objects.get(invoice=invoice)

    assert claim.number.startswith("CLM-") and claim.number.endswith("-000001")
    assert (claim.insurer, claim.amount_claimed, claim.status) == (
        "NHIF",
        Decimal("1600.00"),
        ClaimStatus.SUBMITTED,
    )
    assert claim.submitted_by == people["desk"] and claim.submitted_at is not None
    assert (invoice.insurer_share, invoice.patient_share) == (Decimal("1600.00"), Decimal("400.00"))
    assert (invoice.balance, invoice.insurer_balance) == (Decimal("400.00"), Decimal("1600.00"))
    entry = AuditEntry.objects.get(action="claim.submit")
    assert entry.object_id == str(claim.pk) and entry.after["invoice"] == invoice.number


@pytest.mark.parametrize(
    "insurance",
    [{}, NHIF_80 | {"valid_until": "2020-01-01"}, NHIF_80 | {"coverage_percent": "0"}],
    ids=["uninsured", "expired-policy", "no-coverage"],
)
def test_no_claim_without_an_insurer_share(people, insurance):
    invoice = issued(people, insurance=insurance)

    assert invoice.insurer_share == 0
    assert not InsuranceClaim.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="claim.").exists()


def test_claim_numbers_are_gapless_and_a_failed_issue_takes_none(people):
    first = issued(people)
    issued(people, insurance={})  # no claim: takes no claim number
    empty = Invoice.objects.create(
        patient=PatientFactory(insurance=NHIF_80), created_by=people["desk"]
    )
    with pytest.raises(services.BillingError, match="at least one line"):
        services.invoice_issue(actor=people["desk"], invoice=empty)
    second, third = issued(people), issued(people)

    numbers = [InsuranceClaim.objects.get(invoice=i).number for i in (first, second, third)]

    assert [n[-6:] for n in numbers] == ["000001", "000002", "000003"]
    assert len({n[:9] for n in numbers}) == 1  # CLM-<year>-


# --- approve, pay, reject -------------------------------------------------------------------------


def test_full_approval_and_payment_with_the_patients_share_paid_settles_the_invoice(people):
    invoice = issued(people)
    claim = InsuranceClaim.objects.get(invoice=invoice)

    patient_pays(people, invoice, "400")
    invoice.refresh_from_db()
    after_patient = invoice.status
    approve(people, claim, "1600")
    invoice.refresh_from_db()
    after_approval = invoice.status
    pay_claim(people, claim, "1600")

    invoice.refresh_from_db()
    claim.refresh_from_db()
    # The patient paid their part, but the insurer had not: not paid yet.
    assert after_patient == after_approval == InvoiceStatus.PARTIALLY_PAID
    assert invoice.status == InvoiceStatus.PAID
    assert (claim.status, claim.approved_amount, claim.paid_amount) == (
        ClaimStatus.PAID,
        Decimal("1600.00"),
        Decimal("1600.00"),
    )
    assert claim.payment_reference == "EFT-778899" and claim.paid_by == people["accountant"]
    assert (invoice.insurer_paid, invoice.insurer_shortfall, invoice.balance) == (
        Decimal("1600.00"),
        Decimal("0.00"),
        Decimal("0.00"),
    )
    assert_reconciles(invoice)


def test_the_insurer_paying_first_leaves_the_invoice_partly_paid_until_the_patient_pays(people):
    invoice = issued(people)
    claim = InsuranceClaim.objects.get(invoice=invoice)

    approve(people, claim, "1600")
    pay_claim(people, claim, "1600")
    invoice.refresh_from_db()
    before_patient = (invoice.status, invoice.balance)
    patient_pays(people, invoice, "400")

    invoice.refresh_from_db()
    assert before_patient == (InvoiceStatus.PARTIALLY_PAID, Decimal("400.00"))
    assert invoice.status == InvoiceStatus.PAID
    assert_reconciles(invoice)


def test_a_partial_approval_moves_the_shortfall_to_the_patient(people):
    invoice = issued(people)  # claimed 1,600.00; patient share 400.00
    claim = InsuranceClaim.objects.get(invoice=invoice)

    approve(people, claim, "1000")

    invoice.refresh_from_db()
    assert (invoice.insurer_shortfall, invoice.balance, invoice.insurer_balance) == (
        Decimal("600.00"),
        Decimal("1000.00"),
        Decimal("1000.00"),
    )
    # The issued figures are never edited.
    assert (invoice.total, invoice.insurer_share, invoice.patient_share) == (
        Decimal("2000.00"),
        Decimal("1600.00"),
        Decimal("400.00"),
    )
    assert_reconciles(invoice)

    patient_pays(people, invoice, "1000")
    with pytest.raises(services.BillingError, match="more than the balance of KES 0.00"):
        patient_pays(people, invoice, "0.01")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PARTIALLY_PAID  # the insurer still owes 1,000.00
    pay_claim(people, claim, "1000")

    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert invoice.amount_paid + invoice.insurer_paid == invoice.total
    assert_reconciles(invoice)


def test_a_rejection_moves_the_whole_claim_to_the_patient(people):
    invoice = issued(people)
    claim = InsuranceClaim.objects.get(invoice=invoice)
    patient_pays(people, invoice, "400")

    reject(people, claim, "Policy lapsed for non-payment")

    invoice.refresh_from_db()
    claim.refresh_from_db()
    assert (claim.status, claim.rejection_reason) == (
        ClaimStatus.REJECTED,
        "Policy lapsed for non-payment",
    )
    assert claim.decided_by == people["accountant"] and claim.decided_at is not None
    assert (invoice.insurer_shortfall, invoice.balance, invoice.insurer_balance) == (
        Decimal("1600.00"),
        Decimal("1600.00"),
        Decimal("0.00"),
    )
    assert invoice.status == InvoiceStatus.PARTIALLY_PAID
    assert_reconciles(invoice)

    patient_pays(people, invoice, "1600")

    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID and invoice.amount_paid == invoice.total
    assert_reconciles(invoice)


def test_a_fully_covered_invoice_is_paid_when_the_insurer_pays(people):
    invoice = issued(people, insurance=NHIF_80 | {"coverage_percent": "100"})
    claim = InsuranceClaim.objects.get(invoice=invoice)
    before = invoice.status

    approve(people, claim, "2000")
    pay_claim(people, claim, "2000")

    invoice.refresh_from_db()
    assert before == InvoiceStatus.ISSUED and invoice.status == InvoiceStatus.PAID
    assert_reconciles(invoice)


def test_a_credit_note_after_a_rejection_lowers_what_the_patient_owes(people):
    invoice = issued(people)
    claim = InsuranceClaim.objects.get(invoice=invoice)
    reject(people, claim)

    services.credit_note_issue(
        actor=people["accountant"], invoice=invoice, reason="Goodwill", amount=Decimal("2000")
    )

    invoice.refresh_from_db()
    # Nothing was paid: the credit note cancelled what was owed, so it is not labelled "Paid".
    assert invoice.status == InvoiceStatus.CREDITED and invoice.balance == 0
    assert invoice.get_status_display() == "Cancelled by credit note"
    assert_reconciles(invoice)


@pytest.mark.parametrize(
    ("steps", "action", "message"),
    [
        (["approve"], "approve", r"is approved: only a submitted claim can be approved"),
        (["approve"], "reject", r"is approved: only a submitted claim can be rejected"),
        (["reject"], "approve", r"is rejected \(Not covered by the policy\): only a submitted"),
        (["reject"], "pay", r"is rejected \(Not covered by the policy\): only an approved claim"),
        ([], "pay", r"is submitted: only an approved claim can be paid"),
        (["approve", "pay"], "pay", r"is already paid \(KES 1,600.00, reference EFT-778899\)"),
        (["approve", "pay"], "approve", r"is paid: only a submitted claim can be approved"),
        (["approve", "pay"], "reject", r"is paid: only a submitted claim can be rejected"),
    ],
)
def test_invalid_transitions_are_refused_and_change_nothing(people, steps, action, message):
    invoice = issued(people)
    claim = InsuranceClaim.objects.get(invoice=invoice)
    do = {
        "approve": lambda: approve(people, claim, "1600"),
        "reject": lambda: reject(people, claim),
        "pay": lambda: pay_claim(people, claim, "1600"),
    }
    for step in steps:
        do[step]()
    before = state(invoice)

    with pytest.raises(services.BillingError, match=message):
        do[action]()

    assert state(invoice) == before


@pytest.mark.parametrize(
    ("action", "amount", "text", "message"),
    [
        ("approve", "0", "REF", "if it approved nothing, reject the claim"),
        ("approve", "-5", "REF", "if it approved nothing, reject the claim"),
        ("approve", "1600.01", "REF", "cannot approve more than the KES 1,600.00 claimed"),
        ("approve", "NaN", "REF", "Enter the amount as a number"),
        ("approve", "1000", "  ", "Enter the insurer's reference"),
        ("reject", None, "  ", "Give the insurer's reason"),
        (
            "pay",
            "999.99",
            "EFT-1",
            r"approved KES 1,000.00 \(KES 999.99 typed\): a claim is paid once",
        ),
        ("pay", "1000.01", "EFT-1", r"approved KES 1,000.00 \(KES 1,000.01 typed\)"),
        ("pay", "-3", "EFT-1", r"^Enter the amount the insurer paid: the approved KES 1,000.00\.$"),
        ("pay", "0", "EFT-1", r"^Enter the amount the insurer paid: the approved KES 1,000.00\.$"),
        ("pay", "1000", "", "Enter the insurer's remittance reference"),
    ],
)
def test_bad_claim_input_is_refused_and_changes_nothing(people, action, amount, text, message):
    invoice = issued(people)
    claim = InsuranceClaim.objects.get(invoice=invoice)
    if action == "pay":
        approve(people, claim, "1000")
    before = state(invoice)

    with pytest.raises(services.BillingError, match=message):
        if action == "approve":
            approve(people, claim, amount, reference=text)
        elif action == "reject":
            reject(people, claim, reason=text)
        else:
            pay_claim(people, claim, amount, reference=text)

    assert state(invoice) == before


@pytest.mark.parametrize("action", ["approve", "reject", "pay"])
def test_only_an_accountant_or_admin_decides_a_claim(people, action):
    invoice = issued(people)
    claim = InsuranceClaim.objects.get(invoice=invoice)
    if action == "pay":
        approve(people, claim, "1600", who="admin")
    before = state(invoice)

    with pytest.raises(PermissionDenied, match="Only an accountant or an administrator"):
        if action == "approve":
            approve(people, claim, "1600", who="desk")
        elif action == "reject":
            reject(people, claim, who="desk")
        else:
            pay_claim(people, claim, "1600", who="desk")

    assert state(invoice) == before


def test_the_database_refuses_claim_amounts_that_do_not_add_up(people):
    invoice = issued(people)
    claim = InsuranceClaim.objects.get(invoice=invoice)

    for bad in [
        {"status": "approved", "approved_amount": Decimal("1600.01")},  # more than claimed
        {"status": "paid", "approved_amount": Decimal("100"), "paid_amount": Decimal("200")},
        {"status": "approved", "approved_amount": Decimal("0")},  # approved nothing
        {"status": "submitted", "paid_amount": Decimal("10")},  # paid before approval
    ]:
        with pytest.raises(IntegrityError), transaction.atomic():
            InsuranceClaim.objects.filter(pk=claim.pk).update(**bad)
    with pytest.raises(IntegrityError), transaction.atomic():
        # The insurer's side settled twice over.
        Invoice.objects.filter(pk=invoice.pk).update(
            insurer_paid=Decimal("1600"), insurer_shortfall=Decimal("1")
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        # The patient paid more than their share plus what the insurer declined.
        Invoice.objects.filter(pk=invoice.pk).update(
            insurer_shortfall=Decimal("100"), amount_paid=Decimal("500.01")
        )


def test_every_claim_step_is_audited_with_who_did_it(people):
    one, two = issued(people), issued(people)
    first, second = (InsuranceClaim.objects.get(invoice=i) for i in (one, two))

    approve(people, first, "1200", reference="NHIF-A-9")
    pay_claim(people, first, "1200")
    reject(people, second, "Not covered")

    rows = {
        (e.action, e.object_id): e
        for e in AuditEntry.objects.filter(action__startswith="claim.", actor__isnull=False)
    }
    approval = rows[("claim.approve", str(first.pk))]
    assert approval.actor_id == people["accountant"].pk
    assert approval.after["approved_amount"] == "1200.00"
    assert approval.after["moved_to_patient"] == "400.00"
    assert rows[("claim.pay", str(first.pk))].after["reference"] == "EFT-778899"
    assert rows[("claim.reject", str(second.pk))].after["reason"] == "Not covered"
    assert rows[("claim.submit", str(first.pk))].actor_id == people["desk"].pk


# --- voiding an invoice with a claim ------------------------------------------------------------


def test_voiding_an_invoice_withdraws_its_submitted_claim(people):
    invoice = issued(people)

    services.invoice_void(actor=people["accountant"], invoice=invoice, reason="Wrong patient")

    claim = InsuranceClaim.objects.get(invoice=invoice)
    invoice.refresh_from_db()
    assert (claim.status, claim.rejection_reason) == (ClaimStatus.REJECTED, "Invoice voided")
    assert invoice.status == InvoiceStatus.VOID and invoice.insurer_shortfall == 0
    assert AuditEntry.objects.filter(action="claim.reject", object_id=str(claim.pk)).exists()
    with pytest.raises(services.BillingError, match=r"is rejected \(Invoice voided\)"):
        approve(people, claim, "1600")


def test_an_invoice_whose_claim_the_insurer_approved_cannot_be_voided(people):
    invoice = issued(people)
    claim = InsuranceClaim.objects.get(invoice=invoice)
    approve(people, claim, "1600")
    before = state(invoice)

    with pytest.raises(services.BillingError, match="has approved claim CLM-.*no longer be voided"):
        services.invoice_void(actor=people["accountant"], invoice=invoice, reason="x")

    assert state(invoice) == before


# --- the screens --------------------------------------------------------------------------------


def page_of(client, url, **kwargs) -> str:
    return html.unescape(client.get(url, **kwargs).content.decode())


def test_the_accountant_decides_a_claim_on_the_invoice_page(people, client_for):
    invoice = issued(people)
    claim = InsuranceClaim.objects.get(invoice=invoice)
    accountant = client_for(people["accountant"])
    url = reverse("invoice_detail", args=[invoice.pk])

    before = page_of(accountant, url)
    approved = accountant.post(
        reverse("claim_approve", args=[claim.pk]),
        {"amount": "1000", "insurer_reference": "NHIF-A-77"},
        follow=True,
    )
    after = html.unescape(approved.content.decode())

    assert 'data-testid="claim-card"' in before and claim.number in before
    assert 'data-testid="claim-status">Submitted<' in before
    assert 'name="amount" inputmode="decimal" value="1600.00"' in before  # prefilled
    assert reverse("claim_reject", args=[claim.pk]) in before
    assert approved.redirect_chain[-1][0] == url
    assert f"Claim {claim.number} approved: KES 1,000.00. KES 600.00 not covered moves" in after
    assert 'data-testid="claim-status">Approved<' in after
    assert 'data-testid="insurer-shortfall">+KES 600.00<' in after
    assert 'data-testid="invoice-balance">KES 1,000.00<' in after
    assert 'data-testid="insurer-balance">KES 1,000.00<' in after
    assert reverse("claim_pay", args=[claim.pk]) in after
    assert f'value="1000.00" aria-label="Amount the insurer paid on {claim.number}"' in after


@pytest.mark.parametrize(
    ("endpoint", "data", "message"),
    [
        ("claim_approve", {"amount": "abc", "insurer_reference": "R"}, "Enter the amount as a"),
        ("claim_approve", {"amount": "NaN", "insurer_reference": "R"}, "Enter the amount as a"),
        # Plain decimal notation only: Python's syntax is not how anyone types an amount.
        ("claim_approve", {"amount": "1e999", "insurer_reference": "R"}, "Enter the amount as a"),
        ("claim_approve", {"amount": "1_000", "insurer_reference": "R"}, "Enter the amount as a"),
        ("claim_approve", {"amount": "1" * 15, "insurer_reference": "R"}, "too large"),
        ("claim_approve", {"amount": "1.234", "insurer_reference": "R"}, "in cents at most"),
        ("claim_approve", {"amount": "", "insurer_reference": "R"}, "Enter the amount."),
        ("claim_approve", {"amount": "1700", "insurer_reference": "R"}, "cannot approve more"),
        ("claim_pay", {"amount": "1600", "reference": "EFT"}, "is submitted: only an approved"),
        ("claim_reject", {"reason": ""}, "Give the insurer's reason"),
    ],
)
def test_bad_input_on_screen_gets_a_message_and_changes_nothing(
    people, client_for, endpoint, data, message
):
    invoice = issued(people)
    claim = InsuranceClaim.objects.get(invoice=invoice)
    accountant = client_for(people["accountant"])  # signing in is audited: before the snapshot
    before = state(invoice)

    response = accountant.post(reverse(endpoint, args=[claim.pk]), data, follow=True)

    assert response.status_code == 200
    assert message in html.unescape(response.content.decode())
    assert state(invoice) == before


def test_a_receptionist_sees_the_claim_but_cannot_decide_it(people, client_for):
    invoice = issued(people)
    claim = InsuranceClaim.objects.get(invoice=invoice)
    desk = client_for(people["desk"])
    before = state(invoice)

    page = page_of(desk, reverse("invoice_detail", args=[invoice.pk]))
    answers = [
        desk.post(
            reverse("claim_approve", args=[claim.pk]), {"amount": "1600", "insurer_reference": "R"}
        ),
        desk.post(reverse("claim_reject", args=[claim.pk]), {"reason": "No"}),
        desk.post(reverse("claim_pay", args=[claim.pk]), {"amount": "1600", "reference": "R"}),
    ]

    assert claim.number in page and 'data-testid="claim-status">Submitted<' in page
    assert reverse("claim_approve", args=[claim.pk]) not in page
    assert [a.status_code for a in answers] == [403, 403, 403]
    assert state(invoice) == before


def test_a_form_on_the_claims_list_returns_to_the_list_and_never_elsewhere(people, client_for):
    invoice = issued(people)
    claim = InsuranceClaim.objects.get(invoice=invoice)
    accountant = client_for(people["accountant"])
    back = reverse("claim_list") + "?status=submitted"

    here = accountant.post(
        reverse("claim_reject", args=[claim.pk]), {"reason": "Duplicate", "next": back}
    )
    there = accountant.post(
        reverse("claim_reject", args=[claim.pk]),
        {"reason": "Duplicate", "next": "https://evil.example/"},
    )

    assert here["Location"] == back
    assert there["Location"] == reverse("invoice_detail", args=[invoice.pk])


def _claims(people, count: int, insurer="NHIF") -> list[InsuranceClaim]:
    return [
        InsuranceClaim.objects.get(
            invoice=issued(people, insurance=NHIF_80 | {"provider": insurer})
        )
        for _ in range(count)
    ]


def test_the_claims_list_filters_by_status_and_insurer(people, client_for):
    nhif = _claims(people, 2)
    aar = _claims(people, 1, insurer="AAR")
    approve(people, nhif[0], "1600")
    accountant = client_for(people["accountant"])

    everything = page_of(accountant, reverse("claim_list"))
    approved = page_of(accountant, reverse("claim_list"), data={"status": "approved"})
    by_aar = page_of(
        accountant,
        reverse("claim_list"),
        data={"insurer": "AAR"},
        headers={"HX-Request": "true", "HX-Target": "claims"},
    )
    nonsense = accountant.get(reverse("claim_list"), {"status": "lost", "page": "x"})

    assert all(c.number in everything for c in nhif + aar)
    assert everything.count('data-testid="claim-row"') == 3
    assert 'data-testid="claims-outstanding">KES 4,800.00<' in everything
    assert nhif[0].number in approved and approved.count('data-testid="claim-row"') == 1
    assert by_aar.count('data-testid="claim-row"') == 1 and aar[0].number in by_aar
    assert "<html" not in by_aar  # the htmx filter swaps in the list only
    assert 'data-testid="claims-outstanding">KES 1,600.00<' in by_aar
    assert nonsense.status_code == 200


def test_the_claims_list_shows_the_forms_only_to_billing_adjust(people, client_for):
    claim = _claims(people, 1)[0]

    desk = page_of(client_for(people["desk"]), reverse("claim_list"))
    accountant = page_of(client_for(people["accountant"]), reverse("claim_list"))

    assert claim.number in desk and reverse("claim_approve", args=[claim.pk]) not in desk
    assert reverse("claim_approve", args=[claim.pk]) in accountant
    assert reverse("claim_reject", args=[claim.pk]) in accountant


def test_the_claims_list_takes_the_same_queries_for_5_or_60_claims(
    people, client_for, django_assert_max_num_queries
):
    claims = _claims(people, 5)
    accountant = client_for(people["accountant"])
    accountant.get(reverse("claim_list"))  # session and user warmed up alike for both
    with django_assert_max_num_queries(12) as few:
        accountant.get(reverse("claim_list"))
    # (counted now: the connection keeps the last 9,000 queries, and making 55 claims runs ~9,000)
    few_queries = len(few.captured_queries)

    claims += _claims(people, 55, insurer="Jubilee")
    for claim in claims[:10]:
        approve(people, claim, "1000")
    for claim in claims[10:15]:
        reject(people, claim)
    # The session's last activity is written again after 15 s (hms.middleware): on a busy machine
    # making 55 claims takes longer, and that write (3 queries) lands here, not in the measure.
    accountant.get(reverse("claim_list"))
    # (5 claims fit on the page: they are their own count; 60 are counted, one query more)
    with django_assert_max_num_queries(few_queries + 1):
        page = page_of(accountant, reverse("claim_list"))

    assert page.count('data-testid="claim-row"') == 25  # one page of them
    assert "1–25 of 60" in page


def test_patients_see_their_insurers_share_the_claim_and_what_they_owe(
    people, client_for, make_user
):
    owner = make_user(rbac.PATIENT)
    invoice = issued(people, user=owner)
    claim = InsuranceClaim.objects.get(invoice=invoice)
    approve(people, claim, "1000")

    page = page_of(client_for(owner), reverse("portal_invoices"))

    assert invoice.number in page
    assert "NHIF covers KES 1,600.00" in page
    assert 'data-testid="claim-status">Approved<' in page and "(KES 1,000.00 approved)" in page
    assert "not covered, added to your balance: KES 600.00" in page
    assert 'data-testid="my-invoice-balance">KES 1,000.00<' in page


def test_the_outstanding_page_shows_what_insurers_owe_and_only_patient_balances(people, client_for):
    covered = issued(people, insurance=NHIF_80 | {"coverage_percent": "100"})  # patient owes 0
    partly = issued(people)  # patient 400.00, insurer 1,600.00
    approve(people, InsuranceClaim.objects.get(invoice=partly), "1000")  # +600.00 to the patient

    page = page_of(client_for(people["desk"]), reverse("outstanding"))

    assert 'data-testid="outstanding-total">KES 1,000.00<' in page
    assert partly.number in page and covered.number not in page
    assert "Insurers owe" in page and "KES 3,000.00" in page  # 2,000.00 claimed + 1,000.00 approved
    assert "on 2 open claims" in page


def test_a_non_number_payment_is_refused_with_a_message_not_an_error(people, client_for):
    invoice = issued(people, insurance={})
    desk = client_for(people["desk"])

    answers = [
        desk.post(reverse("payment_take", args=[invoice.pk]), {"amount": v, "mode": "cash"})
        for v in ("NaN", "Infinity", "1e999", "abc", "1_000", "²")
    ]

    # The invoice page again, the message beside the amount and what was typed kept.
    assert [a.status_code for a in answers] == [200] * 6
    for answer, typed in zip(
        answers, ("NaN", "Infinity", "1e999", "abc", "1_000", "²"), strict=True
    ):
        assert "Enter the amount as a number" in answer.content.decode()
        assert f'value="{typed}"' in answer.content.decode()
    assert Invoice.objects.get(pk=invoice.pk).amount_paid == 0


# --- the billing desk's panel ----------------------------------------------------------------------


def test_the_panel_shows_todays_figures(people, client_for):
    with time_machine.travel(datetime(2026, 11, 22, 15, 0, tzinfo=NAIROBI), tick=False):
        yesterday = issued(people, insurance={}, quantity="1")  # 500.00, issued yesterday
        patient_pays(people, yesterday, "100")  # money of yesterday
    with time_machine.travel(datetime(2026, 11, 23, 9, 30, tzinfo=NAIROBI), tick=False):
        insured = issued(people)  # 2,000.00: patient 400.00, NHIF 1,600.00
        cash = patient_pays(people, insured, "400")
        plain = issued(people, insurance={}, quantity="2")  # 1,000.00
        services.payment_take(
            actor=people["desk"],
            invoice=plain,
            amount=Decimal("300"),
            mode="mpesa",
            reference="QWE123RTYU",
        )
        services.payment_refund(
            actor=people["accountant"],
            payment=cash,
            amount=Decimal("50"),
            reason="Overcharged",
            method="cash",
        )
        services.advance_take(
            actor=people["desk"], patient=PatientFactory(), amount=Decimal("2000"), mode="cash"
        )
        draft_patient = PatientFactory(first_name="Waiting", last_name="Draft")
        services.charge_post(actor=None, patient=draft_patient, code="NURS-INJ")
        draft = services.invoice_draft(actor=people["desk"], patient=draft_patient)

        panel = page_of(client_for(people["desk"]), reverse("billing_panel"))
        dashboard = page_of(client_for(people["accountant"]), reverse("dashboard"))

    # Cash: 400.00 paid + 2,000.00 deposit − 50.00 refunded; M-Pesa 300.00.
    assert 'data-testid="panel-takings">KES 2,650.00<' in panel
    assert (
        "Cash <strong>KES 2,350.00</strong>" in panel
        and "(KES 2,400.00 in, KES 50.00 refunded)" in panel
    )
    assert "M-Pesa <strong>KES 300.00</strong>" in panel
    assert 'data-testid="panel-issued">2 <span class="fs-6 fw-normal">· KES 3,000.00<' in panel
    # Patients owe: yesterday's 400.00 + today's 700.00; the refunded 50.00 is not owed again.
    assert 'data-testid="panel-patients-owe">KES 1,100.00<' in panel and "on 2 invoices" in panel
    assert 'data-testid="panel-insurers-owe">KES 1,600.00<' in panel and "on 1 open claim<" in panel
    assert 'data-testid="panel-drafts">1<' in panel
    assert reverse("invoice_detail", args=[draft.pk]) in panel and "Waiting Draft" in panel
    assert reverse("claim_list") in panel and reverse("outstanding") in panel
    # The dashboard loads it, and reloads it on every billing change.
    assert f'hx-get="{reverse("billing_panel")}"' in dashboard
    assert "load, hms:billing-changed from:body" in dashboard
    assert "topics=,billing" in dashboard or "topics=billing" in dashboard


def test_the_panel_is_for_the_billing_desk_only(people, client_for, make_user):
    nurse = client_for(make_user(rbac.NURSE))
    patient = client_for(make_user(rbac.PATIENT))
    nurse_dashboard = page_of(nurse, reverse("dashboard"))

    assert client_for(people["desk"]).get(reverse("billing_panel")).status_code == 200
    assert nurse.get(reverse("billing_panel")).status_code == 403
    assert patient.get(reverse("billing_panel")).status_code == 403
    assert reverse("billing_panel") not in nurse_dashboard


def test_the_desk_reaches_the_claims_from_the_billing_page(people, client_for, make_user):
    """Claims are one click from the Billing page (the main bar stays short enough for a desk
    screen); a patient or a nurse has neither the link nor the page."""
    for who in ("desk", "accountant", "admin"):
        page = client_for(people[who]).get(reverse("outstanding")).content.decode()
        assert reverse("claim_list") in page and "Insurance claims" in page
    assert client_for(make_user(rbac.PATIENT)).get(reverse("claim_list")).status_code == 403
    assert client_for(make_user(rbac.NURSE)).get(reverse("claim_list")).status_code == 403


# --- two accountants at once (PostgreSQL) ---------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_accountants_recording_the_insurers_payment_at_once_record_it_once(
    make_user, charge_master
):
    people = {
        "desk": make_user(rbac.RECEPTIONIST),
        "accountant": make_user(rbac.ACCOUNTANT),
        "admin": make_user(rbac.ADMIN),
    }
    invoice = issued(people)
    claim = approve(people, InsuranceClaim.objects.get(invoice=invoice), "1600")

    def record(who: str) -> object:
        try:
            return pay_claim(people, claim, "1600", reference=f"EFT-{who}", who=who)
        except services.BillingError as refusal:
            return refusal

    outcome = list(race(lambda n: record(("accountant", "admin")[n])).values())

    assert sorted(type(o).__name__ for o in outcome) == ["BillingError", "InsuranceClaim"]
    refusal = next(o for o in outcome if isinstance(o, services.BillingError))
    assert "already paid" in str(refusal)
    invoice = Invoice.objects.get(pk=invoice.pk)
    assert invoice.insurer_paid == Decimal("1600.00") and invoice.insurer_balance == 0
    assert AuditEntry.objects.filter(action="claim.pay").count() == 1


# --- the prepared reads of the invoice page and the outstanding list ------------------------------


def test_the_insurers_figure_and_the_invoice_pages_claim_read_prepared_agree_with_the_orm(
    people, django_assert_num_queries
):
    from django.db.models import Count

    from billing import selectors

    assert selectors.claims_outstanding() == {"count": 0, "amount": Decimal("0.00")}
    submitted, approved, paid = (issued(people) for _ in range(3))
    uninsured = issued(people, insurance={})
    approve(people, InsuranceClaim.objects.get(invoice=approved), "1000.55")
    claim = approve(people, InsuranceClaim.objects.get(invoice=paid), "1600.00")
    pay_claim(people, claim, "1600.00")

    orm = InsuranceClaim.objects.filter(status__in=selectors.OPEN_CLAIMS).aggregate(
        count=Count("id"), amount=selectors._sum(selectors.CLAIM_OUTSTANDING)
    )
    figures = selectors.claims_outstanding()
    assert figures == {"count": 2, "amount": Decimal("2600.55")}
    assert figures == {"count": orm["count"], "amount": orm["amount"]}
    assert selectors.claims_outstanding(InsuranceClaim.objects.all()) == figures

    for invoice in (submitted, approved, paid, uninsured):
        page = selectors.invoice_for_page(invoice.pk)
        own = getattr(Invoice.objects.get(pk=invoice.pk), "claim", None)
        with django_assert_num_queries(0):  # read with the invoice, even when there is none
            assert getattr(page, "claim", None) == own
        assert selectors.credit_notes_of(page) == list(page.credit_notes.all())


def test_the_outstanding_lists_first_page_is_the_orms(people):
    from billing import selectors

    invoices = [issued(people, insurance={}) for _ in range(3)]
    Invoice.objects.filter(pk=invoices[1].pk).update(issued_at=datetime(2026, 1, 5, tzinfo=NAIROBI))

    first = selectors.first_outstanding()
    assert first == list(selectors.outstanding_invoices()[: selectors.OUTSTANDING_PER_PAGE])
    assert first[0].pk == invoices[1].pk and first[0].patient == invoices[1].patient
