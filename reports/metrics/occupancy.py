"""Bed occupancy: the share of available beds holding a patient, now and per day, by ward type.

Counting rule: the midnight census. A patient counts on a day when they are in a bed at the
midnight that ends it (the hospital's midnight); a bed is available on a day unless it is in
maintenance at that midnight. Occupancy % = occupied bed-days / available bed-days × 100.
Source: the daily inpatient census at the census-taking hour, usually midnight, and the bed
occupancy percentage = inpatient service days / bed count days (Horton, "Calculating and
Reporting Healthcare Statistics", AHIMA, ch. "Percentage of Occupancy"). That book's service
days also add the patients admitted and discharged between two censuses; they are left out here
(they held a bed for no night, and counting them would let a day pass 100 % when the bed is
filled again before midnight). The census needs no arithmetic on durations: a day's census is
the stays started by its end less the stays ended by then, two sums by day.
Today's census is taken now (its midnight has not come); days after today have none.
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q
from django.utils import timezone

from reports.charts import Chart, Series
from reports.metrics import Metric, Table, register
from reports.metrics.daily import day_label, day_or_opening, opening_day
from reports.period import ReportPeriod
from wards.models import Bed, BedStatus, BedStatusChange, BedStay, WardKind

KINDS = list(WardKind.choices)  # ICU first


def percent(part: int, whole: int) -> Decimal | None:
    """`part` of `whole` as a percentage with one decimal (half up); None when `whole` is 0."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass(frozen=True)
class WardKindOccupancy:
    """One ward type: beds occupied and available now, and per day of the period the midnight
    census (`occupied[i]`) and the beds not in maintenance then (`available[i]`); None for the
    days after today."""

    kind: str
    label: str
    beds: int
    occupied_now: int
    available_now: int
    occupied: list[int | None]
    available: list[int | None]

    @property
    def percent_now(self) -> Decimal | None:
        return percent(self.occupied_now, self.available_now)

    @property
    def percent_by_day(self) -> list[Decimal | None]:
        return [
            None if occupied is None else percent(occupied, available)
            for occupied, available in zip(self.occupied, self.available, strict=True)
        ]

    @property
    def bed_days(self) -> int:
        """Occupied bed-days over the period (midnights a patient was in a bed)."""
        return sum(n for n in self.occupied if n is not None)

    @property
    def available_bed_days(self) -> int:
        return sum(n for n in self.available if n is not None)

    @property
    def percent_period(self) -> Decimal | None:
        return percent(self.bed_days, self.available_bed_days)


@dataclass(frozen=True)
class Occupancy:
    days: list[date]
    kinds: list[WardKindOccupancy]  # in WardKind's order, ICU first

    @property
    def icu(self) -> WardKindOccupancy:
        return self.kinds[0]

    def tables(self) -> list[Table]:
        headers = ("Day", "Ward type", "Occupied beds at midnight", "Available beds", "Occupancy %")
        rows = []
        for kind in self.kinds:
            percents = kind.percent_by_day  # worked out once per ward type, not once per day
            rows += [
                (day, kind.label, kind.occupied[i], kind.available[i], percents[i])
                for i, day in enumerate(self.days)
            ]
        summary = [
            (
                kind.label,
                kind.beds,
                kind.occupied_now,
                kind.available_now,
                kind.percent_now,
                kind.bed_days,
                kind.available_bed_days,
                kind.percent_period,
            )
            for kind in self.kinds
        ]
        return [
            Table(
                "occupancy",
                "Bed occupancy by ward type",
                (
                    "Ward type",
                    "Beds",
                    "Occupied now",
                    "Available now",
                    "Occupancy now %",
                    "Occupied bed-days",
                    "Available bed-days",
                    "Occupancy over the period %",
                ),
                summary,
            ),
            Table("occupancy-by-day", "Bed occupancy per day", headers, rows),
        ]

    def charts(self) -> list[Chart]:
        return [
            Chart(
                "Occupancy at midnight per day",
                "line",
                [day_label(day) for day in self.days],
                [Series(kind.label, kind.percent_by_day) for kind in self.kinds if kind.beds],
                unit="%",
                limit=("All beds full", 100),
            )
        ]


def _running(counts: dict[tuple[str, date], int], kind: str, period: ReportPeriod) -> list[int]:
    """For each day of the period, the sum of `counts` of `kind` on that day and before (the
    opening day holding everything before the period)."""
    total = counts.get((kind, opening_day(period)), 0)
    running = []
    for day in period.days:
        total += counts.get((kind, day), 0)
        running.append(total)
    return running


def compute(period: ReportPeriod) -> Occupancy:
    """Occupancy by ward type now and per day (the midnight census: see the module), in 4
    queries whatever the period's length or the number of beds and stays. Open wards only (a
    closed ward has no beds to offer); the beds counted each day are the open wards' beds of
    today (beds keep no date they were added). Raises nothing; a type with no beds has no %."""
    today = timezone.localdate()
    # Today's census is taken now: nothing after this moment counts, whatever the rows say.
    end = min(period.ends_before, timezone.now())
    beds = {
        row["ward__kind"]: row
        for row in Bed.objects.filter(ward__active=True)
        .values("ward__kind")
        .annotate(
            beds=Count("id"),
            maintenance=Count("id", filter=Q(status=BedStatus.MAINTENANCE)),
            occupied=Count("id", filter=Q(status=BedStatus.OCCUPIED)),
        )
        .order_by()
    }
    counted = {"started": {}, "ended": {}}
    for moment, key in (("started_at", "started"), ("ended_at", "ended")):
        for row in (
            BedStay.objects.filter(ward__active=True, **{f"{moment}__lt": end})
            .annotate(day=day_or_opening(moment, period))
            .values("ward__kind", "day")
            .annotate(n=Count("id"))
            .order_by()
        ):
            counted[key][(row["ward__kind"], row["day"])] = row["n"]
    into, out = {}, {}
    for row in (
        BedStatusChange.objects.filter(bed__ward__active=True, at__lt=end)
        .filter(Q(to_status=BedStatus.MAINTENANCE) | Q(from_status=BedStatus.MAINTENANCE))
        .annotate(day=day_or_opening("at", period))
        .values("bed__ward__kind", "day")
        .annotate(
            into=Count("id", filter=Q(to_status=BedStatus.MAINTENANCE)),
            out=Count("id", filter=Q(from_status=BedStatus.MAINTENANCE)),
        )
        .order_by()
    ):
        into[(row["bed__ward__kind"], row["day"])] = row["into"]
        out[(row["bed__ward__kind"], row["day"])] = row["out"]

    kinds = []
    for kind, label in KINDS:
        now_row = beds.get(kind, {"beds": 0, "maintenance": 0, "occupied": 0})
        started = _running(counted["started"], kind, period)
        ended = _running(counted["ended"], kind, period)
        opened = _running(into, kind, period)
        closed = _running(out, kind, period)
        occupied: list[int | None] = []
        available: list[int | None] = []
        for i, day in enumerate(period.days):
            future = day > today
            occupied.append(None if future else started[i] - ended[i])
            available.append(None if future else now_row["beds"] - (opened[i] - closed[i]))
        kinds.append(
            WardKindOccupancy(
                kind=kind,
                label=label,
                beds=now_row["beds"],
                occupied_now=now_row["occupied"],
                available_now=now_row["beds"] - now_row["maintenance"],
                occupied=occupied,
                available=available,
            )
        )
    return Occupancy(days=period.days, kinds=kinds)


register(
    Metric(
        key="occupancy",
        title="Bed occupancy",
        definition=(
            "Occupied beds ÷ available beds (beds in maintenance are not available), now and at"
            " each midnight of the period (the daily inpatient census of hospital statistics,"
            " same-day stays left out): ICU first, then every ward type."
        ),
        finance=False,
        compute=compute,
    )
)
