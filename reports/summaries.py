"""The dashboard's daily summary: each closed hospital day's figures, written once by the night's
task, so a period of two years reads a few thousand summary rows instead of every payment, stay
and test in it (docs/DECISIONS.md, "A daily summary for closed days").

A metric that reads per-day figures registers a `Source`: the figure names it writes and a
`live(first, last)` function that works those figures out from the records for days `first` to
`last`. `period_figures` serves a period from the summary up to its mark and from `live` after
it (today always, and any day the task has not reached), so a metric gives the same answer
whether a day is summarized or not; `summaries_close_days` writes the closed days with the same
`live` function, and tests/reports/test_summaries.py holds the two to it.
"""

import logging
import sys
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from hms.locking import locked
from reports.models import DailyFigure, SummaryMark
from reports.period import ReportPeriod

logger = logging.getLogger(__name__)

MARK = "daily"
# Days summarized per transaction on a first run over years of history (bounded memory: the
# sorted observations of a chunk's stays and tests are held at once).
CHUNK_DAYS = 61


@dataclass(frozen=True)
class DayFigure:
    """One figure of one hospital day: `count` rows summing to `total` (money in the hospital's
    currency, durations in seconds), and `values`, the sorted observations in microseconds
    where a median or percentile is shown."""

    figure: str
    day: date
    key: str = ""
    count: int = 0
    total: Decimal = Decimal(0)
    values: tuple[int, ...] = ()


@dataclass(frozen=True)
class Source:
    """What one metric summarizes: its figure names, how to work them out live for days
    `first` to `last` (both included), and the earliest moment its records start (None when
    there are none), where a first summary begins."""

    figures: tuple[str, ...]
    live: Callable[[date, date], list[DayFigure]]
    earliest: Callable[[], date | None]


SOURCES: list[Source] = []


def register_source(source: Source) -> Source:
    """Add a metric's figures to the summary (called once per metric module, at import)."""
    taken = {name for known in SOURCES for name in known.figures}
    if taken & set(source.figures):
        raise ValueError(f"figures {sorted(taken & set(source.figures))} are registered twice")
    SOURCES.append(source)
    return source


def packed(values: tuple[int, ...]) -> bytes:
    """Observations as DailyFigure.values stores them: little-endian signed 64-bit integers."""
    series = array("q", values)
    if sys.byteorder != "little":
        series.byteswap()
    return series.tobytes()


def unpacked(stored: bytes | memoryview | None) -> tuple[int, ...]:
    """The observations `packed` stored (PostgreSQL hands bytea back as a memoryview)."""
    series = array("q", bytes(stored or b""))
    if sys.byteorder != "little":
        series.byteswap()
    return tuple(series)


def summary_mark() -> date | None:
    """The last day the summary holds (every day up to it is summarized), None before the
    first summary. One query."""
    return SummaryMark.objects.filter(name=MARK).values_list("through", flat=True).first()


def period_figures(source: Source, period: ReportPeriod) -> list[DayFigure]:
    """The source's figures for every day of the period: the summary's rows for the days up to
    its mark, `source.live` for the days after it. Two queries plus those of `live` when the
    period reaches past the mark (it always does when it holds today)."""
    through = summary_mark()
    found: list[DayFigure] = []
    first_live = period.first
    if through is not None and period.first <= through:
        last_kept = min(period.last, through)
        found += [
            DayFigure(figure, day, key, count, total, unpacked(values))
            for figure, day, key, count, total, values in DailyFigure.objects.filter(
                figure__in=source.figures, day__gte=period.first, day__lte=last_kept
            )
            .order_by()
            .values_list("figure", "day", "key", "count", "total", "values")
        ]
        first_live = last_kept + timedelta(days=1)
    if first_live <= period.last:
        found += source.live(first_live, period.last)
    return found


def summaries_close_days(*, today: date | None = None) -> date:
    """Summarize every closed day after the mark up to yesterday (on a first run, from the day
    of the earliest record of any source), in chunks of CHUNK_DAYS days, each in its own
    transaction that holds the mark's row locked, so two runs at once write each day once.
    Returns the new mark. Idempotent: nothing to write when the mark is yesterday."""
    today = today or timezone.localdate()
    yesterday = today - timedelta(days=1)
    while True:
        with transaction.atomic():
            mark = _locked_mark(yesterday)
            if mark.through >= yesterday:
                return mark.through
            first = mark.through + timedelta(days=1)
            last = min(yesterday, first + timedelta(days=CHUNK_DAYS - 1))
            _write(first, last)
            mark.through, mark.written_at = last, timezone.now()
            mark.save(update_fields=["through", "written_at"])
            logger.info("Daily summary written for %s to %s.", first, last)


def _locked_mark(yesterday: date) -> SummaryMark:
    """The mark's row, locked until the transaction ends; made first when there is none, just
    before the earliest record's day (a run at the same moment that made it too is told by the
    primary key and takes the other's)."""
    if not SummaryMark.objects.filter(name=MARK).exists():
        try:
            with transaction.atomic():
                SummaryMark.objects.create(
                    name=MARK,
                    through=_first_day(yesterday) - timedelta(days=1),
                    written_at=timezone.now(),
                )
        except IntegrityError:
            pass  # another run made it meanwhile
    return locked(SummaryMark.objects).get(name=MARK)


def summaries_forget() -> None:
    """Drop the whole summary (the next summaries_close_days writes it again from the start):
    for records written with moments in closed days, which only the demo's history does."""
    with transaction.atomic():
        SummaryMark.objects.filter(name=MARK).delete()
        DailyFigure.objects.all().delete()


def _first_day(yesterday: date) -> date:
    """The day of the earliest record of any source (yesterday + 1 day when none)."""
    starts = [day for source in SOURCES if (day := source.earliest()) is not None]
    return min(starts, default=yesterday + timedelta(days=1))


def merged(figures: list[DayFigure]) -> list[DayFigure]:
    """One DayFigure per (figure, day, key): counts and totals added, observations merged in
    order (a live source may give one figure from several tables, e.g. payments and deposits
    received by the same mode on the same day)."""
    rows: dict[tuple[str, date, str], DayFigure] = {}
    for found in figures:
        slot = (found.figure, found.day, found.key)
        before = rows.get(slot)
        rows[slot] = (
            found
            if before is None
            else DayFigure(
                found.figure,
                found.day,
                found.key,
                before.count + found.count,
                before.total + found.total,
                tuple(sorted(before.values + found.values)),
            )
        )
    return list(rows.values())


def _write(first: date, last: date) -> None:
    names = [name for source in SOURCES for name in source.figures]
    DailyFigure.objects.filter(figure__in=names, day__gte=first, day__lte=last).delete()
    rows = [
        DailyFigure(
            day=found.day,
            figure=found.figure,
            key=found.key,
            count=found.count,
            total=found.total,
            values=packed(found.values),
        )
        for source in SOURCES
        for found in merged(source.live(first, last))
    ]
    DailyFigure.objects.bulk_create(rows, batch_size=1000)
