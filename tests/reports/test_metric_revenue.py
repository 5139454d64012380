"""The dashboard's revenue: money received per day by mode and the amount billed per day, on a
small hospital whose every figure is worked out by hand below."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from billing import services
from reports.metrics import metric, revenue
from reports.period import ReportPeriod
from tests.factories import PatientFactory, invoice_issued, payment_taken
from tests.reports.summarized import summarize

NAIROBI = ZoneInfo("Africa/Nairobi")
PERIOD = ReportPeriod(date(2026, 11, 1), date(2026, 11, 3))


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=NAIROBI)


def on(moment: datetime):
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def hospital(staff, charge_master, way):
    """Three days of the desk (NURS-DRESS is 500.00, no tax):
    1 Nov 10:00  invoice A issued: 4 dressings = 2,000.00                      billed day 1 +2,000
    1 Nov 23:30  cash 500 on A (20:30 UTC, still the 1st in Nairobi)          cash day 1   +500
    2 Nov 00:30  M-Pesa 300 on A (21:30 UTC on the 1st: the 2nd in Nairobi)   M-Pesa day 2 +300
    2 Nov 12:00  advance deposit 1,000 in cash from patient B                 cash day 2 +1,000
    2 Nov 14:00  credit note 200 on A                                         billed day 2   −200
    3 Nov 09:00  refund 100 in cash of the 500                                cash day 3     −100
    3 Nov 10:00  advance refund 400 by M-Pesa                                 M-Pesa day 3   −400
    Outside the period: invoice C issued 31 Oct 23:45 (20:45 UTC on the 31st) and 50 cash paid on
    it 4 Nov 00:10 (21:10 UTC on the 3rd: the 4th in Nairobi)."""
    desk, accountant = staff.receptionist, staff.accountant
    a_patient, b_patient, c_patient = PatientFactory(), PatientFactory(), PatientFactory()
    with on(at(31, 23, 45, month=10)):
        invoice_c = invoice_issued(desk, c_patient, "NURS-DRESS")
    with on(at(1, 10)):
        invoice_a = invoice_issued(desk, a_patient, ("NURS-DRESS", 4))
    with on(at(1, 23, 30)):
        cash = payment_taken(desk, invoice_a, "500")
    with on(at(2, 0, 30)):
        payment_taken(desk, invoice_a, "300", mode="mpesa", reference="QKX1234567")
    with on(at(2, 12)):
        advance = services.advance_take(
            actor=desk, patient=b_patient, amount=Decimal("1000"), mode="cash"
        )
    with on(at(2, 14)):
        services.credit_note_issue(
            actor=accountant, invoice=invoice_a, reason="Goodwill", amount=Decimal("200")
        )
    with on(at(3, 9)):
        services.payment_refund(
            actor=accountant,
            payment=cash,
            amount=Decimal("100"),
            reason="Overcharged",
            method="cash",
        )
    with on(at(3, 10)):
        services.advance_refund(
            actor=accountant,
            advance=advance,
            amount=Decimal("400"),
            method="mpesa",
            reference="QKX7654321",
            reason="Not admitted",
        )
    with on(at(4, 0, 10)):
        payment_taken(desk, invoice_c, "50")
    summarize(way, partly_through=date(2026, 11, 1), wholly_through=date(2026, 11, 9))


def money_list(*amounts: str) -> list[Decimal]:
    return [Decimal(amount) for amount in amounts]


def test_each_day_has_its_money_by_mode_refunds_below_zero_in_the_hospitals_days(hospital):
    with on(at(10, 12)):
        result = revenue.compute(PERIOD)

    assert result.days == [date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3)]
    assert result.received["cash"] == money_list("500", "1000", "-100")
    assert result.received["mpesa"] == money_list("0", "300", "-400")
    assert result.received["card"] == result.received["bank"] == money_list("0", "0", "0")
    # Net per day: 500; 1,000 + 300 = 1,300; −100 − 400 = −500.
    assert result.received_by_day == money_list("500", "1300", "-500")
    assert result.received_total == Decimal("1300.00")  # 1,800 in, 500 given back
    assert (result.received_gross, result.refunded) == (Decimal("1800"), Decimal("500"))


def test_billed_is_issued_totals_less_credit_notes_on_their_day(hospital):
    with on(at(10, 12)):
        result = revenue.compute(PERIOD)

    assert result.billed == money_list("2000", "-200", "0")
    assert (result.issued, result.corrected, result.billed_total) == (
        Decimal("2000"),
        Decimal("200"),
        Decimal("1800"),
    )


def test_a_voided_invoice_is_billed_on_its_day_and_taken_off_on_the_day_it_was_voided(
    staff, charge_master
):
    with on(at(1, 9)):
        invoice = invoice_issued(staff.receptionist, PatientFactory(), ("NURS-DRESS", 2))
    with on(at(3, 16)):
        services.invoice_void(actor=staff.accountant, invoice=invoice, reason="Wrong patient")

    with on(at(10, 12)):
        result = revenue.compute(PERIOD)

    assert result.billed == money_list("1000", "0", "-1000")
    assert result.billed_total == 0


def test_the_panel_shows_the_totals_and_both_charts(hospital):
    with on(at(10, 12)):
        result = revenue.compute(PERIOD)
        html = render_to_string(
            "reports/panels/revenue.html",
            {"metric": metric("revenue"), "result": result, "period": PERIOD},
        )

    assert (
        "KES 1,300.00" in html and "KES 1,800.00" in html and "Less voids and credit notes" in html
    )
    assert "Received and billed per day" in html and "by payment mode" in html
    assert "<script" not in html
    assert [table.rows[1][-2:] for table in result.tables()] == [
        (Decimal("1300.00"), Decimal("-200.00"))
    ]


def _bigger(staff, count: int) -> None:
    for n in range(count):
        with on(at(1 + n % 3, 9 + n)):
            invoice = invoice_issued(staff.receptionist, PatientFactory(), "NURS-DRESS")
            payment_taken(staff.receptionist, invoice, "100")


@pytest.mark.parametrize("extra", [0, 6])
def test_the_number_of_queries_stands_whatever_the_data_and_the_period(staff, charge_master, extra):
    _bigger(staff, 1 + extra)
    counts = []
    for period in (PERIOD, ReportPeriod(date(2026, 9, 1), date(2026, 11, 30))):
        with on(at(30, 12)), CaptureQueriesContext(connection) as queries:
            revenue.compute(period)
        counts.append(len(queries))

    # The summary's mark, then the period's eight kinds of movement (none summarized here).
    assert counts == [9, 9]
