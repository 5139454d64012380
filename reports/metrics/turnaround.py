"""The dashboard's lab turnaround: per test, the median and 90th percentile time from order to
verified result, and the share verified within the test's target, over the orders verified in
the period; the orders of the period not verified yet are counted apart.

Percentiles are nearest-rank (NIST/SEMATECH e-Handbook of Statistical Methods §7.2.6.2's
definition, also Hyndman & Fan 1996's type 1 on ranks): the p-th percentile of n times sorted
ascending is the one at rank ceil(p/100 × n), rank 1 the shortest; so the median of 4 is the
2nd, the 90th percentile of 10 the 9th, of 11 the 10th. Always an observed time (no
interpolation), so SQLite and PostgreSQL give the same answer. The times come sorted from the
daily summary (reports.summaries) for closed days and from the day's orders for today, so the
ranks are taken over every order of the period whatever its length.

Within target: verified at or before the order's `due_at`, which lab.services.order_tests fixes
at ordering as ordered_at + LabTest.turnaround_minutes (the lab's late list uses the same
moment); a target changed later does not rewrite past orders.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Min
from django.utils import timezone

from hms import params
from lab.models import LabTest, OrderStatus, TestOrder
from reports.charts import Chart, Series
from reports.metrics import Metric, Table, register
from reports.metrics.daily import local_day
from reports.period import ReportPeriod
from reports.summaries import DayFigure, Source, period_figures, register_source

MEDIAN, P90 = 50, 90


@dataclass(frozen=True)
class TestTurnaround:
    """One test's figures (times in minutes, None when nothing was verified in the period)."""

    code: str
    name: str
    target_minutes: int
    verified: int
    median_minutes: float | None
    p90_minutes: float | None
    within_target: int
    not_verified: int

    @property
    def within_target_percent(self) -> float | None:
        return 100 * self.within_target / self.verified if self.verified else None


@dataclass(frozen=True)
class TurnaroundResult:
    """Each test with an order verified in the period or ordered in it and not verified yet
    (by name), and the hospital's counts."""

    tests: list[TestTurnaround]

    @property
    def verified(self) -> int:
        return sum(t.verified for t in self.tests)

    @property
    def within_target(self) -> int:
        return sum(t.within_target for t in self.tests)

    @property
    def within_target_percent(self) -> float | None:
        return 100 * self.within_target / self.verified if self.verified else None

    @property
    def not_verified(self) -> int:
        return sum(t.not_verified for t in self.tests)

    def tables(self) -> list[Table]:
        headers = ("code", "test", "target minutes", "verified", "median minutes")
        headers += ("90th percentile minutes", "within target", "within target %", "not verified")
        rows = [
            (
                t.code,
                t.name,
                t.target_minutes,
                t.verified,
                t.median_minutes,
                t.p90_minutes,
                t.within_target,
                None if t.within_target_percent is None else round(t.within_target_percent, 1),
                t.not_verified,
            )
            for t in self.tests
        ]
        return [Table("turnaround", "Lab turnaround", headers, rows)]

    def charts(self) -> list[Chart]:
        shown = [t for t in self.tests if t.verified]
        return [
            Chart(
                "Order to verified result, by test",
                "bar",
                [t.code for t in shown],
                [
                    Series("Median", [t.median_minutes for t in shown]),
                    Series("90th percentile", [t.p90_minutes for t in shown]),
                    Series("Target", [t.target_minutes for t in shown]),
                ],
                "minutes",
            )
        ]


def _rank(percentile: int, count: int) -> int:
    """Nearest rank: ceil(percentile/100 × count), in integers (no float rounding)."""
    return -(-percentile * count // 100)


def _minutes(delta: timedelta) -> float:
    return round(delta.total_seconds() / 60, 1)


# The summary's figures (reports.summaries), per hospital day of verification and lab test (its
# id): the orders verified (each one's time from order to verified result, in microseconds) and
# how many of them by their due time.
VERIFIED, IN_TIME = "lab.verified", "lab.verified_in_time"


def live(first: date, last: date) -> list[DayFigure]:
    """The orders verified on hospital days `first` to `last`, per day and test, from the
    orders: one query reading the days' verified orders (their test and moments only)."""
    span = ReportPeriod(first, last)
    elapsed: dict[tuple[date, int], list[int]] = {}
    in_time: dict[tuple[date, int], int] = {}
    for day, test, ordered_at, verified_at, due_at in (
        TestOrder.objects.filter(
            status=OrderStatus.VERIFIED,
            verified_at__gte=span.starts_at,
            verified_at__lt=span.ends_before,
        )
        .annotate(day=local_day("verified_at"))
        .values_list("day", "test_id", "ordered_at", "verified_at", "due_at")
        .order_by()
    ):
        elapsed.setdefault((day, test), []).append(
            (verified_at - ordered_at) // timedelta(microseconds=1)
        )
        on_time = due_at is not None and verified_at <= due_at
        in_time[(day, test)] = in_time.get((day, test), 0) + on_time
    figures = []
    for (day, test), micro in elapsed.items():
        figures.append(
            DayFigure(VERIFIED, day, str(test), len(micro), Decimal(0), tuple(sorted(micro)))
        )
        if in_time[(day, test)]:
            figures.append(DayFigure(IN_TIME, day, str(test), in_time[(day, test)]))
    return figures


def _earliest() -> date | None:
    first = TestOrder.objects.aggregate(first=Min("verified_at"))["first"]
    return None if first is None else timezone.localdate(first, params.hospital_zone())


SOURCE = register_source(Source(figures=(VERIFIED, IN_TIME), live=live, earliest=_earliest))


def _at_rank(percentile: int, micro: list[int]) -> float | None:
    """The nearest-rank percentile of sorted times in microseconds, in minutes (one decimal)."""
    if not micro:
        return None
    return _minutes(timedelta(microseconds=micro[_rank(percentile, len(micro)) - 1]))


def compute(period: ReportPeriod) -> TurnaroundResult:
    """Per lab test: orders verified in [starts_at, ends_before) (hospital days), their median
    and 90th percentile minutes from ordered_at to verified_at (nearest rank, see the module),
    how many were verified by their due_at, and the orders placed in the period that are not
    verified yet nor cancelled (counted apart, at the time of asking). The verified orders come
    from the period's per-day figures (reports.summaries: the daily summary for closed days,
    `live` for the rest); at most 5 queries, whatever the number of orders. Read-only."""
    elapsed: dict[int, list[int]] = {}
    in_time: dict[int, int] = {}
    for found in period_figures(SOURCE, period):
        test = int(found.key)
        if found.figure == VERIFIED:
            elapsed.setdefault(test, []).extend(found.values)
        else:
            in_time[test] = in_time.get(test, 0) + found.count
    waiting = dict(
        TestOrder.objects.filter(
            ordered_at__gte=period.starts_at, ordered_at__lt=period.ends_before
        )
        .exclude(status__in=[OrderStatus.VERIFIED, OrderStatus.CANCELLED])
        .values("test_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("test_id", "n")
    )
    tests = []
    for test in LabTest.objects.filter(pk__in=[*elapsed, *waiting]).order_by("name", "code"):
        micro = sorted(elapsed.get(test.pk, []))
        tests.append(
            TestTurnaround(
                code=test.code,
                name=test.name,
                target_minutes=test.turnaround_minutes,
                verified=len(micro),
                median_minutes=_at_rank(MEDIAN, micro),
                p90_minutes=_at_rank(P90, micro),
                within_target=in_time.get(test.pk, 0),
                not_verified=waiting.get(test.pk, 0),
            )
        )
    return TurnaroundResult(tests)


register(
    Metric(
        key="turnaround",
        title="Lab turnaround",
        definition=(
            "Per test, over the orders verified in the period: the median and 90th percentile "
            "time from order to verified result (nearest rank) and the share verified within "
            "the test's target; orders of the period not verified yet are counted apart."
        ),
        finance=False,
        compute=compute,
    )
)
