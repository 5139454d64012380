"""The dashboard's length of stay: mean and median days of the discharges in the period,
overall and by the ward type of discharge, worked out by hand below."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from reports.metrics import length_of_stay, metric
from reports.period import ReportPeriod
from tests.factories import AdmissionFactory, BedFactory, WardFactory
from tests.reports.summarized import summarize
from wards.models import Admission, AdmissionStatus, BedStay

NAIROBI = ZoneInfo("Africa/Nairobi")
PERIOD = ReportPeriod(date(2026, 11, 1), date(2026, 11, 3))


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=NAIROBI)


def discharged(kind: str, admitted_at: datetime, discharged_at: datetime, *, to_kind: str = ""):
    """An admission to a `kind` ward, transferred to a `to_kind` ward when given, discharged."""
    bed = BedFactory(ward=WardFactory(kind=kind))
    admission = AdmissionFactory(bed=bed, admitted_at=admitted_at)
    if to_kind:
        moved_at = admitted_at + (discharged_at - admitted_at) / 2
        new_bed = BedFactory(ward=WardFactory(kind=to_kind))
        BedStay.objects.filter(admission=admission).update(ended_at=moved_at)
        BedStay.objects.create(
            admission=admission, bed=new_bed, ward=new_bed.ward, started_at=moved_at
        )
        Admission.objects.filter(pk=admission.pk).update(bed=new_bed)
    BedStay.objects.filter(admission=admission, ended_at__isnull=True).update(
        ended_at=discharged_at
    )
    Admission.objects.filter(pk=admission.pk).update(
        discharged_at=discharged_at, status=AdmissionStatus.DISCHARGED
    )
    return admission


@pytest.fixture
def hospital(staff, way):
    """Discharges (days = hours / 24):
    ICU        30 Oct 10:00 → 2 Nov 22:00   3 d 12 h = 3.5
    ICU         1 Nov 00:00 → 2 Nov 00:00   1.0
    ICU         2 Nov 12:00 → 3 Nov 18:00   1 d 6 h = 1.25
    General    20 Oct 08:00 → 3 Nov 23:30 (20:30 UTC: the 3rd)  14 d 15.5 h = 14.6458…
    Private     1 Nov 06:00 → 3 Nov 06:00, admitted to General, moved to Private: 2.0
    Emergency   3 Nov 08:00 → 3 Nov 14:00   0.25
    Outside: discharged 31 Oct 23:30 and 4 Nov 00:30 (21:30 UTC on the 3rd).
    ICU: mean 5.75 / 3 = 1.9166… → 1.9; median 1.25 → 1.3 (half up).
    All: mean 22.6458… / 6 = 3.774… → 3.8; median of 0.25, 1.0, 1.25, 2.0, 3.5, 14.65: (1.25 + 2.0)
    / 2 = 1.625 → 1.6. Emergency 0.25 → 0.3."""
    discharged("icu", at(30, 10, month=10), at(2, 22))
    discharged("icu", at(1, 0), at(2, 0))
    discharged("icu", at(2, 12), at(3, 18))
    discharged("general", at(20, 8, month=10), at(3, 23, 30))
    discharged("general", at(1, 6), at(3, 6), to_kind="private")
    discharged("emergency", at(3, 8), at(3, 14))
    discharged("general", at(29, 8, month=10), at(31, 23, 30, month=10))
    discharged("general", at(1, 8), at(4, 0, 30))
    summarize(way, partly_through=date(2026, 11, 2), wholly_through=date(2026, 11, 9))


def test_mean_and_median_by_ward_of_discharge_and_overall(hospital):
    with time_machine.travel(at(10, 12), tick=False):
        result = length_of_stay.compute(PERIOD)

    rows = {row.kind: (row.discharges, row.mean_days, row.median_days) for row in result.kinds}
    assert rows == {
        "icu": (3, Decimal("1.9"), Decimal("1.3")),
        "general": (1, Decimal("14.6"), Decimal("14.6")),
        "private": (1, Decimal("2.0"), Decimal("2.0")),
        "emergency": (1, Decimal("0.3"), Decimal("0.3")),
    }
    overall = result.overall
    assert (overall.discharges, overall.mean_days, overall.median_days) == (
        6,
        Decimal("3.8"),
        Decimal("1.6"),
    )


def test_a_period_without_discharges_has_no_figures(hospital):
    result = length_of_stay.compute(ReportPeriod(date(2026, 12, 1), date(2026, 12, 31)))

    assert (result.overall.discharges, result.overall.mean_days, result.overall.median_days) == (
        0,
        None,
        None,
    )


def test_the_panel_shows_mean_and_median_with_the_total(hospital):
    result = length_of_stay.compute(PERIOD)
    html = render_to_string(
        "reports/panels/length_of_stay.html",
        {"metric": metric("length_of_stay"), "result": result, "period": PERIOD},
    )

    assert "1.9 d" in html and "1.3 d" in html and "3.8 d" in html and "1.6 d" in html
    assert "<script" not in html


@pytest.mark.parametrize("discharges", [1, 7])
def test_the_number_of_queries_stands_whatever_the_discharges_and_the_period(staff, discharges):
    for n in range(discharges):
        discharged(["icu", "general"][n % 2], at(1, 8), at(2 + n % 2, 9 + n))
    counts = []
    for period in (PERIOD, ReportPeriod(date(2026, 1, 1), date(2026, 11, 30))):
        with CaptureQueriesContext(connection) as queries:
            length_of_stay.compute(period)
        counts.append(len(queries))

    # The summary's mark, then the period's discharges (none summarized here).
    assert counts == [2, 2]
