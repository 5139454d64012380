"""Billing's lists never stop silently: the Outstanding report sums every open invoice in the
database (total and age buckets equal to the desk panel's figure), and every list is paged with
its count, in a fixed number of queries however many rows there are."""

import html
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from billing import selectors
from billing import services as billing
from billing.models import Charge, ChargeItem, Invoice, InvoiceStatus
from hms import rbac
from hms.money import money_text
from tests.factories import PatientFactory

NAIROBI = ZoneInfo("Africa/Nairobi")
TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=NAIROBI)


@pytest.fixture
def people(staff, charge_master):
    return {"desk": staff.receptionist, "accountant": staff.accountant}


def text_of(client, url, **kwargs) -> str:
    return html.unescape(client.get(url, **kwargs).content.decode())


def open_invoices(people, count: int, start: int = 0) -> list[tuple[int, Decimal]]:
    """`count` issued invoices made at once (bulk_create), the i-th issued i % 120 days before
    TODAY at noon, with a patient share of 1,000.00 + i + i/100 and 100.00 paid on every third.
    Returns (age in days, balance) of each, for the hand computation."""
    patients = [PatientFactory() for _ in range(5)]
    rows, made = [], []
    for i in range(start, start + count):
        age = i % 120
        share = Decimal(1000 + i) + Decimal(i % 100) / 100
        paid = Decimal("100.00") if i % 3 == 0 else Decimal("0.00")
        issued_at = timezone.make_aware(datetime.combine(TODAY - timedelta(days=age), time(12)))
        rows.append(
            Invoice(
                number=f"INV-2026-{900000 + i}",
                patient=patients[i % 5],
                status=InvoiceStatus.PARTIALLY_PAID if paid else InvoiceStatus.ISSUED,
                created_by=people["desk"],
                issued_at=issued_at,
                subtotal=share,
                total=share,
                patient_share=share,
                amount_paid=paid,
            )
        )
        made.append((age, share - paid))
    Invoice.objects.bulk_create(rows)
    return made


def settled_and_draft_invoices(people) -> None:
    """Invoices that owe nothing and must not count: paid, credited, refunded, void, draft."""
    patient = PatientFactory()
    at = timezone.make_aware(datetime.combine(TODAY, time(9)))
    figures = {"subtotal": 500, "total": 500, "patient_share": 500, "issued_at": at}
    for number, extra in [
        ("INV-X-1", {"status": "paid", "amount_paid": 500}),
        ("INV-X-2", {"status": "credited", "amount_credited": 500}),
        ("INV-X-3", {"status": "refunded", "amount_refunded": 500}),
        ("INV-X-4", {"status": "void"}),
    ]:
        Invoice.objects.create(
            number=number, patient=patient, created_by=people["desk"], **figures, **extra
        )
    Invoice.objects.create(patient=patient, created_by=people["desk"])


def by_hand(made) -> dict:
    buckets = {"0-30": (0, 30), "31-60": (31, 60), "61-90": (61, 90), "90+": (91, 10**6)}
    return {
        "total": sum(balance for _, balance in made),
        "count": len(made),
        **{
            key: sum(balance for age, balance in made if low <= age <= high)
            for key, (low, high) in buckets.items()
        },
    }


@time_machine.travel(NOW, tick=False)
def test_the_outstanding_report_sums_all_520_open_invoices_like_the_desk_panel(people, client_for):
    made = open_invoices(people, 520)
    settled_and_draft_invoices(people)
    expected = by_hand(made)
    desk = client_for(people["desk"])

    page = text_of(desk, reverse("outstanding"))
    last = text_of(desk, reverse("outstanding"), data={"page": "11"})
    panel = text_of(desk, reverse("billing_panel"))

    figures = selectors.outstanding_figures(TODAY)
    assert figures.total == expected["total"] == Decimal("637789.40")
    assert figures.count == 520
    assert {row["bucket"].key: row["balance"] for row in figures.buckets} == {
        key: expected[key] for key in ("0-30", "31-60", "61-90", "90+")
    }
    assert expected["0-30"] > 0
    # The screen says the same, and the panel's "Patients owe" is the same figure.
    assert f'data-testid="outstanding-total">{money_text(expected["total"])}<' in page
    assert "on 520 invoices" in page
    for key in ("0-30", "31-60", "61-90", "90+"):
        assert f'data-testid="aging">{money_text(expected[key])}<' in page
    assert f'data-testid="panel-patients-owe">{money_text(expected["total"])}<' in panel
    assert "on 520 invoices" in panel
    # Paged, with the count: the first page 50 rows, the last 501–520.
    assert page.count('data-testid="outstanding-row"') == 50 and "1–50 of 520" in page
    assert last.count('data-testid="outstanding-row"') == 20 and "501–520 of 520" in last


@time_machine.travel(NOW, tick=False)
def test_an_age_bucket_lists_only_its_invoices_and_keeps_the_totals_of_all(people, client_for):
    made = open_invoices(people, 130)
    expected = by_hand(made)
    in_bucket = sum(1 for age, _ in made if 31 <= age <= 60)

    page = text_of(client_for(people["desk"]), reverse("outstanding"), data={"age": "31-60"})

    assert page.count('data-testid="outstanding-row"') == min(in_bucket, 50)
    assert re.search(rf"of {in_bucket}\b|\b{in_bucket} [a-z ]*in all", page)
    assert f'data-testid="outstanding-total">{money_text(expected["total"])}<' in page
    assert "Issued 31–60 days ago" in page


@time_machine.travel(NOW, tick=False)
def test_the_outstanding_report_takes_the_same_queries_for_30_or_520_invoices(
    people, client_for, django_assert_max_num_queries
):
    open_invoices(people, 30)
    desk = client_for(people["desk"])
    desk.get(reverse("outstanding"))  # session and user warmed up alike for both
    with django_assert_max_num_queries(20) as few:
        desk.get(reverse("outstanding"))

    open_invoices(people, 490, start=30)
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        page = text_of(desk, reverse("outstanding"), data={"page": "3"})

    assert len(many.captured_queries) == len(few.captured_queries)
    assert "101–150 of 520" in page


def _charges(patient, count: int) -> None:
    item = ChargeItem.objects.get(code="NURS-INJ")
    start = timezone.now() - timedelta(days=30)
    Charge.objects.bulk_create(
        Charge(
            patient=patient,
            item=item,
            category=item.category,
            description=f"Injection {n + 1}",
            quantity=1,
            unit_price=item.price,
            tax_rate=0,
            amount=item.price,
            tax_amount=0,
            posted_at=start + timedelta(minutes=n),
        )
        for n in range(count)
    )


def test_the_account_pages_its_charges_and_invoices_and_sums_every_row(
    people, client_for, django_assert_max_num_queries
):
    patient = PatientFactory()
    _charges(patient, 60)
    Invoice.objects.create(patient=patient, created_by=people["desk"])  # (none: no sidebar query)
    given_back = billing.advance_take(
        actor=people["desk"], patient=patient, amount=Decimal("500.00"), mode="cash"
    )
    billing.advance_refund(
        actor=people["accountant"],
        advance=given_back,
        amount=Decimal("100.00"),
        method="cash",
        reason="Left early",
    )
    desk = client_for(people["desk"])
    url = reverse("patient_account", args=[patient.pk])
    desk.get(url)
    # The session, the user, the second factor, the patient, the figures, what is not invoiced,
    # the badges, the page of charges, the sidebar's invoices, its deposits (their refunds are not
    # shown there: not read), and the charge form's services.
    with django_assert_max_num_queries(11) as few:
        desk.get(url, {"page": "2"})

    _charges(patient, 120)  # 180 charges in all, 36,000.00
    Invoice.objects.bulk_create(
        Invoice(patient=patient, created_by=people["desk"]) for _ in range(54)
    )
    for _ in range(7):
        billing.advance_take(
            actor=people["desk"], patient=patient, amount=Decimal("50.00"), mode="cash", again=True
        )
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        second = text_of(desk, url, data={"page": "2"})
    invoices = text_of(desk, url, data={"show": "invoices", "page": "2"})

    assert len(many.captured_queries) == len(few.captured_queries)
    assert "51–100 of 180" in second and second.count("Injection ") >= 50
    assert "Total <strong>KES 36,000.00</strong>" in second  # every charge, not the page
    assert 'data-testid="account-balance">KES 35,250.00<' in second  # less 750.00 on deposit
    assert "Newest 5 of 55" in second  # the sidebar's short list says it is short
    assert "51–55 of 55" in invoices


def test_the_charge_master_and_the_portal_invoices_are_paged(people, client_for, make_user):
    admin = client_for(make_user(rbac.ADMIN))
    ChargeItem.objects.bulk_create(
        ChargeItem(
            code=f"LAB-{n:03d}", name=f"Test {n}", category="lab", charge_type="per_test", price=100
        )
        for n in range(60)
    )
    count = ChargeItem.objects.count()
    portal_user = make_user(rbac.PATIENT)
    patient = PatientFactory(user=portal_user)
    at = timezone.now()
    Invoice.objects.bulk_create(
        Invoice(
            number=f"INV-2026-{800000 + n}",
            patient=patient,
            status="issued",
            created_by=people["desk"],
            issued_at=at,
            subtotal=100,
            total=100,
            patient_share=100,
        )
        for n in range(30)
    )

    master = text_of(admin, reverse("charge_master"), data={"page": "2"})
    mine = text_of(client_for(portal_user), reverse("portal_invoices"), data={"page": "2"})

    assert f"51–{count} of {count}" in master
    assert "26–30 of 30" in mine and mine.count('data-testid="my-invoice"') == 5


@time_machine.travel(NOW, tick=False)
def test_the_figures_as_at_a_past_day_leave_out_the_invoices_issued_since(people):
    """Asked as at ten days ago, the count and total are those of the invoices issued by then
    (ages 10 to 119 days today), the same as the sum of the age buckets; today's figures hold
    every open invoice."""
    made = open_invoices(people, 120)
    then = TODAY - timedelta(days=10)
    issued_by_then = [(age, balance) for age, balance in made if age >= 10]

    figures = selectors.outstanding_figures(then)

    assert figures.count == len(issued_by_then) == 110
    assert figures.total == sum(balance for _, balance in issued_by_then)
    assert figures.count == sum(row["count"] for row in figures.buckets)
    assert figures.total == sum(row["balance"] for row in figures.buckets)
    today = selectors.outstanding_figures(TODAY)
    assert (today.count, today.total) == (120, sum(balance for _, balance in made))
