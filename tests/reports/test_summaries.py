"""The dashboard's daily summary (reports.summaries): the night's task writes each closed day
once, a long period then costs the same few queries as a short one, and nothing is counted twice
or lost when a day moves from live to summarized. The figures themselves are checked in every
way (live, partly and wholly summarized) by the hand-worked metric tests."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports import summaries, tasks
from reports.metrics import length_of_stay, revenue, turnaround
from reports.models import DailyFigure
from reports.period import ReportPeriod
from tests.factories import (
    LabOrderFactory,
    LabTestFactory,
    PatientFactory,
    invoice_issued,
    payment_taken,
)
from tests.races import race

NAIROBI = ZoneInfo("Africa/Nairobi")
TODAY = date(2026, 11, 30)


def moment(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=NAIROBI)


def on(when: datetime):
    return time_machine.travel(when, tick=False)


def paid_days(staff, days: list[date], amount: str = "500") -> None:
    """On each day an invoice of one dressing (500.00) issued and `amount` paid in cash."""
    for day in days:
        with on(moment(day)):
            invoice = invoice_issued(staff.receptionist, PatientFactory(), "NURS-DRESS")
            payment_taken(staff.receptionist, invoice, amount)


def test_an_empty_hospital_is_summarized_through_yesterday_with_no_row(db):
    assert summaries.summaries_close_days(today=TODAY) == TODAY - timedelta(days=1)
    assert not DailyFigure.objects.exists()


def test_the_first_run_starts_at_the_first_record_and_a_second_run_writes_nothing(
    staff, charge_master
):
    # Longer than one chunk of the first run, so it takes several transactions.
    first = TODAY - timedelta(days=summaries.CHUNK_DAYS * 2 + 5)
    paid_days(staff, [first, first + timedelta(days=70), TODAY - timedelta(days=1), TODAY])

    with on(moment(TODAY, 12)):
        assert summaries.summaries_close_days() == TODAY - timedelta(days=1)
    rows = sorted(
        DailyFigure.objects.filter(figure=revenue.RECEIVED).values_list("day", "key", "total")
    )
    # Today is not closed: its payment is read live, not summarized.
    assert rows == [
        (first, "cash", Decimal("500")),
        (first + timedelta(days=70), "cash", Decimal("500")),
        (TODAY - timedelta(days=1), "cash", Decimal("500")),
    ]
    written = DailyFigure.objects.count()

    with on(moment(TODAY, 13)):
        summaries.summaries_close_days()
    assert DailyFigure.objects.count() == written

    period = ReportPeriod(first, TODAY)
    with on(moment(TODAY, 14)):
        result = revenue.compute(period)
    assert result.received_total == Decimal("2000") and result.billed_total == Decimal("2000")


def test_the_next_night_adds_the_day_that_closed_and_the_figures_do_not_move(staff, charge_master):
    yesterday = TODAY - timedelta(days=1)
    paid_days(staff, [yesterday, TODAY])
    period = ReportPeriod(yesterday - timedelta(days=5), TODAY)
    summaries.summaries_close_days(today=TODAY)
    with on(moment(TODAY, 20)):
        before = revenue.compute(period)

    # Midnight passes: today closes, the task summarizes it, the same days read the same.
    summaries.summaries_close_days(today=TODAY + timedelta(days=1))
    with on(moment(TODAY + timedelta(days=1), 1)):
        after = revenue.compute(period)

    assert summaries.summary_mark() == TODAY
    assert after == before
    assert after.received_by_day[-2:] == [Decimal("500"), Decimal("500")]


def test_a_record_written_into_a_closed_day_shows_after_a_rebuild(staff, charge_master):
    """Only an import or the demo's history writes into closed days: `summarize_days --rebuild`
    writes the summary again."""
    earlier = TODAY - timedelta(days=10)
    paid_days(staff, [earlier])
    summaries.summaries_close_days(today=TODAY)
    paid_days(staff, [earlier], amount="200")  # back-dated, after the summary
    period = ReportPeriod(earlier, earlier)
    with on(moment(TODAY)):
        assert revenue.compute(period).received_total == Decimal("500")

    out = StringIO()
    with on(moment(TODAY)):
        call_command("summarize_days", "--rebuild", stdout=out)
        assert revenue.compute(period).received_total == Decimal("700")
    assert f"through {(TODAY - timedelta(days=1)).isoformat()}" in out.getvalue()


def test_the_hourly_task_summarizes_the_closed_days(staff, charge_master):
    paid_days(staff, [TODAY - timedelta(days=3)])
    with on(moment(TODAY, 0)):
        assert (
            tasks.daily_summary_close_days.call_local() == (TODAY - timedelta(days=1)).isoformat()
        )
    assert DailyFigure.objects.filter(figure=revenue.RECEIVED).count() == 1


@pytest.mark.parametrize("metric", [revenue, length_of_stay, turnaround])
def test_two_years_cost_no_more_queries_than_a_month_once_summarized(staff, charge_master, metric):
    test = LabTestFactory(turnaround_minutes=60)
    for days_ago in (700, 300, 20, 2, 0):
        day = TODAY - timedelta(days=days_ago)
        paid_days(staff, [day])
        LabOrderFactory(
            test=test,
            patient=PatientFactory(),
            ordered_at=moment(day, 8),
            verified=True,
            collected_at=moment(day, 8),
            completed_at=moment(day, 8),
            verified_at=moment(day, 9),
        )
    summaries.summaries_close_days(today=TODAY)
    counts = []
    for first in (TODAY - timedelta(days=29), TODAY - timedelta(days=729)):
        with on(moment(TODAY, 12)), CaptureQueriesContext(connection) as queries:
            metric.compute(ReportPeriod(first, TODAY))
        counts.append(len(queries))

    assert counts[0] == counts[1]
    # The mark, the summary's rows and today's live queries, as each selector's docstring says.
    assert counts[0] == {revenue: 10, length_of_stay: 3, turnaround: 5}[metric]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_write_each_day_once(staff, charge_master):
    paid_days(staff, [TODAY - timedelta(days=n) for n in (1, 40, 90, 200)])

    outcome = race(lambda n: summaries.summaries_close_days(today=TODAY))

    assert list(outcome.values()) == [TODAY - timedelta(days=1)] * 2
    rows = DailyFigure.objects.filter(figure=revenue.RECEIVED)
    assert rows.count() == 4
    assert sorted(rows.values_list("total", flat=True)) == [Decimal("500")] * 4
