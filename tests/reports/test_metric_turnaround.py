"""The dashboard's lab turnaround worked out by hand: nearest-rank median and 90th percentile per
test, the share within target, orders never verified counted apart, the hospital's day
boundaries, and a constant number of queries."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from reports.metrics import turnaround
from reports.period import ReportPeriod
from tests.factories import LabOrderFactory, LabTestFactory, PatientFactory
from tests.reports.summarized import summarize

NAIROBI = ZoneInfo("Africa/Nairobi")
# 10 to 14 November 2026, hospital days: [10 Nov 00:00 EAT, 15 Nov 00:00 EAT).
PERIOD = ReportPeriod(date(2026, 11, 10), date(2026, 11, 14))
NOW = datetime(2026, 11, 20, 9, tzinfo=NAIROBI)


def at(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=NAIROBI)


def verified(test, ordered_at: datetime, minutes: float, patient=None) -> None:
    """An order of `test` placed at `ordered_at` and verified `minutes` later."""
    LabOrderFactory(
        test=test,
        patient=patient or PatientFactory(),
        ordered_at=ordered_at,
        verified=True,
        collected_at=ordered_at,
        completed_at=ordered_at,
        verified_at=ordered_at + timedelta(minutes=minutes),
    )


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def hospital(db, way):
    """A full blood count (target 60 min) with ten orders verified in the period, one verified
    after it and one never verified; a malaria film (target 30 min) with one order verified in
    the period and one cancelled."""
    fbc = LabTestFactory(code="FBC", name="Full blood count", turnaround_minutes=60)
    for minutes in (50, 20, 40, 90, 30, 60, 10, 120, 45, 70):
        verified(fbc, at(11, 8), minutes)
    verified(fbc, at(14, 23, 50), 30)  # verified 15 Nov 00:20 EAT: the next period's
    LabOrderFactory(test=fbc, patient=PatientFactory(), ordered_at=at(12, 9))  # still waiting
    film = LabTestFactory(code="BS", name="Blood slide for malaria", turnaround_minutes=30)
    verified(film, at(13, 10), 25)
    LabOrderFactory(test=film, patient=PatientFactory(), ordered_at=at(13, 11), status="cancelled")
    summarize(way, partly_through=date(2026, 11, 12), wholly_through=date(2026, 11, 19))
    return fbc, film


def test_median_and_90th_percentile_by_nearest_rank_worked_out_by_hand(hospital):
    result = turnaround.compute(PERIOD)

    film, fbc = result.tests  # by name
    # FBC sorted: 10 20 30 40 45 50 60 70 90 120 (n = 10).
    # Median: rank ceil(0.5 × 10) = 5 → 45 min. 90th: rank ceil(0.9 × 10) = 9 → 90 min.
    assert (fbc.code, fbc.verified, fbc.median_minutes, fbc.p90_minutes) == ("FBC", 10, 45, 90)
    # Within 60 min: 10 20 30 40 45 50 60 → 7 of 10.
    assert fbc.within_target == 7
    assert fbc.within_target_percent == 70
    assert fbc.not_verified == 1
    # The film: one order of 25 min: both percentiles are it; within its 30 minutes.
    assert (film.verified, film.median_minutes, film.p90_minutes) == (1, 25, 25)
    assert film.within_target_percent == 100
    assert film.not_verified == 0  # the cancelled order is not waiting
    assert (result.verified, result.within_target, result.not_verified) == (11, 8, 1)


def test_an_odd_count_takes_the_middle_and_the_rank_above_nine_tenths(db):
    test = LabTestFactory(code="U", name="Urea", turnaround_minutes=60)
    for minutes in (5, 1, 4, 2, 3, 9, 8, 7, 6, 11, 10):
        verified(test, at(12, 8), minutes)

    (urea,) = turnaround.compute(PERIOD).tests

    # n = 11: median rank ceil(5.5) = 6 → 6 min; 90th rank ceil(9.9) = 10 → 10 min.
    assert (urea.median_minutes, urea.p90_minutes) == (6, 10)


def test_the_periods_edges_are_the_hospitals_midnights(db):
    test = LabTestFactory(code="CRP", name="C-reactive protein", turnaround_minutes=60)
    verified(test, at(9, 23, 0), 59)  # 9 Nov 23:59 EAT (20:59 UTC on the 9th): before
    verified(test, at(9, 23, 30), 40)  # 10 Nov 00:10 EAT (21:10 UTC on the 9th): inside
    verified(test, at(14, 23, 0), 50)  # 14 Nov 23:50 EAT: inside
    verified(test, at(14, 23, 30), 40)  # 15 Nov 00:10 EAT (21:10 UTC on the 14th): after

    (crp,) = turnaround.compute(PERIOD).tests

    # Inside: 40 and 50 min; median rank 1 → 40, 90th rank 2 → 50.
    assert (crp.verified, crp.median_minutes, crp.p90_minutes) == (2, 40, 50)


def test_a_test_with_only_waiting_orders_is_listed_with_no_times(db):
    test = LabTestFactory(code="LFT", name="Liver function", turnaround_minutes=120)
    LabOrderFactory(test=test, patient=PatientFactory(), ordered_at=at(10, 8))
    LabOrderFactory(test=test, patient=PatientFactory(), ordered_at=at(9, 8))  # before: not counted

    result = turnaround.compute(PERIOD)

    (lft,) = result.tests
    assert (lft.verified, lft.median_minutes, lft.p90_minutes, lft.not_verified) == (
        0,
        None,
        None,
        1,
    )
    assert lft.within_target_percent is None
    assert result.tables()[0].rows == [("LFT", "Liver function", 120, 0, None, None, 0, None, 1)]


def test_the_panel_says_how_many_are_not_verified_yet(hospital):
    from django.template.loader import render_to_string

    result = turnaround.compute(PERIOD)
    html = render_to_string("reports/panels/turnaround.html", {"result": result, "period": PERIOD})

    assert "Full blood count" in html
    assert "Median (min)" in html and "90th pct (min)" in html
    assert '<td class="text-end">45</td><td class="text-end">90</td>' in html
    assert 'data-testid="turnaround-waiting">1<' in html


@pytest.mark.parametrize("days", [1, 31])
def test_four_queries_whatever_the_number_of_orders_or_the_period(
    db, days, django_assert_num_queries
):
    period = ReportPeriod(date(2026, 11, 14) - timedelta(days=days - 1), date(2026, 11, 14))
    tests = [LabTestFactory(turnaround_minutes=60) for _ in range(3)]
    total = 0
    for size in (3, 30):
        total += size
        patient = PatientFactory()
        for n in range(size):
            verified(tests[n % 3], at(14, 8), 10 + n, patient=patient)
            LabOrderFactory(test=tests[n % 3], patient=patient, ordered_at=at(14, 9))

        # The summary's mark, the verified orders, the waiting ones and the tests' names.
        with django_assert_num_queries(4):
            result = turnaround.compute(period)

        assert (result.verified, result.not_verified) == (total, total)
