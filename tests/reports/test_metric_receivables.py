"""The dashboard's receivables: what patients and insurers still owe by age, as at the period's
last day (or today when that is sooner), on invoices whose ages are counted by hand below."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from billing import services
from reports.metrics import metric, receivables
from reports.period import ReportPeriod
from tests.factories import PatientFactory, invoice_issued, payment_taken

NAIROBI = ZoneInfo("Africa/Nairobi")
NHIF_80 = {
    "provider": "NHIF",
    "policy_number": "N1",
    "coverage_percent": "80.00",
    "valid_until": "2099-12-31",
}


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=NAIROBI)


def on(moment: datetime):
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def hospital(staff, charge_master):
    """Five invoices (NURS-DRESS 500.00 each, no tax); today is 30 Nov:
    P1 issued 30 Nov 23:30 (20:30 UTC): 2 dressings, 1,000 owed          0 days: 0–30
    P2 issued 31 Oct: 4 dressings = 2,000, 500 paid, 1,500 owed         30 days: 0–30
    P3 issued 30 Oct: 1 dressing, 500 owed                               31 days: 31–60
    P4 issued 1 Aug, NHIF 80 %: 4 dressings = 2,000: patient 400 owed,
       claim 1,600 submitted                                            121 days: 90+
    P5 issued 15 Sep, NHIF 80 %: 2 dressings = 1,000: patient paid 200,
       claim 800 approved in full                                        76 days: 61–90
    """
    desk = staff.receptionist
    with on(at(11, 30, 23, 30)):
        invoice_issued(desk, PatientFactory(), ("NURS-DRESS", 2))
    with on(at(10, 31)):
        p2 = invoice_issued(desk, PatientFactory(), ("NURS-DRESS", 4))
        payment_taken(desk, p2, "500")
    with on(at(10, 30)):
        invoice_issued(desk, PatientFactory(), "NURS-DRESS")
    with on(at(8, 1)):
        invoice_issued(desk, PatientFactory(insurance=NHIF_80), ("NURS-DRESS", 4))
    with on(at(9, 15)):
        p5 = invoice_issued(desk, PatientFactory(insurance=NHIF_80), ("NURS-DRESS", 2))
        payment_taken(desk, p5, "200")
    with on(at(9, 20)):
        services.claim_approve(
            actor=staff.accountant,
            claim=p5.claim,
            amount=Decimal("800"),
            insurer_reference="NHIF-APP-1",
        )


def figures(rows) -> list[tuple[int, Decimal]]:
    return [(row.count, row.amount) for row in rows]


def test_as_at_today_when_the_period_runs_past_it(hospital):
    with on(at(11, 30, 23, 45)):
        result = receivables.compute(ReportPeriod(date(2026, 11, 1), date(2026, 12, 31)))

    assert result.as_at == date(2026, 11, 30)
    # Patients: 0–30: P1 1,000 + P2 1,500; 31–60: P3 500; 90+: P4's 20 % of 2,000.
    assert figures(result.patients) == [
        (2, Decimal("2500")),
        (1, Decimal("500")),
        (0, Decimal("0")),
        (1, Decimal("400")),
    ]
    # Insurers: 61–90: P5's approved 800; 90+: P4's claimed 1,600.
    assert figures(result.insurers) == [
        (0, Decimal("0")),
        (0, Decimal("0")),
        (1, Decimal("800")),
        (1, Decimal("1600")),
    ]
    assert result.patients_total.amount == Decimal("3400")
    assert result.total == Decimal("5800")


def test_as_at_the_last_day_of_a_past_period_ages_from_that_day(hospital):
    with on(at(11, 30, 12)):
        result = receivables.compute(ReportPeriod(date(2026, 10, 1), date(2026, 10, 31)))

    assert result.as_at == date(2026, 10, 31)
    # P1 was not issued yet; on 31 Oct P2 is 0 days old, P3 1, P5 46, P4 91.
    assert figures(result.patients) == [
        (2, Decimal("2000")),
        (0, Decimal("0")),
        (0, Decimal("0")),
        (1, Decimal("400")),
    ]
    assert figures(result.insurers) == [
        (0, Decimal("0")),
        (1, Decimal("800")),
        (0, Decimal("0")),
        (1, Decimal("1600")),
    ]


def test_the_panel_shows_both_sides_by_age_with_totals(hospital):
    period = ReportPeriod(date(2026, 11, 1), date(2026, 11, 30))
    with on(at(11, 30, 23, 45)):
        result = receivables.compute(period)
    html = render_to_string(
        "reports/panels/receivables.html",
        {"metric": metric("receivables"), "result": result, "period": period},
    )

    assert "As at 30 Nov 2026" in html
    assert "KES 2,500.00" in html and "KES 3,400.00" in html and "KES 2,400.00" in html
    assert "2 invoices" in html and "1 claim" in html and "<script" not in html


@pytest.mark.parametrize("extra", [0, 5])
def test_the_number_of_queries_stands_whatever_the_data_and_the_period(staff, charge_master, extra):
    for n in range(1 + extra):
        with on(at(9, 1 + n * 5)):
            invoice_issued(staff.receptionist, PatientFactory(insurance=NHIF_80), "NURS-DRESS")
    counts = []
    for period in (
        ReportPeriod(date(2026, 11, 1), date(2026, 11, 7)),
        ReportPeriod(date(2026, 1, 1), date(2026, 11, 30)),
    ):
        with on(at(11, 30)), CaptureQueriesContext(connection) as queries:
            receivables.compute(period)
        counts.append(len(queries))

    assert counts == [5, 5]
