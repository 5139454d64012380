"""Length of stay: how long the patients discharged in the period were in, by ward type."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Min
from django.utils import timezone

from hms import params
from reports.charts import Chart, Series
from reports.metrics import Metric, Table, register
from reports.metrics.daily import local_day
from reports.period import ReportPeriod
from reports.summaries import DayFigure, Source, period_figures, register_source
from wards.models import Admission, WardKind

KINDS = list(WardKind.choices)
_MICROSECONDS = Decimal(1_000_000)
_DAY_MICROSECONDS = Decimal(86_400 * 1_000_000)
_KIND = "bed__ward__kind"  # the ward of discharge: a transfer moves the admission's bed


def _in_days(microseconds: Decimal) -> Decimal:
    """A duration given in microseconds, in days with one decimal (half up): 36 hours → 1.5."""
    return (microseconds / _DAY_MICROSECONDS).quantize(Decimal("0.1"), ROUND_HALF_UP)


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


# The summary's figure (reports.summaries): the stays that ended each hospital day, by the type of
# the ward of discharge (count, total seconds, and each stay in microseconds for the median).
DISCHARGED = "stay.discharged"


def live(first: date, last: date) -> list[DayFigure]:
    """The stays that ended on hospital days `first` to `last`, per day and ward type of
    discharge, from the admissions: one query reading the days' discharges (their moments and
    ward type only)."""
    span = ReportPeriod(first, last)
    stays: dict[tuple[date, str], list[int]] = {}
    for day, kind, admitted_at, discharged_at in (
        Admission.objects.filter(
            discharged_at__gte=span.starts_at, discharged_at__lt=span.ends_before
        )
        .annotate(day=local_day("discharged_at"))
        .values_list("day", _KIND, "admitted_at", "discharged_at")
        .order_by()
    ):
        stays.setdefault((day, kind), []).append(
            (discharged_at - admitted_at) // timedelta(microseconds=1)
        )
    return [
        DayFigure(
            DISCHARGED,
            day,
            kind,
            len(micro),
            Decimal(sum(micro)) / _MICROSECONDS,
            tuple(sorted(micro)),
        )
        for (day, kind), micro in stays.items()
    ]


def _earliest() -> date | None:
    first = Admission.objects.aggregate(first=Min("discharged_at"))["first"]
    return None if first is None else timezone.localdate(first, params.hospital_zone())


SOURCE = register_source(Source(figures=(DISCHARGED,), live=live, earliest=_earliest))


def _figures(kind: str, label: str, micro: list[int]) -> StayFigures:
    """Count, mean and median (the middle stay, or the mean of the middle two) of stays given
    in microseconds, sorted."""
    n = len(micro)
    if not n:
        return StayFigures(kind, label, 0, None, None)
    middle = Decimal(micro[(n - 1) // 2] + micro[n // 2]) / 2
    return StayFigures(kind, label, n, _in_days(Decimal(sum(micro)) / n), _in_days(middle))


def compute(period: ReportPeriod) -> LengthOfStay:
    """The admissions discharged in the period (discharged_at within it): how many, the mean
    and the median of discharged_at − admitted_at in days (one decimal, half up), overall and by
    the type of the ward they were discharged from. Reads the period's per-day figures
    (reports.summaries: the daily summary for closed days, `live` for the rest): at most 3
    queries, whatever the number of stays. Raises nothing."""
    by_kind: dict[str, list[int]] = {kind: [] for kind, _ in KINDS}
    for found in period_figures(SOURCE, period):
        by_kind.setdefault(found.key, []).extend(found.values)
    everyone = sorted(micro for stays in by_kind.values() for micro in stays)
    kinds = [_figures(kind, label, sorted(by_kind[kind])) for kind, label in KINDS]
    return LengthOfStay(overall=_figures("", "All wards", everyone), kinds=kinds)


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
