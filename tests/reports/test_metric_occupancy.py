"""The dashboard's bed occupancy: the midnight census per day and now, by ward type, with beds in
maintenance left out of the beds available, and the beds' status history it reads."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from reports.metrics import metric, occupancy
from reports.period import ReportPeriod
from tests.factories import AdmissionFactory, BedFactory, WardFactory
from wards import services
from wards.models import Bed, BedStatus, BedStatusChange, BedStay

NAIROBI = ZoneInfo("Africa/Nairobi")
PERIOD = ReportPeriod(date(2026, 11, 1), date(2026, 11, 3))


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=NAIROBI)


def on(moment: datetime):
    return time_machine.travel(moment, tick=False)


def stay(bed: Bed, admitted_at: datetime, discharged_at: datetime | None = None):
    """A patient in `bed` from `admitted_at` (to `discharged_at`, the bed then being cleaned)."""
    admission = AdmissionFactory(bed=bed, admitted_at=admitted_at)
    if discharged_at is not None:
        BedStay.objects.filter(admission=admission).update(ended_at=discharged_at)
        admission.discharged_at = discharged_at
        admission.status = "discharged"
        admission.save(update_fields=["discharged_at", "status"])
        Bed.objects.filter(pk=bed.pk).update(status=BedStatus.CLEANING)
    return admission


@pytest.fixture
def hospital(staff):
    """An ICU of 2 beds and a general ward of 2; midnights are the ends of 1, 2 and 3 Nov:
    ICU 1    in 30 Oct 10:00, out 4 Nov 10:00 (spans the period)     in at all three midnights
    ICU 2    in 2 Nov 23:30 (20:30 UTC), still in                     in at the 2nd's and 3rd's
    Gen 1    maintenance 1 Nov 15:00 → 2 Nov 09:00                     not available on the 1st
    Gen 2    in 1 Nov 08:00, out 1 Nov 18:00 (a day case)            at no midnight
    Gen 2    in 3 Nov 00:30 (21:30 UTC on the 2nd), still in           in at the 3rd's
    ICU:     occupied 1, 2, 2 of 2, 2, 2 available: 50.0, 100.0, 100.0 %; period 5/6 = 83.3 %
    General: occupied 0, 0, 1 of 1, 2, 2 available: 0.0, 0.0, 50.0 %;    period 1/5 = 20.0 %
    Now (5 Nov noon): ICU 1 is being cleaned, ICU 2 occupied: 1/2; general 1/2."""
    icu = WardFactory(name="ICU", kind="icu", charge_code="WARD-ICU")
    general = WardFactory(name="General A", kind="general")
    icu_1, icu_2 = BedFactory(ward=icu, number="1"), BedFactory(ward=icu, number="2")
    gen_1, gen_2 = BedFactory(ward=general, number="1"), BedFactory(ward=general, number="2")
    stay(icu_1, at(30, 10, month=10), at(4, 10))
    stay(icu_2, at(2, 23, 30))
    with on(at(1, 15)):
        services.bed_set_status(actor=staff.admin, bed=gen_1, status=BedStatus.MAINTENANCE)
    with on(at(2, 9)):
        services.bed_set_status(actor=staff.admin, bed=gen_1, status=BedStatus.VACANT)
    stay(gen_2, at(1, 8), at(1, 18))
    Bed.objects.filter(pk=gen_2.pk).update(status=BedStatus.VACANT)
    stay(gen_2, at(3, 0, 30))


def percents(*values) -> list[Decimal | None]:
    return [None if value is None else Decimal(value) for value in values]


def test_the_midnight_census_per_day_by_ward_type(hospital):
    with on(at(5, 12)):
        result = occupancy.compute(PERIOD)

    icu, general, private, emergency = result.kinds
    assert (icu.occupied, icu.available) == ([1, 2, 2], [2, 2, 2])
    assert icu.percent_by_day == percents("50.0", "100.0", "100.0")
    assert (icu.bed_days, icu.available_bed_days, icu.percent_period) == (5, 6, Decimal("83.3"))
    assert (general.occupied, general.available) == ([0, 0, 1], [1, 2, 2])
    assert general.percent_by_day == percents("0.0", "0.0", "50.0")
    assert general.percent_period == Decimal("20.0")
    assert private.percent_period is None and emergency.percent_now is None


def test_now_counts_occupied_beds_of_those_not_in_maintenance(hospital, staff):
    bed = Bed.objects.get(ward__name="General A", number="1")
    with on(at(5, 11)):
        services.bed_set_status(actor=staff.admin, bed=bed, status=BedStatus.MAINTENANCE)

    with on(at(5, 12)):
        result = occupancy.compute(PERIOD)

    assert (result.icu.occupied_now, result.icu.available_now) == (1, 2)
    assert result.icu.percent_now == Decimal("50.0")
    general = result.kinds[1]
    assert (general.occupied_now, general.available_now, general.percent_now) == (
        1,
        1,
        Decimal("100.0"),
    )


def test_today_is_counted_now_and_the_days_after_it_not_at_all(hospital):
    with on(at(2, 12)):
        result = occupancy.compute(PERIOD)

    # At noon on the 2nd: ICU 1 in (ICU 2 comes at 23:30); the 3rd has not come.
    assert result.icu.occupied == [1, 1, None]
    assert result.icu.percent_by_day == percents("50.0", "50.0", None)
    assert result.icu.percent_period == Decimal("50.0")  # 2 of 4 bed-days


def test_the_bed_status_service_keeps_each_change(hospital, staff):
    bed = Bed.objects.get(ward__name="General A", number="1")

    changes = list(
        BedStatusChange.objects.filter(bed=bed).values_list("from_status", "to_status", "at", "by")
    )

    assert changes == [
        ("vacant", "maintenance", at(1, 15), staff.admin.pk),
        ("maintenance", "vacant", at(2, 9), staff.admin.pk),
    ]
    with pytest.raises(PermissionError):
        BedStatusChange.objects.filter(bed=bed).delete()


def test_the_panel_shows_icu_now_and_every_ward_type(hospital):
    with on(at(5, 12)):
        result = occupancy.compute(PERIOD)
    html = render_to_string(
        "reports/panels/occupancy.html",
        {"metric": metric("occupancy"), "result": result, "period": PERIOD},
    )

    assert "50.0 %" in html and "83.3 %" in html and "5 of 6 bed-days" in html
    assert "1 of 2 available beds occupied" in html and "<script" not in html


@pytest.mark.parametrize("beds", [1, 6])
def test_the_number_of_queries_stands_whatever_the_beds_and_the_period(staff, beds):
    icu = WardFactory(kind="icu", charge_code="WARD-ICU")
    for n in range(beds):
        bed = BedFactory(ward=icu)
        stay(bed, at(1 + n % 3, 9), at(2 + n % 3, 9))
        with on(at(4, 9 + n)):
            services.bed_set_status(actor=staff.admin, bed=bed, status=BedStatus.MAINTENANCE)
    counts = []
    for period in (PERIOD, ReportPeriod(date(2026, 1, 1), date(2026, 11, 30))):
        with on(at(30, 12)), CaptureQueriesContext(connection) as queries:
            occupancy.compute(period)
        counts.append(len(queries))

    assert counts == [4, 4]
