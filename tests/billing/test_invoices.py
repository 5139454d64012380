"""Invoices: drafts gather charges; issuing fixes figures and a gapless number; never edited."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from billing import services, totals
from billing.models import Charge, Invoice, InvoiceStatus
from hms.models import AuditEntry
from hms.money import money
from tests.factories import (
    AdmissionFactory,
    InvoiceFactory,
    PatientFactory,
    charge_posted,
    invoice_drafted,
    invoice_issued,
)
from tests.races import race

NHIF_80 = {
    "provider": "NHIF",
    "policy_number": "N1",
    "coverage_percent": "80.00",
    "valid_until": "2099-12-31",
}


pytestmark = pytest.mark.usefixtures("charge_master")


def test_issuing_fixes_the_totals_and_the_insurer_and_patient_shares(staff):
    patient = PatientFactory(insurance=NHIF_80)
    charge_posted(patient, "NURS-DRESS", "2")  # 1,000.00, no tax
    charge_posted(patient, "MISC-COPY")  # 300.00 + 16 % = 48.00
    draft = services.invoice_draft(actor=staff.receptionist, patient=patient)

    invoice = services.invoice_issue(actor=staff.receptionist, invoice=draft)

    assert (invoice.subtotal, invoice.tax_total, invoice.total) == (
        Decimal("1300.00"),
        Decimal("48.00"),
        Decimal("1348.00"),
    )
    assert (invoice.insurer, invoice.insurer_share, invoice.patient_share) == (
        "NHIF",
        Decimal("1078.40"),
        Decimal("269.60"),
    )
    assert invoice.number.startswith("INV-") and invoice.number.endswith("-000001")
    assert len(invoice.lines_snapshot) == 2
    assert AuditEntry.objects.filter(action="invoice.issue", object_id=str(invoice.pk)).exists()


def test_numbers_are_sequential_and_a_failed_issue_uses_none(staff):
    desk = staff.receptionist
    numbers = [invoice_issued(desk, PatientFactory(), "NURS-DRESS").number for _ in range(3)]
    empty = InvoiceFactory(created_by=desk)
    with pytest.raises(services.BillingError, match="at least one line"):
        services.invoice_issue(actor=desk, invoice=empty)
    after = invoice_issued(desk, PatientFactory(), "NURS-DRESS")

    assert [n[-6:] for n in numbers + [after.number]] == ["000001", "000002", "000003", "000004"]


def test_inpatient_and_outpatient_charges_go_on_separate_invoices(staff):
    patient = PatientFactory()
    charge_posted(patient)
    admission = AdmissionFactory(patient=patient)
    charge_posted(patient, "WARD-GEN", admission=admission)

    visit = services.invoice_draft(actor=staff.receptionist, patient=patient)
    stay = services.invoice_draft(actor=staff.receptionist, patient=patient, admission=admission)

    assert [c.item.code for c in visit.lines.all()] == ["NURS-DRESS"]
    assert [c.item.code for c in stay.lines.all()] == ["WARD-GEN"]
    with pytest.raises(services.BillingError, match="no charges to invoice"):
        services.invoice_draft(actor=staff.receptionist, patient=PatientFactory())


def test_a_new_charge_tops_up_the_open_draft(staff):
    patient = PatientFactory()
    charge_posted(patient)
    draft = services.invoice_draft(actor=staff.receptionist, patient=patient)
    charge_posted(patient, "NURS-INJ")

    again = services.invoice_draft(actor=staff.receptionist, patient=patient)

    assert again.pk == draft.pk and again.lines.count() == 2


@pytest.mark.parametrize(
    ("who", "kind", "value", "reason", "message"),
    [
        ("receptionist", "percent", "10", "Staff", "Only an accountant or an administrator"),
        ("accountant", "percent", "10", "", "Give the reason"),
        ("accountant", "percent", "120", "x", "at most 100 %"),
    ],
)
def test_discounts_need_the_right_role_a_reason_and_sense(staff, who, kind, value, reason, message):
    patient = PatientFactory()
    charge_posted(patient)
    draft = services.invoice_draft(actor=staff.receptionist, patient=patient)
    refused = PermissionDenied if who == "receptionist" else services.BillingError  # role or rule

    with pytest.raises(refused, match=message):
        services.invoice_set_discount(
            actor=getattr(staff, who), invoice=draft, kind=kind, value=Decimal(value), reason=reason
        )

    assert Invoice.objects.get(pk=draft.pk).discount_value == 0


def test_a_discount_comes_off_the_subtotal_and_is_audited(staff):
    patient = PatientFactory()
    charge_posted(patient, "NURS-DRESS", "4")  # 2,000.00
    draft = services.invoice_draft(actor=staff.receptionist, patient=patient)
    services.invoice_set_discount(
        actor=staff.accountant,
        invoice=draft,
        kind="percent",
        value=Decimal("10"),
        reason="Hardship",
    )

    invoice = services.invoice_issue(actor=staff.receptionist, invoice=draft)

    assert (invoice.discount_amount, invoice.total) == (Decimal("200.00"), Decimal("1800.00"))
    assert AuditEntry.objects.get(action="invoice.discount").after["reason"] == "Hardship"


def test_an_issued_invoice_is_never_changed(staff):
    invoice = invoice_issued(staff.receptionist, PatientFactory(), "NURS-DRESS")

    with pytest.raises(services.BillingError, match="never changed"):
        services.invoice_set_discount(
            actor=staff.accountant,
            invoice=invoice,
            kind="amount",
            value=Decimal("10"),
            reason="x",
        )
    with pytest.raises(services.BillingError, match="already issued"):
        services.invoice_issue(actor=staff.receptionist, invoice=invoice)
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(
            total=Decimal("1.00")
        )  # figures that do not add up


def test_voiding_releases_the_charges_and_keeps_what_was_shown(staff, client_for):
    patient = PatientFactory()
    invoice = invoice_issued(staff.receptionist, patient, "NURS-DRESS")

    refused = client_for(staff.receptionist).post(
        reverse("invoice_void", args=[invoice.pk]), {"reason": "Wrong patient"}
    )
    services.invoice_void(actor=staff.accountant, invoice=invoice, reason="Wrong patient")
    again = services.invoice_draft(actor=staff.receptionist, patient=patient)

    assert refused.status_code == 403
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.VOID and len(invoice.lines_snapshot) == 1
    assert again.lines.count() == 1 and again.pk != invoice.pk


def test_an_expired_policy_covers_nothing(staff):
    patient = PatientFactory(insurance=NHIF_80 | {"valid_until": "2020-01-01"})
    charge_posted(patient)

    invoice = services.invoice_issue(
        actor=staff.receptionist,
        invoice=services.invoice_draft(actor=staff.receptionist, patient=patient),
    )

    assert (invoice.insurer_share, invoice.patient_share) == (Decimal("0.00"), Decimal("500.00"))


def test_the_desk_creates_and_issues_an_invoice_from_the_account(staff, client_for):
    patient = PatientFactory()
    charge_posted(patient)
    desk = client_for(staff.receptionist)

    created = desk.post(reverse("invoice_create", args=[patient.pk]), {"admission": ""})
    invoice = Invoice.objects.get()
    desk.post(reverse("invoice_issue", args=[invoice.pk]))
    page = desk.get(reverse("invoice_detail", args=[invoice.pk])).content.decode()

    assert created.status_code == 302
    invoice.refresh_from_db()
    assert invoice.number in page and "Patient pays" in page and "500.00" in page


@given(
    lines=st.lists(
        st.tuples(
            st.decimals(min_value=Decimal("-500"), max_value=Decimal("50000"), places=2),
            st.sampled_from([Decimal("0"), Decimal("16"), Decimal("8")]),
        ),
        min_size=1,
        max_size=40,
    ),
    discount=st.one_of(
        st.tuples(st.just(""), st.just(Decimal("0"))),
        st.tuples(
            st.just("percent"),
            st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2),
        ),
        st.tuples(
            st.just("amount"),
            st.decimals(min_value=Decimal("0"), max_value=Decimal("100000"), places=2),
        ),
    ),
    coverage=st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2),
    paid_fraction=st.decimals(min_value=Decimal("0"), max_value=Decimal("1"), places=2),
)
def test_the_figures_always_reconcile(lines, discount, coverage, paid_fraction):
    priced = [(money(amount), rate) for amount, rate in lines]

    figures = totals.compute(
        lines=priced,
        discount_kind=discount[0],
        discount_value=discount[1],
        coverage_percent=coverage,
    )

    assert figures.subtotal == sum(amount for amount, _ in priced)
    assert figures.discount == sum(line.discount for line in figures.lines)
    assert figures.tax == sum(line.tax for line in figures.lines)
    assert figures.subtotal - figures.discount + figures.tax == figures.total
    assert figures.insurer_share + figures.patient_share == figures.total
    assert figures.discount >= 0 and (figures.subtotal < 0 or figures.discount <= figures.subtotal)
    if figures.total > 0:
        assert 0 <= figures.insurer_share <= figures.total
    paid = money(figures.patient_share * paid_fraction)
    assert paid + (figures.patient_share - paid) == figures.patient_share
    for value in (
        *figures.__dict__.values(),
        *(v for line in figures.lines for v in (line.discount, line.tax)),
    ):
        if isinstance(value, Decimal):
            assert value == value.quantize(Decimal("0.01"))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_desks_issuing_at_once_get_distinct_consecutive_numbers(staff):
    desks = [staff.receptionist, staff.accountant]
    drafts = [invoice_drafted(desks[0], PatientFactory(), "NURS-DRESS") for _ in range(6)]

    def issue(n: int) -> object:
        for draft in drafts[n::2]:
            services.invoice_issue(actor=desks[n], invoice=draft)
        return "issued"

    outcome = race(issue)

    assert list(outcome.values()) == ["issued", "issued"], outcome
    assert sorted(n[-6:] for n in Invoice.objects.values_list("number", flat=True)) == [
        f"{n:06d}" for n in range(1, 7)
    ]
    assert Charge.objects.filter(invoice__isnull=True).count() == 0
