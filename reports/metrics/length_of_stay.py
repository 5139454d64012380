"""Length of stay: how long the patients discharged in the period were in, by ward type."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, QuerySet, Window
from django.db.models.functions import RowNumber

from reports.charts import Chart, Series
from reports.metrics import Metric, Table, register
from reports.period import ReportPeriod
from wards.models import Admission, WardKind

KINDS = list(WardKind.choices)
_DAY_MICROSECONDS = Decimal(86_400 * 1_000_000)
_STAY = ExpressionWrapper(F("discharged_at") - F("admitted_at"), output_field=DurationField())
_KIND = "bed__ward__kind"  # the ward of discharge: a transfer moves the admission's bed


def days(duration: timedelta | None) -> Decimal | None:
    """A duration in days with one decimal (half up): 36 hours → 1.5; None for None."""
    if duration is None:
        return None
    microseconds = duration // timedelta(microseconds=1)
    return (Decimal(microseconds) / _DAY_MICROSECONDS).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass(frozen=True)
class StayFigures:
    """The discharges of one ward type (or all: `kind` ""): how many, and the mean and median
    length of stay in days (one decimal; None when there were none)."""

    kind: str
    label: str
    discharges: int
    mean_days: Decimal | None
    median_days: Decimal | None


@dataclass(frozen=True)
class LengthOfStay:
    overall: StayFigures
    kinds: list[StayFigures]  # WardKind's order

    def tables(self) -> list[Table]:
        headers = ("Ward of discharge", "Discharges", "Mean (days)", "Median (days)")
        rows = [
            (row.label, row.discharges, row.mean_days, row.median_days)
            for row in [*self.kinds, self.overall]
        ]
        return [Table("length-of-stay", "Average length of stay", headers, rows)]

    def charts(self) -> list[Chart]:
        return [
            Chart(
                "Length of stay by ward of discharge",
                "bar",
                [row.label for row in self.kinds],
                [
                    Series("Mean", [row.mean_days for row in self.kinds]),
                    Series("Median", [row.median_days for row in self.kinds]),
                ],
                unit="days",
            )
        ]


def _medians(found: QuerySet, partition: list) -> dict[str, timedelta]:
    """The median stay of `found` per `partition` ([] for all: key ""), from the middle row or
    two of each, picked by the database (a window's row number against the count: row r of n
    is a middle row when n ≤ 2r ≤ n + 2), so only those rows are read."""
    middle = (
        found.annotate(
            stay=_STAY,
            place=Window(
                RowNumber(), partition_by=partition, order_by=[_STAY.asc(), F("id").asc()]
            ),
            among=Window(Count("id"), partition_by=partition),
        )
        .annotate(twice=F("place") * 2)
        .filter(twice__gte=F("among"), twice__lte=F("among") + 2)
        .values_list(_KIND if partition else "id", "stay")
    )
    pairs: dict[str, list[timedelta]] = {}
    for key, stay in middle:
        pairs.setdefault(key if partition else "", []).append(stay)
    return {key: sum(stays, timedelta()) / len(stays) for key, stays in pairs.items()}


def compute(period: ReportPeriod) -> LengthOfStay:
    """The admissions discharged in the period (discharged_at within it): how many, the mean
    and the median of discharged_at − admitted_at in days, overall and by the type of the
    ward they were discharged from. 4 queries whatever their number (means by the database's
    AVG, medians by a window function; the same on SQLite and PostgreSQL). Raises nothing."""
    found = Admission.objects.filter(
        discharged_at__gte=period.starts_at, discharged_at__lt=period.ends_before
    )
    by_kind = {
        row[_KIND]: row
        for row in found.values(_KIND).annotate(n=Count("id"), mean=Avg(_STAY)).order_by()
    }
    everyone = found.aggregate(n=Count("id"), mean=Avg(_STAY))
    medians = _medians(found, [F(_KIND)])
    overall_median = _medians(found, []).get("")
    kinds = [
        StayFigures(
            kind=kind,
            label=label,
            discharges=by_kind.get(kind, {}).get("n", 0),
            mean_days=days(by_kind.get(kind, {}).get("mean")),
            median_days=days(medians.get(kind)),
        )
        for kind, label in KINDS
    ]
    overall = StayFigures(
        "", "All wards", everyone["n"], days(everyone["mean"]), days(overall_median)
    )
    return LengthOfStay(overall=overall, kinds=kinds)


register(
    Metric(
        key="length_of_stay",
        title="Length of stay",
        definition=(
            "Mean and median days from admission to discharge of the patients discharged in the"
            " period, overall and by the type of ward they were discharged from."
        ),
        finance=False,
        compute=compute,
    )
)
