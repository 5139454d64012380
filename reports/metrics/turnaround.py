"""The dashboard's lab turnaround: per test, the median and 90th percentile time from order to
verified result, and the share verified within the test's target, over the orders verified in
the period; the orders of the period not verified yet are counted apart.

Percentiles are nearest-rank (NIST/SEMATECH e-Handbook of Statistical Methods §7.2.6.2's
definition, also Hyndman & Fan 1996's type 1 on ranks): the p-th percentile of n times sorted
ascending is the one at rank ceil(p/100 × n), rank 1 the shortest; so the median of 4 is the
2nd, the 90th percentile of 10 the 9th, of 11 the 10th. Always an observed time (no
interpolation), so SQLite and PostgreSQL give the same answer. The database ranks the times per
test with ROW_NUMBER and counts them with COUNT over the same window and returns only the two
rows at those ranks: two queries whatever the number of orders or tests.

Within target: verified at or before the order's `due_at`, which lab.services.order_tests fixes
at ordering as ordered_at + LabTest.turnaround_minutes (the lab's late list uses the same
moment); a target changed later does not rewrite past orders.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Window
from django.db.models.functions import RowNumber

from lab.models import OrderStatus, TestOrder
from reports.charts import Chart, Series
from reports.metrics import Metric, Table, register
from reports.period import ReportPeriod

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


def compute(period: ReportPeriod) -> TurnaroundResult:
    """Per lab test: orders verified in [starts_at, ends_before) (hospital days), their median
    and 90th percentile minutes from ordered_at to verified_at (nearest rank, see the module),
    how many were verified by their due_at, and the orders placed in the period that are not
    verified yet nor cancelled (counted apart, at the time of asking). Two queries. Read-only."""
    in_period = Q(verified_at__gte=period.starts_at, verified_at__lt=period.ends_before)
    verified = Q(status=OrderStatus.VERIFIED) & in_period
    waiting = Q(ordered_at__gte=period.starts_at, ordered_at__lt=period.ends_before) & ~Q(
        status__in=[OrderStatus.VERIFIED, OrderStatus.CANCELLED]
    )
    counts = (
        TestOrder.objects.filter(verified | waiting)
        .values("test_id", "test__code", "test__name", "test__turnaround_minutes")
        .annotate(
            verified=Count("pk", filter=verified),
            within=Count("pk", filter=verified & Q(verified_at__lte=F("due_at"))),
            waiting=Count("pk", filter=waiting),
        )
        .order_by("test__name", "test__code")
    )
    elapsed = ExpressionWrapper(F("verified_at") - F("ordered_at"), output_field=DurationField())
    by_test = {"partition_by": [F("test_id")]}
    ranked = (
        TestOrder.objects.filter(verified)
        .annotate(
            elapsed=elapsed,
            rank=Window(RowNumber(), order_by=[elapsed.asc(), F("pk").asc()], **by_test),
            count=Window(Count("pk"), **by_test),
        )
        # Nearest ranks: ceil(n/2) = (n + 1) / 2 and ceil(9n/10) = (9n + 9) / 10 in integer
        # division, the same on both databases.
        .filter(
            Q(rank=(F("count") + 1) / 2) | Q(rank=(F("count") * 9 + 9) / 10),
        )
        .values_list("test_id", "rank", "count", "ordered_at", "verified_at")
    )
    at_rank = {
        (test, rank): verified_at - ordered_at for test, rank, _n, ordered_at, verified_at in ranked
    }
    tests = []
    for row in counts:
        test, n = row["test_id"], row["verified"]
        median = at_rank.get((test, _rank(MEDIAN, n))) if n else None
        p90 = at_rank.get((test, _rank(P90, n))) if n else None
        tests.append(
            TestTurnaround(
                code=row["test__code"],
                name=row["test__name"],
                target_minutes=row["test__turnaround_minutes"],
                verified=n,
                median_minutes=None if median is None else _minutes(median),
                p90_minutes=None if p90 is None else _minutes(p90),
                within_target=row["within"],
                not_verified=row["waiting"],
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
